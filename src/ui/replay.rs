//! The progress of a long replay: opening a long link or file, or seeking
//! far, replays in slices across frames
//! ([`Run::advance_replay`](super::run::Run::advance_replay)) while the
//! page stays interactive. This bar, over the canvas, says what is
//! replaying and how far it has got, and offers to stop it.

use super::run::use_run;
use leptos::prelude::*;

/// The replay's progress bar (`role="progressbar"`, with `aria-valuenow`)
/// and Cancel button, over the canvas while [`Run::replay`] is set, and
/// a polite live region that announces its progress every 25 % and how
/// it ended. The DOM stays in place while the percentage moves, so a
/// click on Cancel is never lost to a re-render.
///
/// [`Run::advance_replay`]: super::run::Run::advance_replay
/// [`Run::replay`]: super::run::Run::replay
#[component]
pub fn ReplayBar() -> impl IntoView {
    let run = use_run();
    let active = Memo::new(move |_| run.replay.with(|r| r.is_some()));
    let percent = Memo::new(move |_| run.replay.with(|r| r.as_ref().map_or(0, |r| r.percent)));
    let doing = Memo::new(move |_| {
        run.replay.with(|r| {
            r.as_ref()
                .map(|r| r.kind.doing(r.target))
                .unwrap_or_default()
        })
    });
    view! {
        <p class="sr-only" role="status" aria-live="polite">{move || run.replay_said.get()}</p>
        <Show when=move || active.get()>
            <div class="replay">
                <div class="replay-head">
                    <p class="replay-text" aria-hidden="true">
                        {move || format!("{}\u{2026} {} %", doing.get(), percent.get())}
                    </p>
                    <button type="button" class="ctl-btn replay-cancel"
                        title="Stop replaying (the run shown stays as it is)"
                        on:click=move |_| run.cancel_replay()>"Cancel"</button>
                </div>
                <div class="replay-track" role="progressbar"
                    aria-label=move || doing.get()
                    aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=move || percent.get().to_string()
                    aria-valuetext=move || format!("{} %", percent.get())>
                    <span class="replay-fill" style:width=move || format!("{}%", percent.get())></span>
                </div>
            </div>
        </Show>
    }
}
