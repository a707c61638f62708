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
    assert!(frame.headline().starts_with("All replicas converged"));
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
        sim.world().model.describe(&r),
        "reading #42 for meter 7: 3.1 kWh"
    );
}
