//! Long runs: whatever the app lets a learner reach, the link it makes
//! there reopens on the same moment. Time stops at the ten-minute limit a
//! link may name ([`MAX_TIME`]), with a notice, instead of running on into
//! links the app would refuse.

use converge::patterns::Pattern;
use converge::share::{Scene, MAX_TIME};
use converge::sim::{Command, NodeId, Playground, ScriptEntry, Sim, SimOptions, Time};
use converge::ui::run::{NoticeKind, ReplayKind, Run, TIME_LIMIT_NOTICE};
use converge::ui::share_menu::current_scene;
use leptos::prelude::*;

/// Plays `run` at 16× in 250 ms frames (the clock's largest step) until
/// `virt_ms` of virtual time would have passed, acting once on the way.
fn play_for(run: Run, virt_ms: f64) {
    run.speed.set(16.0);
    run.playing.set(true);
    let mut real = 0.0;
    run.tick(real);
    let mut acted = false;
    while real * 16.0 < virt_ms && run.playing.get_untracked() {
        real += 250.0;
        run.tick(real);
        if !acted && run.with(|p| p.now()) >= 300_000 {
            run.apply(Command::Action {
                id: "reading".into(),
            })
            .expect("a learner's action");
            acted = true;
        }
    }
}

#[test]
fn play_stops_at_the_limit_and_the_link_made_there_reopens_on_the_same_moment() {
    let run = Run::new(Pattern::EventDriven, 42);
    // Eleven minutes of play: time stops at ten.
    play_for(run, 660_000.0);
    assert_eq!(run.with(|p| p.now()), MAX_TIME);
    assert!(!run.playing.get_untracked(), "play stopped at the limit");
    assert!(run.at_limit());
    let notice = run.notice.get_untracked().expect("a notice says why");
    assert_eq!(notice.kind, NoticeKind::Info);
    assert_eq!(notice.text, TIME_LIMIT_NOTICE);

    // Play again, or step: time stays at the limit.
    run.notice.set(None);
    play_for(run, 10_000.0);
    run.step();
    assert_eq!(run.with(|p| p.now()), MAX_TIME);
    assert!(run.notice.get_untracked().is_some());

    // The address bar's and Share's scene opens, on the same moment, with
    // the same trace.
    let scene = current_scene(run);
    assert_eq!(scene.at, MAX_TIME);
    assert_eq!(scene.script.len(), 1);
    let opened = Scene::open_code(&scene.to_code()).expect("the app's own link opens");
    assert_eq!(opened, scene);
    let mut replay = opened.pattern.replay(opened.seed, opened.script).unwrap();
    replay.run_until(opened.at);
    assert_eq!(replay.now(), MAX_TIME);
    assert_eq!(
        replay.processed(),
        run.with(|p| p.processed()),
        "the reopened run has processed the same events"
    );
    assert_eq!(
        replay.trace_json(),
        run.with(|p| p.trace_json()),
        "and has the same trace"
    );
}

#[test]
fn seeking_past_the_limit_lands_on_it() {
    let run = Run::new(Pattern::BackgroundSync, 3);
    run.seek(MAX_TIME + 60_000);
    assert_eq!(run.with(|p| p.now()), MAX_TIME);
    let scene = current_scene(run);
    assert!(Scene::open_code(&scene.to_code()).is_ok());
}

#[path = "common/long.rs"]
mod long;

/// Everything a learner could compare between two runs of the same
/// scene: the moment, the events, the trace, the picture, the tables,
/// the divergence series and the script.
fn assert_same_run(a: &dyn Playground, b: &dyn Playground, what: &str) {
    assert_eq!(a.now(), b.now(), "{what}: time");
    assert_eq!(a.processed(), b.processed(), "{what}: events processed");
    assert_eq!(a.horizon(), b.horizon(), "{what}: horizon");
    assert!(a.frame() == b.frame(), "{what}: the picture differs");
    assert!(a.tables() == b.tables(), "{what}: the state tables differ");
    assert!(
        a.series() == b.series(),
        "{what}: the divergence series differs"
    );
    assert!(a.script() == b.script(), "{what}: the script differs");
    assert!(
        a.trace_json() == b.trace_json(),
        "{what}: the trace differs"
    );
}

