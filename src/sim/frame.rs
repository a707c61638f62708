//! A type-erased view of a run for the UI: [`Playground`] hides the
//! scenario's types, and [`Frame`] is a cheap picture of the world at the
//! current time that components read (they never touch the world except
//! through commands).

use super::compare::{self, Agreed, Comparison};
use super::core::{Counters, NodeStatus};
use super::net::{LinkSettings, LinkState};
use super::runner::{CheckStatus, SeriesPoint, Sim, ViewTrack};
use super::scenario::{
    CheckKind, CheckSpec, NodeRole, Scenario, ScenarioInfo, Table, Topology, ViewStatus,
};
use super::script::{Command, Refusal, ScriptEntry};
use super::standing::{Standing, StandingKind};
use super::trace::{Detail, Mark, TraceEvent, TraceKind};
use super::types::{fmt_secs, EventId, MsgId, NodeId, Time};
use super::wire::{Wire, WireKind};
use serde::Serialize;
use std::any::Any;
use std::rc::Rc;

/// A node as drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeFrame {
    /// Id.
    pub id: NodeId,
    /// Name.
    pub name: &'static str,
    /// Role.
    pub role: NodeRole,
    /// Layout x on a 1000 × 600 canvas.
    pub x: f32,
    /// Layout y on a 1000 × 600 canvas.
    pub y: f32,
    /// Lifecycle.
    pub status: NodeStatus,
    /// Key state in a few words.
    pub summary: String,
    /// Whether the learner may crash it.
    pub crashable: bool,
}

/// One direction of a drawn link.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkFrame {
    /// Sender side.
    pub from: NodeId,
    /// Receiver side.
    pub to: NodeId,
    /// Fault state.
    pub state: LinkState,
    /// Settings.
    pub settings: LinkSettings,
}

/// A message token.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlightFrame {
    /// Id (for "drop this" / "duplicate this").
    pub id: MsgId,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// When it left.
    pub sent_at: Time,
    /// When it arrives.
    pub due_at: Time,
    /// Kind, for colour.
    pub kind: WireKind,
    /// Frozen at this fraction of the way, on a held link.
    pub held: Option<f32>,
    /// A copy made by duplication.
    pub copy: bool,
}

/// One partition of a topic with its consumers' positions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionFrame {
    /// Topic name.
    pub topic: &'static str,
    /// Partition number.
    pub partition: u16,
    /// Records in the log.
    pub len: u64,
    /// Consumer groups: name, committed offset, record in flight.
    pub groups: Vec<(&'static str, u64, bool)>,
    /// Records in the topic's dead-letter log (same for every partition row).
    pub dead: u64,
}

/// A replica or read model, as the meter shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ViewFrame {
    /// Name.
    pub name: String,
    /// Node holding it.
    pub node: Option<NodeId>,
    /// Entities differing.
    pub differing: u32,
    /// Entities in all.
    pub total: u32,
    /// Entity noun, plural.
    pub unit: &'static str,
    /// Age of the oldest unreflected write.
    pub staleness: Option<Time>,
    /// How long its last divergence lasted.
    pub converged_in: Option<Time>,
    /// Converged, catching up, stuck or diverged.
    pub standing: StandingKind,
    /// Where its missing updates are, what they wait on, or which update
    /// was lost ("4 readings queued in the broker, 1 in flight"); empty
    /// when converged.
    pub detail: String,
    /// The event that lost an update, when diverged (selectable).
    pub lost: Option<(EventId, Time)>,
    /// The status in words.
    pub sentence: String,
}

/// A check, as the meter shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckFrame {
    /// Name.
    pub name: &'static str,
    /// Always or eventually.
    pub kind: CheckKind,
    /// What it means.
    pub help: &'static str,
    /// Status now.
    pub status: CheckStatus,
}

