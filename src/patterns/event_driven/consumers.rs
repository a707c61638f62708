//! The consumers: Billing charges for each reading (once, when
//! idempotent), the Load balancer keeps each zone's latest load, and
//! Analytics totals readings in batches.

use super::*;

impl PowerGrid {
    pub(super) fn key(&self, r: &Reading) -> Option<u64> {
        self.keyed.then_some(r.meter as u64)
    }

    pub(super) fn arm_analytics(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.analytics_timer.take() {
            ctx.cancel_timer(t);
        }
        if ctx.is_up(ANALYTICS) {
            ctx.act_as(ANALYTICS);
            self.analytics_timer = Some(ctx.set_periodic(self.analytics_every, Timer::Analytics));
        }
    }

    pub(super) fn bill(&mut self, ctx: &mut Ctx<'_, AnyMsg>, r: &Reading) {
        if self.idempotent && self.billed_ids.contains(r.id) {
            let ev = ctx.note(format!(
                "reading #{} is a duplicate, ignored because already processed",
                r.id
            ));
            ctx.mark(ev, Milestone::DuplicateIgnored, r.id);
            return;
        }
        let c = customer_of(r.meter);
        let first = self.billed_ids.insert(r.id);
        if first {
            self.unbilled.remove(r.id);
            self.found(r.id, BILLING_GROUP);
        } else {
            self.double_count += 1;
            if self.double_billed.is_none() {
                self.double_billed = Some((r.id, r.meter));
            }
        }
        let i = (c - 1) as usize;
        self.billed[i] += r.tenths as u64;
        let total = self.billed[i];
        let again = if first {
            ""
        } else {
            " (again: no idempotency check)"
        };
        let ev = ctx.write(format!(
            "customer {c} charged for reading #{} of meter {}{again}: now {} = {}",
            r.id,
            r.meter,
            kwh(total),
            dollars(self.cents(total))
        ));
        self.billed_event[i] = Some(ev);
        if !first && !self.billed_twice.contains_key(&c) {
            let loss = Loss {
                id: r.id,
                how: "was billed twice (no idempotency check)",
                when: Moment {
                    at: ctx.now(),
                    event: ev,
                },
            };
            self.billed_twice.insert(c, loss);
        }
    }

    pub(super) fn balance_load(&mut self, ctx: &mut Ctx<'_, AnyMsg>, r: &Reading) {
        let m = (r.meter - 1) as usize;
        let zone = zone_of(r.meter) as usize;
        let prev = self.load[m].applied;
        if let Some((pid, pseq, _)) = prev {
            if pseq > r.seq {
                ctx.note(format!(
                    "reading #{} of meter {} arrived after the newer reading #{pid}; the load balancer applies it anyway (it trusts arrival order)",
                    r.id, r.meter
                ));
            }
        }
        let old = prev.map_or(0, |p| p.2 as u64);
        self.load[m].applied = Some((r.id, r.seq, r.tenths));
        self.found(r.id, LOAD_GROUP);
        self.zone_load[zone] = self.zone_load[zone] - old + r.tenths as u64;
        let ev = ctx.write(format!(
            "meter {} now {} (reading #{}): zone {} load {}",
            r.meter,
            kw(r.tenths as u64),
            r.id,
            zone_name(zone as u16),
            kw(self.zone_load[zone])
        ));
        self.zone_event[zone] = Some(ev);
        match prev {
            Some((_, pseq, _)) if pseq > r.seq => {
                let loss = Loss {
                    id: r.id,
                    how: "overwrote a newer reading of its meter (it arrived out of order)",
                    when: Moment {
                        at: ctx.now(),
                        event: ev,
                    },
                };
                self.load_overwritten.insert(r.meter, loss);
            }
            _ => {
                if !self.meter_stale(r.meter) {
                    self.load_overwritten.remove(&r.meter);
                }
            }
        }
    }

    pub(super) fn queue_for_analytics(&mut self, ctx: &mut Ctx<'_, AnyMsg>, r: &Reading) {
        if self.analysed_ids.contains(r.id) || self.inbox.contains_key(&r.id) {
            let ev = ctx.note(format!(
                "reading #{} is a duplicate, ignored because already queued",
                r.id
            ));
            ctx.mark(ev, Milestone::DuplicateIgnored, r.id);
            return;
        }
        self.inbox.insert(r.id, r.clone());
        ctx.write(format!(
            "reading #{} queued for the next analytics batch ({} queued)",
            r.id,
            self.inbox.len()
        ));
    }

    pub(super) fn run_analytics(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if self.inbox.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.inbox);
        let mut counts = [0u32; ZONES as usize];
        for r in batch.values() {
            let z = zone_of(r.meter) as usize;
            self.analytics_zone[z] += r.tenths as u64;
            counts[z] += 1;
            self.analysed_ids.insert(r.id);
            self.unanalysed.remove(r.id);
            self.found(r.id, ANALYTICS_GROUP);
        }
        for (z, &n) in counts.iter().enumerate() {
            if n > 0 {
                let ev = ctx.write(format!(
                    "zone {} energy = {} ({n} new readings in this batch)",
                    zone_name(z as u16),
                    kwh(self.analytics_zone[z])
                ));
                self.analytics_event[z] = Some(ev);
            }
        }
    }
}
