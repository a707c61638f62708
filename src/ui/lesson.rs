//! The guided lesson for the current pattern. (Placeholder until it is built.)

use leptos::prelude::*;

/// The guided lesson for the current pattern.
#[component]
pub fn LessonPane() -> impl IntoView {
    view! { <div class="slot slot-lesson"></div> }
}
