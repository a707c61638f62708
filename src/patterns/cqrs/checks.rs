//! The app's checks, each declared with its predicate: the name the meter
//! and lessons use, always or eventually, its help, and whether and (in
//! words) what breaks it. The meter shows them in this order.

use super::*;

/// Every check of the app, in the meter's order.
pub(super) const CHECKS: [Check<Cqrs>; 3] = [
    Check {
        name: "balances view equals the fold of the event log",
        kind: CheckKind::Eventually,
        help: "Once things settle, every balance equals what applying each logged event once gives.",
        broken: Cqrs::balances_off,
        why: Cqrs::balances_why,
    },
    Check {
        name: "leaderboard equals the fold of the event log",
        kind: CheckKind::Eventually,
        help: "Once things settle, every leaderboard entry equals what applying each logged event once gives.",
        broken: Cqrs::leaderboard_off,
        why: Cqrs::leaderboard_why,
    },
    Check {
        name: "the client never sees its own write disappear (read-your-writes)",
        kind: CheckKind::Always,
        help: "With read-your-writes on, a read after a write always includes it (monotonic reads).",
        broken: Cqrs::own_write_lost,
        why: Cqrs::own_write_why,
    },
];

impl Cqrs {
    /// The balances view shows an account otherwise than the log folds.
    fn balances_off(&self, env: &Env<'_, AnyMsg>) -> bool {
        self.with_fold(env, |fold| self.account_off(BALANCES, fold).is_some())
    }

    /// The leaderboard shows an account otherwise than the log folds.
    fn leaderboard_off(&self, env: &Env<'_, AnyMsg>) -> bool {
        self.with_fold(env, |fold| self.account_off(LEADERBOARD, fold).is_some())
    }

    /// A read missed the client's own write.
    fn own_write_lost(&self, _env: &Env<'_, AnyMsg>) -> bool {
        self.client.ryw_violation.is_some()
    }

    /// An account the balances view shows otherwise than the log folds.
    fn balances_why(&self, env: &Env<'_, AnyMsg>) -> Option<String> {
        self.with_fold(env, |fold| self.projection_check(BALANCES, fold))
    }

    /// An account the leaderboard shows otherwise than the log folds.
    fn leaderboard_why(&self, env: &Env<'_, AnyMsg>) -> Option<String> {
        self.with_fold(env, |fold| self.projection_check(LEADERBOARD, fold))
    }

    /// A read that missed the client's own write.
    fn own_write_why(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.client.ryw_violation.clone()
    }

    /// The first account `node`'s read model shows otherwise than `fold`.
    fn account_off(&self, node: NodeId, fold: &LogFold) -> Option<u8> {
        let p = self.projection(node);
        (1..=ACCOUNTS).find(|a| p.balance(*a) != fold.balance(*a))
    }

    /// The first account `node`'s read model shows otherwise than `fold`,
    /// in words.
    fn projection_check(&self, node: NodeId, fold: &LogFold) -> Option<String> {
        let p = self.projection(node);
        self.account_off(node, fold).map(|a| {
            format!(
                "{}: account {a} shows ${} but the event log folds to ${}{}",
                view_name(node),
                p.balance(a),
                fold.balance(a),
                if p.stopped {
                    " (projection stopped at a poison event)"
                } else {
                    ""
                }
            )
        })
    }
}
