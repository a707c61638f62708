//! Component tests for the run controls, the consistency meter and the
//! keyboard shortcuts, run in a real browser by `wasm-bindgen-test-runner`
//! (see `.ci/test`). Native `cargo test` skips this file.
#![cfg(target_arch = "wasm32")]

#[path = "common/dom.rs"]
mod dom;
use dom::host;

use std::cell::Cell;
use std::rc::Rc;

use converge::sim::Command;
use converge::ui::controls::Controls;
use converge::ui::keys::{self, Shortcuts};
use converge::ui::meter::{Meter, MeterChecks};
use converge::ui::run::Run;
use converge::ui::Pattern;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Event, EventInit, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the controls, the meter and the shortcuts (as the app does) on
/// a fresh event-based run; returns the run for the test to inspect.
fn mount(host: &HtmlElement) -> (Run, leptos::mount::UnmountHandle<impl Mountable>) {
    mount_keys(host, true)
}

/// [`mount`] with the shortcuts on or off (`&keys=0`).
fn mount_keys(
    host: &HtmlElement,
    keys: bool,
) -> (Run, leptos::mount::UnmountHandle<impl Mountable>) {
    let slot: Rc<Cell<Option<Run>>> = Rc::new(Cell::new(None));
    let s = slot.clone();
    let handle = mount_to(host.clone(), move || {
        let run = Run::new(Pattern::EventDriven, 42);
        provide_context(run);
        keys::install(run, keys);
        s.set(Some(run));
        view! { <Controls/> <Meter/> <MeterChecks/> <Shortcuts/> }
    });
    (slot.get().expect("mounted"), handle)
}

fn find(host: &HtmlElement, sel: &str) -> HtmlElement {
    host.query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("no {sel}"))
        .unchecked_into()
}

fn button(host: &HtmlElement, text: &str) -> HtmlElement {
    let list = host.query_selector_all("button").unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into::<HtmlElement>())
        .find(|b| b.text_content().unwrap_or_default().trim() == text)
        .unwrap_or_else(|| panic!("no button {text:?}"))
}