/// The part of the world that moves every animation frame: the messages
/// in flight, for the token layer. Built on its own (no strings, no
/// standing analysis) so the page can follow messages more often than it
/// rebuilds the rest of the [`Frame`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenFrame {
    /// Virtual time.
    pub time: Time,
    /// Messages on links.
    pub flights: Vec<FlightFrame>,
    /// Messages dropped so far (a rise means some token fell).
    pub dropped: u64,
}

/// A picture of the world at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frame {
    /// Virtual time.
    pub time: Time,
    /// End of the timeline so far.
    pub horizon: Time,
    /// Events processed.
    pub processed: u64,
    /// Nodes.
    pub nodes: Vec<NodeFrame>,
    /// Both directions of every drawn edge.
    pub links: Vec<LinkFrame>,
    /// Messages on links.
    pub flights: Vec<FlightFrame>,
    /// Broker partitions.
    pub partitions: Vec<PartitionFrame>,
    /// Replicas and read models.
    pub views: Vec<ViewFrame>,
    /// Checks.
    pub checks: Vec<CheckFrame>,
    /// Counters.
    pub counters: Counters,
    /// No faults and no writes: `eventually` checks are being judged.
    pub settled: bool,
}

impl Frame {
    /// The worst standing of any replica: the headline's state.
    pub fn standing(&self) -> StandingKind {
        self.views
            .iter()
            .map(|v| v.standing)
            .max()
            .unwrap_or(StandingKind::Converged)
    }

    /// The meter's headline: all replicas converged (and how long the
    /// slowest took), or the worst state and the replicas in it. Never
    /// says converged while any replica is catching up or stuck.
    pub fn headline(&self) -> Headline {
        let state = self.standing();
        if state == StandingKind::Converged {
            return Headline {
                state,
                converged_in: self.views.iter().filter_map(|v| v.converged_in).max(),
                names: Vec::new(),
                more: 0,
            };
        }
        let mut names: Vec<String> = self
            .views
            .iter()
            .filter(|v| v.standing == state)
            .map(|v| v.name.clone())
            .collect();
        // One line, also in a strip: long lists name the first and count
        // the rest (each replica's own line names it).
        let chars: usize = names.iter().map(|n| n.chars().count() + 2).sum();
        let mut more = 0;
        if names.len() > 1 && chars - 2 > HEADLINE_NAMES {
            more = names.len() as u32 - 1;
            names.truncate(1);
        }
        Headline {
            state,
            converged_in: None,
            names,
            more,
        }
    }
}

/// The meter's headline as data: the state, and either how long
/// convergence took or the replicas in that state. Its words are
/// [`Headline::lead`] and [`Headline::rest`]; `to_string()` is both:
/// "All replicas converged in 2.8 s", "Catching up: Billing, Analytics",
/// "Diverged: Billing and 2 more".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    /// The worst standing of any replica.
    pub state: StandingKind,
    /// When all converged: how long the slowest replica took, if known.
    pub converged_in: Option<Time>,
    /// The replicas in `state` that are named (none when converged).
    pub names: Vec<String>,
    /// How many more replicas are in `state` without being named.
    pub more: u32,
}

impl Headline {
    /// The state in words ("Catching up"; the whole sentence when all
    /// converged).
    pub fn lead(&self) -> String {
        match (self.state, self.converged_in) {
            (StandingKind::Converged, Some(d)) => {
                format!("All replicas converged in {}", fmt_secs(d))
            }
            (StandingKind::Converged, None) => "All replicas converged".to_string(),
            (state, _) => state.label().to_string(),
        }
    }

    /// What follows the state (": Billing, Analytics"), empty when all
    /// converged.
    pub fn rest(&self) -> String {
        if self.state == StandingKind::Converged {
            return String::new();
        }
        let all = self.names.join(", ");
        if self.more > 0 {
            format!(": {all} and {} more", self.more)
        } else {
            format!(": {all}")
        }
    }
}

impl std::fmt::Display for Headline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.lead(), self.rest())
    }
}

