//! Lessons as files: the `converge-lesson` JSON format, read with
//! messages that name the field and say what would be valid, and written
//! back (the built-in lessons are such files, and a written lesson is the
//! natural start for an author).
//!
//! Services, checks and replicas are named as the app shows them
//! (`"node": "Billing"`), never by number; a table by its id (`"reports"`)
//! or the start of its title as shown ("Reports"), which the reader turns
//! into the id, so the judge never matches a title. The format, field by field, is
//! in the README ("Write your own lesson") and in
//! `src/lessons/converge-lesson.schema.json`, which editors use to complete
//! and check a file.

use super::{Choice, Happening, Judge, Lesson, Metric, Op, Prediction, Step};
use crate::patterns::Pattern;
use crate::sim::scenario::MilestoneSpec;
use crate::sim::{
    Command, LinkSettings, NodeId, Refusal, ScriptEntry, StandingKind, Time, Topology,
};
use serde_json::{json, Map, Value};
use std::fmt;

/// The `format` every lesson file names.
pub const FORMAT: &str = "converge-lesson";
/// The newest version of the format this build reads.
pub const VERSION: u64 = 1;
/// Most steps a lesson may have.
pub const MAX_STEPS: usize = 12;
/// Latest moment a step may run to (ten minutes, as links).
pub const MAX_RUN_FOR: Time = 600_000;

/// Why a lesson file was refused: the field (`steps[2].predict.expect`)
/// and what is wrong with it, in words that say what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    /// Path of the field, empty for the file as a whole.
    pub field: String,
    /// What is wrong and what would be valid.
    pub reason: String,
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.field, self.reason)
        }
    }
}

fn err<T>(field: &str, reason: impl Into<String>) -> Result<T, LessonError> {
    Err(LessonError {
        field: field.to_string(),
        reason: reason.into(),
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Quoted names, for "(services: Meter, Broker, …)".
fn names<'a>(all: impl IntoIterator<Item = &'a str>) -> String {
    all.into_iter().collect::<Vec<_>>().join(", ")
}

/// What a lesson file may name in its pattern: read from a fresh run.
struct Names {
    pattern: Pattern,
    topology: Topology,
    checks: Vec<String>,
    views: Vec<String>,
    /// Each table's id, title and columns.
    tables: Vec<(&'static str, String, Vec<&'static str>)>,
    milestones: Vec<MilestoneSpec>,
}

impl Names {
    fn of(pattern: Pattern) -> Names {
        let run = pattern.start(1);
        let frame = run.frame();
        Names {
            pattern,
            topology: (*run.topology()).clone(),
            checks: run
                .info()
                .checks
                .iter()
                .map(|c| c.name.to_string())
                .collect(),
            views: frame.views.iter().map(|v| v.name.clone()).collect(),
            tables: run
                .tables()
                .into_iter()
                .map(|t| (t.id, t.title, t.columns))
                .collect(),
            milestones: pattern.milestones(),
        }
    }

    fn node(&self, field: &str, v: &Value) -> Result<NodeId, LessonError> {
        let name = text(field, v)?;
        self.topology.node(name).map_or_else(
            || {
                err(
                    field,
                    format!(
                        "no service “{name}” in {} (services: {})",
                        self.pattern.label(),
                        names(self.topology.nodes.iter().map(|n| n.name))
                    ),
                )
            },
            Ok,
        )
    }

    fn name_of(&self, n: NodeId) -> &'static str {
        self.topology.nodes.get(n.index()).map_or("?", |s| s.name)
    }

    /// `v` if it is one of `known`, else a message naming what there is
    /// ("no check “x” in Saga (checks: …)").
    fn one_of(
        &self,
        field: &str,
        v: &Value,
        known: &[String],
        what: (&str, &str),
    ) -> Result<String, LessonError> {
        let name = text(field, v)?;
        if known.iter().any(|k| k == name) {
            return Ok(name.to_string());
        }
        err(
            field,
            format!(
                "no {} “{name}” in {} ({}: {})",
                what.0,
                self.pattern.label(),
                what.1,
                names(known.iter().map(String::as_str))
            ),
        )
    }

    fn check(&self, field: &str, v: &Value) -> Result<String, LessonError> {
        self.one_of(field, v, &self.checks, ("check", "checks"))
    }

    fn view(&self, field: &str, v: &Value) -> Result<String, LessonError> {
        self.one_of(field, v, &self.views, ("replica", "replicas"))
    }

    /// The milestone `{ "happened": name, "of": n }` names (`of` left out:
    /// of anything).
    fn happening(&self, field: &str, v: &Value) -> Result<Happening, LessonError> {
        let map = object(field, v, &["happened", "of"])?;
        let hf = join(field, "happened");
        let name = text(&hf, required(map, field, "happened")?)?;
        let Some(spec) = self.milestones.iter().find(|m| m.name == name) else {
            return err(
                &hf,
                format!(
                    "no milestone “{name}” in {} (milestones: {})",
                    self.pattern.label(),
                    names(self.milestones.iter().map(|m| m.name))
                ),
            );
        };
        let of = optional_whole(map, field, "of", 1 << 53)?;
        if of.is_some() && spec.of.is_empty() {
            return err(
                &join(field, "of"),
                format!("“{name}” is not of anything: leave “of” out"),
            );
        }
        Ok(Happening {
            code: spec.code,
            name: name.to_string(),
            of,
            of_what: spec.of,
        })
    }

    /// The table `v` names, by id or by the start of one title: its id
    /// and columns.
    fn table(
        &self,
        field: &str,
        v: &Value,
    ) -> Result<(&'static str, &[&'static str]), LessonError> {
        let name = text(field, v)?;
        let by_id = self.tables.iter().find(|t| t.0 == name);
        let starting: Vec<_> = self
            .tables
            .iter()
            .filter(|t| !name.is_empty() && t.1.starts_with(name))
            .collect();
        let all = || {
            names(
                self.tables
                    .iter()
                    .map(|t| format!("{} “{}”", t.0, t.1))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            )
        };
        match (by_id, starting.as_slice()) {
            (Some(t), _) => Ok((t.0, &t.2)),
            (None, [t]) => Ok((t.0, &t.2)),
            (None, []) => err(
                field,
                format!(
                    "no table with the id or a title starting “{name}” in {} (tables: {})",
                    self.pattern.label(),
                    all()
                ),
            ),
            (None, several) => err(
                field,
                format!(
                    "“{name}” starts the titles of {} tables ({}): write more of the title, or the id",
                    several.len(),
                    names(several.iter().map(|t| t.0))
                ),
            ),
        }
    }
}

