//! The plain models behind the study views (timeline fault periods, the
//! divergence series kept across seeks, the space-time diagram's window,
//! the log filter), checked natively against real runs.

use converge::sim::trace::DropReason;
use converge::sim::StandingKind;
use converge::sim::{Command, EventId, LogLine, MsgId, NodeId, ScriptEntry, TraceKind};
use converge::ui::chart::{chart_model, chart_model_pair, chart_svg, standing_bands, t_of, x_of};
use converge::ui::log::{filtered_lines, KindFilter, LogFilter};
use converge::ui::spacetime::diagram_svg;
use converge::ui::study::*;
use converge::ui::Pattern;

fn names(i: u16) -> String {
    ["Meter", "Broker", "Billing", "Load balancer", "Analytics"][i as usize].to_string()
}

fn at(t: u64, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(t, cmd)
}

#[test]
fn fault_periods_pair_faults_with_their_repairs() {
    let (a, b) = (NodeId(1), NodeId(2));
    let script = vec![
        at(1_000, Command::Partition { a, b }),
        at(2_000, Command::Crash { node: NodeId(3) }),
        at(
            3_000,
            Command::Hold {
                from: a,
                to: NodeId(4),
            },
        ),
        // Heal names the pair the other way round: still the same link.
        at(4_000, Command::Heal { a: b, b: a }),
        at(5_000, Command::Restart { node: NodeId(3) }),
        at(
            6_000,
            Command::Release {
                from: a,
                to: NodeId(4),
            },
        ),
        at(7_000, Command::Crash { node: NodeId(0) }),
        at(
            8_000,
            Command::Action {
                id: "reading".into(),
            },
        ),
    ];
    let p = fault_periods(&script, 10_000, names);
    let got: Vec<(FaultKind, u64, u64, bool, &str)> = p
        .iter()
        .map(|p| (p.kind, p.start, p.end, p.open, p.label.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                FaultKind::Partition,
                1_000,
                4_000,
                false,
                "Broker \u{21c4} Billing cut"
            ),
            (FaultKind::Crash, 2_000, 5_000, false, "Load balancer down"),
            (
                FaultKind::Hold,
                3_000,
                6_000,
                false,
                "Broker \u{2192} Analytics held"
            ),
            // Never restarted: runs to the horizon.
            (FaultKind::Crash, 7_000, 10_000, true, "Meter down"),
        ]
    );
    assert_eq!(p[3].describe(), "Meter down from 7.0 s, still active");
    assert_eq!(
        p[0].describe(),
        "Broker \u{21c4} Billing cut from 1.0 s to 4.0 s"
    );
}

#[test]
fn heal_also_ends_holds_and_one_way_cuts_on_that_link() {
    let (a, b) = (NodeId(1), NodeId(2));
    let script = vec![
        at(1_000, Command::PartitionOneway { from: b, to: a }),
        at(2_000, Command::Hold { from: a, to: b }),
        at(3_000, Command::Heal { a, b }),
    ];
    let p = fault_periods(&script, 9_000, names);
    assert_eq!(p.len(), 2);
    assert!(p.iter().all(|p| p.end == 3_000 && !p.open), "{p:?}");
    assert_eq!(p[0].label, "Billing \u{2192} Broker cut");
}

#[test]
fn the_series_cache_keeps_the_future_after_seeking_back_and_drops_it_on_a_fork() {
    let mut s = Pattern::EventDriven.start(7);
    s.run_until(3_000);
    s.apply(Command::Crash { node: NodeId(2) }).unwrap();
    s.run_until(20_000);
    let mut cache = SeriesCache::default();
    let full = cache.update("e", 7, &s.script(), &s.series()).to_vec();
    assert!(full.iter().any(|p| p.time > 10_000));

    s.seek(5_000);
    let now = s.series();
    assert!(now.len() < full.len(), "the engine forgets the future");
    let kept = cache.update("e", 7, &s.script(), &now).to_vec();
    assert_eq!(kept, full, "the cache still knows it");
    assert_eq!(&kept[..now.len()], &now[..], "and it is the same past");

    // A fork: the script changes, the old future is gone.
    s.apply(Command::Restart { node: NodeId(2) }).unwrap();
    let forked = cache.update("e", 7, &s.script(), &s.series()).to_vec();
    assert!(forked.iter().all(|p| p.time <= 5_000), "{forked:?}");
}

