//! Guided lessons: one per pattern, written as data.
//!
//! A [`Lesson`] is a list of [`Step`]s. Each step starts a **fresh run** of
//! the lesson's pattern (fixed seed, time 0) with the step's `setup` script
//! (toggles, settings, faults and workload, through the engine's own
//! [`Command`]s), tells the learner what to look at, and often asks them to
//! **predict** what the run will do. The answer is never stored as an
//! index: each [`Choice`] carries a [`Judge`], a claim about the run that is
//! evaluated on the simulation after it has run for `run_for`
//! (see [`judge`]). The choice whose claim the run confirms is the right
//! one, and the verdict quotes the check, view or metric that confirms it.
//!
//! Times in a step's `setup` are milliseconds from the start of that
//! step's run. Because every step starts a fresh run at 0 ms, they are also
//! absolute times of that run.
//!
//! Lessons are files (`converge-lesson` JSON, see [`file`]): the four
//! built-in ones are `src/lessons/<pattern>.json`, bundled into the app at
//! build time, and an instructor writes their own in the same format
//! (README, "Write your own lesson"; `converge-lesson.schema.json` next to
//! them lets an editor complete and check one). `tests/lessons.rs` checks
//! the built-ins: 5 to 8 steps, every script valid, and every prediction
//! confirmed by exactly one choice, the one [`Prediction::expect`] names.

pub mod file;
mod judge;

pub use judge::{evaluate, judge, Finding, Metric, Op, Outcome};

use crate::patterns::Pattern;
use crate::sim::{Command, LinkSettings, NodeId, ScriptEntry, Time};

/// A guided lesson for one pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// The pattern every step runs.
    pub pattern: Pattern,
    /// Title ("Events, duplicates and lost messages").
    pub title: String,
    /// The seed of every step's run (unless a step names its own).
    pub seed: u64,
    /// The steps, in order (5 to 8).
    pub steps: Vec<Step>,
}

/// One step of a lesson.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    /// Short title ("A duplicate reaches Billing").
    pub title: String,
    /// What is going on, in plain words (paragraphs separated by `\n\n`).
    pub body: String,
    /// What to look at on the canvas, the meter or the tables.
    pub watch: String,
    /// The script of the step's run: times in ms from the step's start.
    pub setup: Vec<ScriptEntry>,
    /// How long the step's run lasts when the learner presses Run.
    pub run_for: Time,
    /// A seed for this step only (when the lesson's seed does not show the
    /// effect); `None` uses [`Lesson::seed`].
    pub seed: Option<u64>,
    /// The question to answer before running, if any.
    pub predict: Option<Prediction>,
}

/// A multiple-choice question judged by the run itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// The question ("What happens to the customers' bills?").
    pub question: String,
    /// Two to four answers, each with the claim that makes it right.
    pub choices: Vec<Choice>,
    /// Why the run turns out the way it does, shown after the verdict.
    pub explain: String,
    /// The choice that `explain` is written for. Only `tests/lessons.rs`
    /// reads it, to fail when the simulation stops bearing the lesson out;
    /// the pane always judges from the run.
    pub expect: usize,
}

/// One answer to a [`Prediction`].
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The answer as the learner reads it.
    pub text: String,
    /// What must be true of the run for this answer to be right.
    pub judge: Judge,
}

/// One of the pattern's milestones (see [`crate::patterns::Pattern::milestones`]),
/// of one thing or of anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Happening {
    /// The milestone's code, as the trace stores it.
    pub code: u16,
    /// Its name, as lesson files write it ("refunded").
    pub name: String,
    /// What it must be of (a saga, a reading, a version); `None`: anything.
    pub of: Option<u64>,
    /// What its number is of ("saga"), for the verdict's words.
    pub of_what: &'static str,
}

