//! Lesson files (`converge-lesson`): the built-in lessons are such files,
//! a file an author writes is read with services, checks and replicas by
//! name, and a file that is not valid is refused with the field and what
//! would be valid.

use converge::lessons::file::{parse, to_json};
use converge::lessons::{self, judge, Judge, Metric, Op};
use converge::patterns::Pattern;
use converge::sim::{Command, NodeId, StandingKind};

/// A lesson an instructor might write for their own course (not a copy
/// of a built-in one): a consumer's link drops messages.
const AUTHORED: &str = r#"{
  "$schema": "./converge-lesson.schema.json",
  "format": "converge-lesson",
  "version": 1,
  "pattern": "event-driven",
  "title": "Our billing consumer",
  "steps": [
    {
      "title": "A lossy link to Billing",
      "body": "Billing reads readings from the broker over a link that loses some.",
      "watch": "The Billing row of the meter.",
      "setup": [
        { "at": 0, "op": "toggle", "id": "workload", "on": false },
        { "at": 0, "op": "set_link", "from": "Broker", "to": "Billing", "drop_permille": 300 },
        { "at": 500, "op": "action", "id": "burst" },
        { "at": 600, "op": "crash", "node": "Analytics" }
      ],
      "run_for": 8000,
      "predict": {
        "question": "At 8 s, does Billing have every reading?",
        "choices": [
          { "text": "Yes", "judge": { "converged": "Billing" } },
          { "text": "No", "judge": { "not": { "converged": "Billing" } } }
        ],
        "explain": "The broker delivers again what Billing did not acknowledge, but each loss costs a retry: at 8 s Billing is still catching up.",
        "expect": 2
      }
    },
    {
      "title": "Look around",
      "body": "Nothing to predict here.",
      "watch": "The tokens.",
      "run_for": 2000,
      "seed": 9
    }
  ]
}"#;

