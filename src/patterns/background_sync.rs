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

use super::any::{AnyMsg, Carried};
use crate::sim::scenario::{
    ActionSpec, Cell, CheckKind, CheckSpec, NodeRole, NodeSpec, Row, ScenarioInfo, SettingSpec,
    Table, ToggleSpec, ViewStatus,
};
use crate::sim::types::fmt_secs;
use crate::sim::vecmap::VecMap;
use crate::sim::wire::Wire;
use crate::sim::{
    Blocker, Ctx, Env, EventId, LinkSettings, Loss, Moment, NodeId, Noun, Place, Scenario,
    Standing, Time, TimerId, Topology, Whereabouts,
};
use serde::Serialize;

/// The source store (customer accounts, edited by the workload).
pub const SOURCE: NodeId = NodeId(0);
/// The scheduled sync job.
pub const JOB: NodeId = NodeId(1);
/// The replica (a reporting warehouse).
pub const WAREHOUSE: NodeId = NodeId(2);

/// Number of accounts, numbered 1 to 12.
pub const ACCOUNTS: u16 = 12;
/// Balance every account starts with, on both sides.
pub const OPENING_BALANCE: i64 = 100;
/// How long the job waits for an answer before aborting a run.
pub const REQUEST_TIMEOUT: Time = 2_500;

/// Strategy: copy every row each run.
pub const FULL_COPY: i64 = 0;
/// Strategy: copy rows whose `updated_at` is past the watermark.
pub const WATERMARK: i64 = 1;
/// Strategy: read the change log from a cursor.
pub const CHANGE_LOG: i64 = 2;

const TAG_TICK: u64 = 1;
const TAG_WRITE: u64 = 2;
const TAG_TIMEOUT: u64 = 3;

/// What the meter calls an update: a change to an account, numbered by
/// its position in the change log of the side that made it ("log #17").
pub const CHANGE: Noun = Noun::new("change", "changes");

/// How a change is lost, after "change #17 ": its `updated_at` was already
/// behind the watermark (or the running batch's cursor) when it was written.
pub const SKIPPED_BEHIND: &str = "got an updated_at behind the watermark, so no run will read it";
/// How a change is lost: a batch ended on its `updated_at` without it, and
/// the next batch reads only rows after that `updated_at`.
pub const SKIPPED_TIE: &str =
    "was skipped by the watermark: the batch before it ended on the same updated_at";
/// How a change is lost: a late copy (a duplicate, or a write from an
/// aborted run) overwrote it in the warehouse after the cursor had passed it.
pub const OVERWRITTEN_LATE: &str =
    "was overwritten in the warehouse by an older copy that arrived late";
/// How a change is lost (two-way): it is an older copy that arrived late
/// and overwrote a newer value at the source.
pub const OVERWRITTEN_SOURCE: &str =
    "is an older copy that arrived late and overwrote the source's newer value";
/// How a change is lost: the write carrying it was dropped after the
/// job's cursor had moved past it.
pub const DROPPED: &str =
    "was dropped on the way to the warehouse after the job's cursor had passed it";
/// How a warehouse change is lost when two-way sync is turned off: one-way
/// sync never sends it to the source, and only overwrites it when the
/// source changes that account.
pub const ORPHANED: &str =
    "made in the warehouse will never reach the source now that sync is one-way";
/// How a change is lost when two-way sync is turned off: the source took
/// it from the warehouse, and a one-way copy of such a row keeps the
/// warehouse's older source version, so the two never match again.
pub const KEPT_VERSION: &str = "came from the warehouse during two-way sync, and one-way copies keep the warehouse's older version of it";
/// How a change is lost when nothing more specific applies (a strategy or
/// an option switched under it).
pub const PASSED: &str = "is behind the job's cursor, so no run will copy it again";
/// How a warehouse change is lost in two-way sync with last writer wins.
pub const LWW_WAREHOUSE: &str =
    "made in the warehouse was overwritten by the source's (last writer wins)";
/// How a source change is lost in two-way sync with last writer wins.
pub const LWW_SOURCE: &str =
    "made at the source was overwritten by the warehouse's (last writer wins)";

/// Which store a row version came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Side {
    /// The source store.
    Source,
    /// The warehouse.
    Warehouse,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Warehouse => "warehouse",
        }
    }
}

/// An account row as it travels between the stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowImage {
    /// Account, 1..=12.
    pub id: u16,
    /// Balance in dollars.
    pub balance: i64,
    /// `updated_at`, by the clock of the side that wrote it (ms, may be
    /// negative with skew).
    pub stamp: i64,
    /// The source's version number of the row.
    pub version: u32,
    /// The side whose write this is.
    pub origin: Side,
    /// Conflicting versions kept for a person to resolve (two-way sync).
    pub siblings: Vec<i64>,
}

/// What the job asks a store for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Query {
    /// Rows with an id above `after_id`, by id (full copy).
    Full {
        /// Last id copied.
        after_id: u16,
    },
    /// Rows with `after < updated_at <= upto`, by `updated_at` then id.
    Watermark {
        /// The watermark (or the last `updated_at` of the previous page).
        after: i64,
        /// The job's clock when the run started.
        upto: i64,
    },
    /// Change-log entries after a position, in order.
    Log {
        /// Last log position read.
        after: u64,
    },
    /// Current rows that this side changed locally after a log position
    /// (two-way sync).
    Changed {
        /// Last log position read.
        after: u64,
    },
}

/// The sync protocol. `epoch` tells replies to an aborted run apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SyncMsg {
    /// Job → store: read a page.
    Fetch {
        /// Run attempt.
        epoch: u64,
        /// What to read.
        query: Query,
        /// Batch size.
        limit: u16,
    },
    /// Store → job: a page of rows.
    Page {
        /// Run attempt.
        epoch: u64,
        /// Rows, in query order.
        rows: Vec<RowImage>,
        /// Cursor after this page (id, timestamp or log position).
        next: i64,
        /// More rows match.
        more: bool,
    },
    /// Job → store: write these rows.
    Apply {
        /// Run attempt.
        epoch: u64,
        /// Rows to write.
        rows: Vec<RowImage>,
        /// The receiver's log position the job has read up to (two-way:
        /// a local change after it is a conflict).
        seen: u64,
    },
    /// Store → job: rows written.
    Applied {
        /// Run attempt.
        epoch: u64,
        /// How many.
        count: u16,
    },
}

/// An account in one store.
#[derive(Clone, Debug)]
struct Account {
    balance: i64,
    stamp: i64,
    /// Source: its version; warehouse: the source version it reflects.
    version: u32,
    origin: Side,
    siblings: Vec<i64>,
    /// Log position of this side's latest local write.
    local_lsn: u64,
    /// Position of this account's latest entry in this side's log.
    last_entry: u64,
    /// Position of this account's latest entry in this side's log that
    /// this side made itself (what a two-way run reads as "changed here").
    last_own: u64,
    event: Option<EventId>,
}

impl Account {
    fn image(&self, id: u16) -> RowImage {
        RowImage {
            id,
            balance: self.balance,
            stamp: self.stamp,
            version: self.version,
            origin: self.origin,
            siblings: self.siblings.clone(),
        }
    }

    fn same(&self, other: &Account) -> bool {
        // Most rows have no siblings: skip the slice comparison (a call to
        // memcmp) that the meter would otherwise pay per account per event.
        self.balance == other.balance
            && self.siblings.len() == other.siblings.len()
            && (self.siblings.is_empty() || self.siblings == other.siblings)
    }

    fn shown(&self) -> String {
        if self.siblings.is_empty() {
            format!("${}", self.balance)
        } else {
            let s: Vec<String> = self.siblings.iter().map(|b| format!("${b}")).collect();
            format!("{} (conflict)", s.join(" | "))
        }
    }
}

/// Where a run is, kept durably as a checkpoint after each batch.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Progress {
    number: u64,
    started_at: Time,
    upto: i64,
    strategy: i64,
    two_way: bool,
    id: u16,
    stamp: i64,
    lsn: u64,
    wlsn: u64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Phase {
    FetchSource,
    FetchWarehouse,
    ApplyWarehouse,
    ApplySource,
}

