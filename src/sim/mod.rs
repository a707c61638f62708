//! The simulation engine: a pure, deterministic world advanced one event
//! at a time. No web-sys, no clocks, no `Math.random`: one seeded RNG owns
//! every random choice, so (scenario, seed, script) always yields the same
//! trace, natively and in the browser.
//!
//! The pieces, each in its own file:
//!
//! - [`types`]: virtual time (ms) and ids.
//! - [`rng`]: the world's one seeded RNG.
//! - [`net`]: links with latency, jitter, drop and duplicate odds, and
//!   fault states (healthy, partitioned, held) that also act on messages
//!   already in flight.
//! - [`wire`]: what travels on a link.
//! - [`broker`]: topics, partitions, logs, consumer groups, offsets,
//!   at-most-once / at-least-once, retries with backoff, dead letters.
//! - [`core`]: clock, event queue ordered by (time, sequence), nodes,
//!   messages in flight, timers.
//! - [`scenario`]: the trait a pattern implements (pure handlers acting
//!   through a [`Ctx`]), and what it reports (views, checks, tables).
//! - [`standing`]: where a replica stands: converged, catching up (and
//!   where its missing updates are), stuck (and on what), or diverged (and
//!   which event lost an update).
//! - [`world`]: one step of the world; applying a [`Command`].
//! - [`runner`]: [`Sim`], a world plus its script, snapshots (time
//!   travel), metrics series and live checks.
//! - [`trace`]: every event with its cause and Lamport clock.
//! - [`frame`]: the type-erased [`Playground`] the UI drives, and the
//!   [`Frame`] it draws.
//! - [`demo`]: two tiny scenarios for tests and benchmarks.

pub mod broker;
pub mod core;
pub mod ctx;
pub mod demo;
pub mod flights;
pub mod frame;
pub mod net;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod script;
pub mod sort;
pub mod standing;
pub mod trace;
pub mod types;
pub mod vecmap;
pub mod wire;
pub mod world;

pub use broker::{BrokerConfig, Delivery, GroupSpec, Logs, TopicSpec};
pub use ctx::Ctx;
pub use frame::{Frame, LogLine, Playground};
pub use net::{LinkSettings, LinkState};
pub use runner::{CheckStatus, Sim, SimOptions};
pub use scenario::{Env, Record, Scenario, ScenarioInfo, Topology};
pub use script::{Command, ScriptEntry};
pub use standing::{Blocker, Loss, Moment, Noun, Place, Standing, StandingKind, Whereabouts};
pub use trace::{Trace, TraceEvent, TraceKind};
pub use types::{EventId, GroupId, MsgId, NodeId, Time, TimerId, TopicId};
