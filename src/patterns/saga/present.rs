//! Every word and table shown to people: message labels, the state
//! tables, the services' one-line summaries.

use super::*;

pub(super) fn dollars(v: i64) -> String {
    if v < 0 {
        format!("-${}", -v)
    } else {
        format!("${v}")
    }
}

impl Saga {
    pub(super) fn sagas_table_rows(&self) -> Vec<Row> {
        let recent: Vec<_> = self.ledger.sagas.iter().rev().take(40).collect();
        recent
            .into_iter()
            .rev()
            .map(|(id, r)| {
                let steps: Vec<String> = r
                    .runs
                    .iter()
                    .map(|(s, _)| s.name().to_string())
                    .chain(
                        r.failed
                            .map(|(s, why, _)| format!("{} ✗ ({why})", s.name())),
                    )
                    .collect();
                let comps: Vec<&str> = r.compensations.iter().map(|(s, _)| s.undo_name()).collect();
                let state = r.state();
                let log = match (r.style, self.orchestrator.log.get(id)) {
                    (Style::Orchestrated, Some(l)) => l.phase.words(),
                    _ => "—".into(),
                };
                let log_behind = r.style == Style::Orchestrated
                    && self
                        .orchestrator
                        .log
                        .get(id)
                        .is_some_and(|l| l.phase.is_final() != state.is_final());
                Row {
                    key: id.to_string(),
                    cells: vec![
                        Cell::new(format!("#{id}")).num(*id as f64),
                        Cell::new(match r.style {
                            Style::Orchestrated => "orchestrated",
                            Style::Choreographed => "choreographed",
                        }),
                        Cell::value(state.name(), !state.is_final(), r.event),
                        Cell::value(steps.join(" → "), false, r.event),
                        Cell::value(
                            if comps.is_empty() {
                                "—".into()
                            } else {
                                comps.join(" → ")
                            },
                            false,
                            r.event,
                        ),
                        Cell::value(log, log_behind, None),
                    ],
                }
            })
            .collect()
    }

    pub(super) fn describe_msg(&self, msg: &AnyMsg) -> String {
        let Some(msg) = Msg::from_any(msg) else {
            return String::new();
        };
        match msg {
            Msg::PlaceOrder(o) => format!("place order #{}: {} for ${}", o.id, o.goods(), o.amount),
            Msg::Do {
                saga,
                step,
                order: o,
            } => match step {
                Step::Order => format!("create order #{saga}"),
                Step::Payment => format!("charge ${} for saga #{saga}", o.amount),
                Step::Inventory => format!("reserve {} for saga #{saga}", o.goods()),
                Step::Shipping => format!("book a courier for saga #{saga}"),
                Step::Dispatch => format!("hand {} to the courier for saga #{saga}", o.goods()),
                Step::Approve => format!("approve order #{saga}"),
            },
            Msg::Done {
                saga,
                step,
                failed: None,
            } => format!("saga #{saga}: {} done", step.name()),
            Msg::Done {
                saga,
                step,
                failed: Some(why),
            } => format!("saga #{saga}: {} failed ({why})", step.name()),
            Msg::Undo {
                saga,
                step,
                order: o,
            } => match step {
                Step::Payment => format!("refund ${} for saga #{saga}", o.amount),
                Step::Inventory => format!("release {} for saga #{saga}", o.goods()),
                _ => format!("cancel order #{saga}"),
            },
            Msg::Undone {
                saga,
                step,
                ok: true,
            } => format!("saga #{saga}: {} done", step.undo_name()),
            Msg::Undone {
                saga,
                step,
                ok: false,
            } => format!("saga #{saga}: {} failed, will retry", step.undo_name()),
            Msg::ReadSales => "read the sales report".into(),
            Msg::Sales {
                orders,
                revenue,
                dirty,
            } => format!(
                "sales: {orders} orders, ${revenue} ({} still in a saga)",
                dirty.len()
            ),
            Msg::Event { saga, what, .. } => format!("saga #{saga}: {}", what.words()),
        }
    }

