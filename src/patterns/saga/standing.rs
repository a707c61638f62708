//! How each view stands (converged, catching up, stuck, diverged): which
//! sagas are still open, what carries each one forward, and which updates
//! will never arrive by themselves.

use super::*;

/// In [`union`]'s flags: the saga is open in the orchestrator's log.
pub(super) const IN_LOG: u8 = 1;

/// The sorted union of two sorted sequences of ids, each once, with their
/// flags or-ed together.
pub(super) fn union(
    a: impl Iterator<Item = (u64, u8)>,
    b: impl Iterator<Item = (u64, u8)>,
) -> Vec<(u64, u8)> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    let mut out: Vec<(u64, u8)> = Vec::with_capacity(a.size_hint().0.max(b.size_hint().0));
    loop {
        let next = match (a.peek().copied(), b.peek().copied()) {
            (Some(x), Some(y)) if x.0 <= y.0 => {
                a.next();
                x
            }
            (_, Some(y)) => {
                b.next();
                y
            }
            (Some(x), None) => {
                a.next();
                x
            }
            (None, None) => break,
        };
        match out.last_mut() {
            Some(last) if last.0 == next.0 => last.1 |= next.1,
            _ => out.push(next),
        }
    }
    out
}

/// Looks up increasing keys in a [`VecMap`] by walking it once, from the
/// first key that will be asked for.
pub(super) struct Walk<'a, V> {
    pub(super) entries: std::iter::Peekable<crate::sim::vecmap::Iter<'a, u64, V>>,
}

impl<'a, V> Walk<'a, V> {
    pub(super) fn new(map: &'a VecMap<u64, V>, from: Option<u64>) -> Self {
        Walk {
            entries: map.range(from.unwrap_or(u64::MAX)..).peekable(),
        }
    }

    /// The value for `key`; keys must be asked for in increasing order.
    pub(super) fn get(&mut self, key: u64) -> Option<&'a V> {
        while self.entries.next_if(|(k, _)| **k < key).is_some() {}
        self.entries
            .peek()
            .filter(|(k, _)| **k == key)
            .map(|(_, v)| *v)
    }
}

/// Orders whose state disagrees with their payment, and with their stock
/// (by id, with when each was placed): what the two views count, kept as
/// the services act.
#[derive(Clone, Debug, Default)]
pub(super) struct Disagreements {
    pay: VecMap<u64, Time>,
    stock: VecMap<u64, Time>,
}

impl Disagreements {
    /// Order `id`'s rows as they are now.
    pub(super) fn update(
        &mut self,
        id: u64,
        order: Option<&OrderRow>,
        charge: Option<&Charge>,
        reservation: Option<&Reservation>,
    ) {
        let mark = |map: &mut VecMap<u64, Time>, agrees: bool| match order {
            Some(o) if !agrees => {
                map.insert(id, o.at);
            }
            _ => {
                map.remove(&id);
            }
        };
        mark(
            &mut self.pay,
            order.is_none_or(|o| agrees_with_payment(o, charge)),
        );
        mark(
            &mut self.stock,
            order.is_none_or(|o| agrees_with_stock(o, reservation)),
        );
    }

    /// How many orders disagree with `map`'s side, and since when (the
    /// earliest of them was placed).
    fn count(map: &VecMap<u64, Time>) -> (u32, Option<Time>) {
        (map.len() as u32, map.values().copied().min())
    }

    /// Roughly the heap the two sets hold.
    pub(super) fn heap_bytes(&self) -> u64 {
        self.pay.heap_bytes() + self.stock.heap_bytes()
    }
}

/// The step an operation runs or undoes.
pub(super) fn op_step(op: Op) -> Step {
    match op {
        Op::Do(s) | Op::Undo(s) => s,
    }
}

