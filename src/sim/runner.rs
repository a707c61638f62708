//! [`Sim`]: a world plus its script, snapshots, metrics and checks. This is
//! what the UI and the tests drive: run to a time, step, apply a command
//! (recorded in the script), seek back and forth in time.

use super::broker::Logs;
use super::core::Core;
use super::scenario::{CheckKind, CheckSpec, Env, Scenario, ViewStatus};
use super::script::{validate_order, Command, Field, Refusal, ScriptEntry};
use super::standing::StandingKind;
use super::trace::{Detail, TraceKind};
use super::types::{EventId, NodeId, Time};
use super::world::World;
use serde::Serialize;

/// How one replica or read model has been doing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewTrack {
    /// Latest status.
    pub last: Option<ViewStatus>,
    /// When it last went from converged to diverged.
    pub diverged_since: Option<Time>,
    /// How long its last divergence lasted.
    pub converged_in: Option<Time>,
    /// When it last converged.
    pub converged_at: Option<Time>,
}

/// A check's first violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// When.
    pub at: Time,
    /// The event that broke it (for `eventually`, the event that made it
    /// false before things settled).
    pub event: Option<EventId>,
    /// Why, in words.
    pub reason: String,
}

/// A check's state over the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckTrack {
    /// Since when (and from which event) it has been false. Why is asked
    /// of the scenario when the status is read ([`Sim::check_status`]).
    pub false_since: Option<(Time, Option<EventId>)>,
    /// First violation (sticky).
    pub first_violation: Option<Violation>,
}

/// A check's status right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CheckStatus {
    /// It holds.
    Holds,
    /// An `eventually` check that is false but may still come true.
    Pending {
        /// Since when it has been false.
        since: Time,
        /// Why.
        reason: String,
    },
    /// Broken.
    Violated(Violation),
}

#[derive(Clone, Debug, Default)]
struct Tracking {
    views: Vec<ViewTrack>,
    /// The earliest time the views are read again after an event (see
    /// [`views_every`]); `None` before the first reading.
    views_next: Option<Time>,
    /// Whether that wait was stretched by a large backlog: then a command
    /// does not read the views at once either.
    views_stretched: bool,
    checks: Vec<CheckTrack>,
    settled_since: Option<Time>,
}

/// Least virtual time between two readings of the views after events.
const VIEWS_EVERY: Time = 100;

/// Missing updates the views may count before their readings after
/// events are spaced further apart: one more [`VIEWS_EVERY`] per this
/// many, up to [`VIEWS_STRETCH_MAX`] of them.
const VIEWS_STRETCH_PER: u32 = 1000;

/// The most [`VIEWS_EVERY`]s between two readings of the views after
/// events (a second of virtual time).
const VIEWS_STRETCH_MAX: u32 = 10;

/// Virtual time until the views are read again after events, given what
/// they counted just now. Reading them costs in proportion to the updates
/// they locate (a consumer down for minutes misses thousands), so with a
/// large backlog they are read less often: the cost of a virtual second
/// stays bounded however much is missing, and a replay (a seek, a link)
/// stays fast. Small backlogs, where a view starts or stops differing,
/// keep the full rate; a frame reads them afresh unless the world has
/// not changed since the runner read them ([`Sim::views_now`]). Deterministic:
/// it depends only on the run.
fn views_every(views: &[ViewStatus]) -> Time {
    let missing = views
        .iter()
        .fold(0u32, |a, v| a.saturating_add(v.standing.count()));
    VIEWS_EVERY * Time::from((1 + missing / VIEWS_STRETCH_PER).min(VIEWS_STRETCH_MAX))
}

/// One change of a view's divergence, for charts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    /// When.
    pub time: Time,
    /// Which view (index into the scenario's views).
    pub view: u16,
    /// Entities differing from the source of truth.
    pub differing: u32,
    /// Oldest unreflected write (staleness at `t` is `t - lag_since`).
    pub lag_since: Option<Time>,
    /// Converged, catching up, stuck or diverged.
    pub standing: StandingKind,
}

struct Snapshot<S: Scenario> {
    core: Core<S::Msg>,
    model: S,
    next_event: EventId,
    logs: Vec<usize>,
    track: Tracking,
    /// Series points recorded before it (absolute, counting evicted ones).
    series: u64,
    cursor: usize,
    /// Roughly the heap it holds ([`Core::heap_bytes`] and
    /// [`Scenario::heap_bytes`]).
    bytes: u64,
}