/// Characters of replica names the headline lists before it counts instead.
const HEADLINE_NAMES: usize = 36;

/// An event as a sentence for the log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogLine {
    /// Event id.
    pub id: EventId,
    /// Virtual time.
    pub time: Time,
    /// What happened (a loss carries its cause). Written by its name, as
    /// the exported trace (and its golden digests) always had it.
    #[serde(serialize_with = "kind_name")]
    pub kind: TraceKind,
    /// Where.
    pub node: NodeId,
    /// The other side.
    pub peer: Option<NodeId>,
    /// Message involved.
    pub msg: Option<MsgId>,
    /// Cause.
    pub parent: Option<EventId>,
    /// Lamport clock.
    pub lamport: u64,
    /// The message involved in words ("reading #3 (meter 2, 1.2 kWh)"),
    /// empty when the event carries none: the label of a space-time arrow.
    /// Not exported: `text` says it.
    #[serde(skip)]
    pub label: String,
    /// The event in words.
    pub text: String,
    /// The milestone it is, if the pattern marked it one (what a lesson's
    /// `happened` claim reads). Not exported: `text` says it.
    #[serde(skip)]
    pub mark: Option<Mark>,
}

fn kind_name<S: serde::Serializer>(kind: &TraceKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.name())
}

/// A run seen without its scenario's types: what the UI drives.
pub trait Playground {
    /// Static description.
    fn info(&self) -> Rc<ScenarioInfo>;
    /// Shape.
    fn topology(&self) -> Rc<Topology>;
    /// Seed.
    fn seed(&self) -> u64;
    /// Virtual time now.
    fn now(&self) -> Time;
    /// Furthest time reached.
    fn horizon(&self) -> Time;
    /// Events processed.
    fn processed(&self) -> u64;
    /// Runs to `t`.
    fn run_until(&mut self, t: Time);
    /// Runs toward `t`, at most `budget` events and script entries; true
    /// once `t` is reached ([`Sim::run_toward`]: slices give the same run).
    fn run_toward(&mut self, t: Time, budget: u64) -> bool;
    /// The first half of a seek to `t` ([`Sim::rewind_to`]); finish it
    /// with `run_until(t)` or `run_toward(t, …)`.
    fn rewind_to(&mut self, t: Time);
    /// Processes one event.
    fn step(&mut self) -> bool;
    /// Goes to time `t` (back or forward).
    fn seek(&mut self, t: Time);
    /// Starts over (same seed, empty script).
    fn reset(&mut self);
    /// Applies and records a command; returns how many future script
    /// entries a fork discarded.
    fn apply(&mut self, cmd: Command) -> Result<usize, Refusal>;
    /// The script.
    fn script(&self) -> Vec<ScriptEntry>;
    /// The world now.
    fn frame(&self) -> Frame;
    /// The messages in flight now (the token part of [`Frame`]).
    fn tokens(&self) -> TokenFrame;
    /// A message in flight in words (for its menu), built only when asked:
    /// frames carry no per-message strings.
    fn flight_label(&self, id: MsgId) -> Option<String>;
    /// State tables now.
    fn tables(&self) -> Vec<Table>;
    /// The last `max` events as sentences, oldest first.
    fn log(&self, max: usize) -> Vec<LogLine>;
    /// One event as a sentence.
    fn line(&self, id: EventId) -> Option<LogLine>;
    /// The chain of causes of an event, newest first.
    fn explain(&self, id: EventId) -> Vec<LogLine>;
    /// Divergence changes over time.
    fn series(&self) -> Vec<SeriesPoint>;
    /// The trace as JSON (the window kept in memory).
    fn trace_json(&self) -> String;
    /// Where this run (A) and `other` (B), both at the same moment, first
    /// part ways, searching on from `from` ([`compare::first_difference`]).
    /// `None` when `other` runs another kind of scenario.
    fn compare(&self, other: &dyn Playground, from: Agreed) -> Option<Comparison>;
    /// The run as `Any`, so that two runs of one kind can be compared.
    fn as_any(&self) -> &dyn Any;
}

