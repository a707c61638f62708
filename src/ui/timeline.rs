//! The timeline scrubber over the run’s virtual time. (Placeholder until it is built.)

use leptos::prelude::*;

/// The timeline scrubber over the run’s virtual time.
#[component]
pub fn Timeline() -> impl IntoView {
    view! { <div class="slot slot-timeline"></div> }
}
