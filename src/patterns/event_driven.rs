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

use super::any::{AnyMsg, Carried};
use crate::sim::broker::TopicSpec;
use crate::sim::scenario::{
    group, ActionSpec, Cell, CheckKind, CheckSpec, NodeRole, NodeSpec, Row, ScenarioInfo,
    SettingSpec, Table, ToggleSpec, ViewStatus,
};
use crate::sim::sort::sort_by_key;
use crate::sim::standing::{Blocker, Loss, Moment, Noun, Place, Standing, Whereabouts};
use crate::sim::vecmap::{VecMap, VecSet};
use crate::sim::wire::Wire;
use crate::sim::{
    Ctx, Delivery, Env, EventId, GroupId, LinkSettings, NodeId, Record, Scenario, Time, TimerId,
    TopicId, Topology,
};
use serde::Serialize;

/// The Meter service: stores readings (source of truth) and publishes them.
pub const METER: NodeId = NodeId(0);
/// The message broker.
pub const BROKER: NodeId = NodeId(1);
/// The Billing service (charges per customer).
pub const BILLING: NodeId = NodeId(2);
/// The Load balancer service (load per zone).
pub const LOAD_BALANCER: NodeId = NodeId(3);
/// The Analytics service (energy per zone, in batches).
pub const ANALYTICS: NodeId = NodeId(4);

/// The `meter-readings` topic.
pub const READINGS: TopicId = TopicId(0);
/// Billing's consumer group.
pub const BILLING_GROUP: GroupId = GroupId(0);
/// The load balancer's consumer group.
pub const LOAD_GROUP: GroupId = GroupId(1);
/// Analytics' consumer group.
pub const ANALYTICS_GROUP: GroupId = GroupId(2);

/// Number of meters, numbered 1 to 24.
pub const METERS: u16 = 24;
/// Number of grid zones, named A to D (6 meters each).
pub const ZONES: u16 = 4;
/// Number of customers, numbered 1 to 12 (2 meters each).
pub const CUSTOMERS: u16 = 12;
/// Partitions of the `meter-readings` topic.
pub const PARTITIONS: u16 = 4;

/// How often the outbox relay looks for unsent rows.
const RELAY_EVERY: Time = 200;
/// How long the relay waits for the broker's confirmation before publishing a row again.
const RELAY_RESEND: Time = 2_000;

/// What the meter's views call an update.
const READING: Noun = Noun::new("reading", "readings");

/// Every consumer group.
const ALL_GROUPS: [GroupId; 3] = [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP];

const TAG_WORKLOAD: u64 = 1;
const TAG_RELAY: u64 = 2;
const TAG_ANALYTICS: u64 = 3;
/// Dual-write publish timers use `TAG_PUBLISH + reading id`.
const TAG_PUBLISH: u64 = 1 << 32;

/// The zone (0 = A) of a meter (1..=24).
pub fn zone_of(meter: u16) -> u16 {
    (meter.saturating_sub(1) / (METERS / ZONES)).min(ZONES - 1)
}

/// The customer (1..=12) who owns a meter (1..=24).
pub fn customer_of(meter: u16) -> u16 {
    meter.saturating_sub(1) / 2 + 1
}

/// A zone's letter ("A" for 0).
pub fn zone_name(zone: u16) -> char {
    (b'A' + zone as u8) as char
}

/// Tenths of a kWh as words ("3.1 kWh").
pub fn kwh(tenths: u64) -> String {
    format!("{}.{} kWh", tenths / 10, tenths % 10)
}

fn kw(tenths: u64) -> String {
    format!("{}.{} kW", tenths / 10, tenths % 10)
}

fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// One meter reading: the event every consumer receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// Reading number, unique across the grid (#42).
    pub id: u64,
    /// Meter, 1..=24.
    pub meter: u16,
    /// This meter's reading count (1 for its first reading).
    pub seq: u32,
    /// Energy in tenths of a kWh.
    pub tenths: u32,
}

/// One meter in the Meter service's database.
#[derive(Clone, Debug, Default)]
struct MeterRow {
    /// Sum of all readings, tenths of kWh.
    total: u64,
    /// Latest reading: id, seq and value.
    latest: Option<(u64, u32, u32)>,
    /// When each reading was written, by seq - 1.
    times: Vec<Time>,
    /// The write of the latest reading.
    event: Option<EventId>,
}

