//! Sharing: the header's share menu (copy a link that replays this exact
//! moment, copy embed code, export the scene and the trace as JSON, import
//! a scene file by picker or drag-and-drop), the embed bar, and the
//! address bar kept in sync with the run.
//!
//! Scenes are encoded by [`crate::share`]; this file only talks to the
//! browser (clipboard, downloads, files, history).

use std::cell::Cell;
use std::rc::Rc;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::host::{self, Access, Capability};
use super::run::{use_run, Notice, Rate, ReplayKind, Run};
use crate::share::{round_speed, Scene, MAX_SPEED, MIN_SPEED};

/// What Share says when the run has reached the time limit.
pub const LIMIT_COPIED: &str = "Link copied: it opens at 10:00, where time stops";

/// What Share says when the lesson open came from a file on disk.
pub const FROM_DISK_COPIED: &str =
    "Link copied, without the lesson: a link cannot carry a file from your disk (host it and link with ?lesson=)";

/// How often, at most, the address bar is rewritten while the run changes.
const SYNC_EVERY_MS: f64 = 500.0;

/// The scene the run shows now: pattern, seed, script, playhead, speed and
/// lesson step.
pub fn current_scene(run: Run) -> Scene {
    let at = run.moment();
    let script = run.with(|p| p.script());
    Scene {
        pattern: run.pattern.get_untracked(),
        seed: run.seed.get_untracked(),
        speed: round_speed(run.speed.get_untracked().clamp(MIN_SPEED, MAX_SPEED)),
        at,
        // A lesson opened from disk is not the pattern's built-in one,
        // and a link cannot carry it: its step would open the wrong one.
        lesson_step: run
            .lesson
            .get_untracked()
            .filter(|_| !run.lesson_from_disk())
            .and_then(|l| u16::try_from(l + 1).ok()),
        script,
        twin: run.partner().map(|b| b.with(|p| p.script())),
    }
}

/// The app's own address: wherever it is hosted (a site's root or any
/// path under it), the page's URL without query or fragment. Read from
/// `href`, not `origin`, which is `"null"` in a sandboxed frame.
fn app_base() -> String {
    let href = window().location().href().unwrap_or_default();
    page_base(&href).to_string()
}

/// `href` without its query and fragment.
pub fn page_base(href: &str) -> &str {
    let end = href.find(['?', '#']).unwrap_or(href.len());
    &href[..end]
}

/// The query of a link that reopens `scene`: `?s=<code>`, after
/// `lesson=<address>` when the lesson open was fetched from an address.
pub fn link_query(lesson: Option<&str>, scene: &Scene) -> String {
    match lesson {
        Some(url) => format!("?lesson={}&s={}", query_escape(url), scene.to_code()),
        None => format!("?s={}", scene.to_code()),
    }
}

/// `s` escaped for a query value: what would end it or change its
/// meaning (`&`, `#`, `%`, `+`, spaces, anything not ASCII) as `%XX`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:?=@!$'()*,;".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The share link of `scene` (in the lesson at address `lesson`, if any).
pub fn share_link(base: &str, lesson: Option<&str>, scene: &Scene) -> String {
    format!("{base}{}", link_query(lesson, scene))
}

/// The iframe snippet that embeds `scene` (800 × 500).
pub fn embed_snippet(base: &str, lesson: Option<&str>, scene: &Scene) -> String {
    format!(
        "<iframe src=\"{}&embed\" width=\"800\" height=\"500\" title=\"Converge: {}, seed {}\" \
         loading=\"lazy\" style=\"border:0\"></iframe>",
        share_link(base, lesson, scene),
        scene.pattern.label(),
        scene.seed
    )
}

/// A file name for an export (`converge-saga-seed-7.scene.json`).
fn file_name(scene: &Scene, kind: &str) -> String {
    format!(
        "converge-{}-seed-{}.{kind}.json",
        scene.pattern.slug(),
        scene.seed
    )
}

/// Offers `text` as a download named `name`.
fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = document().create_element("a")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_attribute("hidden", "")?;
    document()
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?
        .append_child(&a)?;
    a.click();
    a.remove();
    // Give the browser a moment to start the download before revoking.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Writes `text` to the clipboard; false when the browser refused, has
