//! The browser user interface, built with Leptos (client-side rendering).
//!
//! [`mount`] starts the app; [`App`] is the root component and
//! [`Pattern`] is the navigation model (one tab per pattern).

mod app;
pub mod canvas;
pub mod chart;
pub mod compare;
pub mod controls;
pub mod host;
pub mod keys;
pub mod lesson;
pub mod log;
pub mod meter;
pub mod panel;
pub mod replay;
pub mod run;
pub mod share_menu;
pub mod spacetime;
pub mod split;
pub mod startup;
pub mod study;
pub mod tables;
pub mod timeline;
pub mod workspace;

pub use crate::patterns::Pattern;
pub use app::{App, STAGE_ID, TAGLINE};

/// DOM id of index.html's static first paint, which [`mount`] replaces.
pub const SHELL_ID: &str = "shell";

/// Mounts [`App`] into `<body>` and installs the panic hook that reports
/// Rust panics to the browser console.
///
/// index.html paints a static picture of the first view (`#shell`) while
/// the wasm loads. It is removed in the same task that mounts the app, so
/// no frame shows both or neither; removing it first spares the browser a
/// layout of the two side by side when the app measures its regions.
pub fn mount() {
    console_error_panic_hook::set_once();
    if let Some(shell) = leptos::prelude::document().get_element_by_id(SHELL_ID) {
        shell.remove();
    }
    leptos::mount::mount_to_body(App);
}
