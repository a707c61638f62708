//! Who is in the app and how they are wired: the services' ids (in the
//! order of the topology's nodes), the event log and the projectors'
//! groups, the accounts, and the drawing's layout.

use super::*;

/// The simulated client: issues commands, then queries.
pub const CLIENT: NodeId = NodeId(0);

/// The command side: the write model (accounts aggregate).
pub const COMMANDS: NodeId = NodeId(1);

/// The broker, whose `account-events` topic is the event log.
pub const BROKER: NodeId = NodeId(2);

/// The projector that builds the balances view.
pub const BALANCES: NodeId = NodeId(3);

/// The projector that builds the leaderboard.
pub const LEADERBOARD: NodeId = NodeId(4);

/// The query side: serves reads from the balances view.
pub const QUERIES: NodeId = NodeId(5);

/// The event log.
pub const ACCOUNT_EVENTS: TopicId = TopicId(0);

/// The balances projector's consumer group.
pub const BALANCES_GROUP: GroupId = GroupId(0);

/// The leaderboard projector's consumer group.
pub const LEADERBOARD_GROUP: GroupId = GroupId(1);

/// Number of accounts (numbered from 1).
pub const ACCOUNTS: u8 = 6;

/// Every account opens with this balance, in dollars.
pub const OPENING_BALANCE: i64 = 100;

pub(super) fn group_of(node: NodeId) -> GroupId {
    if node == LEADERBOARD {
        LEADERBOARD_GROUP
    } else {
        BALANCES_GROUP
    }
}

pub(super) fn view_name(node: NodeId) -> &'static str {
    if node == LEADERBOARD {
        "Leaderboard"
    } else {
        "Balances view"
    }
}

impl Cqrs {
    pub(super) fn cqrs_topology(&self) -> Topology {
        let node = NodeSpec::new;
        Topology {
            nodes: vec![
                node("Client", NodeRole::Client, 80.0, 300.0, false),
                node("Commands", NodeRole::Service, 300.0, 120.0, true),
                node("Broker", NodeRole::Broker, 560.0, 120.0, true),
                node("Balances", NodeRole::Store, 840.0, 220.0, true),
                node("Leaderboard", NodeRole::Store, 840.0, 470.0, true),
                node("Queries", NodeRole::Service, 440.0, 470.0, true),
            ],
            edges: vec![
                (CLIENT, COMMANDS),
                (CLIENT, QUERIES),
                (COMMANDS, BROKER),
                (BROKER, BALANCES),
                (BROKER, LEADERBOARD),
                (QUERIES, BALANCES),
                (QUERIES, COMMANDS),
            ],
            broker: Some(BROKER),
            topics: vec![TopicSpec {
                name: "account-events",
                partitions: 1,
            }],
            groups: vec![
                group("balances", ACCOUNT_EVENTS, BALANCES, Delivery::AtLeastOnce),
                group(
                    "leaderboard",
                    ACCOUNT_EVENTS,
                    LEADERBOARD,
                    Delivery::AtLeastOnce,
                ),
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