/// no clipboard (an insecure page) or the embedding page's permissions
/// policy forbids it (asked first, so the browser logs no violation).
async fn copy_text(text: &str) -> bool {
    let nav = window().navigator();
    let has = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard"))
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !has || !host::clipboard_allowed() {
        return false;
    }
    JsFuture::from(nav.clipboard().write_text(text))
        .await
        .is_ok()
}

/// The share link of the run now.
fn link_now(run: Run) -> String {
    share_link(
        &app_base(),
        run.lesson_url().as_deref(),
        &current_scene(run),
    )
}

/// Opens a scene file's text: replaces the run on success; on any error
/// shows what was wrong and leaves the current run as it was.
pub fn import_scene(run: Run, name: &str, text: &str) -> Result<(), String> {
    let fail = |e: String| {
        let msg = format!("Could not open {name} \u{2014} {e}. Your current run is unchanged.");
        run.notice.set(Some(Notice::error(msg.clone())));
        msg
    };
    let scene = Scene::open_json(text).map_err(|e| fail(e.to_string()))?;
    let was_playing = run.playing.get_untracked();
    run.playing.set(false);
    // A long scene replays in slices with progress; these apply once it
    // has landed.
    let opened = format!("Opened {name}: {}.", scene.summary());
    let (speed, step, twin) = (scene.speed, scene.lesson_step, scene.twin);
    let pattern = scene.pattern;
    let done = move || {
        run.speed.set(speed);
        // A pair opens compare mode with run B at the same moment.
        if let Some(b) = twin {
            if let Err(e) = run.open_compare_with(Some(b)) {
                run.notice.set(Some(Notice::error(e)));
                return;
            }
        }
        let mut said = opened;
        let step = step.map(|n| {
            let lesson = untrack(|| run.lesson_for(pattern));
            let (i, past) = super::lesson::step_to_open(&lesson, n.into());
            if let Some(words) = past {
                said = format!("{said} {words}");
            }
            i
        });
        run.lesson.set(step);
        run.notice.set(Some(Notice::info(said)));
    };
    let kind = ReplayKind::File(name.to_string());
    if let Err(e) = run.open(
        scene.pattern,
        scene.seed,
        scene.script,
        scene.at,
        kind,
        done,
    ) {
        run.playing.set(was_playing);
        return Err(fail(e));
    }
    Ok(())
}

/// Reads the first file of a list and opens it: a lesson file as the
/// lesson of its pattern, anything else as a scene file.
fn import_files(run: Run, files: Option<web_sys::FileList>) {
    let Some(file) = files.and_then(|f| f.get(0)) else {
        return;
    };
    let name = file.name();
    spawn_local(async move {
        let text = JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|v| v.as_string());
        if !run.alive() {
            return;
        }
        let Some(text) = text else {
            run.notice.set(Some(Notice::error(format!(
                "Could not read {name}. Your current run is unchanged."
            ))));
            return;
        };
        let opened = crate::split_call!(open_file(run, name.clone(), text));
        if opened.is_err() && run.alive() {
            run.notice.set(Some(Notice::error(format!(
                "Could not open {name}: the part of the app that reads files did not arrive \
                 (are you offline?). Your current run is unchanged."
            ))));
        }
    });
}

/// Opens a file's text: a lesson file as the lesson of its pattern,
/// anything else as a scene file (each says what it did, or why not, in
/// the notice). A chunk of its own in the release build (see
/// [`super::split`]).
#[cfg_attr(
    converge_split,
    leptos::wasm_split::wasm_split(
        import,
        wasm_split_path = ::leptos::wasm_split,
        preload(preload_import),
        fallible
    )
)]
pub fn open_file(
    run: Run,
    name: String,
    text: String,
) -> Result<(), leptos::wasm_split::SplitLoaderError> {
    if crate::lessons::file::is_lesson(&text) {
        let _ = super::lesson::open_lesson(run, &name, &text, None, None, false);
    } else {
        let _ = import_scene(run, &name, &text);
    }
    Ok(())
}

