//! Component tests for the share menu, run in a real browser by
//! `wasm-bindgen-test-runner` (see `.ci/test`). Native `cargo test` skips
//! this file.
#![cfg(target_arch = "wasm32")]

use converge::patterns::Pattern;
use converge::share::Scene;
use converge::sim::{Command, NodeId, ScriptEntry};
use converge::ui::run::{NoticeKind, Run};
use converge::ui::share_menu::import_scene;
use converge::ui::App;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn host() -> HtmlElement {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    host
}

fn find(host: &HtmlElement, selector: &str) -> HtmlElement {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into()
}

fn button(host: &HtmlElement, text: &str) -> HtmlElement {
    let list = host.query_selector_all("button").unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into::<HtmlElement>())
        .find(|b| {
            b.text_content()
                .unwrap_or_default()
                .trim()
                .starts_with(text)
        })
        .unwrap_or_else(|| panic!("no button {text:?}"))
}

fn press(key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    document()
        .active_element()
        .unwrap()
        .dispatch_event(&ev)
        .unwrap();
}

fn focused_text() -> String {
    document()
        .active_element()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[wasm_bindgen_test]
async fn the_menu_opens_moves_with_arrows_and_escape_returns_focus() {
    let host = host();
    let handle = mount_to(host.clone(), App);
    tick().await;

    let more = button(&host, "Export \u{b7} Embed");
    let menu = find(&host, "[role=menu]");
    assert_eq!(
        more.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(menu.hidden(), "closed at first");
    assert_eq!(
        more.get_attribute("aria-controls").as_deref(),
        Some(menu.id().as_str())
    );

    more.click();
    tick().await;
    assert_eq!(more.get_attribute("aria-expanded").as_deref(), Some("true"));
    assert!(!menu.hidden());
    assert!(
        focused_text().starts_with("Copy embed code"),
        "{}",
        focused_text()
    );
    press("End");
    assert!(focused_text().starts_with("Import lesson"));
    press("ArrowDown");
    assert!(
        focused_text().starts_with("Copy embed code"),
        "ArrowDown wraps"
    );

    press("Escape");
    tick().await;
    assert_eq!(
        more.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(menu.hidden());
    assert_eq!(focused_text(), more.text_content().unwrap().trim());

    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn share_gives_a_link_that_opens_this_run() {
    let host = host();
    let handle = mount_to(host.clone(), App);
    tick().await;

    button(&host, "Share").click();
    // The clipboard may be refused in a test browser: then the link is
    // shown, selected, in a text field. Either way the learner gets it.
    let mut link = None;
    for _ in 0..50 {
        gloo_timers::future::TimeoutFuture::new(20).await;
        let status = find(&host, ".share-status").text_content().unwrap();
        if status == "Link copied" {
            link = Some(String::from("copied"));
            break;
        }
        if let Some(t) = host.query_selector("textarea").unwrap() {
            link = Some(t.unchecked_into::<web_sys::HtmlTextAreaElement>().value());
            break;
        }
    }
    let link = link.expect("the link was copied or shown");
    if link != "copied" {
        let code = link.split("?s=").nth(1).expect("a ?s= link");
        let scene = Scene::open_code(code).expect("the link opens");
        assert_eq!(scene.pattern, Pattern::EventDriven);
        assert_eq!(scene.seed, 42);
    }

    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_bad_scene_file_is_refused_and_the_run_kept() {
    let owner = Owner::new();
    owner.with(|| {
        let run = Run::new(Pattern::Saga, 9);
        run.apply(Command::Action {
            id: "place_order".into(),
        })
        .unwrap();
        let before = run.with(|p| p.script());

        let mut bad = Scene::new(Pattern::EventDriven, 3);
        bad.script = vec![ScriptEntry::at(10, Command::Crash { node: NodeId(9) })];
        let err = import_scene(run, "lesson.json", &bad.to_json()).unwrap_err();
        assert!(
            err.contains("script[0].cmd.node: there is no service number 9"),
            "{err}"
        );
        let notice = run.notice.get_untracked().expect("a notice");
        assert_eq!(notice.kind, NoticeKind::Error);
        assert!(notice.text.contains("lesson.json"));
        assert!(notice.text.contains("unchanged"));
        assert_eq!(run.pattern.get_untracked(), Pattern::Saga);
        assert_eq!(run.with(|p| p.script()), before);

        let mut good = Scene::new(Pattern::Cqrs, 3);
        good.at = 2_000;
        good.lesson_step = Some(2);
        import_scene(run, "cqrs.json", &good.to_json()).unwrap();
        assert_eq!(run.pattern.get_untracked(), Pattern::Cqrs);
        assert_eq!(run.seed.get_untracked(), 3);
        assert_eq!(run.with(|p| p.now()), 2_000);
        assert_eq!(run.lesson.get_untracked(), Some(1));
        assert_eq!(run.notice.get_untracked().unwrap().kind, NoticeKind::Info);
    });
}
