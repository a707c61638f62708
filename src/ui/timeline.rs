//! The timeline scrubber over the run's virtual time: a real range slider
//! (dragging seeks, Shift+arrows scrub by a second, Home/End jump), with
//! the fault periods of the script drawn under it and the future a fork
//! discarded shown hatched.

use leptos::ev::{KeyboardEvent, PointerEvent};
use leptos::prelude::*;

use super::run::{use_run, ReplayKind, Run};
use super::study::{fault_periods, track_discarded, value_text, Discarded, FaultKind, FaultPeriod};
use crate::sim::types::fmt_secs;
use crate::sim::Time;

/// DOM id of the slider (other views point at it with `aria-controls`).
pub const SLIDER_ID: &str = "timeline-slider";

/// The fault periods of the current run, recomputed when it changes.
pub fn use_fault_periods(run: Run) -> Memo<Vec<FaultPeriod>> {
    // The script is read again only when it may have changed, not at
    // every refresh; the periods still follow the horizon.
    let script = Memo::new(move |_| {
        run.script_changed.track();
        run.with(|s| s.script())
    });
    let horizon = Memo::new(move |_| run.frame.with(|f| f.horizon));
    Memo::new(move |_| {
        let horizon = horizon.get();
        let topo = run.with(|s| s.topology());
        let name = |i: u16| {
            topo.nodes
                .get(i as usize)
                .map_or_else(|| format!("service {i}"), |n| n.name.to_string())
        };
        script.with(|script| fault_periods(script, horizon, name))
    })
}

/// Percent of the way along `0..span`.
fn pct(t: Time, span: Time) -> f64 {
    if span == 0 {
        0.0
    } else {
        (t as f64 / span as f64 * 100.0).clamp(0.0, 100.0)
    }
}