/// Keeps the address bar showing the current scene (`?s=…`), with
/// `history.replaceState` (no new history entries): on every
/// [`Rate::Address`] pulse (every 2 s while time flows, at once after a
/// command, seek or pause), at most twice a second, in a task of its own.
pub fn sync_address_bar(run: Run) {
    let last = Rc::new(Cell::new(f64::NEG_INFINITY));
    let pending = Rc::new(Cell::new(false));
    let write = move || {
        // While a link is replaying the address keeps it (a reload opens
        // it again); once the replay lands the run's change writes it.
        if !run.alive() || run.replaying() {
            return;
        }
        let scene = current_scene(run);
        let lesson = run.lesson_url();
        // Only the page a bare address opens may drop the code: another
        // pattern (even untouched) needs it, or a reload shows Event-based.
        let search = if scene == Scene::default() && lesson.is_none() {
            String::new()
        } else {
            link_query(lesson.as_deref(), &scene)
        };
        let loc = window().location();
        if loc.search().unwrap_or_default() == search {
            return;
        }
        let path = loc.pathname().unwrap_or_else(|_| "/".into());
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(
                &JsValue::NULL,
                "",
                Some(&format!("{path}{search}")),
            );
        }
    };
    let now = || window().performance().map_or(0.0, |p| p.now());
    Effect::new(move |_| {
        run.pulse(Rate::Address).track();
        // Compare mode: the link holds run B too.
        if let Some(b) = run.twin.get() {
            b.pulse(Rate::Address).track();
        }
        run.lesson.track();
        run.opened.track();
        run.speed.track();
        if pending.get() {
            return;
        }
        // Written in a task of its own, even when due now: a seek or a
        // command then shows on the page without waiting for the
        // browser's navigation bookkeeping (see [`Rate::Address`]).
        let wait = (SYNC_EVERY_MS - (now() - last.get())).max(0.0);
        pending.set(true);
        let (last, pending) = (last.clone(), pending.clone());
        gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
            pending.set(false);
            last.set(now());
            write();
        })
        .forget();
    });
}

/// What a fallback field shows when the browser or the embedding page
/// refused an action (clipboard, download, new tab): the text, selected,
/// for the learner to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fallback {
    /// What the text is ("Share link", "Scene file").
    label: &'static str,
    /// Why the text is shown and what to do with it, if more than "copy".
    why: Option<String>,
    /// The text itself.
    text: String,
}

/// Tells the learner to copy the selected fallback text.
const COPY_HINT: &str = "Copy the selected text with Ctrl+C or \u{2318}C";

/// The fallback field: a labelled, read-only text area holding the text
/// (selected and focused when it appears, so one keystroke copies it) and
/// a Done button; Escape closes it too.
#[component]
fn FallbackField(fallback: RwSignal<Option<Fallback>>) -> impl IntoView {
    let field = NodeRef::<html::Textarea>::new();
    // Select the text so one keystroke copies it.
    Effect::new(move |_| {
        if fallback.get().is_some() {
            if let Some(t) = field.get() {
                let _ = t.focus();
                t.select();
            }
        }
    });
    move || {
        fallback.get().map(|f| {
            view! {
                <div class="share-fallback" role="group" aria-label=f.label>
                    <label class="share-fallback-label" for="share-fallback-text">
                        {format!("{}: copy this text", f.label)}
                    </label>
                    {f.why.map(|why| view! { <p class="share-hint">{why}</p> })}
                    <textarea id="share-fallback-text" class="share-fallback-text" readonly=true rows="3"
                        node_ref=field
                        on:keydown=move |ev: ev::KeyboardEvent| if ev.key() == "Escape" {
                            fallback.set(None);
                        }
                    >{f.text.clone()}</textarea>
                    <button type="button" class="share-button" on:click=move |_| fallback.set(None)>"Done"</button>
                </div>
            }
        })
    }
}

