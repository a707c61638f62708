//! Page-wide keyboard shortcuts and the "?" dialog that lists them.
//!
//! Space plays or pauses, → steps one event and ← one event back, 1–4
//! switch patterns and ? opens the list. Shortcuts are ignored while typing
//! in a field, inside menus and dialogs, and when a modifier key is held.
//! An embed in a slide deck takes these keys while focus is inside it;
//! `&keys=0` turns them off and hands focus back to the deck after a click.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::run::Run;
use super::Pattern;

/// Whether the shortcuts dialog is open (shared by [`install`] and [`Shortcuts`]).
#[derive(Clone, Copy)]
pub struct ShortcutsOpen(pub RwSignal<bool>);

/// The shortcuts, as listed in the dialog: keys and what they do.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("Space", "Play or pause"),
    ("\u{2192}", "Step one event (pauses)"),
    ("\u{2190}", "Back one event (pauses)"),
    ("1 \u{2013} 4", "Switch pattern"),
    ("P", "Present mode on or off"),
    ("C", "Compare two runs on or off"),
    ("?", "Show these shortcuts"),
    ("Esc", "Close a menu or this dialog"),
];

/// What a key press means, if it is a shortcut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// Space.
    PlayPause,
    /// Right arrow.
    Step,
    /// Left arrow.
    StepBack,
    /// 1–4.
    Switch(Pattern),
    /// ?.
    Help,
    /// P: present mode on or off.
    Present,
    /// C: compare mode on or off.
    Compare,
}

/// Maps a key (as `KeyboardEvent.key`) to a shortcut.
pub fn shortcut_for(key: &str) -> Option<Shortcut> {
    Some(match key {
        " " | "Spacebar" => Shortcut::PlayPause,
        "ArrowRight" => Shortcut::Step,
        "ArrowLeft" => Shortcut::StepBack,
        "?" => Shortcut::Help,
        "p" | "P" => Shortcut::Present,
        "c" | "C" => Shortcut::Compare,
        "1" | "2" | "3" | "4" => {
            let i: usize = key.parse().ok()?;
            Shortcut::Switch(*Pattern::all().get(i - 1)?)
        }
        _ => return None,
    })
}

/// True when the key press belongs to the focused control, not the page.
fn target_claims(ev: &KeyboardEvent, s: Shortcut) -> bool {
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    let typing = "input, textarea, select, [contenteditable=''], [contenteditable='true'], [role=dialog], [role=tablist], [role=slider]";
    if el.closest(typing).ok().flatten().is_some() {
        return true;
    }
    // Space activates the focused button, link or summary.
    s == Shortcut::PlayPause
        && el
            .closest("button, a[href], summary, [role=button], [role=switch]")
            .ok()
            .flatten()
            .is_some()
}

/// Installs the page-wide keyboard shortcuts (none with `keys` false:
/// then a click inside a framed app hands focus back to the embedding
/// page, so a slide deck keeps its keys). The listeners are removed when
/// the calling component (the app) is unmounted.
pub fn install(run: Run, keys: bool) {
    let open = use_context::<ShortcutsOpen>().unwrap_or_else(|| {
        let o = ShortcutsOpen(RwSignal::new(false));
        provide_context(o);
        o
    });
    if !keys {
        if super::host::framed() {
            let handle = window_event_listener(leptos::ev::pointerup, move |ev| {
                // Not while the learner uses a menu, a field or a dialog.
                let keep = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|el| {
                        el.closest("input, select, textarea, [role=dialog], .cv-menu, .share-menu")
                            .ok()
                            .flatten()
                    })
                    .is_some();
                if !keep {
                    if let Ok(Some(parent)) = window().parent() {
                        let _ = parent.focus();
                    }
                }
            });
            on_cleanup(move || handle.remove());
        }
        return;
    }
    let workspace = use_context::<super::workspace::Workspace>();
    let handle = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.default_prevented() || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let Some(s) = shortcut_for(&ev.key()) else {
            return;
        };
        if target_claims(&ev, s) || open.0.try_get_untracked().unwrap_or(true) {
            return;
        }
        ev.prevent_default();
        match s {
            Shortcut::PlayPause => run.set_playing(!run.playing.get_untracked()),
            Shortcut::Step => run.step(),
            Shortcut::StepBack => run.step_back(),
            Shortcut::Switch(p) => run.switch(p),
            Shortcut::Help => open.0.set(true),
            Shortcut::Present => {
                if let Some(ws) = workspace {
                    ws.present.update(|p| *p = !*p);
                }
            }
            Shortcut::Compare => {
                if run.partner().is_some() {
                    run.close_compare();
                } else if let Err(e) = run.open_compare() {
                    run.notice.set(Some(super::run::Notice::error(e)));
                }
            }
        }
    });
    on_cleanup(move || handle.remove());
}

/// Calls `focus()` on an element (HTML or SVG).
fn focus(el: &web_sys::Element) {
    if let Ok(f) = js_sys::Reflect::get(el, &"focus".into()) {
        if let Ok(f) = f.dyn_into::<js_sys::Function>() {
            let _ = f.call0(el);
        }
    }
}

/// The keyboard shortcuts dialog (opened with "?"). Modal: Escape or the
/// close button closes it and focus returns where it was.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let open = use_context::<ShortcutsOpen>().unwrap_or_else(|| {
        let o = ShortcutsOpen(RwSignal::new(false));
        provide_context(o);
        o
    });
    let close_btn = NodeRef::<html::Button>::new();
    let back_to = StoredValue::new_local(None::<web_sys::Element>);
    Effect::new(move |was: Option<bool>| {
        let now = open.0.get();
        if now && was != Some(true) {
            back_to.set_value(document().active_element());
        }
        if now {
            if let Some(b) = close_btn.get() {
                let _ = b.focus();
            }
        } else if was == Some(true) {
            if let Some(el) = back_to.get_value() {
                focus(&el);
            }
        }
        now
    });
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            open.0.set(false);
        }
        // One control inside: keep focus in the dialog.
        "Tab" => ev.prevent_default(),
        _ => {}
    };
    move || {
        open.0.get().then(|| {
            view! {
                <div class="sc-backdrop" on:click=move |_| open.0.set(false)></div>
                <div class="sc-dialog" role="dialog" aria-modal="true" aria-labelledby="sc-title"
                    on:keydown=on_keydown>
                    <h2 id="sc-title" class="sc-title">"Keyboard shortcuts"</h2>
                    <dl class="sc-list">
                        {SHORTCUTS.iter().map(|(k, what)| view! {
                            <div class="sc-row"><dt><kbd>{*k}</kbd></dt><dd>{*what}</dd></div>
                        }).collect_view()}
                    </dl>
                    <p class="sc-note">"Shortcuts are off while you type in a field. Services and links on the canvas open their menus with Enter."</p>
                    <button type="button" class="ctl-btn" node_ref=close_btn
                        on:click=move |_| open.0.set(false)>"Close"</button>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_shortcuts() {
        assert_eq!(shortcut_for(" "), Some(Shortcut::PlayPause));
        assert_eq!(shortcut_for("ArrowRight"), Some(Shortcut::Step));
        assert_eq!(shortcut_for("ArrowLeft"), Some(Shortcut::StepBack));
        assert_eq!(shortcut_for("3"), Some(Shortcut::Switch(Pattern::Saga)));
        assert_eq!(shortcut_for("5"), None);
        assert_eq!(shortcut_for("?"), Some(Shortcut::Help));
        assert_eq!(shortcut_for("a"), None);
        assert_eq!(shortcut_for("c"), Some(Shortcut::Compare));
    }
}
