//! Teaching facts of the CQRS pattern, as native tests with fixed seeds.

use converge::patterns::cqrs::*;
use converge::sim::core::NodeStatus;
use converge::sim::scenario::ViewStatus;
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

// ---------------------------------------------------------------------
// Standing: converged, catching up (and where), stuck (and on what),
// diverged (and which event spoiled the read model).
// ---------------------------------------------------------------------

/// The read models, in the order `views()` reports them.
const VIEWS: [NodeId; 2] = [BALANCES, LEADERBOARD];

/// Versions accepted by the write model that a projection has not applied.
fn lacking(m: &Cqrs, p: &Projection) -> u32 {
    (p.watermark + 1..=m.write.version)
        .filter(|v| !p.applied.contains(v))
        .count() as u32
}

fn views(sim: &Sim<Cqrs>) -> Vec<ViewStatus> {
    let w = sim.world();
    w.model.views(&w.env())
}

/// Each view's standing now, after checking it tells the truth: converged
/// only with nothing lacking and nothing differing (never the meter's
/// fallback), every lacking event counted somewhere while catching up or
/// stuck, and a diverged view naming an event of the trace.
fn honest(sim: &Sim<Cqrs>) -> Vec<Standing> {
    let w = sim.world();
    let m = &w.model;
    let vs = views(sim);
    for (v, node) in vs.iter().zip(VIEWS) {
        assert_eq!(v.noun, EVENT);
        let lack = lacking(m, m.projection(node));
        let when = sim.now();
        match v.standing {
            Standing::Converged => {
                assert_eq!(
                    v.differing, 0,
                    "{}: converged but differing at {when}",
                    v.name
                );
                assert_eq!(lack, 0, "{}: converged but lacking at {when}", v.name);
            }
            Standing::CatchingUp(at) | Standing::Stuck { at, .. } => assert_eq!(
                at.total(),
                lack,
                "{}: every lacking event is somewhere at {when}: {:?}",
                v.name,
                v.standing
            ),
            Standing::Diverged { loss, .. } => {
                let e = w
                    .trace
                    .get(loss.when.event)
                    .expect("the losing event is in the trace");
                assert_eq!(e.time, loss.when.at);
                assert!(loss.when.at <= when);
            }
        }
    }
    vs.into_iter().map(|v| v.standing).collect()
}

/// Steps event by event up to `until`, calling `each` after every event
/// with the (checked) standings and the first event id of that step.
fn step_until(
    sim: &mut Sim<Cqrs>,
    until: Time,
    mut each: impl FnMut(&mut Sim<Cqrs>, &[Standing], EventId),
) {
    loop {
        let first = sim.world().trace.next_id();
        if sim.now() >= until || !sim.step() {
            break;
        }
        let s = honest(sim);
        each(sim, &s, first);
    }
    let first = sim.world().trace.next_id();
    sim.run_until(until);
    let s = honest(sim);
    each(sim, &s, first);
}

fn kind(s: &Standing) -> StandingKind {
    s.kind()
}

#[test]
fn the_default_workload_is_only_ever_converged_or_catching_up() {
    for seed in [1, 2, 3] {
        for ryw in [false, true] {
            let mut sim = run(seed, vec![at(0, toggle("read_your_writes", ryw))], 0);
            let mut seen = [0u32; 4];
            let mut places = std::collections::BTreeSet::new();
            step_until(&mut sim, 30_000, |_, s, _| {
                for st in s {
                    assert!(
                        matches!(
                            st.kind(),
                            StandingKind::Converged | StandingKind::CatchingUp
                        ),
                        "seed {seed}: {st:?}"
                    );
                    seen[st.kind() as usize] += 1;
                    if let Standing::CatchingUp(w) = st {
                        for p in [
                            Place::Outbox,
                            Place::InFlight,
                            Place::EventLog,
                            Place::Batch,
                        ] {
                            if w.at(p) > 0 {
                                places.insert(p);
                            }
                        }
                    }
                }
            });
            assert!(
                seen[0] > 0 && seen[1] > 0,
                "the read models trail the write model and catch up: {seen:?}"
            );
            assert!(
                places.contains(&Place::Batch) && places.contains(&Place::InFlight),
                "{places:?}"
            );
        }
    }
}

