//! The run controls: play/pause, step one event, speed (log scale), reset,
//! the seed (shown, editable, "new seed") and the virtual clock.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::run::{use_run, SPEEDS};
use crate::sim::types::fmt_secs;

/// Formats a speed as the learner reads it ("0.25×", "2×").
pub fn speed_words(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}\u{d7}")
    } else {
        format!("{s}\u{d7}")
    }
}

/// Parses a seed typed by the learner.
pub fn parse_seed(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("Type a seed: a whole number from 0 to 18446744073709551615.".into());
    }
    t.parse::<u64>().map_err(|_| {
        format!(
            "\u{201c}{t}\u{201d} is not a seed: use a whole number from 0 to 18446744073709551615."
        )
    })
}

/// A seed for "new seed". Randomness belongs to the page, never the engine.
fn random_seed() -> u64 {
    let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (hi << 32 | lo) % 1_000_000
}

/// A 20 × 20 icon drawn from one path (no icon font needed).
fn icon(d: &'static str) -> impl IntoView {
    view! {
        <svg class="ctl-icon" viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" focusable="false">
            <path d=d/>
        </svg>
    }
}

/// The run controls above the canvas.
#[component]
pub fn Controls() -> impl IntoView {
    let run = use_run();
    let speed_index = move || {
        let s = run.speed.get();
        SPEEDS
            .iter()
            .position(|x| (x - s).abs() < 1e-9)
            .unwrap_or(2)
    };
    let seed_text = RwSignal::new(run.seed.get_untracked().to_string());
    let seed_error = RwSignal::new(None::<String>);
    // Follow seed changes made elsewhere (a share link, "new seed").
    Effect::new(move |_| {
        let s = run.seed.get();
        seed_text.set(s.to_string());
    });

    let submit_seed = move |ev: SubmitEvent| {
        ev.prevent_default();
        match parse_seed(&seed_text.get_untracked()) {
            Ok(s) => {
                seed_error.set(None);
                if s != run.seed.get_untracked() {
                    run.set_seed(s);
                }
            }
            Err(e) => seed_error.set(Some(e)),
        }
    };

    view! {
        <div class="ctl" role="group" aria-label="Run controls">
            <div class="ctl-row">
                // A label that changes with the state, so no aria-pressed
                // (a screen reader would hear "Pause, pressed").
                <button type="button" class="ctl-btn ctl-play"
                    class:is-playing=move || run.playing.get()
                    title="Play or pause (Space)"
                    on:click=move |_| run.set_playing(!run.playing.get_untracked())>
                    {move || if run.playing.get() { icon("M5 3h4v14H5zM11 3h4v14h-4z") } else { icon("M5 3l12 7-12 7z") }}
                    // The label says what a press does, like the icon.
                    <span class="ctl-play-label">{move || if run.playing.get() { "Pause" } else { "Play" }}</span>
                </button>
                <button type="button" class="ctl-btn" title="Process one event (\u{2192})"
                    on:click=move |_| run.step()>
                    {icon("M3 3l9 7-9 7zM13 3h3v14h-3z")}
                    <span class="ctl-label">"Step"</span>
                </button>
                <label class="ctl-speed">
                    <span class="ctl-label">"Speed"</span>
                    <input type="range" min="0" max=(SPEEDS.len() - 1).to_string() step="1"
                        prop:value=move || speed_index().to_string()
                        aria-valuetext=move || speed_words(run.speed.get())
                        on:input=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                                if let Some(s) = SPEEDS.get(i) {
                                    run.speed.set(*s);
                                }
                            }
                        }/>
                    <output class="ctl-speed-value">{move || speed_words(run.speed.get())}</output>
                </label>
                <button type="button" class="ctl-btn" title="Start this run over (same seed, no actions)"
                    on:click=move |_| run.reset()>
                    {icon("M10 3a7 7 0 1 1-6.3 4h2.3a5 5 0 1 0 4-2v3L5 4.5 10 1z")}
                    <span class="ctl-label">"Reset"</span>
                </button>
                <p class="ctl-time">
                    <span class="sr-only">"Virtual time: "</span>
                    {move || format!("t = {}", fmt_secs(run.frame.with(|f| f.time)))}
                </p>
            </div>
            <form class="ctl-seed" on:submit=submit_seed novalidate>
                <label for="ctl-seed-input">"Seed"</label>
                <input id="ctl-seed-input" type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                    size="10"
                    aria-invalid=move || if seed_error.get().is_some() { "true" } else { "false" }
                    aria-describedby="ctl-seed-error"
                    prop:value=move || seed_text.get()
                    on:input=move |ev| seed_text.set(event_target_value(&ev))/>
                <button type="submit" class="ctl-btn">"Use seed"</button>
                <button type="button" class="ctl-btn" on:click=move |_| {
                    seed_error.set(None);
                    run.set_seed(random_seed());
                }>"New seed"</button>
                <p id="ctl-seed-error" class="ctl-error" role="alert">{move || seed_error.get()}</p>
            </form>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_speeds_read_as_words() {
        assert_eq!(parse_seed(" 42 "), Ok(42));
        assert!(parse_seed("forty-two").unwrap_err().contains("not a seed"));
        assert!(parse_seed("-1").is_err());
        assert!(parse_seed("").is_err());
        assert_eq!(speed_words(0.25), "0.25\u{d7}");
        assert_eq!(speed_words(16.0), "16\u{d7}");
    }
}