/// Options for a run.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Events the trace keeps.
    pub trace_capacity: usize,
    /// Least virtual time between snapshots.
    pub snapshot_every: Time,
    /// Least events processed between snapshots. A seek replays from the
    /// nearest snapshot, so its cost is the events in between: spacing by
    /// events keeps seeks cheap while a quiet run (few events a second,
    /// large state) stops cloning its world every second.
    pub snapshot_events: u64,
    /// Least events between snapshots per byte of the last snapshot's
    /// state, as bytes per event: a snapshot of `b` bytes is followed by
    /// at least `b / snapshot_bytes_per_event` events before the next. So
    /// a state that grows with the run (every order of a long saga) costs
    /// the same copying per event as a small one, and each event's cost
    /// stays flat; a seek replays at most that many more events.
    pub snapshot_bytes_per_event: u64,
    /// Snapshots kept: beyond this, old ones are thinned so that their
    /// spacing grows with their distance from the playhead (dense near it,
    /// sparse far back).
    pub max_snapshots: usize,
    /// Virtual time behind the playhead in which snapshots stay at full
    /// density (`snapshot_every` apart) however long the run.
    pub dense_window: Time,
    /// Heap the snapshots may hold together, roughly (bytes): a run whose
    /// state grows large (a backlog of thousands, every order of a long
    /// saga) keeps fewer of them, thinned as by `max_snapshots`, so its
    /// memory stays bounded; its seeks replay further instead.
    pub snapshot_bytes: u64,
    /// Divergence points kept in memory (the oldest fall off first).
    pub series_capacity: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            trace_capacity: 60_000,
            snapshot_every: 1_000,
            snapshot_events: 128,
            snapshot_bytes_per_event: 256,
            max_snapshots: 64,
            dense_window: 30_000,
            snapshot_bytes: 16 << 20,
            series_capacity: 100_000,
        }
    }
}

/// A run: scenario + seed + script, with time travel.
pub struct Sim<S: Scenario> {
    world: World<S>,
    initial: S,
    seed: u64,
    script: Vec<ScriptEntry>,
    cursor: usize,
    snapshots: Vec<Snapshot<S>>,
    opts: SimOptions,
    track: Tracking,
    series: Vec<SeriesPoint>,
    /// Series points that fell off the front of `series`.
    series_first: u64,
    horizon: Time,
    /// The views as the runner last read them, while the world has not
    /// changed since: a frame built then shows them instead of reading
    /// them again (one standing analysis per refresh). Cleared by every
    /// change of the world (an event, a command, a rewind, the clock).
    views_seen: Option<Vec<ViewStatus>>,
}

impl<S: Scenario> Sim<S> {
    /// Starts a run at time 0 with an empty script.
    pub fn new(scenario: S, seed: u64) -> Self {
        Self::with_options(scenario, seed, SimOptions::default())
    }

    /// Starts a run with explicit options.
    pub fn with_options(scenario: S, seed: u64, opts: SimOptions) -> Self {
        let world = World::new(scenario.clone(), seed, opts.trace_capacity);
        let mut sim = Sim {
            world,
            initial: scenario,
            seed,
            script: Vec::new(),
            cursor: 0,
            snapshots: Vec::new(),
            opts,
            track: Tracking::default(),
            series: Vec::new(),
            series_first: 0,
            horizon: 0,
            views_seen: None,
        };
        sim.observe(None);
        sim.snapshot();
        sim
    }

    /// Starts a run that will replay `script` as time advances. The script
    /// is validated first; on error nothing is created.
    pub fn with_script(scenario: S, seed: u64, script: Vec<ScriptEntry>) -> Result<Self, Refusal> {
        Self::with_script_options(scenario, seed, script, SimOptions::default())
    }

