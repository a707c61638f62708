//! A world: the scenario's state plus the engine's core, trace and logs,
//! advanced one event at a time.

use super::broker::Logs;
use super::core::{Core, NodeStatus, Queued};
use super::ctx::Ctx;
use super::scenario::{Env, Record, Scenario, ScenarioInfo, Topology};
use super::script::{Command, Field, Refusal};
use super::standing::Moment;
use super::trace::{Detail, DropReason, Trace, TraceKind};
use super::types::{EventId, NodeId};
use super::wire::Wire;
use std::rc::Rc;

/// A running scenario.
pub struct World<S: Scenario> {
    /// Clock, queue, RNG, network, broker cursors.
    pub core: Core<S::Msg>,
    /// The scenario's own state.
    pub model: S,
    /// Everything that happened (a bounded window).
    pub trace: Trace<S::Msg>,
    /// Broker partition logs.
    pub logs: Logs<S::Msg>,
    /// The world's shape.
    pub topo: Rc<Topology>,
    /// The scenario's static description.
    pub info: Rc<ScenarioInfo>,
}

impl<S: Scenario> World<S> {
    /// Starts a world: builds the topology and runs each node's `start`.
    pub fn new(mut model: S, seed: u64, trace_capacity: usize) -> Self {
        let topo = Rc::new(model.topology());
        let info = Rc::new(model.info());
        let mut core = Core::new(&topo, seed);
        let mut trace = Trace::new(trace_capacity);
        let logs = Logs::new(&topo.topics);
        for i in 0..topo.nodes.len() {
            let mut ctx = Ctx {
                core: &mut core,
                trace: &mut trace,
                logs: &logs,
                node: NodeId(i as u16),
                cause: None,
            };
            model.start(&mut ctx);
        }
        World {
            core,
            model,
            trace,
            logs,
            topo,
            info,
        }
    }

