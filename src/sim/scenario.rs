//! What a pattern provides to the engine: its topology, its handlers (pure
//! functions of state and an incoming message that act only through a
//! [`Ctx`]), its toggles, actions and settings, and how to measure it.

use super::broker::{LogRecord, Logs};
use super::core::{Core, NodeStatus};
use super::ctx::Ctx;
use super::flights::InFlight;
use super::net::{Link, LinkState};
use super::standing::{Blocker, Moment, Noun, Place, Standing};
use super::types::{EventId, GroupId, NodeId, Time, TimerId, TopicId};
use super::wire::Wire;
use serde::Serialize;
use std::fmt::Debug;

pub use super::spec::{group, NodeRole, NodeSpec, Topology};

/// A mitigation or option the learner can switch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToggleSpec {
    /// Stable id used in scripts and share links.
    pub id: &'static str,
    /// Label ("Transactional outbox").
    pub label: &'static str,
    /// One line of plain words on what it does.
    pub help: &'static str,
    /// Value at the start of a run.
    pub default: bool,
}

/// A milestone a pattern marks on its events (see
/// [`crate::sim::Milestone`]): the name lesson files ask about and what
/// its number is of.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MilestoneSpec {
    /// The code the trace stores.
    pub code: u16,
    /// Stable name lesson files use ("refunded").
    pub name: &'static str,
    /// What its number is ("saga", "reading", "version"), or "" when it is
    /// of nothing.
    pub of: &'static str,
}

/// A numeric setting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingSpec {
    /// Stable id used in scripts and share links.
    pub id: &'static str,
    /// Label.
    pub label: &'static str,
    /// One line of plain words.
    pub help: &'static str,
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
    /// Value at the start of a run.
    pub default: i64,
    /// Unit shown after the value ("ms", "%").
    pub unit: &'static str,
}

/// A workload action ("Send a reading").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionSpec {
    /// Stable id used in scripts and share links.
    pub id: &'static str,
    /// Button label.
    pub label: &'static str,
    /// One line of plain words.
    pub help: &'static str,
}

/// Whether a property must hold at every moment or only once things settle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CheckKind {
    /// Must hold after every event.
    Always,
    /// Must hold once faults heal and writes stop (within the settle time).
    Eventually,
}

/// A named property, in stateright's style.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckSpec {
    /// Name ("no reading billed twice").
    pub name: &'static str,
    /// Always or eventually.
    pub kind: CheckKind,
    /// Plain words on what it means.
    pub help: &'static str,
}

/// Everything static a scenario tells the UI about itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioInfo {
    /// Stable id ("event-driven").
    pub id: &'static str,
    /// Title ("Event-based consistency: a smart power grid").
    pub title: &'static str,
    /// Mitigations and options.
    pub toggles: Vec<ToggleSpec>,
    /// Numeric settings.
    pub settings: Vec<SettingSpec>,
    /// Workload actions.
    pub actions: Vec<ActionSpec>,
    /// Named properties, in the order [`Scenario::broken_checks`] reports them.
    pub checks: Vec<CheckSpec>,
}

/// How far one replica or read model is from the source of truth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViewStatus {
    /// Name ("Billing").
    pub name: String,
    /// The node that holds it, if one does.
    pub node: Option<NodeId>,
    /// How many entities differ from the source of truth.
    pub differing: u32,
    /// How many entities there are.
    pub total: u32,
    /// What an entity is, plural ("customers").
    pub unit: &'static str,
    /// When the oldest write not yet reflected here was made; staleness at
    /// time `t` is `t - lag_since`. `None` when up to date.
    pub lag_since: Option<Time>,
    /// What its updates are called ("reading", "readings").
    pub noun: Noun,
    /// Converged, catching up (and where the missing updates are), stuck
    /// (and on what) or diverged (and which update was lost, by which
    /// event). Never `Converged` while `differing > 0`.
    pub standing: Standing,
}

/// A table cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// What to show.
    pub text: String,
    /// The number the cell shows, as data ("$120" holds 120, "v7" 7,
    /// "3.1 kWh" 3.1), for lesson claims that compare cells: nothing reads
    /// a number back out of `text`. `None` for cells that show no number.
    pub num: Option<f64>,
    /// True when it differs from the source of truth.
    pub diverged: bool,
    /// The trace event that wrote this value (from `Ctx::write` or
    /// `Ctx::cause`), so the UI can explain where it came from.
    pub event: Option<EventId>,
}

impl Cell {
    /// A plain cell.
    pub fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            num: None,
            diverged: false,
            event: None,
        }
    }

    /// A cell that may differ from the source of truth, written by `event`.
    pub fn value(text: impl Into<String>, diverged: bool, event: Option<EventId>) -> Self {
        Cell {
            text: text.into(),
            num: None,
            diverged,
            event,
        }
    }

    /// The same cell, holding `x` as the number it shows.
    #[must_use]
    pub fn num(mut self, x: f64) -> Self {
        self.num = Some(x);
        self
    }
}

