//! The space-time diagram: one lane per service, an arrow per message. (Placeholder until it is built.)

use leptos::prelude::*;

/// The space-time diagram: one lane per service, an arrow per message.
#[component]
pub fn SpaceTime() -> impl IntoView {
    view! { <div class="slot slot-spacetime"></div> }
}
