//! The two stores at work: edits at the source (and in the warehouse
//! with two-way sync), on their own timers or on demand.

use super::*;

impl BackgroundSync {
    pub(super) fn arm(&mut self, ctx: &mut Ctx<'_, AnyMsg>, node: NodeId) {
        let (slot, period, tag, on) = match node {
            SOURCE => (
                &mut self.src_timer,
                self.write_every,
                Timer::SourceEdit,
                self.workload,
            ),
            WAREHOUSE => (
                &mut self.wh_timer,
                self.write_every * 3,
                Timer::WarehouseEdit,
                self.workload && self.two_way,
            ),
            _ => (&mut self.tick, self.interval, Timer::Tick, true),
        };
        if let Some(t) = slot.take() {
            ctx.cancel_timer(t);
        }
        if on && ctx.is_up(node) {
            ctx.act_as(node);
            *slot = Some(ctx.set_periodic(period, tag));
        }
    }

    /// A local write at the source (the workload, an action, or a person resolving a conflict).
    pub(super) fn source_write(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        i: usize,
        balance: i64,
        stamp: i64,
        why: &str,
    ) {
        ctx.act_as(SOURCE);
        let now = ctx.now();
        let row = &mut self.src[i];
        row.balance = balance;
        row.stamp = stamp;
        row.version += 1;
        row.origin = Side::Source;
        row.siblings.clear();
        self.history[i].push(now);
        let img = row.image(i as u16 + 1);
        self.log.push(img);
        row.local_lsn = self.log.len() as u64;
        row.last_entry = row.local_lsn;
        row.last_own = row.local_lsn;
        let ev = ctx.write(format!(
            "account {} = ${balance} ({why}; updated_at {} by the source's clock, v{}, log #{})",
            i + 1,
            stamp_text(stamp),
            row.version,
            row.local_lsn
        ));
        row.event = Some(ev);
        self.touch(i, now);
    }

    /// A local write in the warehouse (two-way sync only).
    pub(super) fn warehouse_write(&mut self, ctx: &mut Ctx<'_, AnyMsg>, i: usize, balance: i64) {
        ctx.act_as(WAREHOUSE);
        let now = ctx.now();
        let row = &mut self.wh[i];
        row.balance = balance;
        row.stamp = now as i64;
        row.origin = Side::Warehouse;
        row.siblings.clear();
        let img = row.image(i as u16 + 1);
        self.wh_log.push(img);
        row.local_lsn = self.wh_log.len() as u64;
        row.last_entry = row.local_lsn;
        row.last_own = row.local_lsn;
        let ev = ctx.write(format!(
            "account {} = ${balance} (edited in the warehouse, updated_at {})",
            i + 1,
            stamp_text(now as i64)
        ));
        row.event = Some(ev);
        self.touch(i, now);
    }

    pub(super) fn random_edit(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let i = ctx.rng().below(ACCOUNTS as u64) as usize;
        let delta = ctx.rng().between(1, 60) as i64 - 25;
        let delta = if delta == 0 { 5 } else { delta };
        let stamp = self.source_clock(ctx.now());
        let b = self.src[i].balance + delta;
        self.source_write(
            ctx,
            i,
            b,
            stamp,
            if delta > 0 { "deposit" } else { "withdrawal" },
        );
    }

    pub(super) fn transfer(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let a = ctx.rng().below(ACCOUNTS as u64) as usize;
        let b = (a + 1 + ctx.rng().below(ACCOUNTS as u64 - 1) as usize) % ACCOUNTS as usize;
        let amount = ctx.rng().between(5, 40) as i64;
        let stamp = self.source_clock(ctx.now());
        let (ba, bb) = (self.src[a].balance - amount, self.src[b].balance + amount);
        let why_a = format!("transfer of ${amount} to account {}", b + 1);
        let why_b = format!("transfer of ${amount} from account {}", a + 1);
        self.source_write(ctx, a, ba, stamp, &why_a);
        self.source_write(ctx, b, bb, stamp, &why_b);
    }
}
