//! What each side keeps: the accounts at the source and in the
//! warehouse, and the job's run (its phase, progress and checkpoint).

use super::*;

/// An account in one store.
#[derive(Clone, Debug)]
pub(super) struct Account {
    pub(super) balance: i64,
    pub(super) stamp: i64,
    /// Source: its version; warehouse: the source version it reflects.
    pub(super) version: u32,
    pub(super) origin: Side,
    pub(super) siblings: Vec<i64>,
    /// Log position of this side's latest local write.
    pub(super) local_lsn: u64,
    /// Position of this account's latest entry in this side's log.
    pub(super) last_entry: u64,
    /// Position of this account's latest entry in this side's log that
    /// this side made itself (what a two-way run reads as "changed here").
    pub(super) last_own: u64,
    pub(super) event: Option<EventId>,
}

impl Account {
    pub(super) fn image(&self, id: u16) -> RowImage {
        RowImage {
            id,
            balance: self.balance,
            stamp: self.stamp,
            version: self.version,
            origin: self.origin,
            siblings: self.siblings.clone(),
        }
    }

    pub(super) fn same(&self, other: &Account) -> bool {
        // Most rows have no siblings: skip the slice comparison (a call to
        // memcmp) that the meter would otherwise pay per account per event.
        self.balance == other.balance
            && self.siblings.len() == other.siblings.len()
            && (self.siblings.is_empty() || self.siblings == other.siblings)
    }

    pub(super) fn shown(&self) -> String {
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
pub(super) struct Progress {
    pub(super) number: u64,
    pub(super) started_at: Time,
    pub(super) upto: i64,
    pub(super) strategy: Strategy,
    pub(super) two_way: bool,
    pub(super) id: u16,
    pub(super) stamp: i64,
    pub(super) lsn: u64,
    pub(super) wlsn: u64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    FetchSource,
    FetchWarehouse,
    ApplyWarehouse,
    ApplySource,
}

/// A run in progress (volatile: a crash forgets it).
#[derive(Clone, Debug)]
pub(super) struct Run {
    pub(super) p: Progress,
    pub(super) epoch: u64,
    pub(super) began: Time,
    pub(super) phase: Phase,
    pub(super) timeout: Option<TimerId>,
    pub(super) next: i64,
    pub(super) wnext: u64,
    pub(super) more: bool,
    pub(super) src_page: Vec<RowImage>,
    pub(super) to_source: Vec<RowImage>,
    pub(super) copied: u64,
    /// One-way: the accounts and source versions in the batch being
    /// written to the warehouse (bookkeeping for the meter).
    pub(super) applying: Vec<(u16, u32)>,
    /// When the network lost one of this run's requests or replies (it
    /// will time out), for the meter.
    pub(super) lost_at: Option<Moment>,
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

    pub(super) fn source_clock(&self, now: Time) -> i64 {
        now as i64 + self.skew
    }

    pub(super) fn stale(&self, a: u16) -> bool {
        let i = (a - 1) as usize;
        let differ = !self.src[i].same(&self.wh[i]);
        if self.two_way {
            differ
        } else {
            differ || self.wh[i].version != self.src[i].version
        }
    }

    /// When the oldest source write not yet in the warehouse was made.
    pub(super) fn lag_of(&self, a: u16) -> Option<Time> {
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

    pub(super) fn touch(&mut self, i: usize, now: Time) {
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
}
