//! Teaching facts of background sync, each shown by a run with a fixed seed.

use converge::patterns::background_sync::*;
use converge::sim::*;

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

fn at(t: Time, cmd: Command) -> ScriptEntry {
    ScriptEntry::at(t, cmd)
}

fn run(script: Vec<ScriptEntry>, seed: u64, until: Time) -> Sim<BackgroundSync> {
    let mut sim = Sim::with_script(BackgroundSync::default(), seed, script).unwrap();
    sim.run_until(until);
    sim
}

fn violation(sim: &Sim<BackgroundSync>, check: usize) -> runner::Violation {
    match &sim.check_status()[check] {
        CheckStatus::Violated(v) => v.clone(),
        s => panic!("expected check {check} to be violated, got {s:?}"),
    }
}

fn all_hold(sim: &Sim<BackgroundSync>) -> bool {
    sim.check_status().iter().all(|s| *s == CheckStatus::Holds)
}

fn noted(sim: &Sim<BackgroundSync>, words: &str) -> bool {
    sim.world()
        .trace
        .events()
        .any(|e| matches!(&e.detail, trace::Detail::Text(t) if t.contains(words)))
}

/// Fact 1: with no faults, staleness never exceeds interval + the job's own
/// run time, and divergence drops to zero after runs (a saw-tooth).
#[test]
fn without_faults_staleness_never_exceeds_interval_plus_run_time() {
    let mut sim = Sim::new(BackgroundSync::default(), 3);
    let mut worst = 0;
    let mut t = 0;
    while t < 60_000 {
        t += 50;
        sim.run_until(t);
        if let Some(s) = sim.frame().views[0].staleness {
            worst = worst.max(s);
        }
    }
    let m = &sim.world().model;
    assert!(m.runs_finished() >= 18, "runs: {}", m.runs_finished());
    let bound = m.interval() + m.longest_run();
    assert!(
        worst <= bound,
        "worst staleness {worst} ms > interval + run {bound} ms"
    );
    assert!(
        worst > m.interval() / 2,
        "the warehouse really lags between runs: {worst}"
    );
    let in_sync = sim
        .series()
        .iter()
        .filter(|p| p.view == 0 && p.differing == 0)
        .count();
    assert!(
        in_sync >= 5,
        "divergence drops to zero after runs: {in_sync}"
    );
    assert!(
        sim.check_status()
            .iter()
            .all(|s| !matches!(s, CheckStatus::Violated(_))),
        "{:?}",
        sim.check_status()
    );
    sim.apply(toggle("workload", false)).unwrap();
    sim.run_until(75_000);
    assert!(sim.world().model.differing().is_empty());
    assert!(all_hold(&sim));
}

fn skewed(strategy: i64) -> Sim<BackgroundSync> {
    let script = vec![
        at(0, set("strategy", strategy)),
        at(0, set("skew", -2_000)),
        at(20_000, toggle("workload", false)),
    ];
    run(script, 5, 60_000)
}

/// Fact 2a: a watermark with the source's clock behind skips rows for good
/// and the checks say which; the change-log cursor converges.
#[test]
fn watermark_with_clock_skew_skips_rows_and_the_change_log_converges() {
    let sim = skewed(WATERMARK);
    let m = &sim.world().model;
    let skipped = m.differing();
    assert!(!skipped.is_empty(), "some row was skipped");
    let v = violation(&sim, 0);
    assert!(
        v.reason
            .starts_with(&format!("account {}: the warehouse has", skipped[0])),
        "{}",
        v.reason
    );
    let v = violation(&sim, 1);
    assert!(
        v.reason.contains("finished without copying it"),
        "{}",
        v.reason
    );

    let sim = skewed(CHANGE_LOG);
    assert!(sim.world().model.differing().is_empty());
    assert!(all_hold(&sim), "{:?}", sim.check_status());
}

fn transfer_at_batch_boundary(strategy: i64) -> Sim<BackgroundSync> {
    let script = vec![
        at(0, toggle("workload", false)),
        at(0, set("strategy", strategy)),
        at(0, set("batch", 1)),
        at(1_000, action("transfer")),
    ];
    run(script, 8, 25_000)
}

/// Fact 2b: two rows written with the same updated_at, split by a batch
/// boundary: the watermark skips the second; the change log does not.
#[test]
fn watermark_skips_a_same_timestamp_row_at_a_batch_boundary() {
    let sim = transfer_at_batch_boundary(WATERMARK);
    let m = &sim.world().model;
    let skipped = m.differing();
    assert_eq!(
        skipped.len(),
        1,
        "exactly the second row of the transfer is skipped: {skipped:?}"
    );
    let v = violation(&sim, 0);
    assert!(
        v.reason.starts_with(&format!("account {}:", skipped[0])),
        "{}",
        v.reason
    );

    let sim = transfer_at_batch_boundary(CHANGE_LOG);
    assert!(sim.world().model.differing().is_empty());
    assert!(all_hold(&sim));
}

fn crash_mid_run(checkpoint: bool) -> Sim<BackgroundSync> {
    let script = vec![
        at(0, toggle("checkpoint", checkpoint)),
        at(0, set("strategy", FULL_COPY)),
        at(0, set("batch", 2)),
        at(0, set("interval", 5_000)),
        at(4_000, toggle("workload", false)),
        at(6_300, Command::Crash { node: JOB }),
        at(7_000, Command::Restart { node: JOB }),
    ];
    run(script, 4, 11_500)
}

