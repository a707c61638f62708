//! Messages on links, keyed by [`MsgId`]. Ids are handed out in increasing
//! order, so the set lives in a ring indexed by `id - base`: insert,
//! lookup and removal are O(1) and iteration is in id order (deterministic).

use super::types::{EventId, MsgId, NodeId, Time};
use super::wire::Wire;
use std::collections::VecDeque;

/// A message on a link.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight<M> {
    /// Id.
    pub id: MsgId,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// When it left (adjusted after a hold so that progress stays continuous).
    pub sent_at: Time,
    /// When it arrives.
    pub due_at: Time,
    /// What it carries.
    pub wire: Wire<M>,
    /// The send event in the trace.
    pub send_event: EventId,
    /// Sender's Lamport clock when sent.
    pub lamport: u64,
    /// The network will lose it half way.
    pub lost: bool,
    /// Frozen on a held link at this fraction of the way.
    pub held: Option<f32>,
    /// Bumped when its delivery is rescheduled.
    pub epoch: u32,
    /// The message it is a copy of, if it is a duplicate.
    pub copy_of: Option<MsgId>,
}

impl<M> InFlight<M> {
    /// How far along the link it is at time `now`, from 0 to 1.
    pub fn progress(&self, now: Time) -> f32 {
        if let Some(p) = self.held {
            return p;
        }
        let span = self.due_at.saturating_sub(self.sent_at).max(1);
        (now.saturating_sub(self.sent_at) as f32 / span as f32).clamp(0.0, 1.0)
    }
}

/// Messages in flight.
#[derive(Clone, Debug)]
pub struct Flights<M> {
    base: u64,
    slots: VecDeque<Option<InFlight<M>>>,
    len: usize,
}

impl<M> Default for Flights<M> {
    fn default() -> Self {
        Flights {
            base: 0,
            slots: VecDeque::new(),
            len: 0,
        }
    }
}

impl<M> Flights<M> {
    /// The bytes its ring takes (a slot for every id from the oldest
    /// message in flight to the newest).
    pub fn heap_bytes(&self) -> u64 {
        (self.slots.len() * std::mem::size_of::<Option<InFlight<M>>>()) as u64
    }

    /// The ring index of `id`, computed in u64 (ids are 64-bit on every
    /// target): an id beyond the ring is absent, never truncated onto a
    /// slot (on wasm32, `as usize` would map `id + 2^32` onto `id`).
    fn slot(&self, id: &MsgId) -> Option<usize> {
        let i = id.0.checked_sub(self.base)?;
        if i >= self.slots.len() as u64 {
            return None;
        }
        usize::try_from(i).ok()
    }

    /// The message with this id, if still on a link.
    pub fn get(&self, id: &MsgId) -> Option<&InFlight<M>> {
        self.slots.get(self.slot(id)?)?.as_ref()
    }

    /// The message with this id, mutably.
    pub fn get_mut(&mut self, id: &MsgId) -> Option<&mut InFlight<M>> {
        let i = self.slot(id)?;
        self.slots.get_mut(i)?.as_mut()
    }

    /// True when the message is still on a link.
    pub fn contains_key(&self, id: &MsgId) -> bool {
        self.get(id).is_some()
    }

    /// Adds a message. Ids must not go below ones already removed from the
    /// front (the engine only inserts freshly allocated ids).
    pub fn insert(&mut self, id: MsgId, f: InFlight<M>) {
        if self.slots.is_empty() {
            self.base = id.0;
        }
        let Some(i) = id.0.checked_sub(self.base) else {
            debug_assert!(
                false,
                "message id {} below the ring's base {}",
                id.0, self.base
            );
            return;
        };
        let Ok(i) = usize::try_from(i) else {
            debug_assert!(false, "message id {} far beyond the ring", id.0);
            return;
        };
        while self.slots.len() <= i {
            self.slots.push_back(None);
        }
        if self.slots[i].replace(f).is_none() {
            self.len += 1;
        }
    }

    /// Takes a message off its link.
    pub fn remove(&mut self, id: &MsgId) -> Option<InFlight<M>> {
        let i = self.slot(id)?;
        let f = self.slots[i].take()?;
        self.len -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(f)
    }

    /// Messages in id order.
    pub fn values(&self) -> impl Iterator<Item = &InFlight<M>> {
        self.slots.iter().flatten()
    }

    /// Ids in order.
    pub fn keys(&self) -> impl Iterator<Item = &MsgId> {
        self.values().map(|f| &f.id)
    }

    /// How many messages are on links.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no message is on a link.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