    /// [`Sim::with_script`] with options other than the default.
    pub fn with_script_options(
        scenario: S,
        seed: u64,
        script: Vec<ScriptEntry>,
        opts: SimOptions,
    ) -> Result<Self, Refusal> {
        let mut sim = Self::with_options(scenario, seed, opts);
        validate_order(&script)?;
        for (i, e) in script.iter().enumerate() {
            if !matches!(
                e.cmd,
                Command::DropMessage { .. } | Command::DuplicateMessage { .. }
            ) {
                sim.world.validate(&e.cmd).map_err(|r| r.in_entry(i))?;
            }
        }
        sim.script = script;
        sim.horizon = sim.script.last().map_or(0, |e| e.at);
        Ok(sim)
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The world (read only).
    pub fn world(&self) -> &World<S> {
        &self.world
    }

    /// The script recorded so far (including a future kept after seeking back).
    pub fn script(&self) -> &[ScriptEntry] {
        &self.script
    }

    /// Virtual time now.
    pub fn now(&self) -> Time {
        self.world.core.now
    }

    /// The furthest time this run has reached (the end of the timeline).
    pub fn horizon(&self) -> Time {
        self.horizon.max(self.now())
    }

    /// Events processed so far.
    pub fn processed(&self) -> u64 {
        self.world.core.processed
    }

    /// Divergence points recorded so far, in time order: the latest
    /// [`SimOptions::series_capacity`] of them (see [`Sim::series_evicted`]).
    pub fn series(&self) -> &[SeriesPoint] {
        &self.series
    }

    /// How many divergence points fell off the front of [`Sim::series`].
    pub fn series_evicted(&self) -> u64 {
        self.series_first
    }

    /// The broker's logs.
    pub fn logs(&self) -> &Logs<S::Msg> {
        &self.world.logs
    }

    /// Starts over with the same scenario and seed and an empty script.
    pub fn reset(&mut self) {
        *self = Sim::with_options(self.initial.clone(), self.seed, self.opts.clone());
    }

    fn next_script_ready(&self) -> Option<&ScriptEntry> {
        let e = self.script.get(self.cursor)?;
        let ready = match e.after {
            Some(n) => self.world.core.processed >= n,
            None => self.world.core.next_event_time().is_none_or(|et| et > e.at),
        };
        ready.then_some(e)
    }

    fn apply_next_script(&mut self) {
        let e = self.script[self.cursor].clone();
        self.cursor += 1;
        self.views_seen = None;
        self.world.core.now = self.world.core.now.max(e.at);
        // Entries were validated when recorded or imported; a message id
        // that is no longer in flight simply does nothing.
        let _ = self.world.apply(&e.cmd);
        self.observe(None);
    }

    /// Processes every event (and script entry) up to and including `t`,
    /// then sets the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        self.run_toward(t, u64::MAX);
    }

    /// [`Sim::run_until`] in slices: processes at most `budget` events and
    /// script entries on the way to `t`. Returns true once everything up
    /// to and including `t` is done and the clock is at `t`; false when the
    /// budget ran out first, with the clock at the last event processed.
    ///
    /// Calling it again until it returns true gives exactly the run that
    /// one `run_until(t)` gives (the same trace, state, snapshots and
    /// series), however the work is sliced: the loop keeps no state of its
    /// own outside the world. The budget counts work, never wall time, so
    /// the engine stays deterministic; the UI decides how many slices fit
    /// in a frame.
    pub fn run_toward(&mut self, t: Time, budget: u64) -> bool {
        let mut left = budget;
        loop {
            // Void events (cancelled timers, dropped messages) must not make
            // the next real event look due, nor hold back a script entry.
            self.world.core.purge();
            if let Some(e) = self.next_script_ready() {
                if e.at <= t {
                    if left == 0 {
                        break;
                    }
                    left -= 1;
                    self.apply_next_script();
                    continue;
                }
            } else if let Some(et) = self.world.core.next_event_time() {
                if et <= t {
                    if left == 0 {
                        break;
                    }
                    left -= 1;
                    self.step_world();
                    continue;
                }
            }
            // Nothing else is due by `t`.
            if t > self.world.core.now {
                self.views_seen = None;
                self.world.core.now = t;
            }
            self.horizon = self.horizon.max(self.world.core.now);
            return true;
        }
        self.horizon = self.horizon.max(self.world.core.now);
        false
    }

