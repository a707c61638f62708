//! Event-based consistency: a smart power grid.
//!
//! A **Meter** service (the source of truth) stores readings from 24 smart
//! meters in 4 grid zones and publishes each reading to the `meter-readings`
//! topic. Three consumers build their own data from the stream:
//!
//! - **Billing** charges each customer (2 meters each) for the energy read,
//!   at a tariff;
//! - **Load balancer** keeps the current load of each zone from the latest
//!   reading of each meter;
//! - **Analytics** totals energy per zone in batches, so it lags on purpose.
//!
//! Mitigations the learner toggles: transactional outbox versus dual write,
//! idempotent consumer, keyed versus random partitioning, at-least-once
//! versus at-most-once delivery.
//!
//! Rooms: `topology` (ids, topic, groups, layout), `controls` (typed
//! toggles, settings, actions), `checks` (each with its predicate), `msg`,
//! `model` (what each service keeps), `meter` (storing and publishing),
//! `consumers` (Billing, Load balancer, Analytics), `standing` (where each
//! reading is), `present` (every word and table shown). This file holds
//! the struct and a `Scenario` impl that hands each call to its room.

mod checks;
mod consumers;
mod controls;
mod meter;
mod model;
pub(super) mod msg;
mod present;
mod standing;
mod topology;

use self::{checks::*, model::*, present::*};
pub use self::{controls::*, msg::*, topology::*};
use super::any::{AnyMsg, Carried};
use super::control::{by_id, Check};
use crate::sim::broker::TopicSpec;
use crate::sim::ctx::{pack_tag, unpack_tag};
use crate::sim::scenario::{
    group, ActionSpec, Cell, CheckKind, MilestoneSpec, NodeRole, NodeSpec, Row, ScenarioInfo,
    SettingSpec, Table, ToggleSpec, ViewStatus,
};
use crate::sim::standing::{Blocker, Loss, Moment, Noun, Place, Standing, Whereabouts};
use crate::sim::vecmap::{RunMap, RunSet, VecMap, VecSet};
use crate::sim::wire::Wire;
use crate::sim::{
    Ctx, Delivery, Env, EventId, GroupId, LinkSettings, NodeId, Record, Scenario, Time, TimerId,
    TimerTag, TopicId, Topology,
};

/// What a timer of the grid is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Timer {
    /// The meters' workload: take the next readings (Meter, periodic).
    Workload,
    /// The outbox relay's poll (Meter, periodic).
    Relay,
    /// Analytics' batch (periodic).
    Analytics,
    /// A dual write's second step: publish this reading (Meter).
    Publish(u64),
}

impl TimerTag for Timer {
    fn tag(self) -> u64 {
        match self {
            Timer::Workload => pack_tag(0, 0),
            Timer::Relay => pack_tag(1, 0),
            Timer::Analytics => pack_tag(2, 0),
            Timer::Publish(reading) => pack_tag(3, reading),
        }
    }
    fn from_tag(tag: u64) -> Option<Timer> {
        match unpack_tag(tag) {
            (0, 0) => Some(Timer::Workload),
            (1, 0) => Some(Timer::Relay),
            (2, 0) => Some(Timer::Analytics),
            (3, reading) => Some(Timer::Publish(reading)),
            _ => None,
        }
    }
}

/// The smart power grid scenario.
#[derive(Clone, Debug)]
pub struct PowerGrid {
    // Options.
    outbox: bool,
    idempotent: bool,
    keyed: bool,
    at_most_once: bool,
    workload: bool,
    interval: Time,
    per_tick: u16,
    publish_delay: Time,
    analytics_every: Time,
    tariff: u64,

    // Meter service, durable: readings, outbox, id counter.
    meters: Vec<MeterRow>,
    next_id: u64,
    outbox_rows: VecMap<u64, Reading>,
    // Meter service, volatile: dual writes waiting to publish, relay rows in flight, timers.
    pending: VecMap<u64, Reading>,
    in_flight: VecMap<u64, Time>,
    workload_timer: Option<TimerId>,
    relay_timer: Option<TimerId>,
    /// Readings lost by the last crash (bookkeeping, to explain them on restart).
    lost_in_crash: Vec<u64>,
    published: u64,

    // Running totals of the truth.
    truth_customer: Vec<u64>,
    truth_zone_energy: Vec<u64>,
    truth_zone_load: Vec<u64>,
    /// Readings not billed yet, with when each was stored.
    unbilled: RunMap<Time>,
    /// Readings not analysed yet, with when each was stored.
    unanalysed: RunMap<Time>,

