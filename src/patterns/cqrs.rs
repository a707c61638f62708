//! CQRS: a write model (bank accounts) validates commands and appends
//! accepted changes as events to an event log (a broker topic); two
//! projectors consume the log and build read models (a balances view and
//! a leaderboard); a query side serves reads from the balances view.
//!
//! The learner sees the lag between the write model's version and each
//! read model's version, and what it does to a client that writes and then
//! reads: without read-your-writes the read can miss the client's own
//! write. Projections can crash and resume from their checkpoint, stop at
//! (or dead-letter) a poison event, and be rebuilt from offset 0.

use super::any::{AnyMsg, Carried};
use crate::sim::broker::{Delivery, TopicSpec};
use crate::sim::scenario::{
    group, ActionSpec, Cell, CheckKind, CheckSpec, NodeRole, NodeSpec, Row, SettingSpec, Table,
    ToggleSpec, ViewStatus,
};
use crate::sim::vecmap::{VecMap, VecSet};
use crate::sim::wire::Wire;
use crate::sim::{
    Blocker, Ctx, Env, EventId, GroupId, LinkSettings, Loss, Moment, NodeId, Noun, Place, Record,
    Scenario, ScenarioInfo, Standing, Time, TimerId, TopicId, Topology, Whereabouts,
};
use serde::Serialize;
use std::cell::RefCell;

/// The simulated client: issues commands, then queries.
pub const CLIENT: NodeId = NodeId(0);
/// The command side: the write model (accounts aggregate).
pub const COMMANDS: NodeId = NodeId(1);
/// The broker, whose `account-events` topic is the event log.
pub const BROKER: NodeId = NodeId(2);
/// The projector that builds the balances view.
pub const BALANCES: NodeId = NodeId(3);
/// The projector that builds the leaderboard.
pub const LEADERBOARD: NodeId = NodeId(4);
/// The query side: serves reads from the balances view.
pub const QUERIES: NodeId = NodeId(5);

/// The event log.
pub const ACCOUNT_EVENTS: TopicId = TopicId(0);
/// The balances projector's consumer group.
pub const BALANCES_GROUP: GroupId = GroupId(0);
/// The leaderboard projector's consumer group.
pub const LEADERBOARD_GROUP: GroupId = GroupId(1);

/// Number of accounts (numbered from 1).
pub const ACCOUNTS: u8 = 6;
/// Every account opens with this balance, in dollars.
pub const OPENING_BALANCE: i64 = 100;
/// How long the write model waits for the log to confirm an event before publishing it again.
pub const REPUBLISH_AFTER: Time = 1_500;

/// What a read model's update is called: an event of the log, numbered by
/// the write-model version it created ("event #7" is v7).
pub const EVENT: Noun = Noun::new("event", "events");

/// How a non-idempotent projector spoils a read model: it applied an event
/// it had already applied (a duplicate in the log, a redelivery, a copy on
/// the wire).
pub const APPLIED_TWICE: &str = "was applied twice: the projector does not skip repeats";

/// How an event can be lost on its way to a projector: its delivery was
/// dropped, and a stale acknowledgement (sent for that offset before a
/// rebuild cleared the read model) moved the group's committed offset past
/// it, so the broker will not send it again.
pub const DROPPED_PAST: &str =
    "was dropped on its way to the projector, and a stale acknowledgement moved the broker past it";

/// An accepted change, as stored in the event log.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountEvent {
    /// Write-model version this event created (1, 2, 3, …).
    pub version: u64,
    /// Account.
    pub account: u8,
    /// Change in dollars (negative for a withdrawal).
    pub delta: i64,
}

/// Where an answer came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Source {
    /// The balances read model.
    ReadModel,
    /// The write model (read-your-writes routed around a lagging read model).
    WriteModel,
}

/// CQRS messages and records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// Command: add money.
    Deposit {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Dollars.
        amount: i64,
    },
    /// Command: take money (rejected when the balance is too low).
    Withdraw {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Dollars.
        amount: i64,
    },
    /// The command was accepted and created `version`.
    Accepted {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Version of the write model after it.
        version: u64,
        /// New balance.
        balance: i64,
    },
    /// The command was rejected.
    Rejected {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Why.
        reason: &'static str,
    },
    /// An event in the log.
    Event(AccountEvent),
    /// A record no projector can read (a "poison pill").
    Poison {
        /// Number of the poison record.
        id: u64,
    },
    /// The client asks the query side for a balance.
    Query {
        /// Query id.
        qid: u64,
        /// Account.
        account: u8,
        /// With read-your-writes: the version the answer must include.
        min_version: Option<u64>,
    },
    /// The query side reads a model.
    Read {
        /// Query id.
        qid: u64,
        /// Account.
        account: u8,
        /// The version the answer must include, if any.
        min_version: Option<u64>,
    },
    /// A balance, with the version of the model it came from.
    Answer {
        /// Query id.
        qid: u64,
        /// Account.
        account: u8,
        /// Balance.
        balance: i64,
        /// Version of the model that answered.
        version: u64,
        /// Which model answered.
        source: Source,
    },
}

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
    timer: Option<TimerId>,
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
    parked: Vec<(u64, u8, u64, NodeId)>,
    timer: Option<TimerId>,
}