    /// Processes exactly one event (after any script entries due before
    /// it). Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.world.core.purge();
        while let Some(e) = self.next_script_ready() {
            if self
                .world
                .core
                .next_event_time()
                .is_some_and(|et| e.at > et)
            {
                break;
            }
            self.apply_next_script();
            self.world.core.purge();
        }
        let did = self.step_world();
        self.horizon = self.horizon.max(self.world.core.now);
        did
    }

    fn step_world(&mut self) -> bool {
        if !self.world.step() {
            return false;
        }
        self.views_seen = None;
        let cause = EventId(self.world.trace.next_id().0.saturating_sub(1));
        self.observe(Some(cause));
        let (last_at, last_processed, last_bytes) = self
            .snapshots
            .last()
            .map_or((0, 0, 0), |s| (s.core.now, s.core.processed, s.bytes));
        let events = self
            .opts
            .snapshot_events
            .max(last_bytes / self.opts.snapshot_bytes_per_event.max(1));
        if self.world.core.now >= last_at + self.opts.snapshot_every
            && self.world.core.processed >= last_processed + events
        {
            self.snapshot();
        }
        true
    }

    /// Applies a command now and records it in the script. If the run had
    /// been rewound, the future after this moment is discarded (a fork);
    /// the result says how many script entries were dropped.
    pub fn apply(&mut self, cmd: Command) -> Result<usize, Refusal> {
        if let Command::DropMessage { msg } | Command::DuplicateMessage { msg } = &cmd {
            if !self.world.core.flight.contains_key(msg) {
                return Err(Refusal::new(
                    Field::Msg,
                    format!("message {} is no longer in flight", msg.0),
                ));
            }
        }
        self.world.validate(&cmd)?;
        let dropped = self.script.len() - self.cursor;
        if dropped > 0 {
            self.script.truncate(self.cursor);
        }
        let processed = self.world.core.processed;
        self.snapshots.retain(|s| s.core.processed <= processed);
        self.horizon = self.world.core.now;
        self.script.push(ScriptEntry {
            at: self.world.core.now,
            after: Some(processed),
            cmd: cmd.clone(),
        });
        self.cursor = self.script.len();
        self.views_seen = None;
        self.world.apply(&cmd)?;
        self.observe(None);
        Ok(dropped)
    }

    fn snapshot(&mut self) {
        let w = &self.world;
        let bytes = w.core.heap_bytes() + w.model.heap_bytes();
        self.snapshots.push(Snapshot {
            core: w.core.clone(),
            model: w.model.clone(),
            next_event: w.trace.next_id(),
            logs: w.logs.lengths(),
            track: self.track.clone(),
            series: self.series_first + self.series.len() as u64,
            cursor: self.cursor,
            bytes,
        });
        let now = self.now();
        let (mut max, mut dense) = (self.opts.max_snapshots, self.opts.dense_window);
        loop {
            // Over the memory budget: one fewer, until it fits (the first
            // and the newest always stay), spaced by age alone, so far
            // seeks do not all go back to the start.
            let held: u64 = self.snapshots.iter().map(|s| s.bytes).sum();
            if held > self.opts.snapshot_bytes {
                max = max.min(self.snapshots.len() - 1);
                dense = 0;
            }
            let times: Vec<Time> = self.snapshots.iter().map(|s| s.core.now).collect();
            match thinnest(&times, max, now, dense) {
                Some(i) => {
                    self.snapshots.remove(i);
                }
                None => break,
            }
        }
    }

    /// Shows the world as it was (or will be) at time `t`: restores the
    /// nearest snapshot at or before `t` and replays the script forward.
    pub fn seek(&mut self, t: Time) {
        self.rewind_to(t);
        self.run_until(t);
    }

    /// The first half of [`Sim::seek`]: when `t` is in the past, restores
    /// the nearest snapshot at or before it (when `t` is ahead, nothing).
    /// Finishing with `run_until(t)`, or with [`Sim::run_toward`] until it
    /// returns true, is exactly `seek(t)`: the replay can be sliced.
    pub fn rewind_to(&mut self, t: Time) {
        // Forward: replay from here. (A snapshot kept from an earlier visit
        // to the future would be closer, but the trace, logs and series
        // between now and it were cut when seeking back, so it cannot be
        // used without leaving a gap in them.)
        if t >= self.now() {
            return;
        }
        let idx = self
            .snapshots
            .iter()
            .rposition(|s| s.core.now <= t)
            .unwrap_or(0);
        let s = &self.snapshots[idx];
        self.views_seen = None;
        self.world.core = s.core.clone();
        self.world.model = s.model.clone();
        self.world.trace.truncate(s.next_event);
        self.world.logs.truncate(&s.logs);
        self.track = s.track.clone();
        match s.series.checked_sub(self.series_first) {
            Some(keep) => self
                .series
                .truncate(usize::try_from(keep).unwrap_or(usize::MAX)),
            None => {
                // Further back than the window: it restarts there.
                self.series.clear();
                self.series_first = s.series;
            }
        }
        self.cursor = s.cursor;
    }

    /// The views now: as the runner read them when nothing has changed
    /// since, else read afresh. (Debug builds, so every native test, check
    /// that the two agree.)
    pub(crate) fn views_now(&self, env: &Env<'_, S::Msg>) -> Vec<ViewStatus> {
        match &self.views_seen {
            Some(seen) => {
                debug_assert_eq!(
                    seen,
                    &self.world.model.views(env),
                    "the views the runner read are still the views now"
                );
                seen.clone()
            }
            None => self.world.model.views(env),
        }
    }

    /// True when no link is cut or held, every node is up, and the
    /// workload has stopped writing.
    pub fn settled(&self) -> bool {
        !self.world.core.fault_active() && self.world.model.quiet()
    }

    fn observe(&mut self, cause: Option<EventId>) {
        let now = self.world.core.now;
        let settled = self.settled();
        match (settled, self.track.settled_since) {
            (true, None) => self.track.settled_since = Some(now),
            (false, Some(_)) => self.track.settled_since = None,
            _ => {}
        }
        if cause.is_some() && !self.world.core.touched && !self.track.views.is_empty() {
            return;
        }
        let env = self.world.env();
        // Views (divergence and each replica's standing) are the costly
        // part: they look at every update a replica misses. After events
        // they are read at most every VIEWS_EVERY of virtual time, longer
        // while they count thousands (`views_every`); a command, and the
        // first event after a quiet spell, read them at once unless the
        // wait is stretched. So a dense run's cost does not grow with
        // what is missing; checks still run after every event, so a
        // violation is pinned on the event that caused it. A frame built
        // before the world changes again shows what is read here.
        let due = (cause.is_none() && !self.track.views_stretched)
            || self.track.views.is_empty()
            || self.track.views_next.is_none_or(|t| now >= t);
        let views = if due {
            let views = self.world.model.views(&env);
            let every = views_every(&views);
            self.track.views_next = Some(now.saturating_add(every));
            self.track.views_stretched = every > VIEWS_EVERY;
            self.views_seen = Some(views.clone());
            Some(views)
        } else {
            None
        };
        let broken = self.world.model.broken_checks(&env);
        let model = &self.world.model;
        let violated = track_observations(
            &mut self.track,
            &mut self.series,
            now,
            cause,
            views,
            broken,
            &self.world.info.checks,
            &|i| model.why_broken(i, &env).unwrap_or_default(),
        );
        let cap = self.opts.series_capacity.max(1);
        if self.series.len() > cap + cap / 2 {
            // Drop the oldest in one go, so each point is moved once.
            let drop = self.series.len() - cap;
            self.series.drain(..drop);
            self.series_first += drop as u64;
        }
        if violated.is_empty() {
            return;
        }
        let node = cause
            .and_then(|c| self.world.trace.get(c))
            .map_or(NodeId(0), |e| e.node);
        for text in violated {
            self.world.core.record(
                &mut self.world.trace,
                TraceKind::Violation,
                node,
                None,
                None,
                cause,
                Detail::Text(text),
            );
        }
    }

    /// The status of every check now, in the scenario's order.
    pub fn check_status(&self) -> Vec<CheckStatus> {
        let env = self.world.env();
        check_status(
            &self.world.info.checks,
            &self.track,
            self.now(),
            self.world.model.settle_time(),
            &|i| self.world.model.why_broken(i, &env).unwrap_or_default(),
        )
    }

    /// How each view has been doing (latest status, last convergence).
    pub fn view_tracks(&self) -> &[ViewTrack] {
        &self.track.views
    }

    /// The cost of a seek in replayed events: how far `t` is from the
    /// snapshot a seek would restore (for benchmarks and reports).
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    /// Roughly the heap the snapshots kept hold together, in bytes (see
    /// [`SimOptions::snapshot_bytes`]; for tests and reports).
    pub fn snapshot_bytes(&self) -> u64 {
        self.snapshots.iter().map(|s| s.bytes).sum()
    }

    /// The virtual times of the snapshots kept, oldest first (for tests
    /// and reports of the thinning).
    pub fn snapshot_times(&self) -> Vec<Time> {
        self.snapshots.iter().map(|s| s.core.now).collect()
    }

    /// Of each snapshot kept, oldest first: the events processed when it
    /// was taken and roughly the heap it holds, in bytes (for tests and
    /// reports of the spacing).
    pub fn snapshot_weights(&self) -> Vec<(u64, u64)> {
        self.snapshots
            .iter()
            .map(|s| (s.core.processed, s.bytes))
            .collect()
    }
}