/// The observer's notes on updates that will never arrive by themselves,
/// for the views' standings (no node holds them; kept small: one entry per
/// saga at most, pruned when the saga moves on where it can).
#[derive(Clone, Debug, Default)]
pub(super) struct Losses {
    /// Payment-side effects applied twice or wrongly, by saga. Nothing in
    /// the model undoes them, so they stay.
    pub(super) pay: VecMap<u64, Loss>,
    /// Stock- and courier-side effects applied twice or wrongly, by saga.
    pub(super) stock: VecMap<u64, Loss>,
    /// Choreographed sagas whose next event was lost on the way to the
    /// broker; dropped when the saga publishes again or ends.
    pub(super) stalled: VecMap<u64, Loss>,
    /// Sagas whose current compensation keeps failing: the service and
    /// the time of the first failed attempt; dropped when one succeeds.
    pub(super) failing: VecMap<u64, (NodeId, Time)>,
}

/// What a service's data looked like for a saga before it ran an
/// operation, to tell a harmful repeat from a harmless one.
#[derive(Copy, Clone, Debug)]
pub(super) struct Before {
    pub(super) runs: usize,
    pub(super) compensations: usize,
    pub(super) ended: bool,
    pub(super) status: Option<OrderStatus>,
    pub(super) reservation: Option<ReservationState>,
}

/// Which views an effect applied wrongly makes diverge.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Pay,
    Stock,
    Both,
}

/// Something on its way that can move a saga on: a message on a link, a
/// record in the broker, a compensation waiting to be retried.
#[derive(Copy, Clone, Debug)]
pub(super) struct Carrier {
    pub(super) saga: u64,
    pub(super) place: Place,
    pub(super) blocker: Option<Blocker>,
    pub(super) kind: CarrierKind,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum CarrierKind {
    /// A customer's order on its way.
    PlaceOrder,
    /// An orchestrator's request or a service's reply for this operation.
    Orchestrated(Op),
    /// A choreographed event, or a service's own retry.
    Choreographed,
}

/// Where the unfinished sagas are, built once per [`Scenario::views`] call.
#[derive(Debug, Default)]
pub(super) struct OpenSagas {
    /// Sagas whose next move can happen, by where it is.
    pub(super) moving: Whereabouts,
    /// Sagas whose next move cannot happen now, by where it waits.
    pub(super) stuck: Whereabouts,
    /// What they wait on, with how many wait on each.
    pub(super) blockers: Vec<(Blocker, u32)>,
    /// Choreographed sagas that nothing will move on again.
    pub(super) stalled: Vec<Loss>,
    /// When the oldest unfinished saga started.
    pub(super) since: Option<Time>,
}

impl OpenSagas {
    pub(super) fn count(&mut self, place: Place, blocker: Option<Blocker>) {
        match blocker {
            None => self.moving.add(place, 1),
            Some(b) => {
                self.stuck.add(place, 1);
                match self.blockers.iter_mut().find(|(x, _)| *x == b) {
                    Some((_, n)) => *n += 1,
                    None => self.blockers.push((b, 1)),
                }
            }
        }
    }

    /// Stuck when any saga cannot move (naming what most of them wait
    /// on), catching up when some are on their way, else converged.
    pub(super) fn standing(&self) -> Standing {
        let mut best: Option<(Blocker, u32)> = None;
        for &(b, n) in &self.blockers {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((b, n));
            }
        }
        match best {
            Some((on, _)) => Standing::Stuck { at: self.stuck, on },
            None => Standing::behind(self.moving, None),
        }
    }
}

/// Diverged on the earliest of `losses`, counting the others; `None` when
/// there are none.
pub(super) fn diverged<'a>(losses: impl Iterator<Item = &'a Loss>) -> Option<Standing> {
    let (mut first, mut n): (Option<Loss>, u32) = (None, 0);
    for l in losses {
        n += 1;
        let earlier = first.is_none_or(|f| (l.when.at, l.when.event) < (f.when.at, f.when.event));
        if earlier {
            first = Some(*l);
        }
    }
    first.map(|loss| Standing::Diverged { loss, more: n - 1 })
}

