//! The customers' workload (an order every interval, or one on demand)
//! and the reporting client's sales report.

use super::*;

impl Saga {
    pub(super) fn arm_workload(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.workload_timer.take() {
            ctx.cancel_timer(t);
        }
        if self.workload && ctx.is_up(CUSTOMERS) {
            ctx.act_as(CUSTOMERS);
            self.workload_timer = Some(ctx.set_periodic(self.order_every, Timer::Order));
        }
    }

    pub(super) fn arm_reports(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.reports.timer.take() {
            ctx.cancel_timer(t);
        }
        ctx.act_as(REPORTS);
        self.reports.timer = Some(ctx.set_periodic(self.report_every, Timer::Report));
    }

    pub(super) fn place_order(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        self.placed += 1;
        let order = OrderInfo::numbered(self.placed);
        ctx.act_as(CUSTOMERS);
        ctx.write(format!(
            "order #{}: {} for ${}",
            order.id,
            order.goods(),
            order.amount
        ));
        let to = if self.choreography {
            ORDER
        } else {
            ORCHESTRATOR
        };
        ctx.send(to, Msg::PlaceOrder(order));
    }

    pub(super) fn sales(&self) -> Msg {
        let (mut orders, mut revenue, mut dirty) = (0, 0, Vec::new());
        for (id, o) in &self.orders {
            match o.status {
                OrderStatus::Approved => {}
                OrderStatus::Placed => dirty.push(*id),
                OrderStatus::Pending | OrderStatus::Cancelled => continue,
            }
            orders += 1;
            revenue += o.info.amount;
        }
        Msg::Sales {
            orders,
            revenue,
            dirty,
        }
    }
}
