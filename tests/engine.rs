//! Native tests of the simulation engine, driven through the Ticker demo
//! scenario (two services and a broker) and the Mesh scenario.

use converge::sim::demo::{Mesh, Ticker, BROKER, COUNTER, TALLY};
use converge::sim::trace::DropReason;
use converge::sim::*;
use proptest::prelude::*;

fn trace_json<S: Scenario>(sim: &Sim<S>) -> String {
    let events: Vec<_> = sim.world().trace.events().collect();
    serde_json::to_string(&events).unwrap()
}

fn cmd_at(at: Time, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(at, cmd)
}

fn drops(sim: &Sim<Ticker>, reason: DropReason) -> usize {
    sim.world()
        .trace
        .events()
        .filter(|e| e.kind == TraceKind::Drop(reason))
        .count()
}

fn lossy() -> LinkSettings {
    LinkSettings {
        latency: 80,
        jitter: 120,
        drop_permille: 150,
        dup_permille: 150,
    }
}

fn faulty_script() -> Vec<ScriptEntry> {
    vec![
        cmd_at(
            0,
            Command::SetLink {
                from: COUNTER,
                to: BROKER,
                settings: lossy(),
            },
        ),
        cmd_at(
            0,
            Command::SetLink {
                from: BROKER,
                to: TALLY,
                settings: lossy(),
            },
        ),
        cmd_at(2_000, Command::Crash { node: TALLY }),
        cmd_at(3_000, Command::Restart { node: TALLY }),
        cmd_at(
            4_000,
            Command::Partition {
                a: BROKER,
                b: TALLY,
            },
        ),
        cmd_at(
            5_000,
            Command::Heal {
                a: BROKER,
                b: TALLY,
            },
        ),
    ]
}

#[test]
fn same_seed_and_script_give_identical_traces() {
    let run = |seed| {
        let mut sim = Sim::with_script(Ticker::default(), seed, faulty_script()).unwrap();
        sim.run_until(12_000);
        trace_json(&sim)
    };
    let a = run(7);
    assert_eq!(a, run(7), "same seed must replay byte for byte");
    assert_ne!(a, run(8), "a different seed must change the run");
    assert!(a.len() > 10_000, "the run did something");
}

#[test]
fn recorded_commands_replay_exactly_even_between_events_at_the_same_time() {
    let mut live = Sim::new(Ticker::default(), 3);
    live.apply(Command::SetLink {
        from: BROKER,
        to: TALLY,
        settings: lossy(),
    })
    .unwrap();
    for _ in 0..40 {
        live.step();
    }
    live.apply(Command::Crash { node: TALLY }).unwrap();
    live.run_until(3_000);
    live.apply(Command::Restart { node: TALLY }).unwrap();
    for _ in 0..7 {
        live.step();
    }
    live.apply(Command::Action { id: "tick".into() }).unwrap();
    live.run_until(9_000);
    let mut replay = Sim::with_script(Ticker::default(), 3, live.script().to_vec()).unwrap();
    replay.run_until(9_000);
    assert_eq!(trace_json(&live), trace_json(&replay));
}

#[test]
fn partition_drops_messages_already_in_flight() {
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.apply(Command::SetLink {
        from: COUNTER,
        to: BROKER,
        settings: LinkSettings {
            latency: 400,
            jitter: 0,
            ..Default::default()
        },
    })
    .unwrap();
    sim.run_until(600); // tick #1 sent at 500, due at 900
    let on_link = sim
        .world()
        .core
        .flight
        .values()
        .filter(|f| f.from == COUNTER)
        .count();
    assert_eq!(on_link, 1);
    sim.apply(Command::Partition {
        a: COUNTER,
        b: BROKER,
    })
    .unwrap();
    assert_eq!(
        sim.world()
            .core
            .flight
            .values()
            .filter(|f| f.from == COUNTER)
            .count(),
        0
    );
    assert_eq!(drops(&sim, DropReason::Partitioned), 1);
    // New messages are cut too, and nothing reaches the log.
    sim.run_until(2_000);
    assert!(drops(&sim, DropReason::Partitioned) >= 3);
    assert_eq!(sim.logs().topic(TopicId(0)).count(), 0);
    sim.apply(Command::Heal {
        a: COUNTER,
        b: BROKER,
    })
    .unwrap();
    sim.run_until(3_000);
    assert!(sim.logs().topic(TopicId(0)).count() >= 1);
}