/// A row of a state table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Stable key (entity id).
    pub key: String,
    /// Cells, one per column.
    pub cells: Vec<Cell>,
}

/// A service's data as a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    /// Stable id ("billing"), unique within the pattern and the same in
    /// every run: what lesson files and the compare view name the table
    /// by, since a title may carry live numbers ("Write model (v7, …)").
    pub id: &'static str,
    /// Title ("Billing: charges per customer").
    pub title: String,
    /// The node it belongs to.
    pub node: NodeId,
    /// Column headers.
    pub columns: Vec<&'static str>,
    /// Rows.
    pub rows: Vec<Row>,
}

/// What a handler sees of a broker record.
#[derive(Clone, Debug)]
pub struct Record<'a, M> {
    /// Consumer group it was delivered to.
    pub group: GroupId,
    /// Topic.
    pub topic: TopicId,
    /// Partition.
    pub partition: u16,
    /// Offset.
    pub offset: u64,
    /// 1 for the first delivery.
    pub attempt: u32,
    /// Partitioning key.
    pub key: Option<u64>,
    /// Value.
    pub payload: &'a M,
}

/// Read-only facts views and checks may use besides the scenario's state:
/// the engine's answer to "where is it now?" for what it owns (messages on
/// links, held and cut links, down services, broker records not yet
/// committed by a group).
pub struct Env<'a, M> {
    /// Current virtual time.
    pub now: Time,
    /// The broker's logs.
    pub logs: &'a Logs<M>,
    pub(crate) core: &'a Core<M>,
}

impl<'a, M> Env<'a, M> {
    /// True when `node` is running.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.core.nodes[node.index()].status == NodeStatus::Up
    }

    /// [`Blocker::Down`] when `node` is not running (crashed or restarting).
    pub fn down(&self, node: NodeId) -> Option<Blocker> {
        let rt = &self.core.nodes[node.index()];
        (rt.status != NodeStatus::Up).then_some(Blocker::Down {
            node,
            since: rt.since,
        })
    }

    /// One direction of a link.
    pub fn link(&self, from: NodeId, to: NodeId) -> &Link {
        self.core.net.link(from, to)
    }

    /// What keeps a message from going `from → to` now: the link cut or
    /// held, or either end down. `None` when it can go.
    pub fn blocker(&self, from: NodeId, to: NodeId) -> Option<Blocker> {
        let link = self.link(from, to);
        match link.state {
            LinkState::Partitioned => {
                return Some(Blocker::LinkCut {
                    from,
                    to,
                    since: link.since,
                })
            }
            LinkState::Held => {
                return Some(Blocker::LinkHeld {
                    from,
                    to,
                    since: link.since,
                })
            }
            LinkState::Healthy => {}
        }
        [from, to]
            .into_iter()
            .find(|&n| !self.is_up(n))
            .map(|node| Blocker::Down {
                node,
                since: self.core.nodes[node.index()].since,
            })
    }

    /// Every message on a link, in id order, with where it is
    /// ([`Place::InFlight`] or [`Place::Held`]) and the scenario message it
    /// carries, if any (acks carry none).
    pub fn flights(&self) -> impl Iterator<Item = (&InFlight<M>, Place, Option<&M>)> {
        self.core.flight.values().map(|f| {
            let place = if f.held.is_some() {
                Place::Held
            } else {
                Place::InFlight
            };
            (f, place, f.wire.payload())
        })
    }

    /// The records of `group`'s topic it has not committed yet (its
    /// backlog, including one delivered and not yet acknowledged), with
    /// their partition, partition by partition, oldest first.
    pub fn backlog(&self, group: GroupId) -> impl Iterator<Item = (u16, &LogRecord<M>)> {
        self.backlog_parts(group)
            .flat_map(|(p, part)| part.iter().map(move |r| (p, r)))
    }

    /// [`Env::backlog`] a partition at a time: each partition's records
    /// not committed yet, as one slice (for a tight loop over thousands).
    pub fn backlog_parts(&self, group: GroupId) -> impl Iterator<Item = (u16, &[LogRecord<M>])> {
        let g = &self.core.groups[group.0 as usize];
        g.cursors.iter().enumerate().map(move |(p, c)| {
            let log = self.logs.partition(g.topic, p as u16);
            let from = (c.committed.min(log.len() as u64)) as usize;
            (p as u16, &log[from..])
        })
    }

    /// What keeps `group`'s backlog from reaching its consumer now: the
    /// group paused, the broker or the consumer down, or the link between
    /// them cut or held. `None` when records can flow.
    pub fn group_blocker(&self, group: GroupId) -> Option<Blocker> {
        let g = &self.core.groups[group.0 as usize];
        if g.paused {
            return Some(Blocker::Paused { node: g.node });
        }
        let broker = self.core.broker?;
        self.blocker(broker, g.node)
            .or_else(|| self.blocker(g.node, broker))
    }
}

