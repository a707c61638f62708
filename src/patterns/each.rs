//! The one scenario type the app's engine runs: [`AnyScenario`] holds one
//! of the four patterns and hands each call to it, so the engine's code is
//! in the wasm once, not once per pattern.

use super::any::AnyMsg;
use super::background_sync::BackgroundSync;
use super::cqrs::Cqrs;
use super::event_driven::PowerGrid;
use super::saga::Saga;
use crate::sim::scenario::{Table, ViewStatus};
use crate::sim::wire::Wire;
use crate::sim::{
    Ctx, Env, Moment, NodeId, Record, Scenario, ScenarioInfo, Time, TimerId, Topology,
};

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
    fn broken_checks(&self, env: &Env<'_, AnyMsg>) -> u64 {
        each!(self, s => s.broken_checks(env))
    }
    fn why_broken(&self, check: usize, env: &Env<'_, AnyMsg>) -> Option<String> {
        each!(self, s => s.why_broken(check, env))
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
    fn heap_bytes(&self) -> u64 {
        each!(self, s => s.heap_bytes())
    }
    fn settle_time(&self) -> Time {
        each!(self, s => s.settle_time())
    }
}
