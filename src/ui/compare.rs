//! Compare mode's views: two runs of one pattern side by side on one clock
//! (see [`Run::open_compare`]). Run A is the page's run; run B is provided
//! to its own canvas, meter and settings, so every view reads "its" run
//! with [`use_run`] and needs no knowledge of the comparison.
//!
//! The bar above the canvases finds where the runs part ways
//! ([`crate::sim::compare`]), says it in words with a button that shows
//! the moment, and holds the "both" switch and Close.

use leptos::context::Provider;
use leptos::prelude::*;

use super::canvas::Canvas;
use super::meter::{Meter, MeterChecks};
use super::panel::ScenarioPanel;
use super::replay::ReplayBar;
use super::run::{use_run, Notice, Rate, Run};
use super::split::Loaded;
use crate::sim::compare::{Agreed, Comparison, Divergence};
use crate::sim::types::fmt_secs_exact;
use crate::sim::{EventId, Time};

/// The header's Compare button: opens compare mode on the current run
/// (a copy of it as run B), or closes it (run A stays).
#[component]
pub fn CompareButton() -> impl IntoView {
    let run = use_run();
    view! {
        <button type="button" class="ctl-btn header-btn header-compare"
            aria-pressed=move || run.twin.with(|t| t.is_some()).to_string()
            title="Compare: a second run (B) of this pattern and seed beside this one, on the same clock (C)"
            on:pointerenter=|_| crate::prefetch!(preload_compare) on:focus=|_| crate::prefetch!(preload_compare)
            on:click=move |_| {
                if run.twin.get_untracked().is_some() {
                    run.close_compare();
                } else if let Err(e) = run.open_compare() {
                    run.notice.set(Some(Notice::error(e)));
                }
            }>
            <svg class="ctl-icon" viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" focusable="false">
                <path d="M2 3h7v14H2zM11 3h7v14h-7zM4 5v10h3V5zM13 5v10h3V5z"/>
            </svg>
            "Compare"
        </button>
    }
}

/// The two runs side by side (stacked on narrow screens), under the bar
/// that says where they part ways. Shown in place of the single canvas.
#[component]
pub fn CompareStage(b: Run) -> impl IntoView {
    view! {
        <div class="compare">
            <CompareBar b=b/>
            <div class="compare-sides">
                <CompareSide/>
                <Provider value=b>
                    <CompareSide/>
                </Provider>
            </div>
        </div>
    }
}

/// One run of the pair: its name, its meter as a strip and its canvas.
#[component]
fn CompareSide() -> impl IntoView {
    let run = use_run();
    let (name, slug) = if run.is_b { ("B", "b") } else { ("A", "a") };
    let title = run.dom_id("compare-side");
    let t1 = title.clone();
    view! {
        <section class="compare-side" data-side=slug aria-labelledby=t1>
            <h3 class="compare-tag" id=title>
                <span class="sr-only">"Run "</span>{name}
            </h3>
            <div class="meter-strip"><Meter/></div>
            <div class="stage-canvas">
                <Canvas/>
                <ReplayBar/>
            </div>
        </section>
    }
}

/// What a comparison found, in words: "B first differs at 2.00 s: …
/// (A: …)".
pub fn difference_words(d: &Divergence, a: Option<&str>, b: Option<&str>) -> String {
    let at = fmt_secs_exact(d.time);
    match (a, b) {
        (Some(a), Some(b)) => format!("B first differs at {at}: {b} (A: {a})"),
        (Some(a), None) => {
            format!("B first differs at {at}: nothing happens in B where A has: {a}")
        }
        (None, Some(b)) => format!("B first differs at {at}: {b} (nothing happens in A then)"),
        (None, None) => format!("B first differs at {at}."),
    }
}

