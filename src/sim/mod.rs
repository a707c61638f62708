//! The simulation engine: a pure, deterministic world advanced one event
//! at a time. No web-sys, no clocks, no `Math.random`: one seeded RNG owns
//! every random choice, so (scenario, seed, script) always yields the same
//! trace, natively and in the browser.
//!
//! The pieces, in layers from the bottom up. **A module uses only modules
//! of lower layers** (`tests/layers.rs` checks it, so a new upward import
//! or an unranked module fails the build's tests):
//!
//! 0. Plain types: [`types`] (virtual time in ms, ids), [`rng`] (the
//!    world's one seeded RNG), [`vecmap`] (sorted maps and sets that
//!    iterate in key order), [`sort`].
//! 1. [`net`] (links: latency, jitter, drop and duplicate odds, fault
//!    states that also act on messages already in flight), [`wire`] (what
//!    travels on a link), [`standing`] (converged, catching up and where,
//!    stuck and on what, diverged and which event lost an update).
//! 2. Specs: [`spec`] (topology, topics, consumer groups, delivery, broker
//!    policy, as a scenario declares them), [`script`] (the learner's
//!    commands).
//! 3. [`trace`]: every event with its cause and Lamport clock.
//! 4. [`compare`] (where two runs' traces first part ways), [`broker`] (partition logs, consumer cursors) and [`flights`] (the
//!    messages on links, [`flights::InFlight`], in id order).
//! 5. [`core`]: clock, event queue ordered by (time, sequence), nodes,
//!    timers, sending on links, and the broker's behaviour (`core::broker`:
//!    appends, pushes, acks, retries, dead letters).
//! 6. [`ctx`]: what a handler may do ([`Ctx`]).
//! 7. [`scenario`]: the trait a pattern implements (pure handlers acting
//!    through a [`Ctx`]), what it reports (views, checks, tables), and
//!    [`Env`], the engine's answer to "where is it now?".
//! 8. [`world`]: one step of the world; applying a [`Command`].
//! 9. [`runner`]: [`Sim`], a world plus its script, snapshots (time
//!    travel), metrics series and live checks.
//! 10. [`frame`]: the type-erased [`Playground`] the UI drives, and the
//!     [`Frame`] it draws.
//! 11. [`demo`]: two tiny scenarios for tests and benchmarks.

pub mod broker;
pub mod compare;
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
pub mod spec;
pub mod standing;
pub mod trace;
pub mod types;
pub mod vecmap;
pub mod wire;
pub mod world;

pub use broker::{BrokerConfig, Delivery, GroupSpec, Logs, TopicSpec};
pub use ctx::{Ctx, Milestone, TimerTag};
pub use frame::{Frame, Headline, LogLine, Playground};
pub use net::{LinkSettings, LinkState};
pub use runner::{CheckStatus, Sim, SimOptions};
pub use scenario::{Env, Record, Scenario, ScenarioInfo};
pub use script::{Command, Field, Refusal, ScriptEntry};
pub use spec::Topology;
pub use standing::{Blocker, Loss, Moment, Noun, Place, Standing, StandingKind, Whereabouts};
pub use trace::{Mark, Trace, TraceEvent, TraceKind};
pub use types::{EventId, GroupId, MsgId, NodeId, Time, TimerId, TopicId};