#[test]
fn a_lagging_read_model_says_where_its_missing_events_are() {
    let mut sim = run(9, vec![at(0, set("projector_delay", 4_000))], 0);
    let mut said = None;
    step_until(&mut sim, 12_000, |sim, s, _| {
        if said.is_none() && matches!(s[0], Standing::CatchingUp(w) if w.at(Place::Batch) >= 2) {
            let f = Playground::frame(sim);
            said = Some((
                f.headline(),
                f.views[0].detail.clone(),
                f.views[0].sentence.clone(),
            ));
        }
    });
    let (headline, detail, sentence) = said.expect("events wait for the next batch");
    assert_eq!(headline.state, StandingKind::CatchingUp, "{headline}");
    assert_eq!(
        headline.names.first().map(String::as_str),
        Some("Balances view")
    );
    assert!(
        detail.contains(" events waiting for the next batch"),
        "{detail}"
    );
    assert!(
        sentence.starts_with("Balances view: catching up"),
        "{sentence}"
    );
}

#[test]
fn read_your_writes_changes_what_a_query_sees_not_the_read_models_standing() {
    let mut sim = Sim::with_script(Cqrs::default(), 1, read_after_deposit_script(true)).unwrap();
    let mut parked = 0;
    step_until(&mut sim, 6_000, |sim, s, first| {
        let waits = sim
            .world()
            .trace
            .events()
            .filter(|e| e.id >= first)
            .any(|e| matches!(&e.detail, Detail::Text(t) if t.ends_with("the read waits")));
        if waits {
            parked += 1;
            assert!(
                matches!(s[0], Standing::CatchingUp(w) if w.total() == 1),
                "the deposit is on its way; the waiting read does not make it stuck: {:?}",
                s[0]
            );
        }
    });
    assert_eq!(parked, 1);
    assert_eq!(honest(&sim), vec![Standing::Converged; 2]);
}

fn read_after_deposit_script(ryw: bool) -> Vec<ScriptEntry> {
    vec![
        at(0, toggle("workload", false)),
        at(0, toggle("read_your_writes", ryw)),
        at(0, action("deposit")),
    ]
}

fn dup_script(idempotent: bool) -> Vec<ScriptEntry> {
    let dup = LinkSettings {
        latency: 100,
        jitter: 100,
        drop_permille: 0,
        dup_permille: 1000,
    };
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
    ]
}

/// Per view: the loss it first turned diverged with, and whether that
/// loss's event was recorded in the step that turned it.
type Turned = [Option<(Loss, bool)>; 2];

/// Runs to `until` event by event; returns, per view, the loss it first
/// turned diverged with and whether the loss's event was recorded in the
/// very step that turned it (diverged at the event, not later). Asserts
/// diverged is sticky.
fn watch_divergence(sim: &mut Sim<Cqrs>, until: Time) -> Turned {
    let mut turned = [None, None];
    let mut last = [StandingKind::Converged; 2];
    step_until(sim, until, |sim, s, first| {
        let next = sim.world().trace.next_id();
        for i in 0..2 {
            if last[i] == StandingKind::Diverged {
                assert_eq!(kind(&s[i]), StandingKind::Diverged, "diverged is sticky");
            } else if let Standing::Diverged { loss, .. } = s[i] {
                let here = loss.when.event >= first && loss.when.event < next;
                turned[i] = Some((loss, here));
            }
            last[i] = kind(&s[i]);
        }
    });
    turned
}

fn text_of(sim: &Sim<Cqrs>, e: EventId) -> (TraceKind, NodeId, String) {
    let ev = sim.world().trace.get(e).unwrap();
    let text = match &ev.detail {
        Detail::Text(t) => t.clone(),
        _ => String::new(),
    };
    (ev.kind, ev.node, text)
}

