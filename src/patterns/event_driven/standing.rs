//! How each view stands: where every reading is (on its way, held,
//! lost), and which will never arrive by themselves.

use super::*;

/// What the meter's views call an update.
pub(super) const READING: Noun = Noun::new("reading", "readings");

/// Where the readings on their way are, found in one pass over the
/// links and the consumer groups' backlogs for each `views` call.
pub(super) struct Transit {
    /// Readings on their way to the broker.
    pub(super) publishing: ById,
    /// Per consumer group: readings on their way to its service and in its
    /// backlog.
    pub(super) to_group: [ById; 3],
}

/// Readings on their way, each with where it is and what blocks it,
/// looked up by reading id. Of several copies of one reading the first
/// found wins. A ten-minute run can hold 13,000 readings in one group's
/// backlog and the views look them up every 100 ms of virtual time, so
/// this is a table indexed by id (reading ids are dense: the Meter numbers
/// them in order), filled in one pass with no sort.
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

impl Transit {
    pub(super) fn of(env: &Env<'_, AnyMsg>) -> Self {
        let mut publishing = ById::default();
        let mut to_group: [ById; 3] = Default::default();
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
                        v.push(r.id, place, env.blocker(f.from, f.to));
                    }
                }
                _ => {}
            }
        }
        for (g, v) in to_group.iter_mut().enumerate() {
            let group = GroupId(g as u16);
            let blocker = env.group_blocker(group);
            for (_, r) in env.backlog(group) {
                if let Some(r) = Reading::from_any(&r.payload) {
                    v.push(r.id, Place::Broker, blocker);
                }
            }
        }
        publishing.index();
        for v in &mut to_group {
            v.index();
        }
        Transit {
            publishing,
            to_group,
        }
    }
}

impl PowerGrid {
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
            .and_then(|l| l.get(id))
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
    pub(super) fn missing(&self, group: GroupId, each: &mut dyn FnMut(u64, Option<&Loss>)) {
        match group {
            BILLING_GROUP => {
                for &id in self.unbilled.keys() {
                    each(id, None);
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
                for &id in self.unanalysed.keys() {
                    each(id, None);
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
        self.missing(group, &mut |id, wrong| {
            if let Some((place, b)) = self.locate(env, transit, group, id) {
                at.add(place, 1);
                blocker = blocker.or(b);
            } else if let Some(l) = wrong {
                lose(l);
            } else if let Some(l) = self.lost.get(&(id, group.0)) {
                lose(l);
            } else {
                unaccounted(id);
                at.add(Place::InFlight, 1);
            }
        });
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
        let transit = Transit::of(env);
        let mut out = Vec::new();
        for g in [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP] {
            self.standing(env, &transit, g, &mut |id| out.push((g, id)));
        }
        out
    }

    pub(super) fn view_statuses(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        let transit = Transit::of(env);
        let [billing, load, analytics] = [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP]
            .map(|g| self.standing(env, &transit, g, &mut |_| {}));
        vec![
            ViewStatus {
                name: "Billing".into(),
                node: Some(BILLING),
                differing: self.billing_diff().count() as u32,
                total: CUSTOMERS as u32,
                unit: "customers",
                lag_since: self.unbilled.values().next().copied(),
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
                lag_since: self.unanalysed.values().next().copied(),
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
