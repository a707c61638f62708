//! Share link, embed code, export and import. (Placeholder until it is built.)

use leptos::prelude::*;

/// Share link, embed code, export and import.
#[component]
pub fn ShareMenu() -> impl IntoView {
    view! { <div class="slot slot-share_menu"></div> }
}
