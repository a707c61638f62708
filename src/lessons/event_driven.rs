//! The event-based lesson: the smart power grid.

use super::*;
use crate::patterns::event_driven::{ANALYTICS, BILLING, BROKER, LOAD_BALANCER, METER};
use crate::sim::StandingKind;

const BILLED_TWICE: &str = "no reading billed twice";
const BILLING_MATCHES: &str = "billing matches the meters";
const LATEST: &str = "load balancer has the latest readings";

fn bursts_over_a_jittery_link(keyed: bool) -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("keyed", keyed)),
        at(0, toggle("workload", false)),
        at(0, set("analytics_every", 500)),
        at(0, link(BROKER, LOAD_BALANCER, 100, 1_000, 0, 0)),
        at(1_000, action("burst")),
        at(1_400, action("burst")),
        at(1_800, action("burst")),
    ]
}

fn crash_between_save_and_publish(outbox: bool) -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("outbox", outbox)),
        at(0, toggle("workload", false)),
        at(0, set("analytics_every", 500)),
        at(2_000, action("reading")),
        at(2_050, crash(METER)),
        at(3_000, restart(METER)),
    ]
}

fn outbox_choices() -> Vec<Choice> {
    vec![
        choice(
            "Yes: once the Meter is back, the reading reaches Billing and the bill is right",
            Judge::CheckHolds(BILLING_MATCHES),
        ),
        choice(
            "No: no consumer ever hears of that reading, and the customer's bill stays short",
            Judge::CheckViolated(BILLING_MATCHES),
        ),
    ]
}

fn duplicate_choices() -> Vec<Choice> {
    vec![
        choice(
            "Some readings are charged twice: the check “no reading billed twice” breaks",
            Judge::CheckViolated(BILLED_TWICE),
        ),
        choice(
            "The bills stay right: every second copy is recognised and ignored",
            Judge::All(vec![
                Judge::CheckHolds(BILLED_TWICE),
                Judge::Logged("is a duplicate, ignored"),
            ]),
        ),
    ]
}

fn ordering_choices() -> Vec<Choice> {
    vec![
        choice(
            "Yes: every zone's load ends up built from each meter's latest reading",
            Judge::CheckHolds(LATEST),
        ),
        choice(
            "No: for some meter an older reading arrives last and stays as if it were the latest",
            Judge::CheckViolated(LATEST),
        ),
    ]
}

