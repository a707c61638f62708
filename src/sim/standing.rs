//! Where a replica stands against the source of truth: **converged**,
//! **catching up** (behind, but every missing update is on its way),
//! **stuck** (the missing updates exist but cannot move), or **diverged**
//! (some update is on its way nowhere and will never arrive by itself).
//!
//! Each pattern answers "where is it now?" for its own entities (an outbox
//! row, a saga step, a change-log entry) in [`Scenario::views`]; the engine
//! answers it for what it owns (messages on links, held links, records in
//! a broker partition beyond a group's committed offset) through
//! [`Env`](super::scenario::Env), and tells the pattern when it loses a
//! message ([`Scenario::on_lost`]) so the pattern can name the event that
//! lost an update.
//!
//! Everything here is plain data (counts, ids, `&'static str`); the words
//! are built only when a frame is drawn.
//!
//! [`Scenario::views`]: super::scenario::Scenario::views
//! [`Scenario::on_lost`]: super::scenario::Scenario::on_lost

use super::types::{fmt_secs, EventId, NodeId, Time};
use serde::Serialize;

/// A moment in the run: when, and which event.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Moment {
    /// Virtual time.
    pub at: Time,
    /// The event in the trace.
    pub event: EventId,
}

/// Where a missing update is while it is on its way.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Place {
    /// On a link.
    InFlight,
    /// Frozen on a held link.
    Held,
    /// In a broker partition beyond the group's committed offset.
    Broker,
    /// In an outbox, not yet relayed.
    Outbox,
    /// Saved by a service that has not published it yet (dual write).
    Unpublished,
    /// In the source's change log beyond the sync job's cursor.
    ChangeLog,
    /// In a sync run or a saga step still running.
    Running,
    /// In an event log beyond a projection's position.
    EventLog,
    /// Received, waiting for the next batch.
    Batch,
    /// Being retried after a failure or a timeout.
    Retrying,
}

/// The number of [`Place`]s.
const PLACES: usize = 10;

impl Place {
    const ALL: [Place; PLACES] = [
        Place::InFlight,
        Place::Held,
        Place::Broker,
        Place::Outbox,
        Place::Unpublished,
        Place::ChangeLog,
        Place::Running,
        Place::EventLog,
        Place::Batch,
        Place::Retrying,
    ];

    /// Words after a count ("3 readings" + " queued in the broker").
    pub fn words(self) -> &'static str {
        match self {
            Place::InFlight => "in flight",
            Place::Held => "held on a link",
            Place::Broker => "queued in the broker",
            Place::Outbox => "in the outbox",
            Place::Unpublished => "saved but not yet published",
            Place::ChangeLog => "in the change log",
            Place::Running => "in a step still running",
            Place::EventLog => "in the event log",
            Place::Batch => "waiting for the next batch",
            Place::Retrying => "being retried",
        }
    }
}

/// How many missing updates are in each [`Place`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Whereabouts {
    counts: [u32; PLACES],
}

impl Whereabouts {
    /// Nothing anywhere.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts `n` more updates at `place`.
    pub fn add(&mut self, place: Place, n: u32) {
        self.counts[place as usize] = self.counts[place as usize].saturating_add(n);
    }

    /// This with one more update at `place`.
    pub fn with(mut self, place: Place, n: u32) -> Self {
        self.add(place, n);
        self
    }

    /// Updates at `place`.
    pub fn at(&self, place: Place) -> u32 {
        self.counts[place as usize]
    }

    /// Updates anywhere.
    pub fn total(&self) -> u32 {
        self.counts.iter().fold(0u32, |a, &c| a.saturating_add(c))
    }

    /// True when nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// Words: "4 readings queued in the broker, 1 in flight". Empty when
    /// nothing is counted.
    pub fn describe(&self, noun: Noun) -> String {
        let mut out = String::new();
        for p in Place::ALL {
            let n = self.at(p);
            if n == 0 {
                continue;
            }
            if out.is_empty() {
                out.push_str(&noun.count(n));
            } else {
                out.push_str(", ");
                out.push_str(&n.to_string());
            }
            out.push(' ');
            out.push_str(p.words());
        }
        out
    }
}

/// What an update is called, singular and plural ("reading", "readings").
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Noun {
    /// One.
    pub one: &'static str,
    /// Several.
    pub many: &'static str,
}

impl Noun {
    /// A noun.
    pub const fn new(one: &'static str, many: &'static str) -> Self {
        Noun { one, many }
    }

    /// "1 reading", "4 readings".
    pub fn count(self, n: u32) -> String {
        format!("{n} {}", if n == 1 { self.one } else { self.many })
    }
}

