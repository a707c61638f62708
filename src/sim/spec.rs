//! The static shape of a world, as a scenario declares it: nodes and the
//! edges the canvas draws, topics, consumer groups and their delivery,
//! the broker's policy and the links' starting settings. Plain data, below
//! every part of the engine that runs.

use super::net::LinkSettings;
use super::types::{NodeId, Time, TopicId};
use serde::{Deserialize, Serialize};

/// What a node is, for layout and icons.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum NodeRole {
    /// A service with its own data.
    Service,
    /// The message broker.
    Broker,
    /// A data store (a replica, a warehouse, a read model).
    Store,
    /// A scheduled job or relay.
    Job,
    /// A simulated user or client.
    Client,
}

/// A node in the topology.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeSpec {
    /// Display name ("Billing").
    pub name: &'static str,
    /// What it is.
    pub role: NodeRole,
    /// Layout position on a 1000 × 600 canvas.
    pub x: f32,
    /// Layout position on a 1000 × 600 canvas.
    pub y: f32,
    /// Whether the learner may crash it.
    pub crashable: bool,
}

impl NodeSpec {
    /// A node at `(x, y)` on the 1000 × 600 canvas.
    pub fn new(name: &'static str, role: NodeRole, x: f32, y: f32, crashable: bool) -> Self {
        NodeSpec {
            name,
            role,
            x,
            y,
            crashable,
        }
    }
}

/// The shape of a scenario's world.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Topology {
    /// Nodes, in [`NodeId`] order.
    pub nodes: Vec<NodeSpec>,
    /// Links to draw, as unordered pairs (messages may still travel between
    /// any two nodes; these are the ones the canvas shows and lets you cut).
    pub edges: Vec<(NodeId, NodeId)>,
    /// The broker's node, if the scenario has one.
    pub broker: Option<NodeId>,
    /// Topics, in [`TopicId`] order.
    pub topics: Vec<TopicSpec>,
    /// Consumer groups, in [`GroupId`](super::types::GroupId) order.
    pub groups: Vec<GroupSpec>,
    /// Settings every link starts with.
    pub link: LinkSettings,
}

impl Topology {
    /// The node called `name`, if any.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name.eq_ignore_ascii_case(name))
            .map(|i| NodeId(i as u16))
    }
}

/// A topic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopicSpec {
    /// Name ("meter-readings").
    pub name: &'static str,
    /// Number of partitions (at least 1).
    pub partitions: u16,
}

/// When a consumer group's offset is committed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Commit before processing: a crash loses the record, never redelivers.
    AtMostOnce,
    /// Commit after processing: a crash or a lost ack redelivers the record.
    AtLeastOnce,
}

/// A consumer group: one service reading one topic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupSpec {
    /// Name ("billing").
    pub name: &'static str,
    /// Topic it reads.
    pub topic: TopicId,
    /// Service that processes its records.
    pub node: NodeId,
    /// Delivery semantics at the start of a run.
    pub delivery: Delivery,
}

/// Broker timing and retry policy.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfig {
    /// How long the broker waits for an ack before redelivering.
    pub ack_timeout: Time,
    /// Failed attempts before a record goes to the dead-letter log.
    pub max_attempts: u32,
    /// First retry delay; doubles with each failure.
    pub backoff_base: Time,
    /// Largest retry delay.
    pub backoff_max: Time,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            ack_timeout: 1_500,
            max_attempts: 4,
            backoff_base: 200,
            backoff_max: 5_000,
        }
    }
}

/// Convenience: a consumer group spec.
pub fn group(name: &'static str, topic: TopicId, node: NodeId, delivery: Delivery) -> GroupSpec {
    GroupSpec {
        name,
        topic,
        node,
        delivery,
    }
}
