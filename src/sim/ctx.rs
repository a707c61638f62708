//! The handle a scenario's handlers act through. A handler never does I/O:
//! it sends, publishes, sets timers and records notes via its `Ctx`, and the
//! engine turns those into scheduled, traced events.

use super::broker::{Delivery, Logs};
use super::core::Queued;
use super::core::{Core, TimerRt};
use super::rng::SimRng;
use super::trace::{Detail, Mark, Trace, TraceKind};
use super::types::{EventId, GroupId, NodeId, Time, TimerId, TopicId};
use super::wire::Wire;

/// What a handler may do, acting as one node.
pub struct Ctx<'a, M> {
    pub(crate) core: &'a mut Core<M>,
    pub(crate) trace: &'a mut Trace<M>,
    pub(crate) logs: &'a Logs<M>,
    pub(crate) node: NodeId,
    pub(crate) cause: Option<EventId>,
}

impl<'a, M: Clone> Ctx<'a, M> {
    /// Virtual time now.
    pub fn now(&self) -> Time {
        self.core.now
    }

    /// The node this handler acts as.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Acts as another node from now on (for workload and control actions).
    pub fn act_as(&mut self, node: NodeId) {
        self.node = node;
    }

    /// The event being handled; use it to remember where a value came from.
    pub fn cause(&self) -> Option<EventId> {
        self.cause
    }

    /// The world's RNG (the only source of randomness a scenario may use).
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.core.rng
    }

    /// True when `node` is running.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.core.is_up(node)
    }

    /// How many messages are on links right now (all links).
    pub fn in_flight(&self) -> usize {
        self.core.flight.len()
    }

    /// Sends a message to another service.
    pub fn send(&mut self, to: NodeId, msg: impl Into<M>) {
        self.core
            .transmit(self.trace, self.node, to, Wire::App(msg.into()), self.cause);
    }

    /// Publishes a record to a topic through the broker (fire and forget).
    pub fn publish(&mut self, topic: TopicId, key: Option<u64>, payload: impl Into<M>) {
        self.publish_inner(topic, key, payload.into(), None);
    }

    /// Publishes a record and asks the broker to confirm with `token`
    /// (see `Scenario::on_publish_ack`).
    pub fn publish_confirmed(
        &mut self,
        topic: TopicId,
        key: Option<u64>,
        payload: impl Into<M>,
        token: u64,
    ) {
        self.publish_inner(topic, key, payload.into(), Some(token));
    }

    fn publish_inner(
        &mut self,
        topic: TopicId,
        key: Option<u64>,
        payload: M,
        confirm: Option<u64>,
    ) {
        let Some(broker) = self.core.broker else {
            return;
        };
        let wire = Wire::Publish {
            topic,
            key,
            confirm,
            payload,
        };
        self.core
            .transmit(self.trace, self.node, broker, wire, self.cause);
    }

    /// Fires `on_timer` with `what`'s tag on this node after `delay`.
    pub fn set_timer(&mut self, delay: Time, what: impl TimerTag) -> TimerId {
        self.timer(delay, what.tag(), None)
    }

    /// Fires `on_timer` with `what`'s tag on this node every `period`,
    /// first after one period.
    pub fn set_periodic(&mut self, period: Time, what: impl TimerTag) -> TimerId {
        self.timer(period, what.tag(), Some(period.max(1)))
    }

    fn timer(&mut self, delay: Time, tag: u64, period: Option<Time>) -> TimerId {
        let id = TimerId(self.core.next_timer);
        self.core.next_timer += 1;
        self.core.timers.insert(
            id,
            TimerRt {
                node: self.node,
                tag,
                period,
                cause: self.cause,
            },
        );
        let at = self.core.now + delay;
        self.core.schedule(at, Queued::Timer(id));
        id
    }

    /// Cancels a timer (no effect if it already fired or was cancelled).
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.core.timers.remove(&id);
    }

    /// Records plain words in the trace ("duplicate, ignored because
    /// already processed") and returns the event's id.
    pub fn note(&mut self, text: impl Into<String>) -> EventId {
        self.core.record(
            self.trace,
            TraceKind::Note,
            self.node,
            None,
            None,
            self.cause,
            Detail::Text(text.into()),
        )
    }

    /// Marks the event `ev` (a note or a write just made) as one of the
    /// pattern's milestones, of `of` (an id or a version; 0 for nothing),
    /// so a lesson can ask whether and when it happened without reading
    /// the event's words.
    pub fn mark(&mut self, ev: EventId, milestone: impl Milestone, of: u64) {
        if let Some(e) = self.trace.get_mut(ev) {
            e.mark = Some(Mark {
                code: milestone.code(),
                of,
            });
        }
    }

    /// Records a state write a table shows ("balance of account 3 = 40")
    /// and returns the event's id, so a cell can be explained later.
    pub fn write(&mut self, text: impl Into<String>) -> EventId {
        self.core.record(
            self.trace,
            TraceKind::Write,
            self.node,
            None,
            None,
            self.cause,
            Detail::Text(text.into()),
        )
    }

    /// Changes a consumer group's delivery semantics.
    pub fn set_delivery(&mut self, group: GroupId, delivery: Delivery) {
        if let Some(g) = self.core.groups.get_mut(group.0 as usize) {
            g.delivery = delivery;
        }
    }

    /// Moves a consumer group's committed offset on every partition (0 to
    /// rebuild a projection from the start of the log).
    pub fn reset_group(&mut self, group: GroupId, offset: u64) {
        let Some(g) = self.core.groups.get_mut(group.0 as usize) else {
            return;
        };
        for c in &mut g.cursors {
            c.committed = offset;
            c.pending = None;
            c.backing_off = false;
            c.deliveries = 0;
            c.failures = 0;
            c.gen += 1;
        }
        let cause = self.note(format!("consumer group reset to offset {offset}"));
        for p in 0..self.core.groups[group.0 as usize].cursors.len() {
            self.core
                .pump(self.trace, self.logs, group, p as u16, cause);
        }
    }

    /// Pauses a consumer group (Kafka's `pause()`): the broker delivers
    /// nothing more to it until [`Ctx::resume_group`]. A record already in
    /// flight still arrives.
    pub fn pause_group(&mut self, group: GroupId) {
        let Some(g) = self.core.groups.get_mut(group.0 as usize) else {
            return;
        };
        if !g.paused {
            g.paused = true;
            self.note("consumer group paused");
        }
    }

    /// Resumes a paused consumer group; delivery continues from its
    /// committed offset.
    pub fn resume_group(&mut self, group: GroupId) {
        let Some(g) = self.core.groups.get_mut(group.0 as usize) else {
            return;
        };
        if !g.paused {
            return;
        }
        g.paused = false;
        let cause = self.note("consumer group resumed");
        for p in 0..self.core.groups[group.0 as usize].cursors.len() {
            self.core
                .pump(self.trace, self.logs, group, p as u16, cause);
        }
    }

    /// True when a consumer group is paused.
    pub fn group_paused(&self, group: GroupId) -> bool {
        self.core
            .groups
            .get(group.0 as usize)
            .is_some_and(|g| g.paused)
    }

    /// A group's committed offset on a partition.
    pub fn committed(&self, group: GroupId, partition: u16) -> u64 {
        self.core
            .groups
            .get(group.0 as usize)
            .and_then(|g| g.cursors.get(partition as usize))
            .map_or(0, |c| c.committed)
    }

    /// The broker's logs (read only).
    pub fn logs(&self) -> &Logs<M> {
        self.logs
    }
}

