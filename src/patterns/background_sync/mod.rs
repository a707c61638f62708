//! Background sync: a scheduled job copies customer accounts from a
//! **Source** store to a **Warehouse** replica, batch by batch.
//!
//! Strategies (the `strategy` setting): 0 full copy each run, 1 incremental
//! by an `updated_at` watermark, 2 incremental by a change log with a
//! cursor. The watermark shows its classic bugs: with the source's clock
//! behind the job's (`skew` < 0), or two rows written with the same
//! timestamp split by a batch boundary, a row is skipped for good.
//!
//! Faults: the job crashes mid-batch (resume from a checkpoint, or start
//! over), the warehouse is unreachable (cut its link: the run times out),
//! clock skew. Two-way sync (both sides take writes) always reads both
//! sides' change logs and resolves conflicts by last-writer-wins (which
//! loses an update, and names it) or by keeping both versions as siblings.
//!
//! Rooms: `topology`, `controls` (typed toggles, settings, actions),
//! `checks` (each with its predicate), `msg`, `model` (what each side
//! keeps), `stores` (edits at either side), `job` (runs, batches,
//! checkpoints, timeouts), `apply` (serving and writing a batch, conflicts),
//! `standing` (which rows a run will still copy, and which none will),
//! `present` (every word and table shown). This file holds the struct,
//! the dispatch of messages and timers, and a `Scenario` impl that hands
//! each call to its room.

mod apply;
mod checks;
mod controls;
mod job;
mod model;
pub(super) mod msg;
mod present;
mod standing;
mod stores;
mod topology;

use self::{checks::*, model::*, present::*};
pub use self::{controls::*, msg::*, standing::*, topology::*};
use super::any::{AnyMsg, Carried};
use super::control::{by_id, Check};
use crate::sim::scenario::{
    ActionSpec, Cell, CheckKind, MilestoneSpec, NodeRole, NodeSpec, Row, ScenarioInfo, SettingSpec,
    Table, ToggleSpec, ViewStatus,
};
use crate::sim::types::fmt_secs;
use crate::sim::vecmap::VecMap;
use crate::sim::wire::Wire;
use crate::sim::{
    Blocker, Ctx, Env, EventId, LinkSettings, Loss, Moment, NodeId, Noun, Place, Scenario,
    Standing, Time, TimerId, TimerTag, Topology, Whereabouts,
};

/// What a timer of the sync is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Timer {
    /// The job's schedule: start a run unless one is going (periodic).
    Tick,
    /// The source's workload: the next edit or transfer (periodic).
    SourceEdit,
    /// The warehouse's own edits, with two-way sync (periodic).
    WarehouseEdit,
    /// The job gave up waiting for a store's answer.
    Timeout,
}

impl TimerTag for Timer {
    fn tag(self) -> u64 {
        self as u64
    }
    fn from_tag(tag: u64) -> Option<Timer> {
        [
            Timer::Tick,
            Timer::SourceEdit,
            Timer::WarehouseEdit,
            Timer::Timeout,
        ]
        .into_iter()
        .find(|t| t.tag() == tag)
    }
}

/// The background sync scenario.
#[derive(Clone, Debug)]
pub struct BackgroundSync {
    // Options.
    strategy: Strategy,
    interval: Time,
    batch: u16,
    skew: i64,
    write_every: Time,
    checkpoint_on: bool,
    two_way: bool,
    siblings: bool,
    workload: bool,

    // Source, durable: rows, per-row write times, change log. Volatile: timer.
    src: Vec<Account>,
    history: Vec<Vec<Time>>,
    log: Vec<RowImage>,
    src_timer: Option<TimerId>,

    // Warehouse, durable: rows, its own change log (two-way). Volatile: timer.
    wh: Vec<Account>,
    wh_log: Vec<RowImage>,
    wh_timer: Option<TimerId>,

    // Job, durable: committed cursors, checkpoint, counters.
    committed_stamp: i64,
    committed_lsn: u64,
    committed_wlsn: u64,
    checkpoint: Option<Progress>,
    runs: u64,
    epoch: u64,
    last_sync_at: Option<Time>,
    longest_run: Time,
    rows_copied: u64,
    job_event: Option<EventId>,
    // Job, volatile.
    run: Option<Run>,
    tick: Option<TimerId>,

