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

// The meter's honesty: converged, catching up (and where), stuck (and on
// what), diverged (and which event lost which change). Every observation
// comes from the views the frame draws, after every event.

use converge::sim::scenario::ViewStatus;
use converge::sim::trace::Detail;

fn names(n: NodeId) -> String {
    ["Source", "Sync job", "Warehouse"][n.index()].to_string()
}

/// The warehouse's view now. Fails if it reports converged while accounts
/// differ (the frame's fallback would then be the one telling the truth).
fn warehouse(sim: &Sim<BackgroundSync>) -> ViewStatus {
    let w = sim.world();
    let v = w.model.views(&w.env()).remove(0);
    assert!(
        v.standing != Standing::Converged || v.differing == 0,
        "at {}: converged with {} accounts differing",
        sim.now(),
        v.differing
    );
    assert_eq!(v.noun, CHANGE);
    v
}

/// Runs to `until`, calling `f` with the warehouse's view after every event.
fn watch(
    sim: &mut Sim<BackgroundSync>,
    until: Time,
    mut f: impl FnMut(&Sim<BackgroundSync>, &ViewStatus),
) {
    while sim
        .world()
        .core
        .next_event_time()
        .is_some_and(|t| t <= until)
    {
        if !sim.step() {
            break;
        }
        let v = warehouse(sim);
        f(sim, &v);
    }
    sim.run_until(until);
    let v = warehouse(sim);
    f(sim, &v);
}

