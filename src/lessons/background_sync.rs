//! The background sync lesson: a source database and its warehouse.

use super::*;
use crate::patterns::background_sync::{CHANGE_LOG, FULL_COPY, JOB, WAREHOUSE, WATERMARK};

const MATCHES: &str = "warehouse matches the source";
const BOUNDED: &str = "staleness stays within interval + run time";
const LOST: &str = "no update silently lost";

fn skewed(strategy: i64) -> Vec<ScriptEntry> {
    vec![
        at(0, set("strategy", strategy)),
        at(0, set("skew", -2_000)),
        at(20_000, toggle("workload", false)),
    ]
}

fn catch_up_choices() -> Vec<Choice> {
    vec![
        choice(
            "Yes: after a few more runs the warehouse holds exactly what the source holds",
            Judge::CheckHolds(MATCHES),
        ),
        choice(
            "No: some edited rows are never copied, however many runs follow",
            Judge::CheckViolated(MATCHES),
        ),
    ]
}

/// Scheduled copies, staleness, skipped rows, checkpoints and conflicts.
pub(super) fn lesson() -> Lesson {
    Lesson {
        pattern: Pattern::BackgroundSync,
        title: "A warehouse kept in sync on a schedule",
        seed: 3,
        steps: vec![
            Step {
                title: "A copy on a schedule",
                body: "Customer accounts live in the Source database, the source of truth. A reporting Warehouse keeps a copy. \
                       Nobody tells the warehouse when something changes: a Sync job wakes up every 3 s, asks the source what \
                       changed since its last run, and copies those rows over in batches of 4.\n\n\
                       Meanwhile accounts are edited at the source about every 0.8 s. Press Run and watch one run of the job after another.",
                watch: "The meter's staleness for the Warehouse climbs between runs and drops when a run finishes: a saw-tooth. The chart below draws it.",
                setup: vec![],
                run_for: 15_000,
                seed: None,
                predict: None,
            },
            Step {
                title: "How stale can it get?",
                body: "A background sync trades freshness for simplicity: the source does not wait for the warehouse, and the \
                       warehouse does not take part in the source's writes. The price is staleness. With the change log \
                       strategy, each run copies every change made before the run started.",
                watch: "The check “staleness stays within interval + run time” and the largest staleness on the chart.",
                setup: vec![],
                run_for: 30_000,
                seed: None,
                predict: Some(Prediction {
                    question: "Over 30 s of edits with a run every 3 s, how far behind does the warehouse get?",
                    choices: vec![
                        choice(
                            "Not at all: every edit is copied as soon as it is made",
                            Judge::Compare { left: Metric::PeakStaleness("Warehouse"), op: Op::Lt, right: Metric::Value(500.0) },
                        ),
                        choice(
                            "Up to about one interval plus the run's own time, then back to fresh",
                            Judge::All(vec![
                                Judge::CheckHolds(BOUNDED),
                                Judge::Compare { left: Metric::PeakStaleness("Warehouse"), op: Op::Ge, right: Metric::Value(1_500.0) },
                            ]),
                        ),
                        choice(
                            "Further and further behind: the job can never keep up with the edits",
                            Judge::CheckViolated(BOUNDED),
                        ),
                    ],
                    explain: "An edit made just after a run starts waits for the next run, a whole interval, and then for that run \
                              to reach its row. So the worst case is one interval plus one run, and it is bounded: as long as a run \
                              is shorter than the interval, the job keeps up. To make the warehouse fresher you shorten the \
                              interval, and pay with more load on the source.",
                    expect: 1,
                }),
            },
            Step {
                title: "A watermark and a slow clock",
                body: "How does the job know what changed? A common shortcut is a watermark: copy the rows whose updated_at is \
                       later than the latest updated_at copied so far. Here the job uses a watermark, and the source's clock \
                       runs 2 s behind the job's, so updated_at stamps are written 2 s “in the past”. Edits stop at 20 s.",
                watch: "The Warehouse table: rows that stay marked as different after edits stop. The check “warehouse matches the source”.",
                setup: skewed(WATERMARK),
                run_for: 60_000,
                seed: Some(5),
                predict: Some(Prediction {
                    question: "Once edits stop, does the warehouse catch up with the source?",
                    choices: catch_up_choices(),
                    explain: "A row written while a run is in progress can get an updated_at that is already below the watermark the \
                              run moves to. The next run asks for rows “after the watermark” and never sees it. The job believes it is \
                              done; nothing will ever copy that row again. Clocks on different machines disagree, and timestamps \
                              make poor cursors.",
                    expect: 1,
                }),
            },
            Step {
                title: "A change log and a cursor",
                body: "Instead of trusting timestamps, the source can record every change in a change log, numbered in the order \
                       it happened. The job remembers the last position it copied (its cursor) and asks for what comes after. \
                       Same slow clock, same edits.",
                watch: "The same Warehouse table and check as in the previous step.",
                setup: skewed(CHANGE_LOG),
                run_for: 60_000,
                seed: Some(5),
                predict: Some(Prediction {
                    question: "With a change log, does the warehouse catch up once edits stop?",
                    choices: catch_up_choices(),
                    explain: "Positions in the change log are assigned by the source itself, one after the other, so no change can \
                              land “behind” the cursor. The clock is still wrong, but the job no longer reads it.",
                    expect: 0,
                }),
            },
            Step {
                title: "A crash half way through a run",
                body: "This job copies everything in each run (a full copy), 2 rows per batch, every 5 s. With checkpoints on, it \
                       saves its position after each batch. Edits stop at 4 s; the job crashes at 6.3 s, in the middle of its \
                       first run, and restarts at 7 s.",
                watch: "The Sync job's notes in the event log when it comes back, and the Warehouse's row in the meter.",
                setup: vec![
                    at(0, toggle("checkpoint", true)),
                    at(0, set("strategy", FULL_COPY)),
                    at(0, set("batch", 2)),
                    at(0, set("interval", 5_000)),
                    at(4_000, toggle("workload", false)),
                    at(6_300, crash(JOB)),
                    at(7_000, restart(JOB)),
                ],
                run_for: 13_000,
                seed: Some(4),
                predict: Some(Prediction {
                    question: "What does the job do after it restarts?",
                    choices: vec![
                        choice(
                            "It resumes from its last checkpoint and finishes the run; the warehouse is up to date",
                            Judge::All(vec![Judge::Logged("from its checkpoint"), Judge::ViewConverged("Warehouse")]),
                        ),
                        choice("It starts the whole copy again from the first row", Judge::Logged("starts over")),
                        choice(
                            "The rows it copied before the crash are lost and the warehouse stays behind",
                            Judge::ViewDiverged("Warehouse"),
                        ),
                    ],
                    explain: "The checkpoint is durable, so the crash only loses the batch in progress. The job picks up at the \
                              saved position and copies the rest. Rows it copies again are simply overwritten with the same value: \
                              copying is idempotent, which is what makes resuming safe. Without checkpoints the run starts over, \
                              which is correct but slow for big tables.",
                    expect: 0,
                }),
            },
            Step {
                title: "The warehouse cannot be reached",
                body: "From 2 s to 10 s the link between the job and the Warehouse is cut. Runs that start in that time wait for \
                       an answer, give up after 2.5 s and try again at the next interval. Edits stop at 12 s.",
                watch: "The cut link on the canvas, the job's notes that the warehouse did not answer, and the staleness rising past the usual saw-tooth, then falling once the link heals.",
                setup: vec![
                    at(2_000, Command::Partition { a: JOB, b: WAREHOUSE }),
                    at(10_000, Command::Heal { a: JOB, b: WAREHOUSE }),
                    at(12_000, toggle("workload", false)),
                ],
                run_for: 30_000,
                seed: Some(6),
                predict: None,
            },
            Step {
                title: "Both sides take writes",
                body: "With two-way sync the warehouse accepts edits too, and the job copies changes in both directions. At 0.7 s \
                       account 3 is changed at the source and in the warehouse at the same moment, to different balances. The \
                       job's conflict rule is “last writer wins”: it keeps one version, chosen by its updated_at timestamp.",
                watch: "Account 3 in both tables, and the check “no update silently lost”.",
                setup: vec![
                    at(0, toggle("workload", false)),
                    at(0, toggle("two_way", true)),
                    at(0, toggle("siblings", false)),
                    at(700, action("concurrent")),
                ],
                run_for: 10_000,
                seed: Some(2),
                predict: Some(Prediction {
                    question: "What is left of the two edits once the job has run?",
                    choices: vec![
                        choice(
                            "Both sides agree and both edits are kept",
                            Judge::All(vec![Judge::CheckHolds(MATCHES), Judge::CheckHolds(LOST)]),
                        ),
                        choice(
                            "Both sides agree on one balance; the other edit is silently gone",
                            Judge::All(vec![Judge::CheckHolds(MATCHES), Judge::CheckViolated(LOST)]),
                        ),
                        choice("The two sides never agree again", Judge::CheckViolated(MATCHES)),
                    ],
                    explain: "Last writer wins always converges, which is why it is popular, but it converges by throwing one \
                              update away without telling anyone. Turn on “Keep conflicting versions” to keep both as siblings \
                              for a person to resolve.",
                    expect: 1,
                }),
            },
        ],
    }
}
