//! The four eventual-consistency patterns, each a [`Scenario`] on the
//! engine: its topology, workload, mitigation toggles, named checks and
//! lesson text.
//!
//! [`Scenario`]: crate::sim::Scenario

pub mod background_sync;
pub mod cqrs;
pub mod event_driven;
pub mod saga;

use crate::sim::{Playground, Sim};

/// The patterns, in tab order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternId {
    /// Event-based consistency (smart power grid).
    EventDriven,
    /// Background sync (source and warehouse).
    BackgroundSync,
    /// Sagas (order, payment, inventory, shipping).
    Saga,
    /// CQRS (write model, projections, read models).
    Cqrs,
}

impl PatternId {
    /// All patterns in tab order.
    pub const ALL: [PatternId; 4] = [
        PatternId::EventDriven,
        PatternId::BackgroundSync,
        PatternId::Saga,
        PatternId::Cqrs,
    ];

    /// Stable id used in URLs and scenario files.
    pub fn slug(self) -> &'static str {
        match self {
            PatternId::EventDriven => "event-driven",
            PatternId::BackgroundSync => "background-sync",
            PatternId::Saga => "saga",
            PatternId::Cqrs => "cqrs",
        }
    }

    /// The pattern with this slug.
    pub fn from_slug(s: &str) -> Option<PatternId> {
        PatternId::ALL.into_iter().find(|p| p.slug() == s)
    }

    /// A fresh run of this pattern.
    pub fn start(self, seed: u64) -> Box<dyn Playground> {
        match self {
            PatternId::EventDriven => Box::new(Sim::new(event_driven::PowerGrid::default(), seed)),
            PatternId::BackgroundSync => {
                Box::new(Sim::new(background_sync::BackgroundSync::default(), seed))
            }
            PatternId::Saga => Box::new(Sim::new(saga::Saga::default(), seed)),
            PatternId::Cqrs => Box::new(Sim::new(cqrs::Cqrs::default(), seed)),
        }
    }

    /// A run of this pattern that replays `script`; an invalid script is
    /// refused with a message naming the entry.
    pub fn replay(
        self,
        seed: u64,
        script: Vec<crate::sim::ScriptEntry>,
    ) -> Result<Box<dyn Playground>, String> {
        Ok(match self {
            PatternId::EventDriven => Box::new(Sim::with_script(
                event_driven::PowerGrid::default(),
                seed,
                script,
            )?),
            PatternId::BackgroundSync => Box::new(Sim::with_script(
                background_sync::BackgroundSync::default(),
                seed,
                script,
            )?),
            PatternId::Saga => Box::new(Sim::with_script(saga::Saga::default(), seed, script)?),
            PatternId::Cqrs => Box::new(Sim::with_script(cqrs::Cqrs::default(), seed, script)?),
        })
    }
}
