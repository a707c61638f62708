//! Small DOM helpers the browser component tests share (wasm32 only;
//! included with `#[path = "common/dom.rs"] mod dom;`).

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent, KeyboardEventInit};

/// A fresh `<div>` appended to the page's body, to mount a view into.
pub fn host() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

/// Presses `key` on the page's body (where shortcuts are heard), with
/// Ctrl held when `ctrl`.
#[allow(dead_code)]
pub fn key_on_body(key: &str, ctrl: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_ctrl_key(ctrl);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    let body = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .body()
        .unwrap();
    body.dispatch_event(&ev).unwrap();
}