/// The comparison's bar: where the runs part ways, the "both" switch and
/// Close. It keeps [`Run::parted`] up to date for the timeline's marker.
#[component]
fn CompareBar(b: Run) -> impl IntoView {
    let a = use_run();
    // How far the traces are known to agree, and what that was measured
    // against (both scripts' versions and the moment), so that the search
    // goes on from there while time flows and starts over after a change.
    let agreed = StoredValue::new(Agreed::default());
    let basis = StoredValue::new((u64::MAX, u64::MAX, 0 as Time));
    Effect::new(move |_| {
        a.pulse(Rate::State).track();
        b.pulse(Rate::State).track();
        let versions = (a.script_changed.get(), b.script_changed.get());
        if a.replaying() || b.replaying() || b.partner().is_none() {
            return;
        }
        let now = a.with(|s| s.now());
        if b.with(|s| s.now()) != now {
            return;
        }
        let (va, vb, then) = basis.get_value();
        let parted = a.parted.get_untracked();
        if (va, vb) != versions || now < then {
            agreed.set_value(Agreed::default());
        } else if parted.is_some() {
            basis.set_value((versions.0, versions.1, now));
            return;
        }
        basis.set_value((versions.0, versions.1, now));
        let found = a.with(|sa| b.with(|sb| sa.compare(sb, agreed.get_value())));
        let next = match found {
            Some(Comparison::Same(x)) => {
                agreed.set_value(x);
                None
            }
            Some(Comparison::Differs(d)) => Some(d),
            None => None,
        };
        if next != parted {
            a.parted.set(next);
        }
    });
    let words = Memo::new(move |_| {
        let d = a.parted.get()?;
        let line =
            |r: Run, id: Option<EventId>| id.and_then(|id| r.with(|s| s.line(id))).map(|l| l.text);
        let (la, lb) = (line(a, d.a), line(b, d.b));
        Some(difference_words(&d, la.as_deref(), lb.as_deref()))
    });
    let show = move |_| {
        if let Some(d) = a.parted.get_untracked() {
            a.go_to(d.time);
            a.selected.set(d.a);
            b.selected.set(d.b);
        }
    };
    // While either run replays (B catching up, a far seek) they are not at
    // one moment yet: nothing is claimed about them.
    let catching_up = move || a.replay.with(Option::is_some) || b.replay.with(Option::is_some);
    view! {
        <div class="compare-bar" role="group" aria-label="Compare runs A and B">
            <p class="compare-diff" role="status" aria-live="polite">
                {move || if catching_up() {
                    "Catching up: the runs are compared once both reach the same moment.".to_string()
                } else {
                    words.get().unwrap_or_else(|| {
                        "A and B agree so far: change B (or A) and play to see where they part ways.".to_string()
                    })
                }}
            </p>
            {move || (!catching_up() && words.with(|w| w.is_some())).then(|| view! {
                <button type="button" class="ctl-btn compare-show" on:click=show
                    title="Go to the first difference and select it in both runs">"Show"</button>
            })}
            <label class="compare-both" title="Faults and actions on either canvas go to both runs">
                <input type="checkbox" prop:checked=move || a.both.get()
                    on:change=move |ev| a.both.set(event_target_checked(&ev))/>
                "Act on both"
            </label>
            <button type="button" class="ctl-btn compare-close" on:click=move |_| a.close_compare()>
                "Close compare"
            </button>
        </div>
    }
}

/// The side panel in compare mode: which run's checks and settings are
/// shown (B's first: the run the learner changes), then those.
#[component]
pub fn CompareSettings(b: Run) -> impl IntoView {
    let a = use_run();
    let on_b = RwSignal::new(true);
    let pick = move |label: &'static str, is_b: bool| {
        view! {
            <button type="button" class="ctl-btn compare-pick-btn"
                aria-pressed=move || (on_b.get() == is_b).to_string()
                on:click=move |_| on_b.set(is_b)>{label}</button>
        }
    };
    view! {
        <div class="compare-pick" role="group" aria-label="Show the settings of run">
            <span class="compare-pick-label">"Settings of run"</span>
            {pick("A", false)}
            {pick("B", true)}
        </div>
        {move || {
            let run = if on_b.get() { b } else { a };
            view! {
                <Provider value=run>
                    <MeterChecks/>
                    <ScenarioPanel/>
                </Provider>
            }
        }}
    }
}

/// Compare mode's stage for run `b` ([`CompareStage`]): a chunk of its
/// own in the release build, with [`compare_settings`] (see
/// [`super::split`]).
#[cfg_attr(
    converge_split,
    leptos::wasm_split::wasm_split(
        compare,
        wasm_split_path = ::leptos::wasm_split,
        preload(preload_compare),
        fallible
    )
)]
pub fn compare_stage(b: Run) -> Loaded {
    Ok(view! { <CompareStage b=b/> }.into_any())
}

/// Compare mode's side panel for run `b` ([`CompareSettings`]).
#[cfg_attr(
    converge_split,
    leptos::wasm_split::wasm_split(compare, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub fn compare_settings(b: Run) -> Loaded {
    Ok(view! { <CompareSettings b=b/> }.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_reads_as_a_sentence() {
        let d = Divergence {
            a: Some(EventId(4)),
            b: Some(EventId(5)),
            time: 2050,
        };
        assert_eq!(
            difference_words(&d, Some("Meter published it"), Some("Meter crashed")),
            "B first differs at 2.05 s: Meter crashed (A: Meter published it)"
        );
        assert!(difference_words(&d, Some("x"), None).contains("nothing happens in B"));
        assert_eq!(fmt_secs_exact(2_000), "2.0 s");
        assert_eq!(fmt_secs_exact(2_051), "2.051 s");
        assert_eq!(fmt_secs_exact(90), "0.09 s");
    }
}