/// The scenario-independent half of turning events into words: node,
/// topic, toggle and setting names. Not generic, so the sentence building
/// below exists once in the wasm instead of once per scenario.
#[derive(Clone, Copy)]
struct Names<'a> {
    topo: &'a Topology,
    info: &'a ScenarioInfo,
}

/// The facts of a [`Detail`] that sentences use, without the payload type.
enum Facts<'a> {
    None,
    Record(super::types::TopicId, u16, u64),
    Command(&'a Command),
    Text(&'a str),
}

/// `permille` as a percentage with at most one decimal ("12.5", "3", "0"),
/// as `permille as f32 / 10.0` would print, without float formatting.
fn percent(permille: u16) -> String {
    let (whole, tenth) = (permille / 10, permille % 10);
    if tenth == 0 {
        format!("{whole}")
    } else {
        format!("{whole}.{tenth}")
    }
}

impl Names<'_> {
    fn name(self, n: NodeId) -> &'static str {
        self.topo.nodes.get(n.index()).map_or("?", |s| s.name)
    }

    fn topic_name(self, t: super::types::TopicId) -> &'static str {
        self.topo.topics.get(t.0 as usize).map_or("?", |s| s.name)
    }

    /// A message in words, given its payload in words (`w` carries no
    /// payload; `App` messages are just their payload's words).
    #[inline(never)]
    fn wire(self, w: &Wire<()>, payload: String) -> String {
        match w {
            Wire::App(()) => payload,
            Wire::Publish { topic, .. } => {
                format!("publish to {}: {payload}", self.topic_name(*topic))
            }
            Wire::PublishAck { offset, .. } => format!("publish confirmed at offset {offset}"),
            Wire::Deliver {
                topic,
                partition,
                offset,
                attempt,
                ..
            } => {
                let again = if *attempt > 1 {
                    format!(", attempt {attempt}")
                } else {
                    String::new()
                };
                format!(
                    "{}[{partition}]@{offset}{again}: {payload}",
                    self.topic_name(*topic)
                )
            }
            Wire::Ack {
                partition,
                offset,
                ok,
                ..
            } => format!(
                "{} for [{partition}]@{offset}",
                if *ok { "ack" } else { "nack" }
            ),
        }
    }

    /// A command in words.
    #[inline(never)]
    fn command(self, c: &Command) -> String {
        let n = |x: &NodeId| self.name(*x);
        match c {
            Command::Partition { a, b } => format!("cut the link between {} and {}", n(a), n(b)),
            Command::PartitionOneway { from, to } => {
                format!("cut the link from {} to {} (one way)", n(from), n(to))
            }
            Command::Heal { a, b } => format!("healed the link between {} and {}", n(a), n(b)),
            Command::Hold { from, to } => format!("held messages from {} to {}", n(from), n(to)),
            Command::Release { from, to } => {
                format!("released messages from {} to {}", n(from), n(to))
            }
            Command::SetLink { from, to, settings } => format!(
                "set {} → {} to {} ms ± {} ms, {}% drop, {}% duplicate",
                n(from),
                n(to),
                settings.latency,
                settings.jitter,
                percent(settings.drop_permille),
                percent(settings.dup_permille)
            ),
            Command::Crash { node } => format!("crashed {}", n(node)),
            Command::Restart { node } => format!("restarted {}", n(node)),
            Command::DropMessage { msg } => format!("dropped message {}", msg.0),
            Command::DuplicateMessage { msg } => format!("duplicated message {}", msg.0),
            Command::Toggle { id, on } => {
                let label = self
                    .info
                    .toggles
                    .iter()
                    .find(|t| t.id == id)
                    .map_or(id.as_str(), |t| t.label);
                format!("turned {} {}", label, if *on { "on" } else { "off" })
            }
            Command::Set { id, value } => {
                let s = self.info.settings.iter().find(|s| s.id == id);
                format!(
                    "set {} to {value}{}",
                    s.map_or(id.as_str(), |s| s.label),
                    s.map_or("", |s| s.unit)
                )
            }
            Command::Action { id } => self
                .info
                .actions
                .iter()
                .find(|a| a.id == id)
                .map_or(id.clone(), |a| a.label.to_lowercase()),
        }
    }

    /// An event in words, given its message (if any) in words.
    #[inline(never)]
    fn sentence(
        self,
        kind: &TraceKind,
        node: NodeId,
        peer: Option<NodeId>,
        wire: &str,
        facts: Facts<'_>,
    ) -> String {
        let node = self.name(node);
        let peer = peer.map_or("?", |p| self.name(p));
        let text = match facts {
            Facts::Text(t) => t,
            _ => "",
        };
        let rec = match facts {
            Facts::Record(topic, partition, offset) => {
                format!("{}[{partition}]@{offset}", self.topic_name(topic))
            }
            _ => String::new(),
        };
        match kind {
            TraceKind::Send => format!("{node} sent {wire} to {peer}"),
            TraceKind::Deliver => format!("{node} received {wire} from {peer}"),
            TraceKind::Drop(r) => {
                let (from, to) = if *r == super::trace::DropReason::ReceiverDown {
                    (peer, node)
                } else {
                    (node, peer)
                };
                if wire.is_empty() {
                    format!("a message from {from} to {to} was lost: {}", r.words())
                } else {
                    format!("{wire} ({from} → {to}) was lost: {}", r.words())
                }
            }
            TraceKind::Duplicate => format!("{wire} ({node} → {peer}) was duplicated"),
            TraceKind::Hold => format!("a message from {node} to {peer} is held on the link"),
            TraceKind::Release => format!("a held message from {node} to {peer} moves again"),
            TraceKind::Append => format!("{node} appended {rec} (published by {peer})"),
            TraceKind::Consume { ok: true } => format!("{node} processed {rec}"),
            TraceKind::Consume { ok: false } => {
                format!("{node} failed to process a record: {text}")
            }
            TraceKind::Commit => format!("{node} committed {peer}'s offset: next is {rec}"),
            TraceKind::Redeliver => format!("{node} redelivers {rec} to {peer}"),
            TraceKind::Retry => format!("{node} will retry {peer}: {text}"),
            TraceKind::DeadLetter => format!(
                "{node} moved {rec} to the dead-letter log after repeated failures in {peer}"
            ),
            TraceKind::AckTimeout => format!("{node} got no ack from {peer} for {rec} in time"),
            TraceKind::Timer => {
                if text.is_empty() {
                    format!("{node}: timer fired")
                } else {
                    format!("{node}: {text}")
                }
            }
            TraceKind::Crash => format!("{node} crashed and lost its volatile state"),
            TraceKind::Restart => format!("{node} is restarting"),
            TraceKind::Recovered => format!("{node} recovered from its durable state"),
            TraceKind::Write => format!("{node} wrote {text}"),
            TraceKind::Command => match facts {
                Facts::Command(c) => format!("You {}", self.command(c)),
                _ => "You acted".to_string(),
            },
            TraceKind::Note => format!("{node}: {text}"),
            TraceKind::Violation => text.to_string(),
        }
    }
}

