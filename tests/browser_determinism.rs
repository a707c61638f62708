//! In the browser, each pattern's faulty run produces exactly the trace the
//! native build produces (`tests/golden/traces.txt`, checked natively by
//! `determinism.rs`).
#![cfg(target_arch = "wasm32")]

#[path = "common/determinism.rs"]
mod common;

use common::{golden, trace_hash};
use converge::patterns::Pattern;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_traces_equal_native_traces() {
    for p in Pattern::all() {
        assert_eq!(
            Some(trace_hash(p, 7)),
            golden(p),
            "{}: the browser run differs from the native one",
            p.slug()
        );
    }
}