/// The scenario-independent part of [`Sim::observe`]: folds the views' and
/// checks' latest results (`broken`: bit `i` for check `i`) into `track`
/// and `series`, and returns the texts of the `always` checks violated for
/// the first time (to record as trace events, in order); `why(i)` words
/// the reason, asked only then. Not generic, so it exists once in the wasm.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn track_observations(
    track: &mut Tracking,
    series: &mut Vec<SeriesPoint>,
    now: Time,
    cause: Option<EventId>,
    views: Option<Vec<ViewStatus>>,
    broken: u64,
    specs: &[CheckSpec],
    why: &dyn Fn(usize) -> String,
) -> Vec<String> {
    // `None`: the views were not read after this event; keep what we had.
    let views = views.unwrap_or_default();
    if !views.is_empty() {
        track.views.resize(views.len(), ViewTrack::default());
    }
    for (i, v) in views.into_iter().enumerate() {
        let tr = &mut track.views[i];
        let changed = tr.last.as_ref().is_none_or(|l| {
            l.differing != v.differing
                || l.lag_since != v.lag_since
                || l.standing.kind() != v.standing.kind()
        });
        if !changed {
            continue;
        }
        let was = tr.last.as_ref().map_or(0, |l| l.differing);
        if was == 0 && v.differing > 0 {
            tr.diverged_since = Some(now);
        } else if was > 0 && v.differing == 0 {
            tr.converged_at = Some(now);
            tr.converged_in = tr.diverged_since.map(|d| now - d);
        }
        series.push(SeriesPoint {
            time: now,
            view: i as u16,
            differing: v.differing,
            lag_since: v.lag_since,
            standing: v.standing.kind(),
        });
        tr.last = Some(v);
    }
    let mut violated = Vec::new();
    track.checks.resize(specs.len(), CheckTrack::default());
    for (i, (tr, spec)) in track.checks.iter_mut().zip(specs).enumerate() {
        if i >= 64 || broken >> i & 1 == 0 {
            tr.false_since = None;
            continue;
        }
        if tr.false_since.is_none() {
            tr.false_since = Some((now, cause));
        }
        if spec.kind == CheckKind::Always && tr.first_violation.is_none() {
            let reason = why(i);
            violated.push(format!("check \"{}\" violated: {reason}", spec.name));
            tr.first_violation = Some(Violation {
                at: now,
                event: cause,
                reason,
            });
        }
    }
    violated
}

