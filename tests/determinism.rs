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