/// A meter as the load balancer knows it.
#[derive(Clone, Debug, Default)]
struct LoadEntry {
    /// Reading id, seq and value applied last.
    applied: Option<(u64, u32, u32)>,
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
    unbilled: VecMap<u64, Time>,
    unanalysed: VecMap<u64, Time>,

    // Billing, durable.
    billed: Vec<u64>,
    billed_event: Vec<Option<EventId>>,
    billed_ids: VecSet<u64>,
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
    analysed_ids: VecSet<u64>,
    analytics_zone: Vec<u64>,
    analytics_event: Vec<Option<EventId>>,
    analytics_timer: Option<TimerId>,
}

impl Default for PowerGrid {
    fn default() -> Self {
        PowerGrid {
            outbox: true,
            idempotent: true,
            keyed: true,
            at_most_once: false,
            workload: true,
            interval: 1_000,
            per_tick: 3,
            publish_delay: 150,
            analytics_every: 4_000,
            tariff: 30,
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
            unbilled: VecMap::new(),
            unanalysed: VecMap::new(),
            billed: vec![0; CUSTOMERS as usize],
            billed_event: vec![None; CUSTOMERS as usize],
            billed_ids: VecSet::new(),
            double_billed: None,
            double_count: 0,
            billed_twice: VecMap::new(),
            lost: VecMap::new(),
            load_overwritten: VecMap::new(),
            load: vec![LoadEntry::default(); METERS as usize],
            zone_load: vec![0; ZONES as usize],
            zone_event: vec![None; ZONES as usize],
            inbox: VecMap::new(),
            analysed_ids: VecSet::new(),
            analytics_zone: vec![0; ZONES as usize],
            analytics_event: vec![None; ZONES as usize],
            analytics_timer: None,
        }
    }
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

    fn meter_stale(&self, m: u16) -> bool {
        let truth = self.meters[(m - 1) as usize].latest.map(|l| l.1);
        let seen = self.load[(m - 1) as usize].applied.map(|l| l.1);
        truth != seen
    }

    fn key(&self, r: &Reading) -> Option<u64> {
        self.keyed.then_some(r.meter as u64)
    }

    fn cents(&self, tenths: u64) -> u64 {
        (tenths * self.tariff + 5) / 10
    }

    fn arm_workload(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.workload_timer.take() {
            ctx.cancel_timer(t);
        }
        if self.workload && ctx.is_up(METER) {
            ctx.act_as(METER);
            self.workload_timer = Some(ctx.set_periodic(self.interval, TAG_WORKLOAD));
        }
    }

    fn arm_analytics(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.analytics_timer.take() {
            ctx.cancel_timer(t);
        }
        if ctx.is_up(ANALYTICS) {
            ctx.act_as(ANALYTICS);
            self.analytics_timer = Some(ctx.set_periodic(self.analytics_every, TAG_ANALYTICS));
        }
    }

    /// The Meter service stores a reading, then publishes it (outbox or dual write).
    fn take_reading(&mut self, ctx: &mut Ctx<'_, AnyMsg>, meter: u16) {
        ctx.act_as(METER);
        let tenths = ctx.rng().between(5, 60) as u32;
        self.next_id += 1;
        let id = self.next_id;
        let now = ctx.now();
        let row = &mut self.meters[(meter - 1) as usize];
        row.times.push(now);
        let seq = row.times.len() as u32;
        let old = row.latest.map_or(0, |l| l.2 as u64);
        row.latest = Some((id, seq, tenths));
        row.total += tenths as u64;
        let zone = zone_of(meter) as usize;
        self.truth_customer[(customer_of(meter) - 1) as usize] += tenths as u64;
        self.truth_zone_energy[zone] += tenths as u64;
        self.truth_zone_load[zone] = self.truth_zone_load[zone] - old + tenths as u64;
        self.unbilled.insert(id, now);
        self.unanalysed.insert(id, now);
        let reading = Reading {
            id,
            meter,
            seq,
            tenths,
        };
        let ev = if self.outbox {
            let ev = ctx.write(format!(
                "reading #{id} for meter {meter}: {} and its outbox row, in one transaction",
                kwh(tenths as u64)
            ));
            self.outbox_rows.insert(id, reading);
            ev
        } else {
            let ev = ctx.write(format!("reading #{id} for meter {meter}: {} (the event is published after processing, a separate step)", kwh(tenths as u64)));
            self.pending.insert(id, reading);
            ctx.set_timer(self.publish_delay, TAG_PUBLISH + id);
            ev
        };
        if self.outbox {
            self.ensure_relay(ctx);
        }
        self.meters[(meter - 1) as usize].event = Some(ev);
    }

