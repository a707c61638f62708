//! The command side: it validates commands, appends accepted changes to
//! the event log through its outbox, and answers rejected ones.

use super::*;

/// How long the write model waits for the log to confirm an event before publishing it again.
pub const REPUBLISH_AFTER: Time = 1_500;

impl Cqrs {
    pub(super) fn arm_outbox(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        ctx.act_as(COMMANDS);
        self.write.timer = Some(ctx.set_periodic(REPUBLISH_AFTER, Timer::Republish));
    }

    pub(super) fn handle_command(
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
}
