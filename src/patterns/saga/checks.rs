//! The saga's checks, each declared with its predicate: the name the
//! meter and lessons use, always or eventually, the words of its help, and
//! the function that finds what breaks it (`None`: it holds). The meter
//! shows them in this order.

use super::*;

/// Every check of the saga, in the meter's order.
pub(super) const CHECKS: [Check<Saga>; 4] = [
    Check {
        name: "every saga ends COMPLETED or COMPENSATED",
        kind: CheckKind::Eventually,
        help: "Once faults heal and orders stop, no saga is stuck half way.",
        broken: Saga::stuck_saga,
    },
    Check {
        name: "money is conserved",
        kind: CheckKind::Always,
        help: "No order is charged more than it owes or refunded more than it paid; approved orders are paid, cancelled ones refunded.",
        broken: Saga::money_problem,
    },
    Check {
        name: "stock is conserved",
        kind: CheckKind::Always,
        help: "Stock on hand + reserved + shipped equals the stock received, for every item.",
        broken: Saga::stock_problem,
    },
    Check {
        name: "no step runs twice for one saga",
        kind: CheckKind::Always,
        help: "A step (or a compensation) takes effect at most once per saga.",
        broken: Saga::step_twice,
    },
];

impl Saga {
    /// A saga that has not ended (or the orchestrator's log says so).
    fn stuck_saga(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        let stuck = self.ledger.open.iter().next().map(|id| {
            let r = &self.ledger.sagas[id];
            let at = match (r.failed, r.runs.last()) {
                (Some((s, _, _)), _) => format!("compensating after step {} failed", s.name()),
                (None, Some((s, _))) => format!("after step {}", s.name()),
                (None, None) => "before its first step".into(),
            };
            format!("saga #{id} is stuck {at} ({})", r.state().name())
        });
        stuck.or_else(|| {
            self.orchestrator.open.iter().next().map(|id| {
                format!(
                    "saga #{id}: the orchestrator's log still says {}",
                    self.orchestrator.log[id].phase.words()
                )
            })
        })
    }

    /// An order charged or refunded wrongly.
    fn money_problem(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        let mut money = None;
        for (id, c) in &self.charges {
            let net = c.net();
            if net > c.amount as i64 {
                money = Some(format!(
                    "order #{id} was charged {} net but owes only ${} (charged ${}, refunded ${})",
                    dollars(net),
                    c.amount,
                    c.charged,
                    c.refunded
                ));
            } else if net < 0 {
                money = Some(format!(
                    "order #{id} was refunded ${} more than it was charged",
                    -net
                ));
            }
            if money.is_some() {
                break;
            }
        }
        if money.is_none() {
            for (id, o) in &self.orders {
                let net = self.charges.get(id).map_or(0, Charge::net);
                let bad = match o.status {
                    OrderStatus::Approved => net != o.info.amount as i64,
                    OrderStatus::Cancelled => net != 0,
                    _ => false,
                };
                if bad {
                    money = Some(format!(
                        "order #{id} is {} but its payment holds {}",
                        o.status.name(),
                        dollars(net)
                    ));
                    break;
                }
            }
        }
        money
    }

    /// Stock that does not add up.
    fn stock_problem(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.stock.iter().enumerate().find_map(|(i, s)| {
            let (name, _, initial) = ITEMS[i];
            let total = s.on_hand + s.reserved + s.shipped;
            (total != initial + s.received).then(|| {
                format!(
                    "{name}: on hand {} + reserved {} + shipped {} = {total}, but {} were received",
                    s.on_hand,
                    s.reserved,
                    s.shipped,
                    initial + s.received
                )
            })
        })
    }

    /// A step that took effect twice for one saga.
    fn step_twice(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.ledger.twice.clone()
    }
}