/// The share menu in the header: "Share" copies a link that replays this
/// exact moment; the menu beside it copies embed code, exports the scene
/// or the trace, and imports a scene file (also by dropping a `.json` file
/// anywhere on the page).
#[component]
pub fn ShareMenu() -> impl IntoView {
    let run = use_run();
    sync_address_bar(run);

    let open = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let fallback = RwSignal::new(None::<Fallback>);
    let dragging = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    let more = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Div>::new();
    let picker = NodeRef::<html::Input>::new();
    let status_seq = StoredValue::new(0u32);

    let say = move |text: &str| {
        status.set(Some(text.to_string()));
        let seq = status_seq.get_value().wrapping_add(1);
        status_seq.set_value(seq);
        gloo_timers::callback::Timeout::new(3_000, move || {
            if status_seq.try_get_value() == Some(seq) {
                status.set(None);
            }
        })
        .forget();
    };

    let copy = move |label: &'static str, done: &'static str, text: String| {
        spawn_local(async move {
            if copy_text(&text).await {
                fallback.set(None);
                say(done);
            } else {
                fallback.set(Some(Fallback {
                    label,
                    why: None,
                    text,
                }));
                say(COPY_HINT);
            }
        });
    };

    let close_menu = move |focus_button: bool| {
        open.set(false);
        if focus_button {
            if let Some(b) = more.get_untracked() {
                let _ = b.focus();
            }
        }
    };

    let share = move |_| {
        let link = link_now(run);
        let done = if run.at_limit() {
            LIMIT_COPIED
        } else if run.lesson.get_untracked().is_some() && run.lesson_from_disk() {
            FROM_DISK_COPIED
        } else {
            "Link copied"
        };
        copy("Share link", done, link);
    };
    let copy_embed = move |_| {
        close_menu(true);
        let code = embed_snippet(
            &app_base(),
            run.lesson_url().as_deref(),
            &current_scene(run),
        );
        copy("Embed code", "Embed code copied", code);
    };
    // Saves a file, or, where the embedding page forbids downloads (or
    // may, unseen), shows its text selected in place.
    let save = move |label: &'static str, done: &'static str, name: String, text: String| {
        let access = host::allows(Capability::Downloads);
        let saved = access != Access::Blocked && download(&name, &text).is_ok();
        if saved && access == Access::Allowed {
            fallback.set(None);
            say(done);
            return;
        }
        let why = if saved {
            format!("If no download started, this page blocks downloads: copy the text and save it as {name}.")
        } else {
            format!("This page does not allow downloads: copy the text and save it as {name}.")
        };
        fallback.set(Some(Fallback {
            label,
            why: Some(why),
            text,
        }));
        say(COPY_HINT);
    };
    let export_scene = move |_| {
        close_menu(true);
        let scene = current_scene(run);
        save(
            "Scene file",
            "Scene file saved",
            file_name(&scene, "scene"),
            scene.to_json(),
        );
    };
    let export_trace = move |_| {
        close_menu(true);
        let scene = current_scene(run);
        let trace = run.with(|p| p.trace_json());
        save("Trace", "Trace saved", file_name(&scene, "trace"), trace);
    };
    // The file as its author wrote it: the opened one, or the built-in.
    let export_lesson = move |_| {
        close_menu(true);
        let pattern = run.pattern.get_untracked();
        let (name, text) = run
            .opened
            .with_untracked(|o| {
                o.as_ref().filter(|o| o.lesson.pattern == pattern).map(|o| {
                    let name = o.name.rsplit('/').next().unwrap_or(&o.name);
                    (name.to_string(), o.text.clone())
                })
            })
            .unwrap_or_else(|| {
                (
                    format!("converge-{}.lesson.json", pattern.slug()),
                    crate::lessons::built_in_file(pattern).to_string(),
                )
            });
        save("Lesson file", "Lesson file saved", name, text);
    };
    let import = move |_| {
        close_menu(true);
        if let Some(input) = picker.get_untracked() {
            input.click();
        }
    };
    let on_pick = move |ev: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        import_files(run, input.files());
        input.set_value("");
    };

    // Focus the first item when the menu opens; arrows move between items.
    Effect::new(move |_| {
        if open.get() {
            if let Some(first) = menu
                .get()
                .and_then(|m| m.query_selector("[role=menuitem]").ok().flatten())
            {
                let _ = first.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
    });
    let on_menu_key = move |ev: ev::KeyboardEvent| {
        let Some(m) = menu.get_untracked() else {
            return;
        };
        let Ok(list) = m.query_selector_all("[role=menuitem]") else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into())
            .collect();
        let active = document().active_element();
        let current = items
            .iter()
            .position(|i| active.as_ref() == Some(i.unchecked_ref::<web_sys::Element>()));
        let n = items.len();
        let target = match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                close_menu(true);
                return;
            }
            "Tab" => {
                open.set(false);
                return;
            }
            "ArrowDown" => current.map_or(0, |c| (c + 1) % n),
            "ArrowUp" => current.map_or(n - 1, |c| (c + n - 1) % n),
            "Home" => 0,
            "End" => n - 1,
            _ => return,
        };
        ev.prevent_default();
        if let Some(item) = items.get(target) {
            let _ = item.focus();
        }
    };

    // Close when a click lands outside the menu.
    let outside = window_event_listener(ev::pointerdown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = root.get_untracked().is_some_and(|r| {
            let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            r.contains(target.as_ref())
        });
        if !inside {
            open.set(false);
        }
    });

    // Drag-and-drop a scene file anywhere on the page.
    let has_files = |ev: &ev::DragEvent| {
        ev.data_transfer()
            .map(|d| d.types().includes(&JsValue::from_str("Files"), 0))
            .unwrap_or(false)
    };
    let over = window_event_listener(ev::dragover, move |ev| {
        if has_files(&ev) {
            ev.prevent_default();
            if let Some(d) = ev.data_transfer() {
                d.set_drop_effect("copy");
            }
            if !dragging.get_untracked() {
                dragging.set(true);
                crate::prefetch!(preload_import);
            }
        }
    });
    let leave = window_event_listener(ev::dragleave, move |ev| {
        // Leaving the window: no element under the pointer any more.
        if ev.related_target().is_none() {
            dragging.set(false);
        }
    });
    let drop = window_event_listener(ev::drop, move |ev| {
        dragging.set(false);
        if has_files(&ev) {
            ev.prevent_default();
            import_files(run, ev.data_transfer().and_then(|d| d.files()));
        }
    });
    on_cleanup(move || {
        outside.remove();
        over.remove();
        leave.remove();
        drop.remove();
    });

    view! {
        <div class="share" node_ref=root>
            <button type="button" class="share-button share-primary" on:click=share
                title="Copy a link that replays this run and lands on this moment">
                <svg class="share-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
                    <path d="M6.5 9.5l3-3M7 4.5l1.2-1.2a2.5 2.5 0 013.5 3.5L10.5 8M9 11.5l-1.2 1.2a2.5 2.5 0 01-3.5-3.5L5.5 8"/>
                </svg>
                "Share"
            </button>
            <button
                type="button"
                class="share-button share-more"
                node_ref=more
                aria-haspopup="menu"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="share-menu"
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    crate::prefetch!(preload_import);
                }
            >
                "Export \u{b7} Embed"
                <span class="share-caret" aria-hidden="true">"\u{25be}"</span>
            </button>
            <div
                id="share-menu"
                class="share-menu"
                role="menu"
                aria-label="Export, embed and import"
                node_ref=menu
                hidden=move || !open.get()
                on:keydown=on_menu_key
            >
                <button type="button" role="menuitem" tabindex="-1" on:click=copy_embed>
                    "Copy embed code"
                    <span class="share-hint">"an 800\u{d7}500 iframe of this scene"</span>
                </button>
                <button type="button" role="menuitem" tabindex="-1" on:click=export_scene>
                    "Export scenario"
                    <span class="share-hint">"pattern, seed, actions and playhead as JSON"</span>
                </button>
                <button type="button" role="menuitem" tabindex="-1" on:click=export_trace>
                    "Export trace"
                    <span class="share-hint">"every event with its cause, as JSON"</span>
                </button>
                <button type="button" role="menuitem" tabindex="-1" on:click=import>
                    "Import scenario\u{2026}"
                    <span class="share-hint">"open a scene file (or drop one on the page)"</span>
                </button>
                <button type="button" role="menuitem" tabindex="-1" on:click=export_lesson>
                    "Export lesson"
                    <span class="share-hint">"this pattern\u{2019}s lesson as a file to edit"</span>
                </button>
                <button type="button" role="menuitem" tabindex="-1" on:click=import>
                    "Import lesson\u{2026}"
                    <span class="share-hint">"open a lesson file (or drop one on the page)"</span>
                </button>
            </div>
            <input
                type="file"
                class="share-picker"
                accept=".json,application/json"
                aria-label="Scene or lesson file to import"
                tabindex="-1"
                hidden=true
                node_ref=picker
                on:change=on_pick
            />
            <p class="share-status" role="status" aria-live="polite">
                {move || status.get()}
            </p>
            <FallbackField fallback=fallback/>
            <div class="share-drop" class:share-drop-on=move || dragging.get() aria-hidden="true">
                <p>"Drop a Converge scene or lesson file (.json) to open it"</p>
            </div>
        </div>
    }
}