/// Which snapshot to drop, if there are more than `max` of them: of those
/// more than `dense` before `now` (all of them if none is), the one whose
/// neighbours are closest together relative to its distance from `now`.
/// The first and the newest are never dropped. Spacing then grows in
/// proportion to age: a long run keeps a logarithmic number of
/// snapshots, and a seek far back replays a bounded fraction of the way.
/// Ties go to the oldest, so thinning is the same on every run. Not
/// generic, so it exists once in the wasm.
#[inline(never)]
fn thinnest(times: &[Time], max: usize, now: Time, dense: Time) -> Option<usize> {
    if times.len() <= max.max(2) {
        return None;
    }
    let pick = |outside_only: bool| {
        let mut best: Option<(usize, Time, Time)> = None;
        for i in 1..times.len() - 1 {
            let age = now.saturating_sub(times[i]);
            if outside_only && age <= dense {
                continue;
            }
            let age = age.max(1);
            let gap = times[i + 1] - times[i - 1];
            // gap / age < best_gap / best_age, in integers.
            let better = best
                .is_none_or(|(_, g, a)| (gap as u128) * (a as u128) < (g as u128) * (age as u128));
            if better {
                best = Some((i, gap, age));
            }
        }
        best.map(|(i, _, _)| i)
    };
    pick(true).or_else(|| pick(false))
}