impl Saga {
    /// Where every unfinished saga is now and what it waits on, in one
    /// pass over the messages on links, the broker's uncommitted records
    /// and the services' retry lists (O(sagas + messages + records)).
    ///
    /// A saga is unfinished while the ledger or the orchestrator's log says
    /// it has not ended; an order on its way to its first service counts
    /// too. An orchestrated saga always has its next move somewhere: the
    /// request or reply on a link, or the orchestrator's timer that will
    /// ask again (durable log, so even a crash only pauses it). A
    /// choreographed saga moves only through its events: on a link to or
    /// from the broker, in the broker beyond the reacting service's
    /// committed offset, or in a service's list of compensations to retry;
    /// with none of those left and its last event lost, it has stalled for
    /// good.
    pub(super) fn open_sagas(&self, env: &Env<'_, AnyMsg>) -> OpenSagas {
        let mut carriers: Vec<Carrier> = Vec::new();
        for (f, place, payload) in env.flights() {
            let (saga, kind) = match payload.and_then(Msg::from_any) {
                Some(Msg::PlaceOrder(o)) => (o.id, CarrierKind::PlaceOrder),
                Some(Msg::Do { saga, step, .. } | Msg::Done { saga, step, .. }) => {
                    (*saga, CarrierKind::Orchestrated(Op::Do(*step)))
                }
                Some(Msg::Undo { saga, step, .. } | Msg::Undone { saga, step, .. }) => {
                    (*saga, CarrierKind::Orchestrated(Op::Undo(*step)))
                }
                Some(Msg::Event { saga, what, .. }) => {
                    // A delivery to a service that does not react to it moves nothing.
                    if matches!(f.wire, Wire::Deliver { .. }) && f.to != what.reaction().0 {
                        continue;
                    }
                    (*saga, CarrierKind::Choreographed)
                }
                _ => continue,
            };
            carriers.push(Carrier {
                saga,
                place,
                blocker: env.blocker(f.from, f.to),
                kind,
            });
        }
        for (group, node) in GROUPS {
            let mut blocker = None;
            for (_, rec) in env.backlog(group) {
                if let Some(&Msg::Event { saga, what, .. }) = Msg::from_any(&rec.payload) {
                    if what.reaction().0 == node {
                        carriers.push(Carrier {
                            saga,
                            place: Place::Broker,
                            blocker: *blocker.get_or_insert_with(|| env.group_blocker(group)),
                            kind: CarrierKind::Choreographed,
                        });
                    }
                }
            }
        }
        for (book, node) in self.books.iter().zip([ORDER, PAYMENT, INVENTORY, SHIPPING]) {
            if book.retry.is_empty() {
                continue;
            }
            // The service retries on its own and publishes what happened.
            let blocker = env.blocker(node, BROKER);
            for &(saga, _) in book.retry.keys() {
                carriers.push(Carrier {
                    saga,
                    place: Place::Retrying,
                    blocker,
                    kind: CarrierKind::Choreographed,
                });
            }
        }
        crate::sim::sort::sort_by_key(&mut carriers, |c| c.saga);

        // Unfinished sagas and orders not started yet, in id order, walking
        // the sorted sets and maps side by side (no search per saga).
        let fresh: Vec<u64> = {
            let mut known = Walk::new(&self.ledger.sagas, carriers.first().map(|c| c.saga));
            let mut v: Vec<u64> = carriers
                .iter()
                .map(|c| c.saga)
                .filter(|&id| known.get(id).is_none())
                .collect();
            v.dedup();
            v
        };
        let ids = union(
            union(
                self.ledger.open.iter().map(|&id| (id, 0)),
                self.orchestrator.open.iter().map(|&id| (id, IN_LOG)),
            )
            .into_iter(),
            fresh.into_iter().map(|id| (id, 0)),
        );
        let first = ids.first().map(|x| x.0);
        let mut records = Walk::new(&self.ledger.sagas, first);
        let mut logs = Walk::new(&self.orchestrator.log, first);
        let orchestrator_up = env.is_up(ORCHESTRATOR);
        // What keeps the orchestrator from asking the service of a step
        // again, and from hearing back, per step.
        let mut resend = [None; 6];
        let mut reply = [None; 6];
        for step in Step::ALL {
            let n = step.service();
            reply[step as usize] = env.blocker(n, ORCHESTRATOR);
            resend[step as usize] = env.blocker(ORCHESTRATOR, n).or(reply[step as usize]);
        }
        let settle = self.settle_time();

        let mut out = OpenSagas::default();
        let mut lo = 0;
        for (id, flags) in ids {
            while lo < carriers.len() && carriers[lo].saga < id {
                lo += 1;
            }
            let mut hi = lo;
            while hi < carriers.len() && carriers[hi].saga == id {
                hi += 1;
            }
            let record = records.get(id);
            if let Some(r) = record {
                out.since = Some(out.since.map_or(r.started, |t| t.min(r.started)));
            }
            let phase = logs
                .get(id)
                .filter(|_| flags & IN_LOG != 0)
                .and_then(|l| match l.phase {
                    Phase::Step(s) => Some(Op::Do(s)),
                    Phase::Compensate(s) => Some(Op::Undo(s)),
                    Phase::Completed | Phase::Compensated => None,
                });
            let relevant = carriers[lo..hi].iter().filter(|c| match c.kind {
                CarrierKind::PlaceOrder => record.is_none(),
                CarrierKind::Orchestrated(op) => Some(op) == phase,
                CarrierKind::Choreographed => {
                    record.is_some_and(|r| r.style == Style::Choreographed)
                }
            });
            let (mut moving, mut blocked) = (None, None);
            for c in relevant {
                match c.blocker {
                    None => {
                        moving = Some(c.place);
                        break;
                    }
                    Some(b) => {
                        blocked.get_or_insert((c.place, b));
                    }
                }
            }
            let failing = (!self.losses.failing.is_empty())
                .then(|| self.losses.failing.get(&id))
                .flatten()
                .filter(|(_, since)| env.now.saturating_sub(*since) > settle)
                .map(|&(node, since)| Blocker::Failing { node, since });
            let step = |op: Op| op_step(op) as usize;
            let (place, blocker) = match (phase, moving, blocked) {
                (Some(op), _, _) if !orchestrator_up => (
                    moving.or(blocked.map(|b| b.0)).unwrap_or(Place::Retrying),
                    reply[step(op)],
                ),
                (_, Some(place), _) => (place, failing.filter(|_| place == Place::Retrying)),
                (_, None, Some((place, b))) => (place, Some(b)),
                // Nothing on a link: the orchestrator's timer will ask again.
                (Some(op), None, None) => (Place::Retrying, resend[step(op)].or(failing)),
                (None, None, None) => match self.losses.stalled.get(&id) {
                    Some(loss) => {
                        out.stalled.push(*loss);
                        continue;
                    }
                    // Never expected (the tests check it): an unfinished
                    // saga with nothing on its way and nothing lost.
                    None => (Place::Running, None),
                },
            };
            out.count(place, blocker);
        }
        out
    }