#[test]
fn a_duplicate_applied_by_a_projector_that_does_not_skip_repeats_diverges_at_that_write() {
    let mut sim = Sim::with_script(Cqrs::default(), 5, dup_script(false)).unwrap();
    let turned = watch_divergence(&mut sim, 30_000);
    let f = Playground::frame(&sim);
    let h = f.headline();
    assert_eq!(
        (h.state, h.names),
        (
            StandingKind::Diverged,
            vec!["Balances view".to_string(), "Leaderboard".to_string()]
        )
    );
    for (i, node) in VIEWS.into_iter().enumerate() {
        let (loss, here) = turned[i].expect("diverged");
        assert!(here, "diverged at the write that applied the copy");
        assert_eq!(loss.how, APPLIED_TWICE);
        let (kind, at, text) = text_of(&sim, loss.when.event);
        assert_eq!((kind, at), (TraceKind::Write, node));
        assert!(text.ends_with(&format!("(v{})", loss.id)), "{text}");
        let v = &f.views[i];
        assert!(
            v.detail.starts_with(&format!(
                "event #{} was applied twice: the projector does not skip repeats, ",
                loss.id
            )),
            "{}",
            v.detail
        );
        assert!(v.detail.ends_with("(and 2 more)"), "{}", v.detail);
        assert_eq!(v.lost, Some((loss.when.event, loss.when.at)));
    }
    // Still diverged long after (nothing repairs it by itself)...
    sim.run_until(60_000);
    assert!(honest(&sim)
        .iter()
        .all(|s| s.kind() == StandingKind::Diverged));
    // ...until a rebuild with idempotent projection replays the log.
    sim.apply(toggle("idempotent_projection", true)).unwrap();
    sim.apply(action("rebuild")).unwrap();
    let s = honest(&sim);
    assert!(
        matches!(s[0], Standing::CatchingUp(w) if w.at(Place::EventLog) + w.at(Place::InFlight) == 3),
        "{:?}",
        s[0]
    );
    assert_eq!(s[1].kind(), StandingKind::Diverged);
    let rebuilt = sim.now();
    let mut converged_at = None;
    step_until(
        &mut sim,
        rebuilt + Cqrs::default().settle_time(),
        |sim, s, _| {
            if converged_at.is_none() && s[0] == Standing::Converged {
                converged_at = Some(sim.now());
            }
            if converged_at.is_some() {
                assert_eq!(s[0], Standing::Converged);
            }
            assert_eq!(
                s[1].kind(),
                StandingKind::Diverged,
                "the leaderboard was not rebuilt"
            );
        },
    );
    assert!(converged_at.is_some());
}

#[test]
fn rebuilding_with_a_projector_that_does_not_skip_repeats_diverges_again_at_a_new_write() {
    let mut sim = Sim::with_script(Cqrs::default(), 5, dup_script(false)).unwrap();
    sim.run_until(30_000);
    let Standing::Diverged { loss: before, .. } = honest(&sim)[0] else {
        panic!("diverged")
    };
    sim.apply(action("rebuild")).unwrap();
    let rebuilt = sim.world().trace.next_id();
    assert_eq!(
        honest(&sim)[0].kind(),
        StandingKind::CatchingUp,
        "repaired, replaying"
    );
    let turned = watch_divergence(&mut sim, 60_000);
    let (loss, here) = turned[0].expect("the log holds every event twice");
    assert!(here && loss.when.event > rebuilt && loss.when.event != before.when.event);
    assert_eq!(loss.how, APPLIED_TWICE);
}

#[test]
fn the_same_duplicates_with_idempotent_projection_never_diverge() {
    let mut sim = Sim::with_script(Cqrs::default(), 5, dup_script(true)).unwrap();
    step_until(&mut sim, 30_000, |_, s, _| {
        for st in s {
            assert!(st.kind() <= StandingKind::CatchingUp, "{st:?}");
        }
    });
    assert_eq!(honest(&sim), vec![Standing::Converged; 2]);
}

/// Deposits once with the given projection, drops the balances projector's
/// first acknowledgement, and runs on: the broker delivers the event again.
fn lost_ack(idempotent: bool) -> (Sim<Cqrs>, Turned, EventId) {
    let mut sim = Sim::with_script(
        Cqrs::default(),
        12,
        vec![
            at(0, toggle("workload", false)),
            at(0, toggle("idempotent_projection", idempotent)),
            at(0, action("deposit")),
        ],
    )
    .unwrap();
    let ack = loop {
        assert!(sim.step());
        let ack = sim
            .world()
            .core
            .flight
            .values()
            .find(|f| f.from == BALANCES && matches!(f.wire, Wire::Ack { .. }));
        if let Some(f) = ack {
            break f.id;
        }
    };
    sim.apply(Command::DropMessage { msg: ack }).unwrap();
    let dropped = EventId(sim.world().trace.next_id().0 - 1);
    assert!(matches!(
        sim.world().trace.get(dropped).unwrap().kind,
        TraceKind::Drop(_)
    ));
    assert_eq!(
        honest(&sim)[0].kind(),
        StandingKind::CatchingUp,
        "a lost ack loses nothing: the event is in the projector's batch"
    );
    let turned = watch_divergence(&mut sim, 20_000);
    (sim, turned, dropped)
}

