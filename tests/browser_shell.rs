//! Component tests for the app shell, run in a real browser by
//! `wasm-bindgen-test-runner` (see `.ci/test`). Native `cargo test` skips
//! this file.
#![cfg(target_arch = "wasm32")]

#[path = "common/dom.rs"]
mod dom;
use dom::host;

use converge::ui::{App, Pattern, STAGE_ID};
use leptos::mount::mount_to;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

fn tabs(host: &HtmlElement) -> Vec<HtmlElement> {
    let list = host
        .query_selector_all(".tabs[role=tablist] [role=tab]")
        .unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn tab_named(host: &HtmlElement, name: &str) -> HtmlElement {
    tabs(host)
        .into_iter()
        .find(|t| t.text_content().unwrap_or_default().trim() == name)
        .unwrap_or_else(|| panic!("no tab named {name:?}"))
}

fn selected_tabs(host: &HtmlElement) -> Vec<String> {
    tabs(host)
        .into_iter()
        .filter(|t| t.get_attribute("aria-selected").as_deref() == Some("true"))
        .map(|t| t.text_content().unwrap_or_default().trim().to_string())
        .collect()
}

fn stage(host: &HtmlElement) -> Element {
    host.query_selector(&format!("#{STAGE_ID}[role=tabpanel]"))
        .unwrap()
        .expect("stage tabpanel")
}

fn remove(host: HtmlElement) {
    host.remove();
}

#[wasm_bindgen_test]
async fn renders_shell_with_ready_signal_and_first_tab_selected() {
    let host = host();
    let handle = mount_to(host.clone(), App);
    tick().await;

    assert!(host.query_selector("[data-ready=true]").unwrap().is_some());
    let header = host.query_selector("header h1").unwrap().unwrap();
    assert_eq!(header.text_content().unwrap(), "Converge");

    let labels: Vec<String> = tabs(&host)
        .iter()
        .map(|t| t.text_content().unwrap().trim().to_string())
        .collect();
    let expected: Vec<String> = Pattern::all()
        .iter()
        .map(|p| p.label().to_string())
        .collect();
    assert_eq!(labels, expected);
    assert_eq!(selected_tabs(&host), ["Event-based"]);
    for t in tabs(&host) {
        assert_eq!(t.get_attribute("aria-controls").as_deref(), Some(STAGE_ID));
    }

    drop(handle);
    remove(host);
}

#[wasm_bindgen_test]
async fn clicking_saga_tab_shows_the_saga_pattern() {
    let host = host();
    let handle = mount_to(host.clone(), App);
    tick().await;

    let saga = tab_named(&host, "Saga");
    saga.click();
    tick().await;

    let stage = stage(&host);
    let title = stage.query_selector("h2").unwrap().unwrap();
    assert_eq!(title.text_content().unwrap(), "Saga");
    let text = stage.text_content().unwrap();
    assert!(
        text.contains("compensating actions"),
        "stage does not describe sagas: {text}"
    );
    assert!(text.contains(Pattern::Saga.description()));
    assert_eq!(selected_tabs(&host), ["Saga"]);
    assert_eq!(saga.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(
        tab_named(&host, "Event-based")
            .get_attribute("tabindex")
            .as_deref(),
        Some("-1")
    );
    assert_eq!(
        stage.get_attribute("aria-labelledby"),
        Some(Pattern::Saga.tab_id())
    );

    drop(handle);
    remove(host);
}

#[wasm_bindgen_test]
async fn arrow_keys_move_selection_and_focus() {
    let host = host();
    let handle = mount_to(host.clone(), App);
    tick().await;

    let press = |key: &str| {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        let focused = web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .active_element()
            .unwrap();
        focused.dispatch_event(&ev).unwrap();
    };
    let focused_text = || {
        web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .active_element()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
            .trim()
            .to_string()
    };

    tab_named(&host, "Event-based").focus().unwrap();
    press("ArrowRight");
    tick().await;
    assert_eq!(selected_tabs(&host), ["Background sync"]);
    assert_eq!(focused_text(), "Background sync");

    press("ArrowLeft");
    press("ArrowLeft");
    tick().await;
    assert_eq!(selected_tabs(&host), ["CQRS"], "ArrowLeft wraps around");
    assert_eq!(focused_text(), "CQRS");

    press("Home");
    tick().await;
    assert_eq!(selected_tabs(&host), ["Event-based"]);
    press("End");
    tick().await;
    assert_eq!(selected_tabs(&host), ["CQRS"]);
    let title = stage(&host).query_selector("h2").unwrap().unwrap();
    assert_eq!(title.text_content().unwrap(), "CQRS");

    drop(handle);
    remove(host);
}
