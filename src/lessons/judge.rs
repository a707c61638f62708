//! Judging a prediction on the simulation: every choice's claim is
//! evaluated on the run as it is now, and each evaluation says in words
//! what it read (a check's reason, a view's status, a table cell, a log
//! line), so the verdict can quote the run.

use super::{Happening, Judge, Prediction};
use crate::sim::scenario::Table;
use crate::sim::types::fmt_secs;
use crate::sim::{CheckStatus, Frame, LogLine, Playground, Time};
use std::cell::OnceCell;

/// A measurement of the run, for [`Judge::Compare`].
#[derive(Clone, Debug, PartialEq)]
pub enum Metric {
    /// A fixed number.
    Value(f64),
    /// The number a table cell holds ([`crate::sim::scenario::Cell::num`]:
    /// "$120" holds 120, "v7" 7, "3.1 kWh" 3.1): the table with the id
    /// `table`, the row whose key is `row`, the column headed `column`.
    Cell {
        /// The table's id ("billing"; a lesson file may name it by the
        /// start of its title, which the reader turns into the id).
        table: String,
        /// The row's key ("customer-3", "dirty reads").
        row: String,
        /// The column header ("billed", "count").
        column: String,
    },
    /// How many entities of the named view differ from the truth now.
    Differing(String),
    /// The worst staleness (ms) the named view reached during the run.
    PeakStaleness(String),
    /// One of the engine's counters: `sent`, `delivered`, `dropped`,
    /// `duplicated`, `redelivered`, `retried`, `dead_lettered`, `appended`.
    Counter(String),
}

/// How two metrics compare.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Less than.
    Lt,
    /// At most.
    Le,
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// At least.
    Ge,
    /// More than.
    Gt,
}

impl Op {
    fn test(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
        }
    }
}

/// A claim evaluated on the run: whether it holds, and what was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Whether the claim holds.
    pub holds: bool,
    /// What the run shows, in words, quoting the simulation.
    pub text: String,
}

/// The run's answer to a prediction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Indexes of the choices whose claims hold.
    pub confirmed: Vec<usize>,
    /// For each choice, what the run shows about its claim.
    pub findings: Vec<Finding>,
    /// Virtual time at which it was judged.
    pub at: Time,
}

impl Outcome {
    /// The one choice the run confirms, if exactly one is.
    pub fn answer(&self) -> Option<usize> {
        match self.confirmed.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// Everything the claims read, gathered once per judgement.
struct Observed<'a> {
    p: &'a dyn Playground,
    frame: Frame,
    log: OnceCell<Vec<LogLine>>,
    tables: OnceCell<Vec<Table>>,
}

impl Observed<'_> {
    fn log(&self) -> &[LogLine] {
        self.log.get_or_init(|| self.p.log(usize::MAX))
    }

    fn tables(&self) -> &[Table] {
        self.tables.get_or_init(|| self.p.tables())
    }
}

/// Judges `prediction` on the run `p` as it is now (run it for the step's
/// `run_for` first).
pub fn judge(p: &dyn Playground, prediction: &Prediction) -> Outcome {
    let obs = Observed {
        p,
        frame: p.frame(),
        log: OnceCell::new(),
        tables: OnceCell::new(),
    };
    let findings: Vec<Finding> = prediction
        .choices
        .iter()
        .map(|c| eval(&obs, &c.judge))
        .collect();
    let confirmed = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.holds)
        .map(|(i, _)| i)
        .collect();
    Outcome {
        confirmed,
        findings,
        at: obs.frame.time,
    }
}

/// Evaluates one claim on the run `p` as it is now.
pub fn evaluate(p: &dyn Playground, claim: &Judge) -> Finding {
    let obs = Observed {
        p,
        frame: p.frame(),
        log: OnceCell::new(),
        tables: OnceCell::new(),
    };
    eval(&obs, claim)
}