    /// Both views compare each order with another service's data, and
    /// both stand the same way while sagas are unfinished (an order's final
    /// state decides what its payment and its stock must be): catching up
    /// while every unfinished saga's next move is on its way, stuck while
    /// one cannot move, diverged when an effect was applied twice or
    /// against the saga's decision (on that view's side), or when a
    /// choreographed saga stalled for good (on both).
    pub(super) fn view_statuses(&self, env: &Env<'_, AnyMsg>) -> Vec<ViewStatus> {
        let (pay, pay_since) = Disagreements::count(&self.disagree.pay);
        let (stock, stock_since) = Disagreements::count(&self.disagree.stock);
        let open = self.open_sagas(env);
        let behind = open.standing();
        let total = self.orders.len() as u32;
        let view =
            |name: &str, node, differing: u32, since: Option<Time>, lost: &VecMap<u64, Loss>| {
                let standing =
                    diverged(lost.values().chain(&open.stalled)).unwrap_or(match behind {
                        // Never expected (the tests check it): data differs with
                        // no saga unfinished and nothing lost.
                        Standing::Converged if differing > 0 => {
                            Standing::CatchingUp(Whereabouts::new().with(Place::Running, differing))
                        }
                        s => s,
                    });
                let since = match (since, open.since) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                ViewStatus {
                    name: name.into(),
                    node: Some(node),
                    differing,
                    total,
                    unit: "orders",
                    lag_since: since.filter(|_| standing != Standing::Converged),
                    noun: Noun::new("order", "orders"),
                    standing,
                }
            };
        vec![
            view(
                "Orders vs payments",
                PAYMENT,
                pay,
                pay_since,
                &self.losses.pay,
            ),
            view(
                "Orders vs stock",
                INVENTORY,
                stock,
                stock_since,
                &self.losses.stock,
            ),
        ]
    }
}
