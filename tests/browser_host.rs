//! Component tests for hosting: what a frame's sandbox allows (read from
//! real sandboxed iframes) and a run that rests while unseen. Run in a
//! real browser by `wasm-bindgen-test-runner` (see `.ci/test`).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use converge::ui::host::{allows_in, Access, Capability};
use converge::ui::run::Run;
use converge::ui::Pattern;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlIFrameElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A same-origin iframe with `sandbox` (if given), added to the page.
fn frame(sandbox: Option<&str>) -> HtmlIFrameElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let f: HtmlIFrameElement = document.create_element("iframe").unwrap().unchecked_into();
    if let Some(s) = sandbox {
        f.set_attribute("sandbox", s).unwrap();
    }
    document.body().unwrap().append_child(&f).unwrap();
    f
}

#[wasm_bindgen_test]
fn a_frames_sandbox_attribute_says_what_it_allows() {
    let plain = frame(None);
    let w = plain.content_window().unwrap();
    assert_eq!(allows_in(w.clone(), Capability::Popups), Access::Allowed);
    assert_eq!(allows_in(w, Capability::Downloads), Access::Allowed);

    let strict = frame(Some("allow-scripts allow-same-origin"));
    let w = strict.content_window().unwrap();
    assert_eq!(allows_in(w.clone(), Capability::Popups), Access::Blocked);
    assert_eq!(allows_in(w, Capability::Downloads), Access::Blocked);

    let popups = frame(Some("allow-same-origin allow-popups"));
    let w = popups.content_window().unwrap();
    assert_eq!(allows_in(w.clone(), Capability::Popups), Access::Allowed);
    assert_eq!(allows_in(w, Capability::Downloads), Access::Blocked);

    for f in [plain, strict, popups] {
        f.remove();
    }
}

#[wasm_bindgen_test]
fn an_unseen_run_rests_and_goes_on_from_the_same_moment() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let slot: Rc<Cell<Option<Run>>> = Rc::new(Cell::new(None));
    let s = slot.clone();
    let _handle = mount_to(host, move || {
        let run = Run::new(Pattern::EventDriven, 42);
        s.set(Some(run));
    });
    let run = slot.get().expect("mounted");
    let now = || run.with(|p| p.now());

    run.set_playing(true);
    run.tick(1_000.0);
    run.tick(1_100.0);
    assert_eq!(now(), 100);

    run.set_unseen(true);
    assert!(!run.flowing());
    run.tick(1_200.0);
    run.tick(9_000.0);
    assert_eq!(now(), 100, "no time passes while unseen");
    assert!(run.playing.get_untracked(), "the learner's choice is kept");

    run.set_unseen(false);
    assert!(run.flowing());
    run.tick(20_000.0);
    assert_eq!(now(), 100, "the hidden time is not played");
    run.tick(20_100.0);
    assert_eq!(now(), 200, "and time flows on from the same moment");
}