fn eval(obs: &Observed<'_>, claim: &Judge) -> Finding {
    match claim {
        Judge::CheckHolds(name) | Judge::CheckViolated(name) => {
            let Some(c) = obs.frame.checks.iter().find(|c| c.name == *name) else {
                return missing(format!("there is no check named “{name}”"));
            };
            let (state, text) = match &c.status {
                CheckStatus::Holds => (0, format!("the check “{name}” holds")),
                CheckStatus::Pending { since, reason } => (
                    1,
                    format!(
                        "the check “{name}” has been false since {} and may still come true: {reason}",
                        fmt_secs(*since)
                    ),
                ),
                CheckStatus::Violated(v) => (
                    2,
                    format!(
                        "the check “{name}” is violated (at {}): {}",
                        fmt_secs(v.at),
                        v.reason
                    ),
                ),
            };
            let holds = match claim {
                Judge::CheckHolds(_) => state == 0,
                _ => state == 2,
            };
            Finding { holds, text }
        }
        Judge::ViewConverged(name) | Judge::ViewDiverged(name) => {
            let Some(v) = obs.frame.views.iter().find(|v| v.name == *name) else {
                return missing(format!("there is no view named “{name}”"));
            };
            let converged = v.differing == 0;
            Finding {
                holds: converged == matches!(claim, Judge::ViewConverged(_)),
                text: v.sentence.clone(),
            }
        }
        Judge::ViewIs(name, kind) => {
            let Some(v) = obs.frame.views.iter().find(|v| v.name == *name) else {
                return missing(format!("there is no view named “{name}”"));
            };
            Finding {
                holds: v.standing == *kind,
                text: v.sentence.clone(),
            }
        }
        Judge::Happened(h) => match obs.log().iter().find(|l| is(h, l)) {
            Some(l) => Finding {
                holds: true,
                text: format!("at {}: {}", fmt_secs(l.time), l.text),
            },
            None => Finding {
                holds: false,
                text: format!("nothing in the run is {}", named(h)),
            },
        },
        Judge::HappenedInOrder(hs) => in_order(obs.log(), hs.iter().map(Part::Mark).collect()),
        Judge::Logged(words) => match obs.log().iter().find(|l| l.text.contains(words)) {
            Some(l) => Finding {
                holds: true,
                text: format!("at {}: {}", fmt_secs(l.time), l.text),
            },
            None => Finding {
                holds: false,
                text: format!("no event of the run says “{words}”"),
            },
        },
        Judge::LoggedInOrder(parts) => {
            in_order(obs.log(), parts.iter().map(|w| Part::Words(w)).collect())
        }
        Judge::Compare { left, op, right } => {
            let (a, aw) = measure(obs, left);
            let (b, bw) = measure(obs, right);
            match (a, b) {
                (Some(a), Some(b)) => Finding {
                    holds: op.test(a, b),
                    text: format!("{aw}, {bw}"),
                },
                _ => missing(format!("{aw}, {bw}")),
            }
        }
        Judge::All(claims) => {
            let fs: Vec<Finding> = claims.iter().map(|c| eval(obs, c)).collect();
            Finding {
                holds: fs.iter().all(|f| f.holds),
                text: fs
                    .into_iter()
                    .map(|f| f.text)
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        }
        Judge::Not(c) => {
            let f = eval(obs, c);
            Finding {
                holds: !f.holds,
                text: f.text,
            }
        }
    }
}

/// Whether the log line is the milestone `h` (of what `h` asks, if it does).
fn is(h: &Happening, l: &LogLine) -> bool {
    l.mark
        .is_some_and(|m| m.code == h.code && h.of.is_none_or(|of| m.of == of))
}

/// The milestone in words: “refunded” (of saga 1).
fn named(h: &Happening) -> String {
    match h.of {
        Some(of) => format!("“{}” of {} {of}", h.name, h.of_what),
        None => format!("“{}”", h.name),
    }
}

/// One event [`in_order`] looks for: a milestone, or words in a sentence.
enum Part<'a> {
    Mark(&'a Happening),
    Words(&'a str),
}

impl Part<'_> {
    fn matches(&self, l: &LogLine) -> bool {
        match self {
            Part::Mark(h) => is(h, l),
            Part::Words(w) => l.text.contains(w),
        }
    }

    /// "no event is “refunded” of saga 1", "no event says “CANCELLED”".
    fn missing(&self) -> String {
        match self {
            Part::Mark(h) => format!("no event is {}", named(h)),
            Part::Words(w) => format!("no event says “{w}”"),
        }
    }

    fn name(&self) -> String {
        match self {
            Part::Mark(h) => named(h),
            Part::Words(w) => format!("“{w}”"),
        }
    }
}

/// Whether events matching `parts` happened in this order, quoting each
/// one found, or saying which was missing or came too early.
fn in_order(log: &[LogLine], parts: Vec<Part<'_>>) -> Finding {
    let mut from = 0;
    let mut seen = Vec::new();
    for part in &parts {
        match log[from..].iter().position(|l| part.matches(l)) {
            Some(i) => {
                let l = &log[from + i];
                seen.push(format!("{}: {}", fmt_secs(l.time), l.text));
                from += i + 1;
            }
            None => {
                let why = if log.iter().any(|l| part.matches(l)) {
                    format!(
                        "{} happened, but not after the events before it",
                        part.name()
                    )
                } else {
                    part.missing()
                };
                seen.push(why);
                return Finding {
                    holds: false,
                    text: seen.join("; then "),
                };
            }
        }
    }
    Finding {
        holds: true,
        text: seen.join("; then "),
    }
}

fn missing(text: String) -> Finding {
    Finding { holds: false, text }
}

fn show(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x:.1}")
    }
}

