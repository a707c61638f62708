//! Placeholder until the pattern lands.

/// Placeholder scenario.
pub type Cqrs = crate::sim::demo::Ticker;
