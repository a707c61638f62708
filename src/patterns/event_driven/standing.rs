//! How each view stands: where every reading is (on its way, held,
//! lost), and which will never arrive by themselves.

use super::*;

/// What the meter's views call an update.
pub(super) const READING: Noun = Noun::new("reading", "readings");

/// Where the readings on their way are, found in one pass over the
/// links and the consumer groups' backlogs for each `views` call.
pub(super) struct Transit {
    /// Readings on their way to the broker.
    publishing: ById,
    /// Per consumer group: readings on their way to its service and in its
    /// backlog.
    to_group: [ToGroup; 3],
}

/// The readings on their way to one consumer group's service.
#[derive(Default)]
struct ToGroup {
    /// On a link to the service (a few at most).
    on_links: ById,
    /// In the group's backlog in the broker, among the readings the
    /// service misses: every one there is held by the same `blocker`, so
    /// a bit per reading says all there is to say.
    backlog: IdSet,
    /// What keeps the backlog from reaching the service.
    blocker: Option<Blocker>,
}

/// Readings on their way, each with where it is and what blocks it,
/// looked up by reading id. Of several copies of one reading the first
/// found wins. Holds what is on links (a few hundred at most), filled in
/// one pass with no sort.
#[derive(Default)]
pub(super) struct ById {
    found: Vec<(u64, Place, Option<Blocker>)>,
    /// Smallest id in `found`; `slot[id - lo]` is its index in `found`.
    lo: u64,
    slot: Vec<u32>,
}

impl ById {
    fn push(&mut self, id: u64, place: Place, blocker: Option<Blocker>) {
        self.found.push((id, place, blocker));
    }

    /// Builds the table once everything is pushed.
    fn index(&mut self) {
        let Some(lo) = self.found.iter().map(|e| e.0).min() else {
            return;
        };
        let hi = self.found.iter().map(|e| e.0).max().unwrap_or(lo);
        // Ids span at most the readings made so far; the bound keeps a
        // stray id from asking for a huge table (then nothing is indexed
        // and `get` scans, which never happens with the Meter's ids).
        let span = hi - lo + 1;
        if span > 16 * self.found.len() as u64 + 65_536 {
            return;
        }
        self.lo = lo;
        self.slot = vec![u32::MAX; span as usize];
        for (i, e) in self.found.iter().enumerate() {
            let s = &mut self.slot[(e.0 - lo) as usize];
            if *s == u32::MAX {
                *s = i as u32;
            }
        }
    }

    /// False when reading `id` is surely not here (a range test, cheaper
    /// than [`ById::get`]).
    fn may_hold(&self, id: u64) -> bool {
        if self.slot.is_empty() {
            return !self.found.is_empty();
        }
        id >= self.lo && id - self.lo < self.slot.len() as u64
    }

    /// Where reading `id` is, if it is on its way.
    pub(super) fn get(&self, id: u64) -> Option<(Place, Option<Blocker>)> {
        let e = if self.slot.is_empty() {
            self.found.iter().find(|e| e.0 == id)?
        } else {
            let i = *self
                .slot
                .get(usize::try_from(id.checked_sub(self.lo)?).ok()?)?;
            self.found.get(i as usize)?
        };
        Some((e.1, e.2))
    }
}

/// A set of reading ids that only keeps those in `lo..=hi`, the span of
/// the ids anyone will ask about. A ten-minute run can hold 13,000
/// readings in one group's backlog, and the views ask after each missing
/// reading every 100 ms of virtual time, so this is a bit per id of the
/// span (the Meter numbers readings densely), set in one pass over the
/// backlog; a span too wide for bits (never with the Meter's ids) keeps
/// the ids in a sorted list instead.
#[derive(Default)]
struct IdSet {
    lo: u64,
    hi: u64,
    /// Bit `i` stands for id `lo + i`; empty when `sorted` is used.
    bits: Vec<u64>,
    /// The ids, when the span is too wide for bits (sorted by `seal`).
    sorted: Option<Vec<u64>>,
}

impl IdSet {
    /// An empty set that will keep ids in `lo..=hi`; `None` keeps none.
    fn over(span: Option<(u64, u64)>) -> Self {
        let Some((lo, hi)) = span.filter(|(lo, hi)| lo <= hi) else {
            return IdSet {
                lo: 1,
                hi: 0,
                ..IdSet::default()
            };
        };
        let words = (hi - lo) / 64 + 1;
        if words > 1 << 16 {
            return IdSet {
                lo,
                hi,
                bits: Vec::new(),
                sorted: Some(Vec::new()),
            };
        }
        IdSet {
            lo,
            hi,
            bits: vec![0; words as usize],
            sorted: None,
        }
    }

