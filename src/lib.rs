//! # Converge
//!
//! A browser playground that teaches eventual-consistency patterns
//! (event-based, background sync, saga and CQRS) by simulating distributed
//! services and letting you watch their state diverge and converge.
//!
//! The crate compiles to WebAssembly for the app (see `index.html` and
//! `Trunk.toml`) and natively for tests.
//!
//! ## Modules
//!
//! - [`lessons`]: the guided lessons, one per pattern, as data.
//! - [`patterns`]: the four patterns as scenarios on the engine.
//! - [`sim`]: the deterministic simulation engine (nodes, messages, virtual
//!   time, faults).
//! - [`share`]: scenes (pattern, seed, script, playhead) as share-link
//!   codes and JSON scene files, with validation.
//! - [`ui`]: the Leptos user interface: the app shell, the pattern tabs and
//!   the stage.

pub mod lessons;
pub mod patterns;
pub mod share;
pub mod sim;
pub mod ui;
