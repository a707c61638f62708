//! The saga lesson: placing an order across four services.

use super::*;
use crate::patterns::saga::{ORCHESTRATOR, ORDER};

const ENDS: &str = "every saga ends COMPLETED or COMPENSATED";
const MONEY: &str = "money is conserved";
const TWICE: &str = "no step runs twice for one saga";

/// No customers and no random failures: the step decides every outcome.
fn calm() -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("workload", false)),
        at(0, set("declined", 0)),
        at(0, set("out_of_stock", 0)),
        at(0, set("no_courier", 0)),
        at(0, set("compensation_fail", 0)),
    ]
}

fn with(mut base: Vec<ScriptEntry>, more: Vec<ScriptEntry>) -> Vec<ScriptEntry> {
    base.extend(more);
    base
}

fn duplicated_replies(idempotent: bool) -> Vec<ScriptEntry> {
    with(
        calm(),
        vec![
            at(0, toggle("idempotent", idempotent)),
            at(0, link(ORDER, ORCHESTRATOR, 100, 100, 0, 1_000)),
            at(0, action("place_order")),
        ],
    )
}

fn duplicate_choices() -> Vec<Choice> {
    vec![
        choice(
            "The customer is charged twice for one order",
            Judge::CheckViolated(MONEY),
        ),
        choice(
            "Nothing happens twice: the repeated reply is recognised and ignored",
            Judge::All(vec![
                Judge::CheckHolds(MONEY),
                Judge::CheckHolds(TWICE),
                Judge::Logged("duplicate reply for saga #1"),
            ]),
        ),
    ]
}

fn dirty_read_choices() -> Vec<Choice> {
    let dirty = || Metric::Cell {
        table: "Reports",
        row: "dirty reads",
        column: "value",
    };
    vec![
        choice(
            "Only orders whose saga has finished",
            Judge::Compare {
                left: dirty(),
                op: Op::Eq,
                right: Metric::Value(0.0),
            },
        ),
        choice(
            "Sometimes orders whose saga is still running, which may still be cancelled",
            Judge::Compare {
                left: dirty(),
                op: Op::Gt,
                right: Metric::Value(0.0),
            },
        ),
    ]
}