    #[inline]
    fn insert(&mut self, id: u64) {
        if id < self.lo || id > self.hi {
            return;
        }
        match &mut self.sorted {
            Some(ids) => ids.push(id),
            None => {
                let i = id - self.lo;
                self.bits[(i / 64) as usize] |= 1 << (i % 64);
            }
        }
    }

    /// Readies the set for `contains` once everything is inserted.
    fn seal(&mut self) {
        if let Some(ids) = &mut self.sorted {
            ids.sort_unstable();
            ids.dedup();
        }
    }

    #[inline]
    fn contains(&self, id: u64) -> bool {
        if id < self.lo || id > self.hi {
            return false;
        }
        match &self.sorted {
            Some(ids) => ids.binary_search(&id).is_ok(),
            None => {
                let i = id - self.lo;
                self.bits[(i / 64) as usize] & (1 << (i % 64)) != 0
            }
        }
    }
}

impl ToGroup {
    /// True when reading `id` is in the backlog and surely on no link:
    /// where nearly every missing reading of a long run is, so the views
    /// answer it with two cheap tests.
    fn only_in_backlog(&self, id: u64) -> bool {
        self.backlog.contains(id) && !self.on_links.may_hold(id)
    }

    /// Where reading `id` is on its way to the group's service: a copy on
    /// a link first, then the backlog.
    fn get(&self, id: u64) -> Option<(Place, Option<Blocker>)> {
        self.on_links.get(id).or_else(|| {
            self.backlog
                .contains(id)
                .then_some((Place::Broker, self.blocker))
        })
    }
}

/// Calls `each` with every id of `ids`, in order, and no missing
/// reading's loss. (A plain counter: `RangeInclusive`'s own `next` did
/// not inline and was a tenth of a seek's time.)
fn each_of(ids: std::ops::RangeInclusive<u64>, each: &mut impl FnMut(u64, Option<&Loss>)) {
    let (mut id, last) = ids.into_inner();
    loop {
        each(id, None);
        if id >= last {
            break;
        }
        id += 1;
    }
}

impl PowerGrid {
    /// Where the readings on their way are now. Only the backlog's
    /// readings some service misses are kept (see [`PowerGrid::missing`]).
    pub(super) fn transit(&self, env: &Env<'_, AnyMsg>) -> Transit {
        let mut publishing = ById::default();
        let mut to_group: [ToGroup; 3] =
            [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP].map(|g| ToGroup {
                backlog: IdSet::over(self.missing_span(g)),
                blocker: env.group_blocker(g),
                ..ToGroup::default()
            });
        for (f, place, _) in env.flights() {
            match &f.wire {
                Wire::Publish { payload, .. } => {
                    if let Some(r) = Reading::from_any(payload) {
                        publishing.push(r.id, place, env.blocker(f.from, f.to));
                    }
                }
                Wire::Deliver { group, payload, .. } => {
                    if let (Some(v), Some(r)) = (
                        to_group.get_mut(group.0 as usize),
                        Reading::from_any(payload),
                    ) {
                        v.on_links.push(r.id, place, env.blocker(f.from, f.to));
                    }
                }
                _ => {}
            }
        }
        for (g, v) in to_group.iter_mut().enumerate() {
            for (_, part) in env.backlog_parts(GroupId(g as u16)) {
                for r in part {
                    if let Some(r) = Reading::from_any(&r.payload) {
                        v.backlog.insert(r.id);
                    }
                }
            }
            v.backlog.seal();
            v.on_links.index();
        }
        publishing.index();
        Transit {
            publishing,
            to_group,
        }
    }

    /// The smallest and the largest id of the readings `group`'s service
    /// misses, if it misses any.
    fn missing_span(&self, group: GroupId) -> Option<(u64, u64)> {
        let ends = |m: &RunMap<Time>| Some((m.first()?.0, m.last()?.0));
        match group {
            BILLING_GROUP => ends(&self.unbilled),
            LOAD_GROUP => {
                let mut span: Option<(u64, u64)> = None;
                self.missing(group, |id, _| {
                    span = Some(span.map_or((id, id), |(lo, hi)| (lo.min(id), hi.max(id))));
                });
                span
            }
            _ => ends(&self.unanalysed),
        }
    }

    pub(super) fn load_lag(&self) -> Option<Time> {
        (1..=METERS)
            .filter_map(|m| {
                let row = &self.meters[(m - 1) as usize];
                let seen = self.load[(m - 1) as usize].applied.map_or(0, |a| a.1);
                let latest = row.latest.map_or(0, |l| l.1);
                (seen != latest)
                    .then(|| row.times.get(seen as usize).or(row.times.last()).copied())
                    .flatten()
            })
            .min()
    }

