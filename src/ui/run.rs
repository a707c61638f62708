//! The run store: the one [`Playground`] the page shows, the signals that
//! components read, and the clock that advances virtual time.
//!
//! Components never touch the world directly: they read [`Run::frame`] (a
//! picture of the world, refreshed when it changes) or call
//! [`Run::with`], and they act only through [`Run::apply`] and the other
//! methods here, which record every action in the run's script.

use crate::lessons::{self, Lesson, Opened};
use crate::patterns::Pattern;
use crate::share::MAX_TIME;
use crate::sim::compare::Divergence;
use crate::sim::frame::TokenFrame;
use crate::sim::types::fmt_secs;
use crate::sim::{Command, EventId, Frame, Playground, ScriptEntry, Time};
use leptos::prelude::*;
use std::rc::Rc;

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

/// Real milliseconds of replay done at once, in the handler of a seek or
/// of an opened link, before the rest goes to slices: a replay that fits
/// (almost every seek) stays instant.
pub const REPLAY_AT_ONCE_MS: f64 = 40.0;

/// Real milliseconds of replay per animation frame while a long replay is
/// under way: the rest of the frame is left to input and painting, so the
/// page stays interactive.
pub const REPLAY_SLICE_MS: f64 = 8.0;

/// Events and script entries per call of [`Playground::run_toward`] when
/// a replay starts; it then adapts so that one call takes about a
/// millisecond (a saga event late in a run costs far more than a tick).
const FIRST_CHUNK: u64 = 64;

/// What a long replay under way is bringing in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayKind {
    /// The share link the page was opened with.
    Link,
    /// A scene file, by name.
    File(String),
    /// A seek of the run shown, far from where it was.
    Seek,
}

impl ReplayKind {
    /// What the replay does, in words: "Replaying the link",
    /// "Opening saga.json", "Replaying to 540.0 s".
    pub fn doing(&self, target: Time) -> String {
        match self {
            ReplayKind::Link => "Replaying the link".into(),
            ReplayKind::File(name) => format!("Opening {name}"),
            ReplayKind::Seek => format!("Replaying to {}", fmt_secs(target)),
        }
    }
}

/// A long replay under way (a long link, a file or a far seek), as the
/// progress indicator shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// What it brings in.
    pub kind: ReplayKind,
    /// The moment it lands on.
    pub target: Time,
    /// How far it has replayed, in virtual time.
    pub reached: Time,
    /// Percent done, 0 to 99 (it lands instead of showing 100).
    pub percent: u8,
}

impl Replay {
    /// "Replaying the link… 43 %".
    pub fn label(&self) -> String {
        format!(
            "{}\u{2026} {} %",
            self.kind.doing(self.target),
            self.percent
        )
    }
}

/// A run being opened, replayed aside while the current run stays shown.
struct Opening {
    sim: Box<dyn Playground>,
    pattern: Pattern,
    seed: u64,
    then: Box<dyn FnOnce()>,
}

/// A long replay under way, advanced by [`Run::advance_replay`].
struct Pending {
    kind: ReplayKind,
    target: Time,
    /// Virtual time where the replay started (for its progress).
    from: Time,
    /// Events per call of `run_toward`, adapted as it goes.
    chunk: u64,
    /// A run being opened; `None` when the run shown is seeking.
    opening: Option<Opening>,
}

/// The real-time clock the replay budget reads, in ms: `performance.now()`
/// in the browser, a monotonic clock natively. Only the UI reads it; the
/// engine counts events, never time.
fn default_real_clock() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Clock {
    /// Real time (ms, `performance.now()`) of the previous tick.
    last_real: Option<f64>,
    /// Virtual time as a float, so slow speeds accumulate.
    virt: f64,
    /// Real time of the last token refresh while playing.
    last_tokens: f64,
    /// Real time of each rate's last pulse while playing.
    last_pulse: [f64; Rate::ALL.len()],
}

/// Least real time (ms) between two rebuilds of the whole [`Frame`] while
/// playing: about ten a second.
pub const STATE_EVERY_MS: f64 = 100.0;
/// Least real time (ms) between two token updates while playing, when
/// something happened: about thirty a second.
pub const TOKENS_EVERY_MS: f64 = 33.0;

