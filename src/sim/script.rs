//! Commands and the script: everything a learner (or a lesson) does to a
//! run, recorded with the moment it happened so a run replays exactly.

use super::net::LinkSettings;
use super::types::{MsgId, NodeId, Time};
use serde::{Deserialize, Serialize};

/// One action on a running world. Fault verbs follow turmoil's vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Cut both directions between `a` and `b`; messages on the link are lost.
    Partition {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
    },
    /// Cut only `from → to`.
    PartitionOneway {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Repair both directions between `a` and `b` (undoes partitions and holds).
    Heal {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
    },
    /// Freeze messages on `from → to` (and new ones) until released.
    Hold {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Let held messages on `from → to` move again.
    Release {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Change latency, jitter, drop and duplicate odds of `from → to`.
    SetLink {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
        /// New settings (apply to messages sent from now on).
        settings: LinkSettings,
    },
    /// Crash a service: its volatile state and unprocessed messages are lost.
    Crash {
        /// The service.
        node: NodeId,
    },
    /// Restart a crashed service; it recovers from its durable state.
    Restart {
        /// The service.
        node: NodeId,
    },
    /// Lose one message in flight.
    DropMessage {
        /// The message.
        msg: MsgId,
    },
    /// Deliver one message in flight twice.
    DuplicateMessage {
        /// The message.
        msg: MsgId,
    },
    /// Turn one of the scenario's mitigations or options on or off.
    Toggle {
        /// The toggle's id.
        id: String,
        /// New value.
        on: bool,
    },
    /// Change one of the scenario's numeric settings.
    Set {
        /// The setting's id.
        id: String,
        /// New value, within the setting's range.
        value: i64,
    },
    /// Run one of the scenario's workload actions ("send a reading").
    Action {
        /// The action's id.
        id: String,
    },
}

impl Command {
    /// True for commands that inject or repair a fault (they reset the
    /// "time to converge after the last fault" clock).
    pub fn is_fault(&self) -> bool {
        !matches!(
            self,
            Command::Toggle { .. } | Command::Set { .. } | Command::Action { .. }
        )
    }
}

/// A command with the moment it was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptEntry {
    /// Virtual time at which it was applied.
    pub at: Time,
    /// How many events the world had processed when it was applied; this
    /// places it exactly between two events, even among events at `at`.
    /// `None` (for hand-written scripts and lessons) means "after every
    /// event scheduled at or before `at`".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// What was done.
    pub cmd: Command,
}

impl ScriptEntry {
    /// An entry for a hand-written script: `cmd` at time `at`.
    pub fn at(at: Time, cmd: Command) -> Self {
        ScriptEntry {
            at,
            after: None,
            cmd,
        }
    }
}

/// Checks a script is in time order (and event order where given).
pub fn validate_order(script: &[ScriptEntry]) -> Result<(), String> {
    for (i, w) in script.windows(2).enumerate() {
        if w[1].at < w[0].at {
            return Err(format!(
                "script[{}].at: {} ms comes before the previous entry's {} ms",
                i + 1,
                w[1].at,
                w[0].at
            ));
        }
        if let (Some(a), Some(b)) = (w[0].after, w[1].after) {
            if b < a {
                return Err(format!(
                    "script[{}].after: event count {} is below the previous entry's {}",
                    i + 1,
                    b,
                    a
                ));
            }
        }
    }
    Ok(())
}