#[test]
fn a_fork_marks_the_discarded_future_until_the_run_passes_it() {
    let d = track_discarded(None, 30_000, 12_000, true).expect("horizon shrank");
    assert_eq!(
        d,
        Discarded {
            from: 12_000,
            to: 30_000
        }
    );
    let d = track_discarded(Some(d), 12_000, 20_000, true).expect("still short of it");
    assert_eq!(
        d,
        Discarded {
            from: 20_000,
            to: 30_000
        }
    );
    assert_eq!(track_discarded(Some(d), 20_000, 30_000, true), None);
    assert_eq!(track_discarded(None, 30_000, 0, false), None, "another run");
}

fn line(
    id: u64,
    time: u64,
    kind: &'static str,
    node: u16,
    peer: Option<u16>,
    msg: Option<u64>,
) -> LogLine {
    LogLine {
        id: EventId(id),
        time,
        node: NodeId(node),
        peer: peer.map(NodeId),
        msg: msg.map(MsgId),
        parent: None,
        lamport: id,
        label: msg.map_or(String::new(), |m| format!("message {m}")),
        text: format!("{kind} {id}"),
        kind: TraceKind::named(kind).expect("a kind's name"),
        mark: None,
    }
}

#[test]
fn the_diagram_pairs_sends_with_deliveries_drops_and_copies() {
    let lines = vec![
        line(10, 1_000, "send", 0, Some(1), Some(1)),
        line(11, 1_100, "send", 1, Some(2), Some(2)),
        line(12, 1_150, "duplicate", 1, Some(2), Some(3)),
        line(13, 1_200, "deliver", 1, Some(0), Some(1)),
        line(14, 1_300, "drop", 1, Some(2), Some(2)),
        line(15, 1_350, "crash", 2, None, None),
        line(16, 1_400, "timer", 0, None, None),
        // Sent before the window.
        line(17, 1_500, "deliver", 3, Some(1), Some(0)),
        line(18, 1_600, "send", 0, Some(3), Some(4)),
    ];
    let flights = [InFlight {
        msg: 4,
        sent_at: 1_600,
        due_at: 2_000,
        held: None,
    }];
    let d = build_diagram(&lines, 900, 1_800, 10, &flights, 100);
    assert_eq!(d.earlier, 10);
    assert_eq!(d.arrows.len(), 5);
    let a = &d.arrows[0];
    assert_eq!(
        (a.from, a.to, a.t0, a.t1, a.end),
        (0, 1, 1_000, 1_200, ArrowEnd::Delivered)
    );
    assert_eq!(a.event(), EventId(13), "clicking selects the delivery");
    assert_eq!((a.lamport0, a.lamport1), (Some(10), Some(13)));
    assert_eq!(d.arrows[1].end, ArrowEnd::Dropped { at_receiver: false });
    assert!(d.arrows[2].copy, "a duplicate starts a second arrow");
    assert!(matches!(d.arrows[2].end, ArrowEnd::InFlight { .. }));
    assert!(d.arrows[3].clipped && d.arrows[3].t0 == 900 && d.arrows[3].to == 3);
    match d.arrows[4].end {
        ArrowEnd::InFlight {
            fraction,
            held: false,
        } => assert!((fraction - 0.5).abs() < 1e-6),
        e => panic!("{e:?}"),
    }
    // The crash is a mark; the timer is left to the log.
    assert_eq!(d.marks.len(), 1);
    assert_eq!(
        (d.marks[0].kind, d.marks[0].glyph()),
        (TraceKind::Crash, "\u{2716}")
    );
    let words = d.arrows[0].describe(&["Meter".into(), "Broker".into()]);
    assert_eq!(
        words,
        "Meter \u{2192} Broker: message 1; sent 1.0 s, delivered 1.2 s; Lamport 10 \u{2192} 13"
    );
}

#[test]
fn the_diagram_keeps_the_newest_items_when_there_are_too_many() {
    let lines: Vec<LogLine> = (0..50)
        .flat_map(|i| {
            [
                line(2 * i, 100 * i, "send", 0, Some(1), Some(i)),
                line(2 * i + 1, 100 * i + 50, "deliver", 1, Some(0), Some(i)),
            ]
        })
        .collect();
    let d = build_diagram(&lines, 0, 5_000, 0, &[], 20);
    assert_eq!(d.arrows.len(), 20);
    assert_eq!(d.omitted, 30);
    assert_eq!(d.arrows[0].t0, 3_000, "the oldest are left out");
}

