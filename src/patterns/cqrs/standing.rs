//! How each read model stands: where every event is (on the log, on its
//! way, held), and which will never arrive by themselves.

use super::*;

/// What a read model's update is called: an event of the log, numbered by
/// the write-model version it created ("event #7" is v7).
pub const EVENT: Noun = Noun::new("event", "events");

/// How a non-idempotent projector spoils a read model: it applied an event
/// it had already applied (a duplicate in the log, a redelivery, a copy on
/// the wire).
pub const APPLIED_TWICE: &str = "was applied twice: the projector does not skip repeats";

/// How an event can be lost on its way to a projector: its delivery was
/// dropped, and a stale acknowledgement (sent for that offset before a
/// rebuild cleared the read model) moved the group's committed offset past
/// it, so the broker will not send it again.
pub const DROPPED_PAST: &str =
    "was dropped on its way to the projector, and a stale acknowledgement moved the broker past it";

/// What keeps a message already on `from → to` from arriving: the link
/// held, or its receiver down (it would be lost there and sent again
/// later). Its sender being down does not matter any more.
pub(super) fn on_the_wire(
    env: &Env<'_, AnyMsg>,
    from: NodeId,
    to: NodeId,
    place: Place,
) -> Option<Blocker> {
    match place {
        Place::Held => env.blocker(from, to),
        _ => env.down(to),
    }
}

/// The versions a projection lacks, and where each one is found: one pass
/// per place, nearest to the projection first, each version counted once
/// at the nearest place it is in.
pub(super) struct Locator {
    /// The projection's watermark: every version at or below it is applied.
    pub(super) base: u64,
    /// Per version above the base: applied, or found somewhere.
    pub(super) done: Vec<bool>,
    /// Versions lacking and not found yet.
    pub(super) left: u32,
    /// Where the ones found are.
    pub(super) at: Whereabouts,
    /// Some update found can move now.
    pub(super) free: bool,
    /// What blocks the nearest update that cannot move.
    pub(super) blocker: Option<Blocker>,
}

impl Locator {
    pub(super) fn new(p: &Projection, top: u64) -> Self {
        let span = top.saturating_sub(p.watermark);
        let mut loc = Locator {
            base: p.watermark,
            done: Vec::new(),
            left: 0,
            at: Whereabouts::new(),
            free: false,
            blocker: None,
        };
        let have = p.applied.range(p.watermark + 1..=top).count() as u64;
        loc.left = span.saturating_sub(have).min(u32::MAX as u64) as u32;
        if loc.left > 0 {
            loc.done = vec![false; span as usize];
            for v in p.applied.range(p.watermark + 1..=top) {
                loc.done[(v - p.watermark - 1) as usize] = true;
            }
        }
        loc
    }

    /// Version `v` is at `place`, held up by `blocker` if any.
    pub(super) fn put(&mut self, v: u64, place: Place, blocker: Option<Blocker>) {
        if v <= self.base {
            return;
        }
        let Some(slot) = self.done.get_mut((v - self.base - 1) as usize) else {
            return;
        };
        if *slot {
            return;
        }
        *slot = true;
        self.left -= 1;
        self.at.add(place, 1);
        match blocker {
            None => self.free = true,
            Some(b) => {
                self.blocker.get_or_insert(b);
            }
        }
    }

    /// True when `v` is lacking and was found nowhere.
    pub(super) fn is_unlocated(&self, v: u64) -> bool {
        v > self.base
            && self
                .done
                .get((v - self.base - 1) as usize)
                .is_some_and(|d| !d)
    }

    /// Catching up when something can move, stuck when nothing can.
    pub(super) fn standing(&self) -> Standing {
        Standing::behind(self.at, if self.free { None } else { self.blocker })
    }
}

