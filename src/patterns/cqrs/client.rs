//! The client: a command every interval (or on demand), then a query
//! of what it wrote.

use super::*;

impl Cqrs {
    pub(super) fn arm_workload(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        if let Some(t) = self.workload_timer.take() {
            ctx.cancel_timer(t);
        }
        if self.workload {
            ctx.act_as(CLIENT);
            self.workload_timer = Some(ctx.set_periodic(self.command_every, Timer::Command));
        }
    }

    pub(super) fn command(&mut self, ctx: &mut Ctx<'_, AnyMsg>, deposit: bool) {
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

    pub(super) fn query(&mut self, ctx: &mut Ctx<'_, AnyMsg>, account: u8) {
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
}
