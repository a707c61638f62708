//! Teaching facts of the CQRS pattern, as native tests with fixed seeds.

use converge::patterns::cqrs::*;
use converge::sim::trace::Detail;
use converge::sim::wire::Wire;
use converge::sim::*;

fn at(t: Time, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(t, cmd)
}

fn toggle(id: &str, on: bool) -> Command {
    Command::Toggle { id: id.into(), on }
}

fn set(id: &str, value: i64) -> Command {
    Command::Set {
        id: id.into(),
        value,
    }
}

fn action(id: &str) -> Command {
    Command::Action { id: id.into() }
}

fn run(seed: u64, script: Vec<ScriptEntry>, until: Time) -> Sim<Cqrs> {
    let mut sim = Sim::with_script(Cqrs::default(), seed, script).unwrap();
    sim.run_until(until);
    sim
}

fn texts(sim: &Sim<Cqrs>) -> Vec<String> {
    sim.world()
        .trace
        .events()
        .filter_map(|e| match &e.detail {
            Detail::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn holds(sim: &Sim<Cqrs>) -> bool {
    sim.check_status().iter().all(|c| *c == CheckStatus::Holds)
}

fn balances(p: &Projection) -> Vec<i64> {
    p.balances.values().map(|b| b.0).collect()
}

fn truth(m: &Cqrs) -> Vec<i64> {
    m.write.accounts.values().map(|a| a.balance).collect()
}

fn read_after_deposit(ryw: bool) -> Sim<Cqrs> {
    run(
        1,
        vec![
            at(0, toggle("workload", false)),
            at(0, toggle("read_your_writes", ryw)),
            at(0, action("deposit")),
        ],
        6_000,
    )
}

#[test]
fn a_read_right_after_a_command_is_stale_without_read_your_writes() {
    let sim = read_after_deposit(false);
    let c = &sim.world().model.client;
    assert_eq!((c.stale_reads, c.fresh_reads), (1, 0));
    assert!(texts(&sim)
        .iter()
        .any(|t| t.starts_with("stale read: account")
            && t.contains("misses the client's own write v1")));
    let (account, shown) = c.shown.iter().next().unwrap();
    assert_eq!(
        shown.version, 0,
        "the answer came from a read model still at v0"
    );
    assert_ne!(
        shown.balance,
        sim.world().model.write.accounts[account].balance
    );
    assert!(
        holds(&sim),
        "the read-your-writes check only judges reads made with it on"
    );
}

#[test]
fn a_read_right_after_a_command_is_fresh_with_read_your_writes() {
    let sim = read_after_deposit(true);
    let m = &sim.world().model;
    let c = &m.client;
    assert_eq!((c.stale_reads, c.fresh_reads), (0, 1));
    let (account, shown) = c.shown.iter().next().unwrap();
    assert_eq!(shown.version, 1);
    assert_eq!(shown.balance, m.write.accounts[account].balance);
    assert!(texts(&sim)
        .iter()
        .any(|t| t == "Balances view is at v0, behind v1: the read waits"));
    assert!(holds(&sim));
}

#[test]
fn read_your_writes_keeps_reads_monotonic_under_lag_and_a_projector_crash() {
    let script = |ryw| {
        vec![
            at(0, toggle("read_your_writes", ryw)),
            at(0, set("projector_delay", 2_500)),
            at(10_000, Command::Crash { node: BALANCES }),
            at(16_000, Command::Restart { node: BALANCES }),
            at(30_000, toggle("workload", false)),
        ]
    };
    let with = run(2, script(true), 50_000);
    let c = &with.world().model.client;
    assert_eq!(c.stale_reads, 0);
    assert!(c.fresh_reads > 8);
    assert!(
        texts(&with)
            .iter()
            .any(|t| t.contains("reading the write model instead")),
        "a read routed around the crashed view"
    );
    assert!(holds(&with), "{:?}", with.check_status());

    let without = run(2, script(false), 50_000);
    assert!(without.world().model.client.stale_reads > 3);
}

#[test]
fn a_crashed_projector_resumes_from_its_checkpoint_and_converges() {
    let mut sim = run(3, vec![], 10_000);
    let checkpoint = sim.world().core.groups[BALANCES_GROUP.0 as usize].cursors[0].committed;
    assert!(checkpoint > 3);
    sim.apply(Command::Crash { node: BALANCES }).unwrap();
    sim.run_until(14_000);
    sim.apply(Command::Restart { node: BALANCES }).unwrap();
    let restarted = sim.now();
    sim.run_until(20_000);
    sim.apply(toggle("workload", false)).unwrap();
    sim.run_until(40_000);
    // The first record delivered after the restart is at (or just below,
    // for one in flight at the crash) the checkpoint, never offset 0.
    let first = sim
        .world()
        .trace
        .events()
        .filter(|e| e.time >= restarted && e.node == BALANCES && e.kind == TraceKind::Deliver)
        .find_map(|e| match &e.detail {
            Detail::Wire {
                wire: Wire::Deliver { offset, .. },
                ..
            } => Some(*offset),
            _ => None,
        })
        .unwrap();
    assert!(
        first + 1 >= checkpoint,
        "resumed at {first}, checkpoint {checkpoint}"
    );
    assert!(texts(&sim)
        .iter()
        .any(|t| t.starts_with("Balances view resumes at v")));
    let m = &sim.world().model;
    assert_eq!(balances(&m.balances), truth(m));
    assert_eq!(m.balances.watermark, m.write.version);
    assert!(holds(&sim), "{:?}", sim.check_status());
}

#[test]
fn rebuilding_a_projection_from_zero_converges_to_the_same_read_model() {
    let mut sim = run(4, vec![at(20_000, toggle("workload", false))], 30_000);
    let before = balances(&sim.world().model.balances);
    let version = sim.world().model.balances.watermark;
    assert!(version > 5);
    sim.apply(action("rebuild")).unwrap();
    assert_eq!(sim.world().model.balances.watermark, 0, "cleared");
    sim.run_until(33_000);
    assert!(
        sim.world().model.balances.watermark < version,
        "still catching up"
    );
    assert!(matches!(sim.check_status()[0], CheckStatus::Pending { .. }));
    sim.run_until(80_000);
    let m = &sim.world().model;
    assert_eq!(balances(&m.balances), before);
    assert_eq!(m.balances.watermark, version);
    assert_eq!(m.balances.rebuilds, 1);
    assert!(holds(&sim), "{:?}", sim.check_status());
}

fn duplicated_events(idempotent: bool) -> Sim<Cqrs> {
    let dup = LinkSettings {
        latency: 100,
        jitter: 100,
        drop_permille: 0,
        dup_permille: 1000,
    };
    run(
        5,
        vec![
            at(0, toggle("workload", false)),
            at(0, toggle("idempotent_projection", idempotent)),
            at(
                0,
                Command::SetLink {
                    from: COMMANDS,
                    to: BROKER,
                    settings: dup,
                },
            ),
            at(0, action("deposit")),
            at(1_000, action("deposit")),
            at(2_000, action("deposit")),
        ],
        30_000,
    )
}

#[test]
fn a_duplicated_event_without_idempotent_projection_double_counts_and_the_check_names_it() {
    let sim = duplicated_events(false);
    assert_eq!(
        sim.logs().topic(ACCOUNT_EVENTS).count(),
        6,
        "every event is in the log twice"
    );
    let m = &sim.world().model;
    assert_ne!(balances(&m.balances), truth(m));
    match &sim.check_status()[0] {
        CheckStatus::Violated(v) => assert!(
            v.reason.starts_with("Balances view: account") && v.reason.contains("folds to"),
            "{}",
            v.reason
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(sim.check_status()[1], CheckStatus::Violated(_)),
        "the leaderboard double-counts too"
    );
}

#[test]
fn a_duplicated_event_with_idempotent_projection_is_skipped() {
    let sim = duplicated_events(true);
    let m = &sim.world().model;
    assert_eq!(balances(&m.balances), truth(m));
    assert_eq!(balances(&m.leaderboard), truth(m));
    assert!(texts(&sim)
        .iter()
        .any(|t| t.starts_with("Balances view: v") && t.ends_with("already applied, skipped")));
    assert!(holds(&sim), "{:?}", sim.check_status());
}

#[test]
fn a_poison_event_goes_to_the_dead_letter_log_and_the_projection_continues() {
    let sim = run(
        6,
        vec![
            at(3_000, action("poison_event")),
            at(15_000, toggle("workload", false)),
        ],
        40_000,
    );
    assert_eq!(
        sim.logs().dead_letters(ACCOUNT_EVENTS).len(),
        2,
        "one per projector"
    );
    let m = &sim.world().model;
    assert_eq!(balances(&m.balances), truth(m));
    assert!(!m.balances.stopped);
    assert!(holds(&sim), "{:?}", sim.check_status());
}

#[test]
fn with_stop_on_poison_the_projection_stops_until_resumed() {
    let mut sim = run(
        7,
        vec![
            at(0, toggle("stop_on_poison", true)),
            at(3_000, action("poison_event")),
            at(15_000, toggle("workload", false)),
        ],
        40_000,
    );
    let m = &sim.world().model;
    assert!(m.balances.stopped && m.leaderboard.stopped);
    assert!(m.balances.watermark < m.write.version);
    assert!(sim.logs().dead_letters(ACCOUNT_EVENTS).is_empty());
    match &sim.check_status()[0] {
        CheckStatus::Violated(v) => assert!(
            v.reason.contains("stopped at a poison event"),
            "{}",
            v.reason
        ),
        other => panic!("{other:?}"),
    }
    assert!(Playground::frame(&sim).nodes[BALANCES.index()]
        .summary
        .contains("stopped"));
    sim.apply(toggle("stop_on_poison", false)).unwrap();
    sim.run_until(70_000);
    let m = &sim.world().model;
    assert_eq!(balances(&m.balances), truth(m));
    assert_eq!(sim.logs().dead_letters(ACCOUNT_EVENTS).len(), 2);
    assert!(holds(&sim), "{:?}", sim.check_status());
}

#[test]
fn an_optimistic_update_is_taken_back_when_the_command_is_rejected() {
    let mut script = vec![
        at(0, toggle("workload", false)),
        at(0, toggle("optimistic_ui", true)),
    ];
    for i in 0..12 {
        script.push(at(i * 1_000, action("withdraw")));
    }
    let sim = run(8, script, 20_000);
    let c = &sim.world().model.client;
    assert!(c.rejected > 0, "some withdrawals were too large");
    assert_eq!(c.rollbacks, c.rejected);
    assert!(texts(&sim)
        .iter()
        .any(|t| t.contains("optimistic") && t.contains("taken back (insufficient funds)")));
}

#[test]
fn lag_is_visible_as_versions_and_staleness() {
    let sim = run(9, vec![at(0, set("projector_delay", 4_000))], 12_000);
    let f = Playground::frame(&sim);
    let m = &sim.world().model;
    assert!(m.balances.watermark < m.write.version);
    assert_eq!(
        f.nodes[COMMANDS.index()].summary,
        format!("v{}", m.write.version)
    );
    assert!(f.nodes[BALANCES.index()].summary.contains("behind"));
    assert!(f.views[0].staleness.is_some());
}

#[test]
fn same_seed_same_trace() {
    let trace = |seed| {
        let sim = run(
            seed,
            vec![
                at(2_000, action("poison_event")),
                at(5_000, Command::Crash { node: LEADERBOARD }),
                at(7_000, Command::Restart { node: LEADERBOARD }),
            ],
            20_000,
        );
        serde_json::to_string(&sim.world().trace.events().collect::<Vec<_>>()).unwrap()
    };
    assert_eq!(trace(10), trace(10));
    assert_ne!(trace(10), trace(11));
}

#[test]
fn every_toggle_setting_and_action_is_accepted() {
    let info = Cqrs::default().info();
    let mut sim = Sim::new(Cqrs::default(), 1);
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
        sim.apply(action(a.id)).unwrap();
    }
    assert_eq!(info.checks.len(), sim.check_status().len());
    sim.run_until(5_000);
}
