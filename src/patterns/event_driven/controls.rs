//! The grid's controls, each written once: its id (what share links,
//! scene files and lessons name), its words, its default and what it
//! changes. The engine hands the pattern only ids it listed in
//! [`PowerGrid::scenario_info`], so every match below is exhaustive.

use super::*;

/// A mitigation or option the learner turns on or off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Toggle {
    /// The reading and an outbox row in one transaction, published by a relay.
    Outbox,
    /// Billing ignores readings it has processed.
    Idempotent,
    /// Readings of a meter go to one partition.
    Keyed,
    /// The broker commits before a consumer processes.
    AtMostOnce,
    /// Meters report on their own.
    Workload,
}

impl Toggle {
    /// Every toggle, in the panel's order.
    pub const ALL: [Toggle; 5] = [
        Toggle::Outbox,
        Toggle::Idempotent,
        Toggle::Keyed,
        Toggle::AtMostOnce,
        Toggle::Workload,
    ];

    /// Its id, words and default.
    pub fn spec(self) -> ToggleSpec {
        let (id, label, help, default) = match self {
            Toggle::Outbox => ("outbox", "Transactional outbox", "Save the reading and an outbox row in one transaction; a relay publishes the row, even after a crash. Off: save, then publish in a second step (a dual write).", true),
            Toggle::Idempotent => ("idempotent", "Idempotent consumer", "Billing keeps a table of processed reading ids and ignores duplicates and redeliveries.", true),
            Toggle::Keyed => ("keyed", "Partition by meter id", "All readings of a meter go to the same partition, so they arrive in order. Off: random partitions.", true),
            Toggle::AtMostOnce => ("at_most_once", "At-most-once delivery", "The broker commits before a consumer processes: a consumer crash loses readings. Off: at-least-once (redeliver until acked).", false),
            Toggle::Workload => ("workload", "Meters report", "Meters send readings periodically. Turn off to let things settle.", true),
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
    /// Time between rounds of readings (ms).
    Interval,
    /// Meters reporting in each round.
    PerTick,
    /// Without the outbox, time between saving and publishing (ms).
    PublishDelay,
    /// How often Analytics processes its queue (ms).
    AnalyticsEvery,
    /// Price of energy (¢/kWh).
    Tariff,
}

impl Setting {
    /// Every setting, in the panel's order.
    pub const ALL: [Setting; 5] = [
        Setting::Interval,
        Setting::PerTick,
        Setting::PublishDelay,
        Setting::AnalyticsEvery,
        Setting::Tariff,
    ];

    /// Its id, words, range and default.
    pub fn spec(self) -> SettingSpec {
        let (id, label, help, min, max, default, unit) = match self {
            Setting::Interval => ("interval", "Reporting interval", "Time between rounds of readings.", 200, 10_000, 1_000, " ms"),
            Setting::PerTick => ("per_tick", "Meters per round", "How many meters report in each round.", 1, METERS as i64, 3, ""),
            Setting::PublishDelay => ("publish_delay", "Dual-write gap", "Without the outbox: time between saving a reading and publishing it (a crash in between loses the event).", 0, 5_000, 150, " ms"),
            Setting::AnalyticsEvery => ("analytics_every", "Analytics batch interval", "Analytics processes its queued readings this often, so it lags on purpose.", 500, 30_000, 4_000, " ms"),
            Setting::Tariff => ("tariff", "Tariff", "Price of energy.", 1, 200, 30, " ¢/kWh"),
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
    /// One random meter reports now.
    Reading,
    /// Every meter reports at once.
    Burst,
}

impl Action {
    /// Every action, in the panel's order.
    pub const ALL: [Action; 2] = [Action::Reading, Action::Burst];

    /// Its id and words.
    pub fn spec(self) -> ActionSpec {
        let (id, label, help) = match self {
            Action::Reading => ("reading", "Send a reading", "One random meter reports now."),
            Action::Burst => (
                "burst",
                "Burst of readings",
                "Every meter reports at once (24 readings).",
            ),
        };
        ActionSpec { id, label, help }
    }
}

impl PowerGrid {
    pub(super) fn scenario_info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "event-driven",
            title: "Event-based consistency: a smart power grid",
            toggles: Toggle::ALL.map(Toggle::spec).to_vec(),
            settings: Setting::ALL.map(Setting::spec).to_vec(),
            actions: Action::ALL.map(Action::spec).to_vec(),
            checks: CHECKS.iter().map(Check::spec).collect(),
        }
    }

    /// Sets what toggle `t` controls (no side effects: a fresh grid's
    /// defaults are set this way too).
    pub(super) fn set_toggle(&mut self, t: Toggle, on: bool) {
        match t {
            Toggle::Outbox => self.outbox = on,
            Toggle::Idempotent => self.idempotent = on,
            Toggle::Keyed => self.keyed = on,
            Toggle::AtMostOnce => self.at_most_once = on,
            Toggle::Workload => self.workload = on,
        }
    }

    /// Sets what setting `s` controls (no side effects).
    pub(super) fn set_setting(&mut self, s: Setting, value: i64) {
        match s {
            Setting::Interval => self.interval = value as Time,
            Setting::PerTick => self.per_tick = value as u16,
            Setting::PublishDelay => self.publish_delay = value as Time,
            Setting::AnalyticsEvery => self.analytics_every = value as Time,
            Setting::Tariff => self.tariff = value as u64,
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
            Toggle::AtMostOnce => {
                let d = if on {
                    Delivery::AtMostOnce
                } else {
                    Delivery::AtLeastOnce
                };
                for g in [BILLING_GROUP, LOAD_GROUP, ANALYTICS_GROUP] {
                    ctx.set_delivery(g, d);
                }
            }
            Toggle::Workload => self.arm_workload(ctx),
            Toggle::Outbox | Toggle::Idempotent | Toggle::Keyed => {}
        }
    }

    pub(super) fn set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        let Some(s) = by_id(&Setting::ALL, id, |s| s.spec().id) else {
            return;
        };
        self.set_setting(s, value);
        match s {
            Setting::Interval => {
                if self.workload_timer.is_some() {
                    self.arm_workload(ctx);
                }
            }
            Setting::AnalyticsEvery => {
                if self.analytics_timer.is_some() {
                    self.arm_analytics(ctx);
                }
            }
            Setting::PerTick | Setting::PublishDelay | Setting::Tariff => {}
        }
    }

    pub(super) fn act(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        let Some(a) = by_id(&Action::ALL, id, |a| a.spec().id) else {
            return;
        };
        if !ctx.is_up(METER) {
            ctx.note("the Meter service is down: no reading can be stored");
            return;
        }
        match a {
            Action::Reading => {
                let m = ctx.rng().between(1, METERS as u64) as u16;
                self.take_reading(ctx, m);
            }
            Action::Burst => {
                for m in 1..=METERS {
                    self.take_reading(ctx, m);
                }
            }
        }
    }
}

crate::patterns::control::milestones! {
    /// The moments of the power grid a lesson may ask about.
    /// Lesson files name them (`{ "happened": "duplicate_ignored", "of": 1 }`);
    /// the trace stores the code, so no judge reads an event's words.
    enum Milestone {
        /// A consumer ignored a reading it already had.
        DuplicateIgnored => "duplicate_ignored" of "reading",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timer_reads_back_from_its_tag() {
        crate::patterns::control::assert_timers_round_trip(&[
            Timer::Workload,
            Timer::Relay,
            Timer::Analytics,
            Timer::Publish(0),
            Timer::Publish(41),
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
        let grid = PowerGrid::default();
        assert!(
            grid.outbox && grid.idempotent && grid.keyed && !grid.at_most_once && grid.workload
        );
        assert_eq!(
            [
                grid.interval,
                grid.publish_delay,
                grid.analytics_every,
                grid.tariff
            ],
            [1_000, 150, 4_000, 30]
        );
        assert_eq!(grid.per_tick, 3);
    }

    #[test]
    fn every_milestone_has_its_code_and_a_name_of_its_own() {
        crate::patterns::control::assert_milestones_are_sound(Milestone::ALL, Milestone::spec);
    }
}
