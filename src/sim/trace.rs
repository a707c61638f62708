//! The trace: every event of a run, with its virtual time, the services
//! involved, a causal parent and a Lamport clock.
//!
//! The trace keeps a bounded window (a ring buffer); events that fall off
//! the front are counted by kind so long runs stay bounded in memory.

use super::script::Command;
use super::types::{EventId, MsgId, NodeId, Time, TopicId};
use super::wire::Wire;
use serde::Serialize;
use std::collections::VecDeque;

/// Why a message was lost.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum DropReason {
    /// The link was partitioned (when sent, or while in flight).
    Partitioned,
    /// Random loss from the link's drop odds.
    Lost,
    /// The receiver was crashed or restarting when it arrived.
    ReceiverDown,
    /// The learner dropped it by hand.
    Manual,
}

impl DropReason {
    /// Plain words for the event log.
    pub fn words(self) -> &'static str {
        match self {
            DropReason::Partitioned => "the link is partitioned",
            DropReason::Lost => "it was lost on the network",
            DropReason::ReceiverDown => "the receiver is down",
            DropReason::Manual => "it was dropped by hand",
        }
    }
}

/// What happened.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TraceKind {
    /// A message left its sender.
    Send,
    /// A message reached its receiver and was handled.
    Deliver,
    /// A message was lost.
    Drop(DropReason),
    /// The network (or the learner) made a second copy of a message.
    Duplicate,
    /// A message was frozen on a held link.
    Hold,
    /// A held message started moving again.
    Release,
    /// The broker appended a record to a partition log.
    Append,
    /// A consumer processed a record (`ok = false` when its handler failed).
    Consume {
        /// Whether the handler succeeded.
        ok: bool,
    },
    /// The broker committed a consumer group's offset.
    Commit,
    /// The broker sent a record again after an ack timeout.
    Redeliver,
    /// The broker scheduled a retry after a failure, with backoff.
    Retry,
    /// The broker moved a record to the dead-letter topic.
    DeadLetter,
    /// The broker gave up waiting for an ack.
    AckTimeout,
    /// A timer fired.
    Timer,
    /// A service crashed and lost its volatile state.
    Crash,
    /// A service began restarting.
    Restart,
    /// A service finished restarting and ran its recovery.
    Recovered,
    /// A service wrote state that a table shows.
    Write,
    /// A learner's (or lesson's) command was applied.
    Command,
    /// A service explained a decision.
    Note,
    /// A check failed.
    Violation,
}

impl TraceKind {
    /// One of each kind, in the order the event log's kind filter lists
    /// them (a kind with data carries a stand-in: filters compare kinds,
    /// not their data; see [`TraceKind::same_kind`]).
    pub const EACH: [TraceKind; 21] = [
        TraceKind::Send,
        TraceKind::Deliver,
        TraceKind::Drop(DropReason::Lost),
        TraceKind::Duplicate,
        TraceKind::Hold,
        TraceKind::Release,
        TraceKind::Append,
        TraceKind::Consume { ok: true },
        TraceKind::Commit,
        TraceKind::Redeliver,
        TraceKind::Retry,
        TraceKind::DeadLetter,
        TraceKind::AckTimeout,
        TraceKind::Timer,
        TraceKind::Crash,
        TraceKind::Restart,
        TraceKind::Recovered,
        TraceKind::Write,
        TraceKind::Command,
        TraceKind::Note,
        TraceKind::Violation,
    ];

    /// True when both are the same kind of event, whatever their data
    /// (every drop is a drop, whatever its cause).
    pub fn same_kind(self, other: TraceKind) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }

    /// The kind whose [`TraceKind::name`] is `name` (a stand-in of
    /// [`TraceKind::EACH`] for kinds with data).
    pub fn named(name: &str) -> Option<TraceKind> {
        Self::EACH.into_iter().find(|k| k.name() == name)
    }

    /// A short stable name, used for filtering and counts.
    pub fn name(&self) -> &'static str {
        match self {
            TraceKind::Send => "send",
            TraceKind::Deliver => "deliver",
            TraceKind::Drop(_) => "drop",
            TraceKind::Duplicate => "duplicate",
            TraceKind::Hold => "hold",
            TraceKind::Release => "release",
            TraceKind::Append => "append",
            TraceKind::Consume { .. } => "consume",
            TraceKind::Commit => "commit",
            TraceKind::Redeliver => "redeliver",
            TraceKind::Retry => "retry",
            TraceKind::DeadLetter => "dead-letter",
            TraceKind::AckTimeout => "ack-timeout",
            TraceKind::Timer => "timer",
            TraceKind::Crash => "crash",
            TraceKind::Restart => "restart",
            TraceKind::Recovered => "recovered",
            TraceKind::Write => "write",
            TraceKind::Command => "command",
            TraceKind::Note => "note",
            TraceKind::Violation => "violation",
        }
    }
}