    /// Where reading `id`, which `group`'s service misses, is now: on a
    /// link or in the broker on its way to it, on its way to the broker,
    /// in the outbox, saved and waiting to be published (dual write), or
    /// (Analytics) queued for the next batch; with what blocks it.
    pub(super) fn locate(
        &self,
        env: &Env<'_, AnyMsg>,
        transit: &Transit,
        group: GroupId,
        id: u64,
    ) -> Option<(Place, Option<Blocker>)> {
        if let Some(found) = transit
            .to_group
            .get(group.0 as usize)
            .and_then(|g| g.get(id))
        {
            return Some(found);
        }
        if let Some(found) = transit.publishing.get(id) {
            return Some(found);
        }
        if self.pending.contains_key(&id) {
            return Some((Place::Unpublished, None));
        }
        if self.outbox_rows.contains_key(&id) {
            return Some((Place::Outbox, env.blocker(METER, BROKER)));
        }
        if group == ANALYTICS_GROUP && self.inbox.contains_key(&id) {
            return Some((Place::Batch, env.down(ANALYTICS)));
        }
        None
    }

    /// The readings `group`'s service misses (for the load balancer: the
    /// latest reading of each meter it has not applied), each with the
    /// loss that explains it when it is wrong for good rather than late.
    pub(super) fn missing(&self, group: GroupId, mut each: impl FnMut(u64, Option<&Loss>)) {
        match group {
            BILLING_GROUP => {
                for (ids, _) in self.unbilled.runs() {
                    each_of(ids, &mut each);
                }
            }
            LOAD_GROUP => {
                for m in (1..=METERS).filter(|&m| self.meter_stale(m)) {
                    if let Some((id, _, _)) = self.meters[(m - 1) as usize].latest {
                        each(id, self.load_overwritten.get(&m));
                    }
                }
            }
            _ => {
                for (ids, _) in self.unanalysed.runs() {
                    each_of(ids, &mut each);
                }
            }
        }
    }

    /// How `group`'s service stands: diverged when a reading it misses is
    /// nowhere (with the loss that explains it) or it billed a reading
    /// twice; stuck when a reading it misses cannot move; catching up
    /// otherwise, with where the missing readings are. `unaccounted` hears
    /// of a missing reading found nowhere and explained by no loss (which
    /// the tests require never to happen).
    pub(super) fn standing(
        &self,
        env: &Env<'_, AnyMsg>,
        transit: &Transit,
        group: GroupId,
        unaccounted: &mut dyn FnMut(u64),
    ) -> Standing {
        let mut at = Whereabouts::new();
        let mut blocker = None;
        let mut first: Option<Loss> = None;
        let mut losses = 0u32;
        let mut lose = |l: &Loss| {
            losses += 1;
            if first.is_none_or(|f| (l.when.at, l.when.event) < (f.when.at, f.when.event)) {
                first = Some(*l);
            }
        };
        let to = transit.to_group.get(group.0 as usize);
        let mut queued = 0u32;
        let queue_blocker = to.and_then(|t| t.blocker);
        self.missing(group, |id, wrong| {
            if to.is_some_and(|t| t.only_in_backlog(id)) {
                queued += 1;
                // (Written once: copying a `None` for each of 13,000
                // readings showed in profiles.)
                if blocker.is_none() && queue_blocker.is_some() {
                    blocker = queue_blocker;
                }
            } else if let Some((place, b)) = self.locate(env, transit, group, id) {
                at.add(place, 1);
                if blocker.is_none() && b.is_some() {
                    blocker = b;
                }
            } else if let Some(l) = wrong {
                lose(l);
            } else if let Some(l) = self.lost.get(&(id, group.0)) {
                lose(l);
            } else {
                unaccounted(id);
                at.add(Place::InFlight, 1);
            }
        });
        at.add(Place::Broker, queued);
        if group == BILLING_GROUP {
            for c in self.billing_diff() {
                if let Some(l) = self.billed_twice.get(&c) {
                    lose(l);
                }
            }
        }
        match first {
            Some(loss) => Standing::Diverged {
                loss,
                more: losses - 1,
            },
            None => Standing::behind(at, blocker),
        }
    }

    /// `group` has the reading now: it is lost to it no more.
    pub(super) fn found(&mut self, id: u64, group: GroupId) {
        self.lost.remove(&(id, group.0));
    }

    /// Readings a consumer misses that are nowhere and explained by no
    /// loss, as (group, reading id): always empty unless the standing's
    /// bookkeeping has a gap.
    pub fn unaccounted(&self, env: &Env<'_, AnyMsg>) -> Vec<(GroupId, u64)> {
        let transit = self.transit(env);
        let mut out = Vec::new();
        for g in [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP] {
            self.standing(env, &transit, g, &mut |id| out.push((g, id)));
        }
        out
    }