/// The nodes as drawn; `summary` gives an up node's key state.
#[inline(never)]
fn node_frames(
    topo: &Topology,
    nodes: &[super::core::NodeRt],
    summary: &dyn Fn(NodeId) -> String,
) -> Vec<NodeFrame> {
    topo.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let id = NodeId(i as u16);
            let status = nodes[i].status;
            NodeFrame {
                id,
                name: n.name,
                role: n.role,
                x: n.x,
                y: n.y,
                status,
                summary: if status == NodeStatus::Up {
                    summary(id)
                } else {
                    "down".into()
                },
                crashable: n.crashable,
            }
        })
        .collect()
}

/// Both directions of every drawn edge.
#[inline(never)]
fn link_frames(topo: &Topology, net: &super::net::Network) -> Vec<LinkFrame> {
    let mut links = Vec::new();
    for &(a, b) in &topo.edges {
        for (from, to) in [(a, b), (b, a)] {
            let l = net.link(from, to);
            links.push(LinkFrame {
                from,
                to,
                state: l.state,
                settings: l.settings,
            });
        }
    }
    links
}

/// The replicas and read models as the meter shows them. A view that
/// differs but reports itself converged (a pattern's bug) is shown as
/// catching up, so the meter never calls a difference converged.
#[inline(never)]
fn view_frames(
    views: Vec<ViewStatus>,
    tracks: &[ViewTrack],
    now: Time,
    name: &dyn Fn(NodeId) -> String,
) -> Vec<ViewFrame> {
    views
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let converged_in = tracks.get(i).and_then(|t| t.converged_in);
            let staleness = v.lag_since.map(|l| now.saturating_sub(l));
            let standing = match v.standing {
                Standing::Converged if v.differing > 0 => Standing::CatchingUp(Default::default()),
                s => s,
            };
            let kind = standing.kind();
            let detail = standing.describe(v.noun, name);
            let lost = match standing {
                Standing::Diverged { loss, .. } => Some((loss.when.event, loss.when.at)),
                _ => None,
            };
            let sentence = view_sentence(&v, kind, &detail, staleness, converged_in);
            ViewFrame {
                name: v.name,
                node: v.node,
                differing: v.differing,
                total: v.total,
                unit: v.unit,
                staleness,
                converged_in,
                standing: kind,
                detail,
                lost,
                sentence,
            }
        })
        .collect()
}

