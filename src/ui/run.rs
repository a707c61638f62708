//! The run store: the one [`Playground`] the page shows, the signals that
//! components read, and the clock that advances virtual time.
//!
//! Components never touch the world directly: they read [`Run::frame`] (a
//! picture of the world, refreshed when it changes) or call
//! [`Run::with`], and they act only through [`Run::apply`] and the other
//! methods here, which record every action in the run's script.

use crate::patterns::Pattern;
use crate::share::MAX_TIME;
use crate::sim::{Command, EventId, Frame, Playground, ScriptEntry, Time};
use leptos::prelude::*;

/// What the notice says when time reaches [`MAX_TIME`], the latest moment
/// a share link or scene file may name: time stops there, so every link
/// the app makes reopens on the same moment.
pub const TIME_LIMIT_NOTICE: &str =
    "Time stops at 10:00, the longest run a share link can replay. \
Drag the timeline back to look again, or Reset to start over.";

/// How a notice should look.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something happened that the learner should know (a fork).
    Info,
    /// Input was refused; nothing was lost.
    Error,
}

/// A message shown above the stage until dismissed or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Info or error.
    pub kind: NoticeKind,
    /// Plain words.
    pub text: String,
}

impl Notice {
    /// An informational notice.
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Info,
            text: text.into(),
        }
    }

    /// An error notice.
    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        }
    }
}

/// Speeds offered by the speed control (log scale).
pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// Default seed of a fresh page.
pub const DEFAULT_SEED: u64 = 42;

#[derive(Clone, Copy, Debug, Default)]
struct Clock {
    /// Real time (ms, `performance.now()`) of the previous tick.
    last_real: Option<f64>,
    /// Virtual time as a float, so slow speeds accumulate.
    virt: f64,
    /// Real time of the last frame refresh while playing.
    last_refresh: f64,
}

/// Everything the page knows about the current run. Cheap to copy; get it
/// with [`use_run`].
#[derive(Clone, Copy)]
pub struct Run {
    sim: StoredValue<Box<dyn Playground>, LocalStorage>,
    clock: StoredValue<Clock, LocalStorage>,
    /// The pattern shown.
    pub pattern: RwSignal<Pattern>,
    /// The seed of the run.
    pub seed: RwSignal<u64>,
    /// The world now. Refreshed after every change.
    pub frame: RwSignal<Frame>,
    /// Bumped after every change of the world (for views that pull more
    /// than the frame, such as tables or the log).
    pub version: RwSignal<u64>,
    /// Whether time is flowing (the learner's choice: play or pause).
    pub playing: RwSignal<bool>,
    /// True while nobody can see the app (a background tab, a hidden
    /// slide, an embed scrolled away): time rests even when `playing`,
    /// and flows on from the same moment once the app is seen again.
    pub unseen: RwSignal<bool>,
    /// Virtual milliseconds per real millisecond.
    pub speed: RwSignal<f64>,
    /// The event selected everywhere (canvas, diagram, log, tables).
    pub selected: RwSignal<Option<EventId>>,
    /// The current notice, if any.
    pub notice: RwSignal<Option<Notice>>,
    /// The open lesson step (0-based), if a lesson is open.
    pub lesson: RwSignal<Option<usize>>,
}

impl Run {
    /// A fresh run of `pattern` with `seed`, paused at time 0.
    pub fn new(pattern: Pattern, seed: u64) -> Self {
        let sim = pattern.start(seed);
        let frame = sim.frame();
        Run {
            sim: StoredValue::new_local(sim),
            clock: StoredValue::new_local(Clock::default()),
            pattern: RwSignal::new(pattern),
            seed: RwSignal::new(seed),
            frame: RwSignal::new(frame),
            version: RwSignal::new(0),
            playing: RwSignal::new(false),
            unseen: RwSignal::new(false),
            speed: RwSignal::new(1.0),
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            lesson: RwSignal::new(None),
        }
    }

    /// Reads the run (do not keep references past the closure).
    pub fn with<R>(&self, f: impl FnOnce(&dyn Playground) -> R) -> R {
        self.sim.with_value(|s| f(s.as_ref()))
    }

    fn with_mut<R>(&self, f: impl FnOnce(&mut dyn Playground) -> R) -> R {
        let r = self.sim.try_update_value(|s| f(s.as_mut()));
        r.expect("the run store lives as long as the app")
    }

    /// Re-reads the frame after a change.
    pub fn refresh(&self) {
        let (frame, now) = self.with(|s| (s.frame(), s.now()));
        self.clock.update_value(|c| c.virt = now as f64);
        self.frame.set(frame);
        self.version.update(|v| *v += 1);
    }

    /// Applies a learner's action now and records it in the script. When
    /// the run had been rewound, the discarded future is announced.
    pub fn apply(&self, cmd: Command) -> Result<(), String> {
        let res = self.with_mut(|s| s.apply(cmd));
        match res {
            Ok(0) => {}
            Ok(n) => self.notice.set(Some(Notice::info(format!(
                "You changed the past: the {n} later action{} of this run {} discarded and the run continues from here.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "was" } else { "were" }
            )))),
            Err(ref e) => self.notice.set(Some(Notice::error(e.clone()))),
        }
        self.refresh();
        res.map(|_| ())
    }