impl Cqrs {
    /// Where `node`'s read model stands against the write model: every
    /// accepted version it has not applied is somewhere on the way (the
    /// projector's batch, a delivery on the wire, the event log beyond the
    /// group's committed offset, a publish on the wire, the write model's
    /// outbox); stuck when none of them can move now, diverged when an
    /// event was applied twice or lost for good.
    pub fn standing(&self, node: NodeId, env: &Env<'_, AnyMsg>) -> Standing {
        let p = self.projection(node);
        let rest = self.whereabouts(node, env);
        let mut gone = p.losses.values().copied().chain(
            (rest.left > 0)
                .then(|| {
                    p.dropped
                        .iter()
                        .filter(|(v, _)| rest.is_unlocated(**v))
                        .map(|(v, when)| Loss {
                            id: *v,
                            how: DROPPED_PAST,
                            when: *when,
                        })
                })
                .into_iter()
                .flatten(),
        );
        let Some(first) = gone.next() else {
            return rest.standing();
        };
        // The earliest loss leads; the others are counted.
        let mut more = 0u32;
        let loss = gone.fold(first, |a, b| {
            more += 1;
            if (b.when.at, b.when.event) < (a.when.at, a.when.event) {
                b
            } else {
                a
            }
        });
        Standing::Diverged { loss, more }
    }

    /// Finds every version `node`'s projection lacks, nearest place first.
    pub(super) fn whereabouts(&self, node: NodeId, env: &Env<'_, AnyMsg>) -> Locator {
        let p = self.projection(node);
        let mut loc = Locator::new(p, self.write.version);
        if loc.left == 0 {
            return loc;
        }
        let group = group_of(node);
        let me_down = env.down(node);
        for e in &p.inbox {
            loc.put(e.version, Place::Batch, me_down);
        }
        let event = |m: Option<&AnyMsg>| match m.and_then(Msg::from_any) {
            Some(Msg::Event(e)) => Some(e.version),
            _ => None,
        };
        for (f, place, m) in env.flights() {
            if loc.left == 0 {
                return loc;
            }
            let Wire::Deliver { group: g, .. } = f.wire else {
                continue;
            };
            if g != group || f.to != node {
                continue;
            }
            if let Some(v) = event(m) {
                loc.put(v, place, on_the_wire(env, f.from, f.to, place));
            }
        }
        if loc.left > 0 {
            let blocked = env.group_blocker(group);
            for (_, rec) in env.backlog(group) {
                if let Some(v) = event(Some(&rec.payload)) {
                    loc.put(v, Place::EventLog, blocked);
                }
            }
        }
        if loc.left > 0 {
            for (f, place, m) in env.flights() {
                if matches!(f.wire, Wire::Publish { .. }) && f.to == BROKER {
                    if let Some(v) = event(m) {
                        loc.put(v, place, on_the_wire(env, f.from, f.to, place));
                    }
                }
            }
        }
        if loc.left > 0 {
            let blocked = env.blocker(COMMANDS, BROKER);
            for v in self.write.outbox.keys() {
                loc.put(*v, Place::Outbox, blocked);
            }
        }
        loc
    }

    pub(super) fn projection_view(
        &self,
        node: NodeId,
        fold: &LogFold,
        env: &Env<'_, AnyMsg>,
    ) -> ViewStatus {
        let standing = self.standing(node, env);
        let p = self.projection(node);
        let differing = (1..=ACCOUNTS)
            .filter(|a| p.balance(*a) != fold.balance(*a))
            .count() as u32;
        let lag_since = fold
            .appended_at
            .range(p.watermark + 1..)
            .find(|(v, _)| !p.applied.contains(v))
            .map(|(_, t)| *t);
        ViewStatus {
            name: view_name(node).into(),
            node: Some(node),
            differing,
            total: ACCOUNTS as u32,
            unit: "accounts",
            lag_since,
            noun: EVENT,
            standing,
        }
    }

    pub(super) fn view_statuses(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        self.with_fold(env, |fold| {
            vec![
                self.projection_view(BALANCES, fold, env),
                self.projection_view(LEADERBOARD, fold, env),
            ]
        })
    }
}
