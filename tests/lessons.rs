//! The lessons stay true: every prediction is judged on the engine, headless,
//! exactly as the lesson pane judges it, and the run must confirm exactly one
//! choice, the one the lesson's explanation is written for. When a pattern
//! changes so that a lesson no longer describes what happens, this fails and
//! names the step.

use converge::lessons::{self, judge, Lesson};
use converge::patterns::Pattern;
use converge::sim::TraceKind;

fn outcome_of(lesson: &Lesson, i: usize) -> Option<lessons::Outcome> {
    let step = &lesson.steps[i];
    let p = step.predict.as_ref()?;
    let mut sim = lesson
        .pattern
        .replay(lesson.seed_of(i), step.setup.clone())
        .expect("valid script");
    sim.run_until(step.run_for);
    Some(judge(sim.as_ref(), p))
}

#[test]
fn every_prediction_is_confirmed_by_exactly_the_choice_the_lesson_explains() {
    let mut failures = Vec::new();
    let mut judged = 0;
    for lesson in lessons::all() {
        for (i, step) in lesson.steps.iter().enumerate() {
            let Some(out) = outcome_of(&lesson, i) else {
                continue;
            };
            judged += 1;
            let p = step.predict.as_ref().unwrap();
            let report = p
                .choices
                .iter()
                .zip(&out.findings)
                .map(|(c, f)| {
                    format!(
                        "    [{}] {} — {}",
                        if f.holds { "x" } else { " " },
                        c.text,
                        f.text
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            println!(
                "{} / step {}: {}\n{report}",
                lesson.title,
                i + 1,
                step.title
            );
            if out.answer() != Some(p.expect) {
                failures.push(format!(
                    "{} / step {} ({}): the run confirms {:?}, the lesson explains choice {}\n{report}",
                    lesson.title,
                    i + 1,
                    step.title,
                    out.confirmed,
                    p.expect
                ));
            }
        }
    }
    assert!(judged >= 20, "only {judged} prediction steps");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_lesson_has_five_to_eight_steps_and_valid_scripts() {
    let all = lessons::all();
    assert_eq!(all.len(), 4);
    for (lesson, pattern) in all.iter().zip(Pattern::all()) {
        assert_eq!(
            lesson.pattern, pattern,
            "one lesson per pattern, in tab order"
        );
        assert_eq!(lessons::for_pattern(pattern), *lesson);
        lesson.validate().unwrap();
        assert!(
            lesson.steps.iter().any(|s| s.predict.is_some()),
            "{} asks at least one question",
            lesson.title
        );
    }
}

#[test]
fn validation_names_the_step_and_the_problem() {
    let mut l = lessons::for_pattern(Pattern::Saga);
    l.steps.truncate(4);
    assert!(l
        .validate()
        .unwrap_err()
        .contains("4 steps, expected 5 to 8"));

    let mut l = lessons::for_pattern(Pattern::Saga);
    l.steps[1]
        .setup
        .push(lessons::at(100, lessons::toggle("no_such_toggle", true)));
    let e = l.validate().unwrap_err();
    assert!(e.contains("step 2") && e.contains("no_such_toggle"), "{e}");

    let mut l = lessons::for_pattern(Pattern::Cqrs);
    l.steps[1].predict.as_mut().unwrap().expect = 9;
    assert!(l
        .validate()
        .unwrap_err()
        .contains("expect 9 is not a choice"));
}

/// The verdict changes with the run: the same question judged on a run with
/// the mitigation flipped confirms the other answer, so no answer is fixed.
#[test]
fn the_same_question_gets_the_other_answer_when_the_run_differs() {
    let lesson = lessons::for_pattern(Pattern::EventDriven);
    let dup = lesson
        .steps
        .iter()
        .position(|s| s.title == "A duplicate reaches Billing")
        .unwrap();
    let idem = lesson
        .steps
        .iter()
        .position(|s| s.title == "The idempotent consumer")
        .unwrap();
    let question = lesson.steps[dup].predict.clone().unwrap();
    let mut sim = lesson
        .pattern
        .replay(lesson.seed_of(idem), lesson.steps[idem].setup.clone())
        .unwrap();
    sim.run_until(lesson.steps[idem].run_for);
    assert_eq!(
        judge(sim.as_ref(), &question).answer(),
        Some(1 - question.expect)
    );
}

/// Every command of a step's script takes effect at the time the lesson
/// says, and the run stops at `run_for`, so the times the text quotes are
/// the times the learner sees.
#[test]
fn every_step_runs_its_script_on_time() {
    let mut failures = Vec::new();
    for lesson in lessons::all() {
        for (i, step) in lesson.steps.iter().enumerate() {
            let mut sim = lesson
                .pattern
                .replay(lesson.seed_of(i), step.setup.clone())
                .unwrap();
            sim.run_until(step.run_for);
            let applied: Vec<u64> = sim
                .log(usize::MAX)
                .iter()
                .filter(|l| l.kind == TraceKind::Command)
                .map(|l| l.time)
                .collect();
            let planned: Vec<u64> = step.setup.iter().map(|e| e.at).collect();
            if applied != planned || sim.now() != step.run_for {
                failures.push(format!(
                    "{} / step {} ({}): commands at {applied:?}, planned {planned:?}; run ended at {} for run_for {}",
                    lesson.title,
                    i + 1,
                    step.title,
                    sim.now(),
                    step.run_for
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
