//! The sync's checks, each declared with its predicate: the name the
//! meter and lessons use, always or eventually, its help, and whether and
//! (in words) what breaks it. The meter shows them in this order.

use super::*;

/// Every check of the sync, in the meter's order.
pub(super) const CHECKS: [Check<BackgroundSync>; 3] = [
    Check {
        name: "warehouse matches the source",
        kind: CheckKind::Eventually,
        help: "Once edits stop, the warehouse holds the same accounts as the source (after as many runs as it takes).",
        broken: BackgroundSync::any_differs,
        why: BackgroundSync::differs,
    },
    Check {
        name: "staleness stays within interval + run time",
        kind: CheckKind::Always,
        help: "One-way: every run copies each change made before it started, so no row stays stale longer than an interval plus a run.",
        broken: BackgroundSync::any_stale_too_long,
        why: BackgroundSync::stale_too_long,
    },
    Check {
        name: "no update silently lost",
        kind: CheckKind::Always,
        help: "Two-way: a conflict never throws away one side's update without a person seeing it.",
        broken: BackgroundSync::any_update_lost,
        why: BackgroundSync::update_lost,
    },
];

impl BackgroundSync {
    /// The warehouse holds an account otherwise than the source.
    fn any_differs(&self, _env: &Env<'_, AnyMsg>) -> bool {
        (1..=ACCOUNTS).any(|a| self.stale(a))
    }

    /// One-way: a finished run should have copied a change and did not.
    fn any_stale_too_long(&self, _env: &Env<'_, AnyMsg>) -> bool {
        !self.two_way && !self.missed.is_empty()
    }

    /// Two-way: a conflict threw an update away unseen.
    fn any_update_lost(&self, _env: &Env<'_, AnyMsg>) -> bool {
        self.lost.is_some()
    }

    /// An account the warehouse holds otherwise than the source.
    fn differs(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        let differing = self.differing();
        differing.first().map(|&a| {
            let i = (a - 1) as usize;
            let (s, w) = (&self.src[i], &self.wh[i]);
            let more = if differing.len() > 1 {
                format!(" (and {} more accounts)", differing.len() - 1)
            } else {
                String::new()
            };
            if self.two_way {
                format!(
                    "account {a}: the warehouse has {} but the source has {}{more}",
                    w.shown(),
                    s.shown()
                )
            } else {
                format!(
                    "account {a}: the warehouse has {} (v{}) but the source has {} (v{}){more}",
                    w.shown(),
                    w.version,
                    s.shown(),
                    s.version
                )
            }
        })
    }

    /// One-way: a change a finished run should have copied and did not.
    fn stale_too_long(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        if self.two_way {
            None
        } else {
            self.missed.iter().next().map(|(a, (t, run))| {
                format!(
                    "account {a} was written at {}, but run #{run}, which started after it, finished without copying it: it stays stale beyond the {} interval + {} run",
                    fmt_secs(*t),
                    fmt_secs(self.interval),
                    fmt_secs(self.longest_run)
                )
            })
        }
    }

    /// Two-way: an update a conflict threw away unseen.
    fn update_lost(&self, _env: &Env<'_, AnyMsg>) -> Option<String> {
        self.lost.as_ref().map(|t| {
            if self.lost_count > 1 {
                format!("{t} ({} updates lost so far)", self.lost_count)
            } else {
                t.clone()
            }
        })
    }
}
