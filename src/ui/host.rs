//! The page that hosts the app: whether it runs in a frame, what that
//! frame's `sandbox` lets it do, and whether anyone can see it.
//!
//! A sandboxed iframe can silently refuse a new tab (no `allow-popups`) or
//! a download (no `allow-downloads`): the browser logs an error and the
//! page learns nothing. So the share menu and the embed bar ask
//! [`allows`] *before* trying, and show the text in place when the answer
//! is no. The answer comes from the `sandbox` attributes of every frame up
//! to the top that the app can read (same-origin parents); a frame with an
//! opaque origin (`sandbox` without `allow-same-origin`) cannot read its
//! parent, so there the app assumes the worst.
//!
//! [`watch_visibility`] marks the run [`unseen`](super::run::Run::unseen)
//! while the page is in a background tab or the app is out of view (a
//! hidden slide, an embed scrolled away), so the clock rests. Slide decks
//! that keep a left slide laid out (reveal.js) say so instead: they post
//! [`SLIDE_STOP`] to the frames of a slide they leave and [`SLIDE_START`]
//! to those of the slide they show.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Something an embedding page's `sandbox` attribute can forbid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Opening a new tab or window (`allow-popups`).
    Popups,
    /// Saving a file (`allow-downloads`).
    Downloads,
}

impl Capability {
    /// The sandbox token that allows it.
    pub fn token(self) -> &'static str {
        match self {
            Capability::Popups => "allow-popups",
            Capability::Downloads => "allow-downloads",
        }
    }
}

/// What the app can tell about a [`Capability`] in this page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Allowed: not in a frame, or no frame up to the top forbids it.
    Allowed,
    /// Forbidden by a frame's sandbox, or likely so (an opaque-origin
    /// frame, which is always sandboxed and cannot read its flags).
    Blocked,
    /// Inside a cross-origin frame whose attributes the app cannot read;
    /// it may or may not be sandboxed.
    Unknown,
}

/// Whether a `sandbox` attribute value allows `cap` (tokens are
/// whitespace-separated and ASCII case-insensitive).
pub fn sandbox_allows(attr: &str, cap: Capability) -> bool {
    attr.split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case(cap.token()))
}

/// Whether the page can use `cap`: reads the `sandbox` attribute of every
/// frame element up to the top that is readable.
pub fn allows(cap: Capability) -> Access {
    allows_in(window(), cap)
}

/// [`allows`] for the document of window `w`.
pub fn allows_in(w: web_sys::Window, cap: Capability) -> Access {
    let opaque = w.origin() == "null";
    let opaque_origin = || opaque;
    let mut w = w;
    for _ in 0..32 {
        let parent = match w.parent() {
            Ok(Some(p)) => p,
            _ => break,
        };
        if JsValue::from(parent.clone()) == JsValue::from(w.clone()) {
            // The top: nothing above forbids it (a CSP `sandbox` header
            // on a top-level page shows up as an opaque origin).
            return if opaque_origin() {
                Access::Blocked
            } else {
                Access::Allowed
            };
        }
        match w.frame_element() {
            Ok(Some(frame)) => {
                if let Some(attr) = frame.get_attribute("sandbox") {
                    if !sandbox_allows(&attr, cap) {
                        return Access::Blocked;
                    }
                }
                w = parent;
            }
            // A cross-origin (or opaque-origin) parent hides its frame.
            _ => {
                return if opaque_origin() {
                    Access::Blocked
                } else {
                    Access::Unknown
                }
            }
        }
    }
    Access::Unknown
}

/// Whether the page is inside a frame.
pub fn framed() -> bool {
    let w = window();
    match w.parent() {
        Ok(Some(p)) => JsValue::from(p) != JsValue::from(w),
        _ => false,
    }
}

/// Whether the permissions policy lets the page write to the clipboard.
/// Chromium tells (`document.featurePolicy`); elsewhere this says yes and
/// the write itself reports failure.
pub fn clipboard_allowed() -> bool {
    let policy = js_sys::Reflect::get(&document(), &JsValue::from_str("featurePolicy"))
        .ok()
        .filter(|p| p.is_object());
    let Some(policy) = policy else {
        return true;
    };
    let Ok(f) = js_sys::Reflect::get(&policy, &JsValue::from_str("allowsFeature")) else {
        return true;
    };
    let Ok(f) = f.dyn_into::<js_sys::Function>() else {
        return true;
    };
    f.call1(&policy, &JsValue::from_str("clipboard-write"))
        .map(|v| v.as_bool() != Some(false))
        .unwrap_or(true)
}

