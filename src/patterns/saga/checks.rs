//! The saga's checks, each declared with its predicate: the name the
//! meter and lessons use, always or eventually, the words of its help, and
//! the functions that tell whether something breaks it and, in words,
//! what. The meter shows them in this order.

use super::*;

/// Every check of the saga, in the meter's order.
pub(super) const CHECKS: [Check<Saga>; 4] = [
    Check {
        name: "every saga ends COMPLETED or COMPENSATED",
        kind: CheckKind::Eventually,
        help: "Once faults heal and orders stop, no saga is stuck half way.",
        broken: Saga::any_stuck,
        why: Saga::stuck_saga,
    },
    Check {
        name: "money is conserved",
        kind: CheckKind::Always,
        help: "No order is charged more than it owes or refunded more than it paid; approved orders are paid, cancelled ones refunded.",
        broken: Saga::money_off,
        why: Saga::money_problem,
    },
    Check {
        name: "stock is conserved",
        kind: CheckKind::Always,
        help: "Stock on hand + reserved + shipped equals the stock received, for every item.",
        broken: Saga::stock_off,
        why: Saga::stock_problem,
    },
    Check {
        name: "no step runs twice for one saga",
        kind: CheckKind::Always,
        help: "A step (or a compensation) takes effect at most once per saga.",
        broken: Saga::stepped_twice,
        why: Saga::step_twice,
    },
];

impl Saga {
    /// A saga has not ended (or the orchestrator's log says so).
    fn any_stuck(&self, _env: &Env<'_, AnyMsg>) -> bool {
        !self.ledger.open.is_empty() || !self.orchestrator.open.is_empty()
    }

    /// An order is charged or refunded wrongly.
    fn money_off(&self, _env: &Env<'_, AnyMsg>) -> bool {
        !self.money.charges.is_empty() || !self.money.orders.is_empty()
    }

    /// Some item's stock does not add up.
    fn stock_off(&self, _env: &Env<'_, AnyMsg>) -> bool {
        self.stock_off_item().is_some()
    }

    /// A step took effect twice for one saga.
    fn stepped_twice(&self, _env: &Env<'_, AnyMsg>) -> bool {
        self.ledger.twice.is_some()
    }

    /// The first item whose stock does not add up, by its index in
    /// `ITEMS`.
    fn stock_off_item(&self) -> Option<usize> {
        self.stock
            .iter()
            .enumerate()
            .position(|(i, s)| s.on_hand + s.reserved + s.shipped != ITEMS[i].2 + s.received)
    }

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

    /// An order charged or refunded wrongly: the first charge that is
    /// over or under, else the first order whose payment disagrees with
    /// its status (both by order number).
    fn money_problem(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        if let Some(id) = self.money.charges.first() {
            let c = &self.charges[id];
            let net = c.net();
            return Some(if net > 0 {
                format!(
                    "order #{id} was charged {} net but owes only ${} (charged ${}, refunded ${})",
                    dollars(net),
                    c.amount,
                    c.charged,
                    c.refunded
                )
            } else {
                format!(
                    "order #{id} was refunded ${} more than it was charged",
                    -net
                )
            });
        }
        let id = self.money.orders.first()?;
        let o = &self.orders[id];
        let net = self.charges.get(id).map_or(0, Charge::net);
        Some(format!(
            "order #{id} is {} but its payment holds {}",
            o.status.name(),
            dollars(net)
        ))
    }

    /// Stock that does not add up.
    fn stock_problem(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.stock_off_item().map(|i| {
            let (name, _, initial) = ITEMS[i];
            let s = &self.stock[i];
            let total = s.on_hand + s.reserved + s.shipped;
            format!(
                "{name}: on hand {} + reserved {} + shipped {} = {total}, but {} were received",
                s.on_hand,
                s.reserved,
                s.shipped,
                initial + s.received
            )
        })
    }

    /// A step that took effect twice for one saga.
    fn step_twice(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.ledger.twice.clone()
    }
}

/// The orders whose money is wrong now, in two sets kept as the Payment
/// and Order services act: charges over what is owed or refunded past
/// zero, and orders whose status disagrees with their payment (approved
/// but not paid exactly, cancelled but holding money).
#[derive(Clone, Debug, Default)]
pub(super) struct MoneyWatch {
    charges: VecSet<u64>,
    orders: VecSet<u64>,
}

impl MoneyWatch {
    /// Order `id`'s row and charge as they are now.
    pub(super) fn update(&mut self, id: u64, order: Option<&OrderRow>, charge: Option<&Charge>) {
        let net = charge.map_or(0, Charge::net);
        let bad_charge = charge.is_some_and(|c| net > c.amount as i64 || net < 0);
        let bad_order = order.is_some_and(|o| match o.status {
            OrderStatus::Approved => net != o.info.amount as i64,
            OrderStatus::Cancelled => net != 0,
            _ => false,
        });
        set(&mut self.charges, id, bad_charge);
        set(&mut self.orders, id, bad_order);
    }
}

fn set(set: &mut VecSet<u64>, id: u64, on: bool) {
    if on {
        set.insert(id);
    } else {
        set.remove(&id);
    }
}
