//! The trace as sentences, filterable, with "explain this value". (Placeholder until it is built.)

use leptos::prelude::*;

/// The trace as sentences, filterable, with "explain this value".
#[component]
pub fn EventLog() -> impl IntoView {
    view! { <div class="slot slot-log"></div> }
}
