//! Commands and the script: everything a learner (or a lesson) does to a
//! run, recorded with the moment it happened so a run replays exactly.

use super::net::LinkSettings;
use super::types::{MsgId, NodeId, Time};
use serde::de::{self, Deserializer, Unexpected};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One action on a running world. Fault verbs follow turmoil's vocabulary.
///
/// As JSON: an object whose `op` names the variant (snake case) beside the
/// variant's fields, e.g. `{"op": "crash", "node": 1}`. Deserializing
/// accepts what serde's internally tagged form would, with the same error
/// messages, from a much smaller decoder ([`Command::from_json`]).
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

/// serde's own wording for its errors, so the hand-written decoder below
/// says what serde's derived one would.
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

/// What serde calls `v` when it is not what was expected.
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        // serde_json says "null" where serde says "unit value".
        Value::Null => Unexpected::Other("null"),
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// "invalid type: …, expected `what`".
fn wrong(v: &Value, what: &str) -> String {
    <Wording as de::Error>::invalid_type(unexpected(v), &what).0
}

/// An unsigned integer up to `max` (`what` is its type's name).
fn uint(v: &Value, max: u64, what: &str) -> Result<u64, String> {
    match v.as_u64() {
        Some(u) if u <= max => Ok(u),
        Some(_) => Err(<Wording as de::Error>::invalid_value(unexpected(v), &what).0),
        None if v.is_i64() => Err(<Wording as de::Error>::invalid_value(unexpected(v), &what).0),
        None => Err(wrong(v, what)),
    }
}

/// A signed integer.
fn int(v: &Value) -> Result<i64, String> {
    match (v.as_i64(), v.as_u64()) {
        (Some(i), _) => Ok(i),
        (None, Some(_)) => Err(<Wording as de::Error>::invalid_value(unexpected(v), &"i64").0),
        _ => Err(wrong(v, "i64")),
    }
}

/// A [`LinkSettings`] as serde's derived decoder reads one: an object
/// (fields read in the order the JSON map holds them, then the first
/// missing one in declaration order) or a list of the four values.
fn link_settings(v: &Value) -> Result<LinkSettings, String> {
    let time = |v: &Value| uint(v, u64::MAX, "u64");
    let odds = |v: &Value| uint(v, u16::MAX.into(), "u16").map(|n| n as u16);
    match v {
        Value::Object(m) => {
            // serde_json's map is sorted by key.
            let drop = m.get("drop_permille").map(odds).transpose()?;
            let dup = m.get("dup_permille").map(odds).transpose()?;
            let jitter = m.get("jitter").map(time).transpose()?;
            let latency = m.get("latency").map(time).transpose()?;
            let missing = |f: &'static str| <Wording as de::Error>::missing_field(f).0;
            Ok(LinkSettings {
                latency: latency.ok_or_else(|| missing("latency"))?,
                jitter: jitter.ok_or_else(|| missing("jitter"))?,
                drop_permille: drop.ok_or_else(|| missing("drop_permille"))?,
                dup_permille: dup.ok_or_else(|| missing("dup_permille"))?,
            })
        }
        Value::Array(a) => {
            let at = |i: usize| {
                a.get(i).ok_or_else(|| {
                    <Wording as de::Error>::invalid_length(
                        i,
                        &"struct LinkSettings with 4 elements",
                    )
                    .0
                })
            };
            let settings = LinkSettings {
                latency: time(at(0)?)?,
                jitter: time(at(1)?)?,
                drop_permille: odds(at(2)?)?,
                dup_permille: odds(at(3)?)?,
            };
            if a.len() > 4 {
                return Err(<Wording as de::Error>::invalid_length(
                    a.len(),
                    &"4 elements in sequence",
                )
                .0);
            }
            Ok(settings)
        }
        _ => Err(wrong(v, "struct LinkSettings")),
    }
}