/// A run whose state grows large keeps fewer snapshots, within its memory
/// budget, and seeking anywhere in it still shows exactly the moment a run
/// with every snapshot shows.
#[test]
fn a_run_with_a_large_state_keeps_its_snapshots_within_the_memory_budget() {
    let p = Pattern::EventDriven;
    let until = 240_000;
    let script = long::long_script(p, 300, until);
    let budget = 256 << 10;
    let open = |snapshot_bytes| {
        let opts = SimOptions {
            snapshot_bytes,
            ..SimOptions::default()
        };
        let mut sim = Sim::with_script_options(p.scenario(), 3, script.clone(), opts)
            .expect("a valid script");
        sim.run_until(until);
        sim
    };
    let (mut tight, mut roomy) = (open(budget), open(u64::MAX));
    assert!(
        roomy.snapshot_bytes() > 2 * budget,
        "the run must outgrow the budget for this test to mean anything: {} bytes",
        roomy.snapshot_bytes()
    );
    assert!(
        tight.snapshot_bytes() <= budget,
        "{} bytes",
        tight.snapshot_bytes()
    );
    assert!(tight.snapshot_count() < roomy.snapshot_count());
    for t in [0, 1_000, 37_300, 120_000, 200_050, until - 100, until] {
        tight.seek(t);
        roomy.seek(t);
        assert_same_run(&tight, &roomy, &format!("at {t} ms"));
    }
}

/// A state that grows with the run is copied into snapshots less often,
/// in proportion to its size, so the copying each event pays for stays
/// flat however large the state; seeks still land on the same run.
#[test]
fn a_growing_state_is_snapshotted_less_often_the_larger_it_grows() {
    let p = Pattern::EventDriven;
    let until = 240_000;
    let script = long::long_script(p, 300, until);
    let open = |snapshot_bytes_per_event| {
        let opts = SimOptions {
            snapshot_bytes_per_event,
            max_snapshots: 100_000,
            snapshot_bytes: u64::MAX,
            ..SimOptions::default()
        };
        let mut sim = Sim::with_script_options(p.scenario(), 3, script.clone(), opts)
            .expect("a valid script");
        sim.run_until(until);
        sim
    };
    let per_event = 64;
    let (mut spaced, mut every) = (open(per_event), open(u64::MAX));
    let marks = spaced.snapshot_weights();
    for pair in marks.windows(2) {
        let ((at, bytes), (next, _)) = (pair[0], pair[1]);
        assert!(
            next - at >= bytes / per_event,
            "{} events after a snapshot of {bytes} bytes",
            next - at
        );
    }
    let largest = marks.iter().map(|m| m.1).max().unwrap_or(0);
    assert!(
        largest / per_event > SimOptions::default().snapshot_events,
        "the state must grow past the events rule for this test to mean anything: {largest} bytes"
    );
    assert!(spaced.snapshot_count() < every.snapshot_count());
    for t in [0, 1_000, 37_300, 120_000, 200_050, until - 100, until] {
        spaced.seek(t);
        every.seek(t);
        assert_same_run(&spaced, &every, &format!("at {t} ms"));
    }
}

/// How far each pattern's long run goes in these tests (debug builds are
/// slow, and the saga's views get slower as its orders pile up).
fn long_until(p: Pattern) -> Time {
    match p {
        Pattern::Saga => 150_000,
        _ => MAX_TIME,
    }
}

