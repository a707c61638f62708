//! The application shell: a one-row header (product, pattern tabs, tools)
//! and the stage, laid out as a workspace (see [`super::workspace`]).

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use super::canvas::Canvas;
use super::compare::{compare_settings, compare_stage, CompareButton};
use super::controls::Controls;
use super::keys::{Shortcuts, ShortcutsOpen};
use super::lesson::LessonPane;
use super::meter::{Meter, MeterChecks};
use super::panel::ScenarioPanel;
use super::replay::ReplayBar;
use super::run::{start_clock, use_run, Notice, NoticeKind, ReplayKind, Run};
use super::share_menu::{EmbedBar, ShareMenu};
use super::split::later;
use super::timeline::Timeline;
use super::workspace::{use_workspace, Dock, Intro, Workspace};
use super::Pattern;

/// The one-line description shown under the product name.
pub const TAGLINE: &str = "Watch distributed state diverge and converge \u{2014} event-driven, \
                           background sync, sagas and CQRS, simulated in your browser.";

/// DOM id of the stage (the tab panel every pattern tab controls).
pub const STAGE_ID: &str = "stage";

/// The whole application.
///
/// Renders `data-ready="true"` on its root element once mounted; the
/// end-to-end tests wait for it. In embed mode (`?embed`) it shows only
/// the canvas, the meter and minimal controls; `&present` opens present
/// mode.
#[component]
pub fn App() -> impl IntoView {
    let start = super::startup::read();
    let run = Run::new(start.pattern, start.seed);
    // A pair opens compare mode, run B on the same moment, once run A
    // is there.
    let twin = start.twin.clone();
    let compare = move || {
        if let Some(b) = twin {
            if let Err(e) = run.open_compare_with(Some(b)) {
                run.notice.set(Some(Notice::error(e)));
            }
        }
    };
    // A long link replays in slices after the first paint, with progress.
    if !start.script.is_empty() || start.at > 0 {
        if let Err(e) = run.open(
            start.pattern,
            start.seed,
            start.script.clone(),
            start.at,
            ReplayKind::Link,
            compare,
        ) {
            run.notice.set(Some(Notice::error(e)));
        }
    } else {
        compare();
    }
    if let Some(text) = start.notice.clone() {
        run.notice.set(Some(Notice::error(text)));
    }
    run.speed.set(start.speed);
    // A step past the lesson's end opens its last step (the lesson pane
    // says so). A lesson named by address opens once it has come: on the
    // link's step and moment when the link carries a run.
    match start.lesson_url.clone() {
        Some(url) => super::lesson::fetch_lesson(
            run,
            url,
            start.lesson_step,
            !start.script.is_empty() || start.at > 0,
        ),
        None => run.lesson.set(start.lesson_step.map(|n| {
            super::lesson::step_to_open(&crate::lessons::for_pattern(start.pattern), n).0
        })),
    }
    run.playing.set(start.embed.autoplay);
    provide_context(run);
    provide_context(start.clone());
    let ws = Workspace::new(start.present);
    provide_context(ws);
    start_clock(run);
    super::keys::install(run, !(start.embed.enabled && start.embed.no_keys));
    let embed = start.embed.enabled;
    let no_controls = embed && start.embed.no_controls;

    view! {
        <div class="app" class:embed=embed class:present=move || ws.present.get() data-ready="true">
            {(!embed).then(|| view! { <Header/> })}
            {embed.then(|| view! { <EmbedBar/> })}
            <main class="app-main">
                <NoticeBar/>
                <Stage embed=embed no_controls=no_controls/>
            </main>
            <Shortcuts/>
        </div>
    }
}

/// Shows the current notice (a fork, a refused action, a bad link) with a
/// dismiss button. Announced politely to screen readers.
#[component]
fn NoticeBar() -> impl IntoView {
    let run = use_run();
    view! {
        <div class="notice-slot" role="status" aria-live="polite">
            {move || run.notice.get().map(|n| {
                let class = match n.kind {
                    NoticeKind::Info => "notice notice-info",
                    NoticeKind::Error => "notice notice-error",
                };
                view! {
                    <div class=class>
                        <p class="notice-text">{n.text}</p>
                        <button type="button" class="notice-close" aria-label="Dismiss notice"
                            on:click=move |_| run.notice.set(None)>"\u{d7}"</button>
                    </div>
                }
            })}
        </div>
    }
}

/// The header on one row: the product, the pattern tabs, present mode,
/// the shortcuts and sharing.
#[component]
fn Header() -> impl IntoView {
    let ws = use_workspace();
    let help = use_context::<ShortcutsOpen>();
    view! {
        <header class="app-header">
            <div class="brand" title=TAGLINE>
                <Logo/>
                <h1 class="brand-name">"Converge"</h1>
            </div>
            <p class="sr-only">{TAGLINE}</p>
            <PatternTabs/>
            <div class="header-tools">
                <CompareButton/>
                <button type="button" class="ctl-btn header-btn"
                    aria-pressed=move || ws.present.get().to_string()
                    title="Present mode: larger type for a projector (P)"
                    on:click=move |_| ws.present.update(|p| *p = !*p)>
                    <svg class="ctl-icon" viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" focusable="false">
                        <path d="M2 3h16v10H2zM4 5v6h12V5zM9 14h2v2h3v2H6v-2h3z"/>
                    </svg>
                    "Present"
                </button>
                <button type="button" class="ctl-btn header-btn header-help"
                    aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)"
                    on:click=move |_| if let Some(h) = help { h.0.set(true) }>"?"</button>
                <ShareMenu/>
            </div>
        </header>
    }
}

