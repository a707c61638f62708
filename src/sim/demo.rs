//! Two small scenarios that exercise the engine on its own: `Ticker` (two
//! services and a broker, shown in the shell and used by engine tests) and
//! `Mesh` (many services bouncing messages, used by the benchmark).

use super::broker::Delivery;
use super::ctx::Ctx;
use super::net::LinkSettings;
use super::scenario::*;
use super::types::{GroupId, NodeId, Time, TimerId, TopicId};
use crate::sim::broker::TopicSpec;
use serde::Serialize;
use std::collections::BTreeSet;

/// The Ticker's message: tick number `n`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tick(pub u64);

/// A Counter service publishes numbered ticks to a topic; a Tally service
/// consumes them and counts. With duplicates and no idempotency the tally
/// overcounts; with a dropped record under at-most-once it undercounts.
#[derive(Clone, Debug)]
pub struct Ticker {
    /// Ticks published so far (Counter's durable state).
    pub published: u64,
    /// Ticks counted (Tally's durable state).
    pub tally: u64,
    /// Tick numbers seen (Tally's durable dedupe table).
    pub seen: BTreeSet<u64>,
    /// Ignore ticks already counted.
    pub idempotent: bool,
    /// Publish periodically.
    pub running: bool,
    /// Interval between ticks.
    pub interval: Time,
    timer: Option<TimerId>,
}

/// Node ids of the Ticker.
pub const COUNTER: NodeId = NodeId(0);
/// The broker.
pub const BROKER: NodeId = NodeId(1);
/// The consumer.
pub const TALLY: NodeId = NodeId(2);
const TICKS: TopicId = TopicId(0);
const TALLY_GROUP: GroupId = GroupId(0);

impl Default for Ticker {
    fn default() -> Self {
        Ticker {
            published: 0,
            tally: 0,
            seen: BTreeSet::new(),
            idempotent: true,
            running: true,
            interval: 500,
            timer: None,
        }
    }
}

impl Ticker {
    fn publish(&mut self, ctx: &mut Ctx<'_, Tick>) {
        self.published += 1;
        let n = self.published;
        ctx.act_as(COUNTER);
        ctx.write(format!("tick #{n}"));
        ctx.publish(TICKS, Some(n), Tick(n));
    }
}

