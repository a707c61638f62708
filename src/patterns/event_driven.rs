//! Placeholder until the pattern lands.

/// Placeholder scenario.
pub type PowerGrid = crate::sim::demo::Ticker;