    /// Starts polling the outbox (the relay sleeps while the outbox is empty).
    fn ensure_relay(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if self.relay_timer.is_none() {
            ctx.act_as(METER);
            self.relay_timer = Some(ctx.set_periodic(RELAY_EVERY, TAG_RELAY));
        }
    }

    /// The outbox relay: publish unsent rows in order, one in flight per meter.
    fn relay(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if self.outbox_rows.is_empty() {
            if let Some(t) = self.relay_timer.take() {
                ctx.cancel_timer(t);
            }
            return;
        }
        let now = ctx.now();
        let mut busy = VecSet::new();
        let rows: Vec<Reading> = self.outbox_rows.values().cloned().collect();
        for r in rows {
            if busy.contains(&r.meter) {
                continue;
            }
            busy.insert(r.meter);
            match self.in_flight.get(&r.id) {
                Some(&sent) if now < sent + RELAY_RESEND => continue,
                Some(_) => {
                    ctx.note(format!("outbox relay: no confirmation for reading #{} in {} ms, publishing it again", r.id, RELAY_RESEND));
                }
                None => {}
            }
            self.in_flight.insert(r.id, now);
            self.published += 1;
            let key = self.key(&r);
            ctx.publish_confirmed(READINGS, key, r.clone(), r.id);
        }
    }

    fn bill(&mut self, ctx: &mut Ctx<'_, AnyMsg>, r: &Reading) {
        if self.idempotent && self.billed_ids.contains(&r.id) {
            ctx.note(format!(
                "reading #{} is a duplicate, ignored because already processed",
                r.id
            ));
            return;
        }
        let c = customer_of(r.meter);
        let first = self.billed_ids.insert(r.id);
        if first {
            self.unbilled.remove(&r.id);
            self.found(r.id, BILLING_GROUP);
        } else {
            self.double_count += 1;
            if self.double_billed.is_none() {
                self.double_billed = Some((r.id, r.meter));
            }
        }
        let i = (c - 1) as usize;
        self.billed[i] += r.tenths as u64;
        let total = self.billed[i];
        let again = if first {
            ""
        } else {
            " (again: no idempotency check)"
        };
        let ev = ctx.write(format!(
            "customer {c} charged for reading #{} of meter {}{again}: now {} = {}",
            r.id,
            r.meter,
            kwh(total),
            dollars(self.cents(total))
        ));
        self.billed_event[i] = Some(ev);
        if !first && !self.billed_twice.contains_key(&c) {
            let loss = Loss {
                id: r.id,
                how: "was billed twice (no idempotency check)",
                when: Moment {
                    at: ctx.now(),
                    event: ev,
                },
            };
            self.billed_twice.insert(c, loss);
        }
    }

    fn balance_load(&mut self, ctx: &mut Ctx<'_, AnyMsg>, r: &Reading) {
        let m = (r.meter - 1) as usize;
        let zone = zone_of(r.meter) as usize;
        let prev = self.load[m].applied;
        if let Some((pid, pseq, _)) = prev {
            if pseq > r.seq {
                ctx.note(format!(
                    "reading #{} of meter {} arrived after the newer reading #{pid}; the load balancer applies it anyway (it trusts arrival order)",
                    r.id, r.meter
                ));
            }
        }
        let old = prev.map_or(0, |p| p.2 as u64);
        self.load[m].applied = Some((r.id, r.seq, r.tenths));
        self.found(r.id, LOAD_GROUP);
        self.zone_load[zone] = self.zone_load[zone] - old + r.tenths as u64;
        let ev = ctx.write(format!(
            "meter {} now {} (reading #{}): zone {} load {}",
            r.meter,
            kw(r.tenths as u64),
            r.id,
            zone_name(zone as u16),
            kw(self.zone_load[zone])
        ));
        self.zone_event[zone] = Some(ev);
        match prev {
            Some((_, pseq, _)) if pseq > r.seq => {
                let loss = Loss {
                    id: r.id,
                    how: "overwrote a newer reading of its meter (it arrived out of order)",
                    when: Moment {
                        at: ctx.now(),
                        event: ev,
                    },
                };
                self.load_overwritten.insert(r.meter, loss);
            }
            _ => {
                if !self.meter_stale(r.meter) {
                    self.load_overwritten.remove(&r.meter);
                }
            }
        }
    }

