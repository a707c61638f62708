//! The consistency meter: a headline, one line and bar per replica or read
//! model, and the pattern's named checks, all in words (never colour
//! alone) and all computed from the engine's frame.

use std::time::Duration;

use leptos::prelude::*;

use super::run::use_run;
use crate::sim::frame::{CheckFrame, ViewFrame};
use crate::sim::runner::CheckStatus;
use crate::sim::scenario::CheckKind;
use crate::sim::standing::StandingKind;
use crate::sim::types::fmt_secs;

/// How long the headline must stay the same while playing before the
/// status region announces it (so a screen reader hears "catching up" /
/// "diverged" / "converged", not every flicker).
const SETTLE_MS: u64 = 700;

/// The consistency meter.
#[component]
pub fn Meter() -> impl IntoView {
    let run = use_run();
    let headline = Memo::new(move |_| run.frame.with(|f| f.headline()));
    let views = Memo::new(move |_| run.frame.with(|f| f.views.clone()));
    let announced = RwSignal::new(headline.get_untracked());
    Effect::new(move |_| {
        let h = headline.get();
        if !run.playing.get_untracked() {
            announced.set(h);
            return;
        }
        set_timeout(
            move || {
                if headline.try_get_untracked().as_ref() == Some(&h) {
                    let _ = announced.try_set(h);
                }
            },
            Duration::from_millis(SETTLE_MS),
        );
    });
    let standing = Memo::new(move |_| run.frame.with(|f| f.standing()));
    // While a replay brings the run to its moment (a long link, a far
    // seek, compare's run B catching up) the frame is of an earlier
    // moment than the clock shows: the meter says so instead of judging it.
    let replaying = Memo::new(move |_| run.replay.with(|r| r.as_ref().map(|r| r.target)));

    // Compare mode shows two meters: each names its own title.
    let title = run.dom_id("meter-title");
    let (t1, t2) = (title.clone(), title.clone());
    view! {
        <section class="meter" aria-labelledby=t1>
            <h3 id=t2 class="side-title">"Consistency"</h3>
            // What sighted learners read: always the current headline.
            <p class=move || match replaying.get() {
                Some(_) => "meter-headline is-replaying".to_string(),
                None => format!("meter-headline is-{}", standing.get().class()),
            } aria-hidden="true">
                <span class="meter-icon">{move || match replaying.get() {
                    Some(_) => "\u{2026}",
                    None => standing.get().icon(),
                }}</span>
                // The state, then whom it concerns; a strip shows only the
                // state (each replica's own line names it).
                <span class="meter-headline-lead">{move || match replaying.get() {
                    Some(t) => format!("Replaying to {}", fmt_secs(t)),
                    None => headline.with(|h| h.lead()),
                }}</span>
                <span class="meter-headline-more">{move || match replaying.get() {
                    Some(_) => String::new(),
                    None => headline.with(|h| h.rest()),
                }}</span>
            </p>
            // What is announced: the headline once it holds for a moment.
            <p class="sr-only meter-status" role="status" aria-live="polite" aria-atomic="true"
                aria-labelledby=title>{move || announced.with(|h| h.to_string())}</p>
            <ul class="meter-views">
                {move || views.get().into_iter().map(view_row).collect_view()}
            </ul>
        </section>
    }
}

/// The pattern's named checks: shown under the meter, after the lesson
/// when one is open (the side panel keeps the step in view).
#[component]
pub fn MeterChecks() -> impl IntoView {
    let run = use_run();
    let checks = Memo::new(move |_| run.frame.with(|f| f.checks.clone()));
    let title = run.dom_id("meter-checks-title");
    let t1 = title.clone();
    view! {
        <section class="meter-checks-box" aria-labelledby=t1>
            <h3 id=title class="meter-sub">"Checks"</h3>
            <ul class="meter-checks">
                {move || checks.get().into_iter().map(check_row).collect_view()}
            </ul>
        </section>
    }
}

fn view_row(v: ViewFrame) -> impl IntoView {
    let run = use_run();
    let frac = if v.total == 0 {
        0.0
    } else {
        (v.differing as f64 / v.total as f64).clamp(0.0, 1.0)
    };
    let kind = v.standing;
    let short = short_line(&v);
    let name = v.name.clone();
    let show = v.lost.map(|(event, at)| {
        view! {
            <button type="button" class="meter-show"
                aria-label=format!("Show the event that lost {name}\u{2019}s update")
                on:click=move |_| {
                    run.set_playing(false);
                    run.seek(at);
                    run.selected.set(Some(event));
                }>"Show event"</button>
        }
    });
    view! {
        <li class=format!("meter-view is-{}", kind.class())>
            <span class="meter-view-icon" aria-hidden="true">{kind.icon()}</span>
            <span class="meter-view-text">{v.sentence}</span>
            // The same in a few words, for the meter as a strip (small
            // embeds, an open lesson), built from the numbers, not the sentence.
            <span class="meter-view-short">{short}</span>
            <span class="meter-bar" aria-hidden="true">
                <span class="meter-bar-fill" style:width=format!("{:.1}%", frac * 100.0)></span>
            </span>
            {show}
        </li>
    }
}

/// A replica's status in a few words, for the meter as a strip: "Billing:
/// converged", "Billing: 3 of 12 behind" (catching up: its icon says so),
/// "Payment: stuck, 2 of 8 behind", "Billing: diverged, 1 of 12 behind".
pub fn short_line(v: &ViewFrame) -> String {
    let behind = (v.differing > 0).then(|| format!("{} of {} behind", v.differing, v.total));
    match (v.standing, behind) {
        (StandingKind::Converged, _) => format!("{}: converged", v.name),
        (StandingKind::CatchingUp, Some(b)) => format!("{}: {b}", v.name),
        (k, Some(b)) => format!("{}: {}, {b}", v.name, k.word()),
        (k, None) => format!("{}: {}", v.name, k.word()),
    }
}

fn check_row(c: CheckFrame) -> impl IntoView {
    let run = use_run();
    let kind = match c.kind {
        CheckKind::Always => "always",
        CheckKind::Eventually => "eventually",
    };
    let (class, icon, word, detail, show) = match c.status {
        CheckStatus::Holds => ("holds", "\u{2713}", "passes", None, None),
        CheckStatus::Pending { since, reason } => (
            "pending",
            "\u{2026}",
            "pending",
            Some(format!("false since {}: {reason}", fmt_secs(since))),
            None,
        ),
        CheckStatus::Violated(v) => (
            "violated",
            "\u{2715}",
            "violated",
            Some(format!("at {}: {}", fmt_secs(v.at), v.reason)),
            Some((v.event, v.at)),
        ),
    };
    let name = c.name;
    view! {
        <li class=format!("meter-check {class}")>
            <span class="meter-check-icon" aria-hidden="true">{icon}</span>
            <span class="meter-check-text">
                <span class="meter-check-name" title=c.help>{name}</span>
                " "
                <span class="meter-check-kind">{format!("({kind})")}</span>
                ": "
                <strong class="meter-check-word">{word}</strong>
                {detail.map(|d| view! { <span class="meter-check-detail">{d}</span> })}
            </span>
            {show.map(|(event, at)| view! {
                <button type="button" class="meter-show"
                    aria-label=format!("Show the event that broke \u{201c}{name}\u{201d}")
                    on:click=move |_| {
                        run.set_playing(false);
                        run.seek(at);
                        run.selected.set(event);
                    }>"Show event"</button>
            })}
        </li>
    }
}
