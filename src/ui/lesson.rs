//! The guided lesson for the current pattern, shown in the side panel.
//!
//! Closed, the pane offers to start the pattern's lesson. Open, it shows
//! step n of m: the step's words, what to watch and, on prediction steps,
//! a question to answer before pressing Run. Run replays the step's
//! script on a fresh run for `run_for` and judges every choice on the
//! simulation ([`lessons::judge`]); the verdict quotes what the run shows.
//!
//! The open step lives in [`Run::lesson`] (0-based) so share links can
//! carry it; [`Startup::lesson_step`] (1-based) opens a step at start.
//! Switching to another pattern closes the lesson.

use super::run::{use_run, Notice, Run};
use super::startup::Startup;
use crate::lessons::{self, Lesson, Opened, Outcome, StepCheck};
use crate::sim::Time;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// A judged prediction: what the learner picked and what the run showed.
#[derive(Clone, Debug, PartialEq)]
struct Verdict {
    picked: usize,
    outcome: Outcome,
}

/// Replaces the run with a fresh run of step `i`'s script, paused at 0.
fn apply_step(run: Run, lesson: &Lesson, i: usize, at: Time) -> bool {
    let Some(step) = lesson.steps.get(i) else {
        return false;
    };
    run.set_playing(false);
    match run.load(lesson.pattern, lesson.seed_of(i), step.setup.clone(), at) {
        Ok(()) => true,
        Err(e) => {
            run.notice.set(Some(Notice::error(format!(
                "This lesson step could not start: {e}"
            ))));
            false
        }
    }
}

/// The 0-based step a link's or a file's 1-based step `n` opens in
/// `lesson`; past the end, the last step, with words that say so.
pub fn step_to_open(lesson: &Lesson, n: usize) -> (usize, Option<String>) {
    let len = lesson.steps.len().max(1);
    if (1..=len).contains(&n) {
        return (n - 1, None);
    }
    let words = format!(
        "There is no step {n} in the {} lesson (it has {len} steps): showing step {}.",
        lesson.pattern.label(),
        if n == 0 { 1 } else { len }
    );
    (if n == 0 { 0 } else { len - 1 }, Some(words))
}

/// Opens the text of a lesson file as the lesson of its pattern (switching
/// to that pattern) on step `step` (1-based; the first when `None`), set
/// up fresh unless `keep_run` and the run already shows that pattern (a
/// link made during the lesson carries its own run). A file that is not
/// valid is refused with a notice naming the field; then the lesson and
/// the run stay as they were.
pub fn open_lesson(
    run: Run,
    name: &str,
    text: &str,
    url: Option<String>,
    step: Option<usize>,
    keep_run: bool,
) -> Result<(), String> {
    let lesson = lessons::file::parse(text).map_err(|e| {
        let msg = format!(
            "Could not open the lesson {name} \u{2014} {e}. Your lesson and run are unchanged."
        );
        run.notice.set(Some(Notice::error(msg.clone())));
        msg
    })?;
    let (i, past) = step_to_open(&lesson, step.unwrap_or(1));
    let mut said = format!(
        "Opened the lesson \u{201c}{}\u{201d} from {name} ({} steps).",
        lesson.title,
        lesson.steps.len()
    );
    if let Some(words) = past {
        said = format!("{said} {words}");
    }
    let keep = keep_run && run.pattern.get_untracked() == lesson.pattern;
    if !keep {
        run.switch(lesson.pattern);
    }
    run.opened.set(Some(Opened {
        lesson: lesson.clone(),
        text: text.to_string(),
        name: name.to_string(),
        url,
    }));
    run.lesson.set(Some(i));
    if !keep && !apply_step(run, &lesson, i, 0) {
        return Err("the step could not start".into());
    }
    run.notice.set(Some(Notice::info(said)));
    Ok(())
}

