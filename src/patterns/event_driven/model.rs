//! What each service keeps (the Meter's rows, the load balancer's
//! entries) and what the truth says, for the checks and the views.

use super::*;

/// One meter in the Meter service's database.
#[derive(Clone, Debug, Default)]
pub(super) struct MeterRow {
    /// Sum of all readings, tenths of kWh.
    pub(super) total: u64,
    /// Latest reading: id, seq and value.
    pub(super) latest: Option<(u64, u32, u32)>,
    /// When each reading was written, by seq - 1.
    pub(super) times: Vec<Time>,
    /// The write of the latest reading.
    pub(super) event: Option<EventId>,
}

/// A meter as the load balancer knows it.
#[derive(Clone, Debug, Default)]
pub(super) struct LoadEntry {
    /// Reading id, seq and value applied last.
    pub(super) applied: Option<(u64, u32, u32)>,
}

impl PowerGrid {
    /// Readings the Meter service has stored so far.
    pub fn readings(&self) -> u64 {
        self.next_id
    }

    /// Energy read by all meters, in tenths of a kWh (the truth).
    pub fn total_read(&self) -> u64 {
        self.truth_customer.iter().sum()
    }

    /// Energy billed to all customers, in tenths of a kWh.
    pub fn total_billed(&self) -> u64 {
        self.billed.iter().sum()
    }

    /// Energy billed to `customer` (1..=12), in tenths of a kWh.
    pub fn billed_for(&self, customer: u16) -> u64 {
        self.billed[(customer - 1) as usize]
    }

    /// Energy read by `customer`'s meters (1..=12), in tenths of a kWh.
    pub fn read_for(&self, customer: u16) -> u64 {
        self.truth_customer[(customer - 1) as usize]
    }

    /// How many times a reading was billed again.
    pub fn double_billings(&self) -> u64 {
        self.double_count
    }

    /// The load balancer's load of `zone` (0 = A), in tenths of a kW.
    pub fn zone_load(&self, zone: u16) -> u64 {
        self.zone_load[zone as usize]
    }

    /// The true load of `zone` (0 = A) from the latest readings, in tenths of a kW.
    pub fn true_zone_load(&self, zone: u16) -> u64 {
        self.truth_zone_load[zone as usize]
    }

    /// Meters (1..=24) whose latest reading the load balancer does not have.
    pub fn stale_meters(&self) -> Vec<u16> {
        (1..=METERS).filter(|&m| self.meter_stale(m)).collect()
    }

    /// Rows in the outbox not yet confirmed by the broker.
    pub fn outbox_len(&self) -> usize {
        self.outbox_rows.len()
    }

    pub(super) fn meter_stale(&self, m: u16) -> bool {
        let truth = self.meters[(m - 1) as usize].latest.map(|l| l.1);
        let seen = self.load[(m - 1) as usize].applied.map(|l| l.1);
        truth != seen
    }

    pub(super) fn billing_diff(&self) -> impl Iterator<Item = u16> + '_ {
        (1..=CUSTOMERS)
            .filter(|&c| self.billed[(c - 1) as usize] != self.truth_customer[(c - 1) as usize])
    }

    pub(super) fn zone_stale(&self, zone: u16) -> bool {
        (1..=METERS)
            .filter(|&m| zone_of(m) == zone)
            .any(|m| self.meter_stale(m))
    }
}
