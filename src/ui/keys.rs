//! Keyboard shortcuts and the "?" help dialog. (Placeholder until it is built.)

use super::run::Run;
use leptos::prelude::*;

/// Installs the page-wide keyboard shortcuts.
pub fn install(run: Run) {
    let _ = run;
}

/// The keyboard shortcuts dialog (opened with "?").
#[component]
pub fn Shortcuts() -> impl IntoView {
    view! { <div class="slot slot-shortcuts"></div> }
}
