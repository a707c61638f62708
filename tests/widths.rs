//! Explicit widths: ids a link, a scene or the trace carries are u64 or
//! u16 on every target, so a link means the same natively and in the
//! browser (`browser_widths.rs` runs the same check on wasm32).

#[path = "common/widths.rs"]
mod common;

#[test]
fn dropping_message_2_pow_32_plus_m_leaves_message_m_alone() {
    common::assert_nothing_is_dropped(&common::drop_beyond_32_bits());
}
