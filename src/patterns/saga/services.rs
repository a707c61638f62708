//! The services at work: each runs its step or compensation (honouring
//! idempotency keys), and in choreography reacts to the previous step's
//! event; the observer judges every effect against the saga's decision.

use super::*;

impl Saga {
    /// Runs `op` for `saga` at the current node, honouring idempotency.
    pub(super) fn perform(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        saga: u64,
        op: Op,
        order: OrderInfo,
    ) -> Outcome {
        let Some(b) = book_index(ctx.node()) else {
            return Outcome::Ok;
        };
        let prev = self.books[b].seen.get(&(saga, op)).copied();
        if self.idempotent {
            if let Some(prev) = prev {
                let repeat = matches!(op, Op::Do(_)) || prev == Outcome::Ok;
                if repeat {
                    let what = match op {
                        Op::Do(s) => format!("step {}", s.name()),
                        Op::Undo(s) => s.undo_name().to_string(),
                    };
                    ctx.note(format!("duplicate request for saga #{saga} {what}, answered from the idempotency table"));
                    return prev;
                }
            }
        }
        let before = self.before(saga);
        let out = match op {
            Op::Do(step) => self.run_step(ctx, saga, step, order),
            Op::Undo(step) => self.run_compensation(ctx, saga, step, order),
        };
        self.books[b].seen.insert((saga, op), out);
        // The only place orders, charges and reservations change.
        let order = self.orders.get(&saga);
        self.money.update(saga, order, self.charges.get(&saga));
        self.disagree.update(
            saga,
            order,
            self.charges.get(&saga),
            self.reservations.get(&saga),
        );
        self.judge(ctx.now(), saga, op, prev, before);
        out
    }

    /// The saga's data before an operation runs (for [`Saga::judge`]).
    pub(super) fn before(&self, saga: u64) -> Before {
        let r = self.ledger.sagas.get(&saga);
        Before {
            runs: r.map_or(0, |r| r.runs.len()),
            compensations: r.map_or(0, |r| r.compensations.len()),
            ended: r.is_some_and(|r| r.end.is_some()),
            status: self.orders.get(&saga).map(|o| o.status),
            reservation: self.reservations.get(&saga).map(|r| r.state),
        }
    }

