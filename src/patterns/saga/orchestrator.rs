//! Orchestration: the orchestrator drives each saga step by step from its
//! durable log, times out and asks again, and compensates backwards from a
//! failed step.

use super::*;

impl Saga {
    pub(super) fn arm_step_timer(&mut self, ctx: &mut Ctx<'_, AnyMsg>, saga: u64, delay: Time) {
        if let Some(t) = self.orchestrator.timers.remove(&saga) {
            ctx.cancel_timer(t);
        }
        let t = ctx.set_timer(delay, Timer::Step(saga));
        self.orchestrator.timers.insert(saga, t);
    }

    /// Sends the request the saga's current phase waits for and arms its timeout.
    pub(super) fn drive(&mut self, ctx: &mut Ctx<'_, AnyMsg>, saga: u64) {
        let Some(log) = self.orchestrator.log.get(&saga) else {
            return;
        };
        let order = log.order;
        match log.phase {
            Phase::Step(step) => ctx.send(step.service(), Msg::Do { saga, step, order }),
            Phase::Compensate(step) => ctx.send(step.service(), Msg::Undo { saga, step, order }),
            Phase::Completed | Phase::Compensated => {
                if let Some(t) = self.orchestrator.timers.remove(&saga) {
                    ctx.cancel_timer(t);
                }
                return;
            }
        }
        self.arm_step_timer(ctx, saga, self.step_timeout);
    }

    pub(super) fn set_phase(&mut self, ctx: &mut Ctx<'_, AnyMsg>, saga: u64, phase: Phase) {
        let Some(log) = self.orchestrator.log.get_mut(&saga) else {
            return;
        };
        log.phase = phase;
        if phase.is_final() {
            self.orchestrator.open.remove(&saga);
        } else {
            self.orchestrator.open.insert(saga);
        }
        ctx.write(format!("saga log #{saga}: {}", phase.words()));
    }

    pub(super) fn orchestrator_start(&mut self, ctx: &mut Ctx<'_, AnyMsg>, order: OrderInfo) {
        let saga = order.id;
        if self.orchestrator.log.contains_key(&saga) && self.idempotent {
            ctx.note(format!(
                "order #{saga} already has a saga; duplicate request ignored"
            ));
            return;
        }
        self.ledger.start(order, Style::Orchestrated, ctx.now());
        self.orchestrator.log.insert(
            saga,
            SagaLog {
                order,
                phase: Phase::Step(Step::Order),
                done: Vec::new(),
                compensated: Vec::new(),
                failure: None,
            },
        );
        self.set_phase(ctx, saga, Phase::Step(Step::Order));
        self.drive(ctx, saga);
    }

    /// The first step to compensate after `failed` failed (the previous one).
    pub(super) fn compensate_from(failed: Step) -> Option<Step> {
        failed.prev().filter(|s| *s <= Step::Inventory)
    }

    pub(super) fn orchestrator_done(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        saga: u64,
        step: Step,
        failed: Option<&'static str>,
    ) {
        let Some(log) = self.orchestrator.log.get(&saga) else {
            return;
        };
        if self.idempotent && log.phase != Phase::Step(step) {
            let ev = ctx.note(format!(
                "duplicate reply for saga #{saga} step {}, ignored",
                step.name()
            ));
            ctx.mark(ev, Milestone::DuplicateReply, saga);
            return;
        }
        let now = ctx.now();
        match failed {
            None => {
                self.orchestrator
                    .log
                    .get_mut(&saga)
                    .expect("checked")
                    .done
                    .push((step, now));
                let next = step.next().map_or(Phase::Completed, Phase::Step);
                self.set_phase(ctx, saga, next);
            }
            Some(why) => {
                ctx.note(format!(
                    "saga #{saga}: step {} failed ({why}); compensating in reverse order",
                    step.name()
                ));
                self.orchestrator
                    .log
                    .get_mut(&saga)
                    .expect("checked")
                    .failure = Some((step, why));
                let next =
                    Self::compensate_from(step).map_or(Phase::Compensated, Phase::Compensate);
                self.set_phase(ctx, saga, next);
            }
        }
        self.drive(ctx, saga);
    }

    pub(super) fn orchestrator_undone(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        saga: u64,
        step: Step,
        ok: bool,
    ) {
        let Some(log) = self.orchestrator.log.get(&saga) else {
            return;
        };
        if self.idempotent && log.phase != Phase::Compensate(step) {
            let ev = ctx.note(format!(
                "duplicate reply for saga #{saga} compensation {}, ignored",
                step.undo_name()
            ));
            ctx.mark(ev, Milestone::DuplicateReply, saga);
            return;
        }
        if !ok {
            ctx.note(format!(
                "saga #{saga}: {} failed; retrying in {COMPENSATION_RETRY} ms",
                step.undo_name()
            ));
            self.arm_step_timer(ctx, saga, COMPENSATION_RETRY);
            return;
        }
        let now = ctx.now();
        self.orchestrator
            .log
            .get_mut(&saga)
            .expect("checked")
            .compensated
            .push((step, now));
        let next = step.prev().map_or(Phase::Compensated, Phase::Compensate);
        self.set_phase(ctx, saga, next);
        self.drive(ctx, saga);
    }

    pub(super) fn orchestrator_timer(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        saga: u64,
        timer: TimerId,
    ) {
        if self.orchestrator.timers.get(&saga) != Some(&timer) {
            return;
        }
        self.orchestrator.timers.remove(&saga);
        let Some(log) = self.orchestrator.log.get(&saga) else {
            return;
        };
        match log.phase {
            Phase::Step(s) => {
                ctx.note(format!(
                    "saga #{saga}: no reply for step {} within {} ms; asking again",
                    s.name(),
                    self.step_timeout
                ));
            }
            Phase::Compensate(s) => {
                ctx.note(format!("saga #{saga}: trying {} again", s.undo_name()));
            }
            _ => return,
        }
        self.drive(ctx, saga);
    }
}
