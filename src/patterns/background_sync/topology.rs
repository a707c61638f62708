//! Who is in the sync and how they are wired: the source, the job and
//! the warehouse (ids in the order of the topology's nodes), the accounts,
//! and the drawing's layout.

use super::*;

/// The source store (customer accounts, edited by the workload).
pub const SOURCE: NodeId = NodeId(0);

/// The scheduled sync job.
pub const JOB: NodeId = NodeId(1);

/// The replica (a reporting warehouse).
pub const WAREHOUSE: NodeId = NodeId(2);

/// Number of accounts, numbered 1 to 12.
pub const ACCOUNTS: u16 = 12;

/// Balance every account starts with, on both sides.
pub const OPENING_BALANCE: i64 = 100;

impl BackgroundSync {
    pub(super) fn sync_topology(&self) -> Topology {
        Topology {
            nodes: vec![
                NodeSpec {
                    name: "Source",
                    role: NodeRole::Service,
                    x: 150.0,
                    y: 300.0,
                    crashable: true,
                },
                NodeSpec {
                    name: "Sync job",
                    role: NodeRole::Job,
                    x: 500.0,
                    y: 180.0,
                    crashable: true,
                },
                NodeSpec {
                    name: "Warehouse",
                    role: NodeRole::Store,
                    x: 850.0,
                    y: 300.0,
                    crashable: true,
                },
            ],
            edges: vec![(SOURCE, JOB), (JOB, WAREHOUSE)],
            broker: None,
            topics: vec![],
            groups: vec![],
            link: LinkSettings::default(),
        }
    }
}