/// Replaying a long link in slices (as the page does, a few ms per frame)
/// gives exactly the run that replaying it in one go gives, whatever the
/// slice size.
#[test]
fn a_long_replay_in_slices_is_the_same_run_as_in_one_go() {
    for p in Pattern::all() {
        let until = long_until(p);
        let script = long::long_script(p, 400, until);
        let mut one = p.replay(5, script.clone()).expect("a valid script");
        one.run_until(until);
        assert!(
            one.processed() > 1_000,
            "{p:?}: a long run ({} events)",
            one.processed()
        );
        for budget in [1, 997, 50_000] {
            let mut sliced = p.replay(5, script.clone()).expect("a valid script");
            let mut slices = 1;
            while !sliced.run_toward(until, budget) {
                slices += 1;
                assert!(sliced.now() <= until);
            }
            if one.processed() > budget {
                assert!(slices > 1, "{p:?}: {budget} events per slice is a slice");
            }
            assert_same_run(
                &*one,
                &*sliced,
                &format!("{p:?}, {budget} events per slice"),
            );
        }
    }
}

/// Seeking far back and forward again, in slices or in one go, lands on
/// the same state as before.
#[test]
fn seeking_far_in_slices_lands_on_the_same_state() {
    for p in Pattern::all() {
        let until = long_until(p);
        let script = long::long_script(p, 200, until);
        let mut one = p.replay(8, script.clone()).expect("a valid script");
        one.run_until(until);
        let (frame, tables) = (one.frame(), one.tables());
        let mut sliced = p.replay(8, script).expect("a valid script");
        sliced.run_until(until);
        for t in [until / 7, 3_000, until / 2, until, 0, until - 1_000, until] {
            one.seek(t);
            sliced.rewind_to(t);
            while !sliced.run_toward(t, 311) {}
            assert_same_run(&*one, &*sliced, &format!("{p:?}, seek to {t}"));
        }
        assert!(
            one.frame() == frame,
            "{p:?}: back at the end, the same picture"
        );
        assert!(one.tables() == tables, "{p:?}: and the same tables");
    }
}

/// A fake real-time clock for [`Run`]'s replay budget: each reading is
/// one millisecond later than the last, so a slice is a fixed amount of
/// work and the test does not depend on the machine.
fn fake_clock(run: Run) {
    let t = std::rc::Rc::new(std::cell::Cell::new(0.0));
    run.set_real_clock(move || {
        t.set(t.get() + 1.0);
        t.get()
    });
}

/// Advances `run`'s replay frame by frame until it lands; how many frames
/// it took.
fn replay_to_the_end(run: Run) -> u32 {
    let mut frames = 0;
    while run.replaying() {
        run.advance_replay();
        frames += 1;
        assert!(frames < 100_000, "a replay that never lands");
    }
    frames
}

/// Play during a replay: time does not flow on the run shown, which stays
/// at `at`.
fn rests_while_replaying(run: Run, at: u64, why: &str) {
    run.set_playing(true);
    run.tick(0.0);
    run.tick(200.0);
    assert_eq!(run.with(|s| s.now()), at, "{why}");
    run.set_playing(false);
}

/// A fresh run of `p` (seed 42, on a fake clock) that has just been asked
/// to open a ten-minute link of `p` with seed 3, and that link's script.
fn opening_a_long_link(p: Pattern) -> (Run, Vec<ScriptEntry>) {
    let script = long::long_script(p, 300, MAX_TIME);
    let run = Run::new(p, 42);
    fake_clock(run);
    run.open(p, 3, script.clone(), MAX_TIME, ReplayKind::Link, || {})
        .expect("a valid link");
    (run, script)
}