/// How often a view refreshes while time flows. The one scheduler
/// ([`Run::tick`]) owns every rate: views never set their own timers. A
/// command, a step, a seek, a pause or a lesson step pulses every rate at
/// once ([`Run::refresh`]), so what the learner did shows everywhere
/// immediately; only while time flows do the slower views lag.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Rate {
    /// The frame and what reads it: boxes, meter, clock, timeline, chart,
    /// space-time diagram ([`STATE_EVERY_MS`]).
    State,
    /// The event log (250 ms): its rows are read, not watched.
    Log,
    /// The address bar (2 s while time flows): each `replaceState` costs
    /// Chromium a same-document navigation and a fresh load of the page's
    /// icon (~5 ms of the main thread), and a link copied mid-play is a
    /// moment either way; a pause writes the exact moment at once.
    Address,
    /// The state tables (1 s): they are for reading, and each change
    /// costs a table layout.
    Tables,
}

impl Rate {
    /// Every rate, in order of their signals in [`Run`].
    pub const ALL: [Rate; 4] = [Rate::State, Rate::Log, Rate::Address, Rate::Tables];

    /// Least real time (ms) between two pulses while time flows.
    pub const fn every_ms(self) -> f64 {
        match self {
            Rate::State => STATE_EVERY_MS,
            Rate::Log => 250.0,
            Rate::Address => 2000.0,
            Rate::Tables => 1000.0,
        }
    }
}

/// Everything the page knows about the current run. Cheap to copy; get it
/// with [`use_run`].
#[derive(Clone, Copy)]
pub struct Run {
    sim: StoredValue<Box<dyn Playground>, LocalStorage>,
    clock: StoredValue<Clock, LocalStorage>,
    pending: StoredValue<Option<Pending>, LocalStorage>,
    real_clock: StoredValue<Rc<dyn Fn() -> f64>, LocalStorage>,
    /// The long replay under way, if any, for the progress indicator.
    pub replay: RwSignal<Option<Replay>>,
    /// What the replay's live region says: its progress every 25 % and
    /// how it ended, for screen readers.
    pub replay_said: RwSignal<String>,
    /// The pattern shown.
    pub pattern: RwSignal<Pattern>,
    /// The seed of the run.
    pub seed: RwSignal<u64>,
    /// The world now. Refreshed at once after a command, a step, a seek,
    /// a pause or a lesson step, and while playing at most every
    /// [`STATE_EVERY_MS`].
    pub frame: RwSignal<Frame>,
    /// The messages in flight now, for the token layer: refreshed with
    /// the frame, and while playing as often as every
    /// [`TOKENS_EVERY_MS`] when something happened.
    pub tokens: RwSignal<TokenFrame>,
    /// One counter per [`Rate`], bumped when views refreshing at that
    /// rate should re-read the run (see [`Run::pulse`]).
    pulses: [RwSignal<u64>; Rate::ALL.len()],
    /// Bumped when the script may have changed (a command, a new run):
    /// for views that depend on the script, not on time.
    pub script_changed: RwSignal<u64>,
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
    /// A lesson opened from a file or an address: for its pattern it
    /// stands in for the built-in lesson (see [`Run::lesson_for`]), also
    /// after a visit to another pattern.
    pub opened: RwSignal<Option<Opened>>,
    /// In compare mode, the other run on the same clock (B for A, A for
    /// B); `None` otherwise. See [`Run::open_compare`].
    pub twin: RwSignal<Option<Run>>,
    /// True for run B of a comparison (fixed when the run is made).
    pub is_b: bool,
    /// Compare mode's "both" switch: an action applied to either run is
    /// applied to the other too (shared by the two runs).
    pub both: RwSignal<bool>,
    /// Where the two runs of a comparison first part ways, once found
    /// (shared by the two runs; set by the compare view).
    pub parted: RwSignal<Option<Divergence>>,
}

impl Run {
    /// A fresh run of `pattern` with `seed`, paused at time 0.
    pub fn new(pattern: Pattern, seed: u64) -> Self {
        let sim = pattern.start(seed);
        let frame = sim.frame();
        let tokens = sim.tokens();
        Run {
            sim: StoredValue::new_local(sim),
            clock: StoredValue::new_local(Clock::default()),
            pending: StoredValue::new_local(None),
            real_clock: StoredValue::new_local(Rc::new(default_real_clock)),
            replay: RwSignal::new(None),
            replay_said: RwSignal::new(String::new()),
            pattern: RwSignal::new(pattern),
            seed: RwSignal::new(seed),
            frame: RwSignal::new(frame),
            tokens: RwSignal::new(tokens),
            pulses: Rate::ALL.map(|_| RwSignal::new(0)),
            script_changed: RwSignal::new(0),
            playing: RwSignal::new(false),
            unseen: RwSignal::new(false),
            speed: RwSignal::new(1.0),
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            lesson: RwSignal::new(None),
            opened: RwSignal::new(None),
            twin: RwSignal::new(None),
            is_b: false,
            both: RwSignal::new(false),
            parted: RwSignal::new(None),
        }
    }

