//! The Meter service: it stores readings, and publishes them through the
//! transactional outbox's relay or, without it, by a dual write.

use super::*;

/// How often the outbox relay looks for unsent rows.
pub(super) const RELAY_EVERY: Time = 200;

/// How long the relay waits for the broker's confirmation before publishing a row again.
pub(super) const RELAY_RESEND: Time = 2_000;

impl PowerGrid {
    pub(super) fn arm_workload(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.workload_timer.take() {
            ctx.cancel_timer(t);
        }
        if self.workload && ctx.is_up(METER) {
            ctx.act_as(METER);
            self.workload_timer = Some(ctx.set_periodic(self.interval, Timer::Workload));
        }
    }

    /// The Meter service stores a reading, then publishes it (outbox or dual write).
    pub(super) fn take_reading(&mut self, ctx: &mut Ctx<'_, AnyMsg>, meter: u16) {
        ctx.act_as(METER);
        let tenths = ctx.rng().between(5, 60) as u32;
        self.next_id += 1;
        let id = self.next_id;
        let now = ctx.now();
        let row = &mut self.meters[(meter - 1) as usize];
        row.times.push(now);
        let seq = row.times.len() as u32;
        let old = row.latest.map_or(0, |l| l.2 as u64);
        row.latest = Some((id, seq, tenths));
        row.total += tenths as u64;
        let zone = zone_of(meter) as usize;
        self.truth_customer[(customer_of(meter) - 1) as usize] += tenths as u64;
        self.truth_zone_energy[zone] += tenths as u64;
        self.truth_zone_load[zone] = self.truth_zone_load[zone] - old + tenths as u64;
        self.unbilled.insert(id, now);
        self.unanalysed.insert(id, now);
        let reading = Reading {
            id,
            meter,
            seq,
            tenths,
        };
        let ev = if self.outbox {
            let ev = ctx.write(format!(
                "reading #{id} for meter {meter}: {} and its outbox row, in one transaction",
                kwh(tenths as u64)
            ));
            self.outbox_rows.insert(id, reading);
            ev
        } else {
            let ev = ctx.write(format!("reading #{id} for meter {meter}: {} (the event is published after processing, a separate step)", kwh(tenths as u64)));
            self.pending.insert(id, reading);
            ctx.set_timer(self.publish_delay, Timer::Publish(id));
            ev
        };
        if self.outbox {
            self.ensure_relay(ctx);
        }
        self.meters[(meter - 1) as usize].event = Some(ev);
    }

    /// Starts polling the outbox (the relay sleeps while the outbox is empty).
    pub(super) fn ensure_relay(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if self.relay_timer.is_none() {
            ctx.act_as(METER);
            self.relay_timer = Some(ctx.set_periodic(RELAY_EVERY, Timer::Relay));
        }
    }

    /// The outbox relay: publish unsent rows in order, one in flight per meter.
    pub(super) fn relay(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if self.outbox_rows.is_empty() {
            if let Some(t) = self.relay_timer.take() {
                ctx.cancel_timer(t);
            }
            return;
        }
        let now = ctx.now();
        let mut busy = VecSet::new();
        let rows: Vec<Reading> = self.outbox_rows.values().cloned().collect();
        for r in rows {
            if busy.contains(&r.meter) {
                continue;
            }
            busy.insert(r.meter);
            match self.in_flight.get(&r.id) {
                Some(&sent) if now < sent + RELAY_RESEND => continue,
                Some(_) => {
                    ctx.note(format!("outbox relay: no confirmation for reading #{} in {} ms, publishing it again", r.id, RELAY_RESEND));
                }
                None => {}
            }
            self.in_flight.insert(r.id, now);
            self.published += 1;
            let key = self.key(&r);
            ctx.publish_confirmed(READINGS, key, r.clone(), r.id);
        }
    }
}
