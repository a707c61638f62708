//! The CQRS lesson: a write model, an event log and read models.

use super::*;
use crate::patterns::cqrs::{BALANCES, BROKER, COMMANDS};

const BALANCES_OK: &str = "balances view equals the fold of the event log";

const READS: &str = "Client: reads after its own writes";

fn read_after_deposit(ryw: bool) -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("workload", false)),
        at(0, toggle("read_your_writes", ryw)),
        at(0, action("deposit")),
    ]
}

fn reads(row: &'static str) -> Metric {
    Metric::Cell {
        table: READS,
        row,
        column: "count",
    }
}

fn count_is(row: &'static str, op: Op, n: f64) -> Judge {
    Judge::Compare {
        left: reads(row),
        op,
        right: Metric::Value(n),
    }
}

fn read_choices() -> Vec<Choice> {
    const STALE: &str = "stale reads (own write missing)";
    vec![
        choice(
            "The old balance: the balances view has not applied the deposit yet",
            count_is(STALE, Op::Eq, 1.0),
        ),
        choice(
            "The new balance, after the query waits for the view to catch up with the deposit",
            Judge::All(vec![
                count_is("fresh reads", Op::Eq, 1.0),
                Judge::Logged("the read waits"),
            ]),
        ),
        choice(
            "The new balance, read at once: the view is updated together with the write model",
            Judge::All(vec![
                count_is("fresh reads", Op::Eq, 1.0),
                Judge::Not(Box::new(Judge::Logged("the read waits"))),
            ]),
        ),
    ]
}

fn duplicated_events(idempotent: bool) -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("workload", false)),
        at(0, toggle("idempotent_projection", idempotent)),
        at(0, link(COMMANDS, BROKER, 100, 100, 0, 1_000)),
        at(0, action("deposit")),
        at(1_000, action("deposit")),
        at(1_500, action("deposit")),
    ]
}

fn duplicate_choices() -> Vec<Choice> {
    vec![
        choice(
            "The balances view counts those deposits twice and no longer matches the log",
            Judge::CheckViolated(BALANCES_OK),
        ),
        choice(
            "The balances view skips the copies and matches the log",
            Judge::All(vec![
                Judge::CheckHolds(BALANCES_OK),
                Judge::Logged("already applied, skipped"),
            ]),
        ),
    ]
}

