//! What travels on a link: an application message, or broker traffic.

use super::types::{GroupId, TopicId};
use serde::Serialize;

/// A message on the wire. `M` is the scenario's own message type.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Wire<M> {
    /// Service-to-service message.
    App(M),
    /// A producer asks the broker to append a record.
    Publish {
        /// Topic to append to.
        topic: TopicId,
        /// Partitioning key; `None` picks a partition at random.
        key: Option<u64>,
        /// When `Some`, the broker confirms with [`Wire::PublishAck`] carrying this token.
        confirm: Option<u64>,
        /// The record's value.
        payload: M,
    },
    /// The broker confirms an append to its producer.
    PublishAck {
        /// The token the producer gave.
        token: u64,
        /// Offset the record got.
        offset: u64,
    },
    /// The broker hands a record to a consumer group's service.
    Deliver {
        /// Consumer group.
        group: GroupId,
        /// Topic.
        topic: TopicId,
        /// Partition.
        partition: u16,
        /// Offset of the record.
        offset: u64,
        /// 1 for the first delivery, 2 for the first redelivery, …
        attempt: u32,
        /// Partitioning key of the record.
        key: Option<u64>,
        /// The record's value.
        payload: M,
    },
    /// A consumer tells the broker how processing went.
    Ack {
        /// Consumer group.
        group: GroupId,
        /// Partition.
        partition: u16,
        /// Offset processed.
        offset: u64,
        /// False when the handler failed.
        ok: bool,
    },
}

/// The broad kind of a message, for colour-coding and legends.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WireKind {
    /// Service-to-service.
    App,
    /// Producer to broker.
    Publish,
    /// Broker to consumer.
    Deliver,
    /// Acks and publish confirmations.
    Ack,
}

impl WireKind {
    /// A stable lowercase name (used as a CSS class).
    pub fn name(self) -> &'static str {
        match self {
            WireKind::App => "app",
            WireKind::Publish => "publish",
            WireKind::Deliver => "deliver",
            WireKind::Ack => "ack",
        }
    }
}

impl<M> Wire<M> {
    /// The broad kind of this message.
    pub fn kind(&self) -> WireKind {
        match self {
            Wire::App(_) => WireKind::App,
            Wire::Publish { .. } => WireKind::Publish,
            Wire::Deliver { .. } => WireKind::Deliver,
            Wire::Ack { .. } | Wire::PublishAck { .. } => WireKind::Ack,
        }
    }

    /// The same message without its payload (for words that do not need
    /// the scenario's type).
    pub fn shape(&self) -> Wire<()> {
        match *self {
            Wire::App(_) => Wire::App(()),
            Wire::Publish {
                topic,
                key,
                confirm,
                ..
            } => Wire::Publish {
                topic,
                key,
                confirm,
                payload: (),
            },
            Wire::PublishAck { token, offset } => Wire::PublishAck { token, offset },
            Wire::Deliver {
                group,
                topic,
                partition,
                offset,
                attempt,
                key,
                ..
            } => Wire::Deliver {
                group,
                topic,
                partition,
                offset,
                attempt,
                key,
                payload: (),
            },
            Wire::Ack {
                group,
                partition,
                offset,
                ok,
            } => Wire::Ack {
                group,
                partition,
                offset,
                ok,
            },
        }
    }

    /// The scenario payload, if this message carries one.
    pub fn payload(&self) -> Option<&M> {
        match self {
            Wire::App(m) | Wire::Publish { payload: m, .. } | Wire::Deliver { payload: m, .. } => {
                Some(m)
            }
            _ => None,
        }
    }
}