/// Fetches the lesson file at `url` (relative to the page, or absolute
/// where the host allows it) and opens it (see [`open_lesson`]); says
/// why when it cannot.
pub fn fetch_lesson(run: Run, url: String, step: Option<usize>, keep_run: bool) {
    run.notice.set(Some(Notice::info(format!(
        "Loading the lesson {url}\u{2026}"
    ))));
    spawn_local(async move {
        let text = fetch_text(&url).await;
        if !run.alive() {
            return;
        }
        match text {
            Ok(text) => {
                let _ = open_lesson(run, &url, &text, Some(url.clone()), step, keep_run);
            }
            Err(why) => run.notice.set(Some(Notice::error(format!(
                "Could not load the lesson {url} \u{2014} {why}. The playground runs without it."
            )))),
        }
    });
}

/// The text at `url`, or why it could not be read.
async fn fetch_text(url: &str) -> Result<String, String> {
    let unreachable = || {
        "the page could not fetch it (offline, a wrong address, or a host that does not let this page read it)"
            .to_string()
    };
    let answer = JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|_| unreachable())?;
    let answer: web_sys::Response = answer.unchecked_into();
    if !answer.ok() {
        return Err(format!("the server answered {}", answer.status()));
    }
    let text = answer.text().map_err(|_| unreachable())?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(unreachable)
}

/// What "Check lesson" found for one step.
#[derive(Clone, Debug, PartialEq)]
struct Checked {
    step: usize,
    title: String,
    found: Result<StepCheck, String>,
}

/// "Check lesson": runs every prediction step headless, a step per slice
/// (the page stays responsive, with progress), and says per step which
/// choices the run confirms, flagging a step where none, more than one,
/// or another than `expect` is.
#[component]
fn LessonCheck(lesson: Memo<Lesson>) -> impl IntoView {
    let results = RwSignal::new(None::<Vec<Checked>>);
    let total = RwSignal::new(0usize);
    let busy = RwSignal::new(false);
    // A check under way stops when the lesson changes.
    let generation = StoredValue::new(0u32);
    Effect::watch(
        move || lesson.track(),
        move |_, _, _| {
            generation.update_value(|g| *g = g.wrapping_add(1));
            results.set(None);
            busy.set(false);
        },
        false,
    );
    let check = move |_| {
        let l = lesson.get_untracked();
        let steps: Vec<usize> = (0..l.steps.len())
            .filter(|&i| l.steps[i].predict.is_some())
            .collect();
        generation.update_value(|g| *g = g.wrapping_add(1));
        let mine = generation.get_value();
        total.set(steps.len());
        results.set(Some(Vec::new()));
        busy.set(true);
        spawn_local(async move {
            for i in steps {
                // Let the page paint the progress between steps.
                gloo_timers::future::TimeoutFuture::new(0).await;
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let found = lessons::check_step(&l, i);
                let title = l.steps[i].title.clone();
                results.update(|r| {
                    if let Some(r) = r {
                        r.push(Checked {
                            step: i,
                            title,
                            found,
                        });
                    }
                });
            }
            busy.set(false);
        });
    };
    view! {
        <div class="lesson-check">
            <button type="button" class="lesson-check-button" disabled=move || busy.get() on:click=check
                title="Run every question's step and see which answers the simulation confirms">
                "Check lesson"
            </button>
            // Built as markup in one piece: a few lines of text that change
            // together (a reactive view per row cost 8 KB of wasm).
            <div class="lesson-check-report" aria-live="polite"
                inner_html=move || results.with(|r| check_report(r.as_deref(), total.get(), busy.get()))>
            </div>
        </div>
    }
}