// ---------------------------------------------------------------- reading

/// The fields of an object, refusing any not in `allowed`.
fn object<'a>(
    field: &str,
    v: &'a Value,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, LessonError> {
    let Value::Object(map) = v else {
        return err(field, format!("expected an object, found {}", kind(v)));
    };
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return err(
                &join(field, key),
                format!("unknown field (fields here: {})", allowed.join(", ")),
            );
        }
    }
    Ok(map)
}

fn join(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

fn text<'a>(field: &str, v: &'a Value) -> Result<&'a str, LessonError> {
    match v {
        Value::String(s) => Ok(s),
        _ => err(field, format!("expected text, found {}", kind(v))),
    }
}

fn required<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    key: &str,
) -> Result<&'a Value, LessonError> {
    match map.get(key) {
        Some(v) if !v.is_null() => Ok(v),
        _ => err(&join(field, key), "missing"),
    }
}

fn words(map: &Map<String, Value>, field: &str, key: &str) -> Result<String, LessonError> {
    let f = join(field, key);
    let s = text(&f, required(map, field, key)?)?;
    if s.trim().is_empty() {
        return err(&f, "must not be empty");
    }
    Ok(s.to_string())
}

fn whole(field: &str, v: &Value, max: u64) -> Result<u64, LessonError> {
    match v.as_u64() {
        Some(n) if n <= max => Ok(n),
        _ => err(
            field,
            format!("expected a whole number from 0 to {max}, found {v}"),
        ),
    }
}

fn optional_whole(
    map: &Map<String, Value>,
    field: &str,
    key: &str,
    max: u64,
) -> Result<Option<u64>, LessonError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => whole(&join(field, key), v, max).map(Some),
    }
}

fn list<'a>(field: &str, v: &'a Value) -> Result<&'a [Value], LessonError> {
    match v {
        Value::Array(a) => Ok(a),
        _ => err(field, format!("expected a list, found {}", kind(v))),
    }
}

/// True when `text` is a JSON object that says it is a lesson file
/// (`"format": "converge-lesson"`), however wrong the rest may be: the
/// app opens it as a lesson, so its mistakes are told as a lesson's.
pub fn is_lesson(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("format").and_then(Value::as_str).map(|f| f == FORMAT))
        .unwrap_or(false)
}