impl Scenario for Ticker {
    type Msg = Tick;

    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "ticker",
            title: "Ticker: two services and a broker",
            toggles: vec![
                ToggleSpec {
                    id: "idempotent",
                    label: "Idempotent consumer",
                    help: "The tally remembers tick numbers and ignores repeats.",
                    default: true,
                },
                ToggleSpec {
                    id: "running",
                    label: "Workload",
                    help: "The counter publishes a tick every interval.",
                    default: true,
                },
                ToggleSpec {
                    id: "at_most_once",
                    label: "At-most-once delivery",
                    help: "The broker commits before the tally processes: a crash loses ticks.",
                    default: false,
                },
            ],
            settings: vec![SettingSpec {
                id: "interval",
                label: "Tick interval",
                help: "Time between ticks.",
                min: 50,
                max: 10_000,
                default: 500,
                unit: " ms",
            }],
            actions: vec![ActionSpec {
                id: "tick",
                label: "Send a tick",
                help: "Publish one tick now.",
            }],
            checks: vec![
                CheckSpec {
                    name: "tally equals ticks published",
                    kind: CheckKind::Eventually,
                    help: "Once faults heal and ticks stop, the tally matches.",
                },
                CheckSpec {
                    name: "no tick counted twice",
                    kind: CheckKind::Always,
                    help: "The tally never exceeds the ticks published.",
                },
            ],
        }
    }

    fn topology(&self) -> Topology {
        Topology {
            nodes: vec![
                NodeSpec {
                    name: "Counter",
                    role: NodeRole::Service,
                    x: 150.0,
                    y: 300.0,
                    crashable: true,
                },
                NodeSpec {
                    name: "Broker",
                    role: NodeRole::Broker,
                    x: 500.0,
                    y: 300.0,
                    crashable: true,
                },
                NodeSpec {
                    name: "Tally",
                    role: NodeRole::Service,
                    x: 850.0,
                    y: 300.0,
                    crashable: true,
                },
            ],
            edges: vec![(COUNTER, BROKER), (BROKER, TALLY)],
            broker: Some(BROKER),
            topics: vec![TopicSpec {
                name: "ticks",
                partitions: 2,
            }],
            groups: vec![group("tally", TICKS, TALLY, Delivery::AtLeastOnce)],
            link: LinkSettings::default(),
        }
    }

    fn start(&mut self, ctx: &mut Ctx<'_, Tick>) {
        if ctx.node() == COUNTER && self.running {
            self.timer = Some(ctx.set_periodic(self.interval, 0));
        }
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_, Tick>, _from: NodeId, _msg: Tick) {}

    fn on_record(&mut self, ctx: &mut Ctx<'_, Tick>, rec: Record<'_, Tick>) -> Result<(), String> {
        let n = rec.payload.0;
        if self.idempotent && !self.seen.insert(n) {
            ctx.note(format!(
                "tick #{n} is a duplicate, ignored because already counted"
            ));
            return Ok(());
        }
        self.seen.insert(n);
        self.tally += 1;
        ctx.write(format!("tally = {}", self.tally));
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Tick>, _timer: TimerId, _tag: u64) {
        self.publish(ctx);
    }

    fn on_crash(&mut self, node: NodeId, _at: crate::sim::Moment) {
        if node == COUNTER {
            self.timer = None;
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, Tick>) {
        if ctx.node() == COUNTER && self.running {
            self.timer = Some(ctx.set_periodic(self.interval, 0));
        }
    }

    fn on_toggle(&mut self, ctx: &mut Ctx<'_, Tick>, id: &str, on: bool) {
        match id {
            "idempotent" => self.idempotent = on,
            "at_most_once" => ctx.set_delivery(
                TALLY_GROUP,
                if on {
                    Delivery::AtMostOnce
                } else {
                    Delivery::AtLeastOnce
                },
            ),
            "running" => {
                self.running = on;
                if let Some(t) = self.timer.take() {
                    ctx.cancel_timer(t);
                }
                if on && ctx.is_up(COUNTER) {
                    ctx.act_as(COUNTER);
                    self.timer = Some(ctx.set_periodic(self.interval, 0));
                }
            }
            _ => {}
        }
    }

    fn on_set(&mut self, ctx: &mut Ctx<'_, Tick>, id: &str, value: i64) {
        if id == "interval" {
            self.interval = value as Time;
            if let Some(t) = self.timer.take() {
                ctx.cancel_timer(t);
                ctx.act_as(COUNTER);
                self.timer = Some(ctx.set_periodic(self.interval, 0));
            }
        }
    }

    fn on_action(&mut self, ctx: &mut Ctx<'_, Tick>, id: &str) {
        if id == "tick" && ctx.is_up(COUNTER) {
            self.publish(ctx);
        }
    }

    fn describe(&self, msg: &Tick) -> String {
        format!("tick #{}", msg.0)
    }

    fn views(&self, _env: &Env<'_, Tick>) -> Vec<ViewStatus> {
        vec![ViewStatus {
            name: "Tally".into(),
            node: Some(TALLY),
            differing: u32::from(self.tally != self.published),
            total: 1,
            unit: "counter",
            lag_since: None,
            noun: crate::sim::Noun::new("update", "updates"),
            standing: crate::sim::Standing::Converged,
        }]
    }

    fn broken_checks(&self, _env: &Env<'_, Tick>) -> u64 {
        u64::from(self.tally != self.published) | u64::from(self.tally > self.published) << 1
    }

    fn why_broken(&self, check: usize, _env: &Env<'_, Tick>) -> Option<String> {
        let (tally, published) = (self.tally, self.published);
        match check {
            0 => (tally != published)
                .then(|| format!("tally is {tally} but {published} ticks were published")),
            1 => (tally > published)
                .then(|| format!("tally {tally} exceeds the {published} ticks published")),
            _ => None,
        }
    }

    fn tables(&self, _env: &Env<'_, Tick>) -> Vec<Table> {
        vec![Table {
            id: "tally",
            title: "Tally".into(),
            node: TALLY,
            columns: vec!["counter", "value"],
            rows: vec![Row {
                key: "ticks".into(),
                cells: vec![
                    Cell::new("ticks"),
                    Cell::value(self.tally.to_string(), self.tally != self.published, None)
                        .num(self.tally as f64),
                ],
            }],
        }]
    }

    fn summary(&self, node: NodeId) -> String {
        match node {
            COUNTER => format!("published {}", self.published),
            TALLY => format!("tally {}", self.tally),
            _ => String::new(),
        }
    }

    fn quiet(&self) -> bool {
        !self.running
    }

    fn settle_time(&self) -> Time {
        6_000
    }
}