/// Opening a long link replays it across frames: meanwhile the run shown
/// stays as it was, Play and Pause still answer (and say what happens
/// once it lands), and it lands on the link's moment with the link's trace.
#[test]
fn a_long_link_opens_in_slices_on_its_moment() {
    let p = Pattern::EventDriven;
    let (run, script) = opening_a_long_link(p);
    assert!(run.replaying(), "ten minutes do not fit in one handler");
    let first = run.replay.get_untracked().expect("progress is shown");
    assert_eq!(first.kind, ReplayKind::Link);
    assert!(first.percent < 100);
    assert_eq!(run.with(|s| s.now()), 0, "the run shown is unchanged");
    assert_eq!(run.seed.get_untracked(), 42);

    rests_while_replaying(run, 0, "time does not flow on the old run");

    let mut frames = 0;
    let mut last = 0;
    while run.replaying() {
        run.advance_replay();
        frames += 1;
        if let Some(r) = run.replay.get_untracked() {
            assert!(r.percent >= last, "progress only grows");
            last = r.percent;
        }
        assert!(frames < 100_000);
    }
    assert!(frames > 3, "it took several frames ({frames})");
    assert!(run.replay.get_untracked().is_none());
    assert_eq!(
        run.with(|s| s.now()),
        MAX_TIME,
        "it lands on the link's moment"
    );
    assert_eq!(run.seed.get_untracked(), 3);
    assert!(
        !run.playing.get_untracked(),
        "paused, as the learner left it"
    );
    let mut one = p.replay(3, script).unwrap();
    one.run_until(MAX_TIME);
    run.with(|s| assert_same_run(&*one, s, "the opened link"));
}

/// Opening compare mode late in a long run makes run B catch up the way a
/// seek does: in slices with B's progress bar, both runs resting (Play
/// moves neither), and B lands on A's moment with A's trace.
#[test]
fn compare_opened_late_in_a_long_run_catches_b_up_in_slices() {
    let p = Pattern::Saga;
    let (a, _) = opening_a_long_link(p);
    replay_to_the_end(a);
    assert_eq!(a.with(|s| s.now()), MAX_TIME);

    let b = a.open_compare().expect("B opens");
    assert!(
        b.replaying(),
        "ten minutes of saga do not fit in one handler"
    );
    let shown = b.replay.get_untracked().expect("B shows its progress");
    assert_eq!(shown.target, MAX_TIME);
    assert!(
        !a.replaying() && a.replay.get_untracked().is_none(),
        "A has nothing to replay"
    );
    rests_while_replaying(a, MAX_TIME, "A rests while B catches up");

    let frames = replay_to_the_end(b);
    assert!(frames > 1, "it took several frames ({frames})");
    assert_eq!(b.with(|s| s.now()), MAX_TIME, "B lands on A's moment");
    a.with(|sa| b.with(|sb| assert_same_run(sa, sb, "B, a copy of A")));
}

