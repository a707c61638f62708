//! Long runs: whatever the app lets a learner reach, the link it makes
//! there reopens on the same moment. Time stops at the ten-minute limit a
//! link may name ([`MAX_TIME`]), with a notice, instead of running on into
//! links the app would refuse.

use converge::patterns::Pattern;
use converge::share::{Scene, MAX_TIME};
use converge::sim::Command;
use converge::ui::run::{NoticeKind, Run, TIME_LIMIT_NOTICE};
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