/// The markup of a check's report: its progress, a summary, then a line
/// per step checked (`&`, `<` and `>` of the lesson's titles escaped).
fn check_report(done: Option<&[Checked]>, n: usize, busy: bool) -> String {
    let Some(done) = done else {
        return String::new();
    };
    let bad = done
        .iter()
        .filter(|c| !c.found.as_ref().is_ok_and(StepCheck::ok))
        .count();
    let summary = match (busy, n, bad) {
        (true, _, _) => format!("Checking step {} of {n}\u{2026}", done.len() + 1),
        (_, 0, _) => "This lesson asks no questions: there is nothing to check.".to_string(),
        (_, _, 0) => format!("Every prediction checks out ({n} of {n})."),
        (_, _, 1) => format!("1 of {n} predictions needs a look."),
        _ => format!("{bad} of {n} predictions need a look."),
    };
    let mut html = String::new();
    if busy {
        html += &format!(
            "<progress class=\"lesson-check-progress\" max=\"{n}\" value=\"{}\"></progress>",
            done.len()
        );
    }
    html +=
        &format!("<p class=\"lesson-check-summary\">{summary}</p><ul class=\"lesson-check-list\">");
    for c in done {
        let (ok, words) = match &c.found {
            Ok(f) => (f.ok(), f.words()),
            Err(e) => (false, format!("could not run: {e}")),
        };
        let (class, mark) = if ok {
            ("lesson-check-row", '\u{2713}')
        } else {
            ("lesson-check-row lesson-check-bad", '\u{26a0}')
        };
        let line = format!("{mark} Step {} \u{b7} {}: {words}", c.step + 1, c.title);
        html += &format!("<li class=\"{class}\">{}</li>", escape(&line));
    }
    html + "</ul>"
}