/// The timeline scrubber over the run's virtual time.
#[component]
pub fn Timeline() -> impl IntoView {
    let run = use_run();
    let faults = use_fault_periods(run);
    // While a far seek replays, the playhead is already where it goes.
    let time = Memo::new(move |_| {
        let seeking = run.replay.with(|r| {
            r.as_ref()
                .filter(|r| r.kind == ReplayKind::Seek)
                .map(|r| r.target)
        });
        seeking.unwrap_or_else(|| run.frame.with(|f| f.time))
    });
    let horizon = Memo::new(move |_| run.frame.with(|f| f.horizon));
    // The stretch a fork discarded, kept until the run grows past it.
    let discarded = RwSignal::new(None::<Discarded>);
    let last = StoredValue::new((run.pattern.get_untracked(), run.seed.get_untracked(), 0));
    Effect::new(move |_| {
        let h = horizon.get();
        let (p, s) = (run.pattern.get(), run.seed.get());
        let (lp, ls, lh) = last.get_value();
        let same = lp == p && ls == s;
        let next = track_discarded(discarded.get_untracked(), lh, h, same);
        if next != discarded.get_untracked() {
            discarded.set(next);
        }
        last.set_value((p, s, h));
    });
    // Resume after a drag if time was flowing when it began.
    let resume = StoredValue::new(false);
    let seek_to = move |t: Time| {
        let t = t.min(horizon.get_untracked());
        run.go_to(t);
    };
    let on_input = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
            if run.playing.get_untracked() {
                resume.set_value(true);
                run.set_playing(false);
            }
            seek_to(v.max(0.0) as Time);
        }
    };
    let on_pointerdown = move |_: PointerEvent| {
        if run.playing.get_untracked() {
            resume.set_value(true);
            run.set_playing(false);
        }
    };
    let end_drag = move || {
        if resume.get_value() {
            resume.set_value(false);
            run.set_playing(true);
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let now = time.get_untracked();
        let h = horizon.get_untracked();
        let big = ev.shift_key() || ev.alt_key() || ev.ctrl_key() || ev.meta_key();
        let step: Time = if big { 1_000 } else { 100 };
        let target = match ev.key().as_str() {
            "ArrowLeft" | "ArrowDown" => now.saturating_sub(step),
            "ArrowRight" | "ArrowUp" => (now + step).min(h),
            "PageDown" => now.saturating_sub(10_000),
            "PageUp" => (now + 10_000).min(h),
            "Home" => 0,
            "End" => h,
            _ => return,
        };
        ev.prevent_default();
        ev.stop_propagation();
        if run.playing.get_untracked() {
            run.set_playing(false);
        }
        seek_to(target);
    };

    let band = move |p: &FaultPeriod| {
        let span = horizon.get().max(1);
        let left = pct(p.start, span);
        let width = (pct(p.end, span) - left).max(0.4);
        let class = format!(
            "tl-band tl-band-{}{}",
            p.kind.slug(),
            if p.open { " tl-band-open" } else { "" }
        );
        view! {
            <span class=class style:left=format!("{left:.3}%") style:width=format!("{width:.3}%")
                title=p.describe()></span>
        }
    };
    let rows = move || {
        let all = faults.get();
        FaultKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let mine: Vec<FaultPeriod> =
                    all.iter().filter(|p| p.kind == kind).cloned().collect();
                (!mine.is_empty()).then(|| {
                    view! {
                        <div class=format!("tl-row tl-row-{}", kind.slug())>
                            <span class="tl-row-label">{kind.noun()}</span>
                            <span class="tl-row-track">{mine.iter().map(band).collect_view()}</span>
                        </div>
                    }
                })
            })
            .collect_view()
    };
    let fault_list = move || {
        let all = faults.get();
        if all.is_empty() {
            return None;
        }
        Some(view! {
            <ul class="tl-fault-list sr-only" aria-label="Faults in this run">
                {all.iter().map(|p| view! {
                    <li class=format!("tl-fault tl-fault-{}", p.kind.slug())>
                        <span class="tl-swatch" aria-hidden="true"></span>
                        {p.describe()}
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    let hatch = move || {
        discarded.get().map(|d| {
            let span = horizon.get().max(d.to).max(1);
            let left = pct(d.from, span);
            let width = (pct(d.to, span) - left).max(0.4);
            view! {
                <span class="tl-discarded" style:left=format!("{left:.3}%") style:width=format!("{width:.3}%")
                    title=format!("Discarded future: {} to {}", fmt_secs(d.from), fmt_secs(d.to))></span>
            }
        })
    };
    // Compare mode: where A and B first part ways.
    let parted = move || {
        run.parted.get().map(|d| {
            let span = horizon.get().max(d.time).max(1);
            view! {
                <span class="tl-parted" style:left=format!("{:.3}%", pct(d.time, span))
                    title=format!("A and B first differ at {}", crate::sim::types::fmt_secs_exact(d.time))></span>
            }
        })
    };
    let discarded_note = move || {
        discarded.get().map(|d| {
            view! {
                <p class="tl-note">
                    <span class="tl-note-swatch" aria-hidden="true"></span>
                    {format!("Hatched: the future after {} that your change discarded (it ran to {}).",
                        fmt_secs(d.from), fmt_secs(d.to))}
                </p>
            }
        })
    };

    view! {
        <section class="timeline" aria-labelledby="timeline-title">
            <div class="tl-head">
                <h2 class="study-title" id="timeline-title">"Timeline"</h2>
                <output class="tl-readout" for=SLIDER_ID aria-hidden="true">
                    {move || value_text(time.get(), horizon.get())}
                </output>
            </div>
            <div class="tl-track">
                {hatch}
                {parted}
                <input
                    type="range"
                    id=SLIDER_ID
                    class="tl-slider"
                    min="0"
                    step="100"
                    max=move || horizon.get().max(1).to_string()
                    prop:value=move || time.get().to_string()
                    aria-label="Virtual time"
                    aria-valuetext=move || value_text(time.get(), horizon.get())
                    aria-describedby="timeline-help"
                    on:input=on_input
                    on:pointerdown=on_pointerdown
                    on:pointerup=move |_| end_drag()
                    on:change=move |_| end_drag()
                    on:keydown=on_keydown
                />
            </div>
            <div class="tl-rows">{rows}</div>
            <p class="tl-help" id="timeline-help">
                "Drag to travel in time. "
                <kbd>"Shift"</kbd>"+"<kbd>"\u{2190}"</kbd>" "<kbd>"\u{2192}"</kbd>" one second, "
                <kbd>"Home"</kbd>" start, "<kbd>"End"</kbd>" latest. Acting in the past forks the run."
            </p>
            {discarded_note}
            {fault_list}
        </section>
    }
}