#[test]
fn release_on_a_cut_link_leaves_it_cut() {
    // "Release" frees a held link; on a cut link there is nothing to
    // release, and the cut (which the timeline still shows) must stay.
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.apply(Command::PartitionOneway {
        from: COUNTER,
        to: BROKER,
    })
    .unwrap();
    sim.run_until(1_000);
    sim.apply(Command::Release {
        from: COUNTER,
        to: BROKER,
    })
    .unwrap();
    assert_eq!(
        sim.world().core.net.link(COUNTER, BROKER).state,
        LinkState::Partitioned
    );
    let cut_before = drops(&sim, DropReason::Partitioned);
    sim.run_until(3_000);
    assert!(
        drops(&sim, DropReason::Partitioned) > cut_before,
        "new ticks are still cut"
    );
    assert_eq!(
        sim.logs().topic(TopicId(0)).count(),
        0,
        "nothing got through"
    );
}

#[test]
fn partition_oneway_cuts_only_one_direction() {
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.apply(Command::PartitionOneway {
        from: TALLY,
        to: BROKER,
    })
    .unwrap();
    sim.run_until(3_000);
    // Records reach Tally, but acks back are lost, so the broker redelivers.
    assert!(sim.world().model.tally >= 1);
    assert!(drops(&sim, DropReason::Partitioned) >= 1);
    assert!(sim.world().core.counters.redelivered >= 1);
}

#[test]
fn hold_freezes_in_flight_messages_and_release_delivers_them_all() {
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.apply(Command::SetLink {
        from: COUNTER,
        to: BROKER,
        settings: LinkSettings {
            latency: 400,
            jitter: 0,
            ..Default::default()
        },
    })
    .unwrap();
    sim.run_until(700);
    sim.apply(Command::Hold {
        from: COUNTER,
        to: BROKER,
    })
    .unwrap();
    let held = sim
        .world()
        .core
        .flight
        .values()
        .find(|f| f.from == COUNTER)
        .unwrap()
        .clone();
    let p = held.held.expect("frozen");
    assert!((p - 0.5).abs() < 0.01, "frozen half way, at {p}");
    sim.run_until(3_000);
    assert_eq!(
        sim.logs().topic(TopicId(0)).count(),
        0,
        "nothing arrives while held"
    );
    let waiting = sim
        .world()
        .core
        .flight
        .values()
        .filter(|f| f.from == COUNTER)
        .count();
    assert!(waiting >= 5, "new messages wait too ({waiting})");
    assert!(sim
        .world()
        .core
        .flight
        .values()
        .all(|f| f.from != COUNTER || f.held.is_some()));
    sim.apply(Command::Release {
        from: COUNTER,
        to: BROKER,
    })
    .unwrap();
    sim.run_until(3_500);
    assert_eq!(
        sim.logs().topic(TopicId(0)).count(),
        waiting,
        "all held messages arrive after release"
    );
}

#[test]
fn latency_change_applies_to_new_messages() {
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.apply(Command::SetLink {
        from: COUNTER,
        to: BROKER,
        settings: LinkSettings {
            latency: 2_000,
            jitter: 0,
            ..Default::default()
        },
    })
    .unwrap();
    sim.run_until(600);
    let f = sim
        .world()
        .core
        .flight
        .values()
        .find(|f| f.from == COUNTER)
        .unwrap();
    assert_eq!(f.due_at - f.sent_at, 2_000);
}

#[test]
fn drop_and_duplicate_odds_act_on_the_link() {
    let mut sim = Sim::new(Ticker::default(), 11);
    sim.apply(Command::Toggle {
        id: "idempotent".into(),
        on: false,
    })
    .unwrap();
    sim.apply(Command::SetLink {
        from: BROKER,
        to: TALLY,
        settings: LinkSettings {
            dup_permille: 1000,
            ..Default::default()
        },
    })
    .unwrap();
    sim.run_until(5_000);
    let c = &sim.world().core.counters;
    assert!(c.duplicated >= 5);
    // Every record arrives twice and is counted twice without idempotency.
    assert!(sim.world().model.tally > sim.world().model.published);
    let frame = sim.frame();
    let no_double = frame
        .checks
        .iter()
        .find(|c| c.name == "no tick counted twice")
        .unwrap();
    match &no_double.status {
        CheckStatus::Violated(v) => {
            let ev = sim.world().trace.get(v.event.unwrap()).unwrap();
            assert_eq!(ev.node, TALLY, "the violation points at Tally's event");
        }
        s => panic!("expected a violation, got {s:?}"),
    }
}

