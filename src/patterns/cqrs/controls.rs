//! The app's controls, each written once: its id (what share links, scene
//! files and lessons name), its words, its default and what it changes.
//! The engine hands the pattern only ids it listed in
//! [`Cqrs::scenario_info`], so every match below is exhaustive.

use super::*;

/// A mitigation or option the learner turns on or off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Toggle {
    /// Queries carry the version of the client's last write.
    ReadYourWrites,
    /// The client shows its change before it is confirmed.
    OptimisticUi,
    /// Projectors skip event versions they applied.
    IdempotentProjection,
    /// A poison record stops the projection.
    StopOnPoison,
    /// The client works on its own.
    Workload,
}

impl Toggle {
    /// Every toggle, in the panel's order.
    pub const ALL: [Toggle; 5] = [
        Toggle::ReadYourWrites,
        Toggle::OptimisticUi,
        Toggle::IdempotentProjection,
        Toggle::StopOnPoison,
        Toggle::Workload,
    ];

    /// Its id, words and default.
    pub fn spec(self) -> ToggleSpec {
        let (id, label, help, default) = match self {
            Toggle::ReadYourWrites => ("read_your_writes", "Read-your-writes", "Queries carry the version of the client's last write; a read model behind it waits (or the write model answers).", false),
            Toggle::OptimisticUi => ("optimistic_ui", "Optimistic UI", "The client shows its change at once, before the command is confirmed (and takes it back if rejected).", false),
            Toggle::IdempotentProjection => ("idempotent_projection", "Idempotent projection", "Projectors remember applied event versions and skip repeats.", true),
            Toggle::StopOnPoison => ("stop_on_poison", "Stop on poison", "A record the projector cannot read stops the projection, instead of going to the dead-letter log.", false),
            Toggle::Workload => ("workload", "Client", "The client issues a command (then a query) every interval.", true),
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
    /// Time between the client's commands (ms).
    CommandEvery,
    /// How long projectors collect events before applying them (ms).
    ProjectorDelay,
    /// How long a query waits for a lagging read model (ms).
    RywTimeout,
}

impl Setting {
    /// Every setting, in the panel's order.
    pub const ALL: [Setting; 3] = [
        Setting::CommandEvery,
        Setting::ProjectorDelay,
        Setting::RywTimeout,
    ];

    /// Its id, words, range and default.
    pub fn spec(self) -> SettingSpec {
        let (id, label, help, min, max, default, unit) = match self {
            Setting::CommandEvery => (
                "command_every",
                "Command interval",
                "Time between the client's commands.",
                300,
                20_000,
                2_000,
                " ms",
            ),
            Setting::ProjectorDelay => (
                "projector_delay",
                "Projector batch delay",
                "How long projectors collect events before applying them (the read models' lag).",
                0,
                10_000,
                1_000,
                " ms",
            ),
            Setting::RywTimeout => (
                "ryw_timeout",
                "Read-your-writes wait",
                "How long a query waits for a lagging read model before reading the write model.",
                200,
                10_000,
                2_500,
                " ms",
            ),
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
    /// The client deposits, then reads.
    Deposit,
    /// The client withdraws, then reads.
    Withdraw,
    /// A record no projector can read.
    PoisonEvent,
    /// The balances view replays the log from offset 0.
    Rebuild,
    /// The leaderboard replays the log from offset 0.
    RebuildLeaderboard,
}

impl Action {
    /// Every action, in the panel's order.
    pub const ALL: [Action; 5] = [
        Action::Deposit,
        Action::Withdraw,
        Action::PoisonEvent,
        Action::Rebuild,
        Action::RebuildLeaderboard,
    ];

    /// Its id and words.
    pub fn spec(self) -> ActionSpec {
        let (id, label, help) = match self {
            Action::Deposit => ("deposit", "Deposit", "The client deposits into a random account, then reads its balance."),
            Action::Withdraw => ("withdraw", "Withdraw", "The client withdraws from a random account (rejected if the balance is too low), then reads."),
            Action::PoisonEvent => ("poison_event", "Poison event", "Append a record no projector can read."),
            Action::Rebuild => ("rebuild", "Rebuild balances", "Clear the balances view and replay the event log from offset 0."),
            Action::RebuildLeaderboard => ("rebuild_leaderboard", "Rebuild leaderboard", "Clear the leaderboard and replay the event log from offset 0."),
        };
        ActionSpec { id, label, help }
    }
}

impl Cqrs {
    pub(super) fn scenario_info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "cqrs",
            title: "CQRS: a write model, projections and read models",
            toggles: Toggle::ALL.map(Toggle::spec).to_vec(),
            settings: Setting::ALL.map(Setting::spec).to_vec(),
            actions: Action::ALL.map(Action::spec).to_vec(),
            checks: CHECKS.iter().map(Check::spec).collect(),
        }
    }

    /// Sets what toggle `t` controls (no side effects: a fresh app's
    /// defaults are set this way too).
    pub(super) fn set_toggle(&mut self, t: Toggle, on: bool) {
        match t {
            Toggle::ReadYourWrites => self.read_your_writes = on,
            Toggle::OptimisticUi => self.optimistic_ui = on,
            Toggle::IdempotentProjection => self.idempotent_projection = on,
            Toggle::StopOnPoison => self.stop_on_poison = on,
            Toggle::Workload => self.workload = on,
        }
    }

    /// Sets what setting `s` controls (no side effects).
    pub(super) fn set_setting(&mut self, s: Setting, value: i64) {
        let v = value.max(0) as Time;
        match s {
            Setting::CommandEvery => self.command_every = v,
            Setting::ProjectorDelay => self.projector_delay = v,
            Setting::RywTimeout => self.ryw_timeout = v,
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
            Toggle::StopOnPoison => {
                if !on {
                    self.resume_stopped(ctx);
                }
            }
            Toggle::Workload => self.arm_workload(ctx),
            Toggle::ReadYourWrites | Toggle::OptimisticUi | Toggle::IdempotentProjection => {}
        }
    }

    /// With stop-on-poison off, a projection stopped at a poison record
    /// resumes (the record goes to the dead-letter log).
    fn resume_stopped(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        for node in [BALANCES, LEADERBOARD] {
            if self.projection(node).stopped && ctx.is_up(node) {
                ctx.act_as(node);
                self.projection_mut(node).stopped = false;
                ctx.write(format!(
                    "{}: resumed; the poison record goes to the dead-letter log",
                    view_name(node)
                ));
                ctx.resume_group(group_of(node));
            }
        }
    }

    pub(super) fn set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        let Some(s) = by_id(&Setting::ALL, id, |s| s.spec().id) else {
            return;
        };
        self.set_setting(s, value);
        match s {
            Setting::CommandEvery => self.arm_workload(ctx),
            Setting::ProjectorDelay | Setting::RywTimeout => {}
        }
    }

    pub(super) fn act(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        let Some(a) = by_id(&Action::ALL, id, |a| a.spec().id) else {
            return;
        };
        match a {
            Action::Deposit => self.command(ctx, true),
            Action::Withdraw => self.command(ctx, false),
            Action::PoisonEvent => {
                // The command side appends it; while it is down, nothing.
                if ctx.is_up(COMMANDS) {
                    ctx.act_as(COMMANDS);
                    self.write.poisons += 1;
                    let id = self.write.poisons;
                    ctx.note(format!(
                        "poison record #{id} appended: no projector can read it"
                    ));
                    ctx.publish(ACCOUNT_EVENTS, None, Msg::Poison { id });
                }
            }
            Action::Rebuild => self.rebuild(ctx, BALANCES),
            Action::RebuildLeaderboard => self.rebuild(ctx, LEADERBOARD),
        }
    }
}

crate::patterns::control::milestones! {
    /// The moments of CQRS a lesson may ask about.
    /// Lesson files name them (`{ "happened": "read_waits", "of": 1 }`);
    /// the trace stores the code, so no judge reads an event's words.
    enum Milestone {
        /// A read waited for its model to catch up.
        ReadWaits => "read_waits" of "version",
        /// A projector resumed from its checkpoint.
        ProjectionResumed => "projection_resumed" of "version",
        /// A projector skipped an event it had applied.
        AlreadyApplied => "already_applied" of "version",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timer_reads_back_from_its_tag() {
        crate::patterns::control::assert_timers_round_trip(&[
            Timer::Command,
            Timer::Republish,
            Timer::ReadYourWrites(0),
            Timer::ReadYourWrites(9),
            Timer::Apply,
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
        let app = Cqrs::default();
        assert!(!app.read_your_writes && !app.optimistic_ui && app.idempotent_projection);
        assert!(!app.stop_on_poison && app.workload);
        assert_eq!(
            [app.command_every, app.projector_delay, app.ryw_timeout],
            [2_000, 1_000, 2_500]
        );
    }

    #[test]
    fn every_milestone_has_its_code_and_a_name_of_its_own() {
        crate::patterns::control::assert_milestones_are_sound(Milestone::ALL, Milestone::spec);
    }
}
