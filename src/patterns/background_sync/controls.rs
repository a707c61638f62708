//! The sync's controls, each written once: its id (what share links,
//! scene files and lessons name), its words, its default and what it
//! changes. The engine hands the pattern only ids it listed in
//! [`BackgroundSync::scenario_info`], so every match below is exhaustive.

use super::*;

/// How the job finds what to copy: the `strategy` setting.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Copy every row each run.
    FullCopy,
    /// Copy rows whose `updated_at` is past the watermark.
    Watermark,
    /// Read the change log from a cursor.
    ChangeLog,
}

impl Strategy {
    /// Every strategy, by its setting value (its index: 0, 1, 2, as links
    /// and scene files have always written it).
    pub const ALL: [Strategy; 3] = [Strategy::FullCopy, Strategy::Watermark, Strategy::ChangeLog];

    /// The strategy a setting value names. Values are checked against the
    /// setting's range (0..=2) before they reach the pattern.
    pub fn from_value(value: i64) -> Strategy {
        usize::try_from(value)
            .ok()
            .and_then(|i| Self::ALL.get(i))
            .copied()
            .unwrap_or(Strategy::ChangeLog)
    }

    /// Its setting value.
    pub fn value(self) -> i64 {
        self as i64
    }

    /// Its name in the state tables.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::FullCopy => "full copy",
            Strategy::Watermark => "updated_at watermark",
            Strategy::ChangeLog => "change log",
        }
    }
}

/// The `strategy` setting's value for a full copy (what links carry).
pub const FULL_COPY: i64 = Strategy::FullCopy as i64;

/// The `strategy` setting's value for the `updated_at` watermark.
pub const WATERMARK: i64 = Strategy::Watermark as i64;

/// The `strategy` setting's value for the change log.
pub const CHANGE_LOG: i64 = Strategy::ChangeLog as i64;

/// A mitigation or option the learner turns on or off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Toggle {
    /// The job saves its position after each batch.
    Checkpoint,
    /// The warehouse takes writes too.
    TwoWay,
    /// Conflicting versions kept as siblings.
    Siblings,
    /// Accounts are edited on their own.
    Workload,
}

impl Toggle {
    /// Every toggle, in the panel's order.
    pub const ALL: [Toggle; 4] = [
        Toggle::Checkpoint,
        Toggle::TwoWay,
        Toggle::Siblings,
        Toggle::Workload,
    ];

    /// Its id, words and default.
    pub fn spec(self) -> ToggleSpec {
        let (id, label, help, default) = match self {
            Toggle::Checkpoint => ("checkpoint", "Checkpoint each batch", "The job saves its position after each batch and resumes from it after a crash or an aborted run. Off: it starts the run over.", true),
            Toggle::TwoWay => ("two_way", "Two-way sync", "The warehouse takes writes too and the job copies both ways (reading both sides' change logs, whatever the strategy).", false),
            Toggle::Siblings => ("siblings", "Keep conflicting versions", "Two-way: when both sides changed a row, keep both versions as siblings for a person to resolve. Off: last writer wins.", false),
            Toggle::Workload => ("workload", "Edits", "Accounts are edited at the source (and in the warehouse, with two-way sync). Turn off to let things settle.", true),
        };
        ToggleSpec {
            id,
            label,
            help,
            default,
        }
    }
}

/// A numeric setting.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// The [`Strategy`] (its value: 0, 1 or 2).
    Strategy,
    /// Time between runs (ms).
    Interval,
    /// Rows per batch.
    Batch,
    /// How far the source's clock is ahead of the job's (ms).
    Skew,
    /// Time between edits (ms).
    WriteEvery,
}

impl Setting {
    /// Every setting, in the panel's order.
    pub const ALL: [Setting; 5] = [
        Setting::Strategy,
        Setting::Interval,
        Setting::Batch,
        Setting::Skew,
        Setting::WriteEvery,
    ];

