//! The workspace around the canvas: the pattern's introduction (open on a
//! first visit, a one-line tagline afterwards), present mode and the
//! bottom dock that holds the study views in tabs (collapsible, resizable
//! by dragging or by keyboard).
//!
//! At desktop sizes the page itself never scrolls: the header, the stage
//! (controls, canvas, timeline), the side panel and the dock share the
//! viewport and each region scrolls on its own.

use leptos::ev::{KeyboardEvent, PointerEvent};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::chart::DivergenceChart;
use super::log::EventLog;
use super::run::use_run;
use super::spacetime::SpaceTime;
use super::split::{later, Loaded};
use super::tables::StateTables;

/// The study views of the dock, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DockTab {
    /// The state tables.
    State,
    /// The divergence chart.
    Chart,
    /// The space-time diagram.
    SpaceTime,
    /// The event log.
    Log,
}

impl DockTab {
    /// Every tab, in order.
    pub const ALL: [DockTab; 4] = [
        DockTab::State,
        DockTab::Chart,
        DockTab::SpaceTime,
        DockTab::Log,
    ];

    /// The tab's visible name.
    pub fn label(self) -> &'static str {
        match self {
            DockTab::State => "State",
            DockTab::Chart => "Divergence",
            DockTab::SpaceTime => "Space-time",
            DockTab::Log => "Event log",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            DockTab::State => "state",
            DockTab::Chart => "chart",
            DockTab::SpaceTime => "spacetime",
            DockTab::Log => "log",
        }
    }

    fn index(self) -> usize {
        match self {
            DockTab::State => 0,
            DockTab::Chart => 1,
            DockTab::SpaceTime => 2,
            DockTab::Log => 3,
        }
    }
}

/// Smallest height of the open dock, in CSS pixels.
pub const DOCK_MIN: i32 = 120;
/// Height of the viewport the dock leaves to the header, the controls, the
/// timeline and a canvas that still reads (style/workspace.css says the same).
const DOCK_ROOM: i32 = 520;

/// The largest height of the open dock in this viewport.
pub fn dock_max() -> i32 {
    let h = window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(900.0) as i32;
    (h - DOCK_ROOM).max(DOCK_MIN)
}
/// How far one arrow key press resizes the dock.
const DOCK_STEP: i32 = 24;

/// Layout state shared by the workspace's regions.
#[derive(Clone, Copy)]
pub struct Workspace {
    /// Whether the pattern's introduction is shown in full.
    pub intro_open: RwSignal<bool>,
    /// Present mode: larger type and canvas, no study dock.
    pub present: RwSignal<bool>,
    /// Whether the dock shows its view (else only its tab strip).
    pub dock_open: RwSignal<bool>,
    /// The dock's selected view.
    pub dock_tab: RwSignal<DockTab>,
    /// The open dock's height in CSS pixels.
    pub dock_height: RwSignal<i32>,
}

/// The key under which a first visit is remembered.
const SEEN_KEY: &str = "converge.intro-seen";

fn storage() -> Option<web_sys::Storage> {
    // Sandboxed frames without allow-same-origin throw here.
    window().local_storage().ok().flatten()
}

/// Whether this browser has seen the introduction before.
fn intro_seen() -> bool {
    storage().is_some_and(|s| s.get_item(SEEN_KEY).ok().flatten().is_some())
}

fn remember_intro_seen() {
    if let Some(s) = storage() {
        let _ = s.set_item(SEEN_KEY, "1");
    }
}

impl Workspace {
    /// The workspace of a new page: the introduction open on a first visit,
    /// the dock open where the screen is tall enough to show it beside a
    /// readable canvas.
    pub fn new(present: bool) -> Self {
        let tall = window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .is_some_and(|h| h >= 940.0);
        Workspace {
            intro_open: RwSignal::new(!intro_seen()),
            present: RwSignal::new(present),
            dock_open: RwSignal::new(tall),
            dock_tab: RwSignal::new(DockTab::State),
            dock_height: RwSignal::new(260.min(dock_max())),
        }
    }

    /// Folds the introduction to its tagline (and remembers the visit).
    pub fn fold_intro(&self) {
        if self.intro_open.get_untracked() {
            self.intro_open.set(false);
        }
        remember_intro_seen();
    }

    /// Opens the dock on `tab` (the introduction folds to make room).
    pub fn show(&self, tab: DockTab) {
        self.dock_tab.set(tab);
        self.open_dock(true);
    }

    /// Opens or folds the dock.
    pub fn open_dock(&self, open: bool) {
        if open {
            self.fold_intro();
            self.dock_height
                .update(|h| *h = (*h).clamp(DOCK_MIN, dock_max()));
        }
        self.dock_open.set(open);
    }
}

/// The workspace of the page.
pub fn use_workspace() -> Workspace {
    use_context::<Workspace>().expect("Workspace provided by App")
}

/// The pattern's heading and introduction. Folds to a one-line tagline
/// with "More" once the learner plays, opens a lesson or folds it.
#[component]
pub fn Intro() -> impl IntoView {
    let run = use_run();
    let ws = use_workspace();
    Effect::new(move |_| {
        if run.playing.get() || run.lesson.get().is_some() {
            ws.fold_intro();
        }
    });
    let open = ws.intro_open;
    view! {
        <div class="stage-intro" class:is-open=move || open.get()>
            <h2 class="stage-title">{move || run.pattern.get().label()}</h2>
            <p class="stage-tagline">{move || run.pattern.get().tagline()}</p>
            <button type="button" class="intro-toggle" aria-expanded=move || open.get().to_string()
                aria-controls="stage-description"
                on:click=move |_| if open.get_untracked() { ws.fold_intro() } else { open.set(true) }>
                {move || if open.get() { "Less" } else { "More" }}
            </button>
            <p id="stage-description" class="stage-description" hidden=move || !open.get()>
                {move || run.pattern.get().description()}
            </p>
        </div>
    }
}