    /// Read-only facts for views and checks.
    pub fn env(&self) -> Env<'_, S::Msg> {
        Env {
            now: self.core.now,
            logs: &self.logs,
            core: &self.core,
        }
    }

    /// Processes the next event. Returns false when nothing is scheduled.
    /// Scheduled events that became void (a cancelled timer, a message
    /// already dropped) are skipped and do not count as events.
    pub fn step(&mut self) -> bool {
        loop {
            self.core.purge();
            let Some(slot) = self.core.queue.pop() else {
                return false;
            };
            self.core.now = self.core.now.max(slot.at);
            self.core.touched = false;
            let done = self.process(slot.what);
            self.tell_losses();
            if done {
                self.core.processed += 1;
                return true;
            }
        }
    }

    /// Tells the scenario about the messages the network lost in this step.
    fn tell_losses(&mut self) {
        if !self.core.losses.is_empty() {
            self.tell_losses_now();
        }
    }

    #[inline(never)]
    fn tell_losses_now(&mut self) {
        self.core.touched = true;
        for l in std::mem::take(&mut self.core.losses) {
            let at = Moment {
                at: self.core.now,
                event: l.event,
            };
            self.model.on_lost(&l.wire, l.from, l.to, at);
        }
    }

    fn ctx(&mut self, node: NodeId, cause: Option<EventId>) -> (Ctx<'_, S::Msg>, &mut S) {
        self.core.touched = true;
        (
            Ctx {
                core: &mut self.core,
                trace: &mut self.trace,
                logs: &self.logs,
                node,
                cause,
            },
            &mut self.model,
        )
    }

    fn process(&mut self, what: Queued) -> bool {
        match what {
            Queued::Deliver { msg, epoch } => self.deliver(msg, epoch),
            Queued::Timer(id) => {
                let Some(t) = self.core.timers.get(&id).cloned() else {
                    return false;
                };
                if !self.core.is_up(t.node) {
                    return false;
                }
                match t.period {
                    Some(p) => self.core.schedule(self.core.now + p, Queued::Timer(id)),
                    None => {
                        self.core.timers.remove(&id);
                    }
                }
                let ev = self.core.record(
                    &mut self.trace,
                    TraceKind::Timer,
                    t.node,
                    None,
                    None,
                    t.cause,
                    Detail::None,
                );
                let (mut ctx, model) = self.ctx(t.node, Some(ev));
                model.on_timer(&mut ctx, id, t.tag);
                true
            }
            Queued::AckTimeout {
                group,
                partition,
                gen,
            } => self
                .core
                .broker_ack_timeout(&mut self.trace, &self.logs, group, partition, gen),
            Queued::Retry {
                group,
                partition,
                gen,
            } => self
                .core
                .broker_retry(&mut self.trace, &self.logs, group, partition, gen),
            Queued::Restarted { node, gen } => {
                let rt = &mut self.core.nodes[node.index()];
                if rt.gen != gen || rt.status != NodeStatus::Restarting {
                    return false;
                }
                rt.status = NodeStatus::Up;
                rt.since = self.core.now;
                let ev = self.core.record(
                    &mut self.trace,
                    TraceKind::Recovered,
                    node,
                    None,
                    None,
                    None,
                    Detail::None,
                );
                if Some(node) == self.core.broker {
                    self.core.pump_all(&mut self.trace, &self.logs, ev);
                }
                let (mut ctx, model) = self.ctx(node, Some(ev));
                model.on_restart(&mut ctx);
                true
            }
        }
    }

    fn deliver(&mut self, id: super::types::MsgId, epoch: u32) -> bool {
        let Some(f) = self.core.flight.get(&id) else {
            return false;
        };
        if f.epoch != epoch || f.held.is_some() {
            return false;
        }
        if f.lost {
            self.core.lose(&mut self.trace, id, DropReason::Lost, None);
            return true;
        }
        if !self.core.is_up(f.to) {
            self.core
                .lose(&mut self.trace, id, DropReason::ReceiverDown, None);
            return true;
        }
        let f = self.core.flight.remove(&id).expect("checked above");
        self.core.counters.delivered += 1;
        let rt = &mut self.core.nodes[f.to.index()];
        rt.lamport = rt.lamport.max(f.lamport);
        let ev = self.core.record(
            &mut self.trace,
            TraceKind::Deliver,
            f.to,
            Some(f.from),
            Some(id),
            Some(f.send_event),
            Detail::Wire {
                wire: f.wire.clone(),
                sent_at: f.sent_at,
                due_at: f.due_at,
            },
        );
        let (from, to) = (f.from, f.to);
        match f.wire {
            Wire::App(m) => {
                let (mut ctx, model) = self.ctx(to, Some(ev));
                model.on_message(&mut ctx, from, m);
            }
            Wire::Publish {
                topic,
                key,
                confirm,
                payload,
            } => {
                self.core.broker_append(
                    &mut self.trace,
                    &mut self.logs,
                    ev,
                    from,
                    topic,
                    key,
                    confirm,
                    payload,
                );
            }
            Wire::PublishAck { token, offset } => {
                let (mut ctx, model) = self.ctx(to, Some(ev));
                model.on_publish_ack(&mut ctx, token, offset);
            }
            Wire::Deliver {
                group,
                topic,
                partition,
                offset,
                attempt,
                key,
                payload,
            } => {
                let (mut ctx, model) = self.ctx(to, Some(ev));
                let rec = Record {
                    group,
                    topic,
                    partition,
                    offset,
                    attempt,
                    key,
                    payload: &payload,
                };
                let res = model.on_record(&mut ctx, rec);
                let ok = res.is_ok();
                let detail = match res {
                    Ok(()) => Detail::Record {
                        topic,
                        partition,
                        offset,
                    },
                    Err(why) => Detail::Text(why),
                };
                let done = self.core.record(
                    &mut self.trace,
                    TraceKind::Consume { ok },
                    to,
                    Some(from),
                    None,
                    Some(ev),
                    detail,
                );
                self.core.transmit(
                    &mut self.trace,
                    to,
                    from,
                    Wire::Ack {
                        group,
                        partition,
                        offset,
                        ok,
                    },
                    Some(done),
                );
            }
            Wire::Ack {
                group,
                partition,
                offset,
                ok,
            } => {
                self.core.broker_ack(
                    &mut self.trace,
                    &mut self.logs,
                    ev,
                    group,
                    partition,
                    offset,
                    ok,
                );
            }
        }
        true
    }

    /// Checks a command makes sense for this scenario, with a message that
    /// names what is wrong.
    pub fn validate(&self, cmd: &Command) -> Result<(), Refusal> {
        validate(&self.topo, &self.info, cmd)
    }

    /// Applies a command now. Returns the trace event that records it.
    pub fn apply(&mut self, cmd: &Command) -> Result<EventId, Refusal> {
        self.validate(cmd)?;
        let at = match cmd {
            Command::Crash { node } | Command::Restart { node } => *node,
            Command::Partition { a, .. } | Command::Heal { a, .. } => *a,
            Command::PartitionOneway { from, .. }
            | Command::Hold { from, .. }
            | Command::Release { from, .. }
            | Command::SetLink { from, .. } => *from,
            Command::DropMessage { msg } | Command::DuplicateMessage { msg } => {
                self.core.flight.get(msg).map_or(NodeId(0), |f| f.from)
            }
            _ => NodeId(0),
        };
        let ev = self.core.record(
            &mut self.trace,
            TraceKind::Command,
            at,
            None,
            None,
            None,
            Detail::Command(cmd.clone()),
        );
        if cmd.is_fault() {
            self.core.last_fault = Some(self.core.now);
        }
        let tr = &mut self.trace;
        match cmd {
            Command::Partition { a, b } => {
                self.core.partition(tr, *a, *b, ev);
                self.core.partition(tr, *b, *a, ev);
            }
            Command::PartitionOneway { from, to } => self.core.partition(tr, *from, *to, ev),
            Command::Heal { a, b } => {
                self.core.heal(tr, *a, *b, ev);
                self.core.heal(tr, *b, *a, ev);
            }
            Command::Hold { from, to } => self.core.hold(tr, *from, *to, ev),
            Command::Release { from, to } => self.core.release(tr, *from, *to, ev),
            Command::SetLink { from, to, settings } => {
                self.core.net.set_settings(*from, *to, *settings)
            }
            Command::Crash { node } => {
                let rt = &mut self.core.nodes[node.index()];
                if rt.status == NodeStatus::Up || rt.status == NodeStatus::Restarting {
                    rt.status = NodeStatus::Crashed;
                    rt.since = self.core.now;
                    rt.gen += 1;
                    self.core.cancel_timers_of(*node);
                    if Some(*node) == self.core.broker {
                        self.core.broker_crashed();
                    }
                    let event = self.core.record(
                        tr,
                        TraceKind::Crash,
                        *node,
                        None,
                        None,
                        Some(ev),
                        Detail::None,
                    );
                    self.core.touched = true;
                    let at = Moment {
                        at: self.core.now,
                        event,
                    };
                    self.model.on_crash(*node, at);
                }
            }
            Command::Restart { node } => {
                let rt = &mut self.core.nodes[node.index()];
                if rt.status == NodeStatus::Crashed {
                    rt.status = NodeStatus::Restarting;
                    rt.since = self.core.now;
                    rt.gen += 1;
                    let gen = rt.gen;
                    let at = self.core.now + self.core.restart_delay;
                    self.core
                        .schedule(at, Queued::Restarted { node: *node, gen });
                    self.core.record(
                        tr,
                        TraceKind::Restart,
                        *node,
                        None,
                        None,
                        Some(ev),
                        Detail::None,
                    );
                }
            }
            Command::DropMessage { msg } => self.core.lose(tr, *msg, DropReason::Manual, Some(ev)),
            Command::DuplicateMessage { msg } => {
                self.core.duplicate(tr, *msg, ev);
            }
            Command::Toggle { id, on } => {
                let (mut ctx, model) = self.ctx(NodeId(0), Some(ev));
                model.on_toggle(&mut ctx, id, *on);
            }
            Command::Set { id, value } => {
                let (mut ctx, model) = self.ctx(NodeId(0), Some(ev));
                model.on_set(&mut ctx, id, *value);
            }
            Command::Action { id } => {
                let (mut ctx, model) = self.ctx(NodeId(0), Some(ev));
                model.on_action(&mut ctx, id);
            }
        }
        self.tell_losses();
        Ok(ev)
    }
}

