//! The topology canvas: services, broker, links and message tokens. (Placeholder until it is built.)

use leptos::prelude::*;

/// The topology canvas: services, broker, links and message tokens.
#[component]
pub fn Canvas() -> impl IntoView {
    view! { <div class="slot slot-canvas"></div> }
}
