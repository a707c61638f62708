//! One engine for all four patterns.
//!
//! The engine is generic over its scenario and message type, and Rust
//! compiles a generic once per type it is used with. With four patterns
//! that meant four copies of the whole runner, world, broker and frame code
//! in the wasm (twiggy: 161 KB of code before wasm-opt). Here the patterns
//! share one message type, [`AnyMsg`], and [`AnyScenario`] hands each call
//! to the pattern it holds, so the app runs one `Sim<AnyScenario>`.
//!
//! A pattern still writes its own message type: it sends and publishes its
//! messages as they are (`ctx.send(to, Msg::Ack)`: `Ctx` takes anything
//! `Into<AnyMsg>`) and reads incoming ones with [`Carried::from_any`].

use super::background_sync::{BackgroundSync, SyncMsg};
use super::cqrs::{self, Cqrs};
use super::event_driven::{PowerGrid, Reading};
use super::saga::{self, Saga};
use crate::sim::scenario::{Table, ViewStatus};
use crate::sim::wire::Wire;
use crate::sim::{
    Ctx, Env, Moment, NodeId, Record, Scenario, ScenarioInfo, Time, TimerId, Topology,
};
use serde::Serialize;
use std::fmt;

/// A message or broker record of any pattern. Serialised as the pattern's
/// own message (untagged), so traces and their JSON are what they were when
/// each pattern had its own engine.
#[derive(Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyMsg {
    /// Event-based consistency.
    Grid(Reading),
    /// Background sync.
    Sync(SyncMsg),
    /// Saga.
    Saga(saga::Msg),
    /// CQRS.
    Cqrs(cqrs::Msg),
}

impl fmt::Debug for AnyMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyMsg::Grid(m) => m.fmt(f),
            AnyMsg::Sync(m) => m.fmt(f),
            AnyMsg::Saga(m) => m.fmt(f),
            AnyMsg::Cqrs(m) => m.fmt(f),
        }
    }
}

/// A pattern's own message type, as carried in [`AnyMsg`].
pub trait Carried: Sized {
    /// The pattern's message, if `m` is one.
    fn from_any(m: &AnyMsg) -> Option<&Self>;
    /// The pattern's message, if `m` is one, by value.
    fn take(m: AnyMsg) -> Option<Self>;
}

macro_rules! carried {
    ($t:ty, $v:ident) => {
        impl From<$t> for AnyMsg {
            fn from(m: $t) -> AnyMsg {
                AnyMsg::$v(m)
            }
        }
        impl Carried for $t {
            fn from_any(m: &AnyMsg) -> Option<&Self> {
                match m {
                    AnyMsg::$v(m) => Some(m),
                    _ => None,
                }
            }
            fn take(m: AnyMsg) -> Option<Self> {
                match m {
                    AnyMsg::$v(m) => Some(m),
                    _ => None,
                }
            }
        }
    };
}

carried!(Reading, Grid);
carried!(SyncMsg, Sync);
carried!(saga::Msg, Saga);
carried!(cqrs::Msg, Cqrs);

/// One of the four patterns, as the one scenario type the app's engine runs.
///
/// Unboxed: there is one per world (and per snapshot), so the unused bytes
/// of the smaller variants cost less than an allocation per snapshot would.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum AnyScenario {
    /// Event-based consistency.
    Grid(PowerGrid),
    /// Background sync.
    Sync(BackgroundSync),
    /// Saga.
    Saga(Saga),
    /// CQRS.
    Cqrs(Cqrs),
}

/// Calls the same method on whichever pattern `$self` holds.
macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            AnyScenario::Grid($s) => $e,
            AnyScenario::Sync($s) => $e,
            AnyScenario::Saga($s) => $e,
            AnyScenario::Cqrs($s) => $e,
        }
    };
}

impl Scenario for AnyScenario {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        each!(self, s => s.info())
    }
    fn topology(&self) -> Topology {
        each!(self, s => s.topology())
    }
    fn start(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        each!(self, s => s.start(ctx))
    }
    fn on_message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: AnyMsg) {
        each!(self, s => s.on_message(ctx, from, msg))
    }
    fn on_record(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        rec: Record<'_, AnyMsg>,
    ) -> Result<(), String> {
        each!(self, s => s.on_record(ctx, rec))
    }
    fn on_publish_ack(&mut self, ctx: &mut Ctx<'_, AnyMsg>, token: u64, offset: u64) {
        each!(self, s => s.on_publish_ack(ctx, token, offset))
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, timer: TimerId, tag: u64) {
        each!(self, s => s.on_timer(ctx, timer, tag))
    }
    fn on_crash(&mut self, node: NodeId, at: Moment) {
        each!(self, s => s.on_crash(node, at))
    }
    fn on_lost(&mut self, wire: &Wire<AnyMsg>, from: NodeId, to: NodeId, at: Moment) {
        each!(self, s => s.on_lost(wire, from, to, at))
    }
    fn on_restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        each!(self, s => s.on_restart(ctx))
    }
    fn on_toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        each!(self, s => s.on_toggle(ctx, id, on))
    }
    fn on_set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        each!(self, s => s.on_set(ctx, id, value))
    }
    fn on_action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        each!(self, s => s.on_action(ctx, id))
    }
    fn describe(&self, msg: &AnyMsg) -> String {
        each!(self, s => s.describe(msg))
    }
    fn views(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        each!(self, s => s.views(env))
    }
    fn checks(&self, env: &Env<'_, AnyMsg>) -> Vec<Option<String>> {
        each!(self, s => s.checks(env))
    }
    fn tables(&self, env: &Env<'_, AnyMsg>) -> Vec<Table> {
        each!(self, s => s.tables(env))
    }
    fn summary(&self, node: NodeId) -> String {
        each!(self, s => s.summary(node))
    }
    fn quiet(&self) -> bool {
        each!(self, s => s.quiet())
    }
    fn settle_time(&self) -> Time {
        each!(self, s => s.settle_time())
    }
}