#[test]
fn the_window_of_a_real_run_starts_at_the_right_event_and_counts_the_rest() {
    let mut s = Pattern::EventDriven.start(42);
    s.run_until(30_000);
    let (lines, earlier) = window_lines(s.as_ref(), 25_000, 100_000);
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l.time >= 25_000));
    assert_eq!(lines[0].id.0, earlier, "ids are dense");
    let before = s.line(EventId(earlier - 1)).unwrap();
    assert!(before.time < 25_000);
    // Capped: only the newest.
    let (few, earlier2) = window_lines(s.as_ref(), 25_000, 10);
    assert_eq!(few.len(), 10);
    assert_eq!(few.last(), lines.last());
    assert_eq!(earlier2 + 10, earlier + lines.len() as u64);

    let d = build_diagram(&lines, 25_000, 30_000, earlier, &[], 1_000);
    assert!(
        d.arrows
            .iter()
            .filter(|a| a.end == ArrowEnd::Delivered)
            .count()
            > 10
    );
    let lanes: Vec<String> = (0..5).map(names).collect();
    let svg = diagram_svg(&d, &lanes, 5_000);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("Load balancer") && svg.ends_with("</svg>"));
    assert!(!svg.contains("var(--"), "standalone: no CSS variables");
}

/// A loss says why as data, every loss passes the "drop" filter whatever
/// its cause, and a space-time arrow is labelled with its message as the
/// engine describes it (not cut out of the log's sentence).
#[test]
fn losses_carry_their_cause_and_arrows_their_message() {
    let mut s = Pattern::EventDriven.start(42);
    s.run_until(2_000);
    // Billing (2) down: deliveries to it are lost; Meter (0) cut from the
    // broker (1): its sends are lost on the link.
    s.apply(Command::Crash { node: NodeId(2) }).unwrap();
    s.run_until(6_000);
    s.apply(Command::Partition {
        a: NodeId(0),
        b: NodeId(1),
    })
    .unwrap();
    s.run_until(12_000);
    let drops = LogFilter {
        kind: KindFilter::named("drop"),
        ..LogFilter::default()
    };
    let (lines, _) = filtered_lines(s.as_ref(), &drops, 10_000, usize::MAX);
    let causes: Vec<DropReason> = lines
        .iter()
        .map(|l| match l.kind {
            TraceKind::Drop(r) => r,
            other => panic!("the drop filter let {other:?} through"),
        })
        .collect();
    assert!(causes.contains(&DropReason::Partitioned), "{causes:?}");
    assert!(causes.contains(&DropReason::ReceiverDown), "{causes:?}");
    for l in &lines {
        assert!(!l.label.is_empty(), "a lost message is named: {l:?}");
        assert!(l.text.contains(&l.label), "{l:?}");
    }
    // Every kind's <select> value names it again.
    for k in TraceKind::EACH {
        assert_eq!(
            KindFilter::named(KindFilter::Is(k).value()),
            Some(KindFilter::Is(k))
        );
    }
    assert_eq!(KindFilter::named("lost"), Some(KindFilter::Lost));
    assert_eq!(KindFilter::named("sent"), None);

    let (window, earlier) = window_lines(s.as_ref(), 0, 10_000);
    let d = build_diagram(&window, 0, 12_000, earlier, &[], 10_000);
    let sends: Vec<&LogLine> = window
        .iter()
        .filter(|l| l.kind == TraceKind::Send)
        .collect();
    assert!(!sends.is_empty());
    for l in sends {
        let a = d
            .arrows
            .iter()
            .find(|a| a.start == l.id)
            .expect("each send is an arrow");
        assert_eq!(a.text, l.label);
    }
}

#[test]
fn the_log_filter_finds_older_matching_events() {
    let mut s = Pattern::EventDriven.start(42);
    s.run_until(20_000);
    let f = LogFilter {
        node: Some(2),
        kind: Some(KindFilter::Is(TraceKind::Deliver)),
        ..LogFilter::default()
    };
    let (lines, _) = filtered_lines(s.as_ref(), &f, 5, usize::MAX);
    assert_eq!(lines.len(), 5);
    // A service's events include messages it receives and those it sends.
    let involves = |l: &LogLine| l.node == NodeId(2) || l.peer == Some(NodeId(2));
    assert!(
        lines
            .iter()
            .all(|l| l.kind == TraceKind::Deliver && involves(l)),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.node == NodeId(2)));
    assert!(lines.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    let all = LogFilter::default();
    let (last, _) = filtered_lines(s.as_ref(), &all, 3, 0);
    assert_eq!(last, s.log(3));
    let none = LogFilter {
        node: None,
        kind: Some(KindFilter::Is(TraceKind::Violation)),
        ..LogFilter::default()
    };
    assert!(filtered_lines(s.as_ref(), &none, 5, usize::MAX)
        .0
        .is_empty());
}

