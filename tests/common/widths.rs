//! Shared by the native and the browser width tests: a link that names a
//! message id beyond 32 bits must mean the same on every target.

use converge::patterns::Pattern;
use converge::share::Scene;
use converge::sim::{Command, MsgId, ScriptEntry};

/// What a run shows after being told to drop message `msg + 2^32`, where
/// `msg` is on a link (so a 32-bit truncation would hit it).
pub struct Outcome {
    /// The message on a link.
    pub msg: MsgId,
    /// What applying the drop by hand said.
    pub apply: Result<usize, String>,
    /// Whether `msg` is still on a link right after the drop, applied by hand.
    pub still_in_flight_by_hand: bool,
    /// Whether `msg` is still on a link right after the drop, from a link.
    pub still_in_flight_from_link: bool,
    /// Whether the run opened from the link ever dropped a message by hand.
    pub link_dropped_by_hand: bool,
}

/// Runs the event-based pattern until a message is on a link, then drops
/// that message's id plus 2^32 by hand and from a decoded share link.
pub fn drop_beyond_32_bits() -> Outcome {
    let pattern = Pattern::EventDriven;
    let mut run = pattern.start(7);
    let mut t = 0;
    let msg = loop {
        t += 50;
        run.run_until(t);
        if let Some(f) = run.frame().flights.first() {
            break f.id;
        }
        assert!(t < 60_000, "some message goes on a link");
    };
    let ghost = MsgId(msg.0 + (1u64 << 32));
    let apply = run
        .apply(Command::DropMessage { msg: ghost })
        .map_err(|r| r.to_string());
    let still_in_flight_by_hand = run.frame().flights.iter().any(|f| f.id == msg);

    let scene = Scene {
        pattern,
        seed: 7,
        at: t,
        script: vec![ScriptEntry::at(t, Command::DropMessage { msg: ghost })],
        ..Scene::default()
    };
    let opened = Scene::open_code(&scene.to_code()).expect("the link opens");
    assert_eq!(opened.script, scene.script, "the id survives the link");
    let mut replay = pattern.replay(opened.seed, opened.script).expect("valid");
    replay.run_until(opened.at);
    let still_in_flight_from_link = replay.frame().flights.iter().any(|f| f.id == msg);
    replay.run_until(opened.at + 5_000);
    let link_dropped_by_hand = replay.trace_json().contains("it was dropped by hand");
    Outcome {
        msg,
        apply,
        still_in_flight_by_hand,
        still_in_flight_from_link,
        link_dropped_by_hand,
    }
}

/// The assertions both targets make.
pub fn assert_nothing_is_dropped(o: &Outcome) {
    let ghost = o.msg.0 + (1u64 << 32);
    assert_eq!(
        o.apply,
        Err(format!("message {ghost} is no longer in flight")),
        "dropping a message that does not exist is refused"
    );
    assert!(
        o.still_in_flight_by_hand,
        "message {} stays on its link",
        o.msg.0
    );
    assert!(
        o.still_in_flight_from_link,
        "message {} stays on its link when the link replays",
        o.msg.0
    );
    assert!(!o.link_dropped_by_hand, "nothing is dropped by hand");
}
