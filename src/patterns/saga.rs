//! Placeholder until the pattern lands.

/// Placeholder scenario.
pub type Saga = crate::sim::demo::Ticker;