    /// Processes exactly one event (pauses first). At the time limit
    /// ([`MAX_TIME`]) it does nothing but say so; an event due after the
    /// limit is not shown either.
    pub fn step(&self) {
        self.playing.set(false);
        let at_limit = self.with_mut(|s| {
            if s.now() >= MAX_TIME {
                return true;
            }
            s.step();
            if s.now() > MAX_TIME {
                s.seek(MAX_TIME);
                return true;
            }
            false
        });
        if at_limit {
            self.stop_at_limit();
        }
        self.refresh();
    }

    /// Shows the world at virtual time `t` (at most [`MAX_TIME`]).
    pub fn seek(&self, t: Time) {
        self.with_mut(|s| s.seek(t.min(MAX_TIME)));
        self.refresh();
    }

    /// True when the run has reached [`MAX_TIME`], where time stops.
    pub fn at_limit(&self) -> bool {
        self.with(|s| s.now() >= MAX_TIME)
    }

    fn stop_at_limit(&self) {
        self.playing.set(false);
        self.notice.set(Some(Notice::info(TIME_LIMIT_NOTICE)));
    }

    /// Starts the same scenario and seed over with an empty script.
    pub fn reset(&self) {
        self.with_mut(|s| s.reset());
        self.selected.set(None);
        self.refresh();
    }

    /// Starts the current pattern over with another seed.
    pub fn set_seed(&self, seed: u64) {
        self.seed.set(seed);
        self.sim.set_value(self.pattern.get_untracked().start(seed));
        self.selected.set(None);
        self.refresh();
    }

    /// Shows another pattern (a fresh run with the current seed).
    pub fn switch(&self, pattern: Pattern) {
        if pattern == self.pattern.get_untracked() {
            return;
        }
        self.pattern.set(pattern);
        self.sim.set_value(pattern.start(self.seed.get_untracked()));
        self.selected.set(None);
        self.notice.set(None);
        self.refresh();
    }

    /// Replaces the run with `pattern` + `seed` + `script`, positioned at
    /// `at`. On error the current run is left exactly as it was.
    pub fn load(
        &self,
        pattern: Pattern,
        seed: u64,
        script: Vec<ScriptEntry>,
        at: Time,
    ) -> Result<(), String> {
        let mut sim = pattern.replay(seed, script)?;
        sim.run_until(at);
        self.pattern.set(pattern);
        self.seed.set(seed);
        self.sim.set_value(sim);
        self.selected.set(None);
        self.refresh();
        Ok(())
    }

    /// False once the app that owned this run was unmounted.
    pub fn alive(&self) -> bool {
        self.sim.try_with_value(|_| ()).is_some() && self.playing.try_get_untracked().is_some()
    }

    /// Advances virtual time by `speed × real elapsed` when playing. Call
    /// once per animation frame with `performance.now()`.
    pub fn tick(&self, real_now: f64) {
        let last = self.clock.with_value(|c| c.last_real);
        self.clock.update_value(|c| c.last_real = Some(real_now));
        if !self.playing.get_untracked() || self.unseen.get_untracked() {
            return;
        }
        // Cap a frame's worth of time so a background tab does not jump.
        let dt = last.map_or(0.0, |l| (real_now - l).clamp(0.0, 250.0));
        let speed = self.speed.get_untracked();
        let virt = self.clock.with_value(|c| c.virt) + dt * speed;
        self.clock.update_value(|c| c.virt = virt);
        // Time stops at the limit a link can name, so the address bar and
        // Share never hold a link the app would refuse.
        let target = (virt as Time).min(MAX_TIME);
        let events = self.with_mut(|s| {
            let before = s.processed();
            s.run_until(target);
            s.processed() != before
        });
        if target == MAX_TIME {
            self.stop_at_limit();
            self.refresh();
            return;
        }
        // Tokens move by CSS animation, so the frame only needs rebuilding
        // when something happened (at most ~30 times a second) or, for the
        // clock and staleness read-outs, ten times a second.
        let since = real_now - self.clock.with_value(|c| c.last_refresh);
        if (events && since >= 33.0) || since >= 100.0 {
            self.clock.update_value(|c| c.last_refresh = real_now);
            let frame = self.with(|s| s.frame());
            self.frame.set(frame);
            self.version.update(|v| *v += 1);
        }
    }

    /// Whether time flows now: playing and seen.
    pub fn flowing(&self) -> bool {
        self.playing.get() && !self.unseen.get()
    }

    /// Marks the app unseen or seen (see [`Run::unseen`]). Going unseen
    /// pins the frame to the exact moment; coming back restarts the
    /// clock's real-time reference, so the hidden time is not played.
    pub fn set_unseen(&self, unseen: bool) {
        if self.unseen.get_untracked() == unseen {
            return;
        }
        self.clock.update_value(|c| c.last_real = None);
        self.unseen.set(unseen);
        if unseen {
            self.refresh();
        }
    }

    /// Starts or stops time.
    pub fn set_playing(&self, on: bool) {
        self.playing.set(on);
        if !on {
            self.refresh();
        }
    }
}

/// The run provided by the app (panics outside it).
pub fn use_run() -> Run {
    expect_context::<Run>()
}

/// Drives [`Run::tick`] from `requestAnimationFrame` for as long as the
/// page lives, resting while the app is unseen ([`super::host::watch_visibility`]).
pub fn start_clock(run: Run) {
    super::host::watch_visibility(run);
    fn frame(run: Run) {
        if !run.alive() {
            return;
        }
        let now = window().performance().map_or(0.0, |p| p.now());
        run.tick(now);
        request_animation_frame(move || frame(run));
    }
    request_animation_frame(move || frame(run));
}
