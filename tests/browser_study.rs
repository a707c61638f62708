//! Component tests of the study views (timeline, divergence chart,
//! space-time diagram, event log with "explain this value"), run in a real
//! browser by `wasm-bindgen-test-runner`. Faults are injected through the
//! run store, as the fault panel does.
#![cfg(target_arch = "wasm32")]

use converge::sim::core::NodeStatus;
use converge::sim::{Command, LinkSettings, NodeId};
use converge::ui::chart::DivergenceChart;
use converge::ui::log::EventLog;
use converge::ui::run::Run;
use converge::ui::spacetime::SpaceTime;
use converge::ui::timeline::Timeline;
use converge::ui::Pattern;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    Element, Event, EventInit, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit,
};

wasm_bindgen_test_configure!(run_in_browser);

const BROKER: NodeId = NodeId(1);
const BILLING: NodeId = NodeId(2);
const LOAD_BALANCER: NodeId = NodeId(3);

/// Mounts the four study views around a fresh event-driven run.
fn mount() -> (HtmlElement, Run, impl Drop) {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let slot: Rc<Cell<Option<Run>>> = Rc::new(Cell::new(None));
    let s = slot.clone();
    let handle = mount_to(host.clone(), move || {
        let run = Run::new(Pattern::EventDriven, 42);
        provide_context(run);
        s.set(Some(run));
        view! { <Timeline/> <DivergenceChart/> <SpaceTime/> <EventLog/> }
    });
    (host, slot.get().expect("mounted"), handle)
}

async fn settle() {
    for _ in 0..3 {
        tick().await;
    }
}

fn one(host: &HtmlElement, sel: &str) -> HtmlElement {
    host.query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {sel}"))
        .unchecked_into()
}

