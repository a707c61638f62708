//! What each side keeps: the write model's accounts, each projection's
//! read model and checkpoint, the client's view, and the fold of the
//! event log the checks compare against.

use super::*;

/// An account in the write model.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    /// Balance.
    pub balance: i64,
    /// Version of the last event that changed it.
    pub version: u64,
    /// The write that set it.
    pub event: Option<EventId>,
}

/// The command side's durable state.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteModel {
    /// Accounts by number.
    pub accounts: VecMap<u8, Account>,
    /// Events accepted so far.
    pub version: u64,
    /// Events not yet confirmed by the log, with when they were last published.
    pub outbox: VecMap<u64, (AccountEvent, Time)>,
    /// Replies to commands already handled (idempotency by command id).
    pub handled: VecMap<u64, Msg>,
    /// Poison records published.
    pub poisons: u64,
    pub(super) timer: Option<TimerId>,
}

/// A read model and the projector that builds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// Balance per account, with the write that set it.
    pub balances: VecMap<u8, (i64, Option<EventId>)>,
    /// Every version at or below this one has been applied.
    pub watermark: u64,
    /// Versions above the watermark already applied.
    pub applied: VecSet<u64>,
    /// Events received and not yet applied (durable: the checkpoint has moved past them).
    pub inbox: Vec<AccountEvent>,
    /// Events applied, duplicates included.
    pub events_applied: u64,
    /// Stopped at a poison event (with stop-on-poison).
    pub stopped: bool,
    /// Rebuilds so far.
    pub rebuilds: u32,
    /// Events applied more than once, by version, with the write that
    /// applied the second copy (cleared by a rebuild, the only repair).
    pub losses: VecMap<u64, Loss>,
    /// Deliveries of events not yet applied that the network lost, by
    /// version, with the drop (the latest): normally the broker sends them
    /// again; one it has moved past is lost for good.
    pub dropped: VecMap<u64, Moment>,
    /// Reads waiting for the model to reach a version (volatile): query id, account, version, asker.
    pub(super) parked: Vec<(u64, u8, u64, NodeId)>,
    pub(super) timer: Option<TimerId>,
}

impl Projection {
    pub(super) fn new() -> Self {
        Projection {
            balances: (1..=ACCOUNTS)
                .map(|a| (a, (OPENING_BALANCE, None)))
                .collect(),
            watermark: 0,
            applied: VecSet::new(),
            inbox: Vec::new(),
            events_applied: 0,
            stopped: false,
            rebuilds: 0,
            losses: VecMap::new(),
            dropped: VecMap::new(),
            parked: Vec::new(),
            timer: None,
        }
    }

    pub(super) fn has(&self, v: u64) -> bool {
        v <= self.watermark || self.applied.contains(&v)
    }

    pub(super) fn mark(&mut self, v: u64) {
        self.applied.insert(v);
        while self.applied.remove(&(self.watermark + 1)) {
            self.watermark += 1;
        }
    }

    pub(super) fn balance(&self, a: u8) -> i64 {
        self.balances.get(&a).map_or(OPENING_BALANCE, |b| b.0)
    }
}

/// What the client shows for one account.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    /// Balance on screen.
    pub balance: i64,
    /// Version of the model it came from (0 before any read).
    pub version: u64,
    /// Shown before the command was confirmed (optimistic UI).
    pub optimistic: bool,
    /// Where it came from, in words.
    pub from: String,
    /// The write that set it.
    pub event: Option<EventId>,
}

/// The client's state (it does not crash).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Client {
    /// Commands sent.
    pub commands: u64,
    /// Queries sent.
    pub queries: u64,
    /// What the client shows per account.
    pub shown: VecMap<u8, Shown>,
    /// The version of the client's own latest accepted write per account.
    pub my_writes: VecMap<u8, u64>,
    /// Commands awaiting a reply: account and optimistic change shown.
    pub pending: VecMap<u64, (u8, i64)>,
    /// Queries awaiting an answer: account, version it must include, read-your-writes on.
    pub asked: VecMap<u64, (u8, u64, bool)>,
    /// Reads that missed the client's own write.
    pub stale_reads: u64,
    /// Reads that included it.
    pub fresh_reads: u64,
    /// Optimistic updates taken back because the command was rejected.
    pub rollbacks: u64,
    /// Rejected commands.
    pub rejected: u64,
    /// The first time the client saw its own write disappear with read-your-writes on.
    pub ryw_violation: Option<String>,
}

/// The fold of the event log, kept up to date incrementally: every
/// distinct event version applied once, poison records skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogFold {
    /// Records of the log already folded.
    pub upto: usize,
    /// Balance per account.
    pub balances: VecMap<u8, i64>,
    /// Versions seen.
    pub versions: VecSet<u64>,
    /// When each version was first appended.
    pub appended_at: VecMap<u64, Time>,
}

impl LogFold {
    pub(super) fn catch_up(&mut self, env: &Env<'_, AnyMsg>) {
        let log = env.logs.partition(ACCOUNT_EVENTS, 0);
        if self.upto > log.len() {
            *self = LogFold::default();
        }
        for rec in &log[self.upto..] {
            if let Some(Msg::Event(e)) = Msg::from_any(&rec.payload) {
                if self.versions.insert(e.version) {
                    *self.balances.entry(e.account).or_insert(OPENING_BALANCE) += e.delta;
                    self.appended_at.insert(e.version, rec.at);
                }
            }
        }
        self.upto = log.len();
    }

    /// The folded balance of an account.
    pub fn balance(&self, a: u8) -> i64 {
        self.balances.get(&a).copied().unwrap_or(OPENING_BALANCE)
    }
}

impl Cqrs {
    /// The fold of the event log as of `env` (updated incrementally).
    pub fn fold(&self, env: &Env<'_, AnyMsg>) -> LogFold {
        let mut f = self.fold.borrow_mut();
        f.catch_up(env);
        f.clone()
    }

    pub(super) fn with_fold<R>(&self, env: &Env<'_, AnyMsg>, f: impl FnOnce(&LogFold) -> R) -> R {
        let mut fold = self.fold.borrow_mut();
        fold.catch_up(env);
        f(&fold)
    }

    /// The projection held by `node`.
    pub fn projection(&self, node: NodeId) -> &Projection {
        if node == LEADERBOARD {
            &self.leaderboard
        } else {
            &self.balances
        }
    }

    pub(super) fn projection_mut(&mut self, node: NodeId) -> &mut Projection {
        if node == LEADERBOARD {
            &mut self.leaderboard
        } else {
            &mut self.balances
        }
    }
}