    /// A DOM id for an element every run's view has once: `base` for run
    /// A, `base-b` for run B of a comparison (ids stay unique).
    pub fn dom_id(&self, base: &str) -> String {
        if self.is_b {
            format!("{base}-b")
        } else {
            base.to_string()
        }
    }

    /// The other run of a comparison, if any (untracked).
    pub fn partner(&self) -> Option<Run> {
        self.twin.try_get_untracked().flatten()
    }

    /// This run and, in compare mode, the other one.
    fn each(&self) -> impl Iterator<Item = Run> {
        std::iter::once(*self).chain(self.partner())
    }

    /// Opens compare mode: a second run (B) of the same pattern and seed,
    /// with a copy of this run's script, at the same moment, on the same
    /// clock (play, pause, speed and the notice are shared). Does nothing
    /// when already comparing; call it on run A.
    pub fn open_compare(&self) -> Result<Run, String> {
        self.open_compare_with(None)
    }

    /// Opens compare mode like [`Run::open_compare`], with `script` as
    /// run B's (a link or file holding a pair), or a copy of this run's.
    /// An invalid script is refused and nothing changes. Run B gets to
    /// this run's moment like a seek: at once when that fits in
    /// [`REPLAY_AT_ONCE_MS`], otherwise in slices across frames with B's
    /// progress bar, both runs resting meanwhile (a comparison opened late
    /// in a long run never blocks the page).
    pub fn open_compare_with(&self, script: Option<Vec<ScriptEntry>>) -> Result<Run, String> {
        if let Some(b) = self.partner() {
            return Ok(b);
        }
        let pattern = self.pattern.get_untracked();
        let seed = self.seed.get_untracked();
        let script = script.unwrap_or_else(|| self.with(|s| s.script()));
        let sim = pattern.replay(seed, script).map_err(|r| r.to_string())?;
        self.end_replay();
        let now = self.with(|s| s.now());
        let (frame, tokens) = (sim.frame(), sim.tokens());
        let clock = self.clock.with_value(|c| Clock {
            last_real: None,
            virt: c.virt,
            ..Clock::default()
        });
        let b = Run {
            sim: StoredValue::new_local(sim),
            clock: StoredValue::new_local(clock),
            pending: StoredValue::new_local(None),
            real_clock: StoredValue::new_local(self.real_clock.with_value(Rc::clone)),
            replay: RwSignal::new(None),
            replay_said: RwSignal::new(String::new()),
            frame: RwSignal::new(frame),
            tokens: RwSignal::new(tokens),
            pulses: Rate::ALL.map(|_| RwSignal::new(0)),
            script_changed: RwSignal::new(0),
            selected: RwSignal::new(None),
            twin: RwSignal::new(Some(*self)),
            is_b: true,
            ..*self
        };
        self.parted.set(None);
        self.twin.set(Some(b));
        b.go_to_one(now);
        Ok(b)
    }

    /// Leaves compare mode: run B is dropped, this run stays as it is.
    pub fn close_compare(&self) {
        let Some(o) = self.partner() else {
            return;
        };
        // Whichever side asks, A stays.
        let a = if self.is_b { o } else { *self };
        let b = if self.is_b { *self } else { o };
        b.end_replay();
        a.twin.set(None);
        a.parted.set(None);
        a.both.set(false);
        b.twin.set(None);
        // B's views are unmounted after this returns and may read it once
        // more: leave them a small fresh run rather than a freed store.
        b.sim
            .set_value(b.pattern.get_untracked().start(b.seed.get_untracked()));
    }

    /// The lesson of `pattern`: the opened one when it is for `pattern`,
    /// else the built-in one. Tracks [`Run::opened`].
    pub fn lesson_for(&self, pattern: Pattern) -> Lesson {
        self.opened
            .with(|o| {
                o.as_ref()
                    .filter(|o| o.lesson.pattern == pattern)
                    .map(|o| o.lesson.clone())
            })
            .unwrap_or_else(|| lessons::for_pattern(pattern))
    }

    /// The address of the opened lesson when it is the current pattern's
    /// (what links made now carry), untracked.
    pub fn lesson_url(&self) -> Option<String> {
        let pattern = self.pattern.get_untracked();
        self.opened.with_untracked(|o| {
            o.as_ref()
                .filter(|o| o.lesson.pattern == pattern)
                .and_then(|o| o.url.clone())
        })
    }