/// A claim about a run, checked on the simulation after it has run.
#[derive(Clone, Debug, PartialEq)]
pub enum Judge {
    /// The named check holds now.
    CheckHolds(String),
    /// The named check is violated (an `always` check broke, or an
    /// `eventually` check stayed false after things settled).
    CheckViolated(String),
    /// The named view (replica or read model) equals the source of truth.
    ViewConverged(String),
    /// The named view differs from the source of truth.
    ViewDiverged(String),
    /// The named view stands so: converged, catching up, stuck or diverged.
    ViewIs(String, crate::sim::StandingKind),
    /// The pattern marked one of its events this milestone (read from the
    /// trace's marks, never from words).
    Happened(Happening),
    /// These milestones happened, in this order.
    HappenedInOrder(Vec<Happening>),
    /// Some event's sentence in the log contains this text (rewording the
    /// sentence breaks the claim: prefer [`Judge::Happened`]).
    Logged(String),
    /// Events containing these texts happened, in this order.
    LoggedInOrder(Vec<String>),
    /// Compares two measurements of the run.
    Compare {
        /// Left side.
        left: Metric,
        /// How they compare.
        op: Op,
        /// Right side.
        right: Metric,
    },
    /// Every claim holds.
    All(Vec<Judge>),
    /// The claim does not hold.
    Not(Box<Judge>),
}

impl Lesson {
    /// The seed of step `i`'s run.
    pub fn seed_of(&self, i: usize) -> u64 {
        self.steps.get(i).and_then(|s| s.seed).unwrap_or(self.seed)
    }

    /// Checks the lesson's shape and that every step's script is accepted
    /// by its pattern; the message names the step and what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.steps.len();
        if !(5..=8).contains(&n) {
            return Err(format!("{}: {n} steps, expected 5 to 8", self.title));
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = |what: String| format!("{}, step {} ({}): {what}", self.title, i + 1, s.title);
            if s.title.is_empty() || s.body.is_empty() || s.watch.is_empty() {
                return Err(at("title, body and watch must not be empty".into()));
            }
            if s.run_for == 0 {
                return Err(at("run_for must be above 0".into()));
            }
            if let Some(last) = s.setup.last() {
                if last.at > s.run_for {
                    return Err(at(format!(
                        "the script runs to {} ms, past run_for {} ms",
                        last.at, s.run_for
                    )));
                }
            }
            self.pattern
                .replay(self.seed_of(i), s.setup.clone())
                .map_err(|r| at(r.to_string()))?;
            if let Some(p) = &s.predict {
                if !(2..=4).contains(&p.choices.len()) {
                    return Err(at(format!("{} choices, expected 2 to 4", p.choices.len())));
                }
                if p.expect >= p.choices.len() {
                    return Err(at(format!("expect {} is not a choice", p.expect)));
                }
            }
        }
        Ok(())
    }
}

/// The built-in lessons, as files bundled into the app at build time (no
/// fetch), in tab order of their patterns.
const BUILT_IN: [(Pattern, &str); 4] = [
    (Pattern::EventDriven, include_str!("event-driven.json")),
    (
        Pattern::BackgroundSync,
        include_str!("background-sync.json"),
    ),
    (Pattern::Saga, include_str!("saga.json")),
    (Pattern::Cqrs, include_str!("cqrs.json")),
];

/// Every built-in lesson, in tab order of their patterns.
pub fn all() -> Vec<Lesson> {
    Pattern::all().into_iter().map(for_pattern).collect()
}

/// The built-in lesson for `pattern`, read from its bundled file
/// (`tests/lessons.rs` checks that every one reads).
pub fn for_pattern(pattern: Pattern) -> Lesson {
    let text = BUILT_IN[pattern.index()].1;
    file::parse(text).unwrap_or_else(|e| panic!("the built-in {} lesson: {e}", pattern.slug()))
}

/// A lesson opened from a file or an address rather than built in, and
/// where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    /// The lesson.
    pub lesson: Lesson,
    /// The file as its author wrote it (what "Export lesson" saves).
    pub text: String,
    /// The file's name, or the address as the link gave it
    /// (`week3-outbox.json`).
    pub name: String,
    /// The address it was fetched from (`?lesson=`). Links made during
    /// the lesson carry it so they reopen it; `None` for a file opened
    /// from disk, which a link cannot carry.
    pub url: Option<String>,
}

