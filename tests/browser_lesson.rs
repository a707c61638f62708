//! Component tests for the lesson pane, run in a real browser by
//! `wasm-bindgen-test-runner` (see `.ci/test`). Native `cargo test` skips
//! this file.
#![cfg(target_arch = "wasm32")]

#[path = "common/dom.rs"]
mod dom;
use dom::host;

use converge::lessons;
use converge::share::Scene;
use converge::ui::lesson::LessonPane;
use converge::ui::run::Run;
use converge::ui::startup::Startup;
use converge::ui::Pattern;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the pane alone on an event-based run (and optionally a startup).
fn mount(host: &HtmlElement, start: Option<Startup>) -> (Run, impl Drop) {
    mount_with(host, Pattern::EventDriven, start)
}

fn button(host: &HtmlElement, name: &str) -> HtmlElement {
    let list = host.query_selector_all("button").unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into::<HtmlElement>())
        .find(|b| {
            b.get_attribute("aria-label").as_deref() == Some(name)
                || b.text_content().unwrap_or_default().trim() == name
        })
        .unwrap_or_else(|| panic!("no button {name:?} in {}", host.inner_html()))
}

fn text(host: &HtmlElement, selector: &str) -> String {
    host.query_selector(selector)
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
        .unwrap_or_default()
}

