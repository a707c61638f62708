//! Saga: placing an order across four services (Order, Payment, Inventory,
//! Shipping), each with its own data and no shared transaction.
//!
//! A saga runs six steps; the first three can be undone by a compensation,
//! the fourth (booking a courier) is the pivot, and the last two are
//! retried until they succeed:
//!
//! | # | step      | service   | compensation  |
//! |---|-----------|-----------|---------------|
//! | 1 | order     | Order     | cancel order  |
//! | 2 | payment   | Payment   | refund        |
//! | 3 | inventory | Inventory | release stock |
//! | 4 | shipping  | Shipping  | (pivot)       |
//! | 5 | dispatch  | Inventory | (retried)     |
//! | 6 | approve   | Order     | (retried)     |
//!
//! Two coordination styles: an **orchestrator** that keeps a durable saga
//! log and tells each service what to do, or **choreography**, where each
//! service reacts to the previous one's events on the broker.
//!
//! The model also keeps a [`Ledger`]: what really happened, recorded by
//! the services as they act. It is the observer's view (no node holds it),
//! and the checks and the saga table read it.

mod checks;
mod controls;
mod customers;
mod layout;
mod model;
pub(super) mod msg;
mod orchestrator;
mod present;
mod services;
mod standing;
mod topology;

use self::checks::CHECKS;
pub use self::{controls::*, model::*, msg::*, topology::*};
use self::{present::*, standing::*};
use super::any::{AnyMsg, Carried};
use super::control::{by_id, Check};
use crate::sim::broker::{Delivery, TopicSpec};
use crate::sim::ctx::{pack_tag, unpack_tag};
use crate::sim::scenario::{
    group, ActionSpec, Cell, CheckKind, MilestoneSpec, NodeRole, NodeSpec, Row, SettingSpec, Table,
    ToggleSpec, ViewStatus,
};
use crate::sim::vecmap::{VecMap, VecSet};
use crate::sim::wire::Wire;
use crate::sim::{
    Blocker, Ctx, Env, EventId, LinkSettings, Loss, Moment, NodeId, Noun, Place, Record, Scenario,
    ScenarioInfo, Standing, Time, TimerId, TimerTag, Topology, Whereabouts,
};
use serde::Serialize;

/// What a timer of the saga is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Timer {
    /// Customers place the next order (periodic).
    Order,
    /// Reports reads the sales (periodic).
    Report,
    /// The orchestrator's step of this saga timed out: ask again.
    Step(u64),
    /// A service retries the compensations it could not finish.
    Retry,
}

impl TimerTag for Timer {
    fn tag(self) -> u64 {
        match self {
            Timer::Order => pack_tag(0, 0),
            Timer::Report => pack_tag(1, 0),
            Timer::Step(saga) => pack_tag(2, saga),
            Timer::Retry => pack_tag(3, 0),
        }
    }
    fn from_tag(tag: u64) -> Option<Timer> {
        match unpack_tag(tag) {
            (0, 0) => Some(Timer::Order),
            (1, 0) => Some(Timer::Report),
            (2, saga) => Some(Timer::Step(saga)),
            (3, 0) => Some(Timer::Retry),
            _ => None,
        }
    }
}