    // Bookkeeping for views and checks.
    diverged_since: Vec<Option<Time>>,
    missed: VecMap<u16, (Time, u64)>,
    lost: Option<String>,
    lost_count: u64,
    /// Per account: the change no run will bring to the warehouse, and the
    /// event that lost it (cleared once something will copy the account
    /// again).
    skipped: [Option<Loss>; ACCOUNTS as usize],
    /// The same, should the run in progress time out (it lost a message).
    skipped_doomed: [Option<Loss>; ACCOUNTS as usize],
    /// Every account's [`Fate`] as the last handler left it (the state has
    /// not changed since: every handler ends with [`BackgroundSync::reckon`]).
    fated: [Fate; ACCOUNTS as usize],
    /// Per account: the first update last-writer-wins threw away, and how
    /// many more it threw away since (never cleared: nothing brings them
    /// back).
    overwritten: [Option<(Loss, u32)>; ACCOUNTS as usize],
    /// Since when, and waiting on which store, runs have been aborting
    /// without one finishing.
    failing: Option<(Time, NodeId)>,
}

impl Default for BackgroundSync {
    fn default() -> Self {
        let acct = |origin| Account {
            balance: OPENING_BALANCE,
            stamp: 0,
            version: 0,
            origin,
            siblings: Vec::new(),
            local_lsn: 0,
            last_entry: 0,
            last_own: 0,
            event: None,
        };
        let n = ACCOUNTS as usize;
        // Toggles and settings start at their specs' defaults.
        let mut sync = BackgroundSync {
            strategy: Strategy::FullCopy,
            interval: 0,
            batch: 0,
            skew: 0,
            write_every: 0,
            checkpoint_on: false,
            two_way: false,
            siblings: false,
            workload: false,
            src: vec![acct(Side::Source); n],
            history: vec![Vec::new(); n],
            log: Vec::new(),
            src_timer: None,
            wh: vec![acct(Side::Source); n],
            wh_log: Vec::new(),
            wh_timer: None,
            committed_stamp: 0,
            committed_lsn: 0,
            committed_wlsn: 0,
            checkpoint: None,
            runs: 0,
            epoch: 0,
            last_sync_at: None,
            longest_run: 0,
            rows_copied: 0,
            job_event: None,
            run: None,
            tick: None,
            diverged_since: vec![None; n],
            missed: VecMap::new(),
            lost: None,
            lost_count: 0,
            skipped: [None; ACCOUNTS as usize],
            skipped_doomed: [None; ACCOUNTS as usize],
            fated: [Fate::Fresh; ACCOUNTS as usize],
            overwritten: [None; ACCOUNTS as usize],
            failing: None,
        };
        sync.set_defaults();
        sync
    }
}

impl BackgroundSync {
    fn message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: SyncMsg) {
        let node = ctx.node();
        if node == JOB {
            self.on_job_message(ctx, from, msg);
            return;
        }
        let side = if node == SOURCE {
            Side::Source
        } else {
            Side::Warehouse
        };
        match msg {
            SyncMsg::Fetch {
                epoch,
                query,
                limit,
            } => {
                let (rows, next, more) = self.serve_fetch(side, &query, limit);
                ctx.send(
                    from,
                    SyncMsg::Page {
                        epoch,
                        rows,
                        next,
                        more,
                    },
                );
            }
            SyncMsg::Apply { epoch, rows, seen } => {
                // Bookkeeping for the meter: the batch being written has
                // landed (a late copy overwriting it from now on is a loss).
                if let Some(run) = self.run.as_mut().filter(|r| r.epoch == epoch) {
                    run.applying.clear();
                }
                let count = self.apply_rows(ctx, side, &rows, seen);
                ctx.act_as(node);
                ctx.send(from, SyncMsg::Applied { epoch, count });
            }
            _ => {}
        }
    }

    fn timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, timer: TimerId, tag: u64) {
        let Some(what) = Timer::from_tag(tag) else {
            return;
        };
        match what {
            Timer::SourceEdit => {
                if ctx.rng().below(10) < 7 {
                    self.random_edit(ctx);
                } else {
                    self.transfer(ctx);
                }
            }
            Timer::WarehouseEdit => {
                let i = ctx.rng().below(ACCOUNTS as u64) as usize;
                let delta = ctx.rng().between(1, 30) as i64;
                let b = self.wh[i].balance - delta;
                self.warehouse_write(ctx, i, b);
            }
            Timer::Tick => match &self.run {
                Some(r) => {
                    ctx.note(format!(
                        "run #{} is still going; this tick is skipped",
                        r.p.number
                    ));
                }
                None => self.start_run(ctx),
            },
            Timer::Timeout => {
                // Only the run's current timeout (an older one may fire
                // after the answer came and a new request was sent).
                if self.run.as_ref().is_some_and(|r| r.timeout == Some(timer)) {
                    self.abort_run(ctx);
                }
            }
        }
    }

    fn restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let node = ctx.node();
        self.arm(ctx, node);
        if node == JOB {
            if !self.checkpoint_on || self.checkpoint.is_none() {
                let ev = ctx.note(
                    "the job lost its place in the run; it starts over from the last finished run",
                );
                ctx.mark(ev, Milestone::StartedOver, 0);
            }
            self.start_run(ctx);
        }
    }
}