/// Reads a lesson file. A file that is not valid is refused with the
/// field and what would be valid; nothing else changes.
pub fn parse(text_of_file: &str) -> Result<Lesson, LessonError> {
    let doc: Value = serde_json::from_str(text_of_file).map_err(|e| LessonError {
        field: String::new(),
        reason: format!("not a JSON file ({e})"),
    })?;
    let map = object(
        "",
        &doc,
        &[
            "$schema", "format", "version", "pattern", "title", "seed", "steps",
        ],
    )?;
    match map.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(Value::String(f)) if f == "converge-scene" => {
            return err(
                "format",
                "this is a scene file: open it with Import scenario",
            )
        }
        Some(v) => return err("format", format!("expected \"{FORMAT}\", found {v}")),
        None => {
            return err(
                "format",
                format!("missing (a lesson file says \"{FORMAT}\")"),
            )
        }
    }
    match map.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(v) if v > VERSION => {
            return err(
                "version",
                format!("version {v} is newer than this app reads ({VERSION}); update Converge"),
            )
        }
        _ => return err("version", format!("expected {VERSION}")),
    }
    let slug = text("pattern", required(map, "", "pattern")?)?;
    let Some(pattern) = Pattern::from_slug(slug) else {
        return err(
            "pattern",
            format!(
                "no pattern “{slug}” (patterns: {})",
                names(Pattern::all().map(Pattern::slug))
            ),
        );
    };
    let title = words(map, "", "title")?;
    let seed = optional_whole(map, "", "seed", crate::share::MAX_SEED)?.unwrap_or(1);
    let steps_v = list("steps", required(map, "", "steps")?)?;
    if steps_v.is_empty() || steps_v.len() > MAX_STEPS {
        return err(
            "steps",
            format!("{} steps, expected 1 to {MAX_STEPS}", steps_v.len()),
        );
    }
    let names = Names::of(pattern);
    let mut steps = Vec::with_capacity(steps_v.len());
    for (i, s) in steps_v.iter().enumerate() {
        steps.push(step(&names, &format!("steps[{i}]"), s)?);
    }
    let lesson = Lesson {
        pattern,
        title,
        seed,
        steps,
    };
    // The scripts as the engine sees them: ids of toggles, settings and
    // actions, ranges, what may crash.
    for (i, s) in lesson.steps.iter().enumerate() {
        if let Err(e) = pattern.replay(lesson.seed_of(i), s.setup.clone()) {
            return Err(engine_error(&format!("steps[{i}]"), &e));
        }
    }
    Ok(lesson)
}

/// The engine's refusal of entry 3's node as the file names it:
/// "steps[1].setup[3].node: …" (a setup entry is flat: no `cmd`).
fn engine_error(step: &str, r: &Refusal) -> LessonError {
    let flat = r.field.path().strip_prefix("cmd").unwrap_or(r.field.path());
    let flat = flat.strip_prefix('.').unwrap_or(flat);
    let field = match (r.entry, flat) {
        (Some(i), "") => format!("{step}.setup[{i}]"),
        (Some(i), f) => format!("{step}.setup[{i}].{f}"),
        (None, _) => format!("{step}.setup"),
    };
    LessonError {
        field,
        reason: r.reason.clone(),
    }
}

fn step(names: &Names, field: &str, v: &Value) -> Result<Step, LessonError> {
    let map = object(
        field,
        v,
        &[
            "title", "body", "watch", "setup", "run_for", "seed", "predict",
        ],
    )?;
    let run_for = whole(
        &join(field, "run_for"),
        required(map, field, "run_for")?,
        MAX_RUN_FOR,
    )?;
    if run_for == 0 {
        return err(&join(field, "run_for"), "must be above 0 ms");
    }
    let mut setup = Vec::new();
    if let Some(s) = map.get("setup").filter(|s| !s.is_null()) {
        let f = join(field, "setup");
        let mut last = 0;
        for (i, e) in list(&f, s)?.iter().enumerate() {
            let ef = format!("{f}[{i}]");
            let entry = setup_entry(names, &ef, e)?;
            if entry.at < last {
                return err(
                    &format!("{ef}.at"),
                    format!(
                        "{} ms is before the entry above ({last} ms): list them in time order",
                        entry.at
                    ),
                );
            }
            if entry.at > run_for {
                return err(
                    &format!("{ef}.at"),
                    format!(
                        "{} ms is after the step ends (run_for {run_for} ms)",
                        entry.at
                    ),
                );
            }
            last = entry.at;
            setup.push(entry);
        }
    }
    let predict = match map.get("predict") {
        None | Some(Value::Null) => None,
        Some(p) => Some(prediction(names, &join(field, "predict"), p)?),
    };
    Ok(Step {
        title: words(map, field, "title")?,
        body: words(map, field, "body")?,
        watch: words(map, field, "watch")?,
        setup,
        run_for,
        seed: optional_whole(map, field, "seed", crate::share::MAX_SEED)?,
        predict,
    })
}