impl Projection {
    fn new() -> Self {
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

    fn has(&self, v: u64) -> bool {
        v <= self.watermark || self.applied.contains(&v)
    }

    fn mark(&mut self, v: u64) {
        self.applied.insert(v);
        while self.applied.remove(&(self.watermark + 1)) {
            self.watermark += 1;
        }
    }

    fn balance(&self, a: u8) -> i64 {
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
    fn catch_up(&mut self, env: &Env<'_, AnyMsg>) {
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

/// The CQRS playground: bank accounts with projections.
#[derive(Clone, Debug)]
pub struct Cqrs {
    /// Read-your-writes: queries carry the client's last write version.
    pub read_your_writes: bool,
    /// Optimistic UI: the client shows its change before the command is confirmed.
    pub optimistic_ui: bool,
    /// Projectors ignore events they already applied.
    pub idempotent_projection: bool,
    /// A poison event stops the projection (instead of dead-lettering it).
    pub stop_on_poison: bool,
    /// The client issues a command every interval.
    pub workload: bool,
    /// Time between the client's commands.
    pub command_every: Time,
    /// How long a projector batches events before applying them.
    pub projector_delay: Time,
    /// How long the query side waits for a lagging read model before
    /// reading the write model instead.
    pub ryw_timeout: Time,
    /// The command side.
    pub write: WriteModel,
    /// The balances view.
    pub balances: Projection,
    /// The leaderboard.
    pub leaderboard: Projection,
    /// The client.
    pub client: Client,
    /// Reads the query side is waiting on (volatile): query id → account, version, timer.
    pub waiting: VecMap<u64, (u8, Option<u64>, Option<TimerId>)>,
    /// Fold of the event log (a cache of a pure function of the log).
    fold: RefCell<LogFold>,
    workload_timer: Option<TimerId>,
}

impl Default for Cqrs {
    fn default() -> Self {
        Cqrs {
            read_your_writes: false,
            optimistic_ui: false,
            idempotent_projection: true,
            stop_on_poison: false,
            workload: true,
            command_every: 2_000,
            projector_delay: 1_000,
            ryw_timeout: 2_500,
            write: WriteModel {
                accounts: (1..=ACCOUNTS)
                    .map(|a| {
                        (
                            a,
                            Account {
                                balance: OPENING_BALANCE,
                                version: 0,
                                event: None,
                            },
                        )
                    })
                    .collect(),
                version: 0,
                outbox: VecMap::new(),
                handled: VecMap::new(),
                poisons: 0,
                timer: None,
            },
            balances: Projection::new(),
            leaderboard: Projection::new(),
            client: Client::default(),
            waiting: VecMap::new(),
            fold: RefCell::new(LogFold::default()),
            workload_timer: None,
        }
    }
}

/// What keeps a message already on `from → to` from arriving: the link
/// held, or its receiver down (it would be lost there and sent again
/// later). Its sender being down does not matter any more.
fn on_the_wire(env: &Env<'_, AnyMsg>, from: NodeId, to: NodeId, place: Place) -> Option<Blocker> {
    match place {
        Place::Held => env.blocker(from, to),
        _ => env.down(to),
    }
}

/// The versions a projection lacks, and where each one is found: one pass
/// per place, nearest to the projection first, each version counted once
/// at the nearest place it is in.
struct Locator {
    /// The projection's watermark: every version at or below it is applied.
    base: u64,
    /// Per version above the base: applied, or found somewhere.
    done: Vec<bool>,
    /// Versions lacking and not found yet.
    left: u32,
    /// Where the ones found are.
    at: Whereabouts,
    /// Some update found can move now.
    free: bool,
    /// What blocks the nearest update that cannot move.
    blocker: Option<Blocker>,
}

impl Locator {
    fn new(p: &Projection, top: u64) -> Self {
        let span = top.saturating_sub(p.watermark);
        let mut loc = Locator {
            base: p.watermark,
            done: Vec::new(),
            left: 0,
            at: Whereabouts::new(),
            free: false,
            blocker: None,
        };
        let have = p.applied.range(p.watermark + 1..=top).count() as u64;
        loc.left = span.saturating_sub(have).min(u32::MAX as u64) as u32;
        if loc.left > 0 {
            loc.done = vec![false; span as usize];
            for v in p.applied.range(p.watermark + 1..=top) {
                loc.done[(v - p.watermark - 1) as usize] = true;
            }
        }
        loc
    }

    /// Version `v` is at `place`, held up by `blocker` if any.
    fn put(&mut self, v: u64, place: Place, blocker: Option<Blocker>) {
        if v <= self.base {
            return;
        }
        let Some(slot) = self.done.get_mut((v - self.base - 1) as usize) else {
            return;
        };
        if *slot {
            return;
        }
        *slot = true;
        self.left -= 1;
        self.at.add(place, 1);
        match blocker {
            None => self.free = true,
            Some(b) => {
                self.blocker.get_or_insert(b);
            }
        }
    }

    /// True when `v` is lacking and was found nowhere.
    fn is_unlocated(&self, v: u64) -> bool {
        v > self.base
            && self
                .done
                .get((v - self.base - 1) as usize)
                .is_some_and(|d| !d)
    }

    /// Catching up when something can move, stuck when nothing can.
    fn standing(&self) -> Standing {
        Standing::behind(self.at, if self.free { None } else { self.blocker })
    }
}

fn group_of(node: NodeId) -> GroupId {
    if node == LEADERBOARD {
        LEADERBOARD_GROUP
    } else {
        BALANCES_GROUP
    }
}

fn view_name(node: NodeId) -> &'static str {
    if node == LEADERBOARD {
        "Leaderboard"
    } else {
        "Balances view"
    }
}

impl Cqrs {
    /// The fold of the event log as of `env` (updated incrementally).
    pub fn fold(&self, env: &Env<'_, AnyMsg>) -> LogFold {
        let mut f = self.fold.borrow_mut();
        f.catch_up(env);
        f.clone()
    }

    fn with_fold<R>(&self, env: &Env<'_, AnyMsg>, f: impl FnOnce(&LogFold) -> R) -> R {
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

    fn projection_mut(&mut self, node: NodeId) -> &mut Projection {
        if node == LEADERBOARD {
            &mut self.leaderboard
        } else {
            &mut self.balances
        }
    }

    fn arm_workload(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.workload_timer.take() {
            ctx.cancel_timer(t);
        }
        if self.workload {
            ctx.act_as(CLIENT);
            self.workload_timer = Some(ctx.set_periodic(self.command_every, 0));
        }
    }

    fn arm_outbox(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        ctx.act_as(COMMANDS);
        self.write.timer = Some(ctx.set_periodic(REPUBLISH_AFTER, 0));
    }

    fn command(&mut self, ctx: &mut Ctx<'_, AnyMsg>, deposit: bool) {
        ctx.act_as(CLIENT);
        let account = 1 + ctx.rng().below(ACCOUNTS as u64) as u8;
        let amount = if deposit {
            5 * (2 + ctx.rng().below(9) as i64)
        } else {
            10 * (2 + ctx.rng().below(11) as i64)
        };
        let c = &mut self.client;
        c.commands += 1;
        let cmd = c.commands;
        let delta = if deposit { amount } else { -amount };
        let mut shown_delta = 0;
        if self.optimistic_ui {
            shown_delta = delta;
            let s = c.shown.entry(account).or_insert(Shown {
                balance: OPENING_BALANCE,
                version: 0,
                optimistic: false,
                from: "opening balance".into(),
                event: None,
            });
            s.balance += delta;
            s.optimistic = true;
            s.from = "optimistic".into();
            s.event = Some(ctx.write(format!(
                "account {account} shows ${} (optimistic, not yet confirmed)",
                s.balance
            )));
        }
        c.pending.insert(cmd, (account, shown_delta));
        let msg = if deposit {
            Msg::Deposit {
                cmd,
                account,
                amount,
            }
        } else {
            Msg::Withdraw {
                cmd,
                account,
                amount,
            }
        };
        ctx.send(COMMANDS, msg);
    }

    fn query(&mut self, ctx: &mut Ctx<'_, AnyMsg>, account: u8) {
        let c = &mut self.client;
        c.queries += 1;
        let qid = c.queries;
        let mine = c.my_writes.get(&account).copied().unwrap_or(0);
        c.asked.insert(qid, (account, mine, self.read_your_writes));
        let min_version = (self.read_your_writes && mine > 0).then_some(mine);
        ctx.send(
            QUERIES,
            Msg::Query {
                qid,
                account,
                min_version,
            },
        );
    }

    fn handle_command(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        from: NodeId,
        cmd: u64,
        account: u8,
        delta: i64,
    ) {
        if let Some(reply) = self.write.handled.get(&cmd) {
            ctx.note(format!("command #{cmd} already handled; same answer again"));
            ctx.send(from, reply.clone());
            return;
        }
        let w = &mut self.write;
        let acct = w.accounts.get_mut(&account).expect("accounts 1..=6");
        let reply = if acct.balance + delta < 0 {
            ctx.note(format!(
                "withdraw ${} from account {account} rejected: balance is only ${}",
                -delta, acct.balance
            ));
            Msg::Rejected {
                cmd,
                account,
                reason: "insufficient funds",
            }
        } else {
            w.version += 1;
            acct.balance += delta;
            acct.version = w.version;
            acct.event = Some(ctx.write(format!(
                "account {account} = ${} (v{})",
                acct.balance, w.version
            )));
            let ev = AccountEvent {
                version: w.version,
                account,
                delta,
            };
            w.outbox.insert(ev.version, (ev, ctx.now()));
            ctx.publish_confirmed(
                ACCOUNT_EVENTS,
                Some(account as u64),
                Msg::Event(ev),
                ev.version,
            );
            Msg::Accepted {
                cmd,
                account,
                version: w.version,
                balance: acct.balance,
            }
        };
        w.handled.insert(cmd, reply.clone());
        ctx.send(from, reply);
    }

    /// Applies every event in the projector's inbox, then answers reads
    /// that were waiting for it.
    fn apply_inbox(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let node = ctx.node();
        let idempotent = self.idempotent_projection;
        let name = view_name(node);
        let p = self.projection_mut(node);
        p.timer = None;
        for e in std::mem::take(&mut p.inbox) {
            let again = p.has(e.version);
            if again && idempotent {
                ctx.note(format!("{name}: v{} already applied, skipped", e.version));
                continue;
            }
            let b = p
                .balances
                .entry(e.account)
                .or_insert((OPENING_BALANCE, None));
            b.0 += e.delta;
            let ev = ctx.write(format!(
                "{name}: account {} = ${} (v{})",
                e.account, b.0, e.version
            ));
            b.1 = Some(ev);
            p.events_applied += 1;
            if again {
                p.losses.entry(e.version).or_insert(Loss {
                    id: e.version,
                    how: APPLIED_TWICE,
                    when: Moment {
                        at: ctx.now(),
                        event: ev,
                    },
                });
            } else {
                p.dropped.remove(&e.version);
            }
            p.mark(e.version);
        }
        let wm = p.watermark;
        let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut p.parked)
            .into_iter()
            .partition(|r| r.2 <= wm);
        p.parked = still;
        for (qid, account, _, asker) in ready {
            let balance = self.projection(node).balance(account);
            ctx.send(
                asker,
                Msg::Answer {
                    qid,
                    account,
                    balance,
                    version: wm,
                    source: Source::ReadModel,
                },
            );
        }
    }

    fn rebuild(&mut self, ctx: &mut Ctx<'_, AnyMsg>, node: NodeId) {
        if !ctx.is_up(node) {
            return;
        }
        ctx.act_as(node);
        let p = self.projection_mut(node);
        if let Some(t) = p.timer.take() {
            ctx.cancel_timer(t);
        }
        let parked = std::mem::take(&mut p.parked);
        let rebuilds = p.rebuilds + 1;
        *p = Projection::new();
        p.parked = parked;
        p.rebuilds = rebuilds;
        ctx.write(format!(
            "{}: cleared; rebuilding from offset 0 of the event log",
            view_name(node)
        ));
        ctx.resume_group(group_of(node));
        ctx.reset_group(group_of(node), 0);
    }

    /// Where `node`'s read model stands against the write model: every
    /// accepted version it has not applied is somewhere on the way (the
    /// projector's batch, a delivery on the wire, the event log beyond the
    /// group's committed offset, a publish on the wire, the write model's
    /// outbox); stuck when none of them can move now, diverged when an
    /// event was applied twice or lost for good.
    pub fn standing(&self, node: NodeId, env: &Env<'_, AnyMsg>) -> Standing {
        let p = self.projection(node);
        let rest = self.whereabouts(node, env);
        let mut gone = p.losses.values().copied().chain(
            (rest.left > 0)
                .then(|| {
                    p.dropped
                        .iter()
                        .filter(|(v, _)| rest.is_unlocated(**v))
                        .map(|(v, when)| Loss {
                            id: *v,
                            how: DROPPED_PAST,
                            when: *when,
                        })
                })
                .into_iter()
                .flatten(),
        );
        let Some(first) = gone.next() else {
            return rest.standing();
        };
        // The earliest loss leads; the others are counted.
        let mut more = 0u32;
        let loss = gone.fold(first, |a, b| {
            more += 1;
            if (b.when.at, b.when.event) < (a.when.at, a.when.event) {
                b
            } else {
                a
            }
        });
        Standing::Diverged { loss, more }
    }

    /// Finds every version `node`'s projection lacks, nearest place first.
    fn whereabouts(&self, node: NodeId, env: &Env<'_, AnyMsg>) -> Locator {
        let p = self.projection(node);
        let mut loc = Locator::new(p, self.write.version);
        if loc.left == 0 {
            return loc;
        }
        let group = group_of(node);
        let me_down = env.down(node);
        for e in &p.inbox {
            loc.put(e.version, Place::Batch, me_down);
        }
        let event = |m: Option<&AnyMsg>| match m.and_then(Msg::from_any) {
            Some(Msg::Event(e)) => Some(e.version),
            _ => None,
        };
        for (f, place, m) in env.flights() {
            if loc.left == 0 {
                return loc;
            }
            let Wire::Deliver { group: g, .. } = f.wire else {
                continue;
            };
            if g != group || f.to != node {
                continue;
            }
            if let Some(v) = event(m) {
                loc.put(v, place, on_the_wire(env, f.from, f.to, place));
            }
        }
        if loc.left > 0 {
            let blocked = env.group_blocker(group);
            for (_, rec) in env.backlog(group) {
                if let Some(v) = event(Some(&rec.payload)) {
                    loc.put(v, Place::EventLog, blocked);
                }
            }
        }
        if loc.left > 0 {
            for (f, place, m) in env.flights() {
                if matches!(f.wire, Wire::Publish { .. }) && f.to == BROKER {
                    if let Some(v) = event(m) {
                        loc.put(v, place, on_the_wire(env, f.from, f.to, place));
                    }
                }
            }
        }
        if loc.left > 0 {
            let blocked = env.blocker(COMMANDS, BROKER);
            for v in self.write.outbox.keys() {
                loc.put(*v, Place::Outbox, blocked);
            }
        }
        loc
    }

    fn projection_view(&self, node: NodeId, fold: &LogFold, env: &Env<'_, AnyMsg>) -> ViewStatus {
        let standing = self.standing(node, env);
        let p = self.projection(node);
        let differing = (1..=ACCOUNTS)
            .filter(|a| p.balance(*a) != fold.balance(*a))
            .count() as u32;
        let lag_since = fold
            .appended_at
            .range(p.watermark + 1..)
            .find(|(v, _)| !p.applied.contains(v))
            .map(|(_, t)| *t);
        ViewStatus {
            name: view_name(node).into(),
            node: Some(node),
            differing,
            total: ACCOUNTS as u32,
            unit: "accounts",
            lag_since,
            noun: EVENT,
            standing,
        }
    }

    fn projection_check(&self, node: NodeId, fold: &LogFold) -> Option<String> {
        let p = self.projection(node);
        (1..=ACCOUNTS)
            .find(|a| p.balance(*a) != fold.balance(*a))
            .map(|a| {
                format!(
                    "{}: account {a} shows ${} but the event log folds to ${}{}",
                    view_name(node),
                    p.balance(a),
                    fold.balance(a),
                    if p.stopped {
                        " (projection stopped at a poison event)"
                    } else {
                        ""
                    }
                )
            })
    }

    fn projection_table(&self, node: NodeId, fold: &LogFold) -> Table {
        let p = self.projection(node);
        let mut accounts: Vec<u8> = (1..=ACCOUNTS).collect();
        let leaderboard = node == LEADERBOARD;
        if leaderboard {
            crate::sim::sort::sort_by_key(&mut accounts, |a| {
                (std::cmp::Reverse(p.balance(*a)), *a)
            });
        }
        let rows = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (bal, ev) = p
                    .balances
                    .get(a)
                    .copied()
                    .unwrap_or((OPENING_BALANCE, None));
                let mut cells = vec![
                    Cell::new(format!("account {a}")),
                    Cell::value(format!("${bal}"), bal != fold.balance(*a), ev),
                ];
                if leaderboard {
                    cells.insert(0, Cell::new(format!("#{}", i + 1)));
                }
                Row {
                    key: a.to_string(),
                    cells,
                }
            })
            .collect();
        let behind = self.write.version.saturating_sub(p.watermark);
        Table {
            title: format!(
                "{} (v{}, {behind} behind the write model)",
                view_name(node),
                p.watermark
            ),
            node,
            columns: if leaderboard {
                vec!["rank", "account", "balance"]
            } else {
                vec!["account", "balance"]
            },
            rows,
        }
    }
}

impl Scenario for Cqrs {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        let toggle = |id, label, help, default| ToggleSpec {
            id,
            label,
            help,
            default,
        };
        let setting = |id, label, help, min, max, default, unit| SettingSpec {
            id,
            label,
            help,
            min,
            max,
            default,
            unit,
        };
        let action = |id, label, help| ActionSpec { id, label, help };
        ScenarioInfo {
            id: "cqrs",
            title: "CQRS: a write model, projections and read models",
            toggles: vec![
                toggle("read_your_writes", "Read-your-writes", "Queries carry the version of the client's last write; a read model behind it waits (or the write model answers).", false),
                toggle("optimistic_ui", "Optimistic UI", "The client shows its change at once, before the command is confirmed (and takes it back if rejected).", false),
                toggle("idempotent_projection", "Idempotent projection", "Projectors remember applied event versions and skip repeats.", true),
                toggle("stop_on_poison", "Stop on poison", "A record the projector cannot read stops the projection, instead of going to the dead-letter log.", false),
                toggle("workload", "Client", "The client issues a command (then a query) every interval.", true),
            ],
            settings: vec![
                setting("command_every", "Command interval", "Time between the client's commands.", 300, 20_000, 2_000, " ms"),
                setting("projector_delay", "Projector batch delay", "How long projectors collect events before applying them (the read models' lag).", 0, 10_000, 1_000, " ms"),
                setting("ryw_timeout", "Read-your-writes wait", "How long a query waits for a lagging read model before reading the write model.", 200, 10_000, 2_500, " ms"),
            ],
            actions: vec![
                action("deposit", "Deposit", "The client deposits into a random account, then reads its balance."),
                action("withdraw", "Withdraw", "The client withdraws from a random account (rejected if the balance is too low), then reads."),
                action("poison_event", "Poison event", "Append a record no projector can read."),
                action("rebuild", "Rebuild balances", "Clear the balances view and replay the event log from offset 0."),
                action("rebuild_leaderboard", "Rebuild leaderboard", "Clear the leaderboard and replay the event log from offset 0."),
            ],
            checks: vec![
                CheckSpec {
                    name: "balances view equals the fold of the event log",
                    kind: CheckKind::Eventually,
                    help: "Once things settle, every balance equals what applying each logged event once gives.",
                },
                CheckSpec {
                    name: "leaderboard equals the fold of the event log",
                    kind: CheckKind::Eventually,
                    help: "Once things settle, every leaderboard entry equals what applying each logged event once gives.",
                },
                CheckSpec {
                    name: "the client never sees its own write disappear (read-your-writes)",
                    kind: CheckKind::Always,
                    help: "With read-your-writes on, a read after a write always includes it (monotonic reads).",
                },
            ],
        }
    }

