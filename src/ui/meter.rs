//! The consistency meter: each replica converged or diverged, and the checks. (Placeholder until it is built.)

use leptos::prelude::*;

/// The consistency meter: each replica converged or diverged, and the checks.
#[component]
pub fn Meter() -> impl IntoView {
    view! { <div class="slot slot-meter"></div> }
}
