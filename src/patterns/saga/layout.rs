//! How the saga is drawn and wired: the nodes on the canvas, the links
//! between them, the broker's topic and groups.

use super::*;

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
