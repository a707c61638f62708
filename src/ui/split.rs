//! Views kept out of the first load and fetched the first time they show.
//!
//! The release site (`.ci/build-site`) compiles with
//! `--cfg converge_split`: every function marked `wasm_split` then lives
//! in a separate `.wasm` chunk, which `wasm-split-cli` cuts from the module
//! after `cargo build` and before wasm-bindgen, and which the page fetches
//! on the function's first call. In every other build (`trunk serve`, the
//! tests) the same functions are plain calls.
//!
//! Those functions live with the views they show (the study dock's in
//! `workspace`, compare mode's in `compare`, opening a file in
//! `share_menu`); this module holds what they share.
//!
//! [`later`] renders such a view: in the same frame when it is a plain
//! call, and once its chunk has arrived in a split build; a chunk that
//! cannot be fetched (offline, a host that left the file out) shows a
//! message with a button that tries again, and the rest of the page goes
//! on working.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

/// What a split view function returns: its view, or why its chunk did not
/// arrive.
pub type Loaded = Result<AnyView, SplitLoaderError>;

/// Renders the view `load` produces once its chunk has arrived, or a
/// message if it failed to; `load` runs again when the learner asks to
/// try again.
#[cfg(converge_split)]
pub fn later<F, Fut>(load: F) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Loaded> + 'static,
{
    let attempt = RwSignal::new(0u32);
    move || {
        attempt.track();
        let fut = send_wrapper::SendWrapper::new(load());
        // While the chunk is on its way: a line that says so, shown only
        // if the wait is long enough to notice (style: .split-loading).
        let arrived = RwSignal::new(false);
        view! {
            {move || (!arrived.get()).then(|| view! {
                <p class="split-loading" role="status">"Loading this view\u{2026}"</p>
            })}
            {Suspend::new(async move {
                let loaded = fut.await;
                arrived.set(true);
                shown(loaded, attempt)
            })}
        }
    }
}

/// Renders the view `load` produces (an unsplit build has it at once).
#[cfg(not(converge_split))]
pub fn later<F>(load: F) -> impl IntoView
where
    F: Fn() -> Loaded + Send + Sync + 'static,
{
    let attempt = RwSignal::new(0u32);
    move || {
        attempt.track();
        shown(load(), attempt)
    }
}

/// Calls a split function from async code: awaits it in a split build,
/// where it loads its chunk first, and calls it plainly in others.
#[macro_export]
macro_rules! split_call {
    ($call:expr) => {{
        #[cfg(converge_split)]
        let r = $call.await;
        #[cfg(not(converge_split))]
        let r = $call;
        r
    }};
}

/// Starts fetching a split function's chunk ahead of its first call: give
/// it the preload function its `wasm_split(..., preload(name))` attribute
/// names. Used when the pointer or focus reaches the control that shows a
/// view, so that its code is usually here by the click. Does nothing in an
/// unsplit build (the name is not even looked up), or when the chunk is
/// already here or on its way.
#[macro_export]
macro_rules! prefetch {
    ($preload:path) => {{
        #[cfg(converge_split)]
        leptos::task::spawn_local(async {
            // A failure is reported by the loader and tried again on first use.
            let _ = $preload().await;
        });
    }};
}

fn shown(loaded: Loaded, attempt: RwSignal<u32>) -> AnyView {
    match loaded {
        Ok(v) => v,
        Err(_) => view! {
            <div class="split-failed" role="alert">
                <p>"This view could not be loaded: its part of the app did not arrive (are you offline?). Nothing else is affected."</p>
                <button type="button" class="ctl-btn" on:click=move |_| attempt.update(|n| *n += 1)>
                    "Try again"
                </button>
            </div>
        }
        .into_any(),
    }
}
