//! The pattern's mitigation toggles, settings and workload actions. (Placeholder until it is built.)

use leptos::prelude::*;

/// The pattern's mitigation toggles, settings and workload actions.
#[component]
pub fn ScenarioPanel() -> impl IntoView {
    view! { <div class="slot slot-panel"></div> }
}
