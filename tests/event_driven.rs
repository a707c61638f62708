//! Teaching facts of the smart power grid (event-based consistency), each
//! shown by a run with a fixed seed.

use converge::patterns::event_driven::*;
use converge::sim::*;

fn toggle(id: &str, on: bool) -> Command {
    Command::Toggle { id: id.into(), on }
}

fn action(id: &str) -> Command {
    Command::Action { id: id.into() }
}

fn at(t: Time, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(t, cmd)
}

fn run(script: Vec<ScriptEntry>, seed: u64, until: Time) -> Sim<PowerGrid> {
    let mut sim = Sim::with_script(PowerGrid::default(), seed, script).unwrap();
    sim.run_until(until);
    sim
}

fn trace_json(sim: &Sim<PowerGrid>) -> String {
    serde_json::to_string(&sim.world().trace.events().collect::<Vec<_>>()).unwrap()
}

fn violation(sim: &Sim<PowerGrid>, check: usize) -> runner::Violation {
    match &sim.check_status()[check] {
        CheckStatus::Violated(v) => v.clone(),
        s => panic!("expected check {check} to be violated, got {s:?}"),
    }
}

fn link(latency: Time, jitter: Time, drop_permille: u16, dup_permille: u16) -> LinkSettings {
    LinkSettings {
        latency,
        jitter,
        drop_permille,
        dup_permille,
    }
}

fn faulty_script() -> Vec<ScriptEntry> {
    vec![
        at(
            0,
            Command::SetLink {
                from: METER,
                to: BROKER,
                settings: link(100, 80, 100, 100),
            },
        ),
        at(
            0,
            Command::SetLink {
                from: BROKER,
                to: BILLING,
                settings: link(100, 80, 100, 200),
            },
        ),
        at(3_000, Command::Crash { node: BILLING }),
        at(4_000, Command::Restart { node: BILLING }),
        at(
            5_000,
            Command::Partition {
                a: BROKER,
                b: LOAD_BALANCER,
            },
        ),
        at(
            7_000,
            Command::Heal {
                a: BROKER,
                b: LOAD_BALANCER,
            },
        ),
        at(8_000, Command::Crash { node: METER }),
        at(8_500, Command::Restart { node: METER }),
        at(
            10_000,
            Command::SetLink {
                from: METER,
                to: BROKER,
                settings: LinkSettings::default(),
            },
        ),
        at(
            10_000,
            Command::SetLink {
                from: BROKER,
                to: BILLING,
                settings: LinkSettings::default(),
            },
        ),
        at(10_000, toggle("workload", false)),
    ]
}

/// Fact 1: with every mitigation on, faults that heal leave both consumers
/// converged and every check holding.
#[test]
fn all_mitigations_on_and_faults_healed_both_consumers_converge() {
    let sim = run(faulty_script(), 42, 30_000);
    let m = &sim.world().model;
    assert!(m.readings() >= 25, "the meters reported: {}", m.readings());
    let c = &sim.world().core.counters;
    assert!(
        c.duplicated > 0 && c.dropped > 0,
        "the faults did happen: {c:?}"
    );
    assert_eq!(
        m.total_billed(),
        m.total_read(),
        "billing equals the sum of the readings"
    );
    assert_eq!(m.double_billings(), 0);
    assert!(
        m.stale_meters().is_empty(),
        "stale meters: {:?}",
        m.stale_meters()
    );
    for z in 0..ZONES {
        assert_eq!(m.zone_load(z), m.true_zone_load(z));
    }
    assert_eq!(m.outbox_len(), 0, "the relay drained the outbox");
    assert!(
        sim.check_status().iter().all(|s| *s == CheckStatus::Holds),
        "{:?}",
        sim.check_status()
    );
    let frame = sim.frame();
    assert!(
        frame
            .views
            .iter()
            .all(|v| v.differing == 0 && v.staleness.is_none()),
        "{:?}",
        frame.views
    );
    assert_eq!(frame.headline().state, StandingKind::Converged);
    assert!(frame
        .headline()
        .to_string()
        .starts_with("All replicas converged in "));
}