    pub(super) fn state_tables(&self) -> Vec<Table> {
        let recent = |n: usize| n.saturating_sub(40);
        let orders = self
            .orders
            .iter()
            .skip(recent(self.orders.len()))
            .map(|(id, o)| {
                let bad = !agrees_with_payment(o, self.charges.get(id))
                    || !agrees_with_stock(o, self.reservations.get(id));
                Row {
                    key: id.to_string(),
                    cells: vec![
                        Cell::new(format!("#{id}")).num(*id as f64),
                        Cell::new(o.info.goods()),
                        Cell::new(format!("${}", o.info.amount)).num(o.info.amount as f64),
                        Cell::value(o.status.name(), bad, Some(o.event)),
                    ],
                }
            });
        let charges = self
            .charges
            .iter()
            .skip(recent(self.charges.len()))
            .map(|(id, c)| {
                let bad = self
                    .orders
                    .get(id)
                    .is_none_or(|o| !agrees_with_payment(o, Some(c)));
                Row {
                    key: id.to_string(),
                    cells: vec![
                        Cell::new(format!("#{id}")).num(*id as f64),
                        Cell::value(format!("${}", c.charged), bad, Some(c.event))
                            .num(c.charged as f64),
                        Cell::value(format!("${}", c.refunded), bad, Some(c.event))
                            .num(c.refunded as f64),
                        Cell::value(c.status, bad, Some(c.event)),
                    ],
                }
            });
        let stock = self.stock.iter().enumerate().map(|(i, s)| {
            let bad = s.on_hand + s.reserved + s.shipped != ITEMS[i].2 + s.received;
            Row {
                key: ITEMS[i].0.into(),
                cells: vec![
                    Cell::new(ITEMS[i].0),
                    Cell::value(s.on_hand.to_string(), bad, s.event).num(s.on_hand as f64),
                    Cell::value(s.reserved.to_string(), bad, s.event).num(s.reserved as f64),
                    Cell::value(s.shipped.to_string(), bad, s.event).num(s.shipped as f64),
                    Cell::value(s.received.to_string(), false, s.event).num(s.received as f64),
                ],
            }
        });
        let reservations = self
            .reservations
            .iter()
            .skip(recent(self.reservations.len()))
            .map(|(id, r)| {
                let bad = self
                    .orders
                    .get(id)
                    .is_none_or(|o| !agrees_with_stock(o, Some(r)));
                let state = match r.state {
                    ReservationState::Reserved => "RESERVED",
                    ReservationState::Shipped => "SHIPPED",
                    ReservationState::Released => "RELEASED",
                    ReservationState::OutOfStock => "OUT OF STOCK",
                };
                Row {
                    key: id.to_string(),
                    cells: vec![
                        Cell::new(format!("#{id}")).num(*id as f64),
                        Cell::new(format!("{} × {}", r.qty, ITEMS[r.item as usize].0)),
                        Cell::value(state, bad, Some(r.event)),
                    ],
                }
            });
        let shipments = self
            .shipments
            .iter()
            .skip(recent(self.shipments.len()))
            .map(|(id, s)| Row {
                key: id.to_string(),
                cells: vec![
                    Cell::new(format!("#{id}")).num(*id as f64),
                    Cell::new(s.order.goods()),
                    Cell::value(
                        if s.bookings == 1 {
                            "BOOKED".to_string()
                        } else {
                            format!("BOOKED {}×", s.bookings)
                        },
                        s.bookings > 1,
                        Some(s.event),
                    ),
                ],
            });
        let approved: u64 = self
            .orders
            .values()
            .filter(|o| o.status == OrderStatus::Approved)
            .map(|o| o.info.amount)
            .sum();
        let rolled_back = self
            .reports
            .dirty_orders
            .iter()
            .filter(|id| {
                self.orders
                    .get(id)
                    .is_some_and(|o| o.status == OrderStatus::Cancelled)
            })
            .count();
        let r = &self.reports;
        let kv = |k: &str, v: u64, dollars: bool, bad: bool| Row {
            key: k.to_string(),
            cells: vec![
                Cell::new(k),
                Cell::value(
                    if dollars {
                        format!("${v}")
                    } else {
                        v.to_string()
                    },
                    bad,
                    r.event,
                )
                .num(v as f64),
            ],
        };
        vec![
            Table {
                id: "sagas",
                title: "Sagas, step by step (latest 40)".into(),
                node: ORCHESTRATOR,
                columns: vec![
                    "saga",
                    "style",
                    "state",
                    "steps done",
                    "compensated",
                    "orchestrator log",
                ],
                rows: self.sagas_table_rows(),
            },
            Table {
                id: "orders",
                title: "Order: orders".into(),
                node: ORDER,
                columns: vec!["order", "items", "amount", "state"],
                rows: orders.collect(),
            },
            Table {
                id: "charges",
                title: "Payment: charges".into(),
                node: PAYMENT,
                columns: vec!["order", "charged", "refunded", "state"],
                rows: charges.collect(),
            },
            Table {
                id: "stock",
                title: "Inventory: stock".into(),
                node: INVENTORY,
                columns: vec!["item", "on hand", "reserved", "shipped", "received"],
                rows: stock.collect(),
            },
            Table {
                id: "reservations",
                title: "Inventory: reservations".into(),
                node: INVENTORY,
                columns: vec!["order", "items", "state"],
                rows: reservations.collect(),
            },
            Table {
                id: "bookings",
                title: "Shipping: courier bookings".into(),
                node: SHIPPING,
                columns: vec!["order", "items", "state"],
                rows: shipments.collect(),
            },
            Table {
                id: "reports",
                title: "Reports: sales report".into(),
                node: REPORTS,
                columns: vec!["figure", "value"],
                rows: vec![
                    kv("reports read", r.reads, false, false),
                    kv("orders counted", u64::from(r.orders), false, false),
                    kv("revenue counted", r.revenue, true, r.revenue != approved),
                    kv("revenue of approved orders", approved, true, false),
                    kv("dirty reads", r.dirty_reads, false, r.dirty_reads > 0),
                    kv(
                        "dirty orders later cancelled",
                        rolled_back as u64,
                        false,
                        rolled_back > 0,
                    ),
                ],
            },
        ]
    }

    pub(super) fn node_summary(&self, node: NodeId) -> String {
        match node {
            CUSTOMERS => format!("{} orders placed", self.placed),
            ORDER => {
                let open = self
                    .orders
                    .values()
                    .filter(|o| matches!(o.status, OrderStatus::Pending | OrderStatus::Placed))
                    .count();
                format!("{} orders, {open} open", self.orders.len())
            }
            ORCHESTRATOR => match self.orchestrator.open.iter().next_back() {
                Some(id) => match self.orchestrator.log[id].phase {
                    Phase::Step(s) => format!("saga #{id}: {}", s.name()),
                    Phase::Compensate(s) => format!("saga #{id}: {}", s.undo_name()),
                    _ => String::new(),
                },
                None if self.choreography => "idle (choreography)".into(),
                None => "idle".into(),
            },
            PAYMENT => format!(
                "net charged ${}",
                self.charges.values().map(Charge::net).sum::<i64>()
            ),
            INVENTORY => format!(
                "stock {}",
                self.stock.iter().map(|s| s.on_hand).sum::<u64>()
            ),
            SHIPPING => format!("{} bookings", self.shipments.len()),
            REPORTS => format!("dirty reads {}", self.reports.dirty_reads),
            _ => String::new(),
        }
    }
}