/// The saga playground: placing an order.
#[derive(Clone, Debug)]
pub struct Saga {
    /// Choreography instead of orchestration (for sagas started from now on).
    pub choreography: bool,
    /// Idempotency keys: replies and requests deduplicated by saga id + step.
    pub idempotent: bool,
    /// Semantic lock: in-flight orders show PENDING and readers skip them.
    pub semantic_lock: bool,
    /// Customers place orders periodically.
    pub workload: bool,
    /// Time between orders.
    pub order_every: Time,
    /// Odds, in percent, that a card is declined.
    pub declined_pct: u16,
    /// Odds, in percent, that stock is missing.
    pub out_of_stock_pct: u16,
    /// Odds, in percent, that no courier is free.
    pub no_courier_pct: u16,
    /// Odds, in percent, that one attempt at a compensation fails.
    pub compensation_fail_pct: u16,
    /// How long the orchestrator waits for a reply before asking again.
    pub step_timeout: Time,
    /// Time between sales reports.
    pub report_every: Time,
    /// Orders placed so far (the customers' durable counter).
    pub placed: u64,
    /// The Order service's data.
    pub orders: VecMap<u64, OrderRow>,
    /// The Payment service's data.
    pub charges: VecMap<u64, Charge>,
    /// The Inventory service's stock, by item index.
    pub stock: Vec<StockRow>,
    /// The Inventory service's reservations.
    pub reservations: VecMap<u64, Reservation>,
    /// The Shipping service's data.
    pub shipments: VecMap<u64, Shipment>,
    /// Idempotency tables and retries of Order, Payment, Inventory, Shipping.
    pub books: [ServiceBook; 4],
    /// The orchestrator.
    pub orchestrator: Orchestrator,
    /// The reporting client.
    pub reports: Reports,
    /// What really happened (the observer's record).
    pub ledger: Ledger,
    /// Updates on their way nowhere, for the views.
    losses: Losses,
    /// Orders whose money is wrong now, kept as services act, so the
    /// "money is conserved" check after every event does not walk every
    /// order of a long run.
    money: checks::MoneyWatch,
    /// Orders whose state disagrees with their payment, and with their
    /// stock, by id with when each order was placed; kept as services act,
    /// so the views need not walk every order of a long run.
    disagree: standing::Disagreements,
    workload_timer: Option<TimerId>,
}

impl Default for Saga {
    fn default() -> Self {
        // Toggles and settings start at their specs' defaults.
        let mut saga = Saga {
            choreography: false,
            idempotent: false,
            semantic_lock: false,
            workload: false,
            order_every: 0,
            declined_pct: 0,
            out_of_stock_pct: 0,
            no_courier_pct: 0,
            compensation_fail_pct: 0,
            step_timeout: 0,
            report_every: 1_500,
            placed: 0,
            orders: VecMap::new(),
            charges: VecMap::new(),
            stock: ITEMS
                .iter()
                .map(|i| StockRow {
                    on_hand: i.2,
                    reserved: 0,
                    shipped: 0,
                    received: 0,
                    event: None,
                })
                .collect(),
            reservations: VecMap::new(),
            shipments: VecMap::new(),
            books: Default::default(),
            orchestrator: Orchestrator::default(),
            reports: Reports::default(),
            ledger: Ledger::default(),
            losses: Losses::default(),
            money: checks::MoneyWatch::default(),
            disagree: standing::Disagreements::default(),
            workload_timer: None,
        };
        saga.set_defaults();
        saga
    }
}

fn book_index(node: NodeId) -> Option<usize> {
    match node {
        ORDER => Some(0),
        PAYMENT => Some(1),
        INVENTORY => Some(2),
        SHIPPING => Some(3),
        _ => None,
    }
}

fn pct(p: u16) -> u16 {
    p.min(100) * 10
}

/// Whether an order's state agrees with its payment.
fn agrees_with_payment(o: &OrderRow, c: Option<&Charge>) -> bool {
    let net = c.map_or(0, Charge::net);
    match o.status {
        OrderStatus::Pending | OrderStatus::Placed => net == 0,
        OrderStatus::Approved => net == o.info.amount as i64,
        OrderStatus::Cancelled => net == 0,
    }
}

/// Whether an order's state agrees with its stock reservation.
fn agrees_with_stock(o: &OrderRow, r: Option<&Reservation>) -> bool {
    let state = r.map(|r| r.state);
    match o.status {
        OrderStatus::Pending | OrderStatus::Placed | OrderStatus::Cancelled => !matches!(
            state,
            Some(ReservationState::Reserved | ReservationState::Shipped)
        ),
        OrderStatus::Approved => state == Some(ReservationState::Shipped),
    }
}