    fn queue_for_analytics(&mut self, ctx: &mut Ctx<'_, AnyMsg>, r: &Reading) {
        if self.analysed_ids.contains(&r.id) || self.inbox.contains_key(&r.id) {
            ctx.note(format!(
                "reading #{} is a duplicate, ignored because already queued",
                r.id
            ));
            return;
        }
        self.inbox.insert(r.id, r.clone());
        ctx.write(format!(
            "reading #{} queued for the next analytics batch ({} queued)",
            r.id,
            self.inbox.len()
        ));
    }

    fn run_analytics(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if self.inbox.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.inbox);
        let mut counts = [0u32; ZONES as usize];
        for r in batch.values() {
            let z = zone_of(r.meter) as usize;
            self.analytics_zone[z] += r.tenths as u64;
            counts[z] += 1;
            self.analysed_ids.insert(r.id);
            self.unanalysed.remove(&r.id);
            self.found(r.id, ANALYTICS_GROUP);
        }
        for (z, &n) in counts.iter().enumerate() {
            if n > 0 {
                let ev = ctx.write(format!(
                    "zone {} energy = {} ({n} new readings in this batch)",
                    zone_name(z as u16),
                    kwh(self.analytics_zone[z])
                ));
                self.analytics_event[z] = Some(ev);
            }
        }
    }

    fn billing_diff(&self) -> impl Iterator<Item = u16> + '_ {
        (1..=CUSTOMERS)
            .filter(|&c| self.billed[(c - 1) as usize] != self.truth_customer[(c - 1) as usize])
    }

    fn zone_stale(&self, zone: u16) -> bool {
        (1..=METERS)
            .filter(|&m| zone_of(m) == zone)
            .any(|m| self.meter_stale(m))
    }

    fn load_lag(&self) -> Option<Time> {
        (1..=METERS)
            .filter_map(|m| {
                let row = &self.meters[(m - 1) as usize];
                let seen = self.load[(m - 1) as usize].applied.map_or(0, |a| a.1);
                let latest = row.latest.map_or(0, |l| l.1);
                (seen != latest)
                    .then(|| row.times.get(seen as usize).or(row.times.last()).copied())
                    .flatten()
            })
            .min()
    }
}

/// Where the readings on their way are, found in one pass over the
/// links and the consumer groups' backlogs for each `views` call.
struct Transit {
    /// Readings on their way to the broker, by id.
    publishing: Vec<(u64, Place, Option<Blocker>)>,
    /// Per consumer group: readings on their way to its service and in its
    /// backlog, by id.
    to_group: [Vec<(u64, Place, Option<Blocker>)>; 3],
}

impl Transit {
    fn of(env: &Env<'_, AnyMsg>) -> Self {
        let mut publishing = Vec::new();
        let mut to_group: [Vec<(u64, Place, Option<Blocker>)>; 3] = Default::default();
        for (f, place, _) in env.flights() {
            match &f.wire {
                Wire::Publish { payload, .. } => {
                    if let Some(r) = Reading::from_any(payload) {
                        publishing.push((r.id, place, env.blocker(f.from, f.to)));
                    }
                }
                Wire::Deliver { group, payload, .. } => {
                    if let (Some(v), Some(r)) = (
                        to_group.get_mut(group.0 as usize),
                        Reading::from_any(payload),
                    ) {
                        v.push((r.id, place, env.blocker(f.from, f.to)));
                    }
                }
                _ => {}
            }
        }
        for (g, v) in to_group.iter_mut().enumerate() {
            let group = GroupId(g as u16);
            let blocker = env.group_blocker(group);
            v.extend(
                env.backlog(group)
                    .filter_map(|(_, r)| Reading::from_any(&r.payload))
                    .map(|r| (r.id, Place::Broker, blocker)),
            );
        }
        // Stable: of several copies of one reading, the first found wins.
        sort_by_key(&mut publishing, |e| e.0);
        for v in &mut to_group {
            sort_by_key(v, |e| e.0);
        }
        Transit {
            publishing,
            to_group,
        }
    }