/// The product mark: two diverging paths meeting again.
#[component]
fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false">
            <rect width="32" height="32" rx="8" class="logo-bg"/>
            <path d="M7 10 C 14 10, 14 16, 21 16" class="logo-line"/>
            <path d="M7 22 C 14 22, 14 16, 21 16" class="logo-line"/>
            <circle cx="7" cy="10" r="2.5" class="logo-dot"/>
            <circle cx="7" cy="22" r="2.5" class="logo-dot"/>
            <circle cx="23.5" cy="16" r="3.5" class="logo-dot"/>
        </svg>
    }
}

/// The pattern tabs: an ARIA tablist with roving tabindex and arrow-key,
/// Home and End navigation (selection follows focus).
#[component]
fn PatternTabs() -> impl IntoView {
    let run = use_run();
    let selected = run.pattern;
    let set_selected = move |p: Pattern| run.switch(p);
    let tab_refs: [NodeRef<html::Button>; 4] = Default::default();

    let on_keydown = move |ev: KeyboardEvent| {
        let current = selected.get_untracked();
        let target = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => current.next(),
            "ArrowLeft" | "ArrowUp" => current.prev(),
            "Home" => Pattern::first(),
            "End" => Pattern::last(),
            _ => return,
        };
        ev.prevent_default();
        set_selected(target);
        if let Some(button) = tab_refs[target.index()].get_untracked() {
            let _ = button.focus();
        }
    };

    let tabs = Pattern::all()
        .into_iter()
        .map(|pattern| {
            let is_selected = move || selected.get() == pattern;
            view! {
                <button
                    type="button"
                    role="tab"
                    class="tab"
                    id=pattern.tab_id()
                    data-pattern=pattern.slug()
                    aria-controls=STAGE_ID
                    aria-selected=move || if is_selected() { "true" } else { "false" }
                    tabindex=move || if is_selected() { "0" } else { "-1" }
                    node_ref=tab_refs[pattern.index()]
                    on:click=move |_| set_selected(pattern)
                >
                    <span class=format!("tab-dot tab-dot-{}", pattern.slug()) aria-hidden="true"></span>
                    {pattern.label()}
                </button>
            }
        })
        .collect_view();

    view! {
        <nav class="tabs-bar" aria-label="Patterns">
            <div
                class="tabs"
                role="tablist"
                aria-label="Consistency patterns"
                aria-orientation="horizontal"
                on:keydown=on_keydown
            >
                {tabs}
            </div>
        </nav>
    }
}

/// The stage: the tab panel showing the selected pattern's run. Its
/// regions: the main column (introduction, controls, canvas, timeline),
/// the side panel (meter, lesson, scenario) and the study dock.
#[component]
fn Stage(embed: bool, no_controls: bool) -> impl IntoView {
    let run = use_run();
    let ws = use_workspace();
    let selected = run.pattern;
    // An embed shows a lesson only while one is open (a course page's
    // `?lesson=…&embed`): the step, its choices and the canvas share the
    // frame.
    let lesson_open = Memo::new(move |_| run.lesson.get().is_some());
    let lesson_open = move || lesson_open.get();
    // Compare mode: run B beside this one (see super::compare).
    let twin = Memo::new(move |_| run.twin.get());
    let comparing = move || twin.with(|t| t.is_some());
    view! {
        <section
            id=STAGE_ID
            class="stage"
            role="tabpanel"
            tabindex="-1"
            aria-labelledby=move || selected.get().tab_id()
            data-pattern=move || selected.get().slug()
        >
            <div class="stage-main">
                {(!embed).then(|| view! { <Intro/> })}
                {(!no_controls).then(|| view! { <Controls/> })}
                // With a lesson open the side panel is the lesson's, and the
                // meter becomes a strip over the canvas, so the step, the
                // canvas and the meter are all in view together.
                {move || (lesson_open() && !comparing()).then(|| view! { <div class="meter-strip"><Meter/></div> })}
                {move || match twin.get() {
                    Some(b) => later(move || compare_stage(b)).into_any(),
                    None => view! {
                        <div class="stage-canvas">
                            <Canvas/>
                            <ReplayBar/>
                        </div>
                    }.into_any(),
                }}
                {(!embed).then(|| view! { <Timeline/> })}
            </div>
            <aside class="stage-side" aria-label="Consistency and settings">
                {move || (!lesson_open() && !comparing()).then(|| view! { <Meter/> })}
                // (An embed hides the pane while no lesson is open.)
                <LessonPane/>
                {move || match twin.get() {
                    // Each run's meter is over its canvas; the panel
                    // shows one run's checks and settings at a time.
                    Some(b) if !embed => later(move || compare_settings(b)).into_any(),
                    Some(_) => ().into_any(),
                    None => view! {
                        <MeterChecks/>
                        {(!embed).then(|| view! { <ScenarioPanel/> })}
                    }.into_any(),
                }}
            </aside>
            {(!embed).then(|| view! {
                <Show when=move || !ws.present.get()>
                    <Dock/>
                </Show>
            })}
        </section>
    }
}