    /// True when the current pattern's lesson was opened from a file on
    /// disk, which a link cannot carry (untracked).
    pub fn lesson_from_disk(&self) -> bool {
        let pattern = self.pattern.get_untracked();
        self.opened.with_untracked(|o| {
            o.as_ref()
                .is_some_and(|o| o.lesson.pattern == pattern && o.url.is_none())
        })
    }

    /// Reads the run (do not keep references past the closure).
    pub fn with<R>(&self, f: impl FnOnce(&dyn Playground) -> R) -> R {
        self.sim.with_value(|s| f(s.as_ref()))
    }

    fn with_mut<R>(&self, f: impl FnOnce(&mut dyn Playground) -> R) -> R {
        let r = self.sim.try_update_value(|s| f(s.as_mut()));
        r.expect("the run store lives as long as the app")
    }

    /// The counter views refreshing at `rate` track: it moves after
    /// every change of the run, at most every [`Rate::every_ms`] while
    /// time flows.
    pub fn pulse(&self, rate: Rate) -> ReadSignal<u64> {
        self.pulses[rate as usize].read_only()
    }

    fn beat(&self, rate: Rate) {
        self.pulses[rate as usize].update(|v| *v += 1);
    }

    /// Re-reads the frame after a change, and pulses every rate.
    pub fn refresh(&self) {
        let (frame, tokens, now) = self.with(|s| (s.frame(), s.tokens(), s.now()));
        self.clock.update_value(|c| c.virt = now as f64);
        self.frame.set(frame);
        self.tokens.set(tokens);
        self.script_changed.update(|v| *v += 1);
        for rate in Rate::ALL {
            self.beat(rate);
        }
    }

    /// Applies a learner's action now and records it in the script. When
    /// the run had been rewound, the discarded future is announced. A
    /// replay under way stops first (see [`Run::cancel_replay`]): the
    /// action acts on the run as the page shows it then.
    pub fn apply(&self, cmd: Command) -> Result<(), String> {
        match self.partner().filter(|_| self.both.get_untracked()) {
            Some(o) => {
                let mine = self.apply_one(cmd.clone());
                let theirs = o.apply_one(cmd);
                mine.and(theirs)
            }
            None => self.apply_one(cmd),
        }
    }