#[test]
fn idempotent_consumer_ignores_duplicates() {
    let mut sim = Sim::new(Ticker::default(), 11);
    sim.apply(Command::SetLink {
        from: BROKER,
        to: TALLY,
        settings: LinkSettings {
            dup_permille: 1000,
            ..Default::default()
        },
    })
    .unwrap();
    sim.run_until(5_000);
    sim.apply(Command::Toggle {
        id: "running".into(),
        on: false,
    })
    .unwrap();
    sim.run_until(9_000);
    let m = &sim.world().model;
    assert_eq!(m.tally, m.published);
    assert!(sim
        .frame()
        .checks
        .iter()
        .all(|c| c.status == CheckStatus::Holds));
}

#[test]
fn manual_drop_and_duplicate_of_a_token() {
    let mut sim = Sim::new(Ticker::default(), 2);
    sim.run_until(550);
    let id = *sim.world().core.flight.keys().next().unwrap();
    sim.apply(Command::DuplicateMessage { msg: id }).unwrap();
    assert_eq!(sim.world().core.flight.len(), 2);
    sim.apply(Command::DropMessage { msg: id }).unwrap();
    assert_eq!(sim.world().core.flight.len(), 1);
    assert_eq!(drops(&sim, DropReason::Manual), 1);
    assert!(sim
        .apply(Command::DropMessage {
            msg: MsgId(999_999)
        })
        .is_err());
}

#[test]
fn crash_loses_inbox_and_at_least_once_redelivers_after_restart() {
    let mut sim = Sim::new(Ticker::default(), 5);
    sim.run_until(1_000);
    sim.apply(Command::Crash { node: TALLY }).unwrap();
    sim.run_until(4_000);
    assert!(
        drops(&sim, DropReason::ReceiverDown) >= 1,
        "records to a crashed service are lost"
    );
    sim.apply(Command::Restart { node: TALLY }).unwrap();
    sim.run_until(6_000);
    sim.apply(Command::Toggle {
        id: "running".into(),
        on: false,
    })
    .unwrap();
    sim.run_until(12_000);
    let m = &sim.world().model;
    assert!(sim.world().core.counters.redelivered >= 1);
    assert_eq!(
        m.tally, m.published,
        "at-least-once delivers everything in the end"
    );
}

#[test]
fn at_most_once_loses_records_on_a_consumer_crash_and_never_redelivers() {
    let mut sim = Sim::new(Ticker::default(), 5);
    sim.apply(Command::Toggle {
        id: "at_most_once".into(),
        on: true,
    })
    .unwrap();
    sim.run_until(1_000);
    sim.apply(Command::Crash { node: TALLY }).unwrap();
    sim.run_until(4_000);
    sim.apply(Command::Restart { node: TALLY }).unwrap();
    sim.apply(Command::Toggle {
        id: "running".into(),
        on: false,
    })
    .unwrap();
    sim.run_until(30_000);
    let m = &sim.world().model;
    assert_eq!(sim.world().core.counters.redelivered, 0);
    assert!(
        m.tally < m.published,
        "tally {} published {}",
        m.tally,
        m.published
    );
    let status = sim.check_status();
    assert!(
        matches!(status[0], CheckStatus::Violated(_)),
        "eventually check violated once settled: {status:?}"
    );
}

#[test]
fn broker_crash_keeps_logs_and_resumes_from_committed_offsets() {
    let mut sim = Sim::new(Ticker::default(), 9);
    sim.run_until(2_000);
    let before = sim.logs().topic(TopicId(0)).count();
    sim.apply(Command::Crash { node: BROKER }).unwrap();
    sim.run_until(3_000);
    assert_eq!(
        sim.logs().topic(TopicId(0)).count(),
        before,
        "the log is durable and nothing is appended while down"
    );
    sim.apply(Command::Restart { node: BROKER }).unwrap();
    sim.apply(Command::Toggle {
        id: "running".into(),
        on: false,
    })
    .unwrap();
    sim.run_until(10_000);
    let m = &sim.world().model;
    assert_eq!(m.tally as usize, sim.logs().topic(TopicId(0)).count());
}

