//! Teaching facts of the saga pattern, as native tests with fixed seeds.

use converge::patterns::saga::*;
use converge::sim::trace::Detail;
use converge::sim::*;

fn at(t: Time, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(t, cmd)
}

fn set(id: &str, value: i64) -> Command {
    Command::Set {
        id: id.into(),
        value,
    }
}

fn toggle(id: &str, on: bool) -> Command {
    Command::Toggle { id: id.into(), on }
}

fn place() -> Command {
    Command::Action {
        id: "place_order".into(),
    }
}

/// No workload and no random failures: every outcome is chosen by the test.
fn calm(choreography: bool) -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("workload", false)),
        at(0, toggle("choreography", choreography)),
        at(0, set("declined", 0)),
        at(0, set("out_of_stock", 0)),
        at(0, set("no_courier", 0)),
        at(0, set("compensation_fail", 0)),
    ]
}

fn run(seed: u64, script: Vec<ScriptEntry>, until: Time) -> Sim<Saga> {
    let mut sim = Sim::with_script(Saga::default(), seed, script).unwrap();
    sim.run_until(until);
    sim
}

/// Texts of notes and writes, in trace order.
fn texts(sim: &Sim<Saga>) -> Vec<String> {
    sim.world()
        .trace
        .events()
        .filter_map(|e| match &e.detail {
            Detail::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn holds(sim: &Sim<Saga>) -> bool {
    sim.check_status().iter().all(|c| *c == CheckStatus::Holds)
}

fn violated(sim: &Sim<Saga>, check: usize) -> String {
    match &sim.check_status()[check] {
        CheckStatus::Violated(v) => v.reason.clone(),
        other => panic!("check {check} is not violated: {other:?}"),
    }
}

#[test]
fn happy_path_completes_every_step_in_order() {
    for choreography in [false, true] {
        let mut script = calm(choreography);
        script.push(at(0, place()));
        let sim = run(1, script, 8_000);
        let m = &sim.world().model;
        let saga = &m.ledger.sagas[&1];
        assert_eq!(
            saga.state(),
            SagaState::Completed,
            "choreography {choreography}"
        );
        assert_eq!(saga.steps(), Step::ALL.to_vec());
        assert!(saga.compensated().is_empty());
        assert_eq!(m.orders[&1].status, OrderStatus::Approved);
        assert_eq!(m.charges[&1].net(), OrderInfo::numbered(1).amount as i64);
        assert_eq!(m.reservations[&1].state, ReservationState::Shipped);
        assert!(holds(&sim), "{:?}", sim.check_status());
        if !choreography {
            assert_eq!(m.orchestrator.log[&1].phase, Phase::Completed);
        }
    }
}

#[test]
fn out_of_stock_at_step_3_compensates_steps_2_and_1_in_reverse_order() {
    for choreography in [false, true] {
        let mut script = calm(choreography);
        script.push(at(0, set("out_of_stock", 100)));
        script.push(at(0, place()));
        let sim = run(2, script, 10_000);
        let m = &sim.world().model;
        let saga = &m.ledger.sagas[&1];
        assert_eq!(saga.state(), SagaState::Compensated);
        assert_eq!(saga.steps(), vec![Step::Order, Step::Payment]);
        assert_eq!(
            saga.failed.map(|f| (f.0, f.1)),
            Some((Step::Inventory, "out of stock"))
        );
        assert_eq!(
            saga.compensated(),
            vec![Step::Payment, Step::Order],
            "refund first, then cancel"
        );
        assert!(saga.compensations[0].1 < saga.compensations[1].1);
        // The trace shows the same order.
        let t = texts(&sim);
        let refund = t
            .iter()
            .position(|x| x.contains("saga #1: refunded"))
            .unwrap();
        let cancel = t.iter().position(|x| x == "order #1: CANCELLED").unwrap();
        assert!(refund < cancel);
        assert_eq!(m.orders[&1].status, OrderStatus::Cancelled);
        assert_eq!(m.charges[&1].net(), 0);
        assert!(holds(&sim), "{:?}", sim.check_status());
        if !choreography {
            let log = &m.orchestrator.log[&1];
            assert_eq!(log.phase, Phase::Compensated);
            let undone: Vec<Step> = log.compensated.iter().map(|c| c.0).collect();
            assert_eq!(undone, vec![Step::Payment, Step::Order]);
        }
    }
}

#[test]
fn no_courier_at_step_4_releases_stock_then_refunds_then_cancels() {
    let mut script = calm(false);
    script.push(at(0, set("no_courier", 100)));
    script.push(at(0, place()));
    let sim = run(3, script, 10_000);
    let m = &sim.world().model;
    let saga = &m.ledger.sagas[&1];
    assert_eq!(
        saga.compensated(),
        vec![Step::Inventory, Step::Payment, Step::Order]
    );
    assert_eq!(m.reservations[&1].state, ReservationState::Released);
    let item = OrderInfo::numbered(1).item as usize;
    assert_eq!(
        (m.stock[item].on_hand, m.stock[item].reserved),
        (ITEMS[item].2, 0),
        "stock is back on the shelf"
    );
    assert!(holds(&sim));
}

#[test]
fn orchestrator_crash_mid_saga_resumes_from_its_log_and_finishes() {
    let mut script = calm(false);
    script.push(at(0, place()));
    let mut sim = run(4, script, 700);
    let phase = sim.world().model.orchestrator.log[&1].phase;
    assert!(
        matches!(phase, Phase::Step(s) if s > Step::Order),
        "mid-saga at the crash: {phase:?}"
    );
    sim.apply(Command::Crash { node: ORCHESTRATOR }).unwrap();
    sim.run_until(2_500);
    sim.apply(Command::Restart { node: ORCHESTRATOR }).unwrap();
    sim.run_until(12_000);
    let m = &sim.world().model;
    assert_eq!(m.ledger.sagas[&1].state(), SagaState::Completed);
    assert_eq!(m.orchestrator.log[&1].phase, Phase::Completed);
    assert!(texts(&sim)
        .iter()
        .any(|t| t.starts_with("resuming saga #1 at step")));
    assert_eq!(
        m.charges[&1].charged,
        OrderInfo::numbered(1).amount,
        "charged once"
    );
    assert!(holds(&sim), "{:?}", sim.check_status());
}

fn duplicated_replies(idempotent: bool) -> Sim<Saga> {
    let mut script = calm(false);
    script.push(at(0, toggle("idempotent", idempotent)));
    script.push(at(
        0,
        Command::SetLink {
            from: ORDER,
            to: ORCHESTRATOR,
            settings: LinkSettings {
                latency: 100,
                jitter: 100,
                drop_permille: 0,
                dup_permille: 1000,
            },
        },
    ));
    script.push(at(0, place()));
    run(5, script, 10_000)
}

#[test]
fn duplicated_reply_without_idempotency_charges_twice_and_the_check_names_it() {
    let sim = duplicated_replies(false);
    let m = &sim.world().model;
    let amount = OrderInfo::numbered(1).amount;
    assert_eq!(m.charges[&1].charged, 2 * amount);
    let money = violated(&sim, 1);
    assert!(
        money.contains("order #1") && money.contains("charged"),
        "{money}"
    );
    let twice = violated(&sim, 3);
    assert!(
        twice.contains("saga #1") && twice.contains("payment"),
        "{twice}"
    );
}

#[test]
fn duplicated_reply_with_idempotency_is_ignored() {
    let sim = duplicated_replies(true);
    let m = &sim.world().model;
    assert_eq!(m.charges[&1].charged, OrderInfo::numbered(1).amount);
    assert_eq!(m.ledger.sagas[&1].state(), SagaState::Completed);
    assert!(texts(&sim)
        .iter()
        .any(|t| t == "duplicate reply for saga #1 step order, ignored"));
    assert!(holds(&sim), "{:?}", sim.check_status());
}

fn late_payment_replies(idempotent: bool) -> Sim<Saga> {
    let mut script = calm(false);
    script.push(at(0, toggle("idempotent", idempotent)));
    script.push(at(
        0,
        Command::SetLink {
            from: PAYMENT,
            to: ORCHESTRATOR,
            settings: LinkSettings {
                latency: 1_500,
                jitter: 0,
                drop_permille: 0,
                dup_permille: 0,
            },
        },
    ));
    script.push(at(0, place()));
    run(6, script, 15_000)
}

#[test]
fn step_timeout_asks_again_and_the_late_reply_is_handled_idempotently() {
    let sim = late_payment_replies(true);
    let m = &sim.world().model;
    let t = texts(&sim);
    assert!(t
        .iter()
        .any(|x| x.starts_with("saga #1: no reply for step payment within 1000 ms")));
    assert!(t
        .iter()
        .any(|x| x
            == "duplicate request for saga #1 step payment, answered from the idempotency table"));
    assert!(t
        .iter()
        .any(|x| x == "duplicate reply for saga #1 step payment, ignored"));
    assert_eq!(m.charges[&1].charged, OrderInfo::numbered(1).amount);
    assert_eq!(m.ledger.sagas[&1].state(), SagaState::Completed);
    assert!(holds(&sim), "{:?}", sim.check_status());

    let naive = late_payment_replies(false);
    assert!(violated(&naive, 1).contains("order #1"));
}

#[test]
fn a_partitioned_service_holds_the_saga_until_the_link_heals() {
    let mut script = calm(false);
    script.push(at(
        0,
        Command::Partition {
            a: ORCHESTRATOR,
            b: INVENTORY,
        },
    ));
    script.push(at(0, place()));
    let mut sim = run(7, script, 5_000);
    let m = &sim.world().model;
    assert_eq!(m.orchestrator.log[&1].phase, Phase::Step(Step::Inventory));
    assert_eq!(m.ledger.sagas[&1].state(), SagaState::Running);
    sim.apply(Command::Heal {
        a: ORCHESTRATOR,
        b: INVENTORY,
    })
    .unwrap();
    sim.run_until(12_000);
    assert_eq!(
        sim.world().model.ledger.sagas[&1].state(),
        SagaState::Completed
    );
    assert!(holds(&sim), "{:?}", sim.check_status());
}

#[test]
fn failing_compensations_are_retried_until_they_succeed() {
    for choreography in [false, true] {
        let mut script = calm(choreography);
        script.push(at(0, set("compensation_fail", 80)));
        script.push(at(0, set("no_courier", 100)));
        script.push(at(0, place()));
        let sim = run(8, script, 40_000);
        let m = &sim.world().model;
        let saga = &m.ledger.sagas[&1];
        assert_eq!(
            saga.state(),
            SagaState::Compensated,
            "choreography {choreography}"
        );
        assert_eq!(
            saga.compensated(),
            vec![Step::Inventory, Step::Payment, Step::Order]
        );
        let failures = texts(&sim)
            .iter()
            .filter(|t| t.contains("failed this time"))
            .count();
        assert!(failures > 0, "some attempts failed and were retried");
        assert!(holds(&sim), "{:?}", sim.check_status());
    }
}

/// End state of every order: (status, net charged, reservation, courier booked).
type EndState = Vec<(
    u64,
    OrderStatus,
    i64,
    Option<ReservationState>,
    bool,
    SagaState,
)>;

fn end_state(sim: &Sim<Saga>) -> (EndState, Vec<(u64, u64, u64, u64)>) {
    let m = &sim.world().model;
    let orders = m
        .orders
        .iter()
        .map(|(id, o)| {
            (
                *id,
                o.status,
                m.charges.get(id).map_or(0, |c| c.net()),
                m.reservations.get(id).map(|r| r.state),
                m.shipments.contains_key(id),
                m.ledger.sagas[id].state(),
            )
        })
        .collect();
    let stock = m
        .stock
        .iter()
        .map(|s| (s.on_hand, s.reserved, s.shipped, s.received))
        .collect();
    (orders, stock)
}

#[test]
fn choreography_and_orchestration_reach_the_same_end_states() {
    let script = |choreography: bool| {
        let mut s = calm(choreography);
        s.push(at(0, set("compensation_fail", 30)));
        s.push(at(0, place()));
        s.push(at(6_000, place()));
        s.push(at(11_900, set("no_courier", 100)));
        s.push(at(12_000, place()));
        s.push(at(17_900, set("no_courier", 0)));
        s.push(at(17_900, set("declined", 100)));
        s.push(at(18_000, place()));
        s.push(at(23_900, set("declined", 0)));
        s.push(at(23_900, set("out_of_stock", 100)));
        s.push(at(24_000, place()));
        s.push(at(29_900, set("out_of_stock", 0)));
        s.push(at(30_000, place()));
        s
    };
    let orchestrated = run(9, script(false), 60_000);
    let choreographed = run(9, script(true), 60_000);
    let (a, b) = (end_state(&orchestrated), end_state(&choreographed));
    assert_eq!(a, b);
    let states: Vec<SagaState> = a.0.iter().map(|o| o.5).collect();
    use SagaState::*;
    assert_eq!(
        states,
        vec![
            Completed,
            Completed,
            Compensated,
            Compensated,
            Compensated,
            Completed
        ]
    );
    assert!(orchestrated
        .world()
        .model
        .ledger
        .sagas
        .values()
        .all(|s| s.style == Style::Orchestrated));
    assert!(choreographed
        .world()
        .model
        .ledger
        .sagas
        .values()
        .all(|s| s.style == Style::Choreographed));
    assert!(holds(&orchestrated) && holds(&choreographed));
}

#[test]
fn without_a_semantic_lock_the_report_reads_sagas_in_flight() {
    let dirty = |lock: bool| {
        let sim = run(10, vec![at(0, toggle("semantic_lock", lock))], 30_000);
        let m = &sim.world().model;
        assert!(m.reports.reads > 10);
        (
            m.reports.dirty_reads,
            sim.world()
                .model
                .orders
                .values()
                .any(|o| o.status == OrderStatus::Pending),
        )
    };
    let (without, pending) = dirty(false);
    assert!(
        without > 0,
        "the report counted orders whose saga was still running"
    );
    assert!(!pending);
    let (with, _) = dirty(true);
    assert_eq!(with, 0, "readers skip PENDING orders");
    // The zero means something only if the report read while sagas were
    // running (the assertion this replaces, `pending || with == 0`, could
    // not fail once `with == 0` held): step through the locked run and see
    // reports arrive while some order is still PENDING.
    let mut sim = Sim::with_script(
        Saga::default(),
        10,
        vec![at(0, toggle("semantic_lock", true))],
    )
    .unwrap();
    let (mut reads, mut reads_during_sagas) = (0, 0);
    for t in (100..=30_000).step_by(100) {
        sim.run_until(t);
        let m = &sim.world().model;
        if m.reports.reads > reads {
            reads = m.reports.reads;
            if m.orders.values().any(|o| o.status == OrderStatus::Pending) {
                reads_during_sagas += 1;
            }
        }
    }
    assert!(
        reads_during_sagas >= 3,
        "the report read while sagas ran ({reads_during_sagas} of {reads} reads)"
    );
    assert_eq!(sim.world().model.reports.dirty_reads, 0);
}

#[test]
fn the_reports_table_shows_dirty_reads() {
    let sim = run(10, vec![], 30_000);
    let t = Playground::tables(&sim);
    let reports = t.iter().find(|t| t.node == REPORTS).unwrap();
    let row = reports
        .rows
        .iter()
        .find(|r| r.key == "dirty reads")
        .unwrap();
    assert_eq!(
        row.cells[1].text,
        sim.world().model.reports.dirty_reads.to_string()
    );
    assert!(row.cells[1].diverged);
    assert!(Playground::frame(&sim).nodes[REPORTS.index()]
        .summary
        .starts_with("dirty reads"));
}

#[test]
fn with_the_default_workload_every_saga_settles_and_every_check_holds() {
    for choreography in [false, true] {
        let mut sim = run(
            11,
            vec![at(0, toggle("choreography", choreography))],
            40_000,
        );
        let m = &sim.world().model;
        assert!(m.ledger.sagas.len() >= 15);
        assert!(
            m.ledger
                .sagas
                .values()
                .any(|s| s.state() == SagaState::Compensated),
            "defaults show some compensations"
        );
        sim.apply(toggle("workload", false)).unwrap();
        sim.run_until(70_000);
        let m = &sim.world().model;
        assert!(m.ledger.sagas.values().all(|s| s.state().is_final()));
        assert!(
            holds(&sim),
            "choreography {choreography}: {:?}",
            sim.check_status()
        );
    }
}

#[test]
fn a_crashed_service_in_the_choreography_catches_up_from_the_broker() {
    let mut script = vec![at(0, toggle("choreography", true))];
    script.push(at(5_000, Command::Crash { node: PAYMENT }));
    script.push(at(9_000, Command::Restart { node: PAYMENT }));
    script.push(at(20_000, toggle("workload", false)));
    let sim = run(12, script, 50_000);
    assert!(sim.world().model.ledger.open.is_empty());
    assert!(holds(&sim), "{:?}", sim.check_status());
}

#[test]
fn same_seed_same_trace() {
    let script = || {
        vec![
            at(3_000, Command::Crash { node: ORCHESTRATOR }),
            at(4_000, Command::Restart { node: ORCHESTRATOR }),
        ]
    };
    let trace = |seed| {
        let sim = run(seed, script(), 20_000);
        serde_json::to_string(&sim.world().trace.events().collect::<Vec<_>>()).unwrap()
    };
    assert_eq!(trace(13), trace(13));
    assert_ne!(trace(13), trace(14));
}

#[test]
fn every_toggle_setting_and_action_is_accepted() {
    let info = Saga::default().info();
    let mut sim = Sim::new(Saga::default(), 1);
    for t in &info.toggles {
        sim.apply(toggle(t.id, !t.default)).unwrap();
        sim.apply(toggle(t.id, t.default)).unwrap();
    }
    for s in &info.settings {
        sim.apply(set(s.id, s.min)).unwrap();
        sim.apply(set(s.id, s.max)).unwrap();
        sim.apply(set(s.id, s.default)).unwrap();
    }
    for a in &info.actions {
        sim.apply(Command::Action { id: a.id.into() }).unwrap();
    }
    assert_eq!(info.checks.len(), sim.check_status().len());
    sim.run_until(5_000);
}