/// The embed bar: what is shown and a link that opens the same scene in
/// the full app (new tab). Where the embedding page forbids new tabs, the
/// link is shown selected in place instead, to copy into a new tab.
#[component]
pub fn EmbedBar() -> impl IntoView {
    let run = use_run();
    let href = move || {
        run.pulse(Rate::Address).track();
        if let Some(b) = run.twin.get() {
            b.pulse(Rate::Address).track();
        }
        run.opened.track();
        link_now(run)
    };
    let fallback = RwSignal::new(None::<Fallback>);
    let on_open = move |ev: ev::MouseEvent| {
        // Modified clicks (new window, background tab) are the browser's.
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        let link = link_now(run);
        let opened = match host::allows(Capability::Popups) {
            // The link opens its tab itself.
            Access::Allowed => return,
            Access::Blocked => false,
            // Maybe sandboxed: open it here, where a refusal is visible.
            Access::Unknown => host::open_tab(&link),
        };
        ev.prevent_default();
        if opened {
            fallback.set(None);
        } else {
            fallback.set(Some(Fallback {
                label: "Converge link",
                why: Some(
                    "This page does not allow new tabs: copy the link and open it in a new tab."
                        .into(),
                ),
                text: link,
            }));
        }
    };
    view! {
        <div class="embed-bar">
            <span class="embed-brand">
                <strong>"Converge"</strong>
                <span class="embed-pattern">{move || run.pattern.get().label()}</span>
            </span>
            <div class="share">
                <a class="embed-open" href=href target="_blank" rel="noopener"
                    aria-label="Open in Converge (opens in a new tab)" on:click=on_open>
                    "Open in Converge \u{2197}"
                </a>
                <FallbackField fallback=fallback/>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{link_query, page_base, query_escape};
    use crate::share::Scene;
    use crate::ui::startup::from_query;

    #[test]
    fn a_link_in_a_lesson_from_an_address_reopens_that_lesson_on_its_step() {
        let scene = Scene {
            lesson_step: Some(3),
            at: 4_000,
            ..Scene::default()
        };
        let url = "course/week 3&4.json";
        let query = link_query(Some(url), &scene);
        assert!(
            query.starts_with("?lesson=course/week%203%264.json&s="),
            "{query}"
        );
        let start = from_query(&query);
        assert_eq!(start.lesson_url.as_deref(), Some(url));
        assert_eq!(start.lesson_step, Some(3));
        assert_eq!(start.at, 4_000);
        assert_eq!(start.notice, None);
        assert_eq!(
            query_escape("https://e.org/l.json?v=2#x"),
            "https://e.org/l.json?v=2%23x"
        );
    }

    #[test]
    fn an_empty_lesson_address_is_refused_with_words() {
        let start = from_query("?lesson=&embed");
        assert_eq!(start.lesson_url, None);
        assert!(start.notice.unwrap().contains("lesson= needs the address"));
        assert!(start.embed.enabled);
    }

    #[test]
    fn the_base_keeps_the_path_and_drops_query_and_fragment() {
        assert_eq!(
            page_base("https://u.github.io/converge/?s=AQ&embed"),
            "https://u.github.io/converge/"
        );
        assert_eq!(
            page_base("http://127.0.0.1:8080/index.html#x"),
            "http://127.0.0.1:8080/index.html"
        );
        assert_eq!(page_base("https://e.org/a/b/"), "https://e.org/a/b/");
    }
}