#[test]
fn keyed_records_keep_their_partition() {
    let mut sim = Sim::new(Ticker::default(), 4);
    sim.run_until(10_000);
    for rec in sim.logs().topic(TopicId(0)) {
        let p = converge::sim::broker::partition_for(rec.key.unwrap(), 2);
        assert!(sim
            .logs()
            .partition(TopicId(0), p)
            .iter()
            .any(|r| r.offset == rec.offset && r.key == rec.key));
    }
    assert!(
        sim.logs().partition(TopicId(0), 0).len() > 3
            && sim.logs().partition(TopicId(0), 1).len() > 3
    );
}

#[test]
fn seek_back_then_forward_equals_running_straight() {
    let mut straight = Sim::with_script(Ticker::default(), 21, faulty_script()).unwrap();
    straight.run_until(9_000);
    let mut travel = Sim::with_script(Ticker::default(), 21, faulty_script()).unwrap();
    travel.run_until(7_000);
    travel.seek(2_500);
    assert_eq!(travel.now(), 2_500);
    let mut fresh = Sim::with_script(Ticker::default(), 21, faulty_script()).unwrap();
    fresh.run_until(2_500);
    assert_eq!(
        trace_json(&travel),
        trace_json(&fresh),
        "seek shows exactly the world at 2.5 s"
    );
    let (mut a, mut b) = (travel.frame(), fresh.frame());
    assert_eq!(
        a.horizon, 7_000,
        "the timeline still reaches the furthest point"
    );
    (a.horizon, b.horizon) = (0, 0);
    assert_eq!(a, b);
    travel.seek(9_000);
    assert_eq!(trace_json(&travel), trace_json(&straight));
    assert_eq!(travel.series(), straight.series());
}

#[test]
fn acting_in_the_past_forks_the_script() {
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.run_until(1_000);
    sim.apply(Command::Crash { node: TALLY }).unwrap();
    sim.run_until(2_000);
    sim.apply(Command::Restart { node: TALLY }).unwrap();
    sim.run_until(5_000);
    sim.seek(1_500);
    assert_eq!(sim.horizon(), 5_000);
    let dropped = sim.apply(Command::Action { id: "tick".into() }).unwrap();
    assert_eq!(dropped, 1, "the restart at 2 s is discarded");
    assert_eq!(sim.script().len(), 2);
    assert_eq!(sim.horizon(), 1_500);
}

#[test]
fn bad_commands_are_refused_with_a_named_field() {
    let mut sim = Sim::new(Ticker::default(), 1);
    let e = sim.apply(Command::Crash { node: NodeId(40) }).unwrap_err();
    assert_eq!((e.entry, e.field), (None, Field::Node), "{e}");
    assert!(e.reason.contains("no service number 40"), "{e}");
    let e = sim
        .apply(Command::Set {
            id: "interval".into(),
            value: 1,
        })
        .unwrap_err();
    assert_eq!(e.field, Field::Value, "{e}");
    assert!(e.reason.starts_with("interval: 1 is outside 50.."), "{e}");
    let e = sim
        .apply(Command::Toggle {
            id: "warp".into(),
            on: true,
        })
        .unwrap_err();
    assert_eq!((e.field, e.field.path()), (Field::Toggle, "cmd.id"), "{e}");
    assert!(e.reason.contains("\"warp\""), "{e}");
    let e = sim
        .apply(Command::Partition { a: TALLY, b: TALLY })
        .unwrap_err();
    assert_eq!(e.field, Field::Command, "{e}");
    let e = sim
        .apply(Command::Heal {
            a: TALLY,
            b: NodeId(9),
        })
        .unwrap_err();
    assert_eq!(
        (e.field, e.field.path()),
        (Field::B, "cmd.b"),
        "a heal's ends are a and b: {e}"
    );
    assert!(sim.script().is_empty(), "refused commands are not recorded");
    let bad = vec![
        cmd_at(5, Command::Action { id: "tick".into() }),
        cmd_at(1, Command::Action { id: "tick".into() }),
    ];
    let e = Sim::with_script(Ticker::default(), 1, bad).err().unwrap();
    assert_eq!((e.entry, e.field), (Some(1), Field::At), "{e}");
    // What a learner reads: the field, then the reason.
    assert_eq!(e.to_string(), format!("script[1].at: {}", e.reason));
}

