//! Network links between services: one per direction, each with its own
//! latency, jitter, drop and duplicate odds, and a fault state.

use super::types::{NodeId, Time};
use serde::{Deserialize, Serialize};

/// The tunable settings of one direction of a link.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSettings {
    /// Base one-way latency in milliseconds.
    pub latency: Time,
    /// Extra latency drawn uniformly from `0..=jitter` milliseconds.
    pub jitter: Time,
    /// Odds, in thousandths, that a message is lost on the way.
    pub drop_permille: u16,
    /// Odds, in thousandths, that a message arrives twice.
    pub dup_permille: u16,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            latency: 120,
            jitter: 60,
            drop_permille: 0,
            dup_permille: 0,
        }
    }
}

impl LinkSettings {
    /// Largest latency a learner may set, in milliseconds.
    pub const MAX_LATENCY: Time = 60_000;

    /// Checks the settings are within the ranges the UI and share links accept.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency > Self::MAX_LATENCY {
            return Err(format!(
                "latency {} ms is above the maximum of {} ms",
                self.latency,
                Self::MAX_LATENCY
            ));
        }
        if self.jitter > Self::MAX_LATENCY {
            return Err(format!(
                "jitter {} ms is above the maximum of {} ms",
                self.jitter,
                Self::MAX_LATENCY
            ));
        }
        if self.drop_permille > 1000 {
            return Err(format!("drop odds {}‰ are above 1000‰", self.drop_permille));
        }
        if self.dup_permille > 1000 {
            return Err(format!(
                "duplicate odds {}‰ are above 1000‰",
                self.dup_permille
            ));
        }
        Ok(())
    }
}

/// The fault state of one direction of a link, in turmoil's vocabulary.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// Messages flow.
    Healthy,
    /// Messages are lost, including those already on the link.
    Partitioned,
    /// Messages wait on the link, frozen where they are, until released.
    Held,
}

/// One direction of a link.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Latency and loss settings.
    pub settings: LinkSettings,
    /// Fault state.
    pub state: LinkState,
    /// When the state last changed.
    pub since: Time,
}

/// All links of a world, as a dense `n × n` matrix indexed `from * n + to`.
#[derive(Clone, Debug)]
pub struct Network {
    n: usize,
    links: Vec<Link>,
    faulty: usize,
}

impl Network {
    /// A network of `n` nodes whose links all start healthy with `settings`.
    pub fn new(n: usize, settings: LinkSettings) -> Self {
        let link = Link {
            settings,
            state: LinkState::Healthy,
            since: 0,
        };
        Network {
            n,
            links: vec![link; n * n],
            faulty: 0,
        }
    }

    /// The link from `from` to `to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> &Link {
        &self.links[from.index() * self.n + to.index()]
    }

    /// Changes the settings of `from → to` (for messages sent from now on).
    pub fn set_settings(&mut self, from: NodeId, to: NodeId, settings: LinkSettings) {
        self.links[from.index() * self.n + to.index()].settings = settings;
    }

    /// Changes the fault state of `from → to` at time `now`.
    pub fn set_state(&mut self, from: NodeId, to: NodeId, state: LinkState, now: Time) {
        let l = &mut self.links[from.index() * self.n + to.index()];
        if l.state == state {
            return;
        }
        match (l.state == LinkState::Healthy, state == LinkState::Healthy) {
            (true, false) => self.faulty += 1,
            (false, true) => self.faulty -= 1,
            _ => {}
        }
        l.state = state;
        l.since = now;
    }

    /// True when any link is partitioned or held.
    pub fn any_fault(&self) -> bool {
        self.faulty > 0
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for a network without nodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}
