//! The application shell: header, pattern tabs, stage and footer.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use super::canvas::Canvas;
use super::chart::DivergenceChart;
use super::controls::Controls;
use super::keys::Shortcuts;
use super::lesson::LessonPane;
use super::log::EventLog;
use super::meter::Meter;
use super::panel::ScenarioPanel;
use super::run::{start_clock, use_run, Notice, NoticeKind, Run};
use super::share_menu::{EmbedBar, ShareMenu};
use super::spacetime::SpaceTime;
use super::tables::StateTables;
use super::timeline::Timeline;
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
/// the canvas, the meter and minimal controls.
#[component]
pub fn App() -> impl IntoView {
    let start = super::startup::read();
    let run = Run::new(start.pattern, start.seed);
    if let Err(e) = run.load(start.pattern, start.seed, start.script.clone(), start.at) {
        run.notice.set(Some(Notice::error(e)));
    }
    if let Some(text) = start.notice.clone() {
        run.notice.set(Some(Notice::error(text)));
    }
    run.speed.set(start.speed);
    run.lesson
        .set(start.lesson_step.map(|s| s.saturating_sub(1)));
    run.playing.set(start.embed.autoplay);
    provide_context(run);
    provide_context(start.clone());
    start_clock(run);
    super::keys::install(run);
    let embed = start.embed.enabled;
    let no_controls = embed && start.embed.no_controls;

    view! {
        <div class="app" class:embed=embed data-ready="true">
            {(!embed).then(|| view! { <Header/> })}
            {embed.then(|| view! { <EmbedBar/> })}
            <main class="app-main">
                {(!embed).then(|| view! { <PatternTabs/> })}
                <NoticeBar/>
                <Stage embed=embed no_controls=no_controls/>
            </main>
            {(!embed).then(|| view! { <Footer/> })}
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

#[component]
fn Header() -> impl IntoView {
    view! {
        <header class="app-header">
            <div class="brand">
                <Logo/>
                <h1 class="brand-name">"Converge"</h1>
            </div>
            <p class="brand-tagline">{TAGLINE}</p>
            <ShareMenu/>
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
        <div class="tabs-bar">
            <div
                class="tabs"
                role="tablist"
                aria-label="Consistency patterns"
                aria-orientation="horizontal"
                on:keydown=on_keydown
            >
                {tabs}
            </div>
        </div>
    }
}

/// The stage: the tab panel showing the selected pattern's run.
#[component]
fn Stage(embed: bool, no_controls: bool) -> impl IntoView {
    let run = use_run();
    let selected = run.pattern;
    let intro = move || {
        let pattern = selected.get();
        view! {
            <div class="stage-intro">
                <h2 class="stage-title">{pattern.label()}</h2>
                <p class="stage-tagline">{pattern.tagline()}</p>
                <p class="stage-description">{pattern.description()}</p>
            </div>
        }
    };
    view! {
        <section
            id=STAGE_ID
            class="stage"
            role="tabpanel"
            tabindex="0"
            aria-labelledby=move || selected.get().tab_id()
            data-pattern=move || selected.get().slug()
        >
            {(!embed).then_some(intro)}
            {(!no_controls).then(|| view! { <Controls/> })}
            <div class="stage-body">
                <div class="stage-canvas">
                    <Canvas/>
                </div>
                <aside class="stage-side" aria-label="Consistency and settings">
                    <Meter/>
                    {(!embed).then(|| view! { <LessonPane/> <ScenarioPanel/> })}
                </aside>
            </div>
            {(!embed).then(|| view! {
                <Timeline/>
                <div class="study">
                    <StateTables/>
                    <DivergenceChart/>
                    <SpaceTime/>
                    <EventLog/>
                </div>
            })}
        </section>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="app-footer">
            <p>"Converge \u{b7} an eventual-consistency playground. Everything runs in your browser."</p>
            <p class="footer-hint">
                <kbd>"?"</kbd>
                " keyboard shortcuts"
            </p>
        </footer>
    }
}
