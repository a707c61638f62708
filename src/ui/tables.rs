//! Each service's data, with cells that differ from the source of truth highlighted. (Placeholder until it is built.)

use leptos::prelude::*;

/// Each service's data, with cells that differ from the source of truth highlighted.
#[component]
pub fn StateTables() -> impl IntoView {
    view! { <div class="slot slot-tables"></div> }
}
