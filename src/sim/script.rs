//! Commands and the script: everything a learner (or a lesson) does to a
//! run, recorded with the moment it happened so a run replays exactly.

use super::net::LinkSettings;
use super::types::{MsgId, NodeId, Time};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One action on a running world. Fault verbs follow turmoil's vocabulary.
///
/// As JSON: an object whose `op` names the variant (snake case) beside the
/// variant's fields, e.g. `{"op": "crash", "node": 1}`. Deserializing
/// accepts exactly what serde's internally tagged form would, with the
/// same error messages, from a much smaller decoder (see `RawCommand`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

/// The `op` of every [`Command`] variant, in declaration order (what an
/// unknown `op` is told to be one of).
const OPS: &[&str] = &[
    "partition",
    "partition_oneway",
    "heal",
    "hold",
    "release",
    "set_link",
    "crash",
    "restart",
    "drop_message",
    "duplicate_message",
    "toggle",
    "set",
    "action",
];

/// A command object as written, before its `op` says which fields it
/// needs. serde's derived decoder for an internally tagged enum buffers the
/// object and re-decodes it once per variant (about 30 KB of wasm); this
/// reads each field once, keeps it as JSON, and decodes only the fields
/// the `op` uses, so fields another variant would use are ignored, as
/// before.
#[derive(Deserialize)]
struct RawCommand {
    op: Option<String>,
    #[serde(default, deserialize_with = "present")]
    a: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    b: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    from: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    to: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    settings: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    node: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    msg: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    on: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    value: Option<Value>,
}

/// A field that is present, even as `null` (which the field's own type
/// then refuses, as serde's derived decoder does).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// serde's own wording for a missing field or an unknown variant.
#[derive(Debug)]
struct Wording(String);

impl std::fmt::Display for Wording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Wording {}

impl de::Error for Wording {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Wording(msg.to_string())
    }
}

/// Decodes field `name` of a command as a `T`.
fn field<T: serde::de::DeserializeOwned>(
    v: Option<Value>,
    name: &'static str,
) -> Result<T, String> {
    match v {
        None => Err(<Wording as de::Error>::missing_field(name).0),
        Some(v) => serde_json::from_value(v).map_err(|e| e.to_string()),
    }
}

impl RawCommand {
    fn into_command(self) -> Result<Command, String> {
        let Some(op) = self.op else {
            return Err(<Wording as de::Error>::missing_field("op").0);
        };
        Ok(match op.as_str() {
            "partition" => Command::Partition {
                a: field(self.a, "a")?,
                b: field(self.b, "b")?,
            },
            "partition_oneway" => Command::PartitionOneway {
                from: field(self.from, "from")?,
                to: field(self.to, "to")?,
            },
            "heal" => Command::Heal {
                a: field(self.a, "a")?,
                b: field(self.b, "b")?,
            },
            "hold" => Command::Hold {
                from: field(self.from, "from")?,
                to: field(self.to, "to")?,
            },
            "release" => Command::Release {
                from: field(self.from, "from")?,
                to: field(self.to, "to")?,
            },
            "set_link" => Command::SetLink {
                from: field(self.from, "from")?,
                to: field(self.to, "to")?,
                settings: field(self.settings, "settings")?,
            },
            "crash" => Command::Crash {
                node: field(self.node, "node")?,
            },
            "restart" => Command::Restart {
                node: field(self.node, "node")?,
            },
            "drop_message" => Command::DropMessage {
                msg: field(self.msg, "msg")?,
            },
            "duplicate_message" => Command::DuplicateMessage {
                msg: field(self.msg, "msg")?,
            },
            "toggle" => Command::Toggle {
                id: field(self.id, "id")?,
                on: field(self.on, "on")?,
            },
            "set" => Command::Set {
                id: field(self.id, "id")?,
                value: field(self.value, "value")?,
            },
            "action" => Command::Action {
                id: field(self.id, "id")?,
            },
            other => return Err(<Wording as de::Error>::unknown_variant(other, OPS).0),
        })
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawCommand::deserialize(d)?
            .into_command()
            .map_err(de::Error::custom)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::net::LinkSettings;

    fn every_command() -> Vec<Command> {
        let (a, b) = (NodeId(1), NodeId(2));
        vec![
            Command::Partition { a, b },
            Command::PartitionOneway { from: a, to: b },
            Command::Heal { a, b },
            Command::Hold { from: a, to: b },
            Command::Release { from: a, to: b },
            Command::SetLink {
                from: a,
                to: b,
                settings: LinkSettings::default(),
            },
            Command::Crash { node: a },
            Command::Restart { node: b },
            Command::DropMessage { msg: MsgId(7) },
            Command::DuplicateMessage { msg: MsgId(8) },
            Command::Toggle {
                id: "outbox".into(),
                on: false,
            },
            Command::Set {
                id: "batch".into(),
                value: -3,
            },
            Command::Action { id: "burst".into() },
        ]
    }

    fn decode(json: &str) -> Result<Command, String> {
        serde_json::from_str::<Command>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_command_reads_back_as_written() {
        let all = every_command();
        assert_eq!(all.len(), OPS.len());
        for (cmd, op) in all.into_iter().zip(OPS) {
            let json = serde_json::to_value(&cmd).unwrap();
            assert_eq!(json["op"], *op);
            assert_eq!(serde_json::from_value::<Command>(json).unwrap(), cmd);
        }
    }

    #[test]
    fn bad_commands_say_what_is_wrong_in_serde_words() {
        assert!(decode(r#"{"op": "explode"}"#).unwrap_err().starts_with(
            "unknown variant `explode`, expected one of `partition`, `partition_oneway`"
        ));
        assert_eq!(decode(r#"{"node": 1}"#).unwrap_err(), "missing field `op`");
        assert_eq!(
            decode(r#"{"op": "crash"}"#).unwrap_err(),
            "missing field `node`"
        );
        assert!(decode(r#"{"op": "crash", "node": 70000}"#)
            .unwrap_err()
            .starts_with("invalid value: integer `70000`"));
        assert!(decode(r#"{"op": "crash", "node": null}"#)
            .unwrap_err()
            .starts_with("invalid type: null"));
        assert!(decode(r#"{"op": "toggle", "id": "outbox", "on": 1}"#)
            .unwrap_err()
            .starts_with("invalid type: integer `1`, expected a boolean"));
    }

    #[test]
    fn fields_of_other_commands_are_ignored() {
        assert_eq!(
            decode(r#"{"op": "crash", "node": 3, "a": "not a node", "extra": [1]}"#).unwrap(),
            Command::Crash { node: NodeId(3) }
        );
    }
}