/// The commands a setup entry may name (`op`).
pub const OPS: &[&str] = &[
    "toggle",
    "set",
    "action",
    "crash",
    "restart",
    "partition",
    "heal",
    "partition_oneway",
    "hold",
    "release",
    "set_link",
    "drop_message",
    "duplicate_message",
];

fn setup_entry(names: &Names, field: &str, v: &Value) -> Result<ScriptEntry, LessonError> {
    let Value::Object(map) = v else {
        return err(field, format!("expected an object, found {}", kind(v)));
    };
    let op = text(&join(field, "op"), required(map, field, "op")?)?;
    let fields: &[&str] = match op {
        "toggle" => &["at", "op", "id", "on"],
        "set" => &["at", "op", "id", "value"],
        "action" => &["at", "op", "id"],
        "crash" | "restart" => &["at", "op", "node"],
        "partition" | "heal" => &["at", "op", "a", "b"],
        "partition_oneway" | "hold" | "release" => &["at", "op", "from", "to"],
        "set_link" => &[
            "at",
            "op",
            "from",
            "to",
            "latency",
            "jitter",
            "drop_permille",
            "dup_permille",
        ],
        "drop_message" | "duplicate_message" => &["at", "op", "msg"],
        _ => {
            return err(
                &join(field, "op"),
                format!("no command “{op}” (commands: {})", OPS.join(", ")),
            )
        }
    };
    object(field, v, fields)?;
    let at = whole(&join(field, "at"), required(map, field, "at")?, MAX_RUN_FOR)?;
    let node = |key: &str| names.node(&join(field, key), required(map, field, key)?);
    let id = || text(&join(field, "id"), required(map, field, "id")?).map(str::to_string);
    let cmd = match op {
        "toggle" => {
            let on = match required(map, field, "on")? {
                Value::Bool(b) => *b,
                v => {
                    return err(
                        &join(field, "on"),
                        format!("expected true or false, found {v}"),
                    )
                }
            };
            Command::Toggle { id: id()?, on }
        }
        "set" => {
            let f = join(field, "value");
            let Some(value) = required(map, field, "value")?.as_i64() else {
                return err(&f, "expected a whole number");
            };
            Command::Set { id: id()?, value }
        }
        "action" => Command::Action { id: id()? },
        "crash" => Command::Crash {
            node: node("node")?,
        },
        "restart" => Command::Restart {
            node: node("node")?,
        },
        "partition" => Command::Partition {
            a: node("a")?,
            b: node("b")?,
        },
        "heal" => Command::Heal {
            a: node("a")?,
            b: node("b")?,
        },
        "partition_oneway" => Command::PartitionOneway {
            from: node("from")?,
            to: node("to")?,
        },
        "hold" => Command::Hold {
            from: node("from")?,
            to: node("to")?,
        },
        "release" => Command::Release {
            from: node("from")?,
            to: node("to")?,
        },
        "set_link" => {
            let base = names.topology.link;
            let num = |key: &str, max: u64, dflt: u64| {
                optional_whole(map, field, key, max).map(|v| v.unwrap_or(dflt))
            };
            Command::SetLink {
                from: node("from")?,
                to: node("to")?,
                settings: LinkSettings {
                    latency: num("latency", MAX_RUN_FOR, base.latency)?,
                    jitter: num("jitter", MAX_RUN_FOR, base.jitter)?,
                    drop_permille: num("drop_permille", 1000, base.drop_permille.into())? as u16,
                    dup_permille: num("dup_permille", 1000, base.dup_permille.into())? as u16,
                },
            }
        }
        _ => {
            let msg = whole(&join(field, "msg"), required(map, field, "msg")?, u64::MAX)?;
            let msg = crate::sim::MsgId(msg);
            if op == "drop_message" {
                Command::DropMessage { msg }
            } else {
                Command::DuplicateMessage { msg }
            }
        }
    };
    Ok(ScriptEntry::at(at, cmd))
}