    /// Its id, words, range and default.
    pub fn spec(self) -> SettingSpec {
        let (id, label, help, min, max, default, unit) = match self {
            Setting::Strategy => ("strategy", "Strategy", "0 full copy, 1 updated_at watermark, 2 change log.", 0, 2, CHANGE_LOG, ""),
            Setting::Interval => ("interval", "Sync interval", "Time between runs of the job.", 500, 30_000, 3_000, " ms"),
            Setting::Batch => ("batch", "Batch size", "Rows the job reads and writes per batch.", 1, ACCOUNTS as i64, 4, " rows"),
            Setting::Skew => ("skew", "Source clock skew", "How far the source's clock is ahead of the job's (negative: behind). It stamps updated_at.", -10_000, 10_000, 0, " ms"),
            Setting::WriteEvery => ("write_every", "Edit interval", "Time between edits at the source.", 200, 10_000, 800, " ms"),
        };
        SettingSpec {
            id,
            label,
            help,
            min,
            max,
            default,
            unit,
        }
    }
}

/// A workload action.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Change one account at the source.
    Write,
    /// Two rows written with the same `updated_at`.
    Transfer,
    /// Two-way: account 3 changed on both sides at once.
    Concurrent,
    /// Start a run now.
    SyncNow,
    /// A person resolves every row with siblings.
    Resolve,
}

impl Action {
    /// Every action, in the panel's order.
    pub const ALL: [Action; 5] = [
        Action::Write,
        Action::Transfer,
        Action::Concurrent,
        Action::SyncNow,
        Action::Resolve,
    ];

    /// Its id and words.
    pub fn spec(self) -> ActionSpec {
        let (id, label, help) = match self {
            Action::Write => ("write", "Edit an account", "Change one account's balance at the source."),
            Action::Transfer => ("transfer", "Transfer", "Move money between two accounts: two rows written with the same updated_at."),
            Action::Concurrent => ("concurrent", "Edit on both sides", "Two-way: change account 3 at the source and in the warehouse at the same moment."),
            Action::SyncNow => ("sync_now", "Sync now", "Start a run of the job now."),
            Action::Resolve => ("resolve", "Resolve conflicts", "A person resolves every row with siblings at the source, keeping the larger balance."),
        };
        ActionSpec { id, label, help }
    }
}