/// Why missing updates cannot move.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Blocker {
    /// `from → to` is cut.
    LinkCut {
        /// Sender's side.
        from: NodeId,
        /// Receiver's side.
        to: NodeId,
        /// Since when.
        since: Time,
    },
    /// `from → to` is held.
    LinkHeld {
        /// Sender's side.
        from: NodeId,
        /// Receiver's side.
        to: NodeId,
        /// Since when.
        since: Time,
    },
    /// A service that must act is down (crashed or restarting).
    Down {
        /// The service.
        node: NodeId,
        /// Since when.
        since: Time,
    },
    /// A consumer paused its group.
    Paused {
        /// The consumer.
        node: NodeId,
    },
    /// A step keeps failing and has been retried for longer than the
    /// pattern's settle time.
    Failing {
        /// The service that keeps failing.
        node: NodeId,
        /// Since when.
        since: Time,
    },
}

impl Blocker {
    /// Words, naming nodes with `name`: "link Orchestrator → Payment cut at 4.1 s".
    pub fn describe(&self, name: impl Fn(NodeId) -> String) -> String {
        match *self {
            Blocker::LinkCut { from, to, since } => {
                format!(
                    "link {} → {} cut at {}",
                    name(from),
                    name(to),
                    fmt_secs(since)
                )
            }
            Blocker::LinkHeld { from, to, since } => {
                format!(
                    "link {} → {} held at {}",
                    name(from),
                    name(to),
                    fmt_secs(since)
                )
            }
            Blocker::Down { node, since } => {
                format!("{} down since {}", name(node), fmt_secs(since))
            }
            Blocker::Paused { node } => format!("{} paused its consumer", name(node)),
            Blocker::Failing { node, since } => {
                format!("{} failing since {}", name(node), fmt_secs(since))
            }
        }
    }

    /// The node the learner should look at (the receiver of a link).
    pub fn node(&self) -> NodeId {
        match *self {
            Blocker::LinkCut { to, .. } | Blocker::LinkHeld { to, .. } => to,
            Blocker::Down { node, .. }
            | Blocker::Paused { node }
            | Blocker::Failing { node, .. } => node,
        }
    }
}

/// An update that is on its way nowhere.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Loss {
    /// The update's number (#42).
    pub id: u64,
    /// How, after "reading #42 ": "was lost when Meter crashed between save and publish".
    pub how: &'static str,
    /// When and by which event.
    pub when: Moment,
}

impl Loss {
    /// "reading #42 was lost when Meter crashed between save and publish, 12.4 s".
    pub fn describe(&self, noun: Noun) -> String {
        format!(
            "{} #{} {}, {}",
            noun.one,
            self.id,
            self.how,
            fmt_secs(self.when.at)
        )
    }
}

/// A replica's standing, in one of the three states (stuck being the kind
/// of catching up that cannot make progress now).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Standing {
    /// Equal to the source of truth, with no work left to finish.
    Converged,
    /// Behind (or with work unfinished), and every missing update is on
    /// its way.
    CatchingUp(Whereabouts),
    /// Behind, and the missing updates cannot move now.
    Stuck {
        /// Where they wait.
        at: Whereabouts,
        /// What they wait on.
        on: Blocker,
    },
    /// Some missing or wrong update will never arrive by itself.
    Diverged {
        /// The first such update (the oldest still missing).
        loss: Loss,
        /// How many more are lost.
        more: u32,
    },
}

/// The state of a [`Standing`], without its details (for colours, charts
/// and filters).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum StandingKind {
    /// Equal to the truth.
    Converged = 0,
    /// On its way.
    CatchingUp = 1,
    /// On its way, but blocked.
    Stuck = 2,
    /// Lost something for good.
    Diverged = 3,
}

impl StandingKind {
    /// "Converged", "Catching up", "Stuck", "Diverged".
    pub fn label(self) -> &'static str {
        match self {
            StandingKind::Converged => "Converged",
            StandingKind::CatchingUp => "Catching up",
            StandingKind::Stuck => "Stuck",
            StandingKind::Diverged => "Diverged",
        }
    }

    /// The label in a sentence: "converged", "catching up", "stuck", "diverged".
    pub fn word(self) -> &'static str {
        match self {
            StandingKind::Converged => "converged",
            StandingKind::CatchingUp => "catching up",
            StandingKind::Stuck => "stuck",
            StandingKind::Diverged => "diverged",
        }
    }

    /// A stable lowercase name, used as a CSS class ("catching-up").
    pub fn class(self) -> &'static str {
        match self {
            StandingKind::Converged => "converged",
            StandingKind::CatchingUp => "catching-up",
            StandingKind::Stuck => "stuck",
            StandingKind::Diverged => "diverged",
        }
    }

    /// A glyph that tells the state without colour.
    pub fn icon(self) -> &'static str {
        match self {
            StandingKind::Converged => "✓",
            StandingKind::CatchingUp => "↻",
            StandingKind::Stuck => "\u{2016}",
            StandingKind::Diverged => "≠",
        }
    }
}