/// A run in progress (volatile: a crash forgets it).
#[derive(Clone, Debug)]
struct Run {
    p: Progress,
    epoch: u64,
    began: Time,
    phase: Phase,
    timeout: Option<TimerId>,
    next: i64,
    wnext: u64,
    more: bool,
    src_page: Vec<RowImage>,
    to_source: Vec<RowImage>,
    copied: u64,
    /// One-way: the accounts and source versions in the batch being
    /// written to the warehouse (bookkeeping for the meter).
    applying: Vec<(u16, u32)>,
    /// When the network lost one of this run's requests or replies (it
    /// will time out), for the meter.
    lost_at: Option<Moment>,
}

/// The background sync scenario.
#[derive(Clone, Debug)]
pub struct BackgroundSync {
    // Options.
    strategy: i64,
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
        BackgroundSync {
            strategy: CHANGE_LOG,
            interval: 3_000,
            batch: 4,
            skew: 0,
            write_every: 800,
            checkpoint_on: true,
            two_way: false,
            siblings: false,
            workload: true,
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
        }
    }
}

fn stamp_text(s: i64) -> String {
    if s < 0 {
        format!("-{}", fmt_secs((-s) as Time))
    } else {
        fmt_secs(s as Time)
    }
}

fn strategy_name(s: i64) -> &'static str {
    match s {
        FULL_COPY => "full copy",
        WATERMARK => "updated_at watermark",
        _ => "change log",
    }
}