/// Opens `url` in a new tab; false when the browser refused (a blocked
/// popup). The new page gets no handle on this one.
pub fn open_tab(url: &str) -> bool {
    match window().open_with_url_and_target(url, "_blank") {
        Ok(Some(tab)) => {
            let _ = tab.set_opener(&JsValue::NULL);
            true
        }
        _ => false,
    }
}

/// The message reveal.js posts to the frames of a slide it leaves.
pub const SLIDE_STOP: &str = "slide:stop";
/// The message reveal.js posts to the frames of a slide it shows.
pub const SLIDE_START: &str = "slide:start";

/// What a message from the embedding page says about the slide the app is
/// on: `Some(true)` shown, `Some(false)` left, `None` not about slides.
pub fn slide_shown(data: &str) -> Option<bool> {
    match data {
        SLIDE_START => Some(true),
        SLIDE_STOP => Some(false),
        _ => None,
    }
}

/// Tells `set_unseen(true)` while the document is hidden (a background tab),
/// the app's root element is out of view (a hidden slide, an embed
/// scrolled away or in a `display: none` frame) or the embedding deck has
/// left the app's slide ([`SLIDE_STOP`] until [`SLIDE_START`]), and
/// `set_unseen(false)` once it is seen again (the run store passes
/// [`Run::set_unseen`](super::run::Run::set_unseen); whether the learner
/// had paused is untouched). Installs its listeners once the app has
/// mounted.
pub fn watch_visibility(set_unseen: impl Fn(bool) + Clone + 'static) {
    let doc = document();
    let in_view = std::rc::Rc::new(std::cell::Cell::new(true));
    let slide_left = std::rc::Rc::new(std::cell::Cell::new(false));
    let update = {
        let in_view = in_view.clone();
        let slide_left = slide_left.clone();
        move || {
            let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
            set_unseen(hidden || !in_view.get() || slide_left.get());
        }
    };

    // Only the page that frames the app speaks for its slide.
    let on_message = {
        let update = update.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let from_parent = match (ev.source(), window().parent()) {
                (Some(src), Ok(Some(parent))) => JsValue::from(src) == JsValue::from(parent),
                _ => false,
            };
            if !from_parent {
                return;
            }
            if let Some(shown) = ev.data().as_string().as_deref().and_then(slide_shown) {
                slide_left.set(!shown);
                update();
            }
        })
    };
    let _ =
        window().add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());

    let on_visibility = {
        let update = update.clone();
        Closure::<dyn Fn()>::new(update)
    };
    let _ = doc.add_event_listener_with_callback(
        "visibilitychange",
        on_visibility.as_ref().unchecked_ref(),
    );

    let on_intersect = {
        let update = update.clone();
        Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(last) = entries.iter().last() {
                let entry: web_sys::IntersectionObserverEntry = last.unchecked_into();
                in_view.set(entry.is_intersecting());
                update();
            }
        })
    };
    let observer = web_sys::IntersectionObserver::new(on_intersect.as_ref().unchecked_ref()).ok();
    update();

    // The app's root exists once the view has mounted.
    if let Some(o) = observer.clone() {
        request_animation_frame(move || {
            let doc = document();
            let target = doc
                .query_selector("[data-ready]")
                .ok()
                .flatten()
                .or_else(|| doc.document_element());
            if let Some(t) = target {
                o.observe(&t);
            }
        });
    }

    let handle =
        send_wrapper::SendWrapper::new((on_visibility, on_intersect, observer, on_message));
    on_cleanup(move || {
        let (on_visibility, _on_intersect, observer, on_message) = handle.take();
        let _ = window()
            .remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        let _ = document().remove_event_listener_with_callback(
            "visibilitychange",
            on_visibility.as_ref().unchecked_ref(),
        );
        if let Some(o) = observer {
            o.disconnect();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_slide_messages_are_understood_and_nothing_else() {
        assert_eq!(slide_shown("slide:start"), Some(true));
        assert_eq!(slide_shown("slide:stop"), Some(false));
        assert_eq!(slide_shown("slide:stopped"), None);
        assert_eq!(slide_shown("{\"method\":\"slide\"}"), None);
    }

    #[test]
    fn sandbox_tokens_are_read_like_the_browser_does() {
        assert!(sandbox_allows(
            "allow-scripts allow-popups",
            Capability::Popups
        ));
        assert!(sandbox_allows(
            "  ALLOW-DOWNLOADS\tallow-scripts",
            Capability::Downloads
        ));
        assert!(!sandbox_allows(
            "allow-scripts allow-same-origin",
            Capability::Popups
        ));
        assert!(!sandbox_allows("", Capability::Downloads));
        assert!(!sandbox_allows(
            "allow-popups-to-escape-sandbox",
            Capability::Popups
        ));
    }
}