    fn find(list: &[(u64, Place, Option<Blocker>)], id: u64) -> Option<(Place, Option<Blocker>)> {
        let i = list.partition_point(|e| e.0 < id);
        list.get(i).filter(|e| e.0 == id).map(|e| (e.1, e.2))
    }
}

impl PowerGrid {
    /// Where reading `id`, which `group`'s service misses, is now: on a
    /// link or in the broker on its way to it, on its way to the broker,
    /// in the outbox, saved and waiting to be published (dual write), or
    /// (Analytics) queued for the next batch; with what blocks it.
    fn locate(
        &self,
        env: &Env<'_, AnyMsg>,
        transit: &Transit,
        group: GroupId,
        id: u64,
    ) -> Option<(Place, Option<Blocker>)> {
        if let Some(found) = transit
            .to_group
            .get(group.0 as usize)
            .and_then(|l| Transit::find(l, id))
        {
            return Some(found);
        }
        if let Some(found) = Transit::find(&transit.publishing, id) {
            return Some(found);
        }
        if self.pending.contains_key(&id) {
            return Some((Place::Unpublished, None));
        }
        if self.outbox_rows.contains_key(&id) {
            return Some((Place::Outbox, env.blocker(METER, BROKER)));
        }
        if group == ANALYTICS_GROUP && self.inbox.contains_key(&id) {
            return Some((Place::Batch, env.down(ANALYTICS)));
        }
        None
    }

    /// The readings `group`'s service misses (for the load balancer: the
    /// latest reading of each meter it has not applied), each with the
    /// loss that explains it when it is wrong for good rather than late.
    fn missing(&self, group: GroupId, each: &mut dyn FnMut(u64, Option<&Loss>)) {
        match group {
            BILLING_GROUP => {
                for &id in self.unbilled.keys() {
                    each(id, None);
                }
            }
            LOAD_GROUP => {
                for m in (1..=METERS).filter(|&m| self.meter_stale(m)) {
                    if let Some((id, _, _)) = self.meters[(m - 1) as usize].latest {
                        each(id, self.load_overwritten.get(&m));
                    }
                }
            }
            _ => {
                for &id in self.unanalysed.keys() {
                    each(id, None);
                }
            }
        }
    }

    /// How `group`'s service stands: diverged when a reading it misses is
    /// nowhere (with the loss that explains it) or it billed a reading
    /// twice; stuck when a reading it misses cannot move; catching up
    /// otherwise, with where the missing readings are. `unaccounted` hears
    /// of a missing reading found nowhere and explained by no loss (which
    /// the tests require never to happen).
    fn standing(
        &self,
        env: &Env<'_, AnyMsg>,
        transit: &Transit,
        group: GroupId,
        unaccounted: &mut dyn FnMut(u64),
    ) -> Standing {
        let mut at = Whereabouts::new();
        let mut blocker = None;
        let mut first: Option<Loss> = None;
        let mut losses = 0u32;
        let mut lose = |l: &Loss| {
            losses += 1;
            if first.is_none_or(|f| (l.when.at, l.when.event) < (f.when.at, f.when.event)) {
                first = Some(*l);
            }
        };
        self.missing(group, &mut |id, wrong| {
            if let Some((place, b)) = self.locate(env, transit, group, id) {
                at.add(place, 1);
                blocker = blocker.or(b);
            } else if let Some(l) = wrong {
                lose(l);
            } else if let Some(l) = self.lost.get(&(id, group.0)) {
                lose(l);
            } else {
                unaccounted(id);
                at.add(Place::InFlight, 1);
            }
        });
        if group == BILLING_GROUP {
            for c in self.billing_diff() {
                if let Some(l) = self.billed_twice.get(&c) {
                    lose(l);
                }
            }
        }
        match first {
            Some(loss) => Standing::Diverged {
                loss,
                more: losses - 1,
            },
            None => Standing::behind(at, blocker),
        }
    }