    pub(super) fn view_statuses(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        let transit = self.transit(env);
        let [billing, load, analytics] = [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP]
            .map(|g| self.standing(env, &transit, g, &mut |_| {}));
        vec![
            ViewStatus {
                name: "Billing".into(),
                node: Some(BILLING),
                differing: self.billing_diff().count() as u32,
                total: CUSTOMERS as u32,
                unit: "customers",
                lag_since: self.unbilled.first().map(|f| f.1),
                noun: READING,
                standing: billing,
            },
            ViewStatus {
                name: "Load balancer".into(),
                node: Some(LOAD_BALANCER),
                differing: (0..ZONES).filter(|&z| self.zone_stale(z)).count() as u32,
                total: ZONES as u32,
                unit: "zones",
                lag_since: self.load_lag(),
                noun: READING,
                standing: load,
            },
            ViewStatus {
                name: "Analytics".into(),
                node: Some(ANALYTICS),
                differing: (0..ZONES as usize)
                    .filter(|&z| self.analytics_zone[z] != self.truth_zone_energy[z])
                    .count() as u32,
                total: ZONES as u32,
                unit: "zones",
                lag_since: self.unanalysed.first().map(|f| f.1),
                noun: READING,
                standing: analytics,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(items: &[(u64, Place)]) -> ById {
        let mut t = ById::default();
        for &(id, place) in items {
            t.push(id, place, None);
        }
        t.index();
        t
    }

    #[test]
    fn the_first_copy_of_a_reading_found_is_where_it_is() {
        let t = table(&[
            (7, Place::InFlight),
            (5, Place::Broker),
            (7, Place::Held),
            (9, Place::Broker),
        ]);
        assert_eq!(t.get(7), Some((Place::InFlight, None)));
        assert_eq!(t.get(5), Some((Place::Broker, None)));
        assert_eq!(t.get(9), Some((Place::Broker, None)));
        for absent in [0, 4, 6, 8, 10, u64::MAX] {
            assert_eq!(t.get(absent), None, "reading {absent}");
        }
        assert_eq!(ById::default().get(1), None, "nothing on its way");
    }

    fn set(span: (u64, u64), ids: &[u64]) -> IdSet {
        let mut s = IdSet::over(Some(span));
        for &id in ids {
            s.insert(id);
        }
        s.seal();
        s
    }

    #[test]
    fn a_backlog_set_keeps_exactly_the_ids_in_its_span() {
        // Bits: the span of a long run's missing readings.
        let bits = set(
            (100, 13_100),
            &[99, 100, 163, 164, 5_000, 13_100, 13_101, 7],
        );
        assert!(bits.sorted.is_none(), "a dense span is kept as bits");
        for id in [100, 163, 164, 5_000, 13_100] {
            assert!(bits.contains(id), "reading {id} is in the backlog");
        }
        for id in [0, 7, 99, 101, 162, 165, 4_999, 13_099, 13_101, u64::MAX] {
            assert!(!bits.contains(id), "reading {id} is not");
        }
        // A span too wide for bits keeps a sorted list with the same answers.
        let wide = set((3, 1 << 40), &[1 << 40, 3, 9, 9, 1 << 41]);
        assert!(
            wide.sorted.is_some() && wide.bits.is_empty(),
            "no 2^34 words"
        );
        for id in [3, 9, 1 << 40] {
            assert!(wide.contains(id), "reading {id} is in the backlog");
        }
        for id in [2, 4, 10, (1 << 40) - 1, 1 << 41] {
            assert!(!wide.contains(id), "reading {id} is not");
        }
        // No missing readings: nothing is kept.
        let mut none = IdSet::over(None);
        none.insert(5);
        none.seal();
        assert!(!none.contains(5));
    }

    #[test]
    fn a_copy_on_a_link_is_where_a_reading_is_even_when_the_backlog_holds_it() {
        // The record delivered and not yet acknowledged is in the backlog
        // and on the link to the service at once.
        let blocked = Some(Blocker::Paused { node: BILLING });
        let to = ToGroup {
            on_links: table(&[(41, Place::Held)]),
            backlog: set((40, 60), &[41, 42, 43]),
            blocker: blocked,
        };
        assert!(!to.only_in_backlog(41));
        assert_eq!(to.get(41), Some((Place::Held, None)));
        assert!(to.only_in_backlog(43));
        assert_eq!(to.get(43), Some((Place::Broker, blocked)));
        assert_eq!(to.get(44), None);
        assert!(!to.only_in_backlog(44));
    }

    #[test]
    fn ids_too_far_apart_for_a_table_are_still_found() {
        let t = table(&[
            (3, Place::Held),
            (1 << 40, Place::Broker),
            (3, Place::Broker),
        ]);
        assert!(t.slot.is_empty(), "no table of 2^40 slots");
        assert_eq!(t.get(3), Some((Place::Held, None)));
        assert_eq!(t.get(1 << 40), Some((Place::Broker, None)));
        assert_eq!(t.get(4), None);
    }
}
