//! Every word and table shown to people: message labels, the state
//! tables, the services' one-line summaries.

use super::*;

impl Cqrs {
    pub(super) fn projection_table(&self, node: NodeId, fold: &LogFold) -> Table {
        let p = self.projection(node);
        let mut accounts: Vec<u8> = (1..=ACCOUNTS).collect();
        let leaderboard = node == LEADERBOARD;
        if leaderboard {
            crate::sim::sort::sort_by_key(&mut accounts, |a| {
                (std::cmp::Reverse(p.balance(*a)), *a)
            });
        }
        let rows = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (bal, ev) = p
                    .balances
                    .get(a)
                    .copied()
                    .unwrap_or((OPENING_BALANCE, None));
                let mut cells = vec![
                    Cell::new(format!("account {a}")).num(f64::from(*a)),
                    Cell::value(format!("${bal}"), bal != fold.balance(*a), ev).num(bal as f64),
                ];
                if leaderboard {
                    cells.insert(0, Cell::new(format!("#{}", i + 1)).num((i + 1) as f64));
                }
                Row {
                    key: a.to_string(),
                    cells,
                }
            })
            .collect();
        let behind = self.write.version.saturating_sub(p.watermark);
        Table {
            id: if leaderboard {
                "leaderboard"
            } else {
                "balances"
            },
            title: format!(
                "{} (v{}, {behind} behind the write model)",
                view_name(node),
                p.watermark
            ),
            node,
            columns: if leaderboard {
                vec!["rank", "account", "balance"]
            } else {
                vec!["account", "balance"]
            },
            rows,
        }
    }

    pub(super) fn describe_msg(&self, msg: &AnyMsg) -> String {
        let Some(msg) = Msg::from_any(msg) else {
            return String::new();
        };
        match msg {
            Msg::Deposit {
                cmd,
                account,
                amount,
            } => format!("command #{cmd}: deposit ${amount} into account {account}"),
            Msg::Withdraw {
                cmd,
                account,
                amount,
            } => format!("command #{cmd}: withdraw ${amount} from account {account}"),
            Msg::Accepted {
                cmd,
                version,
                balance,
                ..
            } => format!("command #{cmd} accepted: v{version}, balance ${balance}"),
            Msg::Rejected { cmd, reason, .. } => format!("command #{cmd} rejected: {reason}"),
            Msg::Event(e) => {
                let verb = if e.delta >= 0 {
                    "deposited"
                } else {
                    "withdrew"
                };
                format!(
                    "v{}: account {} {verb} ${}",
                    e.version,
                    e.account,
                    e.delta.abs()
                )
            }
            Msg::Poison { id } => format!("poison record #{id}"),
            Msg::Query {
                qid,
                account,
                min_version,
            }
            | Msg::Read {
                qid,
                account,
                min_version,
            } => match min_version {
                Some(v) => format!("query #{qid}: balance of account {account}, at least v{v}"),
                None => format!("query #{qid}: balance of account {account}"),
            },
            Msg::Answer {
                qid,
                account,
                balance,
                version,
                source,
            } => {
                let from = match source {
                    Source::ReadModel => "read model",
                    Source::WriteModel => "write model",
                };
                format!("answer #{qid}: account {account} = ${balance} ({from} v{version})")
            }
        }
    }

    pub(super) fn state_tables(&self, env: &Env<'_, AnyMsg>) -> Vec<Table> {
        self.with_fold(env, |fold| {
            let w = &self.write;
            let accounts = w
                .accounts
                .iter()
                .map(|(a, acc)| Row {
                    key: a.to_string(),
                    cells: vec![
                        Cell::new(format!("account {a}")).num(f64::from(*a)),
                        Cell::value(format!("${}", acc.balance), false, acc.event)
                            .num(acc.balance as f64),
                        Cell::value(format!("v{}", acc.version), false, acc.event)
                            .num(acc.version as f64),
                    ],
                })
                .collect();
            let c = &self.client;
            let shown = (1..=ACCOUNTS)
                .filter_map(|a| c.shown.get(&a).map(|s| (a, s)))
                .map(|(a, s)| {
                    let truth = w.accounts.get(&a).map_or(OPENING_BALANCE, |x| x.balance);
                    Row {
                        key: a.to_string(),
                        cells: vec![
                            Cell::new(format!("account {a}")).num(f64::from(a)),
                            Cell::value(format!("${}", s.balance), s.balance != truth, s.event)
                                .num(s.balance as f64),
                            Cell::value(s.from.clone(), s.optimistic, s.event),
                            match c.my_writes.get(&a) {
                                Some(v) => Cell::new(format!("v{v}")).num(*v as f64),
                                None => Cell::new("—"),
                            },
                        ],
                    }
                })
                .collect();
            let kv = |k: &str, v: u64, bad: bool| Row {
                key: k.to_string(),
                cells: vec![
                    Cell::new(k),
                    Cell::value(v.to_string(), bad, None).num(v as f64),
                ],
            };
            vec![
                Table {
                    id: "write",
                    title: format!(
                        "Write model (v{}, {} awaiting the log)",
                        w.version,
                        w.outbox.len()
                    ),
                    node: COMMANDS,
                    columns: vec!["account", "balance", "last change"],
                    rows: accounts,
                },
                self.projection_table(BALANCES, fold),
                self.projection_table(LEADERBOARD, fold),
                Table {
                    id: "client-shown",
                    title: "Client: what it shows".into(),
                    node: CLIENT,
                    columns: vec!["account", "shown", "from", "own last write"],
                    rows: shown,
                },
                Table {
                    id: "client-reads",
                    title: "Client: reads after its own writes".into(),
                    node: CLIENT,
                    columns: vec!["figure", "count"],
                    rows: vec![
                        kv("fresh reads", c.fresh_reads, false),
                        kv(
                            "stale reads (own write missing)",
                            c.stale_reads,
                            c.stale_reads > 0,
                        ),
                        kv("rejected commands", c.rejected, false),
                        kv(
                            "optimistic updates taken back",
                            c.rollbacks,
                            c.rollbacks > 0,
                        ),
                    ],
                },
            ]
        })
    }

    pub(super) fn node_summary(&self, node: NodeId) -> String {
        match node {
            CLIENT => format!(
                "{} stale, {} fresh reads",
                self.client.stale_reads, self.client.fresh_reads
            ),
            COMMANDS => format!("v{}", self.write.version),
            BALANCES | LEADERBOARD => {
                let p = self.projection(node);
                if p.stopped {
                    format!("v{}, stopped (poison)", p.watermark)
                } else {
                    let behind = self.write.version.saturating_sub(p.watermark);
                    if behind == 0 {
                        format!("v{}", p.watermark)
                    } else {
                        format!("v{}, {behind} behind", p.watermark)
                    }
                }
            }
            QUERIES => format!("{} reads waiting", self.waiting.len()),
            _ => String::new(),
        }
    }
}