fn prediction(names: &Names, field: &str, v: &Value) -> Result<Prediction, LessonError> {
    let map = object(field, v, &["question", "choices", "explain", "expect"])?;
    let f = join(field, "choices");
    let cv = list(&f, required(map, field, "choices")?)?;
    if !(2..=4).contains(&cv.len()) {
        return err(&f, format!("{} choices, expected 2 to 4", cv.len()));
    }
    let mut choices = Vec::with_capacity(cv.len());
    for (i, c) in cv.iter().enumerate() {
        let cf = format!("{f}[{i}]");
        let m = object(&cf, c, &["text", "judge"])?;
        choices.push(Choice {
            text: words(m, &cf, "text")?,
            judge: judge(names, &join(&cf, "judge"), required(m, &cf, "judge")?)?,
        });
    }
    let ef = join(field, "expect");
    let expect = match required(map, field, "expect")?.as_u64() {
        Some(n) if (1..=choices.len() as u64).contains(&n) => (n - 1) as usize,
        _ => {
            return err(
                &ef,
                format!(
                    "expected the number of a choice, 1 to {} (the first choice is 1)",
                    choices.len()
                ),
            )
        }
    };
    Ok(Prediction {
        question: words(map, field, "question")?,
        choices,
        explain: words(map, field, "explain")?,
        expect,
    })
}

/// The judges a choice may use, by their key.
pub const JUDGES: &[&str] = &[
    "check_holds",
    "check_violated",
    "converged",
    "diverged",
    "replica",
    "happened",
    "happened_in_order",
    "logged",
    "logged_in_order",
    "compare",
    "all",
    "not",
];

fn judge(names: &Names, field: &str, v: &Value) -> Result<Judge, LessonError> {
    let Value::Object(map) = v else {
        return err(
            field,
            format!(
                "expected an object such as {{\"check_holds\": \"…\"}}, found {}",
                kind(v)
            ),
        );
    };
    let Some(key) = map.keys().find(|k| JUDGES.contains(&k.as_str())) else {
        let what = match map.keys().next() {
            Some(k) => format!("unknown judge “{k}”"),
            None => "empty: a judge makes one claim".to_string(),
        };
        return err(field, format!("{what} (judges: {})", JUDGES.join(", ")));
    };
    let f = join(field, key);
    let val = &map[key.as_str()];
    Ok(match key.as_str() {
        "check_holds" => {
            object(field, v, &["check_holds"])?;
            Judge::CheckHolds(names.check(&f, val)?)
        }
        "check_violated" => {
            object(field, v, &["check_violated"])?;
            Judge::CheckViolated(names.check(&f, val)?)
        }
        "converged" => {
            object(field, v, &["converged"])?;
            Judge::ViewConverged(names.view(&f, val)?)
        }
        "diverged" => {
            object(field, v, &["diverged"])?;
            Judge::ViewDiverged(names.view(&f, val)?)
        }
        "replica" => {
            object(field, v, &["replica", "is"])?;
            let name = names.view(&f, val)?;
            let isf = join(field, "is");
            let state = text(&isf, required(map, field, "is")?)?;
            let kind = match state {
                "converged" => StandingKind::Converged,
                "catching_up" => StandingKind::CatchingUp,
                "stuck" => StandingKind::Stuck,
                "diverged" => StandingKind::Diverged,
                _ => {
                    return err(
                        &isf,
                        format!(
                            "no state “{state}” (states: converged, catching_up, stuck, diverged)"
                        ),
                    )
                }
            };
            Judge::ViewIs(name, kind)
        }
        "happened" => Judge::Happened(names.happening(field, v)?),
        "happened_in_order" => {
            object(field, v, &["happened_in_order"])?;
            let parts = list(&f, val)?;
            if parts.len() < 2 {
                return err(
                    &f,
                    "expected at least two milestones, in the order they happen",
                );
            }
            let mut out = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                out.push(names.happening(&format!("{f}[{i}]"), p)?);
            }
            Judge::HappenedInOrder(out)
        }
        "logged" => {
            object(field, v, &["logged"])?;
            Judge::Logged(nonempty(&f, val)?)
        }
        "logged_in_order" => {
            object(field, v, &["logged_in_order"])?;
            let parts = list(&f, val)?;
            if parts.len() < 2 {
                return err(&f, "expected at least two texts, in the order they happen");
            }
            let mut out = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                out.push(nonempty(&format!("{f}[{i}]"), p)?);
            }
            Judge::LoggedInOrder(out)
        }
        "compare" => {
            object(field, v, &["compare"])?;
            let parts = list(&f, val)?;
            let [left, op, right] = parts else {
                return err(
                    &f,
                    "expected [left, \"<\", right]: two measurements and how they compare",
                );
            };
            let ops = ["<", "<=", "==", "!=", ">=", ">"];
            let op = match text(&format!("{f}[1]"), op)? {
                "<" => Op::Lt,
                "<=" => Op::Le,
                "==" => Op::Eq,
                "!=" => Op::Ne,
                ">=" => Op::Ge,
                ">" => Op::Gt,
                other => {
                    return err(
                        &format!("{f}[1]"),
                        format!("no comparison “{other}” (comparisons: {})", ops.join(" ")),
                    )
                }
            };
            Judge::Compare {
                left: metric(names, &format!("{f}[0]"), left)?,
                op,
                right: metric(names, &format!("{f}[2]"), right)?,
            }
        }
        "all" => {
            object(field, v, &["all"])?;
            let parts = list(&f, val)?;
            if parts.is_empty() {
                return err(&f, "expected at least one judge");
            }
            let mut out = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                out.push(judge(names, &format!("{f}[{i}]"), p)?);
            }
            Judge::All(out)
        }
        _ => {
            object(field, v, &["not"])?;
            Judge::Not(Box::new(judge(names, &f, val)?))
        }
    })
}

