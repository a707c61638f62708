//! What travels: a meter reading.

use serde::Serialize;

/// One meter reading: the event every consumer receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// Reading number, unique across the grid (#42).
    pub id: u64,
    /// Meter, 1..=24.
    pub meter: u16,
    /// This meter's reading count (1 for its first reading).
    pub seq: u32,
    /// Energy in tenths of a kWh.
    pub tenths: u32,
}