    fn topology(&self) -> Topology {
        let node = NodeSpec::new;
        Topology {
            nodes: vec![
                node("Client", NodeRole::Client, 80.0, 300.0, false),
                node("Commands", NodeRole::Service, 300.0, 120.0, true),
                node("Broker", NodeRole::Broker, 560.0, 120.0, true),
                node("Balances", NodeRole::Store, 840.0, 220.0, true),
                node("Leaderboard", NodeRole::Store, 840.0, 470.0, true),
                node("Queries", NodeRole::Service, 440.0, 470.0, true),
            ],
            edges: vec![
                (CLIENT, COMMANDS),
                (CLIENT, QUERIES),
                (COMMANDS, BROKER),
                (BROKER, BALANCES),
                (BROKER, LEADERBOARD),
                (QUERIES, BALANCES),
                (QUERIES, COMMANDS),
            ],
            broker: Some(BROKER),
            topics: vec![TopicSpec {
                name: "account-events",
                partitions: 1,
            }],
            groups: vec![
                group("balances", ACCOUNT_EVENTS, BALANCES, Delivery::AtLeastOnce),
                group(
                    "leaderboard",
                    ACCOUNT_EVENTS,
                    LEADERBOARD,
                    Delivery::AtLeastOnce,
                ),
            ],
            link: LinkSettings {
                latency: 100,
                jitter: 100,
                drop_permille: 0,
                dup_permille: 0,
            },
        }
    }