/// A mesh of services that pass messages to random peers; each message
/// hops forever. Used to measure raw engine throughput.
#[derive(Clone, Debug)]
pub struct Mesh {
    /// Number of services.
    pub services: u16,
    /// Messages injected at the start.
    pub messages: u32,
    /// Messages handled.
    pub handled: u64,
}

impl Scenario for Mesh {
    type Msg = u32;

    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "mesh",
            title: "Mesh",
            toggles: vec![],
            settings: vec![],
            actions: vec![],
            checks: vec![],
        }
    }

    fn topology(&self) -> Topology {
        let n = self.services.max(2);
        Topology {
            nodes: (0..n)
                .map(|i| NodeSpec {
                    name: "svc",
                    role: NodeRole::Service,
                    x: 0.0,
                    y: i as f32,
                    crashable: true,
                })
                .collect(),
            edges: vec![],
            broker: None,
            topics: vec![],
            groups: vec![],
            link: LinkSettings {
                latency: 50,
                jitter: 50,
                drop_permille: 1,
                dup_permille: 1,
            },
        }
    }

    fn start(&mut self, ctx: &mut Ctx<'_, u32>) {
        if ctx.node() == NodeId(0) {
            // Top the population up as faults lose messages.
            ctx.set_periodic(50, 0);
        }
        let n = self.services.max(2) as u32;
        let me = ctx.node().0 as u32;
        for k in 0..self.messages {
            if k % n == me {
                let to = NodeId(ctx.rng().below(n as u64) as u16);
                if to != ctx.node() {
                    ctx.send(to, k);
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, u32>, _from: NodeId, msg: u32) {
        self.handled += 1;
        let n = self.services.max(2) as u64;
        let mut to = NodeId(ctx.rng().below(n) as u16);
        if to == ctx.node() {
            to = NodeId(((to.0 as u64 + 1) % n) as u16);
        }
        ctx.send(to, msg);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, u32>, _timer: TimerId, _tag: u64) {
        let n = self.services.max(2) as u64;
        while ctx.in_flight() < self.messages as usize {
            let to = NodeId(1 + ctx.rng().below(n - 1) as u16);
            ctx.send(to, 0u32);
        }
    }

    fn on_crash(&mut self, _node: NodeId, _at: crate::sim::Moment) {}

    fn on_restart(&mut self, ctx: &mut Ctx<'_, u32>) {
        if ctx.node() == NodeId(0) {
            ctx.set_periodic(50, 0);
        }
    }

    fn describe(&self, msg: &u32) -> String {
        format!("m{msg}")
    }

    fn views(&self, _env: &Env<'_, u32>) -> Vec<ViewStatus> {
        vec![]
    }

    fn broken_checks(&self, _env: &Env<'_, u32>) -> u64 {
        0
    }

    fn why_broken(&self, _check: usize, _env: &Env<'_, u32>) -> Option<String> {
        None
    }

    fn tables(&self, _env: &Env<'_, u32>) -> Vec<Table> {
        vec![]
    }

    fn summary(&self, _node: NodeId) -> String {
        String::new()
    }
}