    /// Bookkeeping for the views after `op` ran for `saga` (the trace and
    /// the RNG are untouched): an effect applied a second time, or applied
    /// against what the saga already decided, is a wrong update nothing
    /// will undo; it is named by the write that applied it.
    pub(super) fn judge(
        &mut self,
        now: Time,
        saga: u64,
        op: Op,
        prev: Option<Outcome>,
        before: Before,
    ) {
        if !self.ledger.open.contains(&saga) {
            self.losses.stalled.remove(&saga);
            self.losses.failing.remove(&saga);
        }
        let Some(r) = self.ledger.sagas.get(&saga) else {
            return;
        };
        let took_effect =
            r.runs.len() > before.runs || r.compensations.len() > before.compensations;
        let Some(event) = r.event.filter(|_| took_effect) else {
            return;
        };
        let repeat = match op {
            Op::Do(_) => prev.is_some(),
            Op::Undo(_) => prev == Some(Outcome::Ok),
        };
        let failed_before = matches!(prev, Some(Outcome::Failed(_)));
        let final_order = matches!(
            before.status,
            Some(OrderStatus::Approved | OrderStatus::Cancelled)
        );
        let (side, how) = match op {
            Op::Do(Step::Payment) if repeat && failed_before => {
                (Side::Pay, "was charged after its card was declined")
            }
            Op::Do(Step::Payment) if repeat => (Side::Pay, "was charged twice"),
            Op::Undo(Step::Payment) if repeat => (Side::Pay, "was refunded twice"),
            Op::Do(Step::Inventory) if repeat && failed_before => {
                (Side::Stock, "had stock reserved after it was out of stock")
            }
            Op::Do(Step::Inventory) if repeat => (Side::Stock, "had its stock reserved twice"),
            Op::Undo(Step::Inventory) if repeat => (Side::Stock, "had its stock released twice"),
            Op::Undo(Step::Inventory) if before.reservation == Some(ReservationState::Shipped) => {
                (Side::Stock, "had its stock released after it was shipped")
            }
            Op::Do(Step::Shipping) if repeat && failed_before => {
                (Side::Stock, "had a courier booked after none was free")
            }
            Op::Do(Step::Shipping) if repeat => (Side::Stock, "had a second courier booked"),
            Op::Do(Step::Dispatch) if repeat => (Side::Stock, "was handed to the courier twice"),
            Op::Do(Step::Dispatch) if before.reservation != Some(ReservationState::Reserved) => (
                Side::Stock,
                "was handed to the courier without stock reserved",
            ),
            Op::Do(Step::Order) if final_order => (Side::Both, "was reopened by a repeated create"),
            Op::Do(Step::Approve) if before.status == Some(OrderStatus::Cancelled) => {
                (Side::Both, "was approved after it was cancelled")
            }
            Op::Undo(Step::Order) if before.status == Some(OrderStatus::Approved) => {
                (Side::Both, "was cancelled after it was approved")
            }
            // A late request acted on after the saga had decided its end.
            Op::Do(Step::Payment) if before.ended => {
                (Side::Pay, "was charged after its saga had ended")
            }
            Op::Undo(Step::Payment) if before.ended => {
                (Side::Pay, "was refunded after its saga had ended")
            }
            Op::Do(Step::Inventory) if before.ended => {
                (Side::Stock, "had stock reserved after its saga had ended")
            }
            Op::Undo(Step::Inventory) if before.ended => {
                (Side::Stock, "had stock released after its saga had ended")
            }
            Op::Do(Step::Shipping) if before.ended => {
                (Side::Stock, "had a courier booked after its saga had ended")
            }
            _ => {
                if !before.ended && r.end.is_some() {
                    self.judge_end(now, saga, event);
                }
                return;
            }
        };
        let loss = Loss {
            id: saga,
            how,
            when: Moment { at: now, event },
        };
        if side != Side::Stock {
            self.losses.pay.entry(saga).or_insert(loss);
        }
        if side != Side::Pay {
            self.losses.stock.entry(saga).or_insert(loss);
        }
    }

    /// The saga just ended (approved or cancelled by `event`): an end that
    /// disagrees with the payment or the stock, with nothing recorded yet
    /// to explain it, is named by that event (for instance a repeated
    /// request that failed after the first had charged the card, so the
    /// saga compensated a payment it believed never happened).
    pub(super) fn judge_end(&mut self, now: Time, saga: u64, event: EventId) {
        let Some(o) = self.orders.get(&saga) else {
            return;
        };
        let when = Moment { at: now, event };
        let cancelled = o.status == OrderStatus::Cancelled;
        if !agrees_with_payment(o, self.charges.get(&saga)) {
            let net = self.charges.get(&saga).map_or(0, Charge::net);
            let how = match (cancelled, net > 0) {
                (true, true) => "was cancelled but never refunded",
                (true, false) => "was cancelled with more refunded than charged",
                (false, true) => "was approved and charged the wrong amount",
                (false, false) => "was approved without being charged",
            };
            self.losses.pay.entry(saga).or_insert(Loss {
                id: saga,
                how,
                when,
            });
        }
        if !agrees_with_stock(o, self.reservations.get(&saga)) {
            let how = if cancelled {
                "was cancelled with its stock still held"
            } else {
                "was approved without its goods shipped"
            };
            self.losses.stock.entry(saga).or_insert(Loss {
                id: saga,
                how,
                when,
            });
        }
    }

