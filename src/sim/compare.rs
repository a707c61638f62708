//! Where two runs part ways: the first event at which two traces of the
//! same pattern differ, for compare mode (two runs on one clock).
//!
//! Two runs of the same pattern and seed replay the same events until one
//! of them is given something the other is not (a toggle, a fault, a
//! setting) and the world reacts. The learner's own commands are what the
//! comparison is *about*, so they are skipped on both sides; the first
//! difference is the first event of the world that is not the same in
//! both: another time, kind, service, peer, message or detail.
//!
//! Event ids, causes and Lamport clocks are not compared: a command on
//! one side shifts every later id by one without the world doing anything
//! else.
//!
//! The search is incremental. [`first_difference`] takes the cursor a
//! previous call returned ([`Agreed`]) and goes on from there, so a
//! comparison made ten times a second costs only the events since the last
//! one.

use super::trace::{Trace, TraceEvent, TraceKind};
use super::types::{EventId, Time};

/// How far two traces are known to agree: the next event to compare on
/// each side (ids of each trace).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Agreed {
    /// Next event of run A to compare.
    pub a: EventId,
    /// Next event of run B to compare.
    pub b: EventId,
}

/// The first event at which two runs differ.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// A's event there, or `None` when A has nothing more by now.
    pub a: Option<EventId>,
    /// B's event there, or `None` when B has nothing more by now.
    pub b: Option<EventId>,
    /// When the runs part ways: the earlier of the two events' times.
    pub time: Time,
}

/// What a comparison found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Every event so far is the same; go on from here next time.
    Same(Agreed),
    /// The runs part ways here.
    Differs(Divergence),
}

/// Compares two traces of runs that have both reached the same moment,
/// from `from` on (use `Agreed::default()` the first time, and again
/// after either run's script changes or it goes back in time). Events
/// no longer in a trace's window are skipped on that side.
pub fn first_difference<M: PartialEq + Clone>(
    a: &Trace<M>,
    b: &Trace<M>,
    from: Agreed,
) -> Comparison {
    let mut ea = a.events().skip_while(|e| e.id < from.a).peekable();
    let mut eb = b.events().skip_while(|e| e.id < from.b).peekable();
    let next_a = a.next_id();
    let next_b = b.next_id();
    loop {
        while ea.next_if(|e| is_command(e)).is_some() {}
        while eb.next_if(|e| is_command(e)).is_some() {}
        match (ea.peek(), eb.peek()) {
            (None, None) => {
                return Comparison::Same(Agreed {
                    a: next_a,
                    b: next_b,
                })
            }
            (Some(x), Some(y)) if same(x, y) => {
                ea.next();
                eb.next();
            }
            (x, y) => {
                let time = match (x, y) {
                    (Some(x), Some(y)) => x.time.min(y.time),
                    (Some(e), None) | (None, Some(e)) => e.time,
                    (None, None) => 0,
                };
                return Comparison::Differs(Divergence {
                    a: x.map(|e| e.id),
                    b: y.map(|e| e.id),
                    time,
                });
            }
        }
    }
}

fn is_command<M>(e: &TraceEvent<M>) -> bool {
    matches!(e.kind, TraceKind::Command)
}

/// The same thing happening: everything but the event's id, its cause
/// and its Lamport clock, which a command on one side shifts.
fn same<M: PartialEq>(x: &TraceEvent<M>, y: &TraceEvent<M>) -> bool {
    x.time == y.time
        && x.kind == y.kind
        && x.node == y.node
        && x.peer == y.peer
        && x.msg == y.msg
        && x.detail == y.detail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::script::Command;
    use crate::sim::trace::Detail;
    use crate::sim::types::NodeId;

    fn ev(time: Time, kind: TraceKind, node: u16) -> TraceEvent<u8> {
        TraceEvent {
            id: EventId(0),
            time,
            kind,
            node: NodeId(node),
            peer: None,
            msg: None,
            parent: None,
            lamport: 0,
            detail: Detail::None,
            mark: None,
        }
    }

    fn trace(events: &[TraceEvent<u8>]) -> Trace<u8> {
        let mut t = Trace::new(100);
        for e in events {
            t.push(e.clone());
        }
        t
    }

    #[test]
    fn identical_traces_agree_to_their_ends() {
        let evs = [ev(0, TraceKind::Send, 0), ev(5, TraceKind::Deliver, 1)];
        let (a, b) = (trace(&evs), trace(&evs));
        assert_eq!(
            first_difference(&a, &b, Agreed::default()),
            Comparison::Same(Agreed {
                a: EventId(2),
                b: EventId(2)
            })
        );
    }

    #[test]
    fn a_command_on_one_side_alone_is_not_a_difference() {
        let a = trace(&[ev(0, TraceKind::Send, 0), ev(5, TraceKind::Deliver, 1)]);
        let mut cmd = ev(0, TraceKind::Command, 0);
        cmd.detail = Detail::Command(Command::Crash { node: NodeId(3) });
        let b = trace(&[cmd, ev(0, TraceKind::Send, 0), ev(5, TraceKind::Deliver, 1)]);
        assert!(matches!(
            first_difference(&a, &b, Agreed::default()),
            Comparison::Same(_)
        ));
    }

    #[test]
    fn the_first_event_that_differs_is_named_on_both_sides() {
        let a = trace(&[
            ev(0, TraceKind::Send, 0),
            ev(5, TraceKind::Deliver, 1),
            ev(9, TraceKind::Write, 1),
        ]);
        let b = trace(&[
            ev(0, TraceKind::Send, 0),
            ev(0, TraceKind::Command, 0),
            ev(4, TraceKind::Crash, 1),
            ev(
                5,
                TraceKind::Drop(crate::sim::trace::DropReason::ReceiverDown),
                0,
            ),
        ]);
        assert_eq!(
            first_difference(&a, &b, Agreed::default()),
            Comparison::Differs(Divergence {
                a: Some(EventId(1)),
                b: Some(EventId(2)),
                time: 4,
            })
        );
    }

    #[test]
    fn a_run_with_nothing_more_differs_from_one_that_goes_on() {
        let a = trace(&[ev(0, TraceKind::Send, 0)]);
        let b = trace(&[ev(0, TraceKind::Send, 0), ev(7, TraceKind::Timer, 2)]);
        assert_eq!(
            first_difference(&a, &b, Agreed::default()),
            Comparison::Differs(Divergence {
                a: None,
                b: Some(EventId(1)),
                time: 7,
            })
        );
    }

    #[test]
    fn the_search_goes_on_from_where_it_stopped() {
        let mut a = trace(&[ev(0, TraceKind::Send, 0)]);
        let mut b = trace(&[ev(0, TraceKind::Send, 0)]);
        let Comparison::Same(cursor) = first_difference(&a, &b, Agreed::default()) else {
            panic!("the same events agree")
        };
        a.push(ev(3, TraceKind::Deliver, 1));
        b.push(ev(
            3,
            TraceKind::Drop(crate::sim::trace::DropReason::Lost),
            0,
        ));
        assert_eq!(
            first_difference(&a, &b, cursor),
            Comparison::Differs(Divergence {
                a: Some(EventId(1)),
                b: Some(EventId(1)),
                time: 3,
            })
        );
        // The difference lies behind a cursor past it: nothing is found
        // again there (callers start over after a script change or a seek).
        let past = Agreed {
            a: EventId(2),
            b: EventId(2),
        };
        assert!(matches!(
            first_difference(&a, &b, past),
            Comparison::Same(_)
        ));
    }
}