impl Command {
    /// Reads a command object (`{"op": "crash", "node": 1}`): the fields
    /// its `op` uses, in declaration order; fields another command would
    /// use are ignored. Errors are worded as serde's derived decoder words
    /// them ("missing field `node`"); this decoder is a tenth of its size
    /// in wasm.
    pub fn from_json(m: &Map<String, Value>) -> Result<Command, String> {
        let need = |f: &'static str| {
            m.get(f)
                .ok_or_else(|| <Wording as de::Error>::missing_field(f).0)
        };
        let node =
            |f| need(f).and_then(|v| uint(v, u16::MAX.into(), "u16").map(|n| NodeId(n as u16)));
        let msg = |f| need(f).and_then(|v| uint(v, u64::MAX, "u64").map(MsgId));
        let text = |f| {
            need(f).and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong(v, "a string"))
            })
        };
        let op = text("op")?;
        // serde reads the fields present in the map's (sorted) order, so a
        // mistyped field is told before a missing one.
        let fields: &[&str] = match op.as_str() {
            "partition" | "heal" => &["a", "b"],
            "partition_oneway" | "hold" | "release" => &["from", "to"],
            "set_link" => &["from", "settings", "to"],
            "crash" | "restart" => &["node"],
            "drop_message" | "duplicate_message" => &["msg"],
            "toggle" => &["id", "on"],
            "set" => &["id", "value"],
            _ => &["id"],
        };
        for (k, v) in m.iter().filter(|(k, _)| fields.contains(&k.as_str())) {
            match (op.as_str(), k.as_str()) {
                (_, "a" | "b" | "from" | "to" | "node") => {
                    uint(v, u16::MAX.into(), "u16").map(drop)
                }
                (_, "msg") => uint(v, u64::MAX, "u64").map(drop),
                (_, "settings") => link_settings(v).map(drop),
                (_, "on") => v.as_bool().map(drop).ok_or_else(|| wrong(v, "a boolean")),
                (_, "value") => int(v).map(drop),
                _ => v.as_str().map(drop).ok_or_else(|| wrong(v, "a string")),
            }?;
        }
        Ok(match op.as_str() {
            "partition" => Command::Partition {
                a: node("a")?,
                b: node("b")?,
            },
            "partition_oneway" => Command::PartitionOneway {
                from: node("from")?,
                to: node("to")?,
            },
            "heal" => Command::Heal {
                a: node("a")?,
                b: node("b")?,
            },
            "hold" => Command::Hold {
                from: node("from")?,
                to: node("to")?,
            },
            "release" => Command::Release {
                from: node("from")?,
                to: node("to")?,
            },
            "set_link" => Command::SetLink {
                from: node("from")?,
                to: node("to")?,
                settings: link_settings(need("settings")?)?,
            },
            "crash" => Command::Crash {
                node: node("node")?,
            },
            "restart" => Command::Restart {
                node: node("node")?,
            },
            "drop_message" => Command::DropMessage { msg: msg("msg")? },
            "duplicate_message" => Command::DuplicateMessage { msg: msg("msg")? },
            "toggle" => Command::Toggle {
                id: text("id")?,
                on: need("on").and_then(|v| v.as_bool().ok_or_else(|| wrong(v, "a boolean")))?,
            },
            "set" => Command::Set {
                id: text("id")?,
                value: need("value").and_then(int)?,
            },
            "action" => Command::Action { id: text("id")? },
            other => return Err(<Wording as de::Error>::unknown_variant(other, OPS).0),
        })
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(m) => Command::from_json(&m),
            v => Err(wrong(&v, "internally tagged enum Command")),
        }
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

/// Which part of a command or a script entry the engine refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// The entry's time.
    At,
    /// The entry's event count.
    After,
    /// The service a crash or a restart names.
    Node,
    /// One end of a partition or a heal.
    A,
    /// The other end of a partition or a heal.
    B,
    /// A link's sending end.
    From,
    /// A link's receiving end.
    To,
    /// A link's new settings.
    Settings,
    /// The message a drop or a duplicate names.
    Msg,
    /// A toggle's id.
    Toggle,
    /// A setting's id.
    Setting,
    /// A setting's value (the reason names the setting first).
    Value,
    /// An action's id.
    Action,
    /// The command as a whole (a link from a service to itself).
    Command,
}

impl Field {
    /// Where it is in a script entry, as share links and scene files name
    /// it: `"at"`, `"cmd.node"`, `"cmd.id"`, `"cmd"`.
    pub fn path(self) -> &'static str {
        match self {
            Field::At => "at",
            Field::After => "after",
            Field::Node => "cmd.node",
            Field::A => "cmd.a",
            Field::B => "cmd.b",
            Field::From => "cmd.from",
            Field::To => "cmd.to",
            Field::Settings => "cmd.settings",
            Field::Msg => "cmd.msg",
            Field::Toggle | Field::Setting | Field::Action => "cmd.id",
            Field::Value => "cmd.value",
            Field::Command => "cmd",
        }
    }

    /// How the message a learner reads names it (before a colon), if at all.
    fn words(self) -> Option<&'static str> {
        match self {
            Field::At => Some("at"),
            Field::After => Some("after"),
            Field::Node => Some("node"),
            Field::A => Some("a"),
            Field::B => Some("b"),
            Field::From => Some("from"),
            Field::To => Some("to"),
            Field::Toggle => Some("toggle"),
            Field::Setting => Some("setting"),
            Field::Action => Some("action"),
            Field::Settings | Field::Msg | Field::Command | Field::Value => None,
        }
    }
}

/// Why the engine refused a command (or a script entry): the field at
/// fault and the reason, as data. Share links, scene files and lesson files
/// name the field by its path in their own format ([`Field::path`]); the
/// UI shows `to_string()`: "node: Customers (service number 0) stays up in
/// this scenario: …", "setting publish_delay: -5 is outside 0..=5000".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The script entry at fault, when a whole script was checked.
    pub entry: Option<u32>,
    /// The field at fault.
    pub field: Field,
    /// Why, in words.
    pub reason: String,
}