fn nonempty(field: &str, v: &Value) -> Result<String, LessonError> {
    let s = text(field, v)?;
    if s.trim().is_empty() {
        return err(field, "must not be empty");
    }
    Ok(s.to_string())
}

/// The engine counters a `counter` measurement may name.
pub const COUNTERS: &[&str] = &[
    "sent",
    "delivered",
    "dropped",
    "duplicated",
    "redelivered",
    "retried",
    "dead_lettered",
    "appended",
];

fn metric(names: &Names, field: &str, v: &Value) -> Result<Metric, LessonError> {
    if let Some(x) = v.as_f64() {
        return Ok(Metric::Value(x));
    }
    let Value::Object(map) = v else {
        return err(
            field,
            format!(
                "expected a number or a measurement such as {{\"counter\": \"dropped\"}}, found {}",
                kind(v)
            ),
        );
    };
    let keys = ["cell", "differing", "peak_staleness", "counter"];
    let Some(key) = map.keys().find(|k| keys.contains(&k.as_str())) else {
        return err(
            field,
            format!(
                "no measurement here (measurements: a number, {})",
                keys.join(", ")
            ),
        );
    };
    object(field, v, &[key.as_str()])?;
    let f = join(field, key);
    let val = &map[key.as_str()];
    Ok(match key.as_str() {
        "cell" => {
            let m = object(&f, val, &["table", "row", "column"])?;
            let (table, columns) = names.table(&join(&f, "table"), required(m, &f, "table")?)?;
            let row = words(m, &f, "row")?;
            let column = words(m, &f, "column")?;
            if !columns.contains(&column.as_str()) {
                return err(
                    &join(&f, "column"),
                    format!(
                        "the table “{table}” has no column “{column}” (columns: {})",
                        self::names(columns.iter().copied())
                    ),
                );
            }
            Metric::Cell {
                table: table.to_string(),
                row,
                column,
            }
        }
        "differing" => Metric::Differing(names.view(&f, val)?),
        "peak_staleness" => Metric::PeakStaleness(names.view(&f, val)?),
        _ => {
            let name = text(&f, val)?;
            if !COUNTERS.contains(&name) {
                return err(
                    &f,
                    format!("no counter “{name}” (counters: {})", COUNTERS.join(", ")),
                );
            }
            Metric::Counter(name.to_string())
        }
    })
}

// ---------------------------------------------------------------- writing

