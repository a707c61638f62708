//! Small identifier and time types shared by the whole engine.

use serde::{Deserialize, Serialize};

/// Virtual time in milliseconds since the start of a run. Nothing in the
/// engine reads a wall clock.
pub type Time = u64;

/// A service (or the broker) in the simulated world, indexed from 0 in the
/// order the scenario's topology lists them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u16);

impl NodeId {
    /// The index of this node in per-node vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A message on the wire. Ids are never reused within a run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MsgId(pub u64);

/// An event in the trace. Ids are dense and increase with time.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct EventId(pub u64);

/// A timer set by a service.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimerId(pub u64);

/// A topic on the broker, indexed in the order the topology lists them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TopicId(pub u16);

/// A consumer group on the broker, indexed in the order the topology lists them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub u16);

/// Formats a virtual time as seconds with one decimal, e.g. `4.2 s`.
pub fn fmt_secs(t: Time) -> String {
    format!("{}.{} s", t / 1000, (t % 1000) / 100)
}

/// A moment to the millisecond, without trailing zeros ("2.05 s",
/// "2.0 s"): two runs may part ways between two tenths.
pub fn fmt_secs_exact(t: Time) -> String {
    let ms = format!("{:03}", t % 1000);
    let ms = ms.trim_end_matches('0');
    format!("{}.{} s", t / 1000, if ms.is_empty() { "0" } else { ms })
}