    // Billing, durable.
    billed: Vec<u64>,
    billed_event: Vec<Option<EventId>>,
    billed_ids: RunSet,
    double_billed: Option<(u64, u16)>,
    double_count: u64,
    /// Customers billed for a reading twice, with the first such charge.
    billed_twice: VecMap<u16, Loss>,

    /// The last copy of a reading lost on its way to a consumer group,
    /// by (reading id, group): the answer to "where is it now?" when it
    /// is nowhere else.
    lost: VecMap<(u64, u16), Loss>,
    /// Meters whose load-balancer entry an older reading overwrote.
    load_overwritten: VecMap<u16, Loss>,

    // Load balancer, durable.
    load: Vec<LoadEntry>,
    zone_load: Vec<u64>,
    zone_event: Vec<Option<EventId>>,

    // Analytics, durable inbox and totals; volatile timer.
    inbox: VecMap<u64, Reading>,
    analysed_ids: RunSet,
    analytics_zone: Vec<u64>,
    analytics_event: Vec<Option<EventId>>,
    analytics_timer: Option<TimerId>,
}

impl Default for PowerGrid {
    fn default() -> Self {
        // Toggles and settings start at their specs' defaults.
        let mut grid = PowerGrid {
            outbox: false,
            idempotent: false,
            keyed: false,
            at_most_once: false,
            workload: false,
            interval: 0,
            per_tick: 0,
            publish_delay: 0,
            analytics_every: 0,
            tariff: 0,
            meters: vec![MeterRow::default(); METERS as usize],
            next_id: 0,
            outbox_rows: VecMap::new(),
            pending: VecMap::new(),
            in_flight: VecMap::new(),
            workload_timer: None,
            relay_timer: None,
            lost_in_crash: Vec::new(),
            published: 0,
            truth_customer: vec![0; CUSTOMERS as usize],
            truth_zone_energy: vec![0; ZONES as usize],
            truth_zone_load: vec![0; ZONES as usize],
            unbilled: RunMap::new(),
            unanalysed: RunMap::new(),
            billed: vec![0; CUSTOMERS as usize],
            billed_event: vec![None; CUSTOMERS as usize],
            billed_ids: RunSet::new(),
            double_billed: None,
            double_count: 0,
            billed_twice: VecMap::new(),
            lost: VecMap::new(),
            load_overwritten: VecMap::new(),
            load: vec![LoadEntry::default(); METERS as usize],
            zone_load: vec![0; ZONES as usize],
            zone_event: vec![None; ZONES as usize],
            inbox: VecMap::new(),
            analysed_ids: RunSet::new(),
            analytics_zone: vec![0; ZONES as usize],
            analytics_event: vec![None; ZONES as usize],
            analytics_timer: None,
        };
        grid.set_defaults();
        grid
    }
}

