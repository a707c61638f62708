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
    ("compare", 4),
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

/// The `ui` modules `code` names (`super::x` in a file directly under
/// `src/ui`, `crate::ui::x` anywhere), outside comments.
fn ui_uses(code: &str, top_level: bool, modules: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let line = line.split("//").next().unwrap_or("");
        let mut prefixes = vec!["crate::ui::"];
        if top_level {
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
                if modules.contains(&name) && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// A cycle in `edges` (module → modules it uses), if any, as a path.
fn cycle(edges: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        edges: &[(String, Vec<String>)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if done.iter().any(|d| d == at) {
            return None;
        }
        path.push(at.to_string());
        let next = edges.iter().find(|(m, _)| m == at).map(|(_, u)| u.clone());
        for n in next.unwrap_or_default() {
            if let Some(c) = visit(&n, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(at.to_string());
        None
    }
    let mut done = Vec::new();
    for (m, _) in edges {
        if let Some(c) = visit(m, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_two_ui_modules_import_each_other_even_through_others() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    // A module is a file directly under src/ui, or a folder (as one).
    let mut files: Vec<(String, std::path::PathBuf, bool)> = Vec::new();
    for entry in fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            for sub in fs::read_dir(&path).unwrap() {
                let sub = sub.unwrap().path();
                if sub.extension().is_some_and(|e| e == "rs") {
                    files.push((name.clone(), sub, false));
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
            files.push((name, path, true));
        }
    }
    files.sort();
    let mut modules: Vec<String> = files.iter().map(|(m, _, _)| m.clone()).collect();
    modules.dedup();
    assert!(modules.len() > 10, "{modules:?}");
    let mut edges: Vec<(String, Vec<String>)> =
        modules.iter().map(|m| (m.clone(), Vec::new())).collect();
    for (module, path, top_level) in &files {
        let code = fs::read_to_string(path).unwrap();
        let used = ui_uses(&code, *top_level, &modules);
        let entry = edges.iter_mut().find(|(m, _)| m == module).unwrap();
        for u in used.into_iter().filter(|u| u != module) {
            if !entry.1.contains(&u) {
                entry.1.push(u);
            }
        }
    }
    assert_eq!(cycle(&edges), None, "ui modules that import each other");
}

#[test]
fn the_cycle_finder_sees_a_loop_through_a_third_module() {
    let e = |m: &str, u: &[&str]| (m.to_string(), u.iter().map(|s| s.to_string()).collect());
    let looped = [
        e("run", &["host"]),
        e("host", &["keys"]),
        e("keys", &["run"]),
    ];
    assert_eq!(cycle(&looped).map(|c| c.len()), Some(4));
    let straight = [
        e("app", &["run", "host"]),
        e("host", &[]),
        e("run", &["host"]),
    ];
    assert_eq!(cycle(&straight), None);
    let modules = ["run".to_string(), "host".to_string()];
    assert_eq!(
        ui_uses("use super::run::Run; // super::host", true, &modules),
        vec!["run"]
    );
}