impl BackgroundSync {
    pub(super) fn scenario_info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "background-sync",
            title: "Background sync: a source and its warehouse",
            toggles: Toggle::ALL.map(Toggle::spec).to_vec(),
            settings: Setting::ALL.map(Setting::spec).to_vec(),
            actions: Action::ALL.map(Action::spec).to_vec(),
            checks: CHECKS.iter().map(Check::spec).collect(),
        }
    }

    /// Sets what toggle `t` controls (no side effects: a fresh sync's
    /// defaults are set this way too).
    pub(super) fn set_toggle(&mut self, t: Toggle, on: bool) {
        match t {
            Toggle::Checkpoint => self.checkpoint_on = on,
            Toggle::TwoWay => self.two_way = on,
            Toggle::Siblings => self.siblings = on,
            Toggle::Workload => self.workload = on,
        }
    }

    /// Sets what setting `s` controls (no side effects).
    pub(super) fn set_setting(&mut self, s: Setting, value: i64) {
        match s {
            Setting::Strategy => self.strategy = Strategy::from_value(value),
            Setting::Interval => self.interval = value as Time,
            Setting::Batch => self.batch = value as u16,
            Setting::Skew => self.skew = value,
            Setting::WriteEvery => self.write_every = value as Time,
        }
    }

    /// Every toggle and setting at its default.
    pub(super) fn set_defaults(&mut self) {
        for t in Toggle::ALL {
            self.set_toggle(t, t.spec().default);
        }
        for s in Setting::ALL {
            self.set_setting(s, s.spec().default);
        }
    }

    pub(super) fn toggle(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, on: bool) {
        let Some(t) = by_id(&Toggle::ALL, id, |t| t.spec().id) else {
            return;
        };
        self.set_toggle(t, on);
        match t {
            Toggle::Checkpoint => {
                if !on {
                    self.checkpoint = None;
                }
            }
            Toggle::TwoWay => {
                self.arm(ctx, WAREHOUSE);
                for i in 0..ACCOUNTS as usize {
                    self.touch(i, ctx.now());
                }
            }
            Toggle::Siblings => {}
            Toggle::Workload => {
                self.arm(ctx, SOURCE);
                self.arm(ctx, WAREHOUSE);
            }
        }
    }

    pub(super) fn set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        let Some(s) = by_id(&Setting::ALL, id, |s| s.spec().id) else {
            return;
        };
        self.set_setting(s, value);
        match s {
            Setting::Strategy => {
                if self.strategy == Strategy::Watermark {
                    // Start the watermark at the last finished run.
                    self.committed_stamp = self.last_sync_at.map_or(0, |t| t as i64);
                }
            }
            Setting::Interval => self.arm(ctx, JOB),
            Setting::Batch | Setting::Skew => {}
            Setting::WriteEvery => {
                self.arm(ctx, SOURCE);
                self.arm(ctx, WAREHOUSE);
            }
        }
    }

    pub(super) fn action(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        let Some(a) = by_id(&Action::ALL, id, |a| a.spec().id) else {
            return;
        };
        let need = if a == Action::SyncNow { JOB } else { SOURCE };
        if !ctx.is_up(need) {
            ctx.note("that service is down");
            return;
        }
        match a {
            Action::Write => self.random_edit(ctx),
            Action::Transfer => self.transfer(ctx),
            Action::Concurrent => {
                if !self.two_way {
                    ctx.note(
                        "with one-way sync the warehouse is read-only; turn on two-way sync first",
                    );
                    return;
                }
                let stamp = self.source_clock(ctx.now());
                let b = self.src[2].balance + 20;
                self.source_write(ctx, 2, b, stamp, "edited at the source");
                if ctx.is_up(WAREHOUSE) {
                    let b = self.wh[2].balance - 30;
                    self.warehouse_write(ctx, 2, b);
                }
            }
            // A run under way goes on; Sync now does not start another.
            Action::SyncNow => {
                if self.run.is_none() {
                    self.start_run(ctx);
                }
            }
            Action::Resolve => {
                let stamp = self.source_clock(ctx.now());
                for i in 0..ACCOUNTS as usize {
                    if let Some(&max) = self.src[i].siblings.iter().max() {
                        self.source_write(
                            ctx,
                            i,
                            max,
                            stamp,
                            "conflict resolved by a person, keeping the larger balance",
                        );
                    }
                }
            }
        }
    }
}

crate::patterns::control::milestones! {
    /// The moments of background sync a lesson may ask about.
    /// Lesson files name them (`{ "happened": "resumed", "of": 1 }`);
    /// the trace stores the code, so no judge reads an event's words.
    enum Milestone {
        /// The job resumed a run from its checkpoint.
        Resumed => "resumed" of "run",
        /// The job lost its place and starts over.
        StartedOver => "started_over" of "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timer_reads_back_from_its_tag() {
        crate::patterns::control::assert_timers_round_trip(&[
            Timer::Tick,
            Timer::SourceEdit,
            Timer::WarehouseEdit,
            Timer::Timeout,
        ]);
    }

    #[test]
    fn every_control_is_found_by_its_own_id_and_starts_at_its_default() {
        crate::patterns::control::assert_controls_are_sound(
            &Toggle::ALL,
            Toggle::spec,
            &Setting::ALL,
            Setting::spec,
            &Action::ALL,
            Action::spec,
        );
        for s in Strategy::ALL {
            assert_eq!(
                Strategy::from_value(s.value()),
                s,
                "a strategy's value names it"
            );
        }
        let strategy = Setting::Strategy.spec();
        assert_eq!(
            (strategy.min, strategy.max),
            (0, Strategy::ALL.len() as i64 - 1)
        );
        let sync = BackgroundSync::default();
        assert!(sync.checkpoint_on && !sync.two_way && !sync.siblings && sync.workload);
        assert_eq!(
            (sync.strategy, sync.interval, sync.batch),
            (Strategy::ChangeLog, 3_000, 4)
        );
        assert_eq!((sync.skew, sync.write_every), (0, 800));
    }

    #[test]
    fn every_milestone_has_its_code_and_a_name_of_its_own() {
        crate::patterns::control::assert_milestones_are_sound(Milestone::ALL, Milestone::spec);
    }
}