/// Cancel, a refused link and the learner's own actions: a replay under
/// way gives way cleanly, and a link that is not opened leaves the run
/// exactly as it was.
#[test]
fn a_replay_under_way_gives_way_cleanly() {
    let p = Pattern::Cqrs;
    let script = long::long_script(p, 300, MAX_TIME);
    let run = Run::new(p, 42);
    fake_clock(run);
    run.apply(Command::Action {
        id: "deposit".into(),
    })
    .expect("an action");
    run.seek(2_000);
    let before = run.with(|s| (s.now(), s.processed(), s.script(), s.trace_json()));

    // Cancel: the run shown is unchanged, and the notice says so.
    run.open(p, 3, script.clone(), MAX_TIME, ReplayKind::Link, || {})
        .unwrap();
    run.advance_replay();
    assert!(run.replaying());
    run.cancel_replay();
    assert!(!run.replaying() && run.replay.get_untracked().is_none());
    let notice = run.notice.get_untracked().expect("a notice");
    assert!(
        notice.text.starts_with("Stopped opening the link"),
        "{}",
        notice.text
    );
    assert_eq!(
        run.with(|s| (s.now(), s.processed(), s.script(), s.trace_json())),
        before
    );

    // A refused file while a link replays: refused at once, and the
    // replay under way goes on.
    run.open(p, 3, script.clone(), MAX_TIME, ReplayKind::Link, || {})
        .unwrap();
    let bad = vec![ScriptEntry::at(10, Command::Crash { node: NodeId(0) })];
    let err = run
        .open(p, 3, bad, 0, ReplayKind::File("bad.json".into()), || {})
        .unwrap_err();
    assert!(err.starts_with("script[0].node: Client"), "{err}");
    assert!(run.replaying(), "the link still replays");
    assert_eq!(run.replay.get_untracked().unwrap().kind, ReplayKind::Link);

    // A learner's action on the run shown stops the link's replay.
    run.apply(Command::Action {
        id: "deposit".into(),
    })
    .expect("an action");
    assert!(!run.replaying());
    assert!(run
        .notice
        .get_untracked()
        .is_some_and(|n| n.text.starts_with("Stopped opening the link")));
    assert_eq!(run.seed.get_untracked(), 42, "the link was not opened");
    assert_eq!(run.with(|s| s.script().len()), 2);

    // A far seek goes to slices; another seek retargets it, and it lands
    // on the last one asked for, on the same state as a seek in one go.
    run.seek(0);
    run.go_to(MAX_TIME);
    assert!(run.replaying(), "a ten-minute seek goes to slices");
    assert_eq!(run.moment(), MAX_TIME, "the playhead is already there");
    run.advance_replay();
    run.go_to(400_000);
    replay_to_the_end(run);
    assert_eq!(run.with(|s| s.now()), 400_000);
    let shown = run.frame.get_untracked();
    let mut one = p.replay(42, run.with(|s| s.script())).unwrap();
    one.run_until(400_000);
    assert!(shown == one.frame(), "the frame shown is the moment's");

    // A short seek stays instant.
    run.go_to(399_000);
    assert!(!run.replaying());
    assert_eq!(run.frame.get_untracked().time, 399_000);
}

/// Where the browser tests and benchmarks find the largest links.
const LONG_LINKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/long-links.json");

/// The largest link of every pattern, as `long-links.json` holds them.
fn long_links() -> String {
    let mut out = String::from("{\n");
    for (i, p) in Pattern::all().into_iter().enumerate() {
        let code = long::largest_scene(p).to_code();
        let comma = if i + 1 < Pattern::all().len() {
            ","
        } else {
            ""
        };
        out.push_str(&format!("  \"{}\": \"?s={code}\"{comma}\n", p.slug()));
    }
    out.push_str("}\n");
    out
}

/// The links the end-to-end tests open are the largest the app accepts,
/// in today's link format, and they open.
#[test]
fn the_end_to_end_tests_long_links_are_current() {
    let file = std::fs::read_to_string(LONG_LINKS).unwrap_or_default();
    assert!(
        file == long_links(),
        "tests/e2e/long-links.json is stale: cargo test --test long_runs -- --ignored write_the_largest_links"
    );
    for p in Pattern::all() {
        let scene = long::largest_scene(p);
        assert_eq!(scene.script.len(), converge::share::MAX_SCRIPT);
        assert_eq!(Scene::open_code(&scene.to_code()), Ok(scene));
    }
}

#[test]
#[ignore = "writes tests/e2e/long-links.json: cargo test --release --test long_runs -- --ignored --nocapture write_the_largest_links"]
fn write_the_largest_links() {
    std::fs::write(LONG_LINKS, long_links()).expect("write long-links.json");
    for p in Pattern::all() {
        let scene = long::largest_scene(p);
        let t0 = std::time::Instant::now();
        let mut run = p.replay(scene.seed, scene.script.clone()).unwrap();
        run.run_until(scene.at);
        println!(
            "{}: {} actions, {}-character code, {} events, {:?} to replay natively",
            p.slug(),
            scene.script.len(),
            scene.to_code().len(),
            run.processed(),
            t0.elapsed()
        );
    }
}
