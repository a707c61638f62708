//! The grid's checks, each declared with its predicate: the name the
//! meter and lessons use, always or eventually, its help, and whether and
//! (in words) what breaks it. The meter shows them in this order.

use super::*;

/// Every check of the grid, in the meter's order.
pub(super) const CHECKS: [Check<PowerGrid>; 3] = [
    Check {
        name: "billing matches the meters",
        kind: CheckKind::Eventually,
        help: "Each customer is billed for exactly the energy their meters read, times the tariff.",
        broken: PowerGrid::any_misbilled,
        why: PowerGrid::misbilled,
    },
    Check {
        name: "load balancer has the latest readings",
        kind: CheckKind::Eventually,
        help: "Each zone's load is the sum of the latest reading of each of its meters.",
        broken: PowerGrid::any_stale,
        why: PowerGrid::stale_load,
    },
    Check {
        name: "no reading billed twice",
        kind: CheckKind::Always,
        help: "Billing never charges the same reading twice.",
        broken: PowerGrid::billed_twice,
        why: PowerGrid::billed_twice_words,
    },
];

impl PowerGrid {
    /// A customer is billed for other than what their meters read.
    fn any_misbilled(&self, _env: &Env<'_, AnyMsg>) -> bool {
        self.billing_diff().next().is_some()
    }

    /// A meter's latest reading is not the one the load balancer uses.
    fn any_stale(&self, _env: &Env<'_, AnyMsg>) -> bool {
        (1..=METERS).any(|m| self.meter_stale(m))
    }

    /// A reading was billed twice.
    fn billed_twice(&self, _env: &Env<'_, AnyMsg>) -> bool {
        self.double_billed.is_some()
    }

    /// A customer billed for other than what their meters read.
    fn misbilled(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        let mut diff = self.billing_diff();
        diff.next().map(|c| {
            let (b, t) = (
                self.billed[(c - 1) as usize],
                self.truth_customer[(c - 1) as usize],
            );
            let others = diff.count();
            let more = if others > 0 {
                format!(" (and {others} more customers)")
            } else {
                String::new()
            };
            format!(
                "customer {c} is billed for {} ({}) but their meters read {} ({}){more}",
                kwh(b),
                dollars(self.cents(b)),
                kwh(t),
                dollars(self.cents(t))
            )
        })
    }

    /// A meter whose latest reading the load balancer does not use.
    fn stale_load(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        let stale = self.stale_meters();
        stale.first().map(|&m| {
            let row = &self.meters[(m - 1) as usize];
            let (tid, _, tv) = row.latest.unwrap_or((0, 0, 0));
            let has = match self.load[(m - 1) as usize].applied {
                Some((id, _, v)) => format!("reading #{id} ({})", kwh(v as u64)),
                None => "no reading".into(),
            };
            let more = if stale.len() > 1 { format!(" (and {} more meters)", stale.len() - 1) } else { String::new() };
            format!(
                "zone {}: the load balancer uses {has} for meter {m}, but its latest is reading #{tid} ({}){more}",
                zone_name(zone_of(m)),
                kwh(tv as u64)
            )
        })
    }

    /// A reading billed twice.
    fn billed_twice_words(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.double_billed.map(|(id, meter)| {
            let more = if self.double_count > 1 {
                format!(" ({} double charges so far)", self.double_count)
            } else {
                String::new()
            };
            format!("reading #{id} for meter {meter} billed twice{more}")
        })
    }
}