impl Scenario for BackgroundSync {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        self.scenario_info()
    }

    fn topology(&self) -> Topology {
        self.sync_topology()
    }

    fn start(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let node = ctx.node();
        self.arm(ctx, node);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: AnyMsg) {
        let Some(msg) = SyncMsg::take(msg) else {
            return;
        };
        let cause = if matches!(msg, SyncMsg::Page { .. }) {
            Cause::Page
        } else {
            Cause::Other
        };
        self.message(ctx, from, msg);
        self.reckon_now(ctx, cause);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, timer: TimerId, tag: u64) {
        self.timer(ctx, timer, tag);
        self.reckon_now(ctx, Cause::Other);
    }

    fn on_crash(&mut self, node: NodeId, at: Moment) {
        match node {
            SOURCE => self.src_timer = None,
            WAREHOUSE => self.wh_timer = None,
            JOB => {
                self.run = None;
                self.tick = None;
                self.run_ended();
            }
            _ => {}
        }
        // A crash only loses the job's volatile place in a run; the run it
        // restarts reads from a durable cursor at or before it.
        self.reckon(at, Cause::Other);
    }

    fn on_lost(&mut self, wire: &Wire<AnyMsg>, from: NodeId, to: NodeId, at: Moment) {
        // Usually the run times out and reads the rows again: nothing is
        // lost. But a write that carried the only fix for an account the
        // cursor has already passed (a duplicate reply moved the run on)
        // takes that change with it.
        let Wire::App(msg) = wire else { return };
        let Some(msg) = SyncMsg::from_any(msg) else {
            return;
        };
        if self.awaited(from, to, msg) {
            let run = self.run.as_mut().expect("awaited by a run");
            if run.lost_at.is_none() {
                run.lost_at = Some(at);
                self.reckon(at, Cause::Other);
            }
        }
        let SyncMsg::Apply { rows, seen, .. } = msg else {
            return;
        };
        let fixed: Vec<usize> = rows
            .iter()
            .filter(|img| self.fixes(to, img, *seen))
            .map(|img| (img.id - 1) as usize)
            .filter(|&i| i < ACCOUNTS as usize)
            .collect();
        for i in fixed {
            for l in [&mut self.skipped[i], &mut self.skipped_doomed[i]]
                .into_iter()
                .flatten()
            {
                l.how = DROPPED;
                l.when = at;
            }
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        self.restart(ctx);
        self.reckon_now(ctx, Cause::Other);
    }

    fn on_toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        self.toggle(ctx, id, on);
        self.reckon_now(ctx, Cause::Other);
    }

    fn on_set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        self.set(ctx, id, value);
        self.reckon_now(ctx, Cause::Other);
    }

    fn on_action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        self.action(ctx, id);
        self.reckon_now(ctx, Cause::Other);
    }

    fn describe(&self, msg: &AnyMsg) -> String {
        self.describe_msg(msg)
    }

    fn views(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        self.view_statuses(env)
    }

    fn broken_checks(&self, env: &Env<'_, AnyMsg>) -> u64 {
        Check::broken(&CHECKS, self, env)
    }

    fn why_broken(&self, check: usize, env: &Env<'_, AnyMsg>) -> Option<String> {
        Check::why(&CHECKS, check, self, env)
    }

    fn tables(&self, _env: &Env<'_, AnyMsg>) -> Vec<Table> {
        self.state_tables()
    }

    fn summary(&self, node: NodeId) -> String {
        self.node_summary(node)
    }

    fn quiet(&self) -> bool {
        !self.workload
    }

    fn settle_time(&self) -> Time {
        2 * self.interval + 5_000
    }
}
