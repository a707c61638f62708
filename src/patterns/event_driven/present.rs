//! Every word and table shown to people: message labels, the state
//! tables, the services' one-line summaries.

use super::*;

/// Tenths of a kWh as words ("3.1 kWh").
pub fn kwh(tenths: u64) -> String {
    format!("{}.{} kWh", tenths / 10, tenths % 10)
}

pub(super) fn kw(tenths: u64) -> String {
    format!("{}.{} kW", tenths / 10, tenths % 10)
}

pub(super) fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// Tenths (of a kWh, a kW) as the number a cell holds.
fn tenths(t: u64) -> f64 {
    t as f64 / 10.0
}

impl PowerGrid {
    pub(super) fn cents(&self, tenths: u64) -> u64 {
        (tenths * self.tariff + 5) / 10
    }

    pub(super) fn describe_msg(&self, msg: &AnyMsg) -> String {
        let Some(msg) = Reading::from_any(msg) else {
            return String::new();
        };
        format!(
            "reading #{} for meter {}: {}",
            msg.id,
            msg.meter,
            kwh(msg.tenths as u64)
        )
    }

    pub(super) fn state_tables(&self) -> Vec<Table> {
        let mut out = Vec::new();
        out.push(Table {
            id: "readings",
            title: "Meter: readings per meter (source of truth)".into(),
            node: METER,
            columns: vec!["meter", "zone", "customer", "latest", "total", "readings"],
            rows: (1..=METERS)
                .map(|m| {
                    let row = &self.meters[(m - 1) as usize];
                    let latest = match row.latest {
                        Some(l) => {
                            Cell::value(format!("#{} {}", l.0, kwh(l.2 as u64)), false, row.event)
                                .num(tenths(l.2 as u64))
                        }
                        None => Cell::value("-", false, row.event),
                    };
                    Row {
                        key: format!("meter-{m}"),
                        cells: vec![
                            Cell::new(m.to_string()).num(f64::from(m)),
                            Cell::new(zone_name(zone_of(m)).to_string()),
                            Cell::new(customer_of(m).to_string()).num(f64::from(customer_of(m))),
                            latest,
                            Cell::value(kwh(row.total), false, row.event).num(tenths(row.total)),
                            Cell::new(row.times.len().to_string()).num(row.times.len() as f64),
                        ],
                    }
                })
                .collect(),
        });
        let mut unsent: Vec<Row> = self
            .outbox_rows
            .values()
            .map(|r| {
                (
                    r,
                    if self.in_flight.contains_key(&r.id) {
                        "publishing (outbox)"
                    } else {
                        "waiting (outbox)"
                    },
                )
            })
            .chain(self.pending.values().map(|r| (r, "in memory (dual write)")))
            .map(|(r, status)| Row {
                key: format!("reading-{}", r.id),
                cells: vec![
                    Cell::new(format!("#{}", r.id)).num(r.id as f64),
                    Cell::new(r.meter.to_string()).num(f64::from(r.meter)),
                    Cell::new(kwh(r.tenths as u64)).num(tenths(r.tenths as u64)),
                    Cell::new(status),
                ],
            })
            .collect();
        crate::sim::sort::sort_by(&mut unsent, |a, b| a.key.cmp(&b.key));
        out.push(Table {
            id: "unpublished",
            title: "Meter: events not yet published".into(),
            node: METER,
            columns: vec!["reading", "meter", "energy", "status"],
            rows: unsent,
        });
        out.push(Table {
            id: "billing",
            title: "Billing: charges per customer".into(),
            node: BILLING,
            columns: vec!["customer", "meters", "billed", "charge", "meters read"],
            rows: (1..=CUSTOMERS)
                .map(|c| {
                    let i = (c - 1) as usize;
                    let diverged = self.billed[i] != self.truth_customer[i];
                    Row {
                        key: format!("customer-{c}"),
                        cells: vec![
                            Cell::new(c.to_string()).num(f64::from(c)),
                            Cell::new(format!("{}, {}", 2 * c - 1, 2 * c)),
                            Cell::value(kwh(self.billed[i]), diverged, self.billed_event[i])
                                .num(tenths(self.billed[i])),
                            Cell::value(
                                dollars(self.cents(self.billed[i])),
                                diverged,
                                self.billed_event[i],
                            )
                            .num(self.cents(self.billed[i]) as f64 / 100.0),
                            Cell::new(kwh(self.truth_customer[i]))
                                .num(tenths(self.truth_customer[i])),
                        ],
                    }
                })
                .collect(),
        });
        out.push(Table {
            id: "load",
            title: "Load balancer: load per zone".into(),
            node: LOAD_BALANCER,
            columns: vec!["zone", "load", "true load", "stale meters"],
            rows: (0..ZONES)
                .map(|z| {
                    let stale: Vec<String> = (1..=METERS)
                        .filter(|&m| zone_of(m) == z && self.meter_stale(m))
                        .map(|m| m.to_string())
                        .collect();
                    let diverged = !stale.is_empty();
                    Row {
                        key: format!("zone-{}", zone_name(z)),
                        cells: vec![
                            Cell::new(zone_name(z).to_string()),
                            Cell::value(
                                kw(self.zone_load[z as usize]),
                                diverged,
                                self.zone_event[z as usize],
                            )
                            .num(tenths(self.zone_load[z as usize])),
                            Cell::new(kw(self.truth_zone_load[z as usize]))
                                .num(tenths(self.truth_zone_load[z as usize])),
                            Cell::value(
                                if diverged {
                                    stale.join(", ")
                                } else {
                                    "none".into()
                                },
                                diverged,
                                None,
                            ),
                        ],
                    }
                })
                .collect(),
        });
        let queued = |z: u16| {
            self.inbox
                .values()
                .filter(|r| zone_of(r.meter) == z)
                .count()
        };
        out.push(Table {
            id: "analytics",
            title: "Analytics: energy per zone (batched)".into(),
            node: ANALYTICS,
            columns: vec!["zone", "energy", "true energy", "queued"],
            rows: (0..ZONES)
                .map(|z| {
                    let i = z as usize;
                    Row {
                        key: format!("zone-{}", zone_name(z)),
                        cells: vec![
                            Cell::new(zone_name(z).to_string()),
                            Cell::value(
                                kwh(self.analytics_zone[i]),
                                self.analytics_zone[i] != self.truth_zone_energy[i],
                                self.analytics_event[i],
                            )
                            .num(tenths(self.analytics_zone[i])),
                            Cell::new(kwh(self.truth_zone_energy[i]))
                                .num(tenths(self.truth_zone_energy[i])),
                            Cell::new(queued(z).to_string()).num(queued(z) as f64),
                        ],
                    }
                })
                .collect(),
        });
        out
    }

    pub(super) fn node_summary(&self, node: NodeId) -> String {
        match node {
            METER => {
                if self.outbox {
                    format!(
                        "{} readings · outbox {}",
                        self.next_id,
                        self.outbox_rows.len()
                    )
                } else {
                    format!(
                        "{} readings · {} unpublished",
                        self.next_id,
                        self.pending.len()
                    )
                }
            }
            BROKER => format!("{} published", self.published),
            BILLING => format!("billed {}", dollars(self.cents(self.total_billed()))),
            LOAD_BALANCER => format!("grid load {}", kw(self.zone_load.iter().sum())),
            ANALYTICS => format!(
                "{} · {} queued",
                kwh(self.analytics_zone.iter().sum()),
                self.inbox.len()
            ),
            _ => String::new(),
        }
    }
}