/// The status of every check now (see [`Sim::check_status`]); `why(i)`
/// words why check `i` is false now. Not generic.
#[inline(never)]
fn check_status(
    specs: &[CheckSpec],
    track: &Tracking,
    now: Time,
    settle: Time,
    why: &dyn Fn(usize) -> String,
) -> Vec<CheckStatus> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let tr = track.checks.get(i).cloned().unwrap_or_default();
            if spec.kind == CheckKind::Always {
                if let Some(v) = tr.first_violation {
                    return CheckStatus::Violated(v);
                }
            }
            let Some((since, event)) = tr.false_since else {
                return CheckStatus::Holds;
            };
            let reason = why(i);
            match (spec.kind, track.settled_since) {
                (CheckKind::Eventually, Some(settled)) if now >= settled.max(since) + settle => {
                    CheckStatus::Violated(Violation {
                        at: settled.max(since) + settle,
                        event,
                        reason,
                    })
                }
                _ => CheckStatus::Pending { since, reason },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{views_every, Sim, VIEWS_EVERY};
    use crate::sim::scenario::ViewStatus;
    use crate::sim::standing::{Noun, Place, Standing, Whereabouts};

    fn behind(n: u32) -> ViewStatus {
        ViewStatus {
            name: "Billing".into(),
            node: None,
            differing: 1,
            total: 100,
            unit: "customers",
            lag_since: Some(0),
            noun: Noun::new("reading", "readings"),
            standing: Standing::CatchingUp(Whereabouts::new().with(Place::Broker, n)),
        }
    }

    /// A frame built right after the runner read the views shows what it
    /// read (one standing analysis per refresh), and whatever changes the
    /// world since (an event, the clock, a command, a rewind) has the
    /// frame read them afresh: never a stale view.
    #[test]
    fn a_frame_shows_the_views_the_runner_just_read_and_never_stale_ones() {
        use crate::patterns::{AnyScenario, Pattern};
        use crate::sim::scenario::Scenario;
        use crate::sim::script::Command;
        let p = Pattern::all()
            .into_iter()
            .find(|p| p.slug() == "event-driven")
            .expect("the event-based pattern");
        let mut sim = Sim::new(p.scenario(), 7);
        let same = |sim: &Sim<AnyScenario>| {
            let env = sim.world.env();
            assert_eq!(sim.views_now(&env), sim.world.model.views(&env));
        };
        let (mut reused, mut read) = (0, 0);
        for i in 0..3_000 {
            if i == 1_500 {
                let id = sim.world.info.actions[0].id.to_string();
                sim.apply(Command::Action { id })
                    .expect("a workload action");
                assert!(
                    sim.views_seen.is_some(),
                    "a command reads the views at once"
                );
                same(&sim);
            }
            sim.step();
            same(&sim);
            if sim.views_seen.is_some() {
                reused += 1;
            } else {
                read += 1;
            }
        }
        assert!(reused > 100 && read > 100, "{reused} reused, {read} read");
        // The clock moving on with no event changes what lags show.
        while sim.views_seen.is_none() {
            sim.step();
        }
        let next = sim.world.core.next_event_time().expect("more to come");
        if next > sim.now() + 1 {
            sim.run_until(sim.now() + 1);
            assert!(sim.views_seen.is_none(), "the clock moved");
            same(&sim);
        }
        sim.rewind_to(1_000);
        assert!(sim.views_seen.is_none(), "a rewind restores another world");
        same(&sim);
    }

    /// A small backlog keeps the views' full rate; a large one spaces
    /// their readings out, by the total over every view, up to a second.
    #[test]
    fn the_views_are_read_less_often_the_more_they_must_locate() {
        assert_eq!(views_every(&[]), VIEWS_EVERY);
        assert_eq!(views_every(&[behind(999)]), VIEWS_EVERY);
        assert_eq!(views_every(&[behind(600), behind(600)]), 2 * VIEWS_EVERY);
        assert_eq!(views_every(&[behind(4_500)]), 5 * VIEWS_EVERY);
        assert_eq!(views_every(&[behind(13_000), behind(40_000)]), 1_000);
    }
}
