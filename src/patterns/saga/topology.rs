//! Who is in the saga and how they are wired: the services' ids (in the
//! order of [`Saga::saga_topology`]'s nodes), the broker's topic and
//! consumer groups, the goods, and the drawing's layout.

use super::*;

/// Customers placing orders (a simulated client).
pub const CUSTOMERS: NodeId = NodeId(0);
/// The Order service: orders and their state.
pub const ORDER: NodeId = NodeId(1);
/// The saga orchestrator, with its durable saga log.
pub const ORCHESTRATOR: NodeId = NodeId(2);
/// The broker that carries the choreographed style's events.
pub const BROKER: NodeId = NodeId(3);
/// The Payment service: charges and refunds.
pub const PAYMENT: NodeId = NodeId(4);
/// The Inventory service: stock and reservations.
pub const INVENTORY: NodeId = NodeId(5);
/// The Shipping service: courier bookings.
pub const SHIPPING: NodeId = NodeId(6);
/// A reporting client that reads the sales report from the Order service.
pub const REPORTS: NodeId = NodeId(7);

/// The topic the choreographed style's events travel on.
pub const ORDER_EVENTS: TopicId = TopicId(0);
/// Consumer groups, one per service, in the order the topology lists them.
pub const GROUPS: [(GroupId, NodeId); 4] = [
    (GroupId(0), ORDER),
    (GroupId(1), PAYMENT),
    (GroupId(2), INVENTORY),
    (GroupId(3), SHIPPING),
];

/// Items on sale: name, unit price in dollars, initial stock.
pub const ITEMS: [(&str, u64, u64); 3] =
    [("widget", 20, 60), ("gadget", 35, 40), ("gizmo", 50, 25)];

/// How long the orchestrator (or a service) waits before retrying a
/// compensation that failed.
pub const COMPENSATION_RETRY: Time = 400;
/// Stock below which the warehouse receives a restock.
pub const RESTOCK_BELOW: u64 = 5;
/// Units a restock adds.
pub const RESTOCK: u64 = 30;

impl Saga {
    pub(super) fn saga_topology(&self) -> Topology {
        let node = NodeSpec::new;
        Topology {
            nodes: vec![
                node("Customers", NodeRole::Client, 80.0, 200.0, false),
                node("Order", NodeRole::Service, 290.0, 300.0, true),
                node("Orchestrator", NodeRole::Job, 540.0, 110.0, true),
                node("Broker", NodeRole::Broker, 540.0, 490.0, true),
                node("Payment", NodeRole::Service, 880.0, 110.0, true),
                node("Inventory", NodeRole::Service, 880.0, 300.0, true),
                node("Shipping", NodeRole::Service, 880.0, 490.0, true),
                node("Reports", NodeRole::Client, 80.0, 420.0, false),
            ],
            edges: vec![
                (CUSTOMERS, ORCHESTRATOR),
                (CUSTOMERS, ORDER),
                (REPORTS, ORDER),
                (ORCHESTRATOR, ORDER),
                (ORCHESTRATOR, PAYMENT),
                (ORCHESTRATOR, INVENTORY),
                (ORCHESTRATOR, SHIPPING),
                (ORDER, BROKER),
                (BROKER, PAYMENT),
                (BROKER, INVENTORY),
                (BROKER, SHIPPING),
            ],
            broker: Some(BROKER),
            topics: vec![TopicSpec {
                name: "order-events",
                partitions: 3,
            }],
            groups: vec![
                group("order", ORDER_EVENTS, ORDER, Delivery::AtLeastOnce),
                group("payment", ORDER_EVENTS, PAYMENT, Delivery::AtLeastOnce),
                group("inventory", ORDER_EVENTS, INVENTORY, Delivery::AtLeastOnce),
                group("shipping", ORDER_EVENTS, SHIPPING, Delivery::AtLeastOnce),
            ],
            link: LinkSettings {
                latency: 100,
                jitter: 100,
                drop_permille: 0,
                dup_permille: 0,
            },
        }
    }
}