    fn start(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        match ctx.node() {
            CLIENT => self.arm_workload(ctx),
            COMMANDS => self.arm_outbox(ctx),
            _ => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: AnyMsg) {
        let Some(msg) = Msg::take(msg) else {
            return;
        };
        let me = ctx.node();
        match msg {
            Msg::Deposit {
                cmd,
                account,
                amount,
            } if me == COMMANDS => self.handle_command(ctx, from, cmd, account, amount),
            Msg::Withdraw {
                cmd,
                account,
                amount,
            } if me == COMMANDS => self.handle_command(ctx, from, cmd, account, -amount),
            Msg::Accepted {
                cmd,
                account,
                version,
                balance,
            } if me == CLIENT => {
                if self.client.pending.remove(&cmd).is_none() {
                    return;
                }
                let w = self.client.my_writes.entry(account).or_insert(0);
                *w = (*w).max(version);
                ctx.note(format!(
                    "command #{cmd} accepted: account {account} = ${balance} at v{version}"
                ));
                self.query(ctx, account);
            }
            Msg::Rejected {
                cmd,
                account,
                reason,
            } if me == CLIENT => {
                let Some((_, shown_delta)) = self.client.pending.remove(&cmd) else {
                    return;
                };
                self.client.rejected += 1;
                if shown_delta != 0 {
                    self.client.rollbacks += 1;
                    if let Some(s) = self.client.shown.get_mut(&account) {
                        s.balance -= shown_delta;
                        s.optimistic = false;
                        s.from = "rolled back".into();
                        s.event = Some(ctx.write(format!(
                            "account {account}: optimistic ${} taken back ({reason}); shows ${} again",
                            shown_delta.abs(),
                            s.balance
                        )));
                    }
                }
                self.query(ctx, account);
            }
            Msg::Query {
                qid,
                account,
                min_version,
            } if me == QUERIES => {
                let timer = min_version.map(|_| ctx.set_timer(self.ryw_timeout, qid));
                self.waiting.insert(qid, (account, min_version, timer));
                ctx.send(
                    BALANCES,
                    Msg::Read {
                        qid,
                        account,
                        min_version,
                    },
                );
            }
            Msg::Read {
                qid,
                account,
                min_version,
            } if me == BALANCES || me == LEADERBOARD => {
                let p = self.projection_mut(me);
                match min_version {
                    Some(v) if p.watermark < v => {
                        p.parked.push((qid, account, v, from));
                        let wm = p.watermark;
                        ctx.note(format!(
                            "{} is at v{wm}, behind v{v}: the read waits",
                            view_name(me)
                        ));
                    }
                    _ => {
                        let (balance, version) = (p.balance(account), p.watermark);
                        ctx.send(
                            from,
                            Msg::Answer {
                                qid,
                                account,
                                balance,
                                version,
                                source: Source::ReadModel,
                            },
                        );
                    }
                }
            }
            Msg::Read { qid, account, .. } if me == COMMANDS => {
                let balance = self
                    .write
                    .accounts
                    .get(&account)
                    .map_or(OPENING_BALANCE, |a| a.balance);
                let version = self.write.version;
                ctx.send(
                    from,
                    Msg::Answer {
                        qid,
                        account,
                        balance,
                        version,
                        source: Source::WriteModel,
                    },
                );
            }
            Msg::Answer { .. } if me == QUERIES => {
                let Msg::Answer { qid, .. } = msg else { return };
                match self.waiting.remove(&qid) {
                    Some((_, _, timer)) => {
                        if let Some(t) = timer {
                            ctx.cancel_timer(t);
                        }
                        ctx.send(CLIENT, msg);
                    }
                    None => {
                        ctx.note(format!(
                            "late answer for query #{qid} ignored (already answered)"
                        ));
                    }
                }
            }
            Msg::Answer {
                qid,
                account,
                balance,
                version,
                source,
            } if me == CLIENT => {
                let Some((_, mine, ryw)) = self.client.asked.remove(&qid) else {
                    return;
                };
                let c = &mut self.client;
                let from_words = match source {
                    Source::ReadModel => format!("read model v{version}"),
                    Source::WriteModel => format!("write model v{version}"),
                };
                if version < mine {
                    c.stale_reads += 1;
                    let why = format!("account {account}: read at v{version} misses the client's own write v{mine}");
                    ctx.note(format!("stale read: {why}"));
                    if ryw && c.ryw_violation.is_none() {
                        c.ryw_violation = Some(format!("{why} (its write disappeared)"));
                    }
                } else if mine > 0 {
                    c.fresh_reads += 1;
                }
                let ev = ctx.write(format!("account {account} shows ${balance} ({from_words})"));
                c.shown.insert(
                    account,
                    Shown {
                        balance,
                        version,
                        optimistic: false,
                        from: from_words,
                        event: Some(ev),
                    },
                );
            }
            _ => {}
        }
    }

    fn on_record(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        rec: Record<'_, AnyMsg>,
    ) -> Result<(), String> {
        let me = ctx.node();
        let Some(payload) = Msg::from_any(rec.payload) else {
            return Ok(());
        };
        match *payload {
            Msg::Poison { id } => {
                if self.stop_on_poison {
                    let p = self.projection_mut(me);
                    p.stopped = true;
                    ctx.write(format!(
                        "{}: stopped at poison record #{id} (offset {})",
                        view_name(me),
                        rec.offset
                    ));
                    ctx.pause_group(rec.group);
                    Err(format!(
                        "cannot read poison record #{id}; projection stopped"
                    ))
                } else {
                    Err(format!("cannot read poison record #{id}"))
                }
            }
            Msg::Event(e) => {
                let delay = self.projector_delay;
                let p = self.projection_mut(me);
                p.inbox.push(e);
                if delay == 0 {
                    self.apply_inbox(ctx);
                } else if p.timer.is_none() {
                    p.timer = Some(ctx.set_timer(delay, 0));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn on_publish_ack(&mut self, ctx: &mut Ctx<'_, AnyMsg>, token: u64, offset: u64) {
        if self.write.outbox.remove(&token).is_some() {
            ctx.note(format!("v{token} is in the event log at offset {offset}"));
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, _timer: TimerId, tag: u64) {
        match ctx.node() {
            CLIENT => {
                let deposit = ctx.rng().below(10) < 6;
                self.command(ctx, deposit);
            }
            COMMANDS => {
                let now = ctx.now();
                let due: Vec<AccountEvent> = self
                    .write
                    .outbox
                    .values()
                    .filter(|(_, at)| now >= at + REPUBLISH_AFTER)
                    .map(|(e, _)| *e)
                    .collect();
                for e in due {
                    ctx.note(format!(
                        "v{} not confirmed by the log yet; publishing again",
                        e.version
                    ));
                    ctx.publish_confirmed(
                        ACCOUNT_EVENTS,
                        Some(e.account as u64),
                        Msg::Event(e),
                        e.version,
                    );
                    self.write.outbox.insert(e.version, (e, now));
                }
            }
            QUERIES => {
                if let Some(&(account, Some(v), _)) = self.waiting.get(&tag) {
                    self.waiting.insert(tag, (account, Some(v), None));
                    ctx.note(format!(
                        "the balances view is still behind v{v}; reading the write model instead"
                    ));
                    ctx.send(
                        COMMANDS,
                        Msg::Read {
                            qid: tag,
                            account,
                            min_version: Some(v),
                        },
                    );
                }
            }
            BALANCES | LEADERBOARD => self.apply_inbox(ctx),
            _ => {}
        }
    }

    fn on_crash(&mut self, node: NodeId, _at: crate::sim::Moment) {
        match node {
            CLIENT => self.workload_timer = None,
            COMMANDS => self.write.timer = None,
            QUERIES => self.waiting.clear(),
            BALANCES | LEADERBOARD => {
                let p = self.projection_mut(node);
                p.parked.clear();
                p.timer = None;
            }
            _ => {}
        }
    }

    fn on_lost(&mut self, wire: &Wire<AnyMsg>, _from: NodeId, to: NodeId, at: Moment) {
        // A lost publish stays in the write model's outbox and a lost ack
        // brings a redelivery; a lost delivery is normally sent again too
        // (the group has not committed it), so it is only remembered, in
        // case the broker has already moved past it.
        if let Wire::Deliver { payload, .. } = wire {
            let Some(Msg::Event(e)) = Msg::from_any(payload) else {
                return;
            };
            if to == BALANCES || to == LEADERBOARD {
                let p = self.projection_mut(to);
                if !p.has(e.version) {
                    p.dropped.insert(e.version, at);
                }
            }
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let me = ctx.node();
        match me {
            CLIENT => self.arm_workload(ctx),
            COMMANDS => self.arm_outbox(ctx),
            BALANCES | LEADERBOARD => {
                let delay = self.projector_delay.max(1);
                let p = self.projection_mut(me);
                let (wm, queued) = (p.watermark, p.inbox.len());
                if queued > 0 {
                    p.timer = Some(ctx.set_timer(delay, 0));
                }
                ctx.note(format!(
                    "{} resumes at v{wm} from its checkpoint ({queued} events queued)",
                    view_name(me)
                ));
            }
            _ => {}
        }
    }

    fn on_toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        match id {
            "read_your_writes" => self.read_your_writes = on,
            "optimistic_ui" => self.optimistic_ui = on,
            "idempotent_projection" => self.idempotent_projection = on,
            "stop_on_poison" => {
                self.stop_on_poison = on;
                if !on {
                    for node in [BALANCES, LEADERBOARD] {
                        if self.projection(node).stopped && ctx.is_up(node) {
                            ctx.act_as(node);
                            self.projection_mut(node).stopped = false;
                            ctx.write(format!(
                                "{}: resumed; the poison record goes to the dead-letter log",
                                view_name(node)
                            ));
                            ctx.resume_group(group_of(node));
                        }
                    }
                }
            }
            "workload" => {
                self.workload = on;
                self.arm_workload(ctx);
            }
            _ => {}
        }
    }

    fn on_set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        let v = value.max(0) as Time;
        match id {
            "command_every" => {
                self.command_every = v;
                self.arm_workload(ctx);
            }
            "projector_delay" => self.projector_delay = v,
            "ryw_timeout" => self.ryw_timeout = v,
            _ => {}
        }
    }

    fn on_action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        match id {
            "deposit" => self.command(ctx, true),
            "withdraw" => self.command(ctx, false),
            "poison_event" if ctx.is_up(COMMANDS) => {
                ctx.act_as(COMMANDS);
                self.write.poisons += 1;
                let id = self.write.poisons;
                ctx.note(format!(
                    "poison record #{id} appended: no projector can read it"
                ));
                ctx.publish(ACCOUNT_EVENTS, None, Msg::Poison { id });
            }
            "rebuild" => self.rebuild(ctx, BALANCES),
            "rebuild_leaderboard" => self.rebuild(ctx, LEADERBOARD),
            _ => {}
        }
    }

    fn describe(&self, msg: &AnyMsg) -> String {
        let Some(msg) = Msg::from_any(msg) else {
            return String::new();
        };
        match msg {
            Msg::Deposit {
                cmd,
                account,
                amount,
            } => format!("command #{cmd}: deposit ${amount} into account {account}"),
            Msg::Withdraw {
                cmd,
                account,
                amount,
            } => format!("command #{cmd}: withdraw ${amount} from account {account}"),
            Msg::Accepted {
                cmd,
                version,
                balance,
                ..
            } => format!("command #{cmd} accepted: v{version}, balance ${balance}"),
            Msg::Rejected { cmd, reason, .. } => format!("command #{cmd} rejected: {reason}"),
            Msg::Event(e) => {
                let verb = if e.delta >= 0 {
                    "deposited"
                } else {
                    "withdrew"
                };
                format!(
                    "v{}: account {} {verb} ${}",
                    e.version,
                    e.account,
                    e.delta.abs()
                )
            }
            Msg::Poison { id } => format!("poison record #{id}"),
            Msg::Query {
                qid,
                account,
                min_version,
            }
            | Msg::Read {
                qid,
                account,
                min_version,
            } => match min_version {
                Some(v) => format!("query #{qid}: balance of account {account}, at least v{v}"),
                None => format!("query #{qid}: balance of account {account}"),
            },
            Msg::Answer {
                qid,
                account,
                balance,
                version,
                source,
            } => {
                let from = match source {
                    Source::ReadModel => "read model",
                    Source::WriteModel => "write model",
                };
                format!("answer #{qid}: account {account} = ${balance} ({from} v{version})")
            }
        }
    }

    fn views(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        self.with_fold(env, |fold| {
            vec![
                self.projection_view(BALANCES, fold, env),
                self.projection_view(LEADERBOARD, fold, env),
            ]
        })
    }

    fn checks(&self, env: &Env<'_, AnyMsg>) -> Vec<Option<String>> {
        self.with_fold(env, |fold| {
            vec![
                self.projection_check(BALANCES, fold),
                self.projection_check(LEADERBOARD, fold),
                self.client.ryw_violation.clone(),
            ]
        })
    }

    fn tables(&self, env: &Env<'_, AnyMsg>) -> Vec<Table> {
        self.with_fold(env, |fold| {
            let w = &self.write;
            let accounts = w
                .accounts
                .iter()
                .map(|(a, acc)| Row {
                    key: a.to_string(),
                    cells: vec![
                        Cell::new(format!("account {a}")),
                        Cell::value(format!("${}", acc.balance), false, acc.event),
                        Cell::value(format!("v{}", acc.version), false, acc.event),
                    ],
                })
                .collect();
            let c = &self.client;
            let shown = (1..=ACCOUNTS)
                .filter_map(|a| c.shown.get(&a).map(|s| (a, s)))
                .map(|(a, s)| {
                    let truth = w.accounts.get(&a).map_or(OPENING_BALANCE, |x| x.balance);
                    Row {
                        key: a.to_string(),
                        cells: vec![
                            Cell::new(format!("account {a}")),
                            Cell::value(format!("${}", s.balance), s.balance != truth, s.event),
                            Cell::value(s.from.clone(), s.optimistic, s.event),
                            Cell::new(c.my_writes.get(&a).map_or("—".into(), |v| format!("v{v}"))),
                        ],
                    }
                })
                .collect();
            let kv = |k: &str, v: u64, bad: bool| Row {
                key: k.to_string(),
                cells: vec![Cell::new(k), Cell::value(v.to_string(), bad, None)],
            };
            vec![
                Table {
                    title: format!(
                        "Write model (v{}, {} awaiting the log)",
                        w.version,
                        w.outbox.len()
                    ),
                    node: COMMANDS,
                    columns: vec!["account", "balance", "last change"],
                    rows: accounts,
                },
                self.projection_table(BALANCES, fold),
                self.projection_table(LEADERBOARD, fold),
                Table {
                    title: "Client: what it shows".into(),
                    node: CLIENT,
                    columns: vec!["account", "shown", "from", "own last write"],
                    rows: shown,
                },
                Table {
                    title: "Client: reads after its own writes".into(),
                    node: CLIENT,
                    columns: vec!["figure", "count"],
                    rows: vec![
                        kv("fresh reads", c.fresh_reads, false),
                        kv(
                            "stale reads (own write missing)",
                            c.stale_reads,
                            c.stale_reads > 0,
                        ),
                        kv("rejected commands", c.rejected, false),
                        kv(
                            "optimistic updates taken back",
                            c.rollbacks,
                            c.rollbacks > 0,
                        ),
                    ],
                },
            ]
        })
    }

    fn summary(&self, node: NodeId) -> String {
        match node {
            CLIENT => format!(
                "{} stale, {} fresh reads",
                self.client.stale_reads, self.client.fresh_reads
            ),
            COMMANDS => format!("v{}", self.write.version),
            BALANCES | LEADERBOARD => {
                let p = self.projection(node);
                if p.stopped {
                    format!("v{}, stopped (poison)", p.watermark)
                } else {
                    let behind = self.write.version.saturating_sub(p.watermark);
                    if behind == 0 {
                        format!("v{}", p.watermark)
                    } else {
                        format!("v{}, {behind} behind", p.watermark)
                    }
                }
            }
            QUERIES => format!("{} reads waiting", self.waiting.len()),
            _ => String::new(),
        }
    }

    fn quiet(&self) -> bool {
        !self.workload
    }
}