/// A pattern, as the engine runs it. Handlers are pure: they change the
/// scenario's own state and act on the world only through the [`Ctx`].
///
/// Each service's data should be split into durable state (kept across a
/// crash) and volatile state (cleared in [`Scenario::on_crash`]).
pub trait Scenario: Clone + 'static {
    /// The scenario's message (and record) type.
    type Msg: Clone + Debug + PartialEq + Serialize + 'static;

    /// Static description, toggles, settings, actions and checks.
    fn info(&self) -> ScenarioInfo;

    /// The world's shape. Called once when a run starts.
    fn topology(&self) -> Topology;

    /// Called once per node at time 0 (ctx acts as that node): set timers,
    /// start workloads.
    fn start(&mut self, ctx: &mut Ctx<'_, Self::Msg>);

    /// A service-to-service message arrived at `ctx.node()`.
    fn on_message(&mut self, ctx: &mut Ctx<'_, Self::Msg>, from: NodeId, msg: Self::Msg);

    /// A broker record arrived at `ctx.node()`. `Err` means processing
    /// failed (the broker retries or dead-letters it).
    fn on_record(
        &mut self,
        ctx: &mut Ctx<'_, Self::Msg>,
        rec: Record<'_, Self::Msg>,
    ) -> Result<(), String> {
        let _ = (ctx, rec);
        Ok(())
    }

    /// The broker confirmed a record published with a token.
    fn on_publish_ack(&mut self, ctx: &mut Ctx<'_, Self::Msg>, token: u64, offset: u64) {
        let _ = (ctx, token, offset);
    }

    /// A timer set by `ctx.node()` fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self::Msg>, timer: TimerId, tag: u64);

    /// `node` crashed (`at` is the crash): forget its volatile state. An
    /// update that existed only there is lost at `at`.
    fn on_crash(&mut self, node: NodeId, at: Moment);

    /// The network lost a message `from → to` (dropped, cut, or its
    /// receiver was down) at `at`. Patterns use it to name the event that
    /// lost an update, if nothing else will bring that update again.
    fn on_lost(&mut self, wire: &Wire<Self::Msg>, from: NodeId, to: NodeId, at: Moment) {
        let _ = (wire, from, to, at);
    }

    /// `ctx.node()` finished restarting: recover from durable state and
    /// set timers again (a crash cancelled them).
    fn on_restart(&mut self, ctx: &mut Ctx<'_, Self::Msg>);

    /// A toggle changed. The engine has already checked the id exists.
    fn on_toggle(&mut self, ctx: &mut Ctx<'_, Self::Msg>, id: &str, on: bool) {
        let _ = (ctx, id, on);
    }

    /// A setting changed. The engine has already checked id and range.
    fn on_set(&mut self, ctx: &mut Ctx<'_, Self::Msg>, id: &str, value: i64) {
        let _ = (ctx, id, value);
    }

    /// A workload action was requested. The engine has checked the id.
    fn on_action(&mut self, ctx: &mut Ctx<'_, Self::Msg>, id: &str) {
        let _ = (ctx, id);
    }

    /// A short description of a message, for tokens and the event log
    /// ("reading #42 for meter 7: 3.1 kWh").
    fn describe(&self, msg: &Self::Msg) -> String;

    /// Roughly how many bytes of heap the state holds (its large
    /// collections; 0 for a small state). Snapshots keep to a memory
    /// budget by it ([`super::runner::SimOptions::snapshot_bytes`]); an
    /// estimate that nothing else reads, so no result depends on it.
    fn heap_bytes(&self) -> u64 {
        0
    }

    /// Divergence and staleness of each replica or read model.
    fn views(&self, env: &Env<'_, Self::Msg>) -> Vec<ViewStatus>;

    /// Which checks of [`ScenarioInfo::checks`] are false now: bit `i` set
    /// when check `i` is (so a scenario has at most 64). Keep it cheap and
    /// free of words: it runs after every event that reached the scenario.
    fn broken_checks(&self, env: &Env<'_, Self::Msg>) -> u64;

    /// Why check `i` is false now, in words; `None` when it holds. Asked
    /// only when a check is first violated or the meter shows it, so it
    /// may take its time.
    fn why_broken(&self, check: usize, env: &Env<'_, Self::Msg>) -> Option<String>;

    /// State tables, one per service that holds data.
    fn tables(&self, env: &Env<'_, Self::Msg>) -> Vec<Table>;

    /// A few words of key state to show inside the node's box.
    fn summary(&self, node: NodeId) -> String;

    /// True when the workload has stopped writing (so `eventually` checks
    /// may be judged).
    fn quiet(&self) -> bool {
        true
    }

    /// How long `eventually` checks may stay false after things settle
    /// before they count as violated.
    fn settle_time(&self) -> Time {
        10_000
    }
}
