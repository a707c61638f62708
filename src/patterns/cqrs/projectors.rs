//! The projectors: they apply the log's events to their read models in
//! batches, and can be rebuilt from offset 0.

use super::*;

impl Cqrs {
    /// Applies every event in the projector's inbox, then answers reads
    /// that were waiting for it.
    pub(super) fn apply_inbox(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let node = ctx.node();
        let idempotent = self.idempotent_projection;
        let name = view_name(node);
        let p = self.projection_mut(node);
        p.timer = None;
        for e in std::mem::take(&mut p.inbox) {
            let again = p.has(e.version);
            if again && idempotent {
                let ev = ctx.note(format!("{name}: v{} already applied, skipped", e.version));
                ctx.mark(ev, Milestone::AlreadyApplied, e.version);
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

    pub(super) fn rebuild(&mut self, ctx: &mut Ctx<'_, AnyMsg>, node: NodeId) {
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
}