impl Scenario for Saga {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        self.scenario_info()
    }

    fn topology(&self) -> Topology {
        self.saga_topology()
    }

    fn start(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        match ctx.node() {
            CUSTOMERS => self.arm_workload(ctx),
            REPORTS => self.arm_reports(ctx),
            _ => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: AnyMsg) {
        let Some(msg) = Msg::take(msg) else {
            return;
        };
        let me = ctx.node();
        match msg {
            Msg::PlaceOrder(order) if me == ORCHESTRATOR => self.orchestrator_start(ctx, order),
            Msg::PlaceOrder(order) if me == ORDER => {
                if self.idempotent && self.orders.contains_key(&order.id) {
                    ctx.note(format!(
                        "order #{} already exists; duplicate request ignored",
                        order.id
                    ));
                    return;
                }
                self.ledger.start(order, Style::Choreographed, ctx.now());
                self.react(ctx, order.id, Op::Do(Step::Order), order);
            }
            Msg::Do { saga, step, order } if step.service() == me => {
                let failed = match self.perform(ctx, saga, Op::Do(step), order) {
                    Outcome::Ok => None,
                    Outcome::Failed(why) => Some(why),
                };
                ctx.send(from, Msg::Done { saga, step, failed });
            }
            Msg::Undo { saga, step, order } if step.service() == me => {
                let ok = self.perform(ctx, saga, Op::Undo(step), order) == Outcome::Ok;
                ctx.send(from, Msg::Undone { saga, step, ok });
            }
            Msg::Done { saga, step, failed } if me == ORCHESTRATOR => {
                self.orchestrator_done(ctx, saga, step, failed)
            }
            Msg::Undone { saga, step, ok } if me == ORCHESTRATOR => {
                self.orchestrator_undone(ctx, saga, step, ok)
            }
            Msg::ReadSales if me == ORDER => {
                let reply = self.sales();
                ctx.send(from, reply);
            }
            Msg::Sales {
                orders,
                revenue,
                dirty,
            } if me == REPORTS => {
                let r = &mut self.reports;
                r.reads += 1;
                r.orders = orders;
                r.revenue = revenue;
                r.dirty_reads += dirty.len() as u64;
                r.dirty_orders.extend(dirty.iter().copied());
                r.event = Some(ctx.write(format!("sales report: {orders} orders, ${revenue}")));
                if !dirty.is_empty() {
                    let ids: Vec<String> = dirty.iter().map(|d| format!("#{d}")).collect();
                    ctx.note(format!(
                        "dirty read: the report counted order {} while its saga was still running",
                        ids.join(", ")
                    ));
                }
            }
            _ => {}
        }
    }

    fn on_record(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        rec: Record<'_, AnyMsg>,
    ) -> Result<(), String> {
        if let Some(&Msg::Event { saga, what, order }) = Msg::from_any(rec.payload) {
            let (node, op) = what.reaction();
            if node == ctx.node() {
                self.react(ctx, saga, op, order);
            }
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, timer: TimerId, tag: u64) {
        let Some(what) = Timer::from_tag(tag) else {
            return;
        };
        match what {
            Timer::Order => self.place_order(ctx),
            Timer::Report => ctx.send(ORDER, Msg::ReadSales),
            Timer::Step(saga) => self.orchestrator_timer(ctx, saga, timer),
            Timer::Retry => self.service_retry(ctx),
        }
    }

    /// A choreographed saga's event lost on the way to the broker stalls
    /// it for good unless something brings it again (a redelivery of the
    /// record it answered, when that was not committed either); the views
    /// tell which, from what is still on its way. Everything else the
    /// network loses is asked for again: the orchestrator's step timer
    /// resends requests and replies, the broker redelivers uncommitted
    /// records. A customer's order lost before any service saw it leaves
    /// nothing to converge.
    fn on_lost(&mut self, wire: &Wire<AnyMsg>, _from: NodeId, _to: NodeId, at: Moment) {
        let Wire::Publish { payload, .. } = wire else {
            return;
        };
        if let Some(Msg::Event { saga, what, .. }) = Msg::from_any(payload) {
            if self.ledger.open.contains(saga) {
                self.losses.stalled.entry(*saga).or_insert(Loss {
                    id: *saga,
                    how: what.lost_words(),
                    when: at,
                });
            }
        }
    }

    /// Nothing an update needs lives only in volatile state here: the
    /// saga log, the idempotency tables and the compensations to retry are
    /// durable, and the broker keeps its logs. Only timers are lost, and
    /// restarting sets them again.
    fn on_crash(&mut self, node: NodeId, _at: Moment) {
        match node {
            CUSTOMERS => self.workload_timer = None,
            REPORTS => self.reports.timer = None,
            ORCHESTRATOR => self.orchestrator.timers.clear(),
            n => {
                if let Some(b) = book_index(n) {
                    self.books[b].retry_timer = None;
                }
            }
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        match ctx.node() {
            CUSTOMERS => self.arm_workload(ctx),
            REPORTS => self.arm_reports(ctx),
            ORCHESTRATOR => {
                let open: Vec<u64> = self.orchestrator.open.iter().copied().collect();
                for saga in open {
                    let phase = self.orchestrator.log[&saga].phase;
                    let ev = ctx.note(format!(
                        "resuming saga #{saga} at {} from the saga log",
                        phase.words()
                    ));
                    ctx.mark(ev, Milestone::Resumed, saga);
                    self.drive(ctx, saga);
                }
            }
            n => {
                if let Some(b) = book_index(n) {
                    if !self.books[b].retry.is_empty() {
                        self.books[b].retry_timer =
                            Some(ctx.set_timer(COMPENSATION_RETRY, Timer::Retry));
                    }
                }
            }
        }
    }

    fn on_toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        self.toggle(ctx, id, on)
    }

    fn on_set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        self.set(ctx, id, value)
    }

    fn on_action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        self.act(ctx, id)
    }

    fn heap_bytes(&self) -> u64 {
        // Every order's rows in each service, the idempotency books and
        // the sagas' records (each with a few steps of its own).
        let steps = 2 * 64;
        let sagas = (self.ledger.sagas.len() + self.orchestrator.log.len()) as u64 * steps;
        [
            self.orders.heap_bytes(),
            self.charges.heap_bytes(),
            self.reservations.heap_bytes(),
            self.shipments.heap_bytes(),
            self.ledger.sagas.heap_bytes(),
            self.ledger.open.heap_bytes(),
            self.orchestrator.log.heap_bytes(),
            self.orchestrator.open.heap_bytes(),
            self.orchestrator.timers.heap_bytes(),
            self.reports.dirty_orders.heap_bytes(),
            self.disagree.heap_bytes(),
            sagas,
        ]
        .iter()
        .sum::<u64>()
            + self
                .books
                .iter()
                .map(|b| b.seen.heap_bytes() + b.retry.heap_bytes())
                .sum::<u64>()
    }

    fn describe(&self, msg: &AnyMsg) -> String {
        self.describe_msg(msg)
    }

    /// Both views compare each order with another service's data, and
    /// both stand the same way while sagas are unfinished (an order's final
    /// state decides what its payment and its stock must be): catching up
    /// while every unfinished saga's next move is on its way, stuck while
    /// one cannot move, diverged when an effect was applied twice or
    /// against the saga's decision (on that view's side), or when a
    /// choreographed saga stalled for good (on both).
    fn views(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        self.view_statuses(env)
    }

    fn broken_checks(&self, env: &Env<'_, AnyMsg>) -> u64 {
        Check::broken(&CHECKS, self, env)
    }

    fn why_broken(&self, check: usize, env: &Env<'_, AnyMsg>) -> Option<String> {
        Check::why(&CHECKS, check, self, env)
    }

    fn tables(&self, _env: &Env<'_, AnyMsg>) -> Vec<Table> {
        self.state_tables()
    }

    fn summary(&self, node: NodeId) -> String {
        self.node_summary(node)
    }

    fn quiet(&self) -> bool {
        !self.workload
    }

    fn settle_time(&self) -> Time {
        15_000
    }
}