/// The lesson as a file, keys in reading order, one setup entry per line.
pub fn to_json(lesson: &Lesson) -> String {
    let names = Names::of(lesson.pattern);
    let steps: Vec<Value> = lesson.steps.iter().map(|s| step_json(&names, s)).collect();
    let mut out = String::new();
    write_value(
        &mut out,
        &ordered(vec![
            ("format", json!(FORMAT)),
            ("version", json!(VERSION)),
            ("pattern", json!(lesson.pattern.slug())),
            ("title", json!(lesson.title)),
            ("seed", json!(lesson.seed)),
            ("steps", Value::Array(steps)),
        ]),
        0,
    );
    out.push('\n');
    out
}

/// An object whose keys keep the order given (serde_json's map sorts
/// them; the writer below reads this marker list instead).
fn ordered(fields: Vec<(&str, Value)>) -> Value {
    Value::Array(
        std::iter::once(json!(ORDERED))
            .chain(fields.into_iter().map(|(k, v)| json!([k, v])))
            .collect(),
    )
}

const ORDERED: &str = "\u{0}ordered";

fn step_json(names: &Names, s: &Step) -> Value {
    let mut fields = vec![
        ("title", json!(s.title)),
        ("body", json!(s.body)),
        ("watch", json!(s.watch)),
    ];
    if !s.setup.is_empty() {
        fields.push((
            "setup",
            Value::Array(s.setup.iter().map(|e| entry_json(names, e)).collect()),
        ));
    }
    fields.push(("run_for", json!(s.run_for)));
    if let Some(seed) = s.seed {
        fields.push(("seed", json!(seed)));
    }
    if let Some(p) = &s.predict {
        let choices = p
            .choices
            .iter()
            .map(|c| {
                ordered(vec![
                    ("text", json!(c.text)),
                    ("judge", judge_json(&c.judge)),
                ])
            })
            .collect();
        fields.push((
            "predict",
            ordered(vec![
                ("question", json!(p.question)),
                ("choices", Value::Array(choices)),
                ("explain", json!(p.explain)),
                ("expect", json!(p.expect + 1)),
            ]),
        ));
    }
    ordered(fields)
}

fn entry_json(names: &Names, e: &ScriptEntry) -> Value {
    let n = |id: NodeId| json!(names.name_of(id));
    let mut f = vec![("at", json!(e.at))];
    let op = |f: &mut Vec<(&str, Value)>, op: &str| f.push(("op", json!(op)));
    match &e.cmd {
        Command::Toggle { id, on } => {
            op(&mut f, "toggle");
            f.extend([("id", json!(id)), ("on", json!(on))]);
        }
        Command::Set { id, value } => {
            op(&mut f, "set");
            f.extend([("id", json!(id)), ("value", json!(value))]);
        }
        Command::Action { id } => {
            op(&mut f, "action");
            f.push(("id", json!(id)));
        }
        Command::Crash { node } => {
            op(&mut f, "crash");
            f.push(("node", n(*node)));
        }
        Command::Restart { node } => {
            op(&mut f, "restart");
            f.push(("node", n(*node)));
        }
        Command::Partition { a, b } | Command::Heal { a, b } => {
            let name = if matches!(e.cmd, Command::Partition { .. }) {
                "partition"
            } else {
                "heal"
            };
            op(&mut f, name);
            f.extend([("a", n(*a)), ("b", n(*b))]);
        }
        Command::PartitionOneway { from, to }
        | Command::Hold { from, to }
        | Command::Release { from, to } => {
            let name = match e.cmd {
                Command::PartitionOneway { .. } => "partition_oneway",
                Command::Hold { .. } => "hold",
                _ => "release",
            };
            op(&mut f, name);
            f.extend([("from", n(*from)), ("to", n(*to))]);
        }
        Command::SetLink { from, to, settings } => {
            op(&mut f, "set_link");
            f.extend([
                ("from", n(*from)),
                ("to", n(*to)),
                ("latency", json!(settings.latency)),
                ("jitter", json!(settings.jitter)),
                ("drop_permille", json!(settings.drop_permille)),
                ("dup_permille", json!(settings.dup_permille)),
            ]);
        }
        Command::DropMessage { msg } => {
            op(&mut f, "drop_message");
            f.push(("msg", json!(msg.0)));
        }
        Command::DuplicateMessage { msg } => {
            op(&mut f, "duplicate_message");
            f.push(("msg", json!(msg.0)));
        }
    }
    ordered(f)
}