impl Standing {
    /// How many missing updates it counts: those on their way or waiting,
    /// or those lost for good.
    pub fn count(&self) -> u32 {
        match self {
            Standing::Converged => 0,
            Standing::CatchingUp(at) | Standing::Stuck { at, .. } => at.total(),
            Standing::Diverged { more, .. } => more.saturating_add(1),
        }
    }

    /// The state, without its details.
    pub fn kind(&self) -> StandingKind {
        match self {
            Standing::Converged => StandingKind::Converged,
            Standing::CatchingUp(_) => StandingKind::CatchingUp,
            Standing::Stuck { .. } => StandingKind::Stuck,
            Standing::Diverged { .. } => StandingKind::Diverged,
        }
    }

    /// The event that lost an update, when diverged.
    pub fn lost_event(&self) -> Option<EventId> {
        match self {
            Standing::Diverged { loss, .. } => Some(loss.when.event),
            _ => None,
        }
    }

    /// The standing of updates at `at`: converged when nothing is missing,
    /// stuck when `blocker` says they cannot move, catching up otherwise.
    pub fn behind(at: Whereabouts, blocker: Option<Blocker>) -> Self {
        match blocker {
            _ if at.is_empty() => Standing::Converged,
            Some(on) => Standing::Stuck { at, on },
            None => Standing::CatchingUp(at),
        }
    }

    /// Diverged when `losses` (oldest first) is not empty, else `rest`.
    pub fn unless_lost(mut losses: impl Iterator<Item = Loss>, rest: Standing) -> Self {
        match losses.next() {
            Some(loss) => Standing::Diverged {
                loss,
                more: losses.count() as u32,
            },
            None => rest,
        }
    }

    /// The details in words, without the replica's name: "4 readings
    /// queued in the broker, 1 in flight", "3 orders waiting on link
    /// Orchestrator → Payment cut at 4.1 s", "reading #42 was lost when …".
    pub fn describe(&self, noun: Noun, name: impl Fn(NodeId) -> String) -> String {
        match self {
            Standing::Converged => String::new(),
            Standing::CatchingUp(w) => w.describe(noun),
            Standing::Stuck { at, on } => {
                format!("{} waiting: {}", noun.count(at.total()), on.describe(name))
            }
            Standing::Diverged { loss, more } => {
                let more = match more {
                    0 => String::new(),
                    n => format!(" (and {} more)", n),
                };
                format!("{}{more}", loss.describe(noun))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READING: Noun = Noun::new("reading", "readings");

    #[test]
    fn whereabouts_read_as_a_list_of_places() {
        let w = Whereabouts::new()
            .with(Place::InFlight, 1)
            .with(Place::Broker, 4);
        assert_eq!(
            w.describe(READING),
            "1 reading in flight, 4 queued in the broker"
        );
        assert_eq!(w.total(), 5);
        assert_eq!(Whereabouts::new().describe(READING), "");
    }

    #[test]
    fn behind_is_converged_only_when_nothing_is_missing() {
        assert_eq!(
            Standing::behind(Whereabouts::new(), None),
            Standing::Converged
        );
        let w = Whereabouts::new().with(Place::Outbox, 2);
        assert_eq!(Standing::behind(w, None).kind(), StandingKind::CatchingUp);
        let cut = Blocker::LinkCut {
            from: NodeId(0),
            to: NodeId(1),
            since: 4_100,
        };
        let stuck = Standing::behind(w, Some(cut));
        assert_eq!(stuck.kind(), StandingKind::Stuck);
        let names = ["Orchestrator", "Payment"];
        assert_eq!(
            stuck.describe(Noun::new("order", "orders"), |n| names[n.index()]
                .to_string()),
            "2 orders waiting: link Orchestrator → Payment cut at 4.1 s"
        );
    }

    #[test]
    fn a_loss_outranks_updates_on_their_way() {
        let loss = |id| Loss {
            id,
            how: "was lost when Meter crashed between save and publish",
            when: Moment {
                at: 12_400,
                event: EventId(7),
            },
        };
        let rest = Standing::CatchingUp(Whereabouts::new().with(Place::InFlight, 3));
        let s = Standing::unless_lost([loss(42), loss(43)].into_iter(), rest);
        assert_eq!(s.kind(), StandingKind::Diverged);
        assert_eq!(s.lost_event(), Some(EventId(7)));
        assert_eq!(
            s.describe(READING, |_| String::new()),
            "reading #42 was lost when Meter crashed between save and publish, 12.4 s (and 1 more)"
        );
        assert_eq!(Standing::unless_lost(std::iter::empty(), rest), rest);
    }
}
