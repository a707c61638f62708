//! A Kafka-style broker: topics with partitions, an append-only log per
//! partition, keyed publishing, consumer groups with committed offsets,
//! at-most-once or at-least-once delivery, retries with exponential backoff
//! and jitter, and a dead-letter log after repeated failures.
//!
//! The broker is a node like any other: its links can be cut or slowed and
//! it can crash. Logs and committed offsets are durable; what is in flight
//! to consumers is volatile.
//!
//! Delivery is push-based with one record in flight per group and
//! partition, so a partition's order is kept end to end.
//!
//! This module holds the broker's data (logs, cursors); what the broker
//! does when records and acks arrive lives with the rest of the engine's
//! core in `core::broker`, since it sends, schedules and records.

use super::types::{EventId, NodeId, Time, TopicId};
use serde::Serialize;

pub use super::spec::{BrokerConfig, Delivery, GroupSpec, TopicSpec};

/// A record in a partition log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogRecord<M> {
    /// Offset within its partition.
    pub offset: u64,
    /// Partitioning key.
    pub key: Option<u64>,
    /// Value.
    pub payload: M,
    /// When it was appended.
    pub at: Time,
    /// The append event in the trace.
    pub event: EventId,
    /// Who published it.
    pub producer: NodeId,
}

/// All partition logs and dead-letter logs. Append-only, so snapshots
/// store only their lengths.
#[derive(Clone, Debug)]
pub struct Logs<M> {
    parts: Vec<Vec<Vec<LogRecord<M>>>>,
    dead: Vec<Vec<LogRecord<M>>>,
}

impl<M> Logs<M> {
    /// Empty logs for these topics.
    pub fn new(topics: &[TopicSpec]) -> Self {
        Logs {
            parts: topics
                .iter()
                .map(|t| (0..t.partitions.max(1)).map(|_| Vec::new()).collect())
                .collect(),
            dead: topics.iter().map(|_| Vec::new()).collect(),
        }
    }

    /// The log of one partition.
    pub fn partition(&self, topic: TopicId, partition: u16) -> &[LogRecord<M>] {
        &self.parts[topic.0 as usize][partition as usize]
    }

    /// Number of partitions of a topic.
    pub fn partitions(&self, topic: TopicId) -> u16 {
        self.parts
            .get(topic.0 as usize)
            .map_or(0, |p| p.len() as u16)
    }

    /// Every record of a topic, partition by partition.
    pub fn topic(&self, topic: TopicId) -> impl Iterator<Item = &LogRecord<M>> {
        self.parts[topic.0 as usize].iter().flatten()
    }

    /// The dead-letter log of a topic.
    pub fn dead_letters(&self, topic: TopicId) -> &[LogRecord<M>] {
        &self.dead[topic.0 as usize]
    }

    /// Lengths of every log, to restore later with [`Logs::truncate`].
    pub fn lengths(&self) -> Vec<usize> {
        self.parts
            .iter()
            .flatten()
            .map(|p| p.len())
            .chain(self.dead.iter().map(|d| d.len()))
            .collect()
    }

    /// Cuts every log back to lengths taken earlier.
    pub fn truncate(&mut self, lens: &[usize]) {
        let mut it = lens.iter();
        for p in self.parts.iter_mut().flatten() {
            p.truncate(*it.next().unwrap_or(&0));
        }
        for d in self.dead.iter_mut() {
            d.truncate(*it.next().unwrap_or(&0));
        }
    }

    pub(crate) fn append(&mut self, topic: TopicId, partition: u16, rec: LogRecord<M>) {
        self.parts[topic.0 as usize][partition as usize].push(rec);
    }

    pub(crate) fn append_dead(&mut self, topic: TopicId, rec: LogRecord<M>) {
        self.dead[topic.0 as usize].push(rec);
    }
}

/// A group's cursor on one partition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Next offset to process (everything before it is committed).
    pub committed: u64,
    /// Offset delivered and not yet acked.
    pub pending: Option<u64>,
    /// Waiting for a retry backoff to pass.
    pub backing_off: bool,
    /// Deliveries of the current offset so far.
    pub deliveries: u32,
    /// Failed attempts of the current offset so far.
    pub failures: u32,
    /// Bumped whenever a timeout or retry scheduled earlier becomes void.
    pub gen: u64,
}

/// A consumer group's live state.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupState {
    /// Static facts.
    pub topic: TopicId,
    /// Service that processes records.
    pub node: NodeId,
    /// Current delivery semantics.
    pub delivery: Delivery,
    /// One cursor per partition.
    pub cursors: Vec<Cursor>,
    /// Paused by its consumer (Kafka's `pause()`): nothing is delivered
    /// until it is resumed.
    pub paused: bool,
}

fn mix(key: u64) -> u64 {
    let mut z = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The partition a key maps to.
pub fn partition_for(key: u64, partitions: u16) -> u16 {
    (mix(key) % partitions.max(1) as u64) as u16
}
