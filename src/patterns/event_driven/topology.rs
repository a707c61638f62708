//! Who is in the grid and how they are wired: the services' ids (in the
//! order of the topology's nodes), the topic and consumer groups, the
//! meters, zones and customers, and the drawing's layout.

use super::*;

/// The Meter service: stores readings (source of truth) and publishes them.
pub const METER: NodeId = NodeId(0);

/// The message broker.
pub const BROKER: NodeId = NodeId(1);

/// The Billing service (charges per customer).
pub const BILLING: NodeId = NodeId(2);

/// The Load balancer service (load per zone).
pub const LOAD_BALANCER: NodeId = NodeId(3);

/// The Analytics service (energy per zone, in batches).
pub const ANALYTICS: NodeId = NodeId(4);

/// The `meter-readings` topic.
pub const READINGS: TopicId = TopicId(0);

/// Billing's consumer group.
pub const BILLING_GROUP: GroupId = GroupId(0);

/// The load balancer's consumer group.
pub const LOAD_GROUP: GroupId = GroupId(1);

/// Analytics' consumer group.
pub const ANALYTICS_GROUP: GroupId = GroupId(2);

/// Number of meters, numbered 1 to 24.
pub const METERS: u16 = 24;

/// Number of grid zones, named A to D (6 meters each).
pub const ZONES: u16 = 4;

/// Number of customers, numbered 1 to 12 (2 meters each).
pub const CUSTOMERS: u16 = 12;

/// Partitions of the `meter-readings` topic.
pub const PARTITIONS: u16 = 4;

/// Every consumer group.
pub(super) const ALL_GROUPS: [GroupId; 3] = [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP];

/// The zone (0 = A) of a meter (1..=24).
pub fn zone_of(meter: u16) -> u16 {
    (meter.saturating_sub(1) / (METERS / ZONES)).min(ZONES - 1)
}

/// The customer (1..=12) who owns a meter (1..=24).
pub fn customer_of(meter: u16) -> u16 {
    meter.saturating_sub(1) / 2 + 1
}

/// A zone's letter ("A" for 0).
pub fn zone_name(zone: u16) -> char {
    (b'A' + zone as u8) as char
}

impl PowerGrid {
    pub(super) fn grid_topology(&self) -> Topology {
        let node = |name, role, x, y| NodeSpec {
            name,
            role,
            x,
            y,
            crashable: true,
        };
        Topology {
            nodes: vec![
                node("Meter", NodeRole::Service, 140.0, 300.0),
                node("Broker", NodeRole::Broker, 480.0, 300.0),
                node("Billing", NodeRole::Service, 830.0, 120.0),
                node("Load balancer", NodeRole::Service, 830.0, 300.0),
                node("Analytics", NodeRole::Service, 830.0, 480.0),
            ],
            edges: vec![
                (METER, BROKER),
                (BROKER, BILLING),
                (BROKER, LOAD_BALANCER),
                (BROKER, ANALYTICS),
            ],
            broker: Some(BROKER),
            topics: vec![TopicSpec {
                name: "meter-readings",
                partitions: PARTITIONS,
            }],
            groups: vec![
                group("billing", READINGS, BILLING, Delivery::AtLeastOnce),
                group(
                    "load-balancer",
                    READINGS,
                    LOAD_BALANCER,
                    Delivery::AtLeastOnce,
                ),
                group("analytics", READINGS, ANALYTICS, Delivery::AtLeastOnce),
            ],
            link: LinkSettings::default(),
        }
    }
}