/// Fact 3: the job crashes mid-batch; with checkpoints the resumed run
/// converges without copying everything again.
#[test]
fn a_mid_batch_crash_with_checkpoints_converges_on_the_next_run() {
    let with = crash_mid_run(true);
    assert!(noted(&with, "resuming run #1 from its checkpoint"));
    assert!(
        with.world().model.differing().is_empty(),
        "{:?}",
        with.world().model.differing()
    );
    assert_eq!(
        with.world().model.runs_finished(),
        1,
        "the first run finished after resuming"
    );
    assert!(all_hold(&with), "{:?}", with.check_status());

    let without = crash_mid_run(false);
    assert!(noted(&without, "starts over"));
    assert!(
        with.world().model.rows_copied() < without.world().model.rows_copied(),
        "the checkpoint saves work: {} vs {}",
        with.world().model.rows_copied(),
        without.world().model.rows_copied()
    );
}

/// The warehouse is unreachable for a while: runs time out, then catch up.
#[test]
fn an_unreachable_warehouse_times_runs_out_and_they_catch_up_after_healing() {
    let script = vec![
        at(
            2_000,
            Command::Partition {
                a: JOB,
                b: WAREHOUSE,
            },
        ),
        at(
            10_000,
            Command::Heal {
                a: JOB,
                b: WAREHOUSE,
            },
        ),
        at(12_000, toggle("workload", false)),
    ];
    let sim = run(script, 6, 30_000);
    assert!(noted(&sim, "the warehouse did not answer"));
    assert!(sim.world().model.differing().is_empty());
    assert!(all_hold(&sim), "{:?}", sim.check_status());
}

fn concurrent_edits(siblings: bool) -> Sim<BackgroundSync> {
    let script = vec![
        at(0, toggle("workload", false)),
        at(0, toggle("two_way", true)),
        at(0, toggle("siblings", siblings)),
        at(1_000, action("concurrent")),
    ];
    run(script, 2, 10_000)
}

/// Fact 4: last-writer-wins loses one of two concurrent updates and names
/// the lost value; siblings keep both for a person to resolve.
#[test]
fn last_writer_wins_loses_one_of_two_concurrent_updates_and_names_it() {
    let sim = concurrent_edits(false);
    let m = &sim.world().model;
    assert_eq!(m.source_balance(3), 120);
    assert_eq!(
        m.warehouse_balance(3),
        120,
        "both sides converge on the winner"
    );
    let v = violation(&sim, 2);
    assert!(
        v.reason
            .starts_with("account 3: the warehouse's update to $70"),
        "{}",
        v.reason
    );
    assert!(
        v.reason.contains("overwritten by the source's $120"),
        "{}",
        v.reason
    );
    assert_eq!(
        sim.check_status()[0],
        CheckStatus::Holds,
        "converged, but an update is gone"
    );

    let mut sim = concurrent_edits(true);
    let m = &sim.world().model;
    assert_eq!(m.warehouse_siblings(3), &[70, 120]);
    assert!(all_hold(&sim), "{:?}", sim.check_status());
    let warehouse = sim
        .tables()
        .into_iter()
        .find(|t| t.node == WAREHOUSE)
        .unwrap();
    assert_eq!(warehouse.rows[2].cells[1].text, "$70 | $120 (conflict)");
    sim.apply(action("resolve")).unwrap();
    sim.run_until(20_000);
    let m = &sim.world().model;
    assert_eq!((m.source_balance(3), m.warehouse_balance(3)), (120, 120));
    assert!(m.warehouse_siblings(3).is_empty());
    assert!(all_hold(&sim));
}

fn faulty_script() -> Vec<ScriptEntry> {
    vec![
        at(0, set("strategy", WATERMARK)),
        at(0, set("skew", -1_000)),
        at(2_000, Command::Crash { node: JOB }),
        at(2_500, Command::Restart { node: JOB }),
        at(
            4_000,
            Command::Partition {
                a: JOB,
                b: WAREHOUSE,
            },
        ),
        at(
            6_000,
            Command::Heal {
                a: JOB,
                b: WAREHOUSE,
            },
        ),
        at(7_000, toggle("two_way", true)),
    ]
}

#[test]
fn same_seed_gives_the_same_trace() {
    let json = |sim: &Sim<BackgroundSync>| {
        serde_json::to_string(&sim.world().trace.events().collect::<Vec<_>>()).unwrap()
    };
    let a = json(&run(faulty_script(), 9, 20_000));
    assert_eq!(a, json(&run(faulty_script(), 9, 20_000)));
    assert!(a.len() > 10_000);
}

#[test]
fn every_toggle_setting_and_action_is_accepted() {
    let mut sim = Sim::new(BackgroundSync::default(), 1);
    let info = sim.world().info.clone();
    for t in &info.toggles {
        sim.apply(toggle(t.id, !t.default)).unwrap();
        sim.run_until(sim.now() + 500);
        sim.apply(toggle(t.id, t.default)).unwrap();
    }
    for s in &info.settings {
        for value in [s.min, s.max, s.default] {
            sim.apply(set(s.id, value)).unwrap();
            sim.run_until(sim.now() + 500);
        }
    }
    for a in &info.actions {
        sim.apply(action(a.id)).unwrap();
    }
    sim.run_until(sim.now() + 10_000);
    assert_eq!(sim.frame().checks.len(), info.checks.len());
    assert_eq!(sim.tables().len(), 3);
}