fn ids(rows: &[RowImage]) -> String {
    let v: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

impl BackgroundSync {
    /// Balance of `account` (1..=12) at the source.
    pub fn source_balance(&self, account: u16) -> i64 {
        self.src[(account - 1) as usize].balance
    }

    /// Balance of `account` (1..=12) in the warehouse.
    pub fn warehouse_balance(&self, account: u16) -> i64 {
        self.wh[(account - 1) as usize].balance
    }

    /// Conflicting versions of `account` kept in the warehouse (two-way, siblings).
    pub fn warehouse_siblings(&self, account: u16) -> &[i64] {
        &self.wh[(account - 1) as usize].siblings
    }

    /// Accounts (1..=12) where the warehouse differs from the source.
    pub fn differing(&self) -> Vec<u16> {
        (1..=ACCOUNTS).filter(|&a| self.stale(a)).collect()
    }

    /// Rows the job has written so far (both directions).
    pub fn rows_copied(&self) -> u64 {
        self.rows_copied
    }

    /// Runs that finished.
    pub fn runs_finished(&self) -> u64 {
        self.runs
    }

    /// The longest successful run so far, from its (re)start to its end.
    pub fn longest_run(&self) -> Time {
        self.longest_run
    }

    /// The sync interval.
    pub fn interval(&self) -> Time {
        self.interval
    }

    fn source_clock(&self, now: Time) -> i64 {
        now as i64 + self.skew
    }

    fn stale(&self, a: u16) -> bool {
        let i = (a - 1) as usize;
        let differ = !self.src[i].same(&self.wh[i]);
        if self.two_way {
            differ
        } else {
            differ || self.wh[i].version != self.src[i].version
        }
    }

    /// When the oldest source write not yet in the warehouse was made.
    fn lag_of(&self, a: u16) -> Option<Time> {
        if !self.stale(a) {
            return None;
        }
        let i = (a - 1) as usize;
        if self.two_way {
            return self.diverged_since[i];
        }
        let h = &self.history[i];
        h.get(self.wh[i].version as usize)
            .or(h.last())
            .copied()
            .or(self.diverged_since[i])
    }

    fn touch(&mut self, i: usize, now: Time) {
        if self.src[i].same(&self.wh[i]) {
            self.diverged_since[i] = None;
        } else if self.diverged_since[i].is_none() {
            self.diverged_since[i] = Some(now);
        }
        let a = i as u16 + 1;
        if !self.stale(a) {
            self.missed.remove(&a);
        }
    }

    fn arm(&mut self, ctx: &mut Ctx<'_, AnyMsg>, node: NodeId) {
        let (slot, period, tag, on) = match node {
            SOURCE => (
                &mut self.src_timer,
                self.write_every,
                TAG_WRITE,
                self.workload,
            ),
            WAREHOUSE => (
                &mut self.wh_timer,
                self.write_every * 3,
                TAG_WRITE,
                self.workload && self.two_way,
            ),
            _ => (&mut self.tick, self.interval, TAG_TICK, true),
        };
        if let Some(t) = slot.take() {
            ctx.cancel_timer(t);
        }
        if on && ctx.is_up(node) {
            ctx.act_as(node);
            *slot = Some(ctx.set_periodic(period, tag));
        }
    }

    /// A local write at the source (the workload, an action, or a person resolving a conflict).
    fn source_write(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        i: usize,
        balance: i64,
        stamp: i64,
        why: &str,
    ) {
        ctx.act_as(SOURCE);
        let now = ctx.now();
        let row = &mut self.src[i];
        row.balance = balance;
        row.stamp = stamp;
        row.version += 1;
        row.origin = Side::Source;
        row.siblings.clear();
        self.history[i].push(now);
        let img = row.image(i as u16 + 1);
        self.log.push(img);
        row.local_lsn = self.log.len() as u64;
        row.last_entry = row.local_lsn;
        row.last_own = row.local_lsn;
        let ev = ctx.write(format!(
            "account {} = ${balance} ({why}; updated_at {} by the source's clock, v{}, log #{})",
            i + 1,
            stamp_text(stamp),
            row.version,
            row.local_lsn
        ));
        row.event = Some(ev);
        self.touch(i, now);
    }

    /// A local write in the warehouse (two-way sync only).
    fn warehouse_write(&mut self, ctx: &mut Ctx<'_, AnyMsg>, i: usize, balance: i64) {
        ctx.act_as(WAREHOUSE);
        let now = ctx.now();
        let row = &mut self.wh[i];
        row.balance = balance;
        row.stamp = now as i64;
        row.origin = Side::Warehouse;
        row.siblings.clear();
        let img = row.image(i as u16 + 1);
        self.wh_log.push(img);
        row.local_lsn = self.wh_log.len() as u64;
        row.last_entry = row.local_lsn;
        row.last_own = row.local_lsn;
        let ev = ctx.write(format!(
            "account {} = ${balance} (edited in the warehouse, updated_at {})",
            i + 1,
            stamp_text(now as i64)
        ));
        row.event = Some(ev);
        self.touch(i, now);
    }

    fn random_edit(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let i = ctx.rng().below(ACCOUNTS as u64) as usize;
        let delta = ctx.rng().between(1, 60) as i64 - 25;
        let delta = if delta == 0 { 5 } else { delta };
        let stamp = self.source_clock(ctx.now());
        let b = self.src[i].balance + delta;
        self.source_write(
            ctx,
            i,
            b,
            stamp,
            if delta > 0 { "deposit" } else { "withdrawal" },
        );
    }

    fn transfer(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let a = ctx.rng().below(ACCOUNTS as u64) as usize;
        let b = (a + 1 + ctx.rng().below(ACCOUNTS as u64 - 1) as usize) % ACCOUNTS as usize;
        let amount = ctx.rng().between(5, 40) as i64;
        let stamp = self.source_clock(ctx.now());
        let (ba, bb) = (self.src[a].balance - amount, self.src[b].balance + amount);
        let why_a = format!("transfer of ${amount} to account {}", b + 1);
        let why_b = format!("transfer of ${amount} from account {}", a + 1);
        self.source_write(ctx, a, ba, stamp, &why_a);
        self.source_write(ctx, b, bb, stamp, &why_b);
    }

    fn job_write(&mut self, ctx: &mut Ctx<'_, AnyMsg>, text: String) {
        ctx.act_as(JOB);
        self.job_event = Some(ctx.write(text));
    }

    fn start_run(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        ctx.act_as(JOB);
        let now = ctx.now();
        let p = match self.checkpoint.clone() {
            Some(cp) if self.checkpoint_on => {
                ctx.note(format!(
                    "resuming run #{} from its checkpoint ({})",
                    cp.number,
                    match (cp.two_way, cp.strategy) {
                        (true, _) => format!("source log #{}, warehouse log #{}", cp.lsn, cp.wlsn),
                        (_, FULL_COPY) => format!("after account {}", cp.id),
                        (_, WATERMARK) => format!("after updated_at {}", stamp_text(cp.stamp)),
                        _ => format!("after log #{}", cp.lsn),
                    }
                ));
                cp
            }
            _ => {
                let p = Progress {
                    number: self.runs + 1,
                    started_at: now,
                    upto: now as i64,
                    strategy: self.strategy,
                    two_way: self.two_way,
                    id: 0,
                    stamp: self.committed_stamp,
                    lsn: self.committed_lsn,
                    wlsn: self.committed_wlsn,
                };
                let from = match (p.two_way, p.strategy) {
                    (true, _) => format!(
                        "two-way, source log #{} and warehouse log #{}",
                        p.lsn, p.wlsn
                    ),
                    (_, FULL_COPY) => "full copy from the first account".to_string(),
                    (_, WATERMARK) => format!(
                        "rows with updated_at after the watermark {} up to {}",
                        stamp_text(p.stamp),
                        stamp_text(p.upto)
                    ),
                    _ => format!("change log after #{}", p.lsn),
                };
                ctx.note(format!("run #{} started: {from}", p.number));
                p
            }
        };
        self.epoch += 1;
        self.run = Some(Run {
            p,
            epoch: self.epoch,
            began: now,
            phase: Phase::FetchSource,
            timeout: None,
            next: 0,
            wnext: 0,
            more: false,
            src_page: Vec::new(),
            to_source: Vec::new(),
            copied: 0,
            applying: Vec::new(),
            lost_at: None,
        });
        self.fetch(ctx);
    }

    fn request(&mut self, ctx: &mut Ctx<'_, AnyMsg>, to: NodeId, msg: SyncMsg, phase: Phase) {
        ctx.act_as(JOB);
        let Some(run) = self.run.as_mut() else { return };
        if let Some(t) = run.timeout.take() {
            ctx.cancel_timer(t);
        }
        run.phase = phase;
        // Bookkeeping: the run moved on, so no lost message dooms it.
        run.lost_at = None;
        run.timeout = Some(ctx.set_timer(REQUEST_TIMEOUT, TAG_TIMEOUT));
        ctx.send(to, msg);
    }

    fn fetch(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.as_ref() else { return };
        let p = &run.p;
        let query = match (p.two_way, p.strategy) {
            (true, _) => Query::Changed { after: p.lsn },
            (_, FULL_COPY) => Query::Full { after_id: p.id },
            (_, WATERMARK) => Query::Watermark {
                after: p.stamp,
                upto: p.upto,
            },
            _ => Query::Log { after: p.lsn },
        };
        let msg = SyncMsg::Fetch {
            epoch: run.epoch,
            query,
            limit: self.batch,
        };
        self.request(ctx, SOURCE, msg, Phase::FetchSource);
    }

    /// A store answers a fetch.
    fn serve_fetch(&self, side: Side, query: &Query, limit: u16) -> (Vec<RowImage>, i64, bool) {
        let limit = limit.max(1) as usize;
        let rows = if side == Side::Source {
            &self.src
        } else {
            &self.wh
        };
        match *query {
            Query::Full { after_id } => {
                let page: Vec<RowImage> = (after_id + 1..=ACCOUNTS)
                    .take(limit)
                    .map(|a| rows[(a - 1) as usize].image(a))
                    .collect();
                let next = page.last().map_or(after_id, |r| r.id);
                (page, next as i64, next < ACCOUNTS)
            }
            Query::Watermark { after, upto } => {
                let mut hits: Vec<RowImage> = (1..=ACCOUNTS)
                    .map(|a| rows[(a - 1) as usize].image(a))
                    .filter(|r| r.stamp > after && r.stamp <= upto)
                    .collect();
                crate::sim::sort::sort_by_key(&mut hits, |r| (r.stamp, r.id));
                let more = hits.len() > limit;
                hits.truncate(limit);
                let next = hits.last().map_or(after, |r| r.stamp);
                (hits, next, more)
            }
            Query::Log { after } => {
                let log = if side == Side::Source {
                    &self.log
                } else {
                    &self.wh_log
                };
                let from = (after as usize).min(log.len());
                let to = (from + limit).min(log.len());
                (log[from..to].to_vec(), to as i64, to < log.len())
            }
            Query::Changed { after } => {
                let log = if side == Side::Source {
                    &self.log
                } else {
                    &self.wh_log
                };
                let from = (after as usize).min(log.len());
                let to = (from + limit).min(log.len());
                let mut changed: VecMap<u16, RowImage> = VecMap::new();
                for e in &log[from..to] {
                    if e.origin == side {
                        changed.insert(e.id, rows[(e.id - 1) as usize].image(e.id));
                    }
                }
                (changed.into_values().collect(), to as i64, to < log.len())
            }
        }
    }

    /// A store writes rows sent by the job.
    fn apply_rows(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        side: Side,
        rows: &[RowImage],
        seen: u64,
    ) -> u16 {
        let now = ctx.now();
        let mut n = 0;
        for img in rows {
            let i = (img.id - 1) as usize;
            let local = if side == Side::Source {
                &self.src[i]
            } else {
                &self.wh[i]
            };
            let mut img = img.clone();
            let mut local_merge = false;
            if self.two_way
                && local.local_lsn > seen
                && local.origin == side
                && local.balance != img.balance
            {
                // A local change the job has not seen yet: a conflict found on write.
                let mine = local.image(img.id);
                if self.siblings {
                    img = self.merge(ctx, &img, &mine);
                    local_merge = true;
                } else {
                    let (win, lose) = if mine.stamp >= img.stamp {
                        (mine.clone(), img.clone())
                    } else {
                        (img.clone(), mine.clone())
                    };
                    self.record_loss(ctx, img.id, &win, &lose);
                    if win == mine {
                        continue;
                    }
                }
            }
            n += 1;
            let row = if side == Side::Source {
                &mut self.src[i]
            } else {
                &mut self.wh[i]
            };
            row.balance = img.balance;
            row.stamp = img.stamp;
            row.origin = img.origin;
            row.siblings = img.siblings.clone();
            let what = if side == Side::Source {
                row.version += 1;
                self.history[i].push(now);
                self.log.push(RowImage {
                    version: row.version,
                    ..img.clone()
                });
                row.last_entry = self.log.len() as u64;
                if img.origin == Side::Source {
                    row.last_own = row.last_entry;
                }
                format!(
                    "account {} = {} (synced from the warehouse)",
                    img.id,
                    row.shown()
                )
            } else {
                if img.origin == Side::Source {
                    row.version = img.version;
                }
                format!(
                    "account {} = {} (synced, source v{})",
                    img.id,
                    row.shown(),
                    row.version
                )
            };
            let ev = ctx.write(what);
            if local_merge {
                // The merge is a local change the other side must learn about too.
                let log = if side == Side::Source {
                    &mut self.log
                } else {
                    &mut self.wh_log
                };
                if side == Side::Warehouse {
                    log.push(RowImage {
                        origin: side,
                        ..img.clone()
                    });
                } else if let Some(last) = log.last_mut() {
                    last.origin = side;
                }
                let lsn = log.len() as u64;
                let row = if side == Side::Source {
                    &mut self.src[i]
                } else {
                    &mut self.wh[i]
                };
                row.origin = side;
                row.local_lsn = lsn;
                row.last_entry = lsn;
                row.last_own = lsn;
            }
            let row = if side == Side::Source {
                &mut self.src[i]
            } else {
                &mut self.wh[i]
            };
            row.event = Some(ev);
            self.touch(i, now);
        }
        n
    }

    fn merge(&mut self, ctx: &mut Ctx<'_, AnyMsg>, a: &RowImage, b: &RowImage) -> RowImage {
        let mut all: Vec<i64> = a
            .siblings
            .iter()
            .chain(b.siblings.iter())
            .copied()
            .collect();
        all.push(a.balance);
        all.push(b.balance);
        crate::sim::sort::sort_by(&mut all, i64::cmp);
        all.dedup();
        let (s, w) = if a.origin == Side::Source {
            (a, b)
        } else {
            (b, a)
        };
        ctx.note(format!(
            "conflict on account {}: the source has ${} and the warehouse ${}; both kept as siblings for a person to resolve",
            a.id, s.balance, w.balance
        ));
        RowImage {
            id: a.id,
            balance: s.balance,
            stamp: a.stamp.max(b.stamp),
            version: s.version,
            origin: Side::Source,
            siblings: all,
        }
    }

    fn record_loss(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: u16, win: &RowImage, lose: &RowImage) {
        let text = format!(
            "account {id}: the {}'s update to ${} (updated_at {}) was overwritten by the {}'s ${} (updated_at {}), last writer wins",
            lose.origin.name(),
            lose.balance,
            stamp_text(lose.stamp),
            win.origin.name(),
            win.balance,
            stamp_text(win.stamp)
        );
        let event = ctx.note(format!(
            "conflict: {text}; the update to ${} is lost",
            lose.balance
        ));
        let i = (id - 1) as usize;
        let (change, how) = match lose.origin {
            Side::Warehouse => (self.wh[i].last_own, LWW_WAREHOUSE),
            Side::Source => (self.src[i].last_own, LWW_SOURCE),
        };
        let when = Moment {
            at: ctx.now(),
            event,
        };
        match &mut self.overwritten[i] {
            Some((_, more)) => *more += 1,
            slot => {
                *slot = Some((
                    Loss {
                        id: change,
                        how,
                        when,
                    },
                    0,
                ))
            }
        }
        self.lost_count += 1;
        if self.lost.is_none() {
            self.lost = Some(text);
        }
    }

    /// Two-way: pages from both sides are in; decide what goes where.
    fn reconcile(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        wh_page: Vec<RowImage>,
    ) -> (Vec<RowImage>, Vec<RowImage>) {
        let src_page = self
            .run
            .as_mut()
            .map(|r| std::mem::take(&mut r.src_page))
            .unwrap_or_default();
        let mut from_wh: VecMap<u16, RowImage> = wh_page.into_iter().map(|r| (r.id, r)).collect();
        let (mut to_wh, mut to_src) = (Vec::new(), Vec::new());
        for s in src_page {
            match from_wh.remove(&s.id) {
                Some(w) if w.balance != s.balance || w.siblings != s.siblings => {
                    if self.siblings {
                        let m = self.merge(ctx, &s, &w);
                        to_wh.push(m.clone());
                        to_src.push(m);
                    } else if w.stamp > s.stamp {
                        self.record_loss(ctx, s.id, &w, &s);
                        to_src.push(w);
                    } else {
                        self.record_loss(ctx, s.id, &s, &w);
                        to_wh.push(s);
                    }
                }
                Some(_) => {}
                None => to_wh.push(s),
            }
        }
        to_src.extend(from_wh.into_values());
        (to_wh, to_src)
    }

    fn batch_done(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.as_mut() else { return };
        // Both stores answered: the job is no longer failing.
        self.failing = None;
        let p = &mut run.p;
        match (p.two_way, p.strategy) {
            (true, _) => {
                p.lsn = run.next as u64;
                p.wlsn = run.wnext;
            }
            (_, FULL_COPY) => p.id = run.next as u16,
            (_, WATERMARK) => p.stamp = run.next,
            _ => p.lsn = run.next as u64,
        }
        let more = run.more;
        if self.checkpoint_on {
            let cp = run.p.clone();
            let where_ = match (cp.two_way, cp.strategy) {
                (true, _) => format!("source log #{}, warehouse log #{}", cp.lsn, cp.wlsn),
                (_, FULL_COPY) => format!("account {}", cp.id),
                (_, WATERMARK) => format!("updated_at {}", stamp_text(cp.stamp)),
                _ => format!("log #{}", cp.lsn),
            };
            self.checkpoint = Some(cp.clone());
            if more {
                self.job_write(
                    ctx,
                    format!("checkpoint: run #{} done up to {where_}", cp.number),
                );
            }
        }
        if more {
            self.fetch(ctx);
        } else {
            self.finish_run(ctx);
        }
    }

    fn finish_run(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.take() else { return };
        ctx.act_as(JOB);
        if let Some(t) = run.timeout {
            ctx.cancel_timer(t);
        }
        let now = ctx.now();
        let p = run.p;
        match (p.two_way, p.strategy) {
            (true, _) => {
                self.committed_lsn = p.lsn;
                self.committed_wlsn = p.wlsn;
            }
            (_, WATERMARK) => self.committed_stamp = p.upto,
            (_, CHANGE_LOG) => self.committed_lsn = p.lsn,
            _ => {}
        }
        self.checkpoint = None;
        self.failing = None;
        self.runs += 1;
        self.last_sync_at = Some(now);
        self.longest_run = self.longest_run.max(now - run.began);
        if !p.two_way {
            for a in 1..=ACCOUNTS {
                if let Some(t) = self.lag_of(a) {
                    if t < p.started_at {
                        self.missed.entry(a).or_insert((t, p.number));
                    }
                }
            }
        }
        let after = match (p.two_way, p.strategy) {
            (true, _) => format!(
                "; cursors now source log #{}, warehouse log #{}",
                p.lsn, p.wlsn
            ),
            (_, WATERMARK) => format!("; watermark now {}", stamp_text(p.upto)),
            (_, CHANGE_LOG) => format!("; cursor now log #{}", p.lsn),
            _ => String::new(),
        };
        self.job_write(
            ctx,
            format!(
                "run #{} finished: {} rows written in {}{after}",
                p.number,
                run.copied,
                fmt_secs(now - run.began)
            ),
        );
    }

    fn abort_run(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.take() else { return };
        let (who, node) = match run.phase {
            Phase::FetchSource | Phase::ApplySource => ("the source", SOURCE),
            _ => ("the warehouse", WAREHOUSE),
        };
        if self.failing.is_none() {
            self.failing = Some((ctx.now(), node));
        }
        self.run_ended();
        let then = if self.checkpoint_on && self.checkpoint.is_some() {
            "it resumes from its checkpoint at the next interval"
        } else {
            "it starts over at the next interval"
        };
        ctx.note(format!(
            "{who} did not answer within {}; run #{} aborted, {then}",
            fmt_secs(REQUEST_TIMEOUT),
            run.p.number
        ));
    }

    fn on_job_message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: SyncMsg) {
        let epoch = match &msg {
            SyncMsg::Page { epoch, .. } | SyncMsg::Applied { epoch, .. } => *epoch,
            _ => return,
        };
        let Some(run) = self.run.as_mut() else {
            ctx.note("a reply for a run that is no longer going, ignored");
            return;
        };
        if run.epoch != epoch {
            ctx.note("a reply for an earlier, aborted run, ignored");
            return;
        }
        let two_way = run.p.two_way;
        match (msg, from, run.phase) {
            (
                SyncMsg::Page {
                    rows, next, more, ..
                },
                SOURCE,
                Phase::FetchSource,
            ) => {
                run.next = next;
                run.more = more;
                if two_way {
                    run.src_page = rows;
                    let fetch = SyncMsg::Fetch {
                        epoch,
                        query: Query::Changed { after: run.p.wlsn },
                        limit: self.batch,
                    };
                    self.request(ctx, WAREHOUSE, fetch, Phase::FetchWarehouse);
                } else if rows.is_empty() {
                    self.batch_done(ctx);
                } else {
                    // A copy of a row that came from the warehouse (two-way
                    // before) keeps the warehouse's version.
                    run.applying = rows
                        .iter()
                        .filter(|r| r.origin == Side::Source)
                        .map(|r| (r.id, r.version))
                        .collect();
                    let apply = SyncMsg::Apply {
                        epoch,
                        rows,
                        seen: 0,
                    };
                    self.request(ctx, WAREHOUSE, apply, Phase::ApplyWarehouse);
                }
            }
            (
                SyncMsg::Page {
                    rows, next, more, ..
                },
                WAREHOUSE,
                Phase::FetchWarehouse,
            ) => {
                run.wnext = next as u64;
                run.more |= more;
                let (to_wh, to_src) = self.reconcile(ctx, rows);
                let run = self.run.as_mut().expect("checked above");
                run.to_source = to_src;
                if !to_wh.is_empty() {
                    let apply = SyncMsg::Apply {
                        epoch,
                        rows: to_wh,
                        seen: run.wnext,
                    };
                    self.request(ctx, WAREHOUSE, apply, Phase::ApplyWarehouse);
                } else {
                    self.push_to_source(ctx);
                }
            }
            (SyncMsg::Applied { count, .. }, WAREHOUSE, Phase::ApplyWarehouse) => {
                run.copied += count as u64;
                self.rows_copied += count as u64;
                if two_way {
                    self.push_to_source(ctx);
                } else {
                    self.batch_done(ctx);
                }
            }
            (SyncMsg::Applied { count, .. }, SOURCE, Phase::ApplySource) => {
                run.copied += count as u64;
                self.rows_copied += count as u64;
                self.batch_done(ctx);
            }
            _ => {
                ctx.note("an unexpected reply, ignored");
            }
        }
    }

    fn push_to_source(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.as_mut() else { return };
        let rows = std::mem::take(&mut run.to_source);
        if rows.is_empty() {
            self.batch_done(ctx);
            return;
        }
        let apply = SyncMsg::Apply {
            epoch: run.epoch,
            rows,
            seen: run.next as u64,
        };
        self.request(ctx, SOURCE, apply, Phase::ApplySource);
    }
}