impl Refusal {
    /// A refusal of `field` for `reason`.
    pub fn new(field: Field, reason: impl Into<String>) -> Refusal {
        Refusal {
            entry: None,
            field,
            reason: reason.into(),
        }
    }

    /// The same refusal, of script entry `i`.
    pub fn in_entry(self, i: usize) -> Refusal {
        Refusal {
            entry: Some(i as u32),
            ..self
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(i) = self.entry {
            write!(f, "script[{i}].")?;
        }
        match (self.field, self.field.words()) {
            (Field::Value, _) => write!(f, "setting {}", self.reason),
            (_, Some(w)) => write!(f, "{w}: {}", self.reason),
            (_, None) => f.write_str(&self.reason),
        }
    }
}

/// Checks a script is in time order (and event order where given).
pub fn validate_order(script: &[ScriptEntry]) -> Result<(), Refusal> {
    for (i, w) in script.windows(2).enumerate() {
        if w[1].at < w[0].at {
            return Err(Refusal::new(
                Field::At,
                format!(
                    "{} ms comes before the previous entry's {} ms",
                    w[1].at, w[0].at
                ),
            )
            .in_entry(i + 1));
        }
        if let (Some(a), Some(b)) = (w[0].after, w[1].after) {
            if b < a {
                return Err(Refusal::new(
                    Field::After,
                    format!("event count {b} is below the previous entry's {a}"),
                )
                .in_entry(i + 1));
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

    /// serde's derived decoder for the same enum, to hold the hand-written
    /// one to its words.
    #[derive(Debug, serde::Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Derived {
        Partition {
            a: NodeId,
            b: NodeId,
        },
        PartitionOneway {
            from: NodeId,
            to: NodeId,
        },
        Heal {
            a: NodeId,
            b: NodeId,
        },
        Hold {
            from: NodeId,
            to: NodeId,
        },
        Release {
            from: NodeId,
            to: NodeId,
        },
        SetLink {
            from: NodeId,
            to: NodeId,
            settings: LinkSettings,
        },
        Crash {
            node: NodeId,
        },
        Restart {
            node: NodeId,
        },
        DropMessage {
            msg: MsgId,
        },
        DuplicateMessage {
            msg: MsgId,
        },
        Toggle {
            id: String,
            on: bool,
        },
        Set {
            id: String,
            value: i64,
        },
        Action {
            id: String,
        },
    }

    #[test]
    fn the_decoder_reads_and_refuses_as_serdes_derived_one_does() {
        let cases = [
            r#"{"op": "crash", "node": 3}"#,
            r#"{"op": "crash", "node": -1}"#,
            r#"{"op": "crash", "node": 1.5}"#,
            r#"{"op": "crash", "node": "Billing"}"#,
            r#"{"op": "crash", "node": [1]}"#,
            r#"{"op": "crash", "node": {"id": 1}}"#,
            r#"{"op": "crash", "node": true}"#,
            r#"{"op": "crash", "node": null}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": null}"#,
            r#"{"op": "crash"}"#,
            r#"{"op": "heal", "a": 1}"#,
            r#"{"op": "partition", "b": "x"}"#,
            r#"{"op": "drop_message", "msg": 18446744073709551615}"#,
            r#"{"op": "drop_message", "msg": -4}"#,
            r#"{"op": "toggle", "id": 4, "on": true}"#,
            r#"{"op": "toggle", "id": "outbox", "on": "yes"}"#,
            r#"{"op": "set", "id": "batch", "value": 9223372036854775808}"#,
            r#"{"op": "set", "id": "batch", "value": -9}"#,
            r#"{"op": "set", "id": "batch", "value": 2.5}"#,
            r#"{"op": "set", "id": "batch"}"#,
            r#"{"op": "action"}"#,
            r#"{"op": "explode"}"#,
            r#"{"node": 1}"#,
            r#"{"op": "set_link", "from": 0, "to": 1}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": 5}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": {"latency": 5}}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": {"latency": "x", "jitter": -1}}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": {"latency": 1, "jitter": 2, "drop_permille": 3, "dup_permille": 70000}}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": {"latency": 1, "jitter": 2, "drop_permille": 3, "dup_permille": 4, "x": 0}}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": [1, 2, 3, 4]}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": [1, 2]}"#,
            r#"{"op": "set_link", "from": 0, "to": 1, "settings": [1, 2, 3, 4, 5]}"#,
        ];
        for case in cases {
            let v: serde_json::Value = serde_json::from_str(case).unwrap();
            let ours = Command::from_json(v.as_object().unwrap()).map(|c| format!("{c:?}"));
            let derived = serde_json::from_value::<Derived>(v)
                .map(|c| format!("{c:?}"))
                .map_err(|e| e.to_string());
            assert_eq!(ours, derived, "{case}");
        }
    }

    #[test]
    fn fields_of_other_commands_are_ignored() {
        assert_eq!(
            decode(r#"{"op": "crash", "node": 3, "a": "not a node", "extra": [1]}"#).unwrap(),
            Command::Crash { node: NodeId(3) }
        );
    }
}