fn all(host: &HtmlElement, sel: &str) -> Vec<HtmlElement> {
    let list = host.query_selector_all(sel).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn slider(host: &HtmlElement) -> HtmlInputElement {
    one(host, "input[type=range]").unchecked_into()
}

fn press(el: &Element, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

/// Dispatches a bubbling event (Leptos delegates events to the root).
fn fire(el: &Element, kind: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    el.dispatch_event(&Event::new_with_event_init_dict(kind, &init).unwrap())
        .unwrap();
}

/// Moves the slider as a drag does: set the value, fire `input`.
fn drag_to(s: &HtmlInputElement, ms: u64) {
    s.set_value(&ms.to_string());
    let init = EventInit::new();
    init.set_bubbles(true);
    s.dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

fn select(host: &HtmlElement, label: &str, value: &str) {
    let sel: web_sys::HtmlSelectElement = all(host, "label")
        .into_iter()
        .find(|l| l.text_content().unwrap_or_default().starts_with(label))
        .and_then(|l| l.query_selector("select").unwrap())
        .unwrap_or_else(|| panic!("no select labelled {label}"))
        .unchecked_into();
    sel.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    sel.dispatch_event(&Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}

fn now(run: Run) -> u64 {
    run.frame.with_untracked(|f| f.time)
}

#[wasm_bindgen_test]
async fn the_slider_is_named_reads_virtual_time_and_scrubs_by_keyboard() {
    let (host, run, _h) = mount();
    run.seek(12_400);
    settle().await;
    let s = slider(&host);
    assert_eq!(
        s.get_attribute("aria-label").as_deref(),
        Some("Virtual time")
    );
    assert_eq!(
        s.get_attribute("aria-valuetext").as_deref(),
        Some("12.4 s of 12.4 s")
    );
    assert_eq!(s.max(), "12400");

    press(&s, "ArrowLeft", true);
    settle().await;
    assert_eq!(now(run), 11_400, "Shift+Left goes back one second");
    assert_eq!(
        s.get_attribute("aria-valuetext").as_deref(),
        Some("11.4 s of 12.4 s")
    );
    press(&s, "Home", false);
    settle().await;
    assert_eq!(now(run), 0);
    press(&s, "ArrowRight", true);
    settle().await;
    assert_eq!(now(run), 1_000);
    press(&s, "End", false);
    settle().await;
    assert_eq!(now(run), 12_400, "End returns to the latest moment");
    assert_eq!(s.value(), "12400");
    host.remove();
}

#[wasm_bindgen_test]
async fn seeking_back_between_a_crash_and_its_restart_shows_the_service_down() {
    let (host, run, _h) = mount();
    run.seek(3_000);
    run.apply(Command::Crash {
        node: LOAD_BALANCER,
    })
    .unwrap();
    run.seek(8_000);
    run.apply(Command::Restart {
        node: LOAD_BALANCER,
    })
    .unwrap();
    run.seek(15_000);
    settle().await;
    let status = |run: Run| run.frame.with_untracked(|f| f.nodes[3].status);
    assert_eq!(status(run), NodeStatus::Up);

    // The crash is drawn on the timeline and listed in words.
    assert_eq!(all(&host, ".tl-band-crash").len(), 1);
    let faults = one(&host, "[aria-label='Faults in this run']")
        .text_content()
        .unwrap();
    assert!(
        faults.contains("Load balancer down from 3.0 s to 8.0 s"),
        "{faults}"
    );

    drag_to(&slider(&host), 5_000);
    settle().await;
    assert_eq!(now(run), 5_000);
    assert_eq!(status(run), NodeStatus::Crashed, "at 5 s it was down");
    // The diagram draws the crash and the lane as down.
    assert!(host
        .text_content()
        .unwrap()
        .contains("Load balancer (down)"));
    assert_eq!(
        all(&host, ".st-mark-crash").len(),
        1,
        "crash mark in the window"
    );
    // The chart still knows what comes later (dimmed, after the playhead).
    let readout = one(&host, ".ch-readout").text_content().unwrap();
    assert!(readout.starts_with("At 5.0 s:"), "{readout}");

    drag_to(&slider(&host), 12_000);
    settle().await;
    assert_eq!(status(run), NodeStatus::Up);
    host.remove();
}

#[wasm_bindgen_test]
async fn acting_in_the_past_forks_and_hatches_the_discarded_future() {
    let (host, run, _h) = mount();
    run.seek(20_000);
    settle().await;
    assert!(all(&host, ".tl-discarded").is_empty());
    drag_to(&slider(&host), 6_000);
    settle().await;
    run.apply(Command::Partition {
        a: BROKER,
        b: BILLING,
    })
    .unwrap();
    settle().await;
    assert_eq!(all(&host, ".tl-discarded").len(), 1);
    let note = one(&host, ".tl-note").text_content().unwrap();
    assert!(
        note.contains("after 6.0 s") && note.contains("ran to 20.0 s"),
        "{note}"
    );
    // The open cut runs to the end of the timeline.
    let faults = one(&host, "[aria-label='Faults in this run']")
        .text_content()
        .unwrap();
    assert!(
        faults.contains("Broker \u{21c4} Billing cut from 6.0 s, still active"),
        "{faults}"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn clicking_a_log_line_selects_its_event_moves_the_playhead_and_explains_it() {
    let (host, run, _h) = mount();
    run.seek(10_000);
    settle().await;
    let lines = all(&host, ".log-line");
    assert!(lines.len() > 50, "{} lines", lines.len());
    // Newest at the bottom.
    let times: Vec<String> = lines
        .iter()
        .map(|l| one(l, ".log-time").text_content().unwrap())
        .collect();
    let secs = |t: &String| t.trim_end_matches(" s").parse::<f64>().unwrap();
    assert!(
        times.windows(2).all(|w| secs(&w[0]) <= secs(&w[1])),
        "{times:?}"
    );
    assert!(secs(times.last().unwrap()) <= 10.0);
    let deliver = lines
        .iter()
        .rev()
        .skip(40)
        .find(|l| one(l, ".log-kind").text_content().unwrap() == "deliver")
        .expect("a delivery")
        .clone();
    let id: u64 = deliver
        .get_attribute("data-event")
        .unwrap()
        .parse()
        .unwrap();
    let text = one(&deliver, ".log-text").text_content().unwrap();
    let line = run.with(|s| s.line(converge::sim::EventId(id))).unwrap();
    deliver.click();
    settle().await;
    assert_eq!(run.selected.get_untracked().map(|e| e.0), Some(id));
    assert_eq!(now(run), line.time, "the playhead moved to the event");
    let sel = one(&host, ".log-line.is-selected");
    assert_eq!(sel.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert_eq!(one(&sel, ".log-text").text_content().unwrap(), text);
    // The same event is highlighted in the diagram.
    let arrow = one(&host, ".st-arrow.is-selected");
    assert_eq!(arrow.get_attribute("data-event"), Some(id.to_string()));
    assert!(arrow
        .get_attribute("aria-label")
        .unwrap()
        .contains("Lamport"));

    // Explain: the chain back to its source, each step a link.
    let explain = one(&host, ".explain");
    assert!(explain
        .text_content()
        .unwrap()
        .contains("Explain this value"));
    let steps = all(&explain, ".explain-link");
    assert!(
        steps.len() >= 2,
        "a delivery has at least its send as a cause"
    );
    assert!(steps[0].text_content().unwrap().contains(&text));
    assert!(
        steps[1].text_content().unwrap().contains(" sent "),
        "its cause is the send"
    );
    steps[1].click();
    settle().await;
    assert_eq!(run.selected.get_untracked(), line.parent);
    host.remove();
}

#[wasm_bindgen_test]
async fn clicking_an_arrow_selects_the_same_event_in_the_log() {
    let (host, run, _h) = mount();
    run.seek(9_000);
    settle().await;
    let arrows = all(&host, ".st-arrow:not(.st-inflight)");
    assert!(arrows.len() > 10, "{} arrows", arrows.len());
    let arrow = arrows[arrows.len() / 2].clone();
    let id = arrow.get_attribute("data-event").unwrap();
    assert_eq!(arrow.get_attribute("role").as_deref(), Some("button"));
    fire(&arrow, "click");
    settle().await;
    assert_eq!(
        run.selected.get_untracked().map(|e| e.0.to_string()),
        Some(id.clone())
    );
    let sel = one(&host, ".log-line.is-selected");
    assert_eq!(sel.get_attribute("data-event"), Some(id));
    host.remove();
}

#[wasm_bindgen_test]
async fn a_violated_check_is_found_in_the_log_and_links_to_the_event_that_broke_it() {
    let (host, run, _h) = mount();
    run.apply(Command::Toggle {
        id: "idempotent".into(),
        on: false,
    })
    .unwrap();
    run.apply(Command::SetLink {
        from: BROKER,
        to: BILLING,
        settings: LinkSettings {
            latency: 120,
            jitter: 60,
            drop_permille: 0,
            dup_permille: 1000,
        },
    })
    .unwrap();
    run.seek(5_000);
    settle().await;
    select(&host, "Kind", "violation");
    settle().await;
    let lines = all(&host, ".log-line");
    assert_eq!(lines.len(), 1, "one violation");
    let text = lines[0].text_content().unwrap();
    assert!(text.contains("no reading billed twice"), "{text}");
    let cause = one(&host, ".log-cause");
    let cause_id: u64 = cause.get_attribute("data-cause").unwrap().parse().unwrap();
    let cause_line = run
        .with(|s| s.line(converge::sim::EventId(cause_id)))
        .unwrap();
    // Look at an earlier moment first, so the link visibly moves the playhead.
    run.seek(1_000);
    select(&host, "Kind", "");
    settle().await;
    run.seek(5_000);
    select(&host, "Kind", "violation");
    settle().await;
    one(&host, ".log-cause").click();
    settle().await;
    assert_eq!(run.selected.get_untracked().map(|e| e.0), Some(cause_id));
    assert_eq!(now(run), cause_line.time);
    let explain = one(&host, ".explain").text_content().unwrap();
    assert!(explain.contains(&cause_line.text), "{explain}");
    assert!(explain.contains("Where it began"));
    // The service filter narrows to Billing's events.
    select(&host, "Kind", "");
    select(&host, "Service", "2");
    settle().await;
    let lines = all(&host, ".log-line");
    assert!(lines.len() >= 3, "{} lines", lines.len());
    for l in lines {
        let id: u64 = l.get_attribute("data-event").unwrap().parse().unwrap();
        let line = run.with(|s| s.line(converge::sim::EventId(id))).unwrap();
        assert!(
            line.node == BILLING || line.peer == Some(BILLING),
            "{line:?}"
        );
    }
    host.remove();
}

#[wasm_bindgen_test]
async fn the_chart_seeks_where_clicked_and_by_keyboard() {
    let (host, run, _h) = mount();
    run.seek(3_000);
    run.apply(Command::Partition {
        a: BROKER,
        b: BILLING,
    })
    .unwrap();
    run.seek(20_000);
    settle().await;
    assert_eq!(all(&host, ".ch-fault-partition").len(), 1);
    let legend = one(&host, ".ch-legend").text_content().unwrap();
    assert!(
        legend.contains("Billing") && legend.contains("link cut"),
        "{legend}"
    );
    assert!(all(&host, ".ch-line").len() >= 6, "two lines per view");
    let plot = one(&host, ".ch-plot");
    plot.focus().unwrap();
    press(&plot, "Home", false);
    press(&plot, "ArrowRight", true);
    settle().await;
    assert!(one(&host, ".ch-readout")
        .text_content()
        .unwrap()
        .starts_with("At 10.0 s:"));
    assert_eq!(now(run), 20_000, "picking a moment does not move yet");
    press(&plot, "Enter", false);
    settle().await;
    assert_eq!(now(run), 10_000);
    let readout = one(&host, ".ch-readout").text_content().unwrap();
    assert!(
        readout.contains("Billing") && readout.contains("differing"),
        "{readout}"
    );
    host.remove();
}

/// The newest event the log shows (its last line).
fn newest_logged(host: &HtmlElement) -> Option<u64> {
    all(host, ".log-line")
        .last()
        .and_then(|l| l.get_attribute("data-event"))
        .and_then(|id| id.parse().ok())
}

#[wasm_bindgen_test]
async fn while_time_flows_the_log_follows_at_its_own_rate_and_a_command_shows_at_once() {
    // The clock is driven by hand (`Run::tick` with made-up real times),
    // so nothing here depends on how fast the machine is.
    let (host, run, _h) = mount();
    run.speed.set(8.0);
    run.set_playing(true);
    run.tick(1_000.0);
    run.tick(1_100.0);
    settle().await;
    let first = newest_logged(&host);
    let shown = now(run);
    assert!(shown > 0, "time flowed");
    // 100 ms of real time later: the frame (and the timeline) follow...
    run.tick(1_200.0);
    settle().await;
    assert!(now(run) > shown, "the frame follows time");
    let slider_at: u64 = slider(&host).value().parse().unwrap();
    assert_eq!(slider_at, now(run), "the timeline shows the same moment");
    // ...while the log, which people read rather than watch, waits for its
    // own beat (250 ms after its last).
    let processed = run.with(|s| s.processed());
    assert!(processed > 0);
    assert_eq!(newest_logged(&host), first, "the log waits for its beat");
    run.tick(1_350.0);
    settle().await;
    let later = newest_logged(&host).expect("events by now");
    assert!(
        first.is_none_or(|f| later > f),
        "the log caught up on its beat"
    );

    // A command while time flows shows everywhere at once.
    run.apply(Command::Crash { node: BILLING }).unwrap();
    settle().await;
    let crash = all(&host, ".log-line")
        .last()
        .map(|l| one(l, ".log-text").text_content().unwrap())
        .unwrap();
    assert!(crash.contains("Billing"), "{crash}");
    assert!(newest_logged(&host).unwrap() > later);
}
