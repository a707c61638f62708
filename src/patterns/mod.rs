//! The four eventual-consistency patterns, each a [`Scenario`] on the
//! engine: its topology, workload, mitigation toggles, named checks and
//! lesson text.
//!
//! [`Scenario`]: crate::sim::Scenario

pub mod any;
pub mod background_sync;
mod control;
pub mod cqrs;
mod each;
pub mod event_driven;
pub mod saga;

use crate::sim::{Playground, Sim};
pub use each::AnyScenario;

/// One of the eventual-consistency patterns, in tab order.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    /// Services publish events; consumers update their own copies.
    #[default]
    EventDriven,
    /// A scheduled job copies changes from a source to a replica.
    BackgroundSync,
    /// A multi-step transaction made of local steps plus compensations.
    Saga,
    /// Command Query Responsibility Segregation: separate write and read models.
    Cqrs,
}

impl Pattern {
    /// Every pattern, in tab order.
    ///
    /// ```
    /// use converge::patterns::Pattern;
    /// assert_eq!(Pattern::all()[0], Pattern::EventDriven);
    /// assert_eq!(Pattern::all().len(), 4);
    /// ```
    pub const fn all() -> [Pattern; 4] {
        [
            Pattern::EventDriven,
            Pattern::BackgroundSync,
            Pattern::Saga,
            Pattern::Cqrs,
        ]
    }

    /// Position of this pattern in [`Pattern::all`] (its tab index).
    pub const fn index(self) -> usize {
        match self {
            Pattern::EventDriven => 0,
            Pattern::BackgroundSync => 1,
            Pattern::Saga => 2,
            Pattern::Cqrs => 3,
        }
    }

    /// The tab label a person reads.
    pub const fn label(self) -> &'static str {
        match self {
            Pattern::EventDriven => "Event-based",
            Pattern::BackgroundSync => "Background sync",
            Pattern::Saga => "Saga",
            Pattern::Cqrs => "CQRS",
        }
    }

    /// A stable, URL- and id-safe identifier (lowercase ASCII and dashes).
    ///
    /// ```
    /// use converge::patterns::Pattern;
    /// assert_eq!(Pattern::BackgroundSync.slug(), "background-sync");
    /// ```
    pub const fn slug(self) -> &'static str {
        match self {
            Pattern::EventDriven => "event-driven",
            Pattern::BackgroundSync => "background-sync",
            Pattern::Saga => "saga",
            Pattern::Cqrs => "cqrs",
        }
    }

    /// The pattern whose [`slug`](Pattern::slug) is `slug`, if any.
    ///
    /// ```
    /// use converge::patterns::Pattern;
    /// assert_eq!(Pattern::from_slug("saga"), Some(Pattern::Saga));
    /// assert_eq!(Pattern::from_slug("2pc"), None);
    /// ```
    pub fn from_slug(slug: &str) -> Option<Pattern> {
        Pattern::all().into_iter().find(|p| p.slug() == slug)
    }

    /// The next pattern in tab order, wrapping from the last to the first.
    pub const fn next(self) -> Pattern {
        let all = Pattern::all();
        all[(self.index() + 1) % all.len()]
    }

    /// The previous pattern in tab order, wrapping from the first to the last.
    pub const fn prev(self) -> Pattern {
        let all = Pattern::all();
        all[(self.index() + all.len() - 1) % all.len()]
    }

    /// The first pattern in tab order.
    pub const fn first() -> Pattern {
        Pattern::all()[0]
    }

    /// The last pattern in tab order.
    pub const fn last() -> Pattern {
        let all = Pattern::all();
        all[all.len() - 1]
    }

    /// A short slogan shown under the pattern's name.
    pub const fn tagline(self) -> &'static str {
        match self {
            Pattern::EventDriven => "Publish what changed; let everyone else catch up.",
            Pattern::BackgroundSync => {
                "Copy changes on a schedule; the copy trails by up to an interval."
            }
            Pattern::Saga => "Many local steps, with compensations when one fails.",
            Pattern::Cqrs => "Write to one model, read from projections of it.",
        }
    }

    /// A one-paragraph, plain-words description of the pattern.
    pub const fn description(self) -> &'static str {
        match self {
            Pattern::EventDriven => {
                "When a service changes its data, it publishes an event saying what \
                 happened, and the services that care keep their own copies up to date \
                 by reacting to those events. Nobody waits for everyone to agree, so for \
                 a while different services can disagree. Once the last event has been \
                 delivered and handled, they all hold the same state again."
            }
            Pattern::BackgroundSync => {
                "A scheduled job copies what changed in one store (the source of truth) \
                 to another (a reporting warehouse or a replica), every few seconds, in \
                 batches. Between runs the copy is stale; a run that skips a row, or a \
                 job that crashes half way, can leave it wrong until the next good run. \
                 How the job finds what changed decides whether it ever catches up."
            }
            Pattern::Saga => {
                "A business transaction that spans several services, such as placing an \
                 order, is split into a sequence of local steps that each commit on their \
                 own. If a later step fails, the saga runs compensating actions that undo \
                 the earlier steps, so the system returns to a consistent state without a \
                 global lock or a distributed transaction."
            }
            Pattern::Cqrs => {
                "Commands that change data go to a write model that validates and records \
                 them, while queries are answered from separate read models (projections) \
                 built from those recorded changes. The read side trails the write side \
                 slightly, so a query made right after a write can see stale data until \
                 its projection catches up."
            }
        }
    }

    /// The DOM id of this pattern's tab button.
    pub fn tab_id(self) -> String {
        format!("tab-{}", self.slug())
    }

    /// This pattern's scenario in its starting state, as the one scenario
    /// type the app's engine runs (see [`any`]).
    pub fn scenario(self) -> AnyScenario {
        match self {
            Pattern::EventDriven => AnyScenario::Grid(Default::default()),
            Pattern::BackgroundSync => AnyScenario::Sync(Default::default()),
            Pattern::Saga => AnyScenario::Saga(Default::default()),
            Pattern::Cqrs => AnyScenario::Cqrs(Default::default()),
        }
    }

    /// The milestones this pattern marks on its events: what a lesson's
    /// `happened` claims may name.
    pub fn milestones(self) -> Vec<crate::sim::scenario::MilestoneSpec> {
        match self {
            Pattern::EventDriven => event_driven::Milestone::specs(),
            Pattern::BackgroundSync => background_sync::Milestone::specs(),
            Pattern::Saga => saga::Milestone::specs(),
            Pattern::Cqrs => cqrs::Milestone::specs(),
        }
    }

    /// A fresh run of this pattern.
    pub fn start(self, seed: u64) -> Box<dyn Playground> {
        Box::new(Sim::new(self.scenario(), seed))
    }

    /// A run of this pattern that replays `script`; an invalid script is
    /// refused with a message naming the entry.
    pub fn replay(
        self,
        seed: u64,
        script: Vec<crate::sim::ScriptEntry>,
    ) -> Result<Box<dyn Playground>, crate::sim::Refusal> {
        Ok(Box::new(Sim::with_script(self.scenario(), seed, script)?))
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn index_matches_position_in_all() {
        for (i, p) in Pattern::all().into_iter().enumerate() {
            assert_eq!(p.index(), i, "{p:?}");
        }
    }

    #[test]
    fn next_and_prev_wrap_and_are_inverse() {
        assert_eq!(Pattern::last().next(), Pattern::first());
        assert_eq!(Pattern::first().prev(), Pattern::last());
        for p in Pattern::all() {
            assert_eq!(p.next().prev(), p);
            assert_eq!(p.prev().next(), p);
        }
    }
}