fn judge_json(j: &Judge) -> Value {
    match j {
        Judge::CheckHolds(c) => ordered(vec![("check_holds", json!(c))]),
        Judge::CheckViolated(c) => ordered(vec![("check_violated", json!(c))]),
        Judge::ViewConverged(v) => ordered(vec![("converged", json!(v))]),
        Judge::ViewDiverged(v) => ordered(vec![("diverged", json!(v))]),
        Judge::ViewIs(v, k) => {
            let state = match k {
                StandingKind::Converged => "converged",
                StandingKind::CatchingUp => "catching_up",
                StandingKind::Stuck => "stuck",
                StandingKind::Diverged => "diverged",
            };
            ordered(vec![("replica", json!(v)), ("is", json!(state))])
        }
        Judge::Happened(h) => happening_json(h),
        Judge::HappenedInOrder(hs) => ordered(vec![(
            "happened_in_order",
            Value::Array(hs.iter().map(happening_json).collect()),
        )]),
        Judge::Logged(t) => ordered(vec![("logged", json!(t))]),
        Judge::LoggedInOrder(ts) => ordered(vec![("logged_in_order", json!(ts))]),
        Judge::Compare { left, op, right } => {
            let op = match op {
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Eq => "==",
                Op::Ne => "!=",
                Op::Ge => ">=",
                Op::Gt => ">",
            };
            ordered(vec![(
                "compare",
                Value::Array(vec![metric_json(left), json!(op), metric_json(right)]),
            )])
        }
        Judge::All(js) => ordered(vec![(
            "all",
            Value::Array(js.iter().map(judge_json).collect()),
        )]),
        Judge::Not(j) => ordered(vec![("not", judge_json(j))]),
    }
}

fn happening_json(h: &Happening) -> Value {
    let mut f = vec![("happened", json!(h.name))];
    if let Some(of) = h.of {
        f.push(("of", json!(of)));
    }
    ordered(f)
}

fn metric_json(m: &Metric) -> Value {
    match m {
        Metric::Value(x) if x.fract() == 0.0 && x.abs() < 1e15 => json!(*x as i64),
        Metric::Value(x) => json!(x),
        Metric::Cell { table, row, column } => ordered(vec![(
            "cell",
            ordered(vec![
                ("table", json!(table)),
                ("row", json!(row)),
                ("column", json!(column)),
            ]),
        )]),
        Metric::Differing(v) => ordered(vec![("differing", json!(v))]),
        Metric::PeakStaleness(v) => ordered(vec![("peak_staleness", json!(v))]),
        Metric::Counter(c) => ordered(vec![("counter", json!(c))]),
    }
}

/// The fields of an [`ordered`] object, if `v` is one.
fn fields_of(v: &Value) -> Option<Vec<(&str, &Value)>> {
    let Value::Array(a) = v else { return None };
    if a.first().and_then(Value::as_str) != Some(ORDERED) {
        return None;
    }
    Some(
        a[1..]
            .iter()
            .filter_map(|p| match p {
                Value::Array(kv) => Some((kv[0].as_str().unwrap_or(""), &kv[1])),
                _ => None,
            })
            .collect(),
    )
}

/// The value on one line, if it fits in `room` characters.
fn inline(v: &Value) -> String {
    match fields_of(v) {
        Some(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {}", json!(k), inline(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        None => match v {
            Value::Array(a) => {
                let inner: Vec<String> = a.iter().map(inline).collect();
                format!("[{}]", inner.join(", "))
            }
            _ => v.to_string(),
        },
    }
}

/// Writes `v` at `depth`: objects and lists on one line when they fit in
/// 96 characters, else one field or item per line.
fn write_value(out: &mut String, v: &Value, depth: usize) {
    let one = inline(v);
    if depth > 0 && one.len() + depth * 2 <= 96 && !one.contains("\\n") {
        out.push_str(&one);
        return;
    }
    let pad = "  ".repeat(depth + 1);
    if let Some(fields) = fields_of(v) {
        out.push_str("{\n");
        for (i, (k, val)) in fields.iter().enumerate() {
            out.push_str(&pad);
            out.push_str(&json!(k).to_string());
            out.push_str(": ");
            write_value(out, val, depth + 1);
            if i + 1 < fields.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(&"  ".repeat(depth));
        out.push('}');
    } else if let Value::Array(a) = v {
        out.push_str("[\n");
        for (i, val) in a.iter().enumerate() {
            out.push_str(&pad);
            write_value(out, val, depth + 1);
            if i + 1 < a.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(&"  ".repeat(depth));
        out.push(']');
    } else {
        out.push_str(&v.to_string());
    }
}
