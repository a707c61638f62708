//! Play, pause, step, speed, reset and seed. (Placeholder until it is built.)

use leptos::prelude::*;

/// Play, pause, step, speed, reset and seed.
#[component]
pub fn Controls() -> impl IntoView {
    view! { <div class="slot slot-controls"></div> }
}