/// The last `n` events of the trace, one a line, for failure messages.
fn tail(sim: &Sim<BackgroundSync>, n: usize) -> String {
    let ev: Vec<_> = sim.world().trace.events().collect();
    ev[ev.len().saturating_sub(n)..]
        .iter()
        .map(|e| {
            format!(
                "  #{} {} {:?} {}: {:?}",
                e.id.0,
                e.time,
                e.kind,
                names(e.node),
                e.detail
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn words(v: &ViewStatus) -> String {
    v.standing.describe(v.noun, names)
}

/// A loss names an event of the trace, at the loss's time, no later than now.
fn assert_names_its_event(sim: &Sim<BackgroundSync>, v: &ViewStatus) {
    let Standing::Diverged { loss, .. } = v.standing else {
        return;
    };
    let e =
        sim.world().trace.get(loss.when.event).unwrap_or_else(|| {
            panic!("at {}: {} names no event of the trace", sim.now(), words(v))
        });
    assert_eq!(e.time, loss.when.at, "{}", words(v));
    assert!(e.time <= sim.now());
    assert!(
        [
            SKIPPED_BEHIND,
            SKIPPED_TIE,
            OVERWRITTEN_LATE,
            OVERWRITTEN_SOURCE,
            DROPPED,
            ORPHANED,
            KEPT_VERSION,
            PASSED,
            LWW_WAREHOUSE,
            LWW_SOURCE
        ]
        .contains(&loss.how),
        "{}",
        loss.how
    );
}

/// Each missing change is counted once, in one place.
fn assert_counts_every_account(v: &ViewStatus) {
    let at = match v.standing {
        Standing::CatchingUp(w) => w,
        Standing::Stuck { at, .. } => at,
        _ => return,
    };
    assert_eq!(at.total(), v.differing, "{}", words(v));
}

/// A small deterministic generator for fault schedules.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Crash(NodeId),
    Restart(NodeId),
    Cut(NodeId, NodeId),
    Heal(NodeId, NodeId),
    Hold(NodeId, NodeId),
    Release(NodeId, NodeId),
    Drop,
    Duplicate,
    Strategy(i64),
    Checkpoint(bool),
    TwoWay(bool),
}

/// Honesty (d): over random fault schedules (crashes and restarts, cut and
/// healed links, held and released links, dropped and duplicated
/// messages) on random configurations, once the faults heal and the edits
/// stop, the warehouse ends converged or diverged with a loss that names
/// an event of the trace; it is never left catching up or stuck. A
/// diverged warehouse only stops being diverged at an event that changed
/// something (a write, a command, a crash or a recovery), never by itself.
#[test]
fn random_fault_schedules_end_converged_or_diverged_naming_the_event() {
    const HEAL: Time = 20_000;
    let pairs = [(SOURCE, JOB), (JOB, WAREHOUSE)];
    let dirs = [
        (SOURCE, JOB),
        (JOB, SOURCE),
        (JOB, WAREHOUSE),
        (WAREHOUSE, JOB),
    ];
    let mut ends = [0u32; 4];
    let mut passed = [0u32; 4];
    let mut slow = 0;
    let mut hows: Vec<&str> = Vec::new();
    let seeds: u64 = std::env::var("BS_SEEDS").map_or(40, |s| s.parse().unwrap());
    let switches = std::env::var_os("BS_SWITCH").is_some();
    for seed in 0..seeds {
        let mut g = Lcg(seed * 7_919 + 13);
        let strategy = g.below(3) as i64;
        let two_way = g.below(4) == 0;
        let siblings = two_way && g.below(2) == 0;
        let checkpoint = g.below(3) != 0;
        let batch = 1 + g.below(4) as i64;
        let skew = [0, 0, -1_500, 1_500][g.below(4) as usize];
        let config = format!(
            "seed {seed}: strategy {strategy}, two-way {two_way}, siblings {siblings}, checkpoint {checkpoint}, batch {batch}, skew {skew}"
        );
        if std::env::var_os("BS_DEBUG").is_some() {
            println!("START {config}");
        }
        let mut faults: Vec<(Time, Fault)> = Vec::new();
        for _ in 0..(4 + g.below(6)) {
            let t = 500 + g.below(HEAL - 1_500);
            match g.below(if switches { 8 } else { 5 }) {
                0 => {
                    let node = [JOB, JOB, WAREHOUSE, SOURCE][g.below(4) as usize];
                    faults.push((t, Fault::Crash(node)));
                    faults.push((t + 300 + g.below(3_000), Fault::Restart(node)));
                }
                1 => {
                    let (a, b) = pairs[g.below(2) as usize];
                    faults.push((t, Fault::Cut(a, b)));
                    faults.push((t + 500 + g.below(6_000), Fault::Heal(a, b)));
                }
                2 => {
                    let (a, b) = dirs[g.below(4) as usize];
                    faults.push((t, Fault::Hold(a, b)));
                    faults.push((t + 500 + g.below(5_000), Fault::Release(a, b)));
                }
                3 => faults.push((t, Fault::Drop)),
                4 => faults.push((t, Fault::Duplicate)),
                5 => faults.push((t, Fault::Strategy(g.below(3) as i64))),
                6 => faults.push((t, Fault::Checkpoint(g.below(2) == 0))),
                _ => faults.push((t, Fault::TwoWay(g.below(2) == 0))),
            }
        }
        faults.sort_by_key(|f| f.0);
        let script = vec![
            at(0, set("strategy", strategy)),
            at(0, toggle("two_way", two_way)),
            at(0, toggle("siblings", siblings)),
            at(0, toggle("checkpoint", checkpoint)),
            at(0, set("batch", batch)),
            at(0, set("skew", skew)),
        ];
        let mut sim = Sim::with_script(BackgroundSync::default(), seed, script).unwrap();
        let mut was = StandingKind::Converged;
        let mut was_words = String::new();
        let mut trace_end = 0u64;
        let mut check = |sim: &Sim<BackgroundSync>, v: &ViewStatus| {
            let kind = v.standing.kind();
            passed[kind as usize] += 1;
            if let Standing::Diverged { loss, .. } = v.standing {
                if !hows.contains(&loss.how) {
                    hows.push(loss.how);
                    if std::env::var_os("BS_DEBUG").is_some() {
                        println!(
                            "FIRST {config}: at {} {}\n{}",
                            sim.now(),
                            words(v),
                            tail(sim, 25)
                        );
                    }
                }
            }
            assert_names_its_event(sim, v);
            assert_counts_every_account(v);
            let next = sim.world().trace.next_id().0;
            if let Standing::Diverged { loss, .. } = v.standing {
                if was != StandingKind::Diverged {
                    assert!(
                        loss.when.event.0 >= trace_end,
                        "{config}: at {} the warehouse turned diverged naming an earlier event: {}\n{}",
                        sim.now(),
                        words(v),
                        tail(sim, 30)
                    );
                }
            }
            if was == StandingKind::Diverged && kind != StandingKind::Diverged {
                let changed = sim
                    .world()
                    .trace
                    .events()
                    .rev()
                    .take_while(|e| e.id.0 >= trace_end)
                    .any(|e| match (&e.kind, &e.detail) {
                        (TraceKind::Note, Detail::Text(t)) => t.contains("aborted"),
                        (k, _) => matches!(
                            k,
                            TraceKind::Write
                                | TraceKind::Command
                                | TraceKind::Crash
                                | TraceKind::Recovered
                                | TraceKind::Drop(_)
                        ),
                    });
                assert!(
                    changed,
                    "{config}: at {} the warehouse stopped being diverged by itself ({was_words}): {}\n{}",
                    sim.now(),
                    words(v),
                    tail(sim, 30)
                );
                if std::env::var_os("BS_DEBUG").is_some() {
                    println!(
                        "{config}: at {} diverged -> {}\n{}",
                        sim.now(),
                        words(v),
                        tail(sim, 4)
                    );
                }
            }
            was = kind;
            was_words = words(v);
            trace_end = next;
        };
        let mut down = [false; 3];
        let mut cut: Vec<(NodeId, NodeId)> = Vec::new();
        let mut held: Vec<(NodeId, NodeId)> = Vec::new();
        for (t, f) in faults.iter().copied().filter(|f| f.0 < HEAL) {
            watch(&mut sim, t, &mut check);
            let flights: Vec<MsgId> = sim.frame().flights.iter().map(|f| f.id).collect();
            let pick = |g: &mut Lcg| flights[g.below(flights.len() as u64) as usize];
            let cmd = match f {
                Fault::Crash(node) => {
                    down[node.index()] = true;
                    Command::Crash { node }
                }
                Fault::Restart(node) => {
                    down[node.index()] = false;
                    Command::Restart { node }
                }
                Fault::Cut(a, b) => {
                    cut.push((a, b));
                    Command::Partition { a, b }
                }
                Fault::Heal(a, b) => {
                    cut.retain(|&p| p != (a, b));
                    Command::Heal { a, b }
                }
                Fault::Hold(from, to) => {
                    held.push((from, to));
                    Command::Hold { from, to }
                }
                Fault::Release(from, to) => {
                    held.retain(|&p| p != (from, to));
                    Command::Release { from, to }
                }
                Fault::Drop if !flights.is_empty() => Command::DropMessage { msg: pick(&mut g) },
                Fault::Duplicate if !flights.is_empty() => {
                    Command::DuplicateMessage { msg: pick(&mut g) }
                }
                Fault::Drop | Fault::Duplicate => continue,
                Fault::Strategy(v) => set("strategy", v),
                Fault::Checkpoint(on) => toggle("checkpoint", on),
                Fault::TwoWay(on) => toggle("two_way", on),
            };
            if std::env::var_os("BS_DEBUG").is_some() {
                println!("  {t}: {cmd:?}");
            }
            sim.apply(cmd).unwrap();
        }
        watch(&mut sim, HEAL, &mut check);
        let healing = sim.world().model.settle_time();
        for node in [SOURCE, JOB, WAREHOUSE] {
            if down[node.index()] {
                sim.apply(Command::Restart { node }).unwrap();
            }
        }
        for (a, b) in cut {
            sim.apply(Command::Heal { a, b }).unwrap();
        }
        for (from, to) in held {
            sim.apply(Command::Release { from, to }).unwrap();
        }
        sim.apply(toggle("workload", false)).unwrap();
        watch(&mut sim, HEAL + healing, &mut check);
        if warehouse(&sim).standing.kind() == StandingKind::CatchingUp {
            // A slow configuration (small batches, no checkpoint, a long
            // change log to read again) may need longer than the settle
            // time; it must still get there.
            slow += 1;
            watch(&mut sim, HEAL + 6 * healing, &mut check);
        }
        let v = warehouse(&sim);
        let kind = v.standing.kind();
        ends[kind as usize] += 1;
        assert!(
            kind == StandingKind::Converged || kind == StandingKind::Diverged,
            "{config}: {} s after healing the warehouse is still {}: {}\n{}",
            healing / 1000,
            kind.label(),
            words(&v),
            tail(&sim, 60)
        );
        if std::env::var_os("BS_DEBUG").is_some() {
            println!("{config}: {} ({} differing)", words(&v), v.differing);
            if std::env::var("BS_DEBUG").unwrap() == seed.to_string() {
                for t in sim.tables() {
                    println!("{}", t.title);
                    for r in t.rows {
                        println!(
                            "   {}",
                            r.cells
                                .iter()
                                .map(|c| c.text.clone())
                                .collect::<Vec<_>>()
                                .join(" | ")
                        );
                    }
                }
                println!("{}", tail(&sim, 40));
            }
        }
        if let Standing::Diverged { loss, .. } = v.standing {
            assert!(
                v.differing > 0 || [LWW_SOURCE, LWW_WAREHOUSE].contains(&loss.how),
                "{config}: diverged with nothing differing: {}",
                words(&v)
            );
        } else {
            assert_eq!(sim.check_status()[0], CheckStatus::Holds, "{config}");
        }
    }
    println!("ends {ends:?}, observations {passed:?}, slow {slow}, losses {hows:?}");
    assert!(ends[0] > 10, "most schedules converge: {ends:?}");
    assert!(ends[3] > 0, "some schedules lose a change: {ends:?}");
    assert!(passed[2] > 0, "some faults leave changes stuck: {passed:?}");
}
