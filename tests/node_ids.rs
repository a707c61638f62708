//! Each pattern names its services by hand-numbered ids that must follow
//! the order of its topology's nodes (a link, a scene file and the canvas
//! all number services that way): every id here names the node the code
//! means, so reordering the nodes without renumbering fails.

use converge::patterns::{background_sync as bs, cqrs, event_driven as ed, saga, Pattern};
use converge::sim::NodeId;

fn named(p: Pattern, ids: &[(NodeId, &str)]) {
    let topology = p.start(1).topology();
    let nodes = &topology.nodes;
    for (id, name) in ids {
        let node = nodes.get(id.0 as usize);
        assert_eq!(
            node.map(|n| n.name),
            Some(*name),
            "{}: node {}",
            p.slug(),
            id.0
        );
    }
    assert_eq!(nodes.len(), ids.len(), "{}: every node has an id", p.slug());
}

#[test]
fn every_service_id_names_its_node() {
    named(
        Pattern::EventDriven,
        &[
            (ed::METER, "Meter"),
            (ed::BROKER, "Broker"),
            (ed::BILLING, "Billing"),
            (ed::LOAD_BALANCER, "Load balancer"),
            (ed::ANALYTICS, "Analytics"),
        ],
    );
    named(
        Pattern::BackgroundSync,
        &[
            (bs::SOURCE, "Source"),
            (bs::JOB, "Sync job"),
            (bs::WAREHOUSE, "Warehouse"),
        ],
    );
    named(
        Pattern::Saga,
        &[
            (saga::CUSTOMERS, "Customers"),
            (saga::ORDER, "Order"),
            (saga::ORCHESTRATOR, "Orchestrator"),
            (saga::BROKER, "Broker"),
            (saga::PAYMENT, "Payment"),
            (saga::INVENTORY, "Inventory"),
            (saga::SHIPPING, "Shipping"),
            (saga::REPORTS, "Reports"),
        ],
    );
    named(
        Pattern::Cqrs,
        &[
            (cqrs::CLIENT, "Client"),
            (cqrs::COMMANDS, "Commands"),
            (cqrs::BROKER, "Broker"),
            (cqrs::BALANCES, "Balances"),
            (cqrs::LEADERBOARD, "Leaderboard"),
            (cqrs::QUERIES, "Queries"),
        ],
    );
}