/// What a timer is for, as a type. The engine keeps one `u64` tag per
/// timer (one engine serves every pattern); a pattern names its timers
/// with an enum that implements this, reads the tag back in `on_timer`
/// with [`TimerTag::from_tag`] and matches every timer it has, so adding
/// one is a compile error wherever it must be handled.
pub trait TimerTag: Copy {
    /// The tag the engine stores.
    fn tag(self) -> u64;
    /// The timer a tag names; `None` when it is none of this type's.
    fn from_tag(tag: u64) -> Option<Self>;
}

/// A pattern's milestones: the moments its lessons may ask about ("a
/// refund", "a duplicate ignored"), as its own enum. The engine stores only
/// the code; the pattern lists each milestone's name for lesson files.
pub trait Milestone: Copy {
    /// The code the trace stores (the enum's discriminant).
    fn code(self) -> u16;
}

/// A bare tag: for small scenarios (tests, demos) with one kind of timer.
impl TimerTag for u64 {
    fn tag(self) -> u64 {
        self
    }
    fn from_tag(tag: u64) -> Option<u64> {
        Some(tag)
    }
}

/// Packs a timer's kind (its enum's discriminant) and the id it carries
/// (a reading, a saga, a query; below 2^56) into one tag.
pub fn pack_tag(kind: u8, id: u64) -> u64 {
    debug_assert!(id < 1 << 56, "timer id {id} too large to pack");
    (u64::from(kind) << 56) | id
}

/// The kind and the id of a tag made by [`pack_tag`].
pub fn unpack_tag(tag: u64) -> (u8, u64) {
    ((tag >> 56) as u8, tag & ((1 << 56) - 1))
}