fn text(host: &HtmlElement, sel: &str) -> String {
    find(host, sel).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn play_button_reads_pause_while_playing() {
    let host = host();
    let (run, handle) = mount(&host);
    tick().await;
    let play = button(&host, "Play");
    play.click();
    tick().await;
    assert!(run.playing.get_untracked());
    assert_eq!(play.text_content().unwrap().trim(), "Pause");
    assert!(
        play.get_attribute("aria-pressed").is_none(),
        "a label that changes is not also a toggle"
    );
    play.click();
    tick().await;
    assert!(!run.playing.get_untracked());
    assert_eq!(play.text_content().unwrap().trim(), "Play");

    assert_eq!(text(&host, ".ctl-time").trim(), "Virtual time: t = 0.0 s");
    button(&host, "Step").click();
    tick().await;
    assert!(
        run.frame.get_untracked().processed > 0,
        "a step processes an event"
    );
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn speed_slider_moves_on_a_log_scale() {
    let host = host();
    let (run, handle) = mount(&host);
    tick().await;
    let slider: HtmlInputElement = find(&host, "input[type=range]").unchecked_into();
    assert_eq!(
        slider.get_attribute("aria-valuetext").as_deref(),
        Some("1\u{d7}")
    );
    slider.set_value("6");
    let init = EventInit::new();
    init.set_bubbles(true);
    slider
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    tick().await;
    assert_eq!(run.speed.get_untracked(), 16.0);
    assert_eq!(
        slider.get_attribute("aria-valuetext").as_deref(),
        Some("16\u{d7}")
    );
    assert_eq!(text(&host, ".ctl-speed-value"), "16\u{d7}");
    slider.set_value("0");
    slider
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    tick().await;
    assert_eq!(run.speed.get_untracked(), 0.25);
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_bad_seed_is_explained_and_changes_nothing() {
    let host = host();
    let (run, handle) = mount(&host);
    tick().await;
    let input: HtmlInputElement = find(&host, "#ctl-seed-input").unchecked_into();
    assert_eq!(input.value(), "42");
    input.set_value("12abc");
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    button(&host, "Use seed").click();
    tick().await;
    assert_eq!(run.seed.get_untracked(), 42);
    assert!(text(&host, "#ctl-seed-error").contains("not a seed"));
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));

    input.set_value("7");
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    button(&host, "Use seed").click();
    tick().await;
    assert_eq!(run.seed.get_untracked(), 7);
    assert_eq!(text(&host, "#ctl-seed-error"), "");
    button(&host, "New seed").click();
    tick().await;
    tick().await;
    assert_eq!(input.value(), run.seed.get_untracked().to_string());
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn meter_says_stuck_after_a_crash_and_converged_after_repair() {
    let host = host();
    let (run, handle) = mount(&host);
    tick().await;
    let status = || text(&host, "[role=status]");
    assert_eq!(status(), "All replicas converged");

    let billing = run.with(|s| s.topology().node("Billing")).unwrap();
    run.seek(2_000);
    run.apply(Command::Crash { node: billing }).unwrap();
    run.seek(6_000);
    tick().await;
    // At-least-once: the readings wait in the broker for Billing, so it is
    // stuck (not diverged: nothing is lost), and the meter says on what.
    assert!(
        status().starts_with("Stuck: Billing"),
        "status: {}",
        status()
    );
    let views = text(&host, ".meter-views");
    assert!(views.contains("Billing: stuck"), "{views}");
    assert!(views.contains("customers behind"), "{views}");
    assert!(views.contains("Billing down since 2.0 s"), "{views}");
    let headline = host.query_selector(".meter-headline").unwrap().unwrap();
    assert!(
        headline.class_list().contains("is-stuck"),
        "{}",
        headline.class_name()
    );
    assert!(text(&host, ".meter-checks").contains("pending"));

    run.apply(Command::Restart { node: billing }).unwrap();
    run.apply(Command::Toggle {
        id: "workload".into(),
        on: false,
    })
    .unwrap();
    run.seek(20_000);
    tick().await;
    assert!(
        status().starts_with("All replicas converged in"),
        "status: {}",
        status()
    );
    let views = text(&host, ".meter-views");
    assert!(
        !views.contains("diverged") && !views.contains("stuck"),
        "{views}"
    );
    assert!(views.contains("Billing: converged (last in"), "{views}");
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn shortcuts_act_once_even_after_remounting() {
    let first = host();
    let (_, handle) = mount(&first);
    tick().await;
    drop(handle);
    first.remove();

    let host = host();
    let (run, handle) = mount(&host);
    tick().await;
    dom::key_on_body(" ", false);
    tick().await;
    assert!(
        run.playing.get_untracked(),
        "space plays (handled once, not twice)"
    );
    dom::key_on_body(" ", false);
    tick().await;
    assert!(!run.playing.get_untracked());

    dom::key_on_body("?", false);
    tick().await;
    let dialog = find(&host, "[role=dialog]");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    assert!(dialog
        .text_content()
        .unwrap()
        .contains("Keyboard shortcuts"));
    // While the dialog is open, page shortcuts are off; Escape closes it.
    let init = KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&ev).unwrap();
    tick().await;
    assert!(host.query_selector("[role=dialog]").unwrap().is_none());

    // Typing in the seed field is not a shortcut.
    let input = find(&host, "#ctl-seed-input");
    let init = KeyboardEventInit::new();
    init.set_key(" ");
    init.set_bubbles(true);
    input
        .dispatch_event(
            &KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    tick().await;
    assert!(!run.playing.get_untracked());
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn arrows_step_forward_and_back_one_event_at_a_time() {
    let host = host();
    let (run, handle) = mount(&host);
    tick().await;
    let mut times = Vec::new();
    for _ in 0..40 {
        dom::key_on_body("ArrowRight", false);
        tick().await;
        times.push(run.moment());
    }
    let last = *times.last().unwrap();
    assert!(last > 0, "forward steps move the clock: {times:?}");
    assert!(!run.playing.get_untracked());
    // Back: to the moment of the event before the latest one shown.
    dom::key_on_body("ArrowLeft", false);
    tick().await;
    let back = run.moment();
    let expected = times.iter().rev().copied().find(|&t| t < last).unwrap_or(0);
    assert_eq!(back, expected, "one event back from {last} ms: {times:?}");
    dom::key_on_body("ArrowLeft", false);
    tick().await;
    assert!(run.moment() < back || back == 0, "and again, further back");
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn with_keys_off_no_shortcut_acts() {
    let host = host();
    let (run, handle) = mount_keys(&host, false);
    tick().await;
    dom::key_on_body(" ", false);
    dom::key_on_body("ArrowRight", false);
    tick().await;
    assert!(!run.playing.get_untracked(), "space does not play");
    assert_eq!(run.moment(), 0, "the arrow does not step");
    drop(handle);
    host.remove();
}