/// "Billing: catching up, 3 of 12 customers behind, stale 0.6 s — 4
/// readings queued in the broker".
fn view_sentence(
    v: &ViewStatus,
    kind: StandingKind,
    detail: &str,
    staleness: Option<Time>,
    converged_in: Option<Time>,
) -> String {
    if kind == StandingKind::Converged {
        return match converged_in {
            Some(d) => format!("{}: converged (last in {})", v.name, fmt_secs(d)),
            None => format!("{}: converged", v.name),
        };
    }
    let mut out = format!("{}: {}", v.name, kind.word());
    if v.differing > 0 {
        out.push_str(&format!(
            ", {} of {} {} behind",
            v.differing, v.total, v.unit
        ));
    }
    if let Some(s) = staleness {
        out.push_str(&format!(", stale {}", fmt_secs(s)));
    }
    if !detail.is_empty() {
        out.push_str(" \u{2014} ");
        out.push_str(detail);
    }
    out
}

/// The checks as the meter shows them.
#[inline(never)]
fn check_frames(specs: &[CheckSpec], status: Vec<CheckStatus>) -> Vec<CheckFrame> {
    specs
        .iter()
        .zip(status)
        .map(|(c, status)| CheckFrame {
            name: c.name,
            kind: c.kind,
            help: c.help,
            status,
        })
        .collect()
}