/// Extra facts an event carries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Detail<M> {
    /// Nothing more.
    None,
    /// The message involved, with when it was sent and when it was due.
    Wire {
        /// The message.
        wire: Wire<M>,
        /// When it left its sender.
        sent_at: Time,
        /// When it was (or would have been) delivered.
        due_at: Time,
    },
    /// A broker record.
    Record {
        /// Topic.
        topic: TopicId,
        /// Partition.
        partition: u16,
        /// Offset in the partition log.
        offset: u64,
    },
    /// A user command.
    Command(Command),
    /// Plain words from a service or a check.
    Text(String),
}

/// A moment a pattern names as data, for lessons to ask about ("saga #1
/// was refunded"): which of the pattern's milestones (the code of its own
/// enum, see [`crate::sim::Milestone`]) and of what (a saga, a reading, a
/// run, a version; 0 when the milestone is of nothing).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The milestone, by its code.
    pub code: u16,
    /// What it is of (an id or a version), 0 for nothing.
    pub of: u64,
}

/// One event of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent<M> {
    /// Dense, increasing id.
    pub id: EventId,
    /// Virtual time.
    pub time: Time,
    /// What happened.
    pub kind: TraceKind,
    /// Where it happened (the sender for sends and drops).
    pub node: NodeId,
    /// The other service involved, if any (the receiver for sends).
    pub peer: Option<NodeId>,
    /// The message involved, if any.
    pub msg: Option<MsgId>,
    /// The event that caused this one.
    pub parent: Option<EventId>,
    /// Lamport clock of `node` at this event.
    pub lamport: u64,
    /// Extra facts.
    pub detail: Detail<M>,
    /// The milestone this event is, if the pattern marked it one. Not
    /// exported: the event's words say it (and the golden digests of
    /// exported traces stay as they were).
    #[serde(skip)]
    pub mark: Option<Mark>,
}

/// A bounded window of the trace.
#[derive(Clone, Debug)]
pub struct Trace<M> {
    events: VecDeque<TraceEvent<M>>,
    first: u64,
    capacity: usize,
    evicted: u64,
}

impl<M: Clone> Trace<M> {
    /// A trace that keeps at most `capacity` recent events.
    pub fn new(capacity: usize) -> Self {
        Trace {
            events: VecDeque::with_capacity(capacity.min(4096)),
            first: 0,
            capacity: capacity.max(1),
            evicted: 0,
        }
    }

    /// The id the next event will get.
    pub fn next_id(&self) -> EventId {
        EventId(self.first + self.events.len() as u64)
    }

    /// Appends an event (its `id` is overwritten) and returns its id.
    pub fn push(&mut self, mut ev: TraceEvent<M>) -> EventId {
        let id = self.next_id();
        ev.id = id;
        if self.events.len() == self.capacity {
            self.events.pop_front();
            self.first += 1;
            self.evicted += 1;
        }
        self.events.push_back(ev);
        id
    }

    /// The event with this id, if still in the window.
    pub fn get(&self, id: EventId) -> Option<&TraceEvent<M>> {
        let i = id.0.checked_sub(self.first)?;
        self.events.get(usize::try_from(i).ok()?)
    }

    /// The event with this id, to mark it, if still in the window.
    pub(crate) fn get_mut(&mut self, id: EventId) -> Option<&mut TraceEvent<M>> {
        let i = id.0.checked_sub(self.first)?;
        self.events.get_mut(usize::try_from(i).ok()?)
    }

    /// Events still in the window, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &TraceEvent<M>> + ExactSizeIterator {
        self.events.iter()
    }

    /// How many events fell off the front of the window.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Total events recorded, including evicted ones.
    pub fn total(&self) -> u64 {
        self.first + self.events.len() as u64
    }

    /// Forgets every event with an id at or above `next` (used when seeking
    /// back: the replay records them again, identically). When `next` is
    /// before the window (a seek further back than the window reaches),
    /// the window restarts empty at `next`, so the replayed events get the
    /// same ids as the first time.
    pub fn truncate(&mut self, next: EventId) {
        match next.0.checked_sub(self.first) {
            Some(keep) => self
                .events
                .truncate(usize::try_from(keep).unwrap_or(usize::MAX)),
            None => {
                self.events.clear();
                self.first = next.0;
                self.evicted = next.0;
            }
        }
    }

    /// The chain of causes of `id`, newest first, as far as the window reaches.
    pub fn causes(&self, id: EventId) -> Vec<&TraceEvent<M>> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            match self.get(c) {
                Some(ev) => {
                    out.push(ev);
                    cur = ev.parent;
                }
                None => break,
            }
            if out.len() > 256 {
                break;
            }
        }
        out
    }
}