#[test]
fn a_lost_ack_makes_a_projector_that_does_not_skip_repeats_apply_the_redelivery_twice() {
    let (sim, turned, dropped) = lost_ack(false);
    let (loss, here) = turned[0].expect("the redelivery was applied again");
    assert!(here && loss.when.event > dropped);
    assert_eq!((loss.id, loss.how), (1, APPLIED_TWICE));
    let redelivered = sim
        .world()
        .trace
        .events()
        .find(|e| e.kind == TraceKind::Redeliver && e.peer == Some(BALANCES))
        .expect("the broker sent v1 again");
    assert!(dropped < redelivered.id && redelivered.id < loss.when.event);
    assert!(turned[1].is_none(), "the leaderboard's ack was not lost");
    assert_eq!(honest(&sim)[1], Standing::Converged);
}

#[test]
fn a_lost_ack_with_idempotent_projection_converges() {
    let (sim, turned, _) = lost_ack(true);
    assert!(turned.iter().all(|t| t.is_none()));
    assert_eq!(honest(&sim), vec![Standing::Converged; 2]);
}

#[test]
fn a_delivery_dropped_after_a_stale_ack_moved_the_broker_past_it_is_lost_for_good() {
    // The balances projector's acks are held; v1 is delivered (and
    // redelivered) meanwhile. A rebuild clears the view and replays from
    // offset 0; that delivery is dropped; then the held acks for offset 0
    // arrive and commit it: nothing will send v1 to the balances view again.
    let mut sim = Sim::with_script(
        Cqrs::default(),
        13,
        vec![
            at(0, toggle("workload", false)),
            at(
                0,
                Command::Hold {
                    from: BALANCES,
                    to: BROKER,
                },
            ),
            at(0, action("deposit")),
        ],
    )
    .unwrap();
    sim.run_until(3_000);
    assert_eq!(sim.world().model.balances.watermark, 1);
    sim.apply(action("rebuild")).unwrap();
    let replay = sim
        .world()
        .core
        .flight
        .values()
        .find(|f| f.to == BALANCES && matches!(f.wire, Wire::Deliver { .. }))
        .map(|f| f.id)
        .expect("the replay of offset 0 is on its way");
    assert!(matches!(honest(&sim)[0], Standing::CatchingUp(w) if w.at(Place::InFlight) == 1));
    sim.apply(Command::DropMessage { msg: replay }).unwrap();
    let dropped = EventId(sim.world().trace.next_id().0 - 1);
    assert!(
        matches!(honest(&sim)[0], Standing::Stuck { at, on: Blocker::LinkHeld { from: BALANCES, to: BROKER, .. } } if at.at(Place::EventLog) == 1),
        "still in the log, behind the held acks: {:?}",
        honest(&sim)[0]
    );
    sim.apply(Command::Release {
        from: BALANCES,
        to: BROKER,
    })
    .unwrap();
    sim.run_until(20_000);
    let m = &sim.world().model;
    assert_eq!(m.balances.watermark, 0, "v1 never came back");
    match honest(&sim)[0] {
        Standing::Diverged { loss, more: 0 } => {
            assert_eq!(
                (loss.id, loss.how, loss.when.event),
                (1, DROPPED_PAST, dropped)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(sim.check_status()[0], CheckStatus::Violated(_)));
    assert_eq!(honest(&sim)[1], Standing::Converged);
    let f = Playground::frame(&sim);
    let h = f.headline();
    assert_eq!(
        (h.state, h.names),
        (StandingKind::Diverged, vec!["Balances view".to_string()])
    );
    assert!(
        f.views[0].detail.starts_with(
            "event #1 was dropped on its way to the projector, and a stale acknowledgement moved the broker past it, "
        ),
        "{}",
        f.views[0].detail
    );
}

/// Runs the default workload with `fault` at 5 s and `heal` at 11 s (when
/// the workload stops too), event by event. Returns the blockers the view
/// at `view` was stuck on before the heal, and asserts every view is
/// converged within the settle time after it and stays so.
fn stuck_then_heal(
    seed: u64,
    fault: Vec<Command>,
    heal: Vec<Command>,
    view: usize,
) -> Vec<Blocker> {
    let mut script: Vec<ScriptEntry> = fault.into_iter().map(|c| at(5_000, c)).collect();
    script.extend(heal.into_iter().map(|c| at(11_000, c)));
    script.push(at(11_000, toggle("workload", false)));
    let mut sim = Sim::with_script(Cqrs::default(), seed, script).unwrap();
    let mut on = Vec::new();
    step_until(&mut sim, 11_000, |sim, s, _| {
        if let Standing::Stuck { on: b, .. } = s[view] {
            if !on.contains(&b) && sim.now() < 11_000 {
                on.push(b);
            }
            let f = Playground::frame(sim);
            assert_eq!(
                f.headline().state,
                StandingKind::Stuck,
                "never converged while stuck: {}",
                f.headline()
            );
        }
        for st in s {
            assert_ne!(st.kind(), StandingKind::Diverged, "{st:?}");
        }
    });
    let settle = Cqrs::default().settle_time();
    let mut converged = [None; 2];
    step_until(&mut sim, 11_000 + settle, |sim, s, _| {
        for i in 0..2 {
            if s[i] == Standing::Converged {
                converged[i].get_or_insert(sim.now());
            } else {
                assert!(converged[i].is_none(), "stays converged: {:?}", s[i]);
            }
        }
    });
    assert!(
        converged.iter().all(|c| c.is_some()),
        "converged within {settle} ms: {:?}",
        honest(&sim)
    );
    assert!(holds(&sim), "{:?}", sim.check_status());
    on
}

#[test]
fn a_crashed_projector_is_stuck_naming_it_then_converges_after_restart() {
    let on = stuck_then_heal(
        3,
        vec![Command::Crash { node: BALANCES }],
        vec![Command::Restart { node: BALANCES }],
        0,
    );
    assert_eq!(
        on,
        vec![Blocker::Down {
            node: BALANCES,
            since: 5_000
        }]
    );
    // The words a learner reads.
    let mut sim = Sim::with_script(
        Cqrs::default(),
        3,
        vec![at(5_000, Command::Crash { node: BALANCES })],
    )
    .unwrap();
    sim.run_until(10_000);
    let f = Playground::frame(&sim);
    let h = f.headline();
    assert_eq!(
        (h.state, h.names),
        (StandingKind::Stuck, vec!["Balances view".to_string()])
    );
    assert!(
        f.views[0]
            .detail
            .ends_with(" waiting: Balances down since 5.0 s"),
        "{}",
        f.views[0].detail
    );
    assert!(f.views[1].standing <= StandingKind::CatchingUp);
}

#[test]
fn a_cut_link_to_a_projector_is_stuck_naming_the_link_then_converges_after_heal() {
    let on = stuck_then_heal(
        4,
        vec![Command::Partition {
            a: BROKER,
            b: LEADERBOARD,
        }],
        vec![Command::Heal {
            a: BROKER,
            b: LEADERBOARD,
        }],
        1,
    );
    assert_eq!(
        on,
        vec![Blocker::LinkCut {
            from: BROKER,
            to: LEADERBOARD,
            since: 5_000
        }]
    );
    let mut sim = Sim::with_script(
        Cqrs::default(),
        4,
        vec![at(
            5_000,
            Command::Partition {
                a: BROKER,
                b: LEADERBOARD,
            },
        )],
    )
    .unwrap();
    sim.run_until(10_000);
    let detail = &Playground::frame(&sim).views[1].detail;
    assert!(
        detail.ends_with(" events waiting: link Broker → Leaderboard cut at 5.0 s"),
        "{detail}"
    );
}

#[test]
fn a_cut_ack_path_leaves_the_projection_stuck_behind_its_uncommitted_offset() {
    let on = stuck_then_heal(
        6,
        vec![Command::PartitionOneway {
            from: BALANCES,
            to: BROKER,
        }],
        vec![Command::Heal {
            a: BALANCES,
            b: BROKER,
        }],
        0,
    );
    assert_eq!(
        on,
        vec![Blocker::LinkCut {
            from: BALANCES,
            to: BROKER,
            since: 5_000
        }]
    );
}

#[test]
fn held_publishes_leave_both_read_models_stuck_on_the_held_link() {
    for view in [0, 1] {
        let on = stuck_then_heal(
            7,
            vec![Command::Hold {
                from: COMMANDS,
                to: BROKER,
            }],
            vec![Command::Release {
                from: COMMANDS,
                to: BROKER,
            }],
            view,
        );
        assert_eq!(
            on,
            vec![Blocker::LinkHeld {
                from: COMMANDS,
                to: BROKER,
                since: 5_000
            }]
        );
    }
}

#[test]
fn a_crashed_broker_leaves_the_read_models_stuck_on_it_but_a_crashed_write_model_does_not() {
    for view in [0, 1] {
        let on = stuck_then_heal(
            8,
            vec![Command::Crash { node: BROKER }],
            vec![Command::Restart { node: BROKER }],
            view,
        );
        assert_eq!(
            on,
            vec![Blocker::Down {
                node: BROKER,
                since: 5_000
            }]
        );
    }
    // A write model that is down accepts nothing new, and what it accepted
    // is in the log or on its way there: the read models are not held up.
    let on = stuck_then_heal(
        8,
        vec![Command::Crash { node: COMMANDS }],
        vec![Command::Restart { node: COMMANDS }],
        0,
    );
    assert!(on.is_empty(), "{on:?}");
}

#[test]
fn a_projection_stopped_at_a_poison_event_is_stuck_on_its_paused_consumer() {
    let mut sim = run(
        7,
        vec![
            at(0, toggle("stop_on_poison", true)),
            at(3_000, action("poison_event")),
            at(15_000, toggle("workload", false)),
        ],
        40_000,
    );
    let s = honest(&sim);
    for (i, node) in VIEWS.into_iter().enumerate() {
        assert!(
            matches!(s[i], Standing::Stuck { at, on: Blocker::Paused { node: n } } if n == node && at.at(Place::EventLog) > 0),
            "{:?}",
            s[i]
        );
    }
    let f = Playground::frame(&sim);
    let h = f.headline();
    assert_eq!(
        (h.state, h.names),
        (
            StandingKind::Stuck,
            vec!["Balances view".to_string(), "Leaderboard".to_string()]
        )
    );
    assert!(
        f.views[0]
            .detail
            .ends_with(" waiting: Balances paused its consumer"),
        "{}",
        f.views[0].detail
    );
    sim.apply(toggle("stop_on_poison", false)).unwrap();
    sim.run_until(40_000 + Cqrs::default().settle_time());
    assert_eq!(honest(&sim), vec![Standing::Converged; 2]);
}

/// A small deterministic generator for fault schedules.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CRASHABLE: [NodeId; 5] = [COMMANDS, BROKER, BALANCES, LEADERBOARD, QUERIES];
const EDGES: [(NodeId, NodeId); 5] = [
    (CLIENT, COMMANDS),
    (COMMANDS, BROKER),
    (BROKER, BALANCES),
    (BROKER, LEADERBOARD),
    (QUERIES, BALANCES),
];

/// One random fault (or repair, or workload action) now.
fn random_fault(sim: &mut Sim<Cqrs>, rng: &mut Lcg) {
    let (a, b) = EDGES[rng.below(EDGES.len() as u64) as usize];
    let (from, to) = if rng.below(2) == 0 { (a, b) } else { (b, a) };
    let node = CRASHABLE[rng.below(CRASHABLE.len() as u64) as usize];
    let flights: Vec<MsgId> = sim.world().core.flight.keys().copied().collect();
    let flight = (!flights.is_empty()).then(|| flights[rng.below(flights.len() as u64) as usize]);
    let cmd = match rng.below(12) {
        0 => Command::Crash { node },
        1 => Command::Restart { node },
        2 => Command::Partition { a, b },
        3 => Command::PartitionOneway { from, to },
        4 => Command::Heal { a, b },
        5 => Command::Hold { from, to },
        6 => Command::Release { from, to },
        7 | 8 => match flight {
            Some(msg) => Command::DropMessage { msg },
            None => return,
        },
        9 => match flight {
            Some(msg) => Command::DuplicateMessage { msg },
            None => return,
        },
        10 => action(["poison_event", "deposit", "withdraw"][rng.below(3) as usize]),
        _ => action(["rebuild", "rebuild_leaderboard"][rng.below(2) as usize]),
    };
    sim.apply(cmd).unwrap();
}

/// Heals every link, restarts every crashed service, stops the workload.
fn heal_everything(sim: &mut Sim<Cqrs>) {
    let n = sim.world().topo.nodes.len() as u16;
    for a in 0..n {
        for b in a + 1..n {
            let (a, b) = (NodeId(a), NodeId(b));
            let net = &sim.world().core.net;
            if net.link(a, b).state != LinkState::Healthy
                || net.link(b, a).state != LinkState::Healthy
            {
                sim.apply(Command::Heal { a, b }).unwrap();
            }
        }
    }
    for node in CRASHABLE {
        if sim.world().core.nodes[node.index()].status == NodeStatus::Crashed {
            sim.apply(Command::Restart { node }).unwrap();
        }
    }
    sim.apply(toggle("workload", false)).unwrap();
}

#[test]
fn random_fault_schedules_end_converged_or_diverged_naming_the_event() {
    const CHAOS: Time = 20_000;
    let settle = Cqrs::default().settle_time();
    let mut seen = [0u32; 4];
    let mut ended = [0u32; 4];
    let mut hows = Vec::new();
    for seed in 100..124u64 {
        let mut rng = Lcg(seed);
        let idempotent = seed % 3 != 0;
        let mut sim = Sim::with_script(
            Cqrs::default(),
            seed,
            vec![
                at(0, toggle("idempotent_projection", idempotent)),
                at(0, set("command_every", 1_000)),
            ],
        )
        .unwrap();
        let mut last: Vec<Standing> = honest(&sim);
        let mut rebuilds = [0u32; 2];
        let mut next_fault = 500;
        let mut sticky =
            |sim: &Sim<Cqrs>, s: &[Standing], last: &mut Vec<Standing>, rebuilds: &mut [u32; 2]| {
                for (i, node) in VIEWS.into_iter().enumerate() {
                    let r = sim.world().model.projection(node).rebuilds;
                    if last[i].kind() == StandingKind::Diverged && r == rebuilds[i] {
                        assert_eq!(
                            s[i].kind(),
                            StandingKind::Diverged,
                            "seed {seed}: diverged is sticky until a rebuild repairs it"
                        );
                    }
                    rebuilds[i] = r;
                    seen[s[i].kind() as usize] += 1;
                }
                *last = s.to_vec();
            };
        while sim.now() < CHAOS {
            step_until(&mut sim, next_fault, |sim, s, _| {
                sticky(sim, s, &mut last, &mut rebuilds)
            });
            random_fault(&mut sim, &mut rng);
            let s = honest(&sim);
            sticky(&sim, &s, &mut last, &mut rebuilds);
            next_fault += 300 + rng.below(1_200);
        }
        heal_everything(&mut sim);
        let healed = sim.now();
        let at_heal = honest(&sim);
        // Settled once restarts finish (400 ms).
        step_until(&mut sim, healed + 400 + settle, |sim, s, _| {
            sticky(sim, s, &mut last, &mut rebuilds)
        });
        let s = honest(&sim);
        let status = sim.check_status();
        for i in 0..2 {
            ended[s[i].kind() as usize] += 1;
            match s[i] {
                Standing::Converged => {
                    assert_eq!(status[i], CheckStatus::Holds, "seed {seed}")
                }
                Standing::Diverged { loss, .. } => {
                    assert!(
                        matches!(status[i], CheckStatus::Violated(_)),
                        "seed {seed}: a diverged view differs from the log: {:?}",
                        status[i]
                    );
                    assert!(loss.how == APPLIED_TWICE || loss.how == DROPPED_PAST);
                    hows.push(loss.how);
                    if loss.how == APPLIED_TWICE {
                        assert!(!idempotent, "seed {seed}: an idempotent projector skips repeats");
                    }
                }
                other => panic!(
                    "seed {seed}: {} still {other:?} {settle} ms after the faults healed (was {:?})",
                    VIEWS[i].0, at_heal[i]
                ),
            }
        }
    }
    assert!(
        seen.iter().all(|n| *n > 0),
        "the schedules show every state: {seen:?}"
    );
    println!("standings seen {seen:?}, ended {ended:?}, {hows:?}");
    assert!(ended[0] > 0 && ended[3] > 0, "{ended:?}");
}