    pub(super) fn run_step(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        saga: u64,
        step: Step,
        o: OrderInfo,
    ) -> Outcome {
        let now = ctx.now();
        let item = ITEMS[o.item as usize].0;
        match step {
            Step::Order => {
                let status = if self.semantic_lock {
                    OrderStatus::Pending
                } else {
                    OrderStatus::Placed
                };
                let ev = ctx.write(format!(
                    "order #{saga}: {} ({} for ${})",
                    status.name(),
                    o.goods(),
                    o.amount
                ));
                self.orders.insert(
                    saga,
                    OrderRow {
                        info: o,
                        status,
                        at: now,
                        event: ev,
                    },
                );
                self.ledger.ran(saga, step, now, ev);
            }
            Step::Payment => {
                if ctx.rng().chance(pct(self.declined_pct)) {
                    let ev = ctx.write(format!("saga #{saga}: card declined for ${}", o.amount));
                    self.charges.entry(saga).or_insert(Charge {
                        amount: o.amount,
                        charged: 0,
                        refunded: 0,
                        status: "DECLINED",
                        event: ev,
                    });
                    self.ledger.fail(saga, step, "card declined", now, ev);
                    return Outcome::Failed("card declined");
                }
                let c = self.charges.entry(saga).or_insert(Charge {
                    amount: o.amount,
                    charged: 0,
                    refunded: 0,
                    status: "CHARGED",
                    event: EventId(0),
                });
                c.charged += o.amount;
                c.status = "CHARGED";
                let ev = ctx.write(format!(
                    "saga #{saga}: charged ${} (total ${})",
                    o.amount, c.charged
                ));
                c.event = ev;
                self.ledger.ran(saga, step, now, ev);
            }
            Step::Inventory => {
                let s = &self.stock[o.item as usize];
                if s.on_hand < o.qty || ctx.rng().chance(pct(self.out_of_stock_pct)) {
                    let ev =
                        ctx.write(format!("saga #{saga}: out of stock ({} wanted)", o.goods()));
                    self.reservations.entry(saga).or_insert(Reservation {
                        item: o.item,
                        qty: 0,
                        state: ReservationState::OutOfStock,
                        event: ev,
                    });
                    self.ledger.fail(saga, step, "out of stock", now, ev);
                    return Outcome::Failed("out of stock");
                }
                let s = &mut self.stock[o.item as usize];
                s.on_hand -= o.qty;
                s.reserved += o.qty;
                let ev = ctx.write(format!(
                    "saga #{saga}: reserved {}; {item} on hand {}",
                    o.goods(),
                    s.on_hand
                ));
                s.event = Some(ev);
                let r = self.reservations.entry(saga).or_insert(Reservation {
                    item: o.item,
                    qty: 0,
                    state: ReservationState::Reserved,
                    event: ev,
                });
                r.qty += o.qty;
                r.state = ReservationState::Reserved;
                r.event = ev;
                self.ledger.ran(saga, step, now, ev);
                let s = &mut self.stock[o.item as usize];
                if s.on_hand < RESTOCK_BELOW {
                    s.on_hand += RESTOCK;
                    s.received += RESTOCK;
                    s.event = Some(ctx.write(format!("restock: {RESTOCK} × {item} received")));
                }
            }
            Step::Shipping => {
                if ctx.rng().chance(pct(self.no_courier_pct)) {
                    let ev = ctx.write(format!("saga #{saga}: no courier free"));
                    self.ledger.fail(saga, step, "no courier", now, ev);
                    return Outcome::Failed("no courier");
                }
                let ev = ctx.write(format!("saga #{saga}: courier booked for {}", o.goods()));
                let sh = self.shipments.entry(saga).or_insert(Shipment {
                    order: o,
                    bookings: 0,
                    event: ev,
                });
                sh.bookings += 1;
                sh.event = ev;
                self.ledger.ran(saga, step, now, ev);
            }
            Step::Dispatch => {
                if let Some(r) = self.reservations.get_mut(&saga) {
                    let s = &mut self.stock[r.item as usize];
                    if r.state == ReservationState::Reserved {
                        s.reserved = s.reserved.saturating_sub(r.qty);
                    }
                    s.shipped += r.qty;
                    r.state = ReservationState::Shipped;
                    let ev =
                        ctx.write(format!("saga #{saga}: {} handed to the courier", o.goods()));
                    r.event = ev;
                    s.event = Some(ev);
                    self.ledger.ran(saga, step, now, ev);
                }
            }
            Step::Approve => {
                if let Some(row) = self.orders.get_mut(&saga) {
                    row.status = OrderStatus::Approved;
                    let ev = ctx.write(format!("order #{saga}: APPROVED"));
                    ctx.mark(ev, Milestone::OrderApproved, saga);
                    row.event = ev;
                    self.ledger.ran(saga, step, now, ev);
                    self.ledger.end(saga, SagaState::Completed, now);
                }
            }
        }
        Outcome::Ok
    }

