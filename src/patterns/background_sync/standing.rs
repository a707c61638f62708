//! How the warehouse stands: which rows are on their way, which a run
//! will still copy, and which no run will ever copy (and why).

use super::*;

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

/// Where the warehouse's missing copy of an account is, as far as the
/// scenario's own state tells (the messages on links refine it in
/// [`BackgroundSync::standing`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Fate {
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
pub(super) struct Ahead<'a> {
    pub(super) p: &'a Progress,
    pub(super) phase: Phase,
    pub(super) next: i64,
    pub(super) wnext: u64,
    pub(super) more: bool,
    pub(super) applying: &'a [(u16, u32)],
}

/// Why [`BackgroundSync::reckon`] is called, for the words of a loss.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Cause {
    /// The job received a page of rows.
    Page,
    /// Anything else.
    Other,
}

impl BackgroundSync {
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
                            "account {} lost without a record (doomed {doomed}, alive fate {:?}, run {:?}, cp {:?}, strategy {:?}, two-way {})",
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

    /// The run that goes on next: the one in progress (unless `doomed`:
    /// its request or reply was lost, so it will time out), else the
    /// checkpoint the next run resumes.
    pub(super) fn ahead(&self, doomed: bool) -> Option<Ahead<'_>> {
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
    pub(super) fn fates(&self, doomed: bool) -> [Fate; ACCOUNTS as usize] {
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
                    (Strategy::FullCopy, false) => r.p.id as i64,
                    (Strategy::Watermark, false) => r.p.stamp,
                    (Strategy::ChangeLog, false) => r.p.lsn as i64,
                };
                for i in 0..ACCOUNTS as usize {
                    let s = &self.src[i];
                    if apply_phase && r.applying.contains(&(i as u16 + 1, s.version)) {
                        applying[i] = true;
                    } else if goes_on && self.copyable(i) {
                        running[i] = match r.p.strategy {
                            Strategy::FullCopy => i as i64 + 1 > lo,
                            Strategy::Watermark => s.stamp > lo && s.stamp <= r.p.upto,
                            Strategy::ChangeLog => s.last_entry as i64 > lo,
                        };
                    }
                }
                match r.p.strategy {
                    Strategy::Watermark => f_stamp = r.p.upto,
                    Strategy::FullCopy => {}
                    Strategy::ChangeLog => f_lsn = lo.max(0) as u64,
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
                    Strategy::FullCopy => true,
                    Strategy::Watermark => s.stamp > f_stamp,
                    Strategy::ChangeLog => s.last_entry > f_lsn,
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
    pub(super) fn awaited(&self, from: NodeId, to: NodeId, msg: &SyncMsg) -> bool {
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
    pub(super) fn copyable(&self, i: usize) -> bool {
        self.src[i].origin == Side::Source || self.wh[i].version == self.src[i].version
    }

    /// True when the runs ahead read by `updated_at` (so a lost change was
    /// skipped by the watermark).
    pub(super) fn by_watermark(&self) -> bool {
        !self.two_way
            && (self.strategy == Strategy::Watermark
                || self
                    .ahead(false)
                    .is_some_and(|r| !r.p.two_way && r.p.strategy == Strategy::Watermark))
    }

    /// Bookkeeping after every handler: an account that no run will bring
    /// any more gets a [`Loss`] naming the event that lost it (the write
    /// that made it, when the handler wrote the row; else the event being
    /// handled); one that something will copy again loses its record.
    pub(super) fn reckon(&mut self, at: Moment, cause: Cause) {
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
    pub(super) fn run_ended(&mut self) {
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
    pub(super) fn loss_of(&self, i: usize, at: Moment, cause: Cause) -> Loss {
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
    pub(super) fn reckon_now(&mut self, ctx: &Ctx<'_, AnyMsg>, cause: Cause) {
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
    pub(super) fn fixes(&self, to: NodeId, img: &RowImage, seen: u64) -> bool {
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

    pub(super) fn view_statuses(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
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
}