/// Long-lived transactions, compensations, idempotency and semantic locks.
pub(super) fn lesson() -> Lesson {
    Lesson {
        pattern: Pattern::Saga,
        title: "An order as a saga",
        seed: 1,
        steps: vec![
            Step {
                title: "A transaction made of local steps",
                body: "Placing an order touches four services, each with its own database: Order, Payment, Inventory and \
                       Shipping. No transaction spans them. Instead a saga runs one local step after another, and each step \
                       commits on its own: create the order, charge the card, reserve stock, book a courier, hand the goods \
                       over, approve the order.\n\n\
                       The Orchestrator drives the steps and writes each one in its durable saga log. One order is placed at \
                       0 s and nothing fails.",
                watch: "The Orchestrator's messages going out to one service after another, and the saga table filling in step by step.",
                setup: with(calm(), vec![at(0, action("place_order"))]),
                run_for: 8_000,
                seed: None,
                predict: None,
            },
            Step {
                title: "A step fails: compensate",
                body: "A saga cannot roll back: the card was really charged in Payment's database. When a later step fails, \
                       the saga runs compensations, new local steps that undo the effect of earlier ones. Here the item is out \
                       of stock, so step 3 (reserve stock) fails after the card has been charged.",
                watch: "The red failure at Inventory, then the messages that flow back to Payment and Order.",
                setup: with(calm(), vec![at(0, set("out_of_stock", 100)), at(0, action("place_order"))]),
                run_for: 10_000,
                seed: Some(2),
                predict: Some(Prediction {
                    question: "Stock runs out after the card was charged. What happens to the customer's money?",
                    choices: vec![
                        choice(
                            "The customer stays charged: Payment's commit cannot be undone by another service",
                            Judge::CheckViolated(MONEY),
                        ),
                        choice(
                            "Payment refunds the charge, then Order cancels the order",
                            Judge::All(vec![
                                Judge::LoggedInOrder(vec!["saga #1: refunded", "order #1: CANCELLED"]),
                                Judge::CheckHolds(ENDS),
                                Judge::CheckHolds(MONEY),
                            ]),
                        ),
                        choice("The order is approved anyway and shipped when stock arrives", Judge::Logged("order #1: APPROVED")),
                    ],
                    explain: "Each compensation is an ordinary local transaction in its own service (a refund is a new payment \
                              record, not an erased one). For a while the system was inconsistent: the card was charged for an \
                              order that could not be filled. The saga makes it consistent again, eventually, and ends COMPENSATED.",
                    expect: 1,
                }),
            },
            Step {
                title: "Undo in reverse order",
                body: "This time the first three steps succeed and step 4 fails: no courier is free. Three steps have to be \
                       undone: the stock reservation, the payment and the order.",
                watch: "The event log: the order in which “released”, “refunded” and “CANCELLED” appear.",
                setup: with(calm(), vec![at(0, set("no_courier", 100)), at(0, action("place_order"))]),
                run_for: 10_000,
                seed: Some(3),
                predict: Some(Prediction {
                    question: "In which order does the saga undo the three earlier steps?",
                    choices: vec![
                        choice(
                            "Newest first: release the stock, refund, cancel the order",
                            Judge::LoggedInOrder(vec!["saga #1: released", "saga #1: refunded", "order #1: CANCELLED"]),
                        ),
                        choice(
                            "Oldest first: cancel the order, refund, release the stock",
                            Judge::LoggedInOrder(vec!["order #1: CANCELLED", "saga #1: refunded", "saga #1: released"]),
                        ),
                        choice(
                            "Only the failed booking is undone; the order is still approved",
                            Judge::Logged("order #1: APPROVED"),
                        ),
                    ],
                    explain: "Compensations run in reverse, like unwinding a stack: each one undoes a step whose own effects no \
                              later step depends on any more. A failed compensation is retried until it succeeds, so \
                              compensations must be safe to repeat.",
                    expect: 0,
                }),
            },
            Step {
                title: "A reply arrives twice",
                body: "Messages between the services can be duplicated. Here every message from Order to the Orchestrator \
                       arrives twice, and idempotency keys are off: the Orchestrator treats every reply it receives as news.",
                watch: "Duplicated tokens from Order, the Payment table, and the checks “money is conserved” and “no step runs twice for one saga”.",
                setup: duplicated_replies(false),
                run_for: 10_000,
                seed: Some(5),
                predict: Some(Prediction {
                    question: "Order's reply “order created” reaches the Orchestrator twice. What happens?",
                    choices: duplicate_choices(),
                    explain: "Each copy of the reply moves the saga forward, so the next step, the payment, is started twice and \
                              the card is charged twice. In a saga every request and reply can be repeated (by the network, or \
                              by the orchestrator retrying after a timeout), so every step must be idempotent.",
                    expect: 0,
                }),
            },
            Step {
                title: "Idempotency keys",
                body: "With idempotency keys on, every request and reply carries the saga id and the step. The Orchestrator \
                       ignores a reply for a step it has already moved past, and each service answers a repeated request from \
                       its idempotency table instead of doing the work again. Same duplicating link.",
                watch: "Log lines saying a duplicate was ignored, and the Payment table.",
                setup: duplicated_replies(true),
                run_for: 10_000,
                seed: Some(5),
                predict: Some(Prediction {
                    question: "The same reply arrives twice. What happens now?",
                    choices: duplicate_choices(),
                    explain: "Saga id + step names one piece of work exactly, so a repeat can be recognised wherever it shows up. \
                              With that, retries become safe, and retries are what let a saga finish despite lost and late messages.",
                    expect: 1,
                }),
            },
            Step {
                title: "The orchestrator crashes",
                body: "A saga can take seconds, minutes or days, far longer than a database transaction, so its coordinator \
                       must survive crashes. Here the Orchestrator crashes at 0.7 s, while order #1 is half way through, and \
                       restarts at 3 s.",
                watch: "The Orchestrator turning grey, then its note when it comes back, and the saga table.",
                setup: with(
                    calm(),
                    vec![at(0, action("place_order")), at(700, crash(ORCHESTRATOR)), at(3_000, restart(ORCHESTRATOR))],
                ),
                run_for: 12_000,
                seed: Some(4),
                predict: Some(Prediction {
                    question: "What happens to order #1 after the Orchestrator restarts?",
                    choices: vec![
                        choice(
                            "It resumes from its saga log and the order completes, charged once",
                            Judge::All(vec![
                                Judge::Logged("resuming saga #1 at step"),
                                Judge::Logged("order #1: APPROVED"),
                                Judge::CheckHolds(MONEY),
                            ]),
                        ),
                        choice(
                            "It starts the saga over and charges the card a second time",
                            Judge::CheckViolated(TWICE),
                        ),
                        choice("The saga is forgotten and stays half done", Judge::Not(Box::new(Judge::CheckHolds(ENDS)))),
                    ],
                    explain: "The saga log is durable: it records which step each saga has reached. After the restart the \
                              Orchestrator reads it and asks for the current step again. That request may repeat one the service \
                              already did, which idempotency keys make harmless.",
                    expect: 0,
                }),
            },
            Step {
                title: "Reading half-done work",
                body: "A saga has no isolation: each step's commit is visible at once. Customers now place an order every 2 s, \
                       some of which fail and are compensated, and Reports reads the sales report from the Order service \
                       every few seconds.",
                watch: "The Reports table: “dirty reads” and “dirty orders later cancelled”.",
                setup: vec![at(0, toggle("semantic_lock", false))],
                run_for: 30_000,
                seed: Some(10),
                predict: Some(Prediction {
                    question: "Which orders does the sales report count?",
                    choices: dirty_read_choices(),
                    explain: "An order exists in the Order service from step 1, long before the saga knows whether it will be \
                              approved. A report that reads it then counts revenue that may be refunded a second later: a dirty \
                              read, the price of giving up a global transaction.",
                    expect: 1,
                }),
            },
            Step {
                title: "A semantic lock",
                body: "A semantic lock is a flag in the data itself: while its saga runs, an order is marked PENDING, and \
                       readers that care (the sales report) skip pending orders. The saga clears the flag when it ends. Same \
                       orders and same reports, with the lock on.",
                watch: "Orders showing PENDING in the Order table, and “dirty reads” in the Reports table.",
                setup: vec![at(0, toggle("semantic_lock", true))],
                run_for: 30_000,
                seed: Some(10),
                predict: Some(Prediction {
                    question: "With the semantic lock, which orders does the report count?",
                    choices: dirty_read_choices(),
                    explain: "The lock does not block anyone; it tells readers the value is not final yet. The report is a little \
                              behind (pending orders appear once their saga ends) but it never counts an order that is later \
                              cancelled.",
                    expect: 0,
                }),
            },
        ],
    }
}
