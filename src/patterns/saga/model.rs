//! What each service keeps: the orchestrator's durable log, the
//! services' rows and idempotency books, the sales reports, and the
//! observer's ledger of what really happened.

use super::*;

/// How a saga is coordinated.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Style {
    /// Driven by the orchestrator.
    Orchestrated,
    /// Services react to each other's events.
    Choreographed,
}

/// A saga's state as the learner sees it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SagaState {
    /// Steps are running.
    Running,
    /// A step failed; compensations are running.
    Compensating,
    /// Every step ran; the order is approved.
    Completed,
    /// A step failed and every earlier step was undone; the order is cancelled.
    Compensated,
}

impl SagaState {
    /// Upper-case name ("COMPENSATING").
    pub fn name(self) -> &'static str {
        match self {
            SagaState::Running => "RUNNING",
            SagaState::Compensating => "COMPENSATING",
            SagaState::Completed => "COMPLETED",
            SagaState::Compensated => "COMPENSATED",
        }
    }

    /// True for COMPLETED and COMPENSATED.
    pub fn is_final(self) -> bool {
        matches!(self, SagaState::Completed | SagaState::Compensated)
    }
}

/// What really happened to one saga, step by step.
#[derive(Clone, Debug, PartialEq)]
pub struct SagaRecord {
    /// The order.
    pub order: OrderInfo,
    /// Coordination style it started with.
    pub style: Style,
    /// When it started.
    pub started: Time,
    /// Every execution of a step, in order (a step listed twice ran twice).
    pub runs: Vec<(Step, Time)>,
    /// The step that failed, why, and when.
    pub failed: Option<(Step, &'static str, Time)>,
    /// Every compensation that succeeded, in order.
    pub compensations: Vec<(Step, Time)>,
    /// How and when it ended.
    pub end: Option<(SagaState, Time)>,
    /// The last state write for this saga (for "explain this value").
    pub event: Option<EventId>,
}

impl SagaRecord {
    /// RUNNING, COMPENSATING, COMPLETED or COMPENSATED.
    pub fn state(&self) -> SagaState {
        match (self.end, self.failed) {
            (Some((s, _)), _) => s,
            (None, Some(_)) => SagaState::Compensating,
            (None, None) => SagaState::Running,
        }
    }

    /// Steps that ran, in order.
    pub fn steps(&self) -> Vec<Step> {
        self.runs.iter().map(|r| r.0).collect()
    }

    /// Compensations that ran, in order.
    pub fn compensated(&self) -> Vec<Step> {
        self.compensations.iter().map(|r| r.0).collect()
    }
}

/// The observer's record of every saga (no node holds it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    /// Sagas by id.
    pub sagas: VecMap<u64, SagaRecord>,
    /// Sagas not yet COMPLETED or COMPENSATED.
    pub open: VecSet<u64>,
    /// The first time a step or compensation ran twice for one saga.
    pub twice: Option<String>,
}

impl Ledger {
    pub(super) fn start(&mut self, order: OrderInfo, style: Style, now: Time) {
        self.sagas.entry(order.id).or_insert_with(|| {
            self.open.insert(order.id);
            SagaRecord {
                order,
                style,
                started: now,
                runs: Vec::new(),
                failed: None,
                compensations: Vec::new(),
                end: None,
                event: None,
            }
        });
    }

    pub(super) fn ran(&mut self, saga: u64, step: Step, now: Time, ev: EventId) {
        let Some(r) = self.sagas.get_mut(&saga) else {
            return;
        };
        r.runs.push((step, now));
        r.event = Some(ev);
        let n = r.runs.iter().filter(|x| x.0 == step).count();
        if n > 1 && self.twice.is_none() {
            self.twice = Some(format!("saga #{saga}: step {} ran {n} times", step.name()));
        }
    }

    pub(super) fn fail(
        &mut self,
        saga: u64,
        step: Step,
        why: &'static str,
        now: Time,
        ev: EventId,
    ) {
        if let Some(r) = self.sagas.get_mut(&saga) {
            r.failed.get_or_insert((step, why, now));
            r.event = Some(ev);
        }
    }

    pub(super) fn compensated(&mut self, saga: u64, step: Step, now: Time, ev: EventId) {
        let Some(r) = self.sagas.get_mut(&saga) else {
            return;
        };
        r.compensations.push((step, now));
        r.event = Some(ev);
        let n = r.compensations.iter().filter(|x| x.0 == step).count();
        if n > 1 && self.twice.is_none() {
            self.twice = Some(format!(
                "saga #{saga}: compensation {} ran {n} times",
                step.undo_name()
            ));
        }
    }

    pub(super) fn end(&mut self, saga: u64, state: SagaState, now: Time) {
        if let Some(r) = self.sagas.get_mut(&saga) {
            r.end.get_or_insert((state, now));
            self.open.remove(&saga);
        }
    }
}

/// Where the orchestrator is in a saga.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// Waiting for a step's reply.
    Step(Step),
    /// Waiting for a compensation's reply.
    Compensate(Step),
    /// Every step done.
    Completed,
    /// Every compensation done.
    Compensated,
}