    /// `group` has the reading now: it is lost to it no more.
    fn found(&mut self, id: u64, group: GroupId) {
        self.lost.remove(&(id, group.0));
    }

    /// Readings a consumer misses that are nowhere and explained by no
    /// loss, as (group, reading id): always empty unless the standing's
    /// bookkeeping has a gap.
    pub fn unaccounted(&self, env: &Env<'_, AnyMsg>) -> Vec<(GroupId, u64)> {
        let transit = Transit::of(env);
        let mut out = Vec::new();
        for g in [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP] {
            self.standing(env, &transit, g, &mut |id| out.push((g, id)));
        }
        out
    }
}

impl Scenario for PowerGrid {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "event-driven",
            title: "Event-based consistency: a smart power grid",
            toggles: vec![
                ToggleSpec {
                    id: "outbox",
                    label: "Transactional outbox",
                    help: "Save the reading and an outbox row in one transaction; a relay publishes the row, even after a crash. Off: save, then publish in a second step (a dual write).",
                    default: true,
                },
                ToggleSpec {
                    id: "idempotent",
                    label: "Idempotent consumer",
                    help: "Billing keeps a table of processed reading ids and ignores duplicates and redeliveries.",
                    default: true,
                },
                ToggleSpec {
                    id: "keyed",
                    label: "Partition by meter id",
                    help: "All readings of a meter go to the same partition, so they arrive in order. Off: random partitions.",
                    default: true,
                },
                ToggleSpec {
                    id: "at_most_once",
                    label: "At-most-once delivery",
                    help: "The broker commits before a consumer processes: a consumer crash loses readings. Off: at-least-once (redeliver until acked).",
                    default: false,
                },
                ToggleSpec {
                    id: "workload",
                    label: "Meters report",
                    help: "Meters send readings periodically. Turn off to let things settle.",
                    default: true,
                },
            ],
            settings: vec![
                SettingSpec {
                    id: "interval",
                    label: "Reporting interval",
                    help: "Time between rounds of readings.",
                    min: 200,
                    max: 10_000,
                    default: 1_000,
                    unit: " ms",
                },
                SettingSpec {
                    id: "per_tick",
                    label: "Meters per round",
                    help: "How many meters report in each round.",
                    min: 1,
                    max: METERS as i64,
                    default: 3,
                    unit: "",
                },
                SettingSpec {
                    id: "publish_delay",
                    label: "Dual-write gap",
                    help: "Without the outbox: time between saving a reading and publishing it (a crash in between loses the event).",
                    min: 0,
                    max: 5_000,
                    default: 150,
                    unit: " ms",
                },
                SettingSpec {
                    id: "analytics_every",
                    label: "Analytics batch interval",
                    help: "Analytics processes its queued readings this often, so it lags on purpose.",
                    min: 500,
                    max: 30_000,
                    default: 4_000,
                    unit: " ms",
                },
                SettingSpec {
                    id: "tariff",
                    label: "Tariff",
                    help: "Price of energy.",
                    min: 1,
                    max: 200,
                    default: 30,
                    unit: " ¢/kWh",
                },
            ],
            actions: vec![
                ActionSpec {
                    id: "reading",
                    label: "Send a reading",
                    help: "One random meter reports now.",
                },
                ActionSpec {
                    id: "burst",
                    label: "Burst of readings",
                    help: "Every meter reports at once (24 readings).",
                },
            ],
            checks: vec![
                CheckSpec {
                    name: "billing matches the meters",
                    kind: CheckKind::Eventually,
                    help: "Each customer is billed for exactly the energy their meters read, times the tariff.",
                },
                CheckSpec {
                    name: "load balancer has the latest readings",
                    kind: CheckKind::Eventually,
                    help: "Each zone's load is the sum of the latest reading of each of its meters.",
                },
                CheckSpec {
                    name: "no reading billed twice",
                    kind: CheckKind::Always,
                    help: "Billing never charges the same reading twice.",
                },
            ],
        }
    }

    fn topology(&self) -> Topology {
        let node = |name, role, x, y| NodeSpec {
            name,
            role,
            x,
            y,
            crashable: true,
        };
        Topology {
            nodes: vec![
                node("Meter", NodeRole::Service, 140.0, 300.0),
                node("Broker", NodeRole::Broker, 480.0, 300.0),
                node("Billing", NodeRole::Service, 830.0, 120.0),
                node("Load balancer", NodeRole::Service, 830.0, 300.0),
                node("Analytics", NodeRole::Service, 830.0, 480.0),
            ],
            edges: vec![
                (METER, BROKER),
                (BROKER, BILLING),
                (BROKER, LOAD_BALANCER),
                (BROKER, ANALYTICS),
            ],
            broker: Some(BROKER),
            topics: vec![TopicSpec {
                name: "meter-readings",
                partitions: PARTITIONS,
            }],
            groups: vec![
                group("billing", READINGS, BILLING, Delivery::AtLeastOnce),
                group(
                    "load-balancer",
                    READINGS,
                    LOAD_BALANCER,
                    Delivery::AtLeastOnce,
                ),
                group("analytics", READINGS, ANALYTICS, Delivery::AtLeastOnce),
            ],
            link: LinkSettings::default(),
        }
    }

    fn start(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        match ctx.node() {
            METER if self.workload => {
                self.workload_timer = Some(ctx.set_periodic(self.interval, TAG_WORKLOAD));
            }
            ANALYTICS => {
                self.analytics_timer = Some(ctx.set_periodic(self.analytics_every, TAG_ANALYTICS))
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
        match (ctx.node(), tag) {
            (METER, TAG_WORKLOAD) => {
                let mut picked = VecSet::new();
                let want = self.per_tick.min(METERS);
                while picked.len() < want as usize {
                    picked.insert(ctx.rng().between(1, METERS as u64) as u16);
                }
                for m in picked {
                    self.take_reading(ctx, m);
                }
            }
            (METER, TAG_RELAY) => self.relay(ctx),
            (METER, t) if t >= TAG_PUBLISH => {
                if let Some(r) = self.pending.remove(&(t - TAG_PUBLISH)) {
                    self.published += 1;
                    let key = self.key(&r);
                    ctx.publish(READINGS, key, r);
                }
            }
            (ANALYTICS, TAG_ANALYTICS) => self.run_analytics(ctx),
            _ => {}
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
                    self.workload_timer = Some(ctx.set_periodic(self.interval, TAG_WORKLOAD));
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
                self.analytics_timer = Some(ctx.set_periodic(self.analytics_every, TAG_ANALYTICS))
            }
            _ => {}
        }
    }

    fn on_toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        match id {
            "outbox" => self.outbox = on,
            "idempotent" => self.idempotent = on,
            "keyed" => self.keyed = on,
            "at_most_once" => {
                self.at_most_once = on;
                let d = if on {
                    Delivery::AtMostOnce
                } else {
                    Delivery::AtLeastOnce
                };
                for g in [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP] {
                    ctx.set_delivery(g, d);
                }
            }
            "workload" => {
                self.workload = on;
                self.arm_workload(ctx);
            }
            _ => {}
        }
    }

    fn on_set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        match id {
            "interval" => {
                self.interval = value as Time;
                if self.workload_timer.is_some() {
                    self.arm_workload(ctx);
                }
            }
            "per_tick" => self.per_tick = value as u16,
            "publish_delay" => self.publish_delay = value as Time,
            "analytics_every" => {
                self.analytics_every = value as Time;
                if self.analytics_timer.is_some() {
                    self.arm_analytics(ctx);
                }
            }
            "tariff" => self.tariff = value as u64,
            _ => {}
        }
    }

    fn on_action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        if !ctx.is_up(METER) {
            ctx.note("the Meter service is down: no reading can be stored");
            return;
        }
        match id {
            "reading" => {
                let m = ctx.rng().between(1, METERS as u64) as u16;
                self.take_reading(ctx, m);
            }
            "burst" => {
                for m in 1..=METERS {
                    self.take_reading(ctx, m);
                }
            }
            _ => {}
        }
    }

    fn describe(&self, msg: &AnyMsg) -> String {
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

    fn views(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        let transit = Transit::of(env);
        let [billing, load, analytics] = [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP]
            .map(|g| self.standing(env, &transit, g, &mut |_| {}));
        vec![
            ViewStatus {
                name: "Billing".into(),
                node: Some(BILLING),
                differing: self.billing_diff().count() as u32,
                total: CUSTOMERS as u32,
                unit: "customers",
                lag_since: self.unbilled.values().next().copied(),
                noun: READING,
                standing: billing,
            },
            ViewStatus {
                name: "Load balancer".into(),
                node: Some(LOAD_BALANCER),
                differing: (0..ZONES).filter(|&z| self.zone_stale(z)).count() as u32,
                total: ZONES as u32,
                unit: "zones",
                lag_since: self.load_lag(),
                noun: READING,
                standing: load,
            },
            ViewStatus {
                name: "Analytics".into(),
                node: Some(ANALYTICS),
                differing: (0..ZONES as usize)
                    .filter(|&z| self.analytics_zone[z] != self.truth_zone_energy[z])
                    .count() as u32,
                total: ZONES as u32,
                unit: "zones",
                lag_since: self.unanalysed.values().next().copied(),
                noun: READING,
                standing: analytics,
            },
        ]
    }

    fn checks(&self, _env: &Env<'_, AnyMsg>) -> Vec<Option<String>> {
        let billing = {
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
        };
        let load = {
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
        };
        let double = self.double_billed.map(|(id, meter)| {
            let more = if self.double_count > 1 {
                format!(" ({} double charges so far)", self.double_count)
            } else {
                String::new()
            };
            format!("reading #{id} for meter {meter} billed twice{more}")
        });
        vec![billing, load, double]
    }

    fn tables(&self, _env: &Env<'_, AnyMsg>) -> Vec<Table> {
        let mut out = Vec::new();
        out.push(Table {
            title: "Meter: readings per meter (source of truth)".into(),
            node: METER,
            columns: vec!["meter", "zone", "customer", "latest", "total", "readings"],
            rows: (1..=METERS)
                .map(|m| {
                    let row = &self.meters[(m - 1) as usize];
                    let latest = row
                        .latest
                        .map_or("-".into(), |l| format!("#{} {}", l.0, kwh(l.2 as u64)));
                    Row {
                        key: format!("meter-{m}"),
                        cells: vec![
                            Cell::new(m.to_string()),
                            Cell::new(zone_name(zone_of(m)).to_string()),
                            Cell::new(customer_of(m).to_string()),
                            Cell::value(latest, false, row.event),
                            Cell::value(kwh(row.total), false, row.event),
                            Cell::new(row.times.len().to_string()),
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
                    Cell::new(format!("#{}", r.id)),
                    Cell::new(r.meter.to_string()),
                    Cell::new(kwh(r.tenths as u64)),
                    Cell::new(status),
                ],
            })
            .collect();
        crate::sim::sort::sort_by(&mut unsent, |a, b| a.key.cmp(&b.key));
        out.push(Table {
            title: "Meter: events not yet published".into(),
            node: METER,
            columns: vec!["reading", "meter", "energy", "status"],
            rows: unsent,
        });
        out.push(Table {
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
                            Cell::new(c.to_string()),
                            Cell::new(format!("{}, {}", 2 * c - 1, 2 * c)),
                            Cell::value(kwh(self.billed[i]), diverged, self.billed_event[i]),
                            Cell::value(
                                dollars(self.cents(self.billed[i])),
                                diverged,
                                self.billed_event[i],
                            ),
                            Cell::new(kwh(self.truth_customer[i])),
                        ],
                    }
                })
                .collect(),
        });
        out.push(Table {
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
                            ),
                            Cell::new(kw(self.truth_zone_load[z as usize])),
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
                            ),
                            Cell::new(kwh(self.truth_zone_energy[i])),
                            Cell::new(queued(z).to_string()),
                        ],
                    }
                })
                .collect(),
        });
        out
    }

    fn summary(&self, node: NodeId) -> String {
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

    fn quiet(&self) -> bool {
        !self.workload
    }
}