/// Events, delays, duplicates, lost events and order.
pub(super) fn lesson() -> Lesson {
    Lesson {
        pattern: Pattern::EventDriven,
        title: "Events on a power grid",
        seed: 7,
        steps: vec![
            Step {
                title: "Nobody waits for anybody",
                body: "The Meter service stores each reading and publishes it as an event on the meter-readings topic of the Broker. \
                       It does not know who listens. Billing, the Load balancer and Analytics each read the topic at their own pace \
                       and keep their own copy of what they need. That is loose coupling: a service can be slow, or down, without \
                       stopping the others.\n\n\
                       In this run Analytics crashes at 0.5 s and stays down. At 0.9 s all 24 meters report at once.",
                watch: "The Analytics box turns grey. Watch the tokens still flow from the Broker to Billing and the Load balancer.",
                setup: vec![
                    at(0, toggle("workload", false)),
                    at(500, crash(ANALYTICS)),
                    at(900, action("burst")),
                ],
                run_for: 6_000,
                seed: None,
                predict: Some(Prediction {
                    question: "At 6 s, with Analytics still down, which services have the readings of the burst?",
                    choices: vec![
                        choice(
                            "None: Billing and the Load balancer wait until Analytics is back",
                            Judge::All(vec![Judge::ViewDiverged("Billing"), Judge::ViewDiverged("Load balancer")]),
                        ),
                        choice(
                            "Billing and the Load balancer are up to date; only Analytics is behind",
                            Judge::All(vec![
                                Judge::ViewConverged("Billing"),
                                Judge::ViewConverged("Load balancer"),
                                Judge::ViewDiverged("Analytics"),
                            ]),
                        ),
                        choice(
                            "None: the Meter cannot publish while one of its consumers is down",
                            Judge::Compare { left: Metric::Counter("appended"), op: Op::Eq, right: Metric::Value(0.0) },
                        ),
                    ],
                    explain: "The Meter only talks to the Broker, and the Broker keeps the events in its log. Each consumer group has \
                              its own position (offset) in that log, so Billing and the Load balancer move on while Analytics' \
                              position stays where it was. When Analytics restarts it continues from its position and catches up.",
                    expect: 1,
                }),
            },
            Step {
                title: "The delay before consistency",
                body: "Publishing is asynchronous: the Meter has stored the readings and moved on before anyone else has them. \
                       Each event still has to be picked up from the outbox, travel to the Broker, be appended to a partition \
                       and be delivered to each consumer. Until then the consumers disagree with the Meter.\n\n\
                       Here nothing is broken. Three meters report every second, and at 1 s all 24 report at once; we \
                       stop the run 100 ms later.",
                watch: "The consistency meter: each service's row says converged or catching up (and where its missing readings are), and for how long it has been stale.",
                setup: vec![at(1_000, action("burst"))],
                run_for: 1_100,
                seed: None,
                predict: Some(Prediction {
                    question: "100 ms after the meters report, who agrees with the Meter service?",
                    choices: vec![
                        choice(
                            "Everyone: an event reaches its consumers at once",
                            Judge::All(vec![Judge::ViewConverged("Billing"), Judge::ViewConverged("Load balancer")]),
                        ),
                        choice(
                            "Billing has the readings, Analytics not yet",
                            Judge::All(vec![Judge::ViewConverged("Billing"), Judge::ViewDiverged("Analytics")]),
                        ),
                        choice(
                            "No one yet: the events are still on their way",
                            Judge::All(vec![
                                Judge::ViewDiverged("Billing"),
                                Judge::ViewDiverged("Load balancer"),
                                Judge::ViewDiverged("Analytics"),
                            ]),
                        ),
                    ],
                    explain: "Each hop costs time: the outbox relay runs every 200 ms, and each link adds about 120 ms. So for a \
                              few hundred milliseconds every consumer is behind, and Analytics, which works in batches every 4 s, \
                              stays behind for seconds. Eventual consistency means this gap always exists; the question is only \
                              how long it lasts and whether it closes.",
                    expect: 2,
                }),
            },
            Step {
                title: "A duplicate reaches Billing",
                body: "Brokers deliver at least once: after a lost acknowledgement, a timeout or a retry, the same event can \
                       arrive twice. Here the link from the Broker to Billing duplicates every message, and Billing adds up \
                       whatever it receives: it does not remember which readings it has already charged.",
                watch: "Tokens marked as copies on the Broker → Billing link, and the check “no reading billed twice”.",
                setup: vec![at(0, toggle("idempotent", false)), at(0, link(BROKER, BILLING, 120, 60, 0, 1_000))],
                run_for: 5_000,
                seed: None,
                predict: Some(Prediction {
                    question: "If Billing receives every reading twice, what happens to the customers' bills?",
                    choices: duplicate_choices(),
                    explain: "Billing treats the second copy as a new reading and charges it again, so the customer pays for \
                              energy they did not use. The network cannot promise exactly-once delivery; the consumer has to \
                              make a repeat harmless.",
                    expect: 0,
                }),
            },
            Step {
                title: "The idempotent consumer",
                body: "The fix is on the consumer's side: Billing stores the id of every reading it has charged, in the same \
                       transaction as the charge. A reading whose id is already there is acknowledged and ignored. Same \
                       duplicating link as before, with the idempotent consumer turned on.",
                watch: "The event log: lines saying a reading “is a duplicate, ignored”.",
                setup: vec![at(0, link(BROKER, BILLING, 120, 60, 0, 1_000))],
                run_for: 5_000,
                seed: None,
                predict: Some(Prediction {
                    question: "Now every reading still arrives twice. What happens to the bills?",
                    choices: duplicate_choices(),
                    explain: "The idempotency table turns “at least once” into “effectively once”: the copy is delivered, seen \
                              and ignored. This is why event consumers are written to be idempotent.",
                    expect: 1,
                }),
            },
            Step {
                title: "A crash between saving and publishing",
                body: "Without an outbox the Meter does a dual write: it saves the reading in its database, then publishes the \
                       event in a second, separate step. Here a reading is saved at 2 s and the Meter crashes 50 ms later, \
                       before the publish. It restarts at 3 s.",
                watch: "The Meter's table “events not yet published”, and the note the Meter writes when it restarts.",
                setup: crash_between_save_and_publish(false),
                run_for: 25_000,
                seed: Some(3),
                predict: Some(Prediction {
                    question: "Long after the restart, Billing still lacks the reading saved before the crash. What does the consistency meter call Billing?",
                    choices: vec![
                        choice(
                            "Catching up: the reading is on its way and will arrive",
                            Judge::ViewIs("Billing", StandingKind::CatchingUp),
                        ),
                        choice(
                            "Diverged: the reading is on its way nowhere, so Billing is wrong for good",
                            Judge::ViewIs("Billing", StandingKind::Diverged),
                        ),
                        choice(
                            "Converged: the reading is safe in the Meter's database",
                            Judge::ViewIs("Billing", StandingKind::Converged),
                        ),
                    ],
                    explain: "The event only lived in the Meter's memory between the two writes, and the crash wiped it. The \
                              reading is in the database, but nothing will ever publish it, so every consumer is wrong for good: \
                              not catching up (nothing is on its way) but diverged, and the meter names the crash that lost it. \
                              Two writes to two systems cannot be made atomic by doing them one after the other.",
                    expect: 1,
                }),
            },
            Step {
                title: "The transactional outbox",
                body: "With the outbox the Meter saves the reading and an outbox row in one database transaction. A relay \
                       publishes unsent rows and marks them sent when the Broker confirms. Same crash, same moment.",
                watch: "The outbox row waiting in the Meter's table, and the relay publishing it after the restart.",
                setup: crash_between_save_and_publish(true),
                run_for: 25_000,
                seed: Some(3),
                predict: Some(Prediction {
                    question: "With the outbox, does Billing ever charge for that reading?",
                    choices: outbox_choices(),
                    explain: "The outbox row is durable: it survived the crash with the reading, and the relay found it after the \
                              restart and published it. The relay may publish a row twice (if a confirmation is lost), which is \
                              fine because consumers are idempotent: outbox and idempotency work as a pair.",
                    expect: 0,
                }),
            },
            Step {
                title: "Events out of order",
                body: "The Load balancer keeps only the latest reading of each meter, so order matters to it. Here readings \
                       are spread over the topic's 4 partitions at random, and the link to the Load balancer has up to a second \
                       of jitter. All meters report three times, 400 ms apart.",
                watch: "The Load balancer's table: the “stale meters” column, and lines saying a reading “arrived after the newer reading”.",
                setup: bursts_over_a_jittery_link(false),
                run_for: 40_000,
                seed: Some(11),
                predict: Some(Prediction {
                    question: "Once everything has arrived, does the Load balancer hold each meter's latest reading?",
                    choices: ordering_choices(),
                    explain: "A broker keeps order only within a partition. Two readings of the same meter in different \
                              partitions travel independently, so the older one can arrive last and overwrite the newer one. \
                              Every event was delivered, and the view is still wrong: eventually consistent needs ordered too.",
                    expect: 1,
                }),
            },
            Step {
                title: "Keyed ordering",
                body: "With “Partition by meter id” on, the Meter publishes each reading with the meter as its key, so all \
                       readings of one meter go to the same partition, and the Load balancer's consumer reads a partition in \
                       order, one record at a time. Same bursts, same jitter.",
                watch: "The Broker's partitions: each meter's readings stay in one of them. The “stale meters” column empties.",
                setup: bursts_over_a_jittery_link(true),
                run_for: 40_000,
                seed: Some(11),
                predict: Some(Prediction {
                    question: "With keyed partitions, does the Load balancer end with each meter's latest reading?",
                    choices: ordering_choices(),
                    explain: "The jitter still delays records, but a partition hands its consumer one record at a time, in log \
                              order, so a meter's readings cannot overtake each other. Different meters may still be processed in \
                              any order, which is fine: only a single meter's order matters to the Load balancer.",
                    expect: 0,
                }),
            },
        ],
    }
}