impl<S: Scenario> Sim<S> {
    fn names(&self) -> Names<'_> {
        Names {
            topo: &self.world().topo,
            info: &self.world().info,
        }
    }

    /// A message in words.
    pub fn describe_wire(&self, w: &Wire<S::Msg>) -> String {
        let payload = w
            .payload()
            .map_or(String::new(), |p| self.world().model.describe(p));
        self.names().wire(&w.shape(), payload)
    }

    /// A command in words.
    pub fn describe_command(&self, c: &Command) -> String {
        self.names().command(c)
    }

    /// An event in words.
    pub fn sentence(&self, e: &TraceEvent<S::Msg>) -> String {
        self.words(e).1
    }

    /// An event's message in words (empty when it carries none), and the
    /// whole event in words.
    fn words(&self, e: &TraceEvent<S::Msg>) -> (String, String) {
        let (wire, facts) = match &e.detail {
            Detail::None => (String::new(), Facts::None),
            Detail::Wire { wire, .. } => (self.describe_wire(wire), Facts::None),
            Detail::Record {
                topic,
                partition,
                offset,
            } => (String::new(), Facts::Record(*topic, *partition, *offset)),
            Detail::Command(c) => (String::new(), Facts::Command(c)),
            Detail::Text(t) => (String::new(), Facts::Text(t)),
        };
        let text = self.names().sentence(&e.kind, e.node, e.peer, &wire, facts);
        (wire, text)
    }

    fn log_line(&self, e: &TraceEvent<S::Msg>) -> LogLine {
        let (label, text) = self.words(e);
        LogLine {
            id: e.id,
            time: e.time,
            kind: e.kind,
            node: e.node,
            peer: e.peer,
            msg: e.msg,
            parent: e.parent,
            lamport: e.lamport,
            label,
            text,
            mark: e.mark,
        }
    }

    fn flight_frames(&self) -> Vec<FlightFrame> {
        self.world()
            .core
            .flight
            .values()
            .map(|f| FlightFrame {
                id: f.id,
                from: f.from,
                to: f.to,
                sent_at: f.sent_at,
                due_at: f.due_at,
                kind: f.wire.kind(),
                held: f.held,
                copy: f.copy_of.is_some(),
            })
            .collect()
    }

    /// The messages in flight now, for the token layer.
    pub fn tokens(&self) -> TokenFrame {
        TokenFrame {
            time: self.now(),
            flights: self.flight_frames(),
            dropped: self.world().core.counters.dropped,
        }
    }

    /// The world now, for drawing.
    pub fn frame(&self) -> Frame {
        let w = self.world();
        let now = self.now();
        let env = w.env();
        let model = &w.model;
        let nodes = node_frames(&w.topo, &w.core.nodes, &|id| model.summary(id));
        let links = link_frames(&w.topo, &w.core.net);
        let flights = self.flight_frames();
        let mut partitions = Vec::new();
        for (ti, t) in w.topo.topics.iter().enumerate() {
            let topic = super::types::TopicId(ti as u16);
            for p in 0..w.logs.partitions(topic) {
                let groups = w
                    .core
                    .groups
                    .iter()
                    .zip(&w.topo.groups)
                    .filter(|(g, _)| g.topic == topic)
                    .map(|(g, spec)| {
                        let c = &g.cursors[p as usize];
                        (spec.name, c.committed, c.pending.is_some())
                    })
                    .collect();
                partitions.push(PartitionFrame {
                    topic: t.name,
                    partition: p,
                    len: w.logs.partition(topic, p).len() as u64,
                    groups,
                    dead: w.logs.dead_letters(topic).len() as u64,
                });
            }
        }
        let name = |n: NodeId| {
            w.topo
                .nodes
                .get(n.index())
                .map_or_else(|| format!("service {}", n.0), |s| s.name.to_string())
        };
        let views = view_frames(self.views_now(&env), self.view_tracks(), now, &name);
        let checks = check_frames(&w.info.checks, self.check_status());
        Frame {
            time: now,
            horizon: self.horizon(),
            processed: self.processed(),
            nodes,
            links,
            flights,
            partitions,
            views,
            checks,
            counters: w.core.counters.clone(),
            settled: self.settled(),
        }
    }
}

