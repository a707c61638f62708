//! Component tests for compare mode's two runs on one clock, run in a real
//! browser by `wasm-bindgen-test-runner` (see `.ci/test`). Native
//! `cargo test` skips this file.
#![cfg(target_arch = "wasm32")]

#[path = "common/dom.rs"]
mod dom;
use dom::host;

use std::cell::Cell;
use std::rc::Rc;

use converge::patterns::event_driven::METER;
use converge::sim::Command;
use converge::ui::compare::CompareButton;
use converge::ui::run::Run;
use converge::ui::Pattern;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

fn mount(host: &HtmlElement) -> (Run, leptos::mount::UnmountHandle<impl Mountable>) {
    let slot: Rc<Cell<Option<Run>>> = Rc::new(Cell::new(None));
    let s = slot.clone();
    let handle = mount_to(host.clone(), move || {
        let run = Run::new(Pattern::EventDriven, 42);
        provide_context(run);
        s.set(Some(run));
        view! { <CompareButton/> }
    });
    (slot.get().expect("mounted"), handle)
}

fn compare_button(host: &HtmlElement) -> HtmlElement {
    host.query_selector(".header-compare")
        .unwrap()
        .expect("a Compare button")
        .unchecked_into()
}

fn now(run: Run) -> u64 {
    run.with(|s| s.now())
}

fn script_len(run: Run) -> usize {
    run.with(|s| s.script().len())
}

#[wasm_bindgen_test]
async fn compare_opens_a_copy_on_the_same_moment_and_one_clock() {
    let host = host();
    let (a, _h) = mount(&host);
    a.apply(Command::Toggle {
        id: "outbox".into(),
        on: false,
    })
    .unwrap();
    a.seek(1_500);
    let button = compare_button(&host);
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    button.click();
    tick().await;
    let b = a.partner().expect("run B");
    assert!(b.is_b && !a.is_b);
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    // B is a copy: the same script and moment, the same trace so far.
    assert_eq!(now(b), 1_500);
    assert_eq!(b.with(|s| s.script()), a.with(|s| s.script()));
    assert!(a.parted.get_untracked().is_none());

    // One clock: step, seek and reset move both.
    a.step();
    assert_eq!(now(a), now(b));
    assert!(now(a) > 1_500);
    a.go_to(4_000);
    assert_eq!((now(a), now(b)), (4_000, 4_000));
    b.go_to(2_000);
    assert_eq!((now(a), now(b)), (2_000, 2_000));

    // An action goes to its own run; with "both" to both.
    b.apply(Command::Toggle {
        id: "outbox".into(),
        on: true,
    })
    .unwrap();
    assert_eq!((script_len(a), script_len(b)), (1, 2));
    a.both.set(true);
    a.apply(Command::Crash { node: METER }).unwrap();
    assert_eq!((script_len(a), script_len(b)), (2, 3));
    a.both.set(false);

    // Play and pause are shared: both advance by the same real time.
    a.set_playing(true);
    assert!(b.playing.get_untracked());
    a.tick(1_000.0);
    a.tick(1_200.0);
    a.set_playing(false);
    assert_eq!(now(a), now(b));
    assert_eq!(now(a), 2_200);

    // Close keeps A as it was; the button says so.
    let kept = a.with(|s| s.script());
    button.click();
    tick().await;
    assert!(a.partner().is_none());
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    assert_eq!(a.with(|s| s.script()), kept);
    assert_eq!(now(a), 2_200);
}

#[wasm_bindgen_test]
async fn another_pattern_ends_the_comparison() {
    let host = host();
    let (a, _h) = mount(&host);
    a.open_compare().unwrap();
    assert!(a.partner().is_some());
    a.switch(Pattern::Saga);
    assert!(a.partner().is_none());
    assert!(a.parted.get_untracked().is_none());
    // A run B with a script the pattern refuses is refused; nothing opens.
    let bad = vec![converge::sim::ScriptEntry::at(
        0,
        Command::Crash {
            node: converge::sim::NodeId(99),
        },
    )];
    assert!(a.open_compare_with(Some(bad)).is_err());
    assert!(a.partner().is_none());
}

#[wasm_bindgen_test]
async fn a_scene_file_with_a_pair_opens_both_runs_on_its_moment() {
    use converge::share::Scene;
    use converge::sim::{NodeId, ScriptEntry};
    use converge::ui::share_menu::import_scene;
    let host = host();
    let (a, _h) = mount(&host);
    let off = ScriptEntry::at(
        0,
        Command::Toggle {
            id: "outbox".into(),
            on: false,
        },
    );
    let scene = Scene {
        pattern: Pattern::EventDriven,
        seed: 42,
        at: 3_000,
        script: vec![off.clone()],
        twin: Some(vec![
            off.clone(),
            ScriptEntry::at(1_000, Command::Crash { node: METER }),
        ]),
        ..Scene::default()
    };
    import_scene(a, "pair.json", &scene.to_json()).expect("a pair opens");
    tick().await;
    let b = a.partner().expect("compare mode");
    assert_eq!((now(a), now(b)), (3_000, 3_000));
    assert_eq!((script_len(a), script_len(b)), (1, 2));
    // A pair whose run B is wrong is refused, naming run B; the runs stay.
    let mut bad = scene.clone();
    bad.twin = Some(vec![ScriptEntry::at(
        0,
        Command::Crash { node: NodeId(99) },
    )]);
    let e = import_scene(a, "bad.json", &bad.to_json()).unwrap_err();
    assert!(e.contains("b.script[0].cmd.node"), "{e}");
    assert!(a.partner() == Some(b), "run B stays");
    assert_eq!(script_len(b), 2);
}

#[wasm_bindgen_test]
async fn the_c_key_opens_and_closes_compare_but_ctrl_c_copies() {
    let host = host();
    let slot: Rc<Cell<Option<Run>>> = Rc::new(Cell::new(None));
    let s = slot.clone();
    let _h = mount_to(host.clone(), move || {
        let run = Run::new(Pattern::EventDriven, 42);
        provide_context(run);
        converge::ui::keys::install(run, true);
        s.set(Some(run));
        view! { <CompareButton/> }
    });
    let a = slot.get().expect("mounted");
    dom::key_on_body("c", true);
    assert!(a.partner().is_none(), "Ctrl+C is the browser's copy");
    dom::key_on_body("c", false);
    tick().await;
    assert!(a.partner().is_some());
    dom::key_on_body("C", false);
    tick().await;
    assert!(a.partner().is_none());
}