/// Fact 2: duplicates with no idempotency double-bill, and the check names
/// the reading and points at Billing's write.
#[test]
fn duplicates_without_idempotency_double_bill_and_the_check_names_the_reading() {
    let script = vec![
        at(0, toggle("idempotent", false)),
        at(
            0,
            Command::SetLink {
                from: BROKER,
                to: BILLING,
                settings: link(120, 60, 0, 1000),
            },
        ),
    ];
    let sim = run(script, 7, 5_000);
    let m = &sim.world().model;
    assert!(
        m.total_billed() > m.total_read(),
        "billed {} > read {}",
        m.total_billed(),
        m.total_read()
    );
    let v = violation(&sim, 2);
    assert!(
        v.reason.starts_with("reading #")
            && v.reason.contains(" for meter ")
            && v.reason.contains("billed twice"),
        "{}",
        v.reason
    );
    let id: String = v.reason["reading #".len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let writes = sim
        .world()
        .trace
        .events()
        .filter(|e| e.node == BILLING && e.kind == TraceKind::Write)
        .filter(|e| matches!(&e.detail, trace::Detail::Text(t) if t.contains(&format!("reading #{id} "))))
        .count();
    assert_eq!(writes, 2, "reading #{id} was charged twice");
    let ev = sim
        .world()
        .trace
        .get(v.event.expect("the violation names an event"))
        .unwrap();
    assert_eq!(ev.node, BILLING, "the violation points at Billing's write");

    // The same duplicates with the idempotent consumer: ignored.
    let script = vec![
        at(
            0,
            Command::SetLink {
                from: BROKER,
                to: BILLING,
                settings: link(120, 60, 0, 1000),
            },
        ),
        at(5_000, toggle("workload", false)),
    ];
    let sim = run(script, 7, 15_000);
    let m = &sim.world().model;
    assert_eq!(m.total_billed(), m.total_read());
    assert_eq!(sim.check_status()[2], CheckStatus::Holds);
    let ignored = sim.world().trace.events().filter(|e| matches!(&e.detail, trace::Detail::Text(t) if t.contains("is a duplicate, ignored"))).count();
    assert!(ignored > 5, "duplicates were seen and ignored: {ignored}");
}

fn crash_between_write_and_publish(outbox: bool) -> Sim<PowerGrid> {
    let script = vec![
        at(0, toggle("outbox", outbox)),
        at(0, toggle("workload", false)),
        at(2_000, action("reading")),
        at(2_050, Command::Crash { node: METER }),
        at(3_000, Command::Restart { node: METER }),
    ];
    run(script, 3, 25_000)
}

/// Fact 3: a crash between the DB write and the publish loses the event
/// forever with a dual write; with the outbox the relay publishes it after
/// the restart.
#[test]
fn dual_write_crash_leaves_billing_short_forever_and_the_outbox_recovers() {
    let sim = crash_between_write_and_publish(false);
    let m = &sim.world().model;
    assert_eq!(m.readings(), 1);
    assert!(m.total_read() > 0);
    assert_eq!(m.total_billed(), 0, "no consumer ever saw the reading");
    assert_eq!(
        sim.logs().topic(READINGS).count(),
        0,
        "nothing reached the topic"
    );
    let v = violation(&sim, 0);
    assert!(
        v.reason.starts_with("customer ") && v.reason.contains("billed for 0.0 kWh"),
        "{}",
        v.reason
    );
    let explained = sim
        .world()
        .trace
        .events()
        .any(|e| matches!(&e.detail, trace::Detail::Text(t) if t.contains("never published")));
    assert!(
        explained,
        "the Meter explains the lost event after its restart"
    );

    let sim = crash_between_write_and_publish(true);
    let m = &sim.world().model;
    assert_eq!(m.readings(), 1);
    assert_eq!(
        m.total_billed(),
        m.total_read(),
        "the relay published the row after the restart"
    );
    assert_eq!(m.outbox_len(), 0);
    assert!(
        sim.check_status().iter().all(|s| *s == CheckStatus::Holds),
        "{:?}",
        sim.check_status()
    );
}

fn bursts_over_a_jittery_link(keyed: bool) -> Sim<PowerGrid> {
    let script = vec![
        at(0, toggle("keyed", keyed)),
        at(0, toggle("workload", false)),
        at(
            0,
            Command::SetLink {
                from: BROKER,
                to: LOAD_BALANCER,
                settings: link(100, 1_000, 0, 0),
            },
        ),
        at(1_000, action("burst")),
        at(1_400, action("burst")),
        at(1_800, action("burst")),
    ];
    run(script, 11, 40_000)
}

/// Fact 4: random partitions plus jitter let an older reading overwrite a
/// newer one at the load balancer, for good; keyed ordering fixes it.
#[test]
fn random_partitions_and_jitter_leave_the_load_balancer_stale_keyed_ordering_fixes_it() {
    let sim = bursts_over_a_jittery_link(false);
    let m = &sim.world().model;
    assert!(
        !m.stale_meters().is_empty(),
        "some meter went back to an older reading"
    );
    let v = violation(&sim, 1);
    assert!(
        v.reason.starts_with("zone ")
            && v.reason.contains("for meter")
            && v.reason.contains("but its latest is reading #"),
        "{}",
        v.reason
    );
    assert_eq!(
        sim.check_status()[0],
        CheckStatus::Holds,
        "billing does not care about order"
    );
    let out_of_order = sim.world().trace.events().any(|e| matches!(&e.detail, trace::Detail::Text(t) if t.contains("arrived after the newer reading")));
    assert!(out_of_order);

    let sim = bursts_over_a_jittery_link(true);
    let m = &sim.world().model;
    assert!(m.stale_meters().is_empty(), "stale: {:?}", m.stale_meters());
    assert!(
        sim.check_status().iter().all(|s| *s == CheckStatus::Holds),
        "{:?}",
        sim.check_status()
    );
}

/// At-most-once: a consumer crash loses readings that are never redelivered.
#[test]
fn at_most_once_loses_readings_when_billing_crashes() {
    let script = vec![
        at(0, toggle("at_most_once", true)),
        at(2_000, Command::Crash { node: BILLING }),
        at(4_000, Command::Restart { node: BILLING }),
        at(6_000, toggle("workload", false)),
    ];
    let sim = run(script, 5, 25_000);
    let m = &sim.world().model;
    assert_eq!(sim.world().core.counters.redelivered, 0);
    assert!(
        m.total_billed() < m.total_read(),
        "billed {} read {}",
        m.total_billed(),
        m.total_read()
    );
    violation(&sim, 0);
}

#[test]
fn same_seed_gives_the_same_trace() {
    let a = trace_json(&run(faulty_script(), 9, 20_000));
    let b = trace_json(&run(faulty_script(), 9, 20_000));
    assert_eq!(a, b);
    assert!(a.len() > 10_000);
}

#[test]
fn every_toggle_setting_and_action_is_accepted() {
    let mut sim = Sim::new(PowerGrid::default(), 1);
    let info = sim.world().info.clone();
    for t in &info.toggles {
        sim.apply(toggle(t.id, !t.default)).unwrap();
        sim.run_until(sim.now() + 300);
        sim.apply(toggle(t.id, t.default)).unwrap();
    }
    for s in &info.settings {
        for value in [s.min, s.max, s.default] {
            sim.apply(Command::Set {
                id: s.id.into(),
                value,
            })
            .unwrap();
            sim.run_until(sim.now() + 300);
        }
    }
    for a in &info.actions {
        sim.apply(action(a.id)).unwrap();
    }
    sim.run_until(sim.now() + 5_000);
    assert_eq!(sim.frame().checks.len(), info.checks.len());
    assert_eq!(sim.frame().views.len(), 3);
    assert!(!sim.tables().is_empty());
}

#[test]
fn layout_reads_left_to_right_and_describes_readings() {
    let sim = Sim::new(PowerGrid::default(), 1);
    let topo = &sim.world().topo;
    assert!(topo.nodes[METER.index()].x < topo.nodes[BROKER.index()].x);
    for n in [BILLING, LOAD_BALANCER, ANALYTICS] {
        assert!(topo.nodes[BROKER.index()].x < topo.nodes[n.index()].x);
    }
    let r = Reading {
        id: 42,
        meter: 7,
        seq: 1,
        tenths: 31,
    };
    assert_eq!(
        sim.world().model.describe(&r.into()),
        "reading #42 for meter 7: 3.1 kWh"
    );
}

// ---------------------------------------------------------------------
// Where each replica stands: converged, catching up, stuck or diverged.
// ---------------------------------------------------------------------

/// The standing of every view now, with the readings that are nowhere and
/// explained by no loss (always none).
fn standings(sim: &Sim<PowerGrid>) -> (Vec<Standing>, Vec<(GroupId, u64)>) {
    let w = sim.world();
    let env = w.env();
    let views = w.model.views(&env);
    (
        views.into_iter().map(|v| v.standing).collect(),
        w.model.unaccounted(&env),
    )
}

/// Runs to `until` one event at a time, calling `each` after every event
/// with the time and the standings.
fn watch(
    sim: &mut Sim<PowerGrid>,
    until: Time,
    mut each: impl FnMut(&Sim<PowerGrid>, &[Standing]),
) {
    while sim
        .world()
        .core
        .next_event_time()
        .is_some_and(|t| t <= until)
    {
        sim.step();
        let (s, unaccounted) = standings(sim);
        assert!(
            unaccounted.is_empty(),
            "at {} ms, readings nowhere and unexplained: {unaccounted:?}",
            sim.now()
        );
        each(sim, &s);
    }
}

fn first_event(
    sim: &Sim<PowerGrid>,
    pred: impl Fn(&trace::TraceEvent<converge::patterns::any::AnyMsg>) -> bool,
) -> EventId {
    sim.world()
        .trace
        .events()
        .find(|e| pred(e))
        .map(|e| e.id)
        .expect("the event happened")
}

fn loss_of(s: &Standing) -> Loss {
    match s {
        Standing::Diverged { loss, .. } => *loss,
        other => panic!("expected diverged, got {other:?}"),
    }
}

const BILLING_VIEW: usize = 0;
const LOAD_VIEW: usize = 1;
const ANALYTICS_VIEW: usize = 2;

/// With its defaults and no faults, the grid is never called diverged or
/// stuck: the consumers trail the meters (catching up), and come level.
#[test]
fn default_run_is_only_ever_converged_or_catching_up() {
    let mut sim = Sim::new(PowerGrid::default(), 42);
    let mut seen = [[0u32; 4]; 3];
    watch(&mut sim, 30_000, |sim, s| {
        for (i, st) in s.iter().enumerate() {
            let k = st.kind();
            assert!(
                matches!(k, StandingKind::Converged | StandingKind::CatchingUp),
                "view {i} at {} ms: {st:?}",
                sim.now()
            );
            seen[i][k as usize] += 1;
        }
        assert_ne!(sim.frame().standing(), StandingKind::Diverged);
    });
    for (i, counts) in seen.iter().enumerate() {
        assert!(counts[0] > 0, "view {i} was converged at times: {counts:?}");
        assert!(
            counts[1] > 0,
            "view {i} was catching up at times: {counts:?}"
        );
    }
}

/// Catching up says where the missing readings are, and the frame's words
/// follow: "Analytics: catching up … — N readings waiting for the next batch".
#[test]
fn catching_up_says_where_the_readings_are() {
    let mut sim = Sim::new(PowerGrid::default(), 42);
    let mut places = Vec::new();
    watch(&mut sim, 12_000, |_, s| {
        for st in s {
            if let Standing::CatchingUp(w) = st {
                for p in [Place::InFlight, Place::Broker, Place::Outbox, Place::Batch] {
                    if w.at(p) > 0 && !places.contains(&p) {
                        places.push(p);
                    }
                }
            }
        }
    });
    for p in [Place::InFlight, Place::Outbox, Place::Batch] {
        assert!(places.contains(&p), "{p:?} seen among {places:?}");
    }
    sim.run_until(13_500);
    let f = sim.frame();
    let a = &f.views[ANALYTICS_VIEW];
    assert_eq!(a.standing, StandingKind::CatchingUp, "{a:?}");
    assert!(
        a.detail.contains("waiting for the next batch"),
        "{}",
        a.detail
    );
    assert!(
        a.sentence.starts_with("Analytics: catching up"),
        "{}",
        a.sentence
    );
}

/// A dual write that crashes between saving and publishing loses the
/// reading: from the crash on, every consumer is diverged, naming the
/// reading and the crash; with the outbox the row waits (stuck while the
/// Meter is down) and everyone converges after the restart.
#[test]
fn dual_write_crash_is_diverged_at_the_crash_and_the_outbox_only_stuck() {
    let mut sim = Sim::with_script(
        PowerGrid::default(),
        3,
        crash_between_write_and_publish(false).script().to_vec(),
    )
    .unwrap();
    sim.run_until(2_010);
    match standings(&sim).0[BILLING_VIEW] {
        Standing::CatchingUp(w) => assert_eq!(w.at(Place::Unpublished), 1),
        other => panic!("saved, not yet published: {other:?}"),
    }
    watch(&mut sim, 25_000, |_, _| {});
    let crash = first_event(&sim, |e| e.kind == TraceKind::Crash);
    let (s, _) = standings(&sim);
    for (i, st) in s.iter().enumerate() {
        let loss = loss_of(st);
        assert_eq!(
            (loss.id, loss.when.event, loss.when.at),
            (1, crash, 2_050),
            "view {i}"
        );
    }
    let f = sim.frame();
    let h = f.headline();
    assert_eq!(h.state, StandingKind::Diverged, "{h}");
    assert_eq!(h.names.first().map(String::as_str), Some("Billing"), "{h}");
    assert_eq!(f.views[BILLING_VIEW].lost, Some((crash, 2_050)));
    assert!(
        f.views[BILLING_VIEW].detail.starts_with(
            "reading #1 was lost when Meter crashed between saving and publishing it, 2.0 s"
        ),
        "{}",
        f.views[BILLING_VIEW].detail
    );

    let mut sim = Sim::with_script(
        PowerGrid::default(),
        3,
        crash_between_write_and_publish(true).script().to_vec(),
    )
    .unwrap();
    sim.run_until(2_500);
    match standings(&sim).0[BILLING_VIEW] {
        Standing::Stuck {
            at,
            on: Blocker::Down { node, since },
        } => {
            assert_eq!((node, since, at.at(Place::Outbox)), (METER, 2_050, 1));
        }
        other => panic!("the outbox row waits for the Meter's restart: {other:?}"),
    }
    watch(&mut sim, 25_000, |sim, s| {
        assert_ne!(
            s[BILLING_VIEW].kind(),
            StandingKind::Diverged,
            "at {}",
            sim.now()
        );
    });
    let (s, _) = standings(&sim);
    assert!(s.iter().all(|s| *s == Standing::Converged), "{s:?}");
}

/// At-most-once delivery to a crashed consumer loses readings for that
/// consumer only, naming the drop; the others catch up.
#[test]
fn at_most_once_to_a_crashed_consumer_is_diverged_naming_the_drop() {
    let script = vec![
        at(0, toggle("at_most_once", true)),
        at(2_000, Command::Crash { node: BILLING }),
        at(4_000, Command::Restart { node: BILLING }),
        at(6_000, toggle("workload", false)),
    ];
    let mut sim = Sim::with_script(PowerGrid::default(), 5, script).unwrap();
    let mut diverged_at = None;
    watch(&mut sim, 25_000, |sim, s| {
        if diverged_at.is_none() && s[BILLING_VIEW].kind() == StandingKind::Diverged {
            diverged_at = Some(sim.now());
        }
    });
    let (s, _) = standings(&sim);
    let loss = loss_of(&s[BILLING_VIEW]);
    let drop = sim
        .world()
        .trace
        .get(loss.when.event)
        .expect("the losing event is in the trace");
    assert_eq!(drop.kind, TraceKind::Drop(trace::DropReason::ReceiverDown));
    assert_eq!(drop.node, BILLING);
    // Diverged from the drop on, or once the outbox row that could have
    // published it again was confirmed.
    let diverged_at = diverged_at.expect("billing diverged");
    assert!(
        diverged_at >= drop.time && diverged_at < drop.time + 500,
        "{diverged_at} vs {}",
        drop.time
    );
    assert!(loss.how.contains("on the way to Billing"), "{}", loss.how);
    assert_eq!(s[LOAD_VIEW], Standing::Converged);
    assert_eq!(s[ANALYTICS_VIEW], Standing::Converged);
}

/// A duplicate billed twice (no idempotency) is a wrong update: diverged,
/// naming the second charge.
#[test]
fn a_double_charge_is_diverged_naming_the_charge() {
    let script = vec![
        at(0, toggle("idempotent", false)),
        at(
            0,
            Command::SetLink {
                from: BROKER,
                to: BILLING,
                settings: link(100, 0, 0, 500),
            },
        ),
        at(6_000, toggle("workload", false)),
    ];
    let sim = run(script, 9, 20_000);
    assert!(sim.world().model.double_billings() > 0);
    let (s, _) = standings(&sim);
    let loss = loss_of(&s[BILLING_VIEW]);
    assert_eq!(loss.how, "was billed twice (no idempotency check)");
    let ev = sim.world().trace.get(loss.when.event).unwrap();
    assert_eq!((ev.kind, ev.node), (TraceKind::Write, BILLING));
}

/// An older reading that overwrites a newer one at the load balancer is
/// diverged for that meter; keyed partitioning never gets there.
#[test]
fn an_out_of_order_overwrite_is_diverged_at_the_load_balancer() {
    let sim = bursts_over_a_jittery_link(false);
    let (s, _) = standings(&sim);
    let loss = loss_of(&s[LOAD_VIEW]);
    assert!(
        loss.how.starts_with("overwrote a newer reading"),
        "{}",
        loss.how
    );
    let ev = sim.world().trace.get(loss.when.event).unwrap();
    assert_eq!((ev.kind, ev.node), (TraceKind::Write, LOAD_BALANCER));
    assert_eq!(
        s[BILLING_VIEW],
        Standing::Converged,
        "billing ignores order"
    );

    let sim = bursts_over_a_jittery_link(true);
    let (s, _) = standings(&sim);
    assert!(s.iter().all(|s| *s == Standing::Converged), "{s:?}");
}

/// A cut link leaves Billing stuck on it (never "converged", never
/// "diverged": the readings wait in the broker); healed, it converges
/// within the settle time.
#[test]
fn a_cut_link_is_stuck_naming_the_link_then_converges_when_healed() {
    let script = vec![
        at(
            1_000,
            Command::PartitionOneway {
                from: BROKER,
                to: BILLING,
            },
        ),
        at(8_000, toggle("workload", false)),
        at(
            9_000,
            Command::Heal {
                a: BROKER,
                b: BILLING,
            },
        ),
    ];
    let mut sim = Sim::with_script(PowerGrid::default(), 7, script).unwrap();
    let mut stuck = 0;
    watch(&mut sim, 8_900, |sim, s| {
        if sim.now() > 2_500 {
            match s[BILLING_VIEW] {
                Standing::Stuck {
                    at,
                    on: Blocker::LinkCut { from, to, since },
                } => {
                    assert_eq!((from, to, since), (BROKER, BILLING, 1_000));
                    assert!(at.at(Place::Broker) > 0, "{at:?}");
                    stuck += 1;
                }
                other => panic!("at {}: {other:?}", sim.now()),
            }
        }
    });
    assert!(stuck > 0);
    let f = sim.frame();
    let h = f.headline();
    assert_eq!(h.state, StandingKind::Stuck, "{h}");
    assert_eq!(h.names.first().map(String::as_str), Some("Billing"), "{h}");
    assert!(
        f.views[BILLING_VIEW]
            .detail
            .contains("waiting: link Broker → Billing cut at 1.0 s"),
        "{}",
        f.views[BILLING_VIEW].detail
    );
    let settle = sim.world().model.settle_time();
    sim.run_until(9_000 + settle);
    let (s, _) = standings(&sim);
    assert!(s.iter().all(|s| *s == Standing::Converged), "{s:?}");
}

/// Random fault schedules: whatever happens, once the faults heal and the
/// meters stop, every replica ends converged or diverged with a named
/// event that is in the trace, a reading is never nowhere and unexplained,
/// and diverged stays diverged once nothing can repair it.
#[test]
fn random_faults_end_converged_or_diverged_with_a_named_event() {
    let nodes = [METER, BROKER, BILLING, LOAD_BALANCER, ANALYTICS];
    let edges = [
        (METER, BROKER),
        (BROKER, BILLING),
        (BROKER, LOAD_BALANCER),
        (BROKER, ANALYTICS),
    ];
    let toggles = ["outbox", "idempotent", "keyed", "at_most_once"];
    let mut diverged_runs = 0;
    for seed in 1..=24u64 {
        let mut rng = rng::SimRng::new(seed * 7_919);
        let mut script = Vec::new();
        let mut t = 500;
        while t < 9_000 {
            let cmd = match rng.below(6) {
                0 => Command::Crash {
                    node: nodes[rng.below(5) as usize],
                },
                1 => Command::Restart {
                    node: nodes[rng.below(5) as usize],
                },
                2 => {
                    let (a, b) = edges[rng.below(4) as usize];
                    Command::Partition { a, b }
                }
                3 => {
                    let (from, to) = edges[rng.below(4) as usize];
                    Command::Hold { from, to }
                }
                4 => {
                    let (from, to) = edges[rng.below(4) as usize];
                    Command::SetLink {
                        from,
                        to,
                        settings: link(80, 300, 150, 150),
                    }
                }
                _ => toggle(toggles[rng.below(4) as usize], rng.chance(500)),
            };
            script.push(at(t, cmd));
            t += rng.between(200, 1_500);
        }
        // Heal everything at 10 s and stop the meters.
        script.push(at(10_000, toggle("workload", false)));
        for n in nodes {
            script.push(at(10_000, Command::Restart { node: n }));
        }
        for (a, b) in edges {
            script.push(at(10_000, Command::Release { from: a, to: b }));
            script.push(at(10_000, Command::Release { from: b, to: a }));
            script.push(at(10_000, Command::Heal { a, b }));
            for (from, to) in [(a, b), (b, a)] {
                script.push(at(
                    10_000,
                    Command::SetLink {
                        from,
                        to,
                        settings: LinkSettings::default(),
                    },
                ));
            }
        }
        let mut sim = Sim::with_script(PowerGrid::default(), seed, script).unwrap();
        let settle = sim.world().model.settle_time();
        let end = 10_500 + settle + 5_000;
        let mut diverged_after_heal = [false; 3];
        watch(&mut sim, end, |sim, s| {
            if sim.now() > 10_500 {
                for (i, st) in s.iter().enumerate() {
                    if st.kind() == StandingKind::Diverged {
                        diverged_after_heal[i] = true;
                    } else {
                        assert!(
                            !diverged_after_heal[i],
                            "seed {seed}: view {i} left diverged at {} ms: {st:?}",
                            sim.now()
                        );
                    }
                }
            }
        });
        let (s, _) = standings(&sim);
        for (i, st) in s.iter().enumerate() {
            match st {
                Standing::Converged => {}
                Standing::Diverged { loss, .. } => {
                    diverged_runs += 1;
                    assert!(
                        sim.world().trace.get(loss.when.event).is_some(),
                        "seed {seed}: view {i}'s losing event is in the trace"
                    );
                }
                other => panic!("seed {seed}: view {i} still {other:?} after healing and settling"),
            }
        }
    }
    assert!(diverged_runs > 0, "some schedules lost data");
}

/// A copy lost on a cut link and delivered again is not what lost a
/// reading for good: when a later copy is lost with at-most-once, the
/// meter names that later drop.
#[test]
fn the_loss_named_is_the_last_copy_lost_not_an_earlier_redelivered_one() {
    let script = vec![
        at(
            1_000,
            Command::Partition {
                a: BROKER,
                b: BILLING,
            },
        ),
        at(
            3_000,
            Command::Heal {
                a: BROKER,
                b: BILLING,
            },
        ),
        at(6_000, toggle("at_most_once", true)),
        at(6_100, Command::Crash { node: BILLING }),
        at(8_000, Command::Restart { node: BILLING }),
        at(9_000, toggle("workload", false)),
    ];
    let mut sim = Sim::with_script(PowerGrid::default(), 5, script).unwrap();
    watch(&mut sim, 25_000, |_, _| {});
    let loss = loss_of(&standings(&sim).0[BILLING_VIEW]);
    let drop = sim.world().trace.get(loss.when.event).unwrap();
    assert_eq!(
        drop.kind,
        TraceKind::Drop(trace::DropReason::ReceiverDown),
        "{loss:?}"
    );
    assert!(drop.time >= 6_100 && drop.time < 8_000, "{}", drop.time);
}
