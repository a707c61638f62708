//! Placeholder until the pattern lands.

/// Placeholder scenario.
pub type BackgroundSync = crate::sim::demo::Ticker;