fn radios(host: &HtmlElement) -> Vec<HtmlInputElement> {
    let list = host.query_selector_all("input[type=radio]").unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

#[wasm_bindgen_test]
async fn open_walk_answer_and_run_shows_a_verdict_from_the_simulation() {
    let host = host();
    let (run, handle) = mount(&host, None);
    tick().await;
    assert_eq!(run.lesson.get_untracked(), None);
    button(&host, "Start lesson").click();
    tick().await;

    let lesson = lessons::for_pattern(Pattern::EventDriven);
    assert_eq!(run.lesson.get_untracked(), Some(0));
    assert_eq!(
        text(&host, ".lesson-progress"),
        format!("Step 1 of {}", lesson.steps.len())
    );
    assert_eq!(text(&host, "h3"), lesson.steps[0].title);
    assert_eq!(
        run.with(|p| p.script().len()),
        lesson.steps[0].setup.len(),
        "the step's script is loaded"
    );
    let legend = text(&host, "fieldset legend");
    assert_eq!(legend, lesson.steps[0].predict.as_ref().unwrap().question);
    let run_button = button(&host, "Run and check");
    assert!(run_button.has_attribute("disabled"), "no answer yet");

    // Next and Back.
    button(&host, "Next").click();
    tick().await;
    assert_eq!(run.lesson.get_untracked(), Some(1));
    assert_eq!(text(&host, "h3"), lesson.steps[1].title);
    button(&host, "Back").click();
    tick().await;
    assert_eq!(run.lesson.get_untracked(), Some(0));

    // A wrong answer, judged on the run.
    radios(&host)[0].click();
    tick().await;
    button(&host, "Run and check").click();
    tick().await;
    let verdict = text(&host, "[role=status]");
    assert!(verdict.contains("Not this time."), "{verdict}");
    assert!(verdict.contains("Billing: converged"), "{verdict}");
    assert_eq!(run.frame.get_untracked().time, lesson.steps[0].run_for);

    // Another answer clears the verdict; the right one is judged right.
    radios(&host)[1].click();
    tick().await;
    assert_eq!(text(&host, "[role=status]"), "");
    button(&host, "Run and check").click();
    tick().await;
    let verdict = text(&host, "[role=status]");
    assert!(verdict.contains("Right."), "{verdict}");
    assert_eq!(
        host.query_selector_all(".lesson-badge").unwrap().length(),
        1
    );

    // Switching pattern closes the lesson; the new pattern offers its own.
    run.switch(Pattern::Saga);
    tick().await;
    assert_eq!(run.lesson.get_untracked(), None);
    assert!(host.text_content().unwrap().contains("An order as a saga"));
    button(&host, "Start lesson");

    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_link_opens_the_lesson_at_its_step() {
    let host = host();
    let start = Startup {
        lesson_step: Some(3),
        ..Startup::default()
    };
    let (run, handle) = mount(&host, Some(start));
    tick().await;
    let lesson = lessons::for_pattern(Pattern::EventDriven);
    assert_eq!(run.lesson.get_untracked(), Some(2));
    assert_eq!(
        text(&host, ".lesson-progress"),
        format!("Step 3 of {}", lesson.steps.len())
    );
    assert_eq!(run.with(|p| p.script()), lesson.steps[2].setup);
    button(&host, "Close lesson").click();
    tick().await;
    assert_eq!(run.lesson.get_untracked(), None);
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_link_made_during_a_step_without_setup_keeps_its_playhead() {
    // Background sync → Start lesson → play 1.5 s → pause: the first step
    // has no setup, so the link carries no script, only the moment.
    let scene = Scene::open_code("AREDngwBAACtRA").expect("the app's own link");
    assert_eq!(scene.pattern, Pattern::BackgroundSync);
    let at = scene.at;
    assert_eq!(scene.lesson_step, Some(1));
    assert!(
        (1_500..1_600).contains(&at),
        "about 1.5 s into the step: {at} ms"
    );
    assert!(scene.script.is_empty());
    let start = Startup::from_scene(scene);
    // What the app does with a link before the pane mounts.
    let run = Run::new(start.pattern, start.seed);
    run.load(start.pattern, start.seed, start.script.clone(), start.at)
        .unwrap();
    run.lesson.set(start.lesson_step.map(|s| s - 1));
    let host = host();
    let handle = mount_to(host.clone(), move || {
        provide_context(run);
        provide_context(start.clone());
        view! { <LessonPane/> }
    });
    tick().await;
    assert_eq!(run.lesson.get_untracked(), Some(0));
    assert!(text(&host, ".lesson-progress").starts_with("Step 1 of"));
    assert_eq!(
        run.with(|p| p.now()),
        at,
        "the run stays on the link's moment"
    );
    drop(handle);
    host.remove();
}

async fn settle() {
    for _ in 0..4 {
        tick().await;
    }
}

#[wasm_bindgen_test]
async fn a_scene_file_of_another_pattern_opens_its_lesson_step() {
    let host = host();
    let (run, _handle) = mount(&host, None);
    settle().await;
    let file = r#"{"format":"converge-scene","version":1,"pattern":"cqrs","seed":5,"speed":2,"at":9000,"lesson_step":2,"script":[]}"#;
    converge::ui::share_menu::import_scene(run, "week3.json", file).unwrap();
    settle().await;
    assert_eq!(run.pattern.get_untracked(), Pattern::Cqrs);
    assert_eq!(run.lesson.get_untracked(), Some(1), "the step stays open");
    let n = lessons::for_pattern(Pattern::Cqrs).steps.len();
    assert_eq!(text(&host, ".lesson-progress"), format!("Step 2 of {n}"));
}

#[wasm_bindgen_test]
async fn a_step_past_the_lesson_opens_its_last_step_and_says_so() {
    let page = host();
    let (run, _handle) = mount(&page, None);
    settle().await;
    let file = r#"{"format":"converge-scene","version":1,"pattern":"saga","seed":5,"lesson_step":99,"script":[]}"#;
    converge::ui::share_menu::import_scene(run, "late.json", file).unwrap();
    settle().await;
    let n = lessons::for_pattern(Pattern::Saga).steps.len();
    assert_eq!(run.lesson.get_untracked(), Some(n - 1));
    assert_eq!(text(&page, ".lesson-progress"), format!("Step {n} of {n}"));
    let notice = run.notice.get_untracked().expect("a notice").text;
    assert!(
        notice.contains("step 99") && notice.contains(&format!("{n} steps")),
        "{notice}"
    );

    // A link with the same step agrees.
    let linked = host();
    let start = Startup {
        pattern: Pattern::Saga,
        lesson_step: Some(99),
        ..Startup::default()
    };
    let (run, _h2) = mount_with(&linked, Pattern::Saga, Some(start));
    settle().await;
    assert_eq!(run.lesson.get_untracked(), Some(n - 1));
    let notice = run.notice.get_untracked().expect("a notice").text;
    assert!(notice.contains("step 99"), "{notice}");
}

/// Mounts the pane alone, with a run of `pattern` (and optionally a
/// startup) provided.
fn mount_with(host: &HtmlElement, pattern: Pattern, start: Option<Startup>) -> (Run, impl Drop) {
    let run = Run::new(pattern, 42);
    let handle = mount_to(host.clone(), move || {
        provide_context(run);
        if let Some(s) = start.clone() {
            provide_context(s);
        }
        view! { <LessonPane/> }
    });
    (run, handle)
}
