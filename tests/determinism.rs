//! The same (pattern, seed, script) gives the same trace every time, and
//! the same as in the browser: both this test and `browser_determinism.rs`
//! compare against `tests/golden/traces.txt`.
//!
//! After an intentional change to a pattern, regenerate the golden file
//! with `UPDATE_GOLDEN=1 cargo test --test determinism`.

#[path = "common/determinism.rs"]
mod common;

use common::{golden, trace_hash};
use converge::patterns::Pattern;

#[test]
fn every_pattern_replays_identically_and_matches_the_golden_trace() {
    let mut lines = Vec::new();
    for p in Pattern::all() {
        let first = trace_hash(p, 7);
        assert_eq!(first, trace_hash(p, 7), "{} replays identically", p.slug());
        assert_ne!(
            first.0,
            trace_hash(p, 8).0,
            "{}: another seed gives another run",
            p.slug()
        );
        lines.push(format!("{} {:016x} {}", p.slug(), first.0, first.1));
        if std::env::var_os("UPDATE_GOLDEN").is_none() {
            assert_eq!(golden(p), Some(first), "{}: trace differs from tests/golden/traces.txt (regenerate with UPDATE_GOLDEN=1 if the change is intended)", p.slug());
        }
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/traces.txt");
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }
}

/// How far [`every_long_link_replays_to_its_golden_trace`] replays (ms).
const LONG_LINK_UNTIL: u64 = 120_000;

/// The largest link of every pattern (`tests/e2e/long-links.json`: every
/// kind of command, toggles, settings and actions by their link places)
/// replays, for its first two minutes, to the trace in
/// `tests/golden/long-links.txt`,
/// written before the patterns became folders with typed controls: a
/// refactor of a pattern that changes what an old link replays fails here.
#[test]
fn every_long_link_replays_to_its_golden_trace() {
    let links: serde_json::Value =
        serde_json::from_str(include_str!("e2e/long-links.json")).unwrap();
    let mut lines = Vec::new();
    for p in Pattern::all() {
        let link = links[p.slug()].as_str().unwrap();
        let scene = converge::share::Scene::open_code(link.trim_start_matches("?s=")).unwrap();
        assert_eq!(scene.pattern, p);
        let mut run = p.replay(scene.seed, scene.script.clone()).unwrap();
        // The first two minutes hold most of each link's commands and keep
        // this test to seconds (the whole ten minutes take minutes here).
        run.run_until(scene.at.min(LONG_LINK_UNTIL));
        let hash = common::fnv1a(run.trace_json().as_bytes());
        lines.push(format!("{} {hash:016x} {}", p.slug(), run.processed()));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/long-links.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }
    let golden = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        golden.lines().collect::<Vec<_>>(),
        lines,
        "a long link replays otherwise than tests/golden/long-links.txt (regenerate with UPDATE_GOLDEN=1 if the change is intended)"
    );
}