impl Phase {
    /// Words for tables ("step 2 payment").
    pub fn words(self) -> String {
        match self {
            Phase::Step(s) => format!("step {} {}", s.number(), s.name()),
            Phase::Compensate(s) => format!("undo {} ({})", s.name(), s.undo_name()),
            Phase::Completed => "COMPLETED".into(),
            Phase::Compensated => "COMPENSATED".into(),
        }
    }

    pub(super) fn is_final(self) -> bool {
        matches!(self, Phase::Completed | Phase::Compensated)
    }
}

/// One entry of the orchestrator's durable saga log.
#[derive(Clone, Debug, PartialEq)]
pub struct SagaLog {
    /// The order.
    pub order: OrderInfo,
    /// Where the saga is.
    pub phase: Phase,
    /// Steps whose success was recorded, with when.
    pub done: Vec<(Step, Time)>,
    /// Compensations whose success was recorded, with when.
    pub compensated: Vec<(Step, Time)>,
    /// The step that failed and why.
    pub failure: Option<(Step, &'static str)>,
}

/// The orchestrator: a durable saga log and volatile step timers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Orchestrator {
    /// Saga log (durable).
    pub log: VecMap<u64, SagaLog>,
    /// Sagas whose log is not final (durable, derived from the log).
    pub open: VecSet<u64>,
    /// Step timeout or retry timer per saga (volatile).
    pub(super) timers: VecMap<u64, TimerId>,
}

/// A remembered outcome, for idempotency.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It succeeded.
    Ok,
    /// It failed for this reason.
    Failed(&'static str),
}

/// What every service keeps besides its own data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceBook {
    /// Idempotency table: outcome per saga and operation (durable).
    pub seen: VecMap<(u64, Op), Outcome>,
    /// Compensations that failed and must be retried, choreographed style (durable).
    pub retry: VecMap<(u64, Op), OrderInfo>,
    /// Retry timer (volatile).
    pub(super) retry_timer: Option<TimerId>,
}

/// An order's state in the Order service.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum OrderStatus {
    /// In a saga, under a semantic lock: readers skip it.
    Pending,
    /// In a saga without a lock: it looks like a sale to readers.
    Placed,
    /// The saga completed.
    Approved,
    /// The saga was compensated.
    Cancelled,
}

impl OrderStatus {
    /// Upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Placed => "PLACED",
            OrderStatus::Approved => "APPROVED",
            OrderStatus::Cancelled => "CANCELLED",
        }
    }
}

/// A row of the Order service.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderRow {
    /// The order.
    pub info: OrderInfo,
    /// Its state.
    pub status: OrderStatus,
    /// When it was created.
    pub at: Time,
    /// The write that set the state.
    pub event: EventId,
}

/// A row of the Payment service.
#[derive(Clone, Debug, PartialEq)]
pub struct Charge {
    /// What the order owes.
    pub amount: u64,
    /// Total charged.
    pub charged: u64,
    /// Total refunded.
    pub refunded: u64,
    /// "CHARGED", "DECLINED", "REFUNDED".
    pub status: &'static str,
    /// The write that set it.
    pub event: EventId,
}

impl Charge {
    /// Charged minus refunded.
    pub fn net(&self) -> i64 {
        self.charged as i64 - self.refunded as i64
    }
}

/// Stock of one item.
#[derive(Clone, Debug, PartialEq)]
pub struct StockRow {
    /// Units on the shelf.
    pub on_hand: u64,
    /// Units reserved for running sagas.
    pub reserved: u64,
    /// Units handed to couriers.
    pub shipped: u64,
    /// Units received after the start (restocks).
    pub received: u64,
    /// The write that set it.
    pub event: Option<EventId>,
}

/// A reservation's state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ReservationState {
    /// Held for the saga.
    Reserved,
    /// Handed to the courier.
    Shipped,
    /// Given back to the shelf.
    Released,
    /// Could not be reserved.
    OutOfStock,
}

/// A reservation in the Inventory service.
#[derive(Clone, Debug, PartialEq)]
pub struct Reservation {
    /// Item index.
    pub item: u8,
    /// Units held.
    pub qty: u64,
    /// State.
    pub state: ReservationState,
    /// The write that set it.
    pub event: EventId,
}

/// A courier booking in the Shipping service.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipment {
    /// The order.
    pub order: OrderInfo,
    /// Bookings made for it (more than one is a double booking).
    pub bookings: u32,
    /// The write that set it.
    pub event: EventId,
}

/// The reporting client's durable counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reports {
    /// Reports read.
    pub reads: u64,
    /// Orders counted in the last report.
    pub orders: u32,
    /// Revenue in the last report.
    pub revenue: u64,
    /// Rows read whose saga was still running (dirty reads).
    pub dirty_reads: u64,
    /// Orders read dirty at least once.
    pub dirty_orders: VecSet<u64>,
    /// The write of the last report.
    pub event: Option<EventId>,
    pub(super) timer: Option<TimerId>,
}
