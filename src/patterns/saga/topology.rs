//! Who is in the saga: the services' ids (in the order of the nodes in
//! `layout`), the broker's topic and consumer groups, and the goods. Only
//! plain values: the message types read them too.

use crate::sim::{GroupId, NodeId, Time, TopicId};

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
