//! The engine's layering, as an invariant: every module of `src/sim` may
//! use only modules below it (see the table in `src/sim/mod.rs`). A new
//! upward import (say, `core` reaching for `scenario`) or a new module
//! left out of the table fails here.

use std::fs;
use std::path::Path;

/// Bottom to top. A module may use modules of a lower rank only.
const LAYERS: &[(&str, u8)] = &[
    ("types", 0),
    ("rng", 0),
    ("vecmap", 0),
    ("sort", 0),
    ("net", 1),
    ("wire", 1),
    ("standing", 1),
    ("spec", 2),
    ("script", 2),
    ("trace", 3),
    ("broker", 4),
    ("flights", 4),
    ("core", 5),
    ("ctx", 6),
    ("scenario", 7),
    ("world", 8),
    ("runner", 9),
    ("frame", 10),
    ("demo", 11),
];

fn rank(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// The sibling modules `code` names, through `super::x` (when `parent_is_sim`)
/// or `crate::sim::x`, outside comments.
fn uses(code: &str, parent_is_sim: bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let line = line.split("//").next().unwrap_or("");
        let mut prefixes = vec!["crate::sim::"];
        if parent_is_sim {
            prefixes.push("super::");
        }
        for p in prefixes {
            let mut rest = line;
            while let Some(i) = rest.find(p) {
                rest = &rest[i + p.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if rank(&name).is_some() && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

#[test]
fn every_engine_module_uses_only_modules_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim");
    let mut files = Vec::new();
    for entry in fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let module = path.file_name().unwrap().to_str().unwrap().to_string();
            for sub in fs::read_dir(&path).unwrap() {
                let sub = sub.unwrap().path();
                // Inside a directory module, `super::` is the module itself.
                let parent_is_sim = sub.file_name().unwrap() == "mod.rs";
                files.push((module.clone(), sub, parent_is_sim));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let module = path.file_stem().unwrap().to_str().unwrap().to_string();
            if module != "mod" {
                files.push((module, path, true));
            }
        }
    }
    files.sort();
    assert!(files.len() >= LAYERS.len(), "{files:?}");
    let mut wrong = Vec::new();
    for (module, path, parent_is_sim) in &files {
        let Some(me) = rank(module) else {
            wrong.push(format!("src/sim/{module} is not in the layer table"));
            continue;
        };
        let code = fs::read_to_string(path).unwrap();
        for used in uses(&code, *parent_is_sim) {
            if used != *module && rank(&used).unwrap() >= me {
                wrong.push(format!(
                    "{} (layer {me}) uses {used} (layer {})",
                    path.strip_prefix(&root).unwrap().display(),
                    rank(&used).unwrap()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "upward or sideways imports:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    let code = "use super::types::Time;\n// use super::world::World;\nuse crate::sim::scenario::Topology;\n";
    assert_eq!(uses(code, true), vec!["types", "scenario"]);
    assert_eq!(uses("use super::Core;", false), Vec::<String>::new());
}
