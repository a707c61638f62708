//! The part of the world that is not the scenario: clock, event queue, RNG,
//! nodes, network, messages in flight, timers and the broker's cursors.
//! It is cheap to clone, which is what a snapshot is.

use super::broker::{Cursor, GroupState};
use super::flights::Flights;
use super::net::{LinkState, Network};
use super::rng::SimRng;
use super::spec::{BrokerConfig, TopicSpec, Topology};
use super::trace::{Detail, DropReason, Trace, TraceEvent, TraceKind};
use super::types::{EventId, GroupId, MsgId, NodeId, Time, TimerId};
use super::vecmap::VecMap;
use super::wire::Wire;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

mod broker;

pub use super::flights::InFlight;

/// A node's lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum NodeStatus {
    /// Running.
    Up,
    /// Down; its volatile state is gone and messages to it are lost.
    Crashed,
    /// Coming back; it runs recovery when this ends.
    Restarting,
}

/// A node's runtime facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRt {
    /// Lifecycle.
    pub status: NodeStatus,
    /// Lamport clock.
    pub lamport: u64,
    /// When the status last changed.
    pub since: Time,
    /// Bumped on each restart so a stale "restarted" event is ignored.
    pub gen: u64,
}

/// Message and broker counters for the whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Messages sent.
    pub sent: u64,
    /// Messages delivered to a running receiver.
    pub delivered: u64,
    /// Messages lost for any reason.
    pub dropped: u64,
    /// Extra copies made by the network or by hand.
    pub duplicated: u64,
    /// Records the broker sent again after an ack timeout.
    pub redelivered: u64,
    /// Retries after failed processing.
    pub retried: u64,
    /// Records moved to a dead-letter log.
    pub dead_lettered: u64,
    /// Records appended to partition logs.
    pub appended: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TimerRt {
    pub node: NodeId,
    pub tag: u64,
    pub period: Option<Time>,
    pub cause: Option<EventId>,
}

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Queued {
    Deliver {
        msg: MsgId,
        epoch: u32,
    },
    Timer(TimerId),
    AckTimeout {
        group: GroupId,
        partition: u16,
        gen: u64,
    },
    Retry {
        group: GroupId,
        partition: u16,
        gen: u64,
    },
    Restarted {
        node: NodeId,
        gen: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub at: Time,
    pub seq: u64,
    pub what: Queued,
}

impl Ord for Slot {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first;
        // the sequence number breaks ties in scheduling order.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Everything of a world except the scenario's state, the trace and the logs.
#[derive(Clone, Debug)]
pub struct Core<M> {
    /// Virtual time.
    pub now: Time,
    /// Events processed so far.
    pub processed: u64,
    pub(crate) seq: u64,
    /// The world's one RNG.
    pub rng: SimRng,
    pub(crate) queue: BinaryHeap<Slot>,
    /// Nodes' runtime facts.
    pub nodes: Vec<NodeRt>,
    /// Links.
    pub net: Network,
    /// Messages on links, by id (iterated in id order).
    pub flight: Flights<M>,
    pub(crate) next_msg: u64,
    pub(crate) timers: VecMap<TimerId, TimerRt>,
    pub(crate) next_timer: u64,
    /// Consumer groups.
    pub groups: Vec<GroupState>,
    /// Topics.
    pub topics: Vec<TopicSpec>,
    /// The broker node.
    pub broker: Option<NodeId>,
    /// Broker policy.
    pub broker_cfg: BrokerConfig,
    /// How long a restart takes.
    pub restart_delay: Time,
    /// Counters.
    pub counters: Counters,
    /// When a fault was last injected or repaired.
    pub last_fault: Option<Time>,
    /// Set when a scenario handler ran during the current step.
    pub(crate) touched: bool,
    /// Messages lost during the current step, for [`Scenario::on_lost`]
    /// (drained by the world before the step ends).
    ///
    /// [`Scenario::on_lost`]: super::scenario::Scenario::on_lost
    pub(crate) losses: Vec<Lost<M>>,
}

/// A message the network lost, waiting to be told to the scenario.
#[derive(Clone, Debug)]
pub(crate) struct Lost<M> {
    pub wire: Wire<M>,
    pub from: NodeId,
    pub to: NodeId,
    pub event: EventId,
}

impl<M: Clone> Core<M> {
    /// Roughly how many bytes of heap it holds: messages in flight, events
    /// scheduled, timers (for the snapshots' memory budget).
    pub fn heap_bytes(&self) -> u64 {
        self.flight.heap_bytes()
            + (self.queue.len() * std::mem::size_of::<Slot>()) as u64
            + self.timers.heap_bytes()
    }

    /// A fresh core for a topology.
    pub fn new(topo: &Topology, seed: u64) -> Self {
        let n = topo.nodes.len();
        let node = NodeRt {
            status: NodeStatus::Up,
            lamport: 0,
            since: 0,
            gen: 0,
        };
        Core {
            now: 0,
            processed: 0,
            seq: 0,
            rng: SimRng::new(seed),
            queue: BinaryHeap::new(),
            nodes: vec![node; n],
            net: Network::new(n, topo.link),
            flight: Flights::default(),
            next_msg: 0,
            timers: VecMap::new(),
            next_timer: 0,
            groups: topo
                .groups
                .iter()
                .map(|g| GroupState {
                    topic: g.topic,
                    node: g.node,
                    delivery: g.delivery,
                    cursors: vec![
                        Cursor::default();
                        topo.topics[g.topic.0 as usize].partitions.max(1) as usize
                    ],
                    paused: false,
                })
                .collect(),
            topics: topo.topics.clone(),
            broker: topo.broker,
            broker_cfg: Default::default(),
            restart_delay: 400,
            counters: Counters::default(),
            last_fault: None,
            touched: false,
            losses: Vec::new(),
        }
    }

    /// True when the node is running.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.nodes[node.index()].status == NodeStatus::Up
    }

    /// The time of the next scheduled event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|s| s.at)
    }

    /// True when a scheduled event still means something (a timer not
    /// cancelled, a message still on its link and not rescheduled, …).
    fn is_live(&self, what: &Queued) -> bool {
        match *what {
            Queued::Deliver { msg, epoch } => self
                .flight
                .get(&msg)
                .is_some_and(|f| f.epoch == epoch && f.held.is_none()),
            Queued::Timer(id) => self.timers.get(&id).is_some_and(|t| self.is_up(t.node)),
            Queued::AckTimeout {
                group,
                partition,
                gen,
            } => {
                let c = &self.groups[group.0 as usize].cursors[partition as usize];
                c.gen == gen && c.pending.is_some() && self.broker.is_some_and(|b| self.is_up(b))
            }
            Queued::Retry {
                group,
                partition,
                gen,
            } => {
                let c = &self.groups[group.0 as usize].cursors[partition as usize];
                c.gen == gen && c.backing_off
            }
            Queued::Restarted { node, gen } => {
                let rt = &self.nodes[node.index()];
                rt.gen == gen && rt.status == NodeStatus::Restarting
            }
        }
    }

    /// Drops void events from the front of the queue, so that
    /// [`Core::next_event_time`] is the time of the next event that will
    /// really happen.
    pub fn purge(&mut self) {
        while let Some(top) = self.queue.peek() {
            if self.is_live(&top.what) {
                return;
            }
            self.queue.pop();
        }
    }

    /// True when a link is cut or held, or a node is down.
    pub fn fault_active(&self) -> bool {
        self.net.any_fault() || self.nodes.iter().any(|n| n.status != NodeStatus::Up)
    }

    pub(crate) fn schedule(&mut self, at: Time, what: Queued) {
        self.seq += 1;
        self.queue.push(Slot {
            at,
            seq: self.seq,
            what,
        });
    }

    /// Records a trace event at `node`, ticking its Lamport clock.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &mut self,
        trace: &mut Trace<M>,
        kind: TraceKind,
        node: NodeId,
        peer: Option<NodeId>,
        msg: Option<MsgId>,
        parent: Option<EventId>,
        detail: Detail<M>,
    ) -> EventId {
        let rt = &mut self.nodes[node.index()];
        rt.lamport += 1;
        trace.push(TraceEvent {
            id: EventId(0),
            time: self.now,
            kind,
            node,
            peer,
            msg,
            parent,
            lamport: rt.lamport,
            detail,
            mark: None,
        })
    }

    fn wire_detail(f: &InFlight<M>) -> Detail<M> {
        Detail::Wire {
            wire: f.wire.clone(),
            sent_at: f.sent_at,
            due_at: f.due_at,
        }
    }

    /// Puts a message on the link `from → to`, applying the link's state,
    /// latency, loss and duplication.
    pub(crate) fn transmit(
        &mut self,
        trace: &mut Trace<M>,
        from: NodeId,
        to: NodeId,
        wire: Wire<M>,
        cause: Option<EventId>,
    ) -> MsgId {
        let id = MsgId(self.next_msg);
        self.next_msg += 1;
        self.counters.sent += 1;
        let link = *self.net.link(from, to);
        let dur = (link.settings.latency
            + if link.settings.jitter > 0 {
                self.rng.between(0, link.settings.jitter)
            } else {
                0
            })
        .max(1);
        let mut f = InFlight {
            id,
            from,
            to,
            sent_at: self.now,
            due_at: self.now + dur,
            wire,
            send_event: EventId(0),
            lamport: 0,
            lost: false,
            held: None,
            epoch: 0,
            copy_of: None,
        };
        let send = self.record(
            trace,
            TraceKind::Send,
            from,
            Some(to),
            Some(id),
            cause,
            Self::wire_detail(&f),
        );
        f.send_event = send;
        f.lamport = self.nodes[from.index()].lamport;
        match link.state {
            LinkState::Partitioned => {
                self.counters.dropped += 1;
                let event = self.record(
                    trace,
                    TraceKind::Drop(DropReason::Partitioned),
                    from,
                    Some(to),
                    Some(id),
                    Some(send),
                    Self::wire_detail(&f),
                );
                self.losses.push(Lost {
                    wire: f.wire,
                    from,
                    to,
                    event,
                });
                return id;
            }
            LinkState::Held => {
                f.held = Some(0.0);
                self.record(
                    trace,
                    TraceKind::Hold,
                    from,
                    Some(to),
                    Some(id),
                    Some(send),
                    Detail::None,
                );
            }
            LinkState::Healthy => {
                f.lost = self.rng.chance(link.settings.drop_permille);
                let at = if f.lost { self.now + dur / 2 } else { f.due_at };
                self.schedule(at, Queued::Deliver { msg: id, epoch: 0 });
            }
        }
        let dup = link.state == LinkState::Healthy && self.rng.chance(link.settings.dup_permille);
        self.flight.insert(id, f);
        if dup {
            self.duplicate(trace, id, send);
        }
        id
    }

    /// Makes a second copy of a message in flight, arriving a little later.
    pub(crate) fn duplicate(
        &mut self,
        trace: &mut Trace<M>,
        of: MsgId,
        cause: EventId,
    ) -> Option<MsgId> {
        let orig = self.flight.get(&of)?.clone();
        let id = MsgId(self.next_msg);
        self.next_msg += 1;
        self.counters.duplicated += 1;
        let jitter = self.net.link(orig.from, orig.to).settings.jitter.max(20);
        let extra = self.rng.between(1, jitter);
        let mut copy = InFlight {
            id,
            due_at: orig.due_at.max(self.now) + extra,
            epoch: 0,
            lost: false,
            copy_of: Some(of),
            ..orig
        };
        let ev = self.record(
            trace,
            TraceKind::Duplicate,
            orig.from,
            Some(orig.to),
            Some(id),
            Some(cause),
            Self::wire_detail(&copy),
        );
        copy.send_event = ev;
        if copy.held.is_none() {
            self.schedule(copy.due_at, Queued::Deliver { msg: id, epoch: 0 });
        }
        self.flight.insert(id, copy);
        Some(id)
    }

    /// Removes a message from its link and records why it was lost.
    #[inline(never)]
    pub(crate) fn lose(
        &mut self,
        trace: &mut Trace<M>,
        id: MsgId,
        reason: DropReason,
        cause: Option<EventId>,
    ) {
        if let Some(f) = self.flight.remove(&id) {
            self.counters.dropped += 1;
            let at = if reason == DropReason::ReceiverDown {
                f.to
            } else {
                f.from
            };
            let event = self.record(
                trace,
                TraceKind::Drop(reason),
                at,
                Some(if at == f.to { f.from } else { f.to }),
                Some(id),
                cause.or(Some(f.send_event)),
                Self::wire_detail(&f),
            );
            self.losses.push(Lost {
                wire: f.wire,
                from: f.from,
                to: f.to,
                event,
            });
        }
    }

    fn on_link(&self, from: NodeId, to: NodeId) -> Vec<MsgId> {
        self.flight
            .values()
            .filter(|f| f.from == from && f.to == to)
            .map(|f| f.id)
            .collect()
    }

    /// Cuts `from → to`; what is on the link is lost.
    pub(crate) fn partition(
        &mut self,
        trace: &mut Trace<M>,
        from: NodeId,
        to: NodeId,
        cause: EventId,
    ) {
        self.net
            .set_state(from, to, LinkState::Partitioned, self.now);
        for id in self.on_link(from, to) {
            self.lose(trace, id, DropReason::Partitioned, Some(cause));
        }
    }

    /// Freezes `from → to`; what is on the link waits where it is.
    pub(crate) fn hold(&mut self, trace: &mut Trace<M>, from: NodeId, to: NodeId, cause: EventId) {
        let now = self.now;
        if self.net.link(from, to).state == LinkState::Partitioned {
            return;
        }
        self.net.set_state(from, to, LinkState::Held, now);
        for id in self.on_link(from, to) {
            let f = self.flight.get_mut(&id).expect("listed above");
            if f.held.is_none() {
                f.held = Some(f.progress(now));
                f.epoch += 1;
                let (from, to) = (f.from, f.to);
                self.record(
                    trace,
                    TraceKind::Hold,
                    from,
                    Some(to),
                    Some(id),
                    Some(cause),
                    Detail::None,
                );
            }
        }
    }

    /// Frees a held `from → to`: its frozen messages move on. A link that is
    /// not held (cut, or healthy) is left as it is: releasing never heals a
    /// cut.
    pub(crate) fn release(
        &mut self,
        trace: &mut Trace<M>,
        from: NodeId,
        to: NodeId,
        cause: EventId,
    ) {
        if self.net.link(from, to).state == LinkState::Held {
            self.heal(trace, from, to, cause);
        }
    }

    /// Repairs `from → to`: a cut link carries messages again, a held link
    /// lets its messages go.
    pub(crate) fn heal(&mut self, trace: &mut Trace<M>, from: NodeId, to: NodeId, cause: EventId) {
        let now = self.now;
        self.net.set_state(from, to, LinkState::Healthy, now);
        for id in self.on_link(from, to) {
            let f = self.flight.get_mut(&id).expect("listed above");
            if let Some(p) = f.held.take() {
                let span = f.due_at.saturating_sub(f.sent_at).max(1);
                let done = (span as f32 * p) as Time;
                f.sent_at = now.saturating_sub(done);
                f.due_at = f.sent_at + span;
                if f.due_at <= now {
                    f.due_at = now + 1;
                }
                f.epoch += 1;
                let (at, epoch, lost) = (f.due_at, f.epoch, f.lost);
                let (from, to) = (f.from, f.to);
                let at = if lost { now + (at - now) / 2 } else { at };
                self.schedule(at, Queued::Deliver { msg: id, epoch });
                self.record(
                    trace,
                    TraceKind::Release,
                    from,
                    Some(to),
                    Some(id),
                    Some(cause),
                    Detail::None,
                );
            }
        }
    }

    /// Removes every timer of a node.
    pub(crate) fn cancel_timers_of(&mut self, node: NodeId) {
        self.timers.retain(|_, t| t.node != node);
    }
}
