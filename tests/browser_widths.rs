//! The width test of `widths.rs`, in a real browser (wasm32, where `usize`
//! is 32 bits): a link that drops message `m + 2^32` must not drop `m`.
#![cfg(target_arch = "wasm32")]

#[path = "common/widths.rs"]
mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn dropping_message_2_pow_32_plus_m_leaves_message_m_alone() {
    common::assert_nothing_is_dropped(&common::drop_beyond_32_bits());
}