    pub(super) fn run_compensation(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        saga: u64,
        step: Step,
        o: OrderInfo,
    ) -> Outcome {
        let now = ctx.now();
        if ctx.rng().chance(pct(self.compensation_fail_pct)) {
            ctx.note(format!(
                "saga #{saga}: {} failed this time (it will be retried)",
                step.undo_name()
            ));
            self.losses
                .failing
                .entry(saga)
                .or_insert((step.service(), now));
            return Outcome::Failed("compensation failed");
        }
        self.losses.failing.remove(&saga);
        match step {
            Step::Order => {
                if let Some(row) = self.orders.get_mut(&saga) {
                    row.status = OrderStatus::Cancelled;
                    let ev = ctx.write(format!("order #{saga}: CANCELLED"));
                    ctx.mark(ev, Milestone::OrderCancelled, saga);
                    row.event = ev;
                    self.ledger.compensated(saga, step, now, ev);
                    self.ledger.end(saga, SagaState::Compensated, now);
                }
            }
            Step::Payment => {
                if let Some(c) = self.charges.get_mut(&saga) {
                    if c.charged > 0 {
                        c.refunded += o.amount;
                        c.status = "REFUNDED";
                        let ev = ctx.write(format!(
                            "saga #{saga}: refunded ${} (total refunded ${})",
                            o.amount, c.refunded
                        ));
                        ctx.mark(ev, Milestone::Refunded, saga);
                        c.event = ev;
                        self.ledger.compensated(saga, step, now, ev);
                    }
                }
            }
            Step::Inventory => {
                if let Some(r) = self.reservations.get_mut(&saga) {
                    if r.state != ReservationState::OutOfStock {
                        let s = &mut self.stock[r.item as usize];
                        s.on_hand += r.qty;
                        if r.state == ReservationState::Reserved {
                            s.reserved = s.reserved.saturating_sub(r.qty);
                        }
                        r.state = ReservationState::Released;
                        let ev = ctx.write(format!(
                            "saga #{saga}: released {}; on hand {}",
                            o.goods(),
                            s.on_hand
                        ));
                        ctx.mark(ev, Milestone::Released, saga);
                        r.event = ev;
                        s.event = Some(ev);
                        self.ledger.compensated(saga, step, now, ev);
                    }
                }
            }
            _ => {}
        }
        Outcome::Ok
    }

    /// Choreography: runs `op` and publishes what happened; a failed
    /// compensation is kept and retried by the service itself.
    pub(super) fn react(&mut self, ctx: &mut Ctx<'_, AnyMsg>, saga: u64, op: Op, order: OrderInfo) {
        let out = self.perform(ctx, saga, op, order);
        let b = book_index(ctx.node()).expect("a service");
        match (op, out) {
            (Op::Undo(_), Outcome::Failed(_)) => {
                self.books[b].retry.insert((saga, op), order);
                if self.books[b].retry_timer.is_none() {
                    self.books[b].retry_timer =
                        Some(ctx.set_timer(COMPENSATION_RETRY, Timer::Retry));
                }
            }
            _ => {
                self.books[b].retry.remove(&(saga, op));
                if let Some(what) = Happened::after(op, out == Outcome::Ok) {
                    // The saga moves on: an event lost earlier is no longer its last word.
                    self.losses.stalled.remove(&saga);
                    ctx.publish(ORDER_EVENTS, Some(saga), Msg::Event { saga, what, order });
                }
            }
        }
    }

    pub(super) fn service_retry(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(b) = book_index(ctx.node()) else {
            return;
        };
        self.books[b].retry_timer = None;
        let todo: Vec<((u64, Op), OrderInfo)> =
            self.books[b].retry.iter().map(|(k, v)| (*k, *v)).collect();
        for ((saga, op), order) in todo {
            self.react(ctx, saga, op, order);
        }
    }
}