/// The text of the built-in lesson file for `pattern`.
pub fn built_in_file(pattern: Pattern) -> &'static str {
    BUILT_IN[pattern.index()].1
}

// Small helpers that keep lesson scripts readable.

/// `cmd` at `t` ms from the step's start.
pub fn at(t: Time, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(t, cmd)
}

/// Turns a toggle on or off.
pub fn toggle(id: &str, on: bool) -> Command {
    Command::Toggle { id: id.into(), on }
}

/// Sets a numeric setting.
pub fn set(id: &str, value: i64) -> Command {
    Command::Set {
        id: id.into(),
        value,
    }
}

/// Runs a workload action.
pub fn action(id: &str) -> Command {
    Command::Action { id: id.into() }
}

/// Crashes a node.
pub fn crash(node: NodeId) -> Command {
    Command::Crash { node }
}

/// Restarts a node.
pub fn restart(node: NodeId) -> Command {
    Command::Restart { node }
}

/// Sets the link `from → to`: latency and jitter in ms, drop and duplicate
/// odds in per mille.
pub fn link(from: NodeId, to: NodeId, latency: Time, jitter: Time, drop: u16, dup: u16) -> Command {
    Command::SetLink {
        from,
        to,
        settings: LinkSettings {
            latency,
            jitter,
            drop_permille: drop,
            dup_permille: dup,
        },
    }
}

/// A choice: its text and the claim that makes it right.
pub fn choice(text: impl Into<String>, judge: Judge) -> Choice {
    Choice {
        text: text.into(),
        judge,
    }
}

/// What checking one step of a lesson found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepCheck {
    /// The step (0-based).
    pub step: usize,
    /// The choices the run confirms (0-based); empty for a step without
    /// a prediction.
    pub confirmed: Vec<usize>,
    /// The choice the lesson expects (0-based), for a prediction step.
    pub expect: Option<usize>,
}

impl StepCheck {
    /// A prediction the run settles as the lesson says: exactly one
    /// confirmed choice, the expected one.
    pub fn ok(&self) -> bool {
        match self.expect {
            Some(e) => self.confirmed == [e],
            None => true,
        }
    }

    /// The finding in words ("confirms choice 2, as expected").
    pub fn words(&self) -> String {
        let Some(e) = self.expect else {
            return "no prediction".into();
        };
        let list = |v: &[usize]| {
            v.iter()
                .map(|c| (c + 1).to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        };
        match self.confirmed.as_slice() {
            [] => format!("the run confirms no choice (expected choice {})", e + 1),
            [one] if *one == e => format!("confirms choice {}, as expected", e + 1),
            [one] => format!(
                "the run confirms choice {}, not the expected choice {}",
                one + 1,
                e + 1
            ),
            many => format!(
                "the run confirms more than one choice ({}): make them exclusive",
                list(many)
            ),
        }
    }
}

/// Runs step `i` of `lesson` headless (a fresh run with its seed and
/// setup, for its `run_for`) and judges its prediction as the pane does.
pub fn check_step(lesson: &Lesson, i: usize) -> Result<StepCheck, String> {
    let s = lesson
        .steps
        .get(i)
        .ok_or_else(|| format!("no step {}", i + 1))?;
    let Some(p) = &s.predict else {
        return Ok(StepCheck {
            step: i,
            confirmed: Vec::new(),
            expect: None,
        });
    };
    let mut run = lesson
        .pattern
        .replay(lesson.seed_of(i), s.setup.clone())
        .map_err(|r| r.to_string())?;
    run.run_until(s.run_for);
    Ok(StepCheck {
        step: i,
        confirmed: judge(run.as_ref(), p).confirmed,
        expect: Some(p.expect),
    })
}