fn node_ok(topo: &Topology, n: NodeId, field: Field) -> Result<(), Refusal> {
    if n.index() < topo.nodes.len() {
        Ok(())
    } else {
        Err(Refusal::new(
            field,
            format!(
                "there is no service number {} (this scenario has {})",
                n.0,
                topo.nodes.len()
            ),
        ))
    }
}

/// The service exists and the scenario lets it crash: the rule the
/// canvas's service menu shows ("stays up in this scenario"), applied here
/// so clicks, share links and scene files all obey it.
fn crashable_ok(topo: &Topology, n: NodeId) -> Result<(), Refusal> {
    node_ok(topo, n, Field::Node)?;
    let spec = &topo.nodes[n.index()];
    if spec.crashable {
        Ok(())
    } else {
        Err(Refusal::new(
            Field::Node,
            format!(
                "{} (service number {}) stays up in this scenario: it cannot crash or restart",
                spec.name, n.0
            ),
        ))
    }
}

/// Both ends exist and differ; `ends` names their fields (`a`/`b` or
/// `from`/`to`).
fn pair_ok(topo: &Topology, a: NodeId, b: NodeId, ends: (Field, Field)) -> Result<(), Refusal> {
    node_ok(topo, a, ends.0)?;
    node_ok(topo, b, ends.1)?;
    if a == b {
        return Err(Refusal::new(
            Field::Command,
            format!(
                "a link needs two different services, got {} twice",
                topo.nodes[a.index()].name
            ),
        ));
    }
    Ok(())
}

