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
//!
//! Rooms: `topology`, `controls` (typed toggles, settings, actions),
//! `checks` (each with its predicate), `msg`, `model` (what each side
//! keeps, and the log's fold), `client`, `write` (the command side),
//! `projectors`, `standing` (where each event is), `present` (every word
//! and table shown). This file holds the struct and a `Scenario` impl that
//! hands each call to its room.

mod checks;
mod client;
mod controls;
mod model;
pub(super) mod msg;
mod present;
mod projectors;
mod standing;
mod topology;
mod write;

use self::{checks::*, write::*};
pub use self::{controls::*, model::*, msg::*, standing::*, topology::*};
use super::any::{AnyMsg, Carried};
use super::control::{by_id, Check};
use crate::sim::broker::{Delivery, TopicSpec};
use crate::sim::ctx::{pack_tag, unpack_tag};
use crate::sim::scenario::{
    group, ActionSpec, Cell, CheckKind, MilestoneSpec, NodeRole, NodeSpec, Row, SettingSpec, Table,
    ToggleSpec, ViewStatus,
};
use crate::sim::vecmap::{VecMap, VecSet};
use crate::sim::wire::Wire;
use crate::sim::{
    Blocker, Ctx, Env, EventId, GroupId, LinkSettings, Loss, Moment, NodeId, Noun, Place, Record,
    Scenario, ScenarioInfo, Standing, Time, TimerId, TimerTag, TopicId, Topology, Whereabouts,
};
use std::cell::RefCell;

/// What a timer of the bank is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Timer {
    /// The client sends its next command (periodic).
    Command,
    /// The write side republishes outbox events the log has not confirmed
    /// (periodic).
    Republish,
    /// A read-your-writes query waited long enough for the view: read the
    /// write model instead.
    ReadYourWrites(u64),
    /// A projector's apply delay is over: apply its inbox.
    Apply,
}

impl TimerTag for Timer {
    fn tag(self) -> u64 {
        match self {
            Timer::Command => pack_tag(0, 0),
            Timer::Republish => pack_tag(1, 0),
            Timer::ReadYourWrites(qid) => pack_tag(2, qid),
            Timer::Apply => pack_tag(3, 0),
        }
    }
    fn from_tag(tag: u64) -> Option<Timer> {
        match unpack_tag(tag) {
            (0, 0) => Some(Timer::Command),
            (1, 0) => Some(Timer::Republish),
            (2, qid) => Some(Timer::ReadYourWrites(qid)),
            (3, 0) => Some(Timer::Apply),
            _ => None,
        }
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
        // Toggles and settings start at their specs' defaults.
        let mut app = Cqrs {
            read_your_writes: false,
            optimistic_ui: false,
            idempotent_projection: false,
            stop_on_poison: false,
            workload: false,
            command_every: 0,
            projector_delay: 0,
            ryw_timeout: 0,
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
        };
        app.set_defaults();
        app
    }
}

impl Scenario for Cqrs {
    type Msg = AnyMsg;

    fn info(&self) -> ScenarioInfo {
        self.scenario_info()
    }

    fn topology(&self) -> Topology {
        self.cqrs_topology()
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
                let timer = min_version
                    .map(|_| ctx.set_timer(self.ryw_timeout, Timer::ReadYourWrites(qid)));
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
                        let ev = ctx.note(format!(
                            "{} is at v{wm}, behind v{v}: the read waits",
                            view_name(me)
                        ));
                        ctx.mark(ev, Milestone::ReadWaits, v);
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
                    p.timer = Some(ctx.set_timer(delay, Timer::Apply));
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
        let Some(what) = Timer::from_tag(tag) else {
            return;
        };
        match what {
            Timer::Command => {
                let deposit = ctx.rng().below(10) < 6;
                self.command(ctx, deposit);
            }
            Timer::Republish => {
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
            Timer::ReadYourWrites(qid) => {
                if let Some(&(account, Some(v), _)) = self.waiting.get(&qid) {
                    self.waiting.insert(qid, (account, Some(v), None));
                    ctx.note(format!(
                        "the balances view is still behind v{v}; reading the write model instead"
                    ));
                    ctx.send(
                        COMMANDS,
                        Msg::Read {
                            qid,
                            account,
                            min_version: Some(v),
                        },
                    );
                }
            }
            Timer::Apply => self.apply_inbox(ctx),
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
                    p.timer = Some(ctx.set_timer(delay, Timer::Apply));
                }
                let ev = ctx.note(format!(
                    "{} resumes at v{wm} from its checkpoint ({queued} events queued)",
                    view_name(me)
                ));
                ctx.mark(ev, Milestone::ProjectionResumed, wm);
            }
            _ => {}
        }
    }

    fn on_toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        self.toggle(ctx, id, on)
    }

    fn on_set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        self.set(ctx, id, value)
    }

    fn on_action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        self.act(ctx, id)
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

    fn tables(&self, env: &Env<'_, AnyMsg>) -> Vec<Table> {
        self.state_tables(env)
    }

    fn summary(&self, node: NodeId) -> String {
        self.node_summary(node)
    }

    fn quiet(&self) -> bool {
        !self.workload
    }
}