impl Scenario for PowerGrid {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        self.scenario_info()
    }

    fn topology(&self) -> Topology {
        self.grid_topology()
    }

    fn start(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        match ctx.node() {
            METER if self.workload => {
                self.workload_timer = Some(ctx.set_periodic(self.interval, Timer::Workload));
            }
            ANALYTICS => {
                self.analytics_timer =
                    Some(ctx.set_periodic(self.analytics_every, Timer::Analytics))
            }
            _ => {}
        }
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_, AnyMsg>, _from: NodeId, _msg: AnyMsg) {}

    fn on_record(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        rec: Record<'_, AnyMsg>,
    ) -> Result<(), String> {
        let Some(r) = Reading::from_any(rec.payload).cloned() else {
            return Ok(());
        };
        match ctx.node() {
            BILLING => self.bill(ctx, &r),
            LOAD_BALANCER => self.balance_load(ctx, &r),
            ANALYTICS => self.queue_for_analytics(ctx, &r),
            _ => {}
        }
        Ok(())
    }

    fn on_publish_ack(&mut self, ctx: &mut Ctx<'_, AnyMsg>, token: u64, offset: u64) {
        self.in_flight.remove(&token);
        if self.outbox_rows.remove(&token).is_some() {
            ctx.write(format!(
                "outbox row of reading #{token} marked sent (offset {offset})"
            ));
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, _timer: TimerId, tag: u64) {
        let Some(timer) = Timer::from_tag(tag) else {
            return;
        };
        match timer {
            Timer::Workload => {
                let mut picked = VecSet::new();
                let want = self.per_tick.min(METERS);
                while picked.len() < want as usize {
                    picked.insert(ctx.rng().between(1, METERS as u64) as u16);
                }
                for m in picked {
                    self.take_reading(ctx, m);
                }
            }
            Timer::Relay => self.relay(ctx),
            Timer::Publish(reading) => {
                if let Some(r) = self.pending.remove(&reading) {
                    self.published += 1;
                    let key = self.key(&r);
                    ctx.publish(READINGS, key, r);
                }
            }
            Timer::Analytics => self.run_analytics(ctx),
        }
    }

    fn on_crash(&mut self, node: NodeId, at: Moment) {
        match node {
            METER => {
                for &id in self.pending.keys() {
                    for g in ALL_GROUPS {
                        let loss = Loss {
                            id,
                            how: "was lost when Meter crashed between saving and publishing it",
                            when: at,
                        };
                        self.lost.insert((id, g.0), loss);
                    }
                }
                self.lost_in_crash = self.pending.keys().copied().collect();
                self.pending.clear();
                self.in_flight.clear();
                self.workload_timer = None;
                self.relay_timer = None;
            }
            ANALYTICS => self.analytics_timer = None,
            _ => {}
        }
    }

    fn on_lost(&mut self, wire: &Wire<AnyMsg>, _from: NodeId, to: NodeId, at: Moment) {
        // Recorded for every lost copy; a view consults it only for a
        // reading it misses that is nowhere else (an outbox row is
        // published again, an uncommitted offset delivered again).
        let Some(r) = wire.payload().and_then(Reading::from_any) else {
            return;
        };
        let (id, groups, how): (u64, &[GroupId], &'static str) = match wire {
            Wire::Publish { .. } => (
                r.id,
                &ALL_GROUPS,
                "was lost on the way to the broker, and nothing publishes it again (dual write)",
            ),
            Wire::Deliver { group, .. } => {
                let how = match to {
                    BILLING => {
                        "was lost on the way to Billing (at-most-once: never delivered again)"
                    }
                    LOAD_BALANCER => {
                        "was lost on the way to Load balancer (at-most-once: never delivered again)"
                    }
                    _ => "was lost on the way to Analytics (at-most-once: never delivered again)",
                };
                (r.id, std::slice::from_ref(group), how)
            }
            _ => return,
        };
        // The newest loss replaces an older one: an earlier copy may have
        // been lost and delivered again, so the last one lost is the one
        // that left the reading nowhere.
        for g in groups {
            let loss = Loss { id, how, when: at };
            self.lost.insert((id, g.0), loss);
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        match ctx.node() {
            METER => {
                if !self.lost_in_crash.is_empty() {
                    let ids: Vec<String> = std::mem::take(&mut self.lost_in_crash)
                        .iter()
                        .map(|i| format!("#{i}"))
                        .collect();
                    ctx.note(format!(
                        "readings {} were saved but never published: the dual write crashed between the two steps, so no consumer will ever see them",
                        ids.join(", ")
                    ));
                }
                if self.workload {
                    self.workload_timer = Some(ctx.set_periodic(self.interval, Timer::Workload));
                }
                if !self.outbox_rows.is_empty() {
                    ctx.note(format!(
                        "outbox relay recovered: {} unsent rows will be published now",
                        self.outbox_rows.len()
                    ));
                    self.ensure_relay(ctx);
                    self.relay(ctx);
                }
            }
            ANALYTICS => {
                self.analytics_timer =
                    Some(ctx.set_periodic(self.analytics_every, Timer::Analytics))
            }
            _ => {}
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
        // What grows with the run: readings on their way or missed, and
        // the ids of every reading billed or analysed.
        [
            self.outbox_rows.heap_bytes(),
            self.pending.heap_bytes(),
            self.in_flight.heap_bytes(),
            self.unbilled.heap_bytes(),
            self.unanalysed.heap_bytes(),
            self.billed_ids.heap_bytes(),
            self.lost.heap_bytes(),
            self.inbox.heap_bytes(),
            self.analysed_ids.heap_bytes(),
            (self.lost_in_crash.len() * 8) as u64,
        ]
        .iter()
        .sum()
    }

    fn describe(&self, msg: &AnyMsg) -> String {
        self.describe_msg(msg)
    }

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
}