fn refused(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

/// `AUTHORED` with `from` replaced by `to` (which must occur once).
fn with(from: &str, to: &str) -> String {
    assert_eq!(AUTHORED.matches(from).count(), 1, "{from}");
    AUTHORED.replace(from, to)
}

#[test]
fn every_built_in_lesson_is_a_file_that_reads_and_writes_back_the_same() {
    for pattern in Pattern::all() {
        let text = lessons::built_in_file(pattern);
        let lesson = parse(text).unwrap_or_else(|e| panic!("{}: {e}", pattern.slug()));
        assert_eq!(lesson.pattern, pattern);
        assert_eq!(to_json(&lesson), text, "{}", pattern.slug());
    }
}

#[test]
fn an_authored_lesson_reads_with_names_and_defaults() {
    let l = parse(AUTHORED).unwrap();
    assert_eq!(l.pattern, Pattern::EventDriven);
    assert_eq!(l.title, "Our billing consumer");
    assert_eq!(l.seed, 1, "the seed defaults to 1");
    assert_eq!(l.steps.len(), 2);
    let s = &l.steps[0];
    // Services by name, the link's other settings from the pattern.
    let Command::SetLink { from, to, settings } = &s.setup[1].cmd else {
        panic!("{:?}", s.setup[1]);
    };
    assert_eq!((*from, *to), (NodeId(1), NodeId(2)));
    assert_eq!(settings.drop_permille, 300);
    let base = Pattern::EventDriven.start(1).topology().link;
    assert_eq!(
        (settings.latency, settings.jitter),
        (base.latency, base.jitter)
    );
    assert_eq!(s.setup[3].cmd, Command::Crash { node: NodeId(4) });
    let p = s.predict.as_ref().unwrap();
    assert_eq!(p.expect, 1, "expect counts choices from 1");
    assert_eq!(p.choices[0].judge, Judge::ViewConverged("Billing".into()));
    assert_eq!(l.steps[1].seed, Some(9));
    assert!(l.steps[1].predict.is_none());
    // Written back, it reads the same.
    assert_eq!(parse(&to_json(&l)).unwrap(), l);
}

fn p_expect(l: &converge::lessons::Lesson) -> usize {
    l.steps[0].predict.as_ref().unwrap().expect
}

#[test]
fn an_authored_prediction_is_judged_by_the_run() {
    let l = parse(AUTHORED).unwrap();
    let s = &l.steps[0];
    let mut run = l.pattern.replay(l.seed_of(0), s.setup.clone()).unwrap();
    run.run_until(s.run_for);
    let outcome = judge(run.as_ref(), s.predict.as_ref().unwrap());
    assert_eq!(
        outcome.answer(),
        Some(p_expect(&l)),
        "{:?}",
        outcome.findings
    );
    assert!(
        outcome.findings[1].text.contains("catching up"),
        "{:?}",
        outcome.findings
    );
}

#[test]
fn every_judge_and_measurement_reads() {
    let text = with(
        r#"{ "text": "No", "judge": { "not": { "converged": "Billing" } } }"#,
        r#"{ "text": "No", "judge": { "all": [
            { "check_holds": "no reading billed twice" },
            { "check_violated": "billing matches the meters" },
            { "diverged": "Analytics" },
            { "replica": "Billing", "is": "catching_up" },
            { "logged": "duplicate" },
            { "logged_in_order": ["crash", "restart"] },
            { "compare": [{ "counter": "dropped" }, ">=", 1] },
            { "compare": [{ "differing": "Billing" }, "<", { "peak_staleness": "Billing" }] },
            { "compare": [{ "cell": { "table": "Billing", "row": "customer-1", "column": "billed" } }, "!=", 2.5] }
        ] } }"#,
    );
    let l = parse(&text).unwrap();
    let Judge::All(js) = &l.steps[0].predict.as_ref().unwrap().choices[1].judge else {
        panic!()
    };
    assert_eq!(js.len(), 9);
    assert_eq!(
        js[3],
        Judge::ViewIs("Billing".into(), StandingKind::CatchingUp)
    );
    assert_eq!(
        js[6],
        Judge::Compare {
            left: Metric::Counter("dropped".into()),
            op: Op::Ge,
            right: Metric::Value(1.0)
        }
    );
    assert_eq!(parse(&to_json(&l)).unwrap(), l);
}

/// The cell measurement `{ "cell": { "table": table, "row": row, "column": column } }`
/// in place of the authored lesson's "No" claim.
fn cell_claim(table: &str, row: &str, column: &str, op: &str, value: &str) -> String {
    with(
        r#"{ "not": { "converged": "Billing" } }"#,
        &format!(
            r#"{{ "compare": [{{ "cell": {{ "table": "{table}", "row": "{row}", "column": "{column}" }} }}, "{op}", {value}] }}"#
        ),
    )
}

#[test]
fn a_table_is_named_by_id_or_title_and_its_cells_compare_by_the_number_they_hold() {
    // By id or by the start of the title as shown: both read as the id,
    // so the judge never matches a title (which may carry live numbers).
    for name in ["billing", "Billing", "Billing: charges"] {
        let l = parse(&cell_claim(name, "customer-1", "billed", ">", "0")).unwrap();
        let Judge::Compare { left, .. } = &l.steps[0].predict.as_ref().unwrap().choices[1].judge
        else {
            panic!("{name}")
        };
        assert_eq!(
            *left,
            Metric::Cell {
                table: "billing".into(),
                row: "customer-1".into(),
                column: "billed".into()
            },
            "{name}"
        );
    }
    // The run bills customer 1 (kWh and dollars are numbers the cells
    // hold); the meters column shows "1, 2", which is not a number.
    let judged = |text: &str| {
        let l = parse(text).unwrap();
        let s = &l.steps[0];
        let mut run = l.pattern.replay(l.seed_of(0), s.setup.clone()).unwrap();
        run.run_until(s.run_for);
        judge(run.as_ref(), s.predict.as_ref().unwrap())
            .findings
            .swap_remove(1)
    };
    for column in ["billed", "charge"] {
        let f = judged(&cell_claim("billing", "customer-1", column, ">", "0"));
        assert!(f.holds, "{column}: {}", f.text);
        assert!(
            f.text.starts_with(&format!(
                "Billing: charges per customer → customer-1, {column}: "
            )),
            "{}",
            f.text
        );
    }
    let f = judged(&cell_claim("billing", "customer-1", "meters", ">", "0"));
    assert!(!f.holds);
    assert!(f.text.contains("1, 2 (not a number)"), "{}", f.text);
}