/// The bottom dock: the study views as tabs; one is shown at a time,
/// together with the canvas. The strip above it collapses it and its edge
/// resizes it (drag, or arrow keys when focused).
#[component]
pub fn Dock() -> impl IntoView {
    let ws = use_workspace();
    let tab_refs: [NodeRef<html::Button>; 4] = Default::default();
    let select = move |t: DockTab| {
        if ws.dock_open.get_untracked() && ws.dock_tab.get_untracked() == t {
            ws.open_dock(false);
        } else {
            ws.show(t);
        }
    };
    let on_tab_key = move |ev: KeyboardEvent| {
        let i = ws.dock_tab.get_untracked().index();
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % 4,
            "ArrowLeft" => (i + 3) % 4,
            "Home" => 0,
            "End" => 3,
            _ => return,
        };
        ev.prevent_default();
        let t = DockTab::ALL[next];
        ws.dock_tab.set(t);
        if let Some(b) = tab_refs[next].get_untracked() {
            let _ = b.focus();
        }
    };
    let tabs = DockTab::ALL
        .into_iter()
        .map(|t| {
            let selected = move || ws.dock_tab.get() == t;
            view! {
                <button type="button" role="tab" class="dock-tab"
                    id=format!("dock-tab-{}", t.slug())
                    aria-controls="dock-panel"
                    aria-selected=move || selected().to_string()
                    tabindex=move || if selected() { "0" } else { "-1" }
                    node_ref=tab_refs[t.index()]
                    on:click=move |_| select(t)>
                    {t.label()}
                </button>
            }
        })
        .collect_view();

    // Resizing: the separator above the dock.
    let drag = StoredValue::new(None::<(f64, i32)>);
    let clamp = |h: i32| h.clamp(DOCK_MIN, dock_max());
    let on_down = move |ev: PointerEvent| {
        if !ws.dock_open.get_untracked() {
            return;
        }
        ev.prevent_default();
        if let Some(t) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = t.set_pointer_capture(ev.pointer_id());
        }
        drag.set_value(Some((ev.client_y() as f64, ws.dock_height.get_untracked())));
    };
    let on_move = move |ev: PointerEvent| {
        if let Some((y0, h0)) = drag.get_value() {
            let h = h0 + (y0 - ev.client_y() as f64).round() as i32;
            ws.dock_height.set(clamp(h));
        }
    };
    let on_up = move |_: PointerEvent| drag.set_value(None);
    let on_sep_key = move |ev: KeyboardEvent| {
        let h = ws.dock_height.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowUp" => h + DOCK_STEP,
            "ArrowDown" => h - DOCK_STEP,
            "Home" => DOCK_MIN,
            "End" => dock_max(),
            "Enter" => {
                ev.prevent_default();
                ws.open_dock(!ws.dock_open.get_untracked());
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        ws.open_dock(true);
        ws.dock_height.set(clamp(next));
    };

    let body = move || {
        ws.dock_open.get().then(|| {
            let tab = match ws.dock_tab.get() {
                DockTab::State => 0,
                DockTab::Chart => 1,
                DockTab::SpaceTime => 2,
                DockTab::Log => 3,
            };
            later(move || study_view(tab))
        })
    };

    view! {
        <section class="dock" class:is-open=move || ws.dock_open.get() aria-label="Study views">
            <div class="dock-sep" role="separator" tabindex="0" aria-orientation="horizontal"
                aria-label="Resize the study views"
                aria-controls="dock-panel"
                aria-valuemin=DOCK_MIN aria-valuemax=dock_max
                aria-valuenow=move || ws.dock_height.get()
                aria-valuetext=move || if ws.dock_open.get() { format!("{} pixels high", ws.dock_height.get()) } else { "collapsed".to_string() }
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up
                on:keydown=on_sep_key></div>
            <div class="dock-bar" on:pointerenter=|_| crate::prefetch!(preload_study) on:focusin=|_| crate::prefetch!(preload_study)>
                <div class="dock-tabs" role="tablist" aria-label="Study views" on:keydown=on_tab_key>
                    {tabs}
                </div>
                <button type="button" class="dock-fold ctl-btn"
                    aria-expanded=move || ws.dock_open.get().to_string()
                    aria-controls="dock-panel"
                    on:click=move |_| ws.open_dock(!ws.dock_open.get_untracked())>
                    {move || if ws.dock_open.get() { "Hide views" } else { "Show views" }}
                </button>
            </div>
            <div id="dock-panel" class="dock-panel" role="tabpanel"
                aria-labelledby=move || format!("dock-tab-{}", ws.dock_tab.get().slug())
                hidden=move || !ws.dock_open.get()
                style:height=move || format!("{}px", ws.dock_height.get())>
                {body}
            </div>
        </section>
    }
}

/// The dock's study view for a tab (0 state, 1 chart, 2 space-time, 3
/// log): a chunk of its own in the release build (see [`super::split`]).
#[cfg_attr(
    converge_split,
    leptos::wasm_split::wasm_split(
        study,
        wasm_split_path = ::leptos::wasm_split,
        preload(preload_study),
        fallible
    )
)]
pub fn study_view(tab: u8) -> Loaded {
    Ok(match tab {
        0 => view! { <StateTables/> }.into_any(),
        1 => view! { <DivergenceChart/> }.into_any(),
        2 => view! { <SpaceTime/> }.into_any(),
        _ => view! { <EventLog/> }.into_any(),
    })
}