/// Where the warehouse's missing copy of an account is, as far as the
/// scenario's own state tells (the messages on links refine it in
/// [`BackgroundSync::standing`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Fate {
    /// The warehouse has it.
    Fresh,
    /// In the batch the job is writing to the warehouse now.
    Applying,
    /// The run in progress (or the one resuming its checkpoint) will copy it.
    Running,
    /// A later run will copy it.
    NextRun,
    /// No run will copy it.
    Nowhere,
}

/// The run that goes on next: the one in progress, or the checkpoint a
/// restarted or retried job resumes.
struct Ahead<'a> {
    p: &'a Progress,
    phase: Phase,
    next: i64,
    wnext: u64,
    more: bool,
    applying: &'a [(u16, u32)],
}

/// Why [`BackgroundSync::reckon`] is called, for the words of a loss.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Cause {
    /// The job received a page of rows.
    Page,
    /// Anything else.
    Other,
}

impl BackgroundSync {
    /// The run that goes on next: the one in progress (unless `doomed`:
    /// its request or reply was lost, so it will time out), else the
    /// checkpoint the next run resumes.
    fn ahead(&self, doomed: bool) -> Option<Ahead<'_>> {
        if let Some(r) = self.run.as_ref().filter(|_| !doomed) {
            return Some(Ahead {
                p: &r.p,
                phase: r.phase,
                next: r.next,
                wnext: r.wnext,
                more: r.more,
                applying: &r.applying,
            });
        }
        match &self.checkpoint {
            Some(cp) if self.checkpoint_on => Some(Ahead {
                p: cp,
                phase: Phase::FetchSource,
                next: 0,
                wnext: 0,
                more: true,
                applying: &[],
            }),
            _ => None,
        }
    }

    /// For every account the warehouse lacks (or holds wrong), whether and
    /// how a run will bring it: the run in progress (or the checkpoint a
    /// restart resumes), then the runs after it, from the cursors that run
    /// leaves. From the scenario's state alone, O(accounts); `doomed` says
    /// the run in progress will time out (see [`BackgroundSync::ahead`]).
    fn fates(&self, doomed: bool) -> [Fate; ACCOUNTS as usize] {
        let mut out = [Fate::Fresh; ACCOUNTS as usize];
        // Where the runs after the pending one start reading.
        let (mut f_stamp, mut f_lsn, mut f_wlsn) = (
            self.committed_stamp,
            self.committed_lsn,
            self.committed_wlsn,
        );
        let mut running = [false; ACCOUNTS as usize];
        let mut applying = [false; ACCOUNTS as usize];
        if let Some(r) = self.ahead(doomed) {
            let apply_phase = matches!(r.phase, Phase::ApplyWarehouse | Phase::ApplySource);
            let goes_on = !apply_phase || r.more;
            if r.p.two_way {
                // Until the batch is done, every change after the batch's
                // start is this run's; after its last batch, the rest is
                // the next run's.
                let (lsn_hi, wlsn_hi) = if goes_on {
                    (u64::MAX, u64::MAX)
                } else {
                    (r.next.max(0) as u64, r.wnext)
                };
                for (run, (s, w)) in running.iter_mut().zip(self.src.iter().zip(&self.wh)) {
                    let (s, w) = (s.last_own, w.last_own);
                    *run = (s > r.p.lsn && s <= lsn_hi) || (w > r.p.wlsn && w <= wlsn_hi);
                }
                if !goes_on {
                    f_lsn = r.next.max(0) as u64;
                    f_wlsn = r.wnext;
                } else {
                    f_lsn = r.p.lsn;
                    f_wlsn = r.p.wlsn;
                }
            } else {
                let lo: i64 = match (r.p.strategy, apply_phase) {
                    (_, true) => r.next,
                    (FULL_COPY, false) => r.p.id as i64,
                    (WATERMARK, false) => r.p.stamp,
                    (_, false) => r.p.lsn as i64,
                };
                for i in 0..ACCOUNTS as usize {
                    let s = &self.src[i];
                    if apply_phase && r.applying.contains(&(i as u16 + 1, s.version)) {
                        applying[i] = true;
                    } else if goes_on && self.copyable(i) {
                        running[i] = match r.p.strategy {
                            FULL_COPY => i as i64 + 1 > lo,
                            WATERMARK => s.stamp > lo && s.stamp <= r.p.upto,
                            _ => s.last_entry as i64 > lo,
                        };
                    }
                }
                match r.p.strategy {
                    WATERMARK => f_stamp = r.p.upto,
                    FULL_COPY => {}
                    _ => f_lsn = lo.max(0) as u64,
                }
            }
        }
        for i in 0..ACCOUNTS as usize {
            if !self.stale(i as u16 + 1) {
                continue;
            }
            let (s, w) = (&self.src[i], &self.wh[i]);
            let later = if self.two_way {
                s.last_own > f_lsn || w.last_own > f_wlsn
            } else if !self.copyable(i) {
                false
            } else {
                match self.strategy {
                    FULL_COPY => true,
                    WATERMARK => s.stamp > f_stamp,
                    _ => s.last_entry > f_lsn,
                }
            };
            out[i] = if applying[i] {
                Fate::Applying
            } else if running[i] {
                Fate::Running
            } else if later {
                Fate::NextRun
            } else {
                Fate::Nowhere
            };
        }
        out
    }

    /// True when the run in progress waits for `msg` going `from → to`
    /// (its request, or the reply to it): what the job would act on.
    fn awaited(&self, from: NodeId, to: NodeId, msg: &SyncMsg) -> bool {
        let Some(run) = &self.run else { return false };
        let (epoch, request) = match msg {
            SyncMsg::Fetch { epoch, .. } | SyncMsg::Apply { epoch, .. } => (*epoch, true),
            SyncMsg::Page { epoch, .. } | SyncMsg::Applied { epoch, .. } => (*epoch, false),
        };
        let store = if request { to } else { from };
        let (fetch, at) = match run.phase {
            Phase::FetchSource => (true, SOURCE),
            Phase::FetchWarehouse => (true, WAREHOUSE),
            Phase::ApplyWarehouse => (false, WAREHOUSE),
            Phase::ApplySource => (false, SOURCE),
        };
        let kind = matches!(msg, SyncMsg::Fetch { .. } | SyncMsg::Page { .. });
        epoch == run.epoch
            && kind == fetch
            && store == at
            && (if request { from } else { to }) == JOB
    }

    /// One-way: true when copying the source's row `i` makes the warehouse's
    /// equal to it. A row the source took from the warehouse (two-way sync
    /// before) keeps the warehouse's older source version.
    fn copyable(&self, i: usize) -> bool {
        self.src[i].origin == Side::Source || self.wh[i].version == self.src[i].version
    }

    /// True when the runs ahead read by `updated_at` (so a lost change was
    /// skipped by the watermark).
    fn by_watermark(&self) -> bool {
        !self.two_way
            && (self.strategy == WATERMARK
                || self
                    .ahead(false)
                    .is_some_and(|r| !r.p.two_way && r.p.strategy == WATERMARK))
    }

    /// Bookkeeping after every handler: an account that no run will bring
    /// any more gets a [`Loss`] naming the event that lost it (the write
    /// that made it, when the handler wrote the row; else the event being
    /// handled); one that something will copy again loses its record.
    fn reckon(&mut self, at: Moment, cause: Cause) {
        let fates = self.fates(false);
        self.fated = fates;
        for (i, fate) in fates.into_iter().enumerate() {
            if fate != Fate::Nowhere {
                self.skipped[i] = None;
            } else if self.skipped[i].is_none() {
                self.skipped[i] = Some(self.loss_of(i, at, cause));
            }
        }
        // A run that lost a request or a reply will time out (unless a
        // duplicate of it still arrives, which the meter sees on the
        // links): then what counts is where the next run starts. Keep the
        // losses of that future apart, from the moment it began.
        if self.run.as_ref().is_some_and(|r| r.lost_at.is_some()) {
            let fates = self.fates(true);
            for (i, fate) in fates.into_iter().enumerate() {
                if fate != Fate::Nowhere {
                    self.skipped_doomed[i] = None;
                } else if self.skipped_doomed[i].is_none() {
                    self.skipped_doomed[i] = Some(self.loss_of(i, at, cause));
                }
            }
        } else {
            self.skipped_doomed = [None; ACCOUNTS as usize];
        }
    }

    /// The run in progress is gone (aborted or crashed): if it had lost a
    /// message, the losses foreseen since then are the real ones.
    fn run_ended(&mut self) {
        for i in 0..ACCOUNTS as usize {
            if self.skipped[i].is_none() {
                self.skipped[i] = self.skipped_doomed[i];
            }
        }
        self.skipped_doomed = [None; ACCOUNTS as usize];
    }

    /// The loss of account `i + 1`'s change, found while handling `at`:
    /// named after the row's write in that handler if there was one (a
    /// late copy overwriting the warehouse, a source edit stamped behind
    /// the watermark), else after `at`.
    fn loss_of(&self, i: usize, at: Moment, cause: Cause) -> Loss {
        let now = |e: Option<EventId>| e.filter(|&e| e > at.event);
        let (s, w) = (&self.src[i], &self.wh[i]);
        let page_end = self.run.as_ref().map(|r| r.next);
        let (how, id, event) = if let Some(e) = now(w.event) {
            (OVERWRITTEN_LATE, s.last_entry, e)
        } else if let Some(e) = now(s.event).filter(|_| s.origin != Side::Source) {
            (OVERWRITTEN_SOURCE, s.last_entry, e)
        } else if !self.two_way && !self.copyable(i) {
            (KEPT_VERSION, s.last_entry, at.event)
        } else if !self.two_way && w.origin == Side::Warehouse {
            (ORPHANED, w.last_own, at.event)
        } else if self.by_watermark() {
            match now(s.event) {
                Some(e) => (SKIPPED_BEHIND, s.last_entry, e),
                None if cause == Cause::Page && page_end == Some(s.stamp) => {
                    (SKIPPED_TIE, s.last_entry, at.event)
                }
                None => (SKIPPED_BEHIND, s.last_entry, at.event),
            }
        } else {
            (PASSED, s.last_entry, now(s.event).unwrap_or(at.event))
        };
        Loss {
            id,
            how,
            when: Moment { at: at.at, event },
        }
    }

    /// [`BackgroundSync::reckon`] at the end of a handler.
    fn reckon_now(&mut self, ctx: &Ctx<'_, AnyMsg>, cause: Cause) {
        let at = Moment {
            at: ctx.now(),
            event: ctx.cause().unwrap_or(EventId(0)),
        };
        self.reckon(at, cause);
    }

    /// True when `img`, written at `to` by a write that saw `to`'s log up
    /// to `seen`, would make account `img.id` equal on both sides (it
    /// carries what the other side holds now, and lands without a
    /// conflict).
    fn fixes(&self, to: NodeId, img: &RowImage, seen: u64) -> bool {
        let Some(i) = (img.id as usize)
            .checked_sub(1)
            .filter(|&i| i < ACCOUNTS as usize)
        else {
            return false;
        };
        let (side, local, truth) = if to == WAREHOUSE {
            (Side::Warehouse, &self.wh[i], &self.src[i])
        } else {
            (Side::Source, &self.src[i], &self.wh[i])
        };
        let conflict = self.two_way
            && local.local_lsn > seen
            && local.origin == side
            && local.balance != img.balance;
        // One-way, the warehouse takes the source's version only from a
        // row the source wrote itself, and a write to the source gives it
        // a version the warehouse lacks.
        let versions = self.two_way
            || (to == WAREHOUSE
                && match img.origin {
                    Side::Source => img.version,
                    Side::Warehouse => local.version,
                } == truth.version);
        !conflict && versions && img.balance == truth.balance && img.siblings == truth.siblings
    }

    /// The warehouse's standing: diverged when a change is lost (skipped by
    /// the watermark, overwritten late, thrown away by last-writer-wins);
    /// else where every missing change is (in a write on a link, in the
    /// run in progress, in the change log for the next run, being retried
    /// after aborted runs) and, when they cannot move, what they wait on
    /// (the job or a store down, a link cut or held, runs failing for
    /// longer than the settle time).
    pub(crate) fn standing(&self, env: &Env<'_, AnyMsg>) -> Standing {
        let lww = self.overwritten.iter().any(Option::is_some);
        if !lww && self.fated.iter().all(|&f| f == Fate::Fresh) {
            return Standing::Converged;
        }
        // One pass over the messages on links: is the run's request or
        // reply still on its way, and which accounts ride in a write.
        let mut alive = false;
        let mut riding = [None; ACCOUNTS as usize];
        for (f, place, msg) in env.flights() {
            // (A message the network will lose still counts: the meter
            // tells the present, not what the dice hold.)
            let Some(m) = msg.and_then(SyncMsg::from_any) else {
                continue;
            };
            if let SyncMsg::Apply { rows, seen, .. } = m {
                for img in rows {
                    if self.fixes(f.to, img, *seen) {
                        let slot = &mut riding[(img.id - 1) as usize];
                        if *slot != Some(Place::InFlight) {
                            *slot = Some(place);
                        }
                    }
                }
            }
            alive |= self.awaited(f.from, f.to, m);
        }
        let doomed = self.run.is_some() && !alive;
        // A doomed run will abort: what counts is where the next one starts.
        let fates = if doomed { self.fates(true) } else { self.fated };
        let mut w = Whereabouts::new();
        let mut first: Option<Loss> = None;
        let mut count = 0u32;
        let mut lose = |l: Loss, n: u32| {
            count += 1 + n;
            if first.is_none_or(|f| (l.when.event, l.id) < (f.when.event, f.id)) {
                first = Some(l);
            }
        };
        for (i, fate) in fates.into_iter().enumerate() {
            if let Some((l, n)) = self.overwritten[i] {
                lose(l, n);
            }
            if fate == Fate::Fresh {
                continue;
            }
            if let Some(place) = riding[i] {
                w.add(place, 1);
                continue;
            }
            let place = match fate {
                Fate::Fresh => continue,
                Fate::Applying => Place::Retrying,
                Fate::Running if doomed => Place::Retrying,
                Fate::Running => Place::Running,
                Fate::NextRun if self.failing.is_some() => Place::Retrying,
                Fate::NextRun => Place::ChangeLog,
                Fate::Nowhere => match if doomed {
                    self.skipped_doomed[i]
                } else {
                    self.skipped[i]
                } {
                    Some(l) => {
                        lose(l, 0);
                        continue;
                    }
                    None => {
                        debug_assert!(
                            false,
                            "account {} lost without a record (doomed {doomed}, alive fate {:?}, run {:?}, cp {:?}, strategy {}, two-way {})",
                            i + 1,
                            self.fates(false)[i],
                            self.run.as_ref().map(|r| (&r.p, r.phase, r.next, r.more)),
                            self.checkpoint,
                            self.strategy,
                            self.two_way
                        );
                        Place::ChangeLog
                    }
                },
            };
            w.add(place, 1);
        }
        if let Some(loss) = first {
            return Standing::Diverged {
                loss,
                more: count - 1,
            };
        }
        if w.is_empty() {
            return Standing::Converged;
        }
        let warehouse_side = env
            .blocker(JOB, WAREHOUSE)
            .or_else(|| env.blocker(WAREHOUSE, JOB));
        let source_side = || {
            env.blocker(JOB, SOURCE)
                .or_else(|| env.blocker(SOURCE, JOB))
        };
        let failing = self
            .failing
            .filter(|&(since, _)| env.now.saturating_sub(since) > self.settle_time())
            .map(|(since, node)| Blocker::Failing { node, since });
        let moving = w.at(Place::InFlight) > 0;
        let blocker = warehouse_side
            .or_else(|| if moving { None } else { source_side() })
            .or(failing);
        Standing::behind(w, blocker)
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
        match (ctx.node(), tag) {
            (SOURCE, TAG_WRITE) => {
                if ctx.rng().below(10) < 7 {
                    self.random_edit(ctx);
                } else {
                    self.transfer(ctx);
                }
            }
            (WAREHOUSE, TAG_WRITE) => {
                let i = ctx.rng().below(ACCOUNTS as u64) as usize;
                let delta = ctx.rng().between(1, 30) as i64;
                let b = self.wh[i].balance - delta;
                self.warehouse_write(ctx, i, b);
            }
            (JOB, TAG_TICK) => match &self.run {
                Some(r) => {
                    ctx.note(format!(
                        "run #{} is still going; this tick is skipped",
                        r.p.number
                    ));
                }
                None => self.start_run(ctx),
            },
            (JOB, TAG_TIMEOUT) if self.run.as_ref().is_some_and(|r| r.timeout == Some(timer)) => {
                self.abort_run(ctx);
            }
            _ => {}
        }
    }

    fn restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let node = ctx.node();
        self.arm(ctx, node);
        if node == JOB {
            if !self.checkpoint_on || self.checkpoint.is_none() {
                ctx.note(
                    "the job lost its place in the run; it starts over from the last finished run",
                );
            }
            self.start_run(ctx);
        }
    }

    fn toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        match id {
            "checkpoint" => {
                self.checkpoint_on = on;
                if !on {
                    self.checkpoint = None;
                }
            }
            "two_way" => {
                self.two_way = on;
                self.arm(ctx, WAREHOUSE);
                for i in 0..ACCOUNTS as usize {
                    self.touch(i, ctx.now());
                }
            }
            "siblings" => self.siblings = on,
            "workload" => {
                self.workload = on;
                self.arm(ctx, SOURCE);
                self.arm(ctx, WAREHOUSE);
            }
            _ => {}
        }
    }

    fn set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        match id {
            "strategy" => {
                self.strategy = value;
                if value == WATERMARK {
                    // Start the watermark at the last finished run.
                    self.committed_stamp = self.last_sync_at.map_or(0, |t| t as i64);
                }
            }
            "interval" => {
                self.interval = value as Time;
                self.arm(ctx, JOB);
            }
            "batch" => self.batch = value as u16,
            "skew" => self.skew = value,
            "write_every" => {
                self.write_every = value as Time;
                self.arm(ctx, SOURCE);
                self.arm(ctx, WAREHOUSE);
            }
            _ => {}
        }
    }

    fn action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        let need = if id == "sync_now" { JOB } else { SOURCE };
        if !ctx.is_up(need) {
            ctx.note("that service is down");
            return;
        }
        match id {
            "write" => self.random_edit(ctx),
            "transfer" => self.transfer(ctx),
            "concurrent" => {
                if !self.two_way {
                    ctx.note(
                        "with one-way sync the warehouse is read-only; turn on two-way sync first",
                    );
                    return;
                }
                let stamp = self.source_clock(ctx.now());
                let b = self.src[2].balance + 20;
                self.source_write(ctx, 2, b, stamp, "edited at the source");
                if ctx.is_up(WAREHOUSE) {
                    let b = self.wh[2].balance - 30;
                    self.warehouse_write(ctx, 2, b);
                }
            }
            "sync_now" if self.run.is_none() => self.start_run(ctx),
            "resolve" => {
                let stamp = self.source_clock(ctx.now());
                for i in 0..ACCOUNTS as usize {
                    if let Some(&max) = self.src[i].siblings.iter().max() {
                        self.source_write(
                            ctx,
                            i,
                            max,
                            stamp,
                            "conflict resolved by a person, keeping the larger balance",
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

impl Scenario for BackgroundSync {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "background-sync",
            title: "Background sync: a source and its warehouse",
            toggles: vec![
                ToggleSpec {
                    id: "checkpoint",
                    label: "Checkpoint each batch",
                    help: "The job saves its position after each batch and resumes from it after a crash or an aborted run. Off: it starts the run over.",
                    default: true,
                },
                ToggleSpec {
                    id: "two_way",
                    label: "Two-way sync",
                    help: "The warehouse takes writes too and the job copies both ways (reading both sides' change logs, whatever the strategy).",
                    default: false,
                },
                ToggleSpec {
                    id: "siblings",
                    label: "Keep conflicting versions",
                    help: "Two-way: when both sides changed a row, keep both versions as siblings for a person to resolve. Off: last writer wins.",
                    default: false,
                },
                ToggleSpec {
                    id: "workload",
                    label: "Edits",
                    help: "Accounts are edited at the source (and in the warehouse, with two-way sync). Turn off to let things settle.",
                    default: true,
                },
            ],
            settings: vec![
                SettingSpec {
                    id: "strategy",
                    label: "Strategy",
                    help: "0 full copy, 1 updated_at watermark, 2 change log.",
                    min: 0,
                    max: 2,
                    default: CHANGE_LOG,
                    unit: "",
                },
                SettingSpec {
                    id: "interval",
                    label: "Sync interval",
                    help: "Time between runs of the job.",
                    min: 500,
                    max: 30_000,
                    default: 3_000,
                    unit: " ms",
                },
                SettingSpec {
                    id: "batch",
                    label: "Batch size",
                    help: "Rows the job reads and writes per batch.",
                    min: 1,
                    max: ACCOUNTS as i64,
                    default: 4,
                    unit: " rows",
                },
                SettingSpec {
                    id: "skew",
                    label: "Source clock skew",
                    help: "How far the source's clock is ahead of the job's (negative: behind). It stamps updated_at.",
                    min: -10_000,
                    max: 10_000,
                    default: 0,
                    unit: " ms",
                },
                SettingSpec {
                    id: "write_every",
                    label: "Edit interval",
                    help: "Time between edits at the source.",
                    min: 200,
                    max: 10_000,
                    default: 800,
                    unit: " ms",
                },
            ],
            actions: vec![
                ActionSpec {
                    id: "write",
                    label: "Edit an account",
                    help: "Change one account's balance at the source.",
                },
                ActionSpec {
                    id: "transfer",
                    label: "Transfer",
                    help: "Move money between two accounts: two rows written with the same updated_at.",
                },
                ActionSpec {
                    id: "concurrent",
                    label: "Edit on both sides",
                    help: "Two-way: change account 3 at the source and in the warehouse at the same moment.",
                },
                ActionSpec {
                    id: "sync_now",
                    label: "Sync now",
                    help: "Start a run of the job now.",
                },
                ActionSpec {
                    id: "resolve",
                    label: "Resolve conflicts",
                    help: "A person resolves every row with siblings at the source, keeping the larger balance.",
                },
            ],
            checks: vec![
                CheckSpec {
                    name: "warehouse matches the source",
                    kind: CheckKind::Eventually,
                    help: "Once edits stop, the warehouse holds the same accounts as the source (after as many runs as it takes).",
                },
                CheckSpec {
                    name: "staleness stays within interval + run time",
                    kind: CheckKind::Always,
                    help: "One-way: every run copies each change made before it started, so no row stays stale longer than an interval plus a run.",
                },
                CheckSpec {
                    name: "no update silently lost",
                    kind: CheckKind::Always,
                    help: "Two-way: a conflict never throws away one side's update without a person seeing it.",
                },
            ],
        }
    }

    fn topology(&self) -> Topology {
        Topology {
            nodes: vec![
                NodeSpec {
                    name: "Source",
                    role: NodeRole::Service,
                    x: 150.0,
                    y: 300.0,
                    crashable: true,
                },
                NodeSpec {
                    name: "Sync job",
                    role: NodeRole::Job,
                    x: 500.0,
                    y: 180.0,
                    crashable: true,
                },
                NodeSpec {
                    name: "Warehouse",
                    role: NodeRole::Store,
                    x: 850.0,
                    y: 300.0,
                    crashable: true,
                },
            ],
            edges: vec![(SOURCE, JOB), (JOB, WAREHOUSE)],
            broker: None,
            topics: vec![],
            groups: vec![],
            link: LinkSettings::default(),
        }
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
        let Some(msg) = SyncMsg::from_any(msg) else {
            return String::new();
        };
        match msg {
            SyncMsg::Fetch { query, limit, .. } => match query {
                Query::Full { after_id } => {
                    format!("read {limit} accounts after account {after_id}")
                }
                Query::Watermark { after, upto } => {
                    format!(
                        "read {limit} rows with updated_at after {} up to {}",
                        stamp_text(*after),
                        stamp_text(*upto)
                    )
                }
                Query::Log { after } => format!("read {limit} change-log entries after #{after}"),
                Query::Changed { after } => format!("read rows changed after log #{after}"),
            },
            SyncMsg::Page { rows, more, .. } => {
                format!(
                    "{} rows (accounts {}){}",
                    rows.len(),
                    ids(rows),
                    if *more { ", more to come" } else { "" }
                )
            }
            SyncMsg::Apply { rows, .. } => {
                format!("write {} rows (accounts {})", rows.len(), ids(rows))
            }
            SyncMsg::Applied { count, .. } => format!("{count} rows written"),
        }
    }

    fn views(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        let differing = self.differing();
        vec![ViewStatus {
            name: "Warehouse".into(),
            node: Some(WAREHOUSE),
            differing: differing.len() as u32,
            total: ACCOUNTS as u32,
            unit: "accounts",
            lag_since: differing.iter().filter_map(|&a| self.lag_of(a)).min(),
            noun: CHANGE,
            standing: self.standing(env),
        }]
    }

    fn checks(&self, _env: &Env<'_, AnyMsg>) -> Vec<Option<String>> {
        let differing = self.differing();
        let converge = differing.first().map(|&a| {
            let i = (a - 1) as usize;
            let (s, w) = (&self.src[i], &self.wh[i]);
            let more = if differing.len() > 1 {
                format!(" (and {} more accounts)", differing.len() - 1)
            } else {
                String::new()
            };
            if self.two_way {
                format!(
                    "account {a}: the warehouse has {} but the source has {}{more}",
                    w.shown(),
                    s.shown()
                )
            } else {
                format!(
                    "account {a}: the warehouse has {} (v{}) but the source has {} (v{}){more}",
                    w.shown(),
                    w.version,
                    s.shown(),
                    s.version
                )
            }
        });
        let bounded = if self.two_way {
            None
        } else {
            self.missed.iter().next().map(|(a, (t, run))| {
                format!(
                    "account {a} was written at {}, but run #{run}, which started after it, finished without copying it: it stays stale beyond the {} interval + {} run",
                    fmt_secs(*t),
                    fmt_secs(self.interval),
                    fmt_secs(self.longest_run)
                )
            })
        };
        let lost = self.lost.as_ref().map(|t| {
            if self.lost_count > 1 {
                format!("{t} ({} updates lost so far)", self.lost_count)
            } else {
                t.clone()
            }
        });
        vec![converge, bounded, lost]
    }

    fn tables(&self, _env: &Env<'_, AnyMsg>) -> Vec<Table> {
        let source = Table {
            title: "Source: accounts (source of truth)".into(),
            node: SOURCE,
            columns: vec!["account", "balance", "updated_at", "version"],
            rows: (1..=ACCOUNTS)
                .map(|a| {
                    let r = &self.src[(a - 1) as usize];
                    Row {
                        key: format!("account-{a}"),
                        cells: vec![
                            Cell::new(a.to_string()),
                            Cell::value(r.shown(), false, r.event),
                            Cell::value(stamp_text(r.stamp), false, r.event),
                            Cell::new(format!("v{}", r.version)),
                        ],
                    }
                })
                .collect(),
        };
        let warehouse = Table {
            title: "Warehouse: accounts (replica)".into(),
            node: WAREHOUSE,
            columns: vec!["account", "balance", "updated_at", "source version"],
            rows: (1..=ACCOUNTS)
                .map(|a| {
                    let i = (a - 1) as usize;
                    let r = &self.wh[i];
                    let stale = self.stale(a);
                    Row {
                        key: format!("account-{a}"),
                        cells: vec![
                            Cell::new(a.to_string()),
                            Cell::value(r.shown(), stale, r.event),
                            Cell::value(stamp_text(r.stamp), stale, r.event),
                            Cell::value(
                                format!("v{}", r.version),
                                !self.two_way && r.version != self.src[i].version,
                                r.event,
                            ),
                        ],
                    }
                })
                .collect(),
        };
        let kv = |k: &str, v: String| Row {
            key: k.to_string(),
            cells: vec![Cell::new(k), Cell::value(v, false, self.job_event)],
        };
        let mut rows = vec![
            kv(
                "strategy",
                if self.two_way {
                    "two-way (change logs)".into()
                } else {
                    strategy_name(self.strategy).into()
                },
            ),
            kv("watermark", stamp_text(self.committed_stamp)),
            kv(
                "log cursor",
                format!("#{} of {}", self.committed_lsn, self.log.len()),
            ),
        ];
        if self.two_way {
            rows.push(kv(
                "warehouse log cursor",
                format!("#{} of {}", self.committed_wlsn, self.wh_log.len()),
            ));
        }
        rows.push(kv(
            "checkpoint",
            match &self.checkpoint {
                None => "none".into(),
                Some(cp) => format!(
                    "run #{} at account {} / {} / log #{}",
                    cp.number,
                    cp.id,
                    stamp_text(cp.stamp),
                    cp.lsn
                ),
            },
        ));
        rows.push(kv("runs finished", self.runs.to_string()));
        rows.push(kv(
            "last sync",
            self.last_sync_at.map_or("never".into(), fmt_secs),
        ));
        rows.push(kv("rows written", self.rows_copied.to_string()));
        let job = Table {
            title: "Sync job: state".into(),
            node: JOB,
            columns: vec!["", "value"],
            rows,
        };
        vec![source, job, warehouse]
    }

    fn summary(&self, node: NodeId) -> String {
        match node {
            SOURCE => format!("{} accounts · log #{}", ACCOUNTS, self.log.len()),
            JOB => match (&self.run, self.last_sync_at) {
                (Some(r), _) => format!("run #{} · {} rows", r.p.number, r.copied),
                (None, Some(t)) => format!("last sync at {}", fmt_secs(t)),
                (None, None) => format!("every {}", fmt_secs(self.interval)),
            },
            WAREHOUSE => match self.differing().len() {
                0 => "in sync".into(),
                n => format!("{n} stale accounts"),
            },
            _ => String::new(),
        }
    }

    fn quiet(&self) -> bool {
        !self.workload
    }

    fn settle_time(&self) -> Time {
        2 * self.interval + 5_000
    }
}
