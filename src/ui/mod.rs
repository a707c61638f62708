//! The browser user interface, built with Leptos (client-side rendering).
//!
//! [`mount`] starts the app; [`App`] is the root component and
//! [`Pattern`] is the navigation model (one tab per pattern).

mod app;
pub mod canvas;
pub mod chart;
pub mod controls;
pub mod host;
pub mod keys;
pub mod lesson;
pub mod log;
pub mod meter;
pub mod panel;
pub mod run;
pub mod share_menu;
pub mod spacetime;
pub mod startup;
pub mod study;
pub mod tables;
pub mod timeline;
pub mod workspace;

pub use crate::patterns::Pattern;
pub use app::{App, STAGE_ID, TAGLINE};

/// Mounts [`App`] into `<body>` and installs the panic hook that reports
/// Rust panics to the browser console.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