fn measure(obs: &Observed<'_>, m: &Metric) -> (Option<f64>, String) {
    match m {
        Metric::Value(x) => (Some(*x), show(*x)),
        Metric::Cell { table, row, column } => {
            let Some(t) = obs.tables().iter().find(|t| t.id == table) else {
                return (None, format!("no table “{table}”"));
            };
            let Some(col) = t.columns.iter().position(|c| c == column) else {
                return (None, format!("“{}” has no column “{column}”", t.title));
            };
            let Some(r) = t.rows.iter().find(|r| r.key == *row) else {
                return (None, format!("“{}” has no row “{row}”", t.title));
            };
            let cell = r.cells.get(col);
            let text = cell.map_or("", |c| c.text.as_str());
            let num = cell.and_then(|c| c.num);
            let words = match num {
                Some(_) => format!("{} → {row}, {column}: {text}", t.title),
                None => format!("{} → {row}, {column}: {text} (not a number)", t.title),
            };
            (num, words)
        }
        Metric::Differing(name) => match obs.frame.views.iter().find(|v| v.name == *name) {
            Some(v) => (
                Some(v.differing as f64),
                format!("{name}: {} of {} {} differ", v.differing, v.total, v.unit),
            ),
            None => (None, format!("no view “{name}”")),
        },
        Metric::PeakStaleness(name) => {
            let Some(i) = obs.frame.views.iter().position(|v| v.name == *name) else {
                return (None, format!("no view “{name}”"));
            };
            let points: Vec<_> = obs
                .p
                .series()
                .into_iter()
                .filter(|s| s.view as usize == i)
                .collect();
            let now = obs.frame.time;
            let peak = points
                .iter()
                .enumerate()
                .filter_map(|(k, s)| {
                    let until = points.get(k + 1).map_or(now, |n| n.time);
                    s.lag_since.map(|l| until.saturating_sub(l))
                })
                .max()
                .unwrap_or(0);
            (
                Some(peak as f64),
                format!("{name} was at most {} stale", fmt_secs(peak)),
            )
        }
        Metric::Counter(name) => {
            let c = &obs.frame.counters;
            let v = match name.as_str() {
                "sent" => c.sent,
                "delivered" => c.delivered,
                "dropped" => c.dropped,
                "duplicated" => c.duplicated,
                "redelivered" => c.redelivered,
                "retried" => c.retried,
                "dead_lettered" => c.dead_lettered,
                "appended" => c.appended,
                _ => return (None, format!("no counter “{name}”")),
            };
            (Some(v as f64), format!("{} {name}", v))
        }
    }
}
