//! Divergence and staleness of each replica over time. (Placeholder until it is built.)

use leptos::prelude::*;

/// Divergence and staleness of each replica over time.
#[component]
pub fn DivergenceChart() -> impl IntoView {
    view! { <div class="slot slot-chart"></div> }
}