impl<S: Scenario + 'static> Playground for Sim<S>
where
    S::Msg: PartialEq,
{
    fn compare(&self, other: &dyn Playground, from: Agreed) -> Option<Comparison> {
        let other = other.as_any().downcast_ref::<Sim<S>>()?;
        Some(compare::first_difference(
            &self.world().trace,
            &other.world().trace,
            from,
        ))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn info(&self) -> Rc<ScenarioInfo> {
        self.world().info.clone()
    }

    fn flight_label(&self, id: MsgId) -> Option<String> {
        self.world()
            .core
            .flight
            .get(&id)
            .map(|f| self.describe_wire(&f.wire))
    }
    fn topology(&self) -> Rc<Topology> {
        self.world().topo.clone()
    }
    fn seed(&self) -> u64 {
        Sim::seed(self)
    }
    fn now(&self) -> Time {
        Sim::now(self)
    }
    fn horizon(&self) -> Time {
        Sim::horizon(self)
    }
    fn processed(&self) -> u64 {
        Sim::processed(self)
    }
    fn run_until(&mut self, t: Time) {
        Sim::run_until(self, t)
    }
    fn run_toward(&mut self, t: Time, budget: u64) -> bool {
        Sim::run_toward(self, t, budget)
    }
    fn rewind_to(&mut self, t: Time) {
        Sim::rewind_to(self, t)
    }
    fn step(&mut self) -> bool {
        Sim::step(self)
    }
    fn seek(&mut self, t: Time) {
        Sim::seek(self, t)
    }
    fn reset(&mut self) {
        Sim::reset(self)
    }
    fn apply(&mut self, cmd: Command) -> Result<usize, Refusal> {
        Sim::apply(self, cmd)
    }
    fn script(&self) -> Vec<ScriptEntry> {
        Sim::script(self).to_vec()
    }
    fn frame(&self) -> Frame {
        Sim::frame(self)
    }
    fn tokens(&self) -> TokenFrame {
        Sim::tokens(self)
    }
    fn tables(&self) -> Vec<Table> {
        let w = self.world();
        w.model.tables(&w.env())
    }
    fn log(&self, max: usize) -> Vec<LogLine> {
        let ev = self.world().trace.events();
        let skip = ev.len().saturating_sub(max);
        ev.skip(skip).map(|e| self.log_line(e)).collect()
    }
    fn line(&self, id: EventId) -> Option<LogLine> {
        self.world().trace.get(id).map(|e| self.log_line(e))
    }
    fn explain(&self, id: EventId) -> Vec<LogLine> {
        self.world()
            .trace
            .causes(id)
            .into_iter()
            .map(|e| self.log_line(e))
            .collect()
    }
    fn series(&self) -> Vec<SeriesPoint> {
        Sim::series(self).to_vec()
    }
    fn trace_json(&self) -> String {
        let lines: Vec<LogLine> = self
            .world()
            .trace
            .events()
            .map(|e| self.log_line(e))
            .collect();
        serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_prints_like_f32() {
        for p in 0..=1000u16 {
            assert_eq!(super::percent(p), format!("{}", p as f32 / 10.0));
        }
    }

    /// The meter's words come from the headline's data: the state as the
    /// lead, the replicas after it, long lists named by their first.
    #[test]
    fn a_headline_reads_from_its_data() {
        use super::{Headline, StandingKind};
        let h = |state, converged_in, names: &[&str], more| Headline {
            state,
            converged_in,
            names: names.iter().map(|n| n.to_string()).collect(),
            more,
        };
        let done = h(StandingKind::Converged, Some(2_800), &[], 0);
        assert_eq!(
            (done.lead(), done.rest()),
            ("All replicas converged in 2.8 s".into(), String::new())
        );
        assert_eq!(
            h(StandingKind::Converged, None, &[], 0).to_string(),
            "All replicas converged"
        );
        let two = h(StandingKind::CatchingUp, None, &["Billing", "Analytics"], 0);
        assert_eq!(
            (two.lead(), two.rest()),
            ("Catching up".into(), ": Billing, Analytics".into())
        );
        let many = h(StandingKind::Diverged, None, &["Billing"], 2);
        assert_eq!(many.to_string(), "Diverged: Billing and 2 more");
    }
}