#[test]
fn the_chart_maps_time_both_ways_and_exports_standalone() {
    for t in [0, 1_234, 30_000, 59_900] {
        let back = t_of(x_of(t, 60_000), 60_000);
        assert!(back.abs_diff(t) <= 100, "{t} -> {back}");
    }
    let mut s = Pattern::EventDriven.start(42);
    s.run_until(3_000);
    s.apply(Command::Partition {
        a: NodeId(1),
        b: NodeId(2),
    })
    .unwrap();
    s.run_until(30_000);
    let names: Vec<String> = s.frame().views.iter().map(|v| v.name.clone()).collect();
    let faults = fault_periods(&s.script(), 30_000, |i| i.to_string());
    let m = chart_model(&s.series(), &names, 30_000, 12_000, &faults);
    assert_eq!(m.views.len(), names.len());
    assert!(m.max_diff > 1, "the cut link makes Billing fall behind");
    assert!(m.max_stale > 5_000);
    assert!(m
        .views
        .iter()
        .all(|v| v.differing.starts_with('M') && v.staleness.starts_with('M')));
    // Decimated: a path stays short however many points there are.
    assert!(m.views.iter().all(|v| v.differing.len() < 40_000));
    assert_eq!(m.faults.len(), 1);
    let svg = chart_svg(&m);
    assert!(svg.contains("Billing") && svg.contains("Staleness") && !svg.contains("var(--"));
}

#[test]
fn compare_mode_overlays_run_b_on_the_same_axes() {
    // A: quiet; B: the same run with a link cut, so only B falls behind.
    let mut a = Pattern::EventDriven.start(42);
    a.run_until(30_000);
    let mut b = Pattern::EventDriven.start(42);
    b.run_until(3_000);
    b.apply(Command::Partition {
        a: NodeId(1),
        b: NodeId(2),
    })
    .unwrap();
    b.run_until(30_000);
    let names: Vec<String> = a.frame().views.iter().map(|v| v.name.clone()).collect();
    let alone = chart_model(&a.series(), &names, 30_000, 30_000, &[]);
    assert!(alone.twin.is_empty());
    let bs = b.series();
    let pair = chart_model_pair(&a.series(), Some(&bs), &names, 30_000, 30_000, &[]);
    assert_eq!(pair.twin.len(), names.len());
    // B's backlog sets the scale for both, and A's lines are drawn on it.
    let b_only = chart_model(&bs, &names, 30_000, 30_000, &[]);
    assert_eq!(pair.max_diff, b_only.max_diff.max(alone.max_diff));
    assert!(pair.max_diff > alone.max_diff);
    assert_ne!(pair.views[0].differing, pair.twin[0].differing);
}

#[test]
fn numbers_and_value_text_read_well() {
    assert_eq!(group_digits(0), "0");
    assert_eq!(group_digits(1_234), "1,234");
    assert_eq!(group_digits(1_234_567), "1,234,567");
    assert_eq!(value_text(12_400, 30_000), "12.4 s of 30.0 s");
    assert_eq!(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

/// A dual write that crashes between saving and publishing: the log's
/// "lost updates" filter shows the crash that lost the reading, and the
/// chart's state strip turns from catching up to diverged there.
#[test]
fn lost_updates_filter_and_state_strip_show_the_crash() {
    let script = vec![
        at(
            0,
            Command::Toggle {
                id: "outbox".into(),
                on: false,
            },
        ),
        at(
            0,
            Command::Toggle {
                id: "workload".into(),
                on: false,
            },
        ),
        at(
            2_000,
            Command::Action {
                id: "reading".into(),
            },
        ),
        at(2_050, Command::Crash { node: NodeId(0) }),
    ];
    let s = Pattern::EventDriven.replay(3, script).unwrap();
    let mut s = s;
    s.run_until(4_000);
    let frame = s.frame();
    let lost: Vec<EventId> = frame
        .views
        .iter()
        .filter_map(|v| v.lost.map(|l| l.0))
        .collect();
    assert_eq!(
        lost.len(),
        3,
        "every consumer lost the reading: {:?}",
        frame.views
    );
    let f = LogFilter {
        kind: Some(KindFilter::Lost),
        lost: lost.clone(),
        ..LogFilter::default()
    };
    let (lines, _) = filtered_lines(s.as_ref(), &f, 10, usize::MAX);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0].kind, lines[0].time, lines[0].id),
        (TraceKind::Crash, 2_050, lost[0])
    );

    let bands = standing_bands(&s.series(), frame.views.len(), 4_000);
    assert_eq!(
        bands.last().map(|b| (b.0, b.1, b.2)),
        Some((StandingKind::Diverged, 2_050, 4_000)),
        "{bands:?}"
    );
    assert!(
        bands
            .iter()
            .any(|b| b.0 == StandingKind::CatchingUp && b.1 == 2_000),
        "saved, not yet published, from 2 s: {bands:?}"
    );
}