    fn apply_one(&self, cmd: Command) -> Result<(), String> {
        let stopped = self.end_replay();
        let res = self.with_mut(|s| s.apply(cmd)).map_err(|r| r.to_string());
        match res {
            Ok(0) => {
                if let Some(n) = stopped {
                    self.notice.set(Some(n));
                }
            }
            Ok(n) => self.notice.set(Some(Notice::info(format!(
                "{}You changed the past: the {n} later action{} of this run {} discarded and the run continues from here.",
                stopped.map(|s| format!("{} ", s.text)).unwrap_or_default(),
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
    /// limit is not shown either. A replay under way stops first.
    pub fn step(&self) {
        self.step_one();
        if let Some(o) = self.partner() {
            let now = self.with(|s| s.now());
            o.seek_one(now);
        }
    }

    fn step_one(&self) {
        let stopped = self.end_replay();
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
        } else if let Some(n) = stopped {
            self.notice.set(Some(n));
        }
        self.refresh();
    }

    /// Goes back one event (pauses): to the moment of the event before the
    /// latest one shown, or to the start.
    pub fn step_back(&self) {
        self.playing.set(false);
        let now = self.moment();
        if now == 0 {
            return;
        }
        // The moment of the latest event shown, then the one before it.
        let back = self.with(|s| {
            let log = s.log(64);
            let mut times = log.iter().rev().map(|l| l.time);
            match times.find(|&t| t <= now) {
                Some(last) => times.find(|&t| t < last).unwrap_or(0),
                None => 0,
            }
        });
        self.go_to(back);
    }

    /// Shows the world at virtual time `t` (at most [`MAX_TIME`]) before
    /// returning, however long the replay takes: for code that reads the
    /// world right after. Learners' seeks go through [`Run::go_to`].
    pub fn seek(&self, t: Time) {
        for r in self.each() {
            r.seek_one(t);
        }
    }

    fn seek_one(&self, t: Time) {
        let stopped = self.end_replay();
        self.with_mut(|s| s.seek(t.min(MAX_TIME)));
        if let Some(n) = stopped {
            self.notice.set(Some(n));
        }
        self.refresh();
    }

    /// Moves the playhead to `t` (at most [`MAX_TIME`]) the way a learner
    /// does, without blocking the page: at once when the replay it needs
    /// fits in [`REPLAY_AT_ONCE_MS`], otherwise in slices across frames
    /// with a progress indicator ([`Run::replay`]). A seek under way is
    /// retargeted; a link or file being opened is stopped (the run shown
    /// stays as it was) and the notice says so.
    pub fn go_to(&self, t: Time) {
        for r in self.each() {
            r.go_to_one(t);
        }
    }

    fn go_to_one(&self, t: Time) {
        let t = t.min(MAX_TIME);
        let (retarget, stopped) = match self
            .pending
            .with_value(|p| p.as_ref().map(|p| p.opening.is_none()))
        {
            Some(true) => (self.take_pending(), None),
            Some(false) => (None, self.end_replay()),
            None => (None, None),
        };
        if let Some(n) = stopped {
            self.notice.set(Some(n));
        }
        let before = self.with(|s| s.now());
        self.with_mut(|s| s.rewind_to(t));
        let now = self.with(|s| s.now());
        let (from, mut chunk) = match &retarget {
            // Still on the way forward: keep the progress made.
            Some(p) if now >= before => (p.from.min(now), p.chunk),
            Some(p) => (now, p.chunk),
            None => (now, FIRST_CHUNK),
        };
        // While a replay is under way the frame loop carries on with it;
        // otherwise try to finish at once.
        let budget = if retarget.is_some() {
            0.0
        } else {
            REPLAY_AT_ONCE_MS
        };
        let done = self.with_mut(|s| self.work(s, t, budget, &mut chunk));
        if done {
            if retarget.is_some() {
                self.land(Pending {
                    kind: ReplayKind::Seek,
                    target: t,
                    from,
                    chunk,
                    opening: None,
                });
            } else {
                self.refresh();
            }
            return;
        }
        self.clock.update_value(|c| c.last_real = None);
        self.begin(Pending {
            kind: ReplayKind::Seek,
            target: t,
            from,
            chunk,
            opening: None,
        });
    }

    /// True when the run has reached [`MAX_TIME`], where time stops.
    pub fn at_limit(&self) -> bool {
        self.with(|s| s.now() >= MAX_TIME)
    }

    fn stop_at_limit(&self) {
        self.playing.set(false);
        self.notice.set(Some(Notice::info(TIME_LIMIT_NOTICE)));
    }

    /// Starts the same scenario and seed over with an empty script (a
    /// replay under way stops).
    pub fn reset(&self) {
        for r in self.each() {
            r.reset_one();
        }
    }

    fn reset_one(&self) {
        let stopped = self.end_replay();
        self.with_mut(|s| s.reset());
        self.selected.set(None);
        if let Some(n) = stopped {
            self.notice.set(Some(n));
        }
        self.refresh();
    }

    /// Starts the current pattern over with another seed (a replay under
    /// way stops).
    pub fn set_seed(&self, seed: u64) {
        for r in self.each() {
            r.set_seed_one(seed);
        }
    }

    fn set_seed_one(&self, seed: u64) {
        let stopped = self.end_replay();
        self.seed.set(seed);
        self.sim.set_value(self.pattern.get_untracked().start(seed));
        self.selected.set(None);
        if let Some(n) = stopped {
            self.notice.set(Some(n));
        }
        self.refresh();
    }

    /// Shows another pattern (a fresh run with the current seed; a replay
    /// under way stops).
    pub fn switch(&self, pattern: Pattern) {
        if pattern == self.pattern.get_untracked() {
            return;
        }
        self.close_compare();
        let stopped = self.end_replay();
        self.lesson.set(None);
        self.pattern.set(pattern);
        self.sim.set_value(pattern.start(self.seed.get_untracked()));
        self.selected.set(None);
        self.notice.set(stopped);
        self.refresh();
    }

    /// Replaces the run with `pattern` + `seed` + `script`, positioned at
    /// `at`, before returning (for lesson steps, which are short and are
    /// judged right after). On error the current run is left exactly as
    /// it was. Links and files go through [`Run::open`].
    pub fn load(
        &self,
        pattern: Pattern,
        seed: u64,
        script: Vec<ScriptEntry>,
        at: Time,
    ) -> Result<(), String> {
        let mut sim = pattern.replay(seed, script).map_err(|r| r.to_string())?;
        self.close_compare();
        self.end_replay();
        sim.run_until(at);
        self.install(pattern, seed, sim);
        Ok(())
    }

    /// Replaces the run with `pattern` + `seed` + `script` at `at`, like
    /// [`Run::load`], without blocking the page: when the replay does not
    /// fit in [`REPLAY_AT_ONCE_MS`], the current run stays shown, exactly
    /// as it was, while the new one replays in slices across frames with a
    /// progress indicator ([`Run::replay`]), and lands when it gets there;
    /// `then` runs once it has landed (not if it is stopped). Play and
    /// Pause meanwhile say whether time flows once it lands. An invalid
    /// script is refused at once, and the current run (and any replay
    /// under way) is left exactly as it was.
    pub fn open(
        &self,
        pattern: Pattern,
        seed: u64,
        script: Vec<ScriptEntry>,
        at: Time,
        kind: ReplayKind,
        then: impl FnOnce() + 'static,
    ) -> Result<(), String> {
        let mut sim = pattern.replay(seed, script).map_err(|r| r.to_string())?;
        // This run replaces what is shown, a comparison too, and any
        // replay under way.
        self.close_compare();
        self.end_replay();
        let mut chunk = FIRST_CHUNK;
        if self.work(sim.as_mut(), at, REPLAY_AT_ONCE_MS, &mut chunk) {
            self.install(pattern, seed, sim);
            then();
            return Ok(());
        }
        self.clock.update_value(|c| c.last_real = None);
        self.begin(Pending {
            kind,
            target: at,
            from: 0,
            chunk,
            opening: Some(Opening {
                sim,
                pattern,
                seed,
                then: Box::new(then),
            }),
        });
        Ok(())
    }

    /// True while a long replay (a link, a file or a far seek) is under way.
    pub fn replaying(&self) -> bool {
        self.pending
            .try_with_value(|p| p.is_some())
            .unwrap_or(false)
    }

    /// The moment the run shows, or is on its way to when it is seeking
    /// (what the timeline and a share link name).
    pub fn moment(&self) -> Time {
        let seeking = self
            .pending
            .with_value(|p| p.as_ref().filter(|p| p.opening.is_none()).map(|p| p.target));
        seeking.unwrap_or_else(|| self.with(|s| s.now()))
    }

    /// Advances a long replay under way by one slice, about
    /// [`REPLAY_SLICE_MS`] of real time; when it gets there the run lands
    /// on its moment (a link's run replaces the one shown). The clock
    /// calls it once per animation frame; it does nothing when no replay
    /// is under way.
    pub fn advance_replay(&self) {
        let Some(mut p) = self.take_pending() else {
            return;
        };
        let (target, mut chunk) = (p.target, p.chunk);
        let done = match p.opening.as_mut() {
            Some(o) => self.work(o.sim.as_mut(), target, REPLAY_SLICE_MS, &mut chunk),
            None => self.with_mut(|s| self.work(s, target, REPLAY_SLICE_MS, &mut chunk)),
        };
        p.chunk = chunk;
        if done {
            self.land(p);
        } else {
            self.begin(p);
        }
    }

    /// Stops the long replay under way (the progress indicator's Cancel):
    /// a link or file being opened is dropped and the run shown stays
    /// exactly as it was; a seek stops where it has reached, which the
    /// page then shows. The notice says which.
    pub fn cancel_replay(&self) {
        if let Some(n) = self.end_replay() {
            self.notice.set(Some(n));
        }
    }

    /// Replaces the clock (real ms) that the replay budget reads. The app
    /// reads `performance.now()`; tests pass a clock they control.
    pub fn set_real_clock(&self, clock: impl Fn() -> f64 + 'static) {
        self.real_clock.set_value(Rc::new(clock));
    }

    fn real_now(&self) -> f64 {
        let clock = self.real_clock.with_value(Rc::clone);
        clock()
    }

    /// Runs `sim` toward `target` for about `budget_ms` of real time (at
    /// least one chunk unless the budget is 0), in chunks of `chunk`
    /// events that adapt so one takes about a millisecond. True when it
    /// got there.
    fn work(
        &self,
        sim: &mut dyn Playground,
        target: Time,
        budget_ms: f64,
        chunk: &mut u64,
    ) -> bool {
        if budget_ms <= 0.0 {
            return sim.run_toward(target, 0);
        }
        let start = self.real_now();
        let mut t0 = start;
        loop {
            if sim.run_toward(target, *chunk) {
                return true;
            }
            let t1 = self.real_now();
            let took = t1 - t0;
            if took < 0.5 {
                *chunk = chunk.saturating_mul(2).min(1 << 20);
            } else if took > 2.0 {
                *chunk = (*chunk / 2).max(1);
            }
            if t1 - start >= budget_ms {
                return false;
            }
            t0 = t1;
        }
    }

    fn take_pending(&self) -> Option<Pending> {
        self.pending.try_update_value(|p| p.take()).flatten()
    }

    /// Where a replay has got to, in virtual time.
    fn reached(&self, p: &Pending) -> Time {
        match &p.opening {
            Some(o) => o.sim.now(),
            None => self.with(|s| s.now()),
        }
    }

    /// Keeps `p` under way and shows its progress.
    fn begin(&self, p: Pending) {
        let reached = self.reached(&p);
        let span = p.target.saturating_sub(p.from).max(1);
        let done = reached.saturating_sub(p.from).min(span);
        let percent = u8::try_from((done * 100 / span).min(99)).unwrap_or(99);
        let replay = Replay {
            kind: p.kind.clone(),
            target: p.target,
            reached,
            percent,
        };
        let said = format!("{}\u{2026} {} %", p.kind.doing(p.target), percent / 25 * 25);
        self.pending.set_value(Some(p));
        let shown = self.replay.with_untracked(|r| {
            r.as_ref().is_some_and(|r| {
                r.kind == replay.kind && r.target == replay.target && r.percent == replay.percent
            })
        });
        if !shown {
            self.replay.set(Some(replay));
        }
        if self.replay_said.with_untracked(|s| *s != said) {
            self.replay_said.set(said);
        }
    }

    /// A replay got there: the run shows its moment.
    fn land(&self, p: Pending) {
        let what = match p.opening {
            Some(o) => {
                self.install(o.pattern, o.seed, o.sim);
                (o.then)();
                match &p.kind {
                    ReplayKind::File(name) => format!("Opened {name}"),
                    _ => "Opened the link".to_string(),
                }
            }
            None => {
                self.refresh();
                "Replayed".to_string()
            }
        };
        self.replay.set(None);
        self.replay_said
            .set(format!("{what}: at {}.", fmt_secs(p.target)));
    }

    /// Ends any long replay under way, without refreshing: a run being
    /// opened is dropped; a seek stays where it has reached. Returns the
    /// notice that says so.
    fn end_replay(&self) -> Option<Notice> {
        let p = self.take_pending()?;
        let reached = self.reached(&p);
        let text = match &p.opening {
            Some(_) => {
                let what = match &p.kind {
                    ReplayKind::File(name) => name.clone(),
                    _ => "the link".to_string(),
                };
                let span = p.target.max(1);
                format!(
                    "Stopped opening {what} at {} % of its replay: the run shown is unchanged.",
                    (reached.min(span) * 100 / span).min(99)
                )
            }
            None => {
                self.refresh();
                format!(
                    "Stopped replaying at {}, before {}.",
                    fmt_secs(reached),
                    fmt_secs(p.target)
                )
            }
        };
        self.replay.set(None);
        self.replay_said.set(text.clone());
        Some(Notice::info(text))
    }

    /// Makes `sim` the run shown.
    fn install(&self, pattern: Pattern, seed: u64, sim: Box<dyn Playground>) {
        // An open lesson belongs to its pattern. (Whoever opens a run
        // with a lesson step sets it after this.)
        if pattern != self.pattern.get_untracked() {
            self.lesson.set(None);
        }
        self.pattern.set(pattern);
        self.seed.set(seed);
        self.sim.set_value(sim);
        self.selected.set(None);
        self.refresh();
    }

    /// False once the app that owned this run was unmounted.
    pub fn alive(&self) -> bool {
        self.sim.try_with_value(|_| ()).is_some() && self.playing.try_get_untracked().is_some()
    }

    /// Advances virtual time by `speed × real elapsed` when playing. Call
    /// once per animation frame with `performance.now()`. Time rests
    /// while a long replay is under way ([`Run::advance_replay`] drives
    /// that) and flows from the replay's moment once it lands.
    pub fn tick(&self, real_now: f64) {
        // Both runs of a comparison read time flowing before either
        // advances, so one stopping at the limit does not hold the other.
        let flows = self.playing.get_untracked() && !self.unseen.get_untracked();
        let resting = self.each().any(|r| r.replaying());
        for r in self.each() {
            r.tick_one(real_now, flows, resting);
        }
    }

    fn tick_one(&self, real_now: f64, flows: bool, resting: bool) {
        if resting {
            self.clock.update_value(|c| c.last_real = None);
            return;
        }
        let last = self.clock.with_value(|c| c.last_real);
        self.clock.update_value(|c| c.last_real = Some(real_now));
        if !flows {
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
        // Two rates while playing. The token worker interpolates messages
        // between updates, so it needs new ones only when something
        // happened (at most every TOKENS_EVERY_MS); everything else on
        // the page (boxes, meter, clock, timeline, study views) is
        // rebuilt at most every STATE_EVERY_MS: each such refresh costs
        // the page style, layout and paint, far more than the engine.
        let (last, since_tokens) = self
            .clock
            .with_value(|c| (c.last_pulse, real_now - c.last_tokens));
        if real_now - last[Rate::State as usize] >= STATE_EVERY_MS {
            self.clock.update_value(|c| c.last_tokens = real_now);
            let (frame, tokens) = self.with(|s| (s.frame(), s.tokens()));
            self.frame.set(frame);
            self.tokens.set(tokens);
            // The slower rates beat with a state refresh once their time
            // has come, so every view shows the same moment.
            for rate in Rate::ALL {
                if real_now - last[rate as usize] >= rate.every_ms() {
                    self.clock
                        .update_value(|c| c.last_pulse[rate as usize] = real_now);
                    self.beat(rate);
                }
            }
        } else if events && since_tokens >= TOKENS_EVERY_MS {
            self.clock.update_value(|c| c.last_tokens = real_now);
            let tokens = self.with(|s| s.tokens());
            self.tokens.set(tokens);
        }
    }

    /// Whether the clock needs the next animation frame: time flows, or
    /// a long replay is under way.
    fn needs_frames(&self) -> bool {
        (self.playing.get_untracked() && !self.unseen.get_untracked()) || self.any_replaying()
    }

    /// True while this run or its twin replays.
    fn any_replaying(&self) -> bool {
        self.each().any(|r| r.replaying())
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
        self.unseen.set(unseen);
        for r in self.each() {
            r.clock.update_value(|c| c.last_real = None);
            if unseen && !r.replaying() {
                r.refresh();
            }
        }
    }

    /// Starts or stops time. While a long replay is under way this says
    /// whether time flows once it lands; the replay goes on either way.
    pub fn set_playing(&self, on: bool) {
        self.playing.set(on);
        for r in self.each() {
            if !on && !r.replaying() {
                r.refresh();
            }
        }
    }
}

/// Two handles are equal when they name the same run.
impl PartialEq for Run {
    fn eq(&self, other: &Run) -> bool {
        self.frame == other.frame
    }
}

/// The run provided by the app (panics outside it).
pub fn use_run() -> Run {
    expect_context::<Run>()
}

/// Drives [`Run::advance_replay`] and [`Run::tick`] from
/// `requestAnimationFrame` while time flows or a long replay is under
/// way, and requests no frames otherwise (paused, or unseen: see
/// [`super::host::watch_visibility`]).
pub fn start_clock(run: Run) {
    super::host::watch_visibility(move |unseen| {
        if run.alive() {
            run.set_unseen(unseen);
        }
    });
    // The loop runs only while it has work: time flowing, or a long replay
    // under way. Paused, unseen or idle, the page requests no animation
    // frames at all (a deck with several paused embeds costs nothing).
    let looping = Rc::new(std::cell::Cell::new(false));
    fn frame(run: Run, looping: Rc<std::cell::Cell<bool>>) {
        if !run.alive() {
            looping.set(false);
            return;
        }
        for r in run.each() {
            r.advance_replay();
        }
        let now = window().performance().map_or(0.0, |p| p.now());
        run.tick(now);
        if run.any_replaying() {
            request_animation_frame(move || frame(run, looping));
        } else if run.needs_frames() {
            // Playing: the token worker animates messages on its own
            // between updates, so the engine needs waking only as often
            // as tokens may change, not at the display's rate (half the
            // wake-ups, and the browser paints only what changed).
            set_timeout(
                move || frame(run, looping),
                std::time::Duration::from_millis(TOKENS_EVERY_MS as u64),
            );
        } else {
            looping.set(false);
        }
    }
    Effect::new(move |_| {
        let replaying = |r: Run| r.replay.with(|p| p.is_some());
        let wanted = (run.playing.get() && !run.unseen.get())
            || replaying(run)
            || run.twin.get().is_some_and(replaying);
        if wanted && !looping.get() {
            looping.set(true);
            // Time rested while the loop did: do not count it on waking.
            run.clock.update_value(|c| c.last_real = None);
            for r in run.each() {
                r.clock.update_value(|c| c.last_real = None);
            }
            let looping = looping.clone();
            request_animation_frame(move || frame(run, looping));
        }
    });
}