/// `text` safe inside an element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The guided lesson for the current pattern.
#[component]
pub fn LessonPane() -> impl IntoView {
    let run = use_run();
    let lesson = Memo::new(move |_| run.lesson_for(run.pattern.get()));
    let choice = RwSignal::new(None::<usize>);
    let verdict = RwSignal::new(None::<Verdict>);
    // Observation steps play until their `run_for`, then pause there.
    let stop_at = StoredValue::new(None::<Time>);
    // Where an observation step's play is: 0 not started, 1 playing, 2 done.
    let played = RwSignal::new(0u8);
    let heading = NodeRef::<html::H3>::new();
    let verdict_slot = NodeRef::<html::Div>::new();

    // A share link may open a step (1-based). The run it carries (loaded
    // by the app) is kept: a link made during a step whose setup is empty
    // has no script, but its playhead is the learner's moment. Only a bare
    // "open step n" (no script, playhead 0) sets the step up.
    // (A link with `lesson=URL` opens its step once the file has come.)
    if let Some(start) = use_context::<Startup>().filter(|s| s.lesson_url.is_none()) {
        if let Some(n) = start.lesson_step {
            let l = lesson.get_untracked();
            let (i, past) = step_to_open(&l, n);
            if let Some(words) = past {
                run.notice.set(Some(Notice::info(words)));
            }
            run.lesson.set(Some(i));
            if start.script.is_empty() && start.at == 0 {
                apply_step(run, &l, i, 0);
            }
        }
    }

    // Another lesson (another pattern, or one opened from a file) or
    // another step opened from outside: the pane's own state goes with
    // the old one.
    Effect::watch(
        move || (lesson.track(), run.lesson.get()),
        move |_, _, _| {
            choice.set(None);
            verdict.set(None);
            stop_at.set_value(None);
            played.set(0);
        },
        false,
    );

    Effect::new(move |_| {
        let t = run.frame.with(|f| f.time);
        if let Some(stop) = stop_at.get_value() {
            if !run.playing.get_untracked() {
                // Paused by hand: the learner has taken over.
                stop_at.set_value(None);
                played.set(0);
            } else if t >= stop {
                stop_at.set_value(None);
                played.set(2);
                run.set_playing(false);
                if t > stop {
                    run.seek(stop);
                }
            }
        }
    });

    let go = move |i: usize| {
        let l = lesson.get_untracked();
        if i >= l.steps.len() {
            return;
        }
        choice.set(None);
        verdict.set(None);
        stop_at.set_value(None);
        played.set(0);
        run.lesson.set(Some(i));
        apply_step(run, &l, i, 0);
        request_animation_frame(move || {
            if let Some(h) = heading.get_untracked() {
                let _ = h.focus();
            }
        });
    };

    let close = move || {
        run.lesson.set(None);
        choice.set(None);
        verdict.set(None);
        stop_at.set_value(None);
    };

    let run_step = move || {
        let Some(i) = run.lesson.get_untracked() else {
            return;
        };
        let l = lesson.get_untracked();
        let Some(step) = l.steps.get(i) else {
            return;
        };
        match &step.predict {
            Some(p) => {
                let Some(picked) = choice.get_untracked() else {
                    return;
                };
                if apply_step(run, &l, i, step.run_for) {
                    let outcome = run.with(|sim| lessons::judge(sim, p));
                    verdict.set(Some(Verdict { picked, outcome }));
                    // Bring the verdict into view without moving focus.
                    request_animation_frame(move || {
                        if let Some(slot) = verdict_slot.get_untracked() {
                            slot.scroll_into_view_with_bool(false);
                        }
                    });
                }
            }
            None => {
                if apply_step(run, &l, i, 0) {
                    stop_at.set_value(Some(step.run_for));
                    played.set(1);
                    run.set_playing(true);
                }
            }
        }
    };

    // Where the lesson shown came from, when it is not built in.
    let source = move || {
        let pattern = run.pattern.get();
        run.opened.with(|o| {
            o.as_ref()
                .filter(|o| o.lesson.pattern == pattern)
                .map(|o| o.name.clone())
        })
    };
    let embed = use_context::<Startup>().is_some_and(|s| s.embed.enabled);

    let closed = move || {
        let l = lesson.get();
        let questions = l.steps.iter().filter(|s| s.predict.is_some()).count();
        view! {
            <p class="lesson-title">{l.title.clone()}</p>
            <p class="lesson-intro">
                {format!(
                    "{} steps, {} of them ask you to predict what happens before the simulation shows you.",
                    l.steps.len(),
                    questions
                )}
            </p>
            <button type="button" class="lesson-start" on:click=move |_| go(0)>"Start lesson"</button>
            {source().map(|name| view! {
                <p class="lesson-source">
                    {format!("Opened from {name}. ")}
                    <button type="button" class="lesson-builtin" on:click=move |_| run.opened.set(None)>
                        "Use the built-in lesson"
                    </button>
                </p>
            })}
        }
    };

    let open = move |i: usize| {
        let l = lesson.get();
        let n = l.steps.len();
        let step = l.steps.get(i).cloned().unwrap_or_default();
        let body = step
            .body
            .split("\n\n")
            .map(|p| view! { <p>{p.to_string()}</p> })
            .collect_view();
        let has_question = step.predict.is_some();
        let question = step.predict.clone().map(|p| {
            let choices = p
                .choices
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let confirmed = move || {
                        verdict.with(|v| v.as_ref().is_some_and(|v| v.outcome.answer() == Some(k)))
                    };
                    let text = c.text.clone();
                    view! {
                        <li class="lesson-choice" class:lesson-choice-confirmed=confirmed>
                            <label>
                                <input
                                    type="radio"
                                    name="lesson-choice"
                                    value=k.to_string()
                                    prop:checked=move || choice.get() == Some(k)
                                    on:change=move |_| {
                                        choice.set(Some(k));
                                        verdict.set(None);
                                    }
                                />
                                <span>{text}</span>
                                {move || confirmed().then(|| view! {
                                    <span class="lesson-badge">"what the run shows"</span>
                                })}
                            </label>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="lesson-question">
                    <legend>{p.question}</legend>
                    <ul class="lesson-choices">{choices}</ul>
                </fieldset>
            }
        });
        let run_label = if has_question {
            "Run and check"
        } else {
            "Play this step"
        };
        let length = crate::sim::types::fmt_secs(step.run_for);
        let run_hint = move || {
            if has_question {
                if choice.get().is_none() {
                    "Pick an answer, then run the step to see if you were right.".to_string()
                } else {
                    format!("The run lasts {length} of simulated time.")
                }
            } else {
                match played.get() {
                    1 => format!("Playing until {length}\u{2026}"),
                    2 => format!(
                        "The step ran to {length}. Drag the timeline to look again, or go on."
                    ),
                    _ => format!("Plays {length} of simulated time, then pauses."),
                }
            }
        };
        let explain = step
            .predict
            .as_ref()
            .map_or(String::new(), |p| p.explain.clone());
        let choice_texts: Vec<String> = step
            .predict
            .as_ref()
            .map(|p| p.choices.iter().map(|c| c.text.clone()).collect())
            .unwrap_or_default();
        let verdict_view = move || {
            verdict.get().map(|v| {
                let answer = v.outcome.answer();
                let right = answer == Some(v.picked);
                let (class, head) = match answer {
                    Some(_) if right => ("lesson-verdict lesson-right", "\u{2713} Right."),
                    Some(_) => ("lesson-verdict lesson-wrong", "\u{2717} Not this time."),
                    None => ("lesson-verdict lesson-unsettled", "The run did not settle the question."),
                };
                let at = crate::sim::types::fmt_secs(v.outcome.at);
                let shows = answer.map(|a| {
                    let text = choice_texts.get(a).cloned().unwrap_or_default();
                    let evidence = v.outcome.findings.get(a).map(|f| f.text.clone()).unwrap_or_default();
                    view! {
                        <p>
                            {format!("After {at}, the simulation shows: \u{201c}{text}\u{201d}. ")}
                        </p>
                        <p class="lesson-evidence">{evidence}</p>
                    }
                });
                let yours = (!right).then(|| {
                    let evidence = v
                        .outcome
                        .findings
                        .get(v.picked)
                        .map(|f| f.text.clone())
                        .unwrap_or_default();
                    view! { <p class="lesson-evidence lesson-yours">{format!("Your answer: {evidence}")}</p> }
                });
                view! {
                    <div class=class>
                        <p class="lesson-verdict-head">{head}</p>
                        {shows}
                        {yours}
                        <p class="lesson-explain">{explain.clone()}</p>
                    </div>
                }
            })
        };
        let progress = (0..n)
            .map(|k| {
                let class = if k < i {
                    "lesson-dot lesson-dot-done"
                } else if k == i {
                    "lesson-dot lesson-dot-now"
                } else {
                    "lesson-dot"
                };
                view! { <li class=class></li> }
            })
            .collect_view();
        view! {
            <div class="lesson-head">
                <p class="lesson-title">{l.title.clone()}</p>
                <p class="lesson-progress" id="lesson-progress">{format!("Step {} of {n}", i + 1)}</p>
                <button type="button" class="lesson-close" aria-label="Close lesson" on:click=move |_| close()>
                    "\u{d7}"
                </button>
            </div>
            <ol class="lesson-dots" aria-hidden="true">{progress}</ol>
            <h3 class="lesson-step-title" tabindex="-1" node_ref=heading>{step.title}</h3>
            <div class="lesson-body">{body}</div>
            <p class="lesson-watch"><strong>"Watch: "</strong>{step.watch}</p>
            {question}
            <p class="lesson-hint" id="lesson-run-hint">{run_hint}</p>
            <div class="lesson-actions">
                <button
                    type="button"
                    class="lesson-run"
                    disabled=move || has_question && choice.get().is_none()
                    aria-describedby="lesson-run-hint"
                    on:click=move |_| run_step()
                >
                    {run_label}
                </button>
                <button type="button" class="lesson-back" disabled={i == 0} on:click=move |_| go(i.saturating_sub(1))>
                    "Back"
                </button>
                <button type="button" class="lesson-next" disabled={i + 1 >= n} on:click=move |_| go(i + 1)>
                    "Next"
                </button>
            </div>
            <div class="lesson-verdict-slot" role="status" aria-live="polite" node_ref=verdict_slot>{verdict_view}</div>
        }
    };

    view! {
        <section class="lesson" aria-labelledby="lesson-heading" data-lesson-open=move || run.lesson.get().is_some().to_string()>
            <h2 class="lesson-heading" id="lesson-heading">"Guided lesson"</h2>
            {move || match run.lesson.get() {
                Some(i) if i < lesson.with(|l| l.steps.len()) => open(i).into_any(),
                _ => closed().into_any(),
            }}
            {(!embed).then(|| view! { <LessonCheck lesson=lesson/> })}
        </section>
    }
}