#[test]
fn retries_back_off_and_dead_letter_after_repeated_failures() {
    // A consumer that always fails.
    #[derive(Clone)]
    struct Failing(Ticker);
    impl Scenario for Failing {
        type Msg = demo::Tick;
        fn info(&self) -> ScenarioInfo {
            self.0.info()
        }
        fn topology(&self) -> Topology {
            self.0.topology()
        }
        fn start(&mut self, ctx: &mut Ctx<'_, Self::Msg>) {
            if ctx.node() == COUNTER {
                ctx.publish(TopicId(0), Some(1), demo::Tick(1));
            }
        }
        fn on_message(&mut self, _: &mut Ctx<'_, Self::Msg>, _: NodeId, _: Self::Msg) {}
        fn on_record(
            &mut self,
            _: &mut Ctx<'_, Self::Msg>,
            _: Record<'_, Self::Msg>,
        ) -> Result<(), String> {
            Err("poison".into())
        }
        fn on_timer(&mut self, _: &mut Ctx<'_, Self::Msg>, _: TimerId, _: u64) {}
        fn on_crash(&mut self, _: NodeId, _at: converge::sim::Moment) {}
        fn on_restart(&mut self, _: &mut Ctx<'_, Self::Msg>) {}
        fn describe(&self, m: &Self::Msg) -> String {
            self.0.describe(m)
        }
        fn views(&self, _: &Env<'_, Self::Msg>) -> Vec<scenario::ViewStatus> {
            vec![]
        }
        fn broken_checks(&self, _: &Env<'_, Self::Msg>) -> u64 {
            0
        }
        fn why_broken(&self, _: usize, _: &Env<'_, Self::Msg>) -> Option<String> {
            None
        }
        fn tables(&self, _: &Env<'_, Self::Msg>) -> Vec<scenario::Table> {
            vec![]
        }
        fn summary(&self, _: NodeId) -> String {
            String::new()
        }
    }
    let mut sim = Sim::new(Failing(Ticker::default()), 1);
    sim.run_until(20_000);
    let retries: Vec<Time> = sim
        .world()
        .trace
        .events()
        .filter(|e| e.kind == TraceKind::Retry)
        .map(|e| e.time)
        .collect();
    assert_eq!(retries.len(), 3, "max_attempts 4 = 3 retries");
    let gaps: Vec<Time> = retries.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[1] > gaps[0], "backoff grows: {gaps:?}");
    assert_eq!(sim.logs().dead_letters(TopicId(0)).len(), 1);
    assert_eq!(sim.world().core.counters.dead_lettered, 1);
}

#[test]
fn trace_has_causes_and_lamport_clocks() {
    let mut sim = Sim::new(Ticker::default(), 1);
    sim.run_until(3_000);
    let write = sim
        .world()
        .trace
        .events()
        .rfind(|e| e.kind == TraceKind::Write && e.node == TALLY)
        .unwrap()
        .id;
    let chain = sim.world().trace.causes(write);
    let kinds: Vec<&str> = chain.iter().map(|e| e.kind.name()).collect();
    // Tally's write ← delivery ← broker's send ← append ← delivery ← counter's send ← write? ← timer
    assert!(
        kinds.contains(&"deliver") && kinds.contains(&"append") && kinds.contains(&"timer"),
        "{kinds:?}"
    );
    for e in sim.world().trace.events() {
        if e.kind == TraceKind::Deliver {
            let send = sim.world().trace.get(e.parent.unwrap()).unwrap();
            assert!(e.lamport > send.lamport, "a receive happens after its send");
        }
    }
}

#[test]
fn trace_window_is_bounded() {
    let opts = SimOptions {
        trace_capacity: 500,
        ..Default::default()
    };
    let mut sim = Sim::with_options(
        Mesh {
            services: 5,
            messages: 50,
            handled: 0,
        },
        1,
        opts,
    );
    sim.run_until(5_000);
    assert_eq!(sim.world().trace.events().len(), 500);
    assert!(sim.world().trace.evicted() > 0);
}

#[test]
fn seeking_back_past_the_trace_window_replays_the_same_events() {
    let opts = SimOptions {
        trace_capacity: 500,
        ..Default::default()
    };
    let mesh = Mesh {
        services: 5,
        messages: 50,
        handled: 0,
    };
    let mut fresh = Sim::with_options(mesh.clone(), 1, opts.clone());
    fresh.run_until(5_000);
    let mut sought = Sim::with_options(mesh, 1, opts);
    sought.run_until(5_000);
    // The window now starts well after 1 s: seek back before it, come back.
    assert!(sought.world().trace.events().next().unwrap().time > 1_000);
    sought.seek(1_000);
    sought.run_until(5_000);
    let ids = |s: &Sim<Mesh>| -> Vec<_> {
        s.world()
            .trace
            .events()
            .map(|e| (e.id, e.time, e.parent, e.lamport))
            .collect()
    };
    let (a, b) = (ids(&sought), ids(&fresh));
    assert!(
        a == b,
        "same ids, causes and clocks: the window starts at {:?}, not {:?}",
        a.first(),
        b.first()
    );
    assert_eq!(sought.world().trace.total(), fresh.world().trace.total());
}

#[derive(Debug, Clone)]
enum Fault {
    Partition(u16, u16),
    Heal(u16, u16),
    Hold(u16, u16),
    Release(u16, u16),
    Crash(u16),
    Restart(u16),
    Lossy(u16, u16, u16, u16),
}

fn fault() -> impl Strategy<Value = Fault> {
    let n = 0u16..3;
    prop_oneof![
        (n.clone(), n.clone()).prop_map(|(a, b)| Fault::Partition(a, b)),
        (n.clone(), n.clone()).prop_map(|(a, b)| Fault::Heal(a, b)),
        (n.clone(), n.clone()).prop_map(|(a, b)| Fault::Hold(a, b)),
        (n.clone(), n.clone()).prop_map(|(a, b)| Fault::Release(a, b)),
        n.clone().prop_map(Fault::Crash),
        n.clone().prop_map(Fault::Restart),
        (n.clone(), n, 0u16..400, 0u16..400).prop_map(|(a, b, d, u)| Fault::Lossy(a, b, d, u)),
    ]
}

fn to_cmd(f: &Fault) -> Command {
    let id = NodeId;
    match *f {
        Fault::Partition(a, b) => Command::Partition { a: id(a), b: id(b) },
        Fault::Heal(a, b) => Command::Heal { a: id(a), b: id(b) },
        Fault::Hold(a, b) => Command::Hold {
            from: id(a),
            to: id(b),
        },
        Fault::Release(a, b) => Command::Release {
            from: id(a),
            to: id(b),
        },
        Fault::Crash(n) => Command::Crash { node: id(n) },
        Fault::Restart(n) => Command::Restart { node: id(n) },
        Fault::Lossy(a, b, d, u) => Command::SetLink {
            from: id(a),
            to: id(b),
            settings: LinkSettings {
                latency: 50,
                jitter: 100,
                drop_permille: d,
                dup_permille: u,
            },
        },
    }
}

fn heal_all(sim: &mut Sim<Ticker>) {
    for a in 0..3u16 {
        for b in 0..3u16 {
            if a != b {
                sim.apply(Command::Heal {
                    a: NodeId(a),
                    b: NodeId(b),
                })
                .unwrap();
                sim.apply(Command::SetLink {
                    from: NodeId(a),
                    to: NodeId(b),
                    settings: LinkSettings::default(),
                })
                .unwrap();
            }
        }
        sim.apply(Command::Restart { node: NodeId(a) }).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn random_faults_never_lose_a_message_without_a_trace(seed in 0u64..1000, faults in proptest::collection::vec((0u64..8_000, fault()), 0..12)) {
        let mut sim = Sim::new(Ticker::default(), seed);
        let mut faults = faults;
        faults.sort_by_key(|f| f.0);
        for (at, f) in &faults {
            sim.run_until(*at);
            let _ = sim.apply(to_cmd(f));
        }
        sim.run_until(10_000);
        // Every message sent is delivered, dropped, or still on a link.
        let t = &sim.world().trace;
        prop_assert_eq!(t.evicted(), 0);
        let sent = t.events().filter(|e| matches!(e.kind, TraceKind::Send | TraceKind::Duplicate)).count() as u64;
        let delivered = t.events().filter(|e| e.kind == TraceKind::Deliver).count() as u64;
        let dropped = t.events().filter(|e| matches!(e.kind, TraceKind::Drop(_))).count() as u64;
        let flying = sim.world().core.flight.len() as u64;
        prop_assert_eq!(sent, delivered + dropped + flying);
        let c = &sim.world().core.counters;
        prop_assert_eq!(c.sent + c.duplicated, c.delivered + c.dropped + flying);

        // At-least-once with healed faults delivers every published record.
        heal_all(&mut sim);
        sim.apply(Command::Toggle { id: "running".into(), on: false }).unwrap();
        sim.run_until(60_000);
        // (A duplicated publish appends twice, so compare distinct ticks.)
        let in_log: std::collections::BTreeSet<u64> = sim.logs().topic(TopicId(0)).map(|r| r.payload.0).collect();
        let seen = &sim.world().model.seen;
        prop_assert_eq!(seen, &in_log);
    }

    #[test]
    fn at_most_once_never_redelivers(seed in 0u64..1000, faults in proptest::collection::vec((0u64..8_000, fault()), 0..12)) {
        let mut sim = Sim::new(Ticker::default(), seed);
        sim.apply(Command::Toggle { id: "at_most_once".into(), on: true }).unwrap();
        let mut faults = faults;
        faults.sort_by_key(|f| f.0);
        for (at, f) in &faults {
            sim.run_until(*at);
            let _ = sim.apply(to_cmd(f));
        }
        sim.run_until(12_000);
        prop_assert_eq!(sim.world().core.counters.redelivered, 0);
        let redelivers = sim.world().trace.events().filter(|e| e.kind == TraceKind::Redeliver).count();
        prop_assert_eq!(redelivers, 0);
    }
}

#[test]
fn cancelled_timers_do_not_drag_the_clock_or_the_script_past_their_time() {
    // Stop the workload (its timer is cancelled but stays queued) and ask
    // for a crash at 2.05 s: nothing else is due, so the clock must stop at
    // the requested times, not jump to the next real event.
    let script = vec![
        ScriptEntry::at(
            1_000,
            Command::Toggle {
                id: "running".into(),
                on: false,
            },
        ),
        ScriptEntry::at(2_050, Command::Crash { node: TALLY }),
    ];
    let mut sim = Sim::with_script(Ticker::default(), 1, script).unwrap();
    sim.run_until(1_400);
    assert_eq!(sim.now(), 1_400);
    sim.run_until(2_100);
    assert_eq!(sim.now(), 2_100);
    let crash = sim
        .world()
        .trace
        .events()
        .find(|e| e.kind == TraceKind::Crash)
        .expect("crashed");
    assert_eq!(crash.time, 2_050, "the crash happens when the script says");
}

#[test]
fn short_seeks_back_and_long_seeks_forward_land_exactly() {
    use converge::patterns::Pattern;
    let mut run = Pattern::EventDriven.start(42);
    run.run_until(600_000);
    let straight = run.frame();
    run.seek(393_200);
    let at_393_2 = run.frame();
    run.seek(393_100);
    assert_eq!(run.now(), 393_100, "a 100 ms seek back lands");
    run.seek(393_200);
    assert_eq!(
        run.frame(),
        at_393_2,
        "and forward again shows the same world"
    );
    run.seek(10_000);
    run.seek(600_000);
    let mut back = run.frame();
    back.horizon = straight.horizon;
    assert_eq!(
        back, straight,
        "a long seek forward (from a later snapshot) equals running straight"
    );
}

/// Crash and restart the tally every 10 s for `minutes`.
fn long_faulty_script(minutes: u64) -> Vec<ScriptEntry> {
    (0..minutes * 6)
        .flat_map(|k| {
            [
                cmd_at(k * 10_000 + 2_000, Command::Crash { node: TALLY }),
                cmd_at(k * 10_000 + 4_000, Command::Restart { node: TALLY }),
            ]
        })
        .collect()
}

#[test]
fn a_long_run_keeps_few_snapshots_dense_near_the_playhead_and_seeks_exactly() {
    let opts = SimOptions {
        snapshot_events: 0,
        max_snapshots: 60,
        dense_window: 20_000,
        ..Default::default()
    };
    let mut long = Sim::with_options(Ticker::default(), 5, opts);
    let script = long_faulty_script(20);
    let mut straight = Sim::with_script(Ticker::default(), 5, script.clone()).unwrap();
    // Replay the same script on the thinned run.
    for e in &script {
        long.run_until(e.at);
        long.apply(e.cmd.clone()).unwrap();
        straight.run_until(e.at);
    }
    long.run_until(1_200_000);
    let times = long.snapshot_times();
    assert!(times.len() <= 60, "{} snapshots kept", times.len());
    assert_eq!(times[0], 0, "the start is always kept");
    // Every second of the last 20 s has its snapshot.
    let recent: Vec<Time> = times.iter().copied().filter(|t| *t >= 1_180_000).collect();
    assert!(recent.len() >= 20, "dense near the playhead: {recent:?}");
    // Far back, spacing grows with age but stays a fraction of it.
    for w in times.windows(2) {
        let age = 1_200_000 - w[1];
        assert!(
            w[1] - w[0] <= age / 2 + 2_000,
            "a gap of {} ms at {} ms",
            w[1] - w[0],
            w[0]
        );
    }
    // Seeking anywhere shows exactly the world of a straight run.
    for t in [90_500, 600_000, 1_150_250] {
        long.seek(t);
        let mut fresh = Sim::with_script(Ticker::default(), 5, script.clone()).unwrap();
        fresh.run_until(t);
        assert_eq!(trace_json(&long), trace_json(&fresh), "at {t} ms");
        let (mut a, mut b) = (long.frame(), fresh.frame());
        (a.horizon, b.horizon) = (0, 0);
        assert_eq!(a, b, "at {t} ms");
    }
}

#[test]
fn the_divergence_series_is_a_bounded_window_that_seeks_exactly() {
    let opts = SimOptions {
        series_capacity: 40,
        ..Default::default()
    };
    let script = long_faulty_script(3);
    let mut sim = Sim::with_options(Ticker::default(), 9, opts.clone());
    let mut all = Sim::with_script(Ticker::default(), 9, script.clone()).unwrap();
    for e in &script {
        sim.run_until(e.at);
        sim.apply(e.cmd.clone()).unwrap();
    }
    sim.run_until(180_000);
    all.run_until(180_000);
    assert!(all.series().len() > 100, "the run changes divergence often");
    assert!(
        sim.series().len() <= 60,
        "{} points kept",
        sim.series().len()
    );
    let kept = sim.series().len();
    assert_eq!(
        sim.series(),
        &all.series()[all.series().len() - kept..],
        "the window is the latest points"
    );
    assert_eq!(
        sim.series_evicted() + kept as u64,
        all.series().len() as u64
    );
    // Back before the window and forward again: the same latest points.
    sim.seek(10_000);
    sim.seek(180_000);
    let kept = sim.series().len();
    assert_eq!(sim.series(), &all.series()[all.series().len() - kept..]);
}

#[test]
fn snapshots_are_spaced_by_events_so_a_quiet_run_keeps_few_and_seeks_replay_little() {
    let opts = SimOptions {
        snapshot_events: 50,
        ..Default::default()
    };
    let mut sim = Sim::with_options(Ticker::default(), 3, opts);
    sim.run_until(120_000);
    let times = sim.snapshot_times();
    assert!(
        times.len() < 120,
        "fewer than one a second: {}",
        times.len()
    );
    // Each snapshot is at least 50 events after the one before: a seek
    // anywhere replays about that many, never the whole run.
    let mut probe = Sim::new(Ticker::default(), 3);
    let mut last = None;
    for &t in &times {
        probe.run_until(t);
        if let Some(prev) = last {
            assert!(probe.processed() >= prev + 50, "at {t} ms");
        }
        last = Some(probe.processed());
    }
    sim.seek(61_234);
    let mut fresh = Sim::new(Ticker::default(), 3);
    fresh.run_until(61_234);
    assert_eq!(trace_json(&sim), trace_json(&fresh));
}