/// Separate models, read-model lag, read-your-writes, checkpoints, replays.
pub(super) fn lesson() -> Lesson {
    Lesson {
        pattern: Pattern::Cqrs,
        title: "Writing to one model, reading from another",
        seed: 1,
        steps: vec![
            Step {
                title: "Two models instead of one",
                body: "CQRS splits a service in two. Commands (deposit, withdraw) go to the write model, which checks them \
                       against the account and stores each accepted change as a numbered event in an event log on the Broker. \
                       Queries never touch the write model: they are answered from read models that projectors build by \
                       reading the log, here a balances view and a leaderboard.\n\n\
                       Each side can be shaped and scaled for its own job. The cost: the read side is always a little behind.",
                watch: "The version numbers in the boxes: Commands shows the write model's version, Balances and Leaderboard show theirs and how far behind they are.",
                setup: vec![],
                run_for: 10_000,
                seed: None,
                predict: None,
            },
            Step {
                title: "Reading your own write",
                body: "The client deposits into an account and, right away, reads the account's balance back to show it. The \
                       command is accepted at once; the projector applies events in batches after a 1 s delay.",
                watch: "The Client table “what it shows” and the count of stale reads.",
                setup: read_after_deposit(false),
                run_for: 6_000,
                seed: None,
                predict: Some(Prediction {
                    question: "What balance does the client see right after its deposit?",
                    choices: read_choices(),
                    explain: "The write model said yes and returned version 1, but the query went to the balances view, which was \
                              still at version 0. The client saw its own deposit vanish. Nothing is broken, the view catches up a \
                              second later, but to a user it looks like lost money. This is read-model lag.",
                    expect: 0,
                }),
            },
            Step {
                title: "Read-your-writes",
                body: "With read-your-writes on, the command returns the version of the change, and the client sends that \
                       version with its query. A read model that is behind it makes the query wait (and after a while, the \
                       write model answers instead). Same deposit, same read.",
                watch: "The Queries box holding the read, and the log line saying the view is behind and the read waits.",
                setup: read_after_deposit(true),
                run_for: 6_000,
                seed: None,
                predict: Some(Prediction {
                    question: "With read-your-writes, what balance does the client see?",
                    choices: read_choices(),
                    explain: "The version is a watermark: “show me the world at least as new as my write”. Only the client that \
                              wrote has to wait, and only until the view catches up. Other readers still get fast, slightly stale \
                              answers.",
                    expect: 1,
                }),
            },
            Step {
                title: "A projector crashes",
                body: "Projectors are consumers of the event log. Each one commits its position (an offset) in the log as it \
                       goes: a checkpoint. Here the balances projector crashes at 10 s and restarts at 14 s, while the client \
                       keeps writing. Commands stop at 20 s.",
                watch: "The Balances box going grey, the Broker's partition row for the balances group, and the log line when Balances resumes.",
                setup: vec![
                    at(10_000, crash(BALANCES)),
                    at(14_000, restart(BALANCES)),
                    at(20_000, toggle("workload", false)),
                ],
                run_for: 40_000,
                seed: Some(3),
                predict: Some(Prediction {
                    question: "Where does the balances projector continue after its restart?",
                    choices: vec![
                        choice(
                            "From its checkpoint, and it catches up with the log",
                            Judge::All(vec![
                                Judge::Logged("from its checkpoint"),
                                Judge::Not(Box::new(Judge::Logged("resumes at v0 "))),
                                Judge::CheckHolds(BALANCES_OK),
                            ]),
                        ),
                        choice("From the start of the log: it replays every event", Judge::Logged("resumes at v0 ")),
                        choice(
                            "The events it missed while down are lost; the view stays wrong",
                            Judge::CheckViolated(BALANCES_OK),
                        ),
                    ],
                    explain: "The log keeps every event, and the projector's committed offset survived the crash. It resumes just \
                              after the last event it committed and catches up. The events in between were waiting in the log, not \
                              lost: a read model is a cache of the log that can always be brought up to date.",
                    expect: 0,
                }),
            },
            Step {
                title: "An event twice in the log",
                body: "The write model publishes each event until the Broker confirms it. Here the link to the Broker \
                       duplicates everything, so each of three deposits is appended to the log twice, and the projectors \
                       apply whatever they read: the idempotent projection is off.",
                watch: "The Broker's partition length, and the Balances table against the write model's.",
                setup: duplicated_events(false),
                run_for: 30_000,
                seed: Some(5),
                predict: Some(Prediction {
                    question: "Each deposit event is in the log twice. What does the balances view show?",
                    choices: duplicate_choices(),
                    explain: "A projector that adds every event it reads turns a repeated event into a repeated deposit. \
                              The write model is right and the log has every event; only the read model is wrong.",
                    expect: 0,
                }),
            },
            Step {
                title: "An idempotent projection",
                body: "Every event carries the account's version number. An idempotent projector remembers the versions it has \
                       applied and skips any event at or below them. Same duplicated events.",
                watch: "Log lines saying an event was “already applied, skipped”.",
                setup: duplicated_events(true),
                run_for: 30_000,
                seed: Some(5),
                predict: Some(Prediction {
                    question: "With the idempotent projection, what does the balances view show?",
                    choices: duplicate_choices(),
                    explain: "Version numbers make each event recognisable, so applying it a second time changes nothing. The same \
                              property makes replays safe: after a crash between applying and committing, the projector can \
                              read a few events again without harm.",
                    expect: 1,
                }),
            },
            Step {
                title: "Rebuild a read model from the log",
                body: "Because the event log is the source of truth, any read model can be thrown away and rebuilt: clear it and \
                       replay the log from offset 0. That is how you fix a projection bug or add a new view. Commands stop at \
                       20 s; at 30 s the balances view is rebuilt.",
                watch: "The Balances box dropping to v0 at 30 s and counting back up, and the meter showing it stale until it catches up.",
                setup: vec![at(20_000, toggle("workload", false)), at(30_000, action("rebuild"))],
                run_for: 60_000,
                seed: Some(4),
                predict: None,
            },
        ],
    }
}