/// [`World::validate`], without the scenario's type.
#[inline(never)]
fn validate(topo: &Topology, info: &ScenarioInfo, cmd: &Command) -> Result<(), Refusal> {
    match cmd {
        Command::Partition { a, b } | Command::Heal { a, b } => {
            pair_ok(topo, *a, *b, (Field::A, Field::B))
        }
        Command::PartitionOneway { from, to }
        | Command::Hold { from, to }
        | Command::Release { from, to } => pair_ok(topo, *from, *to, (Field::From, Field::To)),
        Command::SetLink { from, to, settings } => {
            pair_ok(topo, *from, *to, (Field::From, Field::To))?;
            settings
                .validate()
                .map_err(|reason| Refusal::new(Field::Settings, reason))
        }
        Command::Crash { node } | Command::Restart { node } => crashable_ok(topo, *node),
        Command::DropMessage { .. } | Command::DuplicateMessage { .. } => Ok(()),
        Command::Toggle { id, .. } => {
            if info.toggles.iter().any(|t| t.id == id) {
                Ok(())
            } else {
                Err(Refusal::new(
                    Field::Toggle,
                    format!("\"{id}\" is not an option of {}", info.id),
                ))
            }
        }
        Command::Set { id, value } => match info.settings.iter().find(|s| s.id == id) {
            None => Err(Refusal::new(
                Field::Setting,
                format!("\"{id}\" is not a setting of {}", info.id),
            )),
            Some(s) if *value < s.min || *value > s.max => Err(Refusal::new(
                Field::Value,
                format!("{id}: {value} is outside {}..={}", s.min, s.max),
            )),
            Some(_) => Ok(()),
        },
        Command::Action { id } => {
            if info.actions.iter().any(|a| a.id == id) {
                Ok(())
            } else {
                Err(Refusal::new(
                    Field::Action,
                    format!("\"{id}\" is not an action of {}", info.id),
                ))
            }
        }
    }
}