#[test]
fn a_table_that_is_not_there_ambiguous_or_without_the_column_is_refused() {
    let e = refused(&cell_claim("Meter", "meter-1", "total", ">", "0"));
    assert_eq!(
        e,
        "steps[0].predict.choices[1].judge.compare[0].cell.table: “Meter” starts the titles \
         of 2 tables (readings, unpublished): write more of the title, or the id"
    );
    let e = refused(&cell_claim("Invoices", "customer-1", "billed", ">", "0"));
    assert!(
        e.starts_with(
            "steps[0].predict.choices[1].judge.compare[0].cell.table: no table with the id or a \
             title starting “Invoices” in Event-based (tables: readings “Meter: readings per meter"
        ),
        "{e}"
    );
    assert_eq!(
        refused(&cell_claim("billing", "customer-1", "bill", ">", "0")),
        "steps[0].predict.choices[1].judge.compare[0].cell.column: the table “billing” has no \
         column “bill” (columns: customer, meters, billed, charge, meters read)"
    );
}

#[test]
fn a_misspelt_name_is_refused_with_the_names_there_are() {
    assert_eq!(
        refused(&with(
            r#""judge": { "converged": "Billing" } }"#,
            r#""judge": { "converged": "Biling" } }"#
        )),
        "steps[0].predict.choices[0].judge.converged: no replica “Biling” in Event-based \
         (replicas: Billing, Load balancer, Analytics)"
    );
    assert_eq!(
        refused(&with(r#""node": "Analytics""#, r#""node": "Analytic""#)),
        "steps[0].setup[3].node: no service “Analytic” in Event-based \
         (services: Meter, Broker, Billing, Load balancer, Analytics)"
    );
    let e = refused(&with(
        r#""judge": { "converged": "Billing" } }"#,
        r#""judge": { "check_holds": "billing is right" } }"#,
    ));
    assert!(
        e.starts_with(
            "steps[0].predict.choices[0].judge.check_holds: no check “billing is right” in Event-based (checks: "
        ),
        "{e}"
    );
    assert!(e.contains("billing matches the meters"), "{e}");
    // An id the pattern does not have: the engine's own validator, with
    // the file's field.
    let e = refused(&with(r#""id": "burst""#, r#""id": "bursts""#));
    assert!(e.starts_with("steps[0].setup[2]"), "{e}");
    assert!(e.contains("bursts"), "{e}");
}

#[test]
fn missing_unknown_and_mistyped_fields_are_named() {
    assert_eq!(
        refused(&with(r#""watch": "The tokens.","#, "")),
        "steps[1].watch: missing"
    );
    assert_eq!(
        refused(&with(
            r#""title": "Our billing consumer","#,
            r#""titel": "Our billing consumer","#
        )),
        "titel: unknown field (fields here: $schema, format, version, pattern, title, seed, steps)"
    );
    assert_eq!(
        refused(&with(r#""run_for": 2000,"#, r#""run_for": "2 s","#)),
        "steps[1].run_for: expected a whole number from 0 to 600000, found \"2 s\""
    );
    assert_eq!(
        refused(&with(
            r#"{ "not": { "converged": "Billing" } }"#,
            r#"{ "nope": "Billing" }"#
        )),
        "steps[0].predict.choices[1].judge: unknown judge “nope” (judges: check_holds, check_violated, \
         converged, diverged, replica, happened, happened_in_order, logged, logged_in_order, compare, all, not)"
    );
    assert_eq!(
        refused(&with(r#""op": "crash""#, r#""op": "explode""#)),
        "steps[0].setup[3].op: no command “explode” (commands: toggle, set, action, crash, \
         restart, partition, heal, partition_oneway, hold, release, set_link, drop_message, \
         duplicate_message)"
    );
    assert_eq!(
        refused(&with(
            r#""pattern": "event-driven""#,
            r#""pattern": "events""#
        )),
        "pattern: no pattern “events” (patterns: event-driven, background-sync, saga, cqrs)"
    );
    assert_eq!(refused("{ not json"), refused("{ not json"));
    assert!(refused("{ not json").starts_with("not a JSON file"));
    assert_eq!(
        refused(r#"{"format":"converge-scene","version":1}"#),
        "format: this is a scene file: open it with Import scenario"
    );
    assert_eq!(
        refused(&with(r#""version": 1"#, r#""version": 2"#)),
        "version: version 2 is newer than this app reads (1); update Converge"
    );
}

#[test]
fn out_of_range_times_choices_and_expect_are_refused() {
    assert_eq!(
        refused(&with(r#""expect": 2"#, r#""expect": 3"#)),
        "steps[0].predict.expect: expected the number of a choice, 1 to 2 (the first choice is 1)"
    );
    assert_eq!(
        refused(&with(r#""expect": 2"#, r#""expect": 0"#)),
        "steps[0].predict.expect: expected the number of a choice, 1 to 2 (the first choice is 1)"
    );
    assert_eq!(
        refused(&with(r#""run_for": 8000,"#, r#""run_for": 550,"#)),
        "steps[0].setup[3].at: 600 ms is after the step ends (run_for 550 ms)"
    );
    assert_eq!(
        refused(&with(
            r#"{ "at": 600, "op": "crash""#,
            r#"{ "at": 100, "op": "crash""#
        )),
        "steps[0].setup[3].at: 100 ms is before the entry above (500 ms): list them in time order"
    );
    assert_eq!(
        refused(&with(r#""run_for": 2000,"#, r#""run_for": 0,"#)),
        "steps[1].run_for: must be above 0 ms"
    );
    let one_choice = with(
        r#"{ "text": "No", "judge": { "not": { "converged": "Billing" } } }"#,
        "",
    )
    .replace("} },\n", "} }\n");
    assert_eq!(
        refused(&one_choice),
        "steps[0].predict.choices: 1 choices, expected 2 to 4"
    );
    assert_eq!(
        refused(
            r#"{"format":"converge-lesson","version":1,"pattern":"saga","title":"t","steps":[]}"#
        ),
        "steps: 0 steps, expected 1 to 12"
    );
}

#[test]
fn the_json_schema_next_to_the_lessons_names_what_the_reader_reads() {
    use converge::lessons::file::{COUNTERS, JUDGES, OPS};
    use serde_json::Value;
    let schema: Value =
        serde_json::from_str(include_str!("../src/lessons/converge-lesson.schema.json")).unwrap();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let defs = &schema["$defs"];
    assert_eq!(strings(&defs["entry"]["properties"]["op"]["enum"]), OPS);
    let judges: Vec<String> = defs["judge"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            // A judge may be a reference to a definition ("#/$defs/happening").
            let j = match j["$ref"].as_str() {
                Some(r) => &defs[r.trim_start_matches("#/$defs/")],
                None => j,
            };
            strings(&j["required"])[0].clone()
        })
        .collect();
    assert_eq!(judges, JUDGES);
    let counter = defs["metric"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["required"][0] == "counter")
        .unwrap();
    assert_eq!(strings(&counter["properties"]["counter"]["enum"]), COUNTERS);
    assert_eq!(
        strings(&schema["properties"]["pattern"]["enum"]),
        Pattern::all().map(|p| p.slug().to_string())
    );
}

#[test]
fn the_readme_example_reads_and_the_run_confirms_its_expected_choice() {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## Write your own lesson").unwrap()..];
    let start = section.find("```json\n").unwrap() + "```json\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let l = parse(example).unwrap_or_else(|e| panic!("{e}"));
    for (i, s) in l.steps.iter().enumerate() {
        let Some(p) = &s.predict else { continue };
        let mut run = l.pattern.replay(l.seed_of(i), s.setup.clone()).unwrap();
        run.run_until(s.run_for);
        let outcome = judge(run.as_ref(), p);
        assert_eq!(outcome.answer(), Some(p.expect), "{:?}", outcome.findings);
    }
}

/// Runs `converge-lesson check` on `files` written to a scratch folder.
fn cli(files: &[(&str, &str)]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("converge-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<_> = files
        .iter()
        .map(|(name, text)| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_converge-lesson"))
        .arg("check")
        .args(&paths)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_command_line_check_passes_a_good_lesson_and_names_each_problem() {
    let (code, out) = cli(&[
        ("saga.json", lessons::built_in_file(Pattern::Saga)),
        ("ours.json", AUTHORED),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("step 1 “A lossy link to Billing”: ok: confirms choice 2, as expected"),
        "{out}"
    );
    assert!(out.contains("ok: 2 file(s), no problems"), "{out}");

    // Both choices true of the run: the author must make them exclusive.
    let ambiguous = with(
        r#"{ "text": "Yes", "judge": { "converged": "Billing" } }"#,
        r#"{ "text": "Yes", "judge": { "not": { "converged": "Analytics" } } }"#,
    );
    let (code, out) = cli(&[("ambiguous.json", &ambiguous)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("step 1 “A lossy link to Billing”: PROBLEM: the run confirms more than one choice (1 and 2)"),
        "{out}"
    );
    // Confirmed, but not the choice the explanation is written for.
    let (code, out) = cli(&[("wrong.json", &with(r#""expect": 2"#, r#""expect": 1"#))]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the run confirms choice 2, not the expected choice 1"),
        "{out}"
    );
    // A file that does not read: the field and what would be valid.
    let (code, out) = cli(&[(
        "typo.json",
        &with(r#""node": "Analytics""#, r#""node": "Analytic""#),
    )]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("typo.json: steps[0].setup[3].node: no service “Analytic”"),
        "{out}"
    );
}

#[test]
fn the_command_line_check_explains_its_usage() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_converge-lesson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: converge-lesson check FILE"));
}

#[test]
fn the_instructors_lesson_the_end_to_end_tests_open_checks_out() {
    let text = std::fs::read_to_string("tests/e2e/our-grid.lesson.json").unwrap();
    let lesson = converge::lessons::file::parse(&text).unwrap();
    assert_eq!(lesson.steps.len(), 3);
    for i in 0..lesson.steps.len() {
        let found = converge::lessons::check_step(&lesson, i).unwrap();
        assert!(found.ok(), "step {}: {}", i + 1, found.words());
    }
}

#[test]
fn every_table_has_an_id_of_its_own_that_the_readme_lists() {
    let readme = include_str!("../README.md");
    for pattern in Pattern::all() {
        let mut run = pattern.start(3);
        run.run_until(20_000);
        let ids: Vec<&str> = run.tables().iter().map(|t| t.id).collect();
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[..i].contains(id), "{pattern:?}: two tables are “{id}”");
            assert!(
                readme.contains(&format!("`{id}`")),
                "{pattern:?}: the README's list of table ids lacks `{id}`"
            );
        }
    }
}

#[test]
fn every_milestone_is_listed_in_the_readme_and_the_schema() {
    let readme = include_str!("../README.md");
    let schema = include_str!("../src/lessons/converge-lesson.schema.json");
    for pattern in Pattern::all() {
        for m in pattern.milestones() {
            assert!(
                readme.contains(&format!("`{}`", m.name)),
                "README lacks {}",
                m.name
            );
            assert!(schema.contains(m.name), "the schema lacks {}", m.name);
        }
    }
}

#[test]
fn a_milestone_is_judged_by_the_trace_not_by_words() {
    // Billing's consumer link duplicates every message: with idempotency
    // on (the default) Billing marks the copies as duplicates it ignored.
    let text = r#"{
      "format": "converge-lesson", "version": 1, "pattern": "event-driven",
      "title": "Copies",
      "steps": [{
        "title": "Every message twice", "body": "b", "watch": "w",
        "setup": [{ "at": 0, "op": "set_link", "from": "Broker", "to": "Billing", "dup_permille": 1000 }],
        "run_for": 6000,
        "predict": {
          "question": "q",
          "choices": [
            { "text": "ignored", "judge": { "happened": "duplicate_ignored" } },
            { "text": "reading 1 ignored", "judge": { "happened": "duplicate_ignored", "of": 1 } },
            { "text": "reading 9999 ignored", "judge": { "happened": "duplicate_ignored", "of": 9999 } },
            { "text": "in order", "judge": { "happened_in_order": [
              { "happened": "duplicate_ignored", "of": 1 }, { "happened": "duplicate_ignored", "of": 12 }
            ] } }
          ],
          "explain": "e", "expect": 1
        }
      }]
    }"#;
    let l = parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse(&to_json(&l)).unwrap(), l, "written back the same");
    let s = &l.steps[0];
    let mut run = l.pattern.replay(l.seed_of(0), s.setup.clone()).unwrap();
    run.run_until(s.run_for);
    let o = judge(run.as_ref(), s.predict.as_ref().unwrap());
    let f = &o.findings;
    assert!(f[0].holds && f[0].text.contains("is a duplicate"), "{f:?}");
    assert!(f[1].holds && f[1].text.contains("reading #1 "), "{f:?}");
    assert!(!f[2].holds);
    assert_eq!(
        f[2].text,
        "nothing in the run is “duplicate_ignored” of reading 9999"
    );
    assert!(f[3].holds, "{f:?}");
    // The same claim reversed in time does not hold.
    let rev = converge::lessons::Judge::HappenedInOrder(
        match &s.predict.as_ref().unwrap().choices[3].judge {
            converge::lessons::Judge::HappenedInOrder(hs) => hs.iter().rev().cloned().collect(),
            _ => unreachable!(),
        },
    );
    let r = converge::lessons::evaluate(run.as_ref(), &rev);
    assert!(!r.holds);
    assert!(
        r.text.ends_with(
            "“duplicate_ignored” of reading 1 happened, but not after the events before it"
        ),
        "{}",
        r.text
    );
}

#[test]
fn a_milestone_the_pattern_does_not_have_or_a_needless_of_is_refused() {
    let claim = |j: &str| with(r#"{ "not": { "converged": "Billing" } }"#, j);
    assert_eq!(
        refused(&claim(r#"{ "happened": "refunded" }"#)),
        "steps[0].predict.choices[1].judge.happened: no milestone “refunded” in Event-based \
         (milestones: duplicate_ignored)"
    );
    assert_eq!(
        refused(&claim(r#"{ "happened": "duplicate_ignored", "of": -1 }"#)),
        "steps[0].predict.choices[1].judge.of: expected a whole number from 0 to 9007199254740992, found -1"
    );
    let sync = r#"{
      "format": "converge-lesson", "version": 1, "pattern": "background-sync",
      "title": "t",
      "steps": [{
        "title": "t", "body": "b", "watch": "w", "run_for": 1000,
        "predict": {
          "question": "q",
          "choices": [
            { "text": "a", "judge": { "happened": "resumed" } },
            { "text": "b", "judge": { "happened": "started_over", "of": 2 } }
          ],
          "explain": "e", "expect": 1
        }
      }]
    }"#;
    let e = refused(sync);
    assert!(
        e.ends_with("judge.of: “started_over” is not of anything: leave “of” out"),
        "{e}"
    );
    assert_eq!(
        refused(&claim(
            r#"{ "happened_in_order": [{ "happened": "duplicate_ignored" }] }"#
        )),
        "steps[0].predict.choices[1].judge.happened_in_order: expected at least two milestones, \
         in the order they happen"
    );
}
