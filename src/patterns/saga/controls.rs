//! The saga's controls, each written once: its id (what share links,
//! scene files and lessons name; links store its position in
//! [`Toggle::ALL`], [`Setting::ALL`] and [`Action::ALL`], so new ones go at
//! the end), its words, its default and what it changes. The engine hands
//! the pattern only ids it listed in [`Saga::scenario_info`], so every id
//! that arrives is one of these and every match below is exhaustive.

use super::*;

/// A mitigation or option the learner turns on or off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Toggle {
    /// Services react to each other's events instead of the orchestrator.
    Choreography,
    /// Requests and replies deduplicated by saga id + step.
    Idempotent,
    /// Orders in a running saga show PENDING and reports skip them.
    SemanticLock,
    /// Customers place orders on their own.
    Workload,
}

impl Toggle {
    /// Every toggle, in the order links number them.
    pub const ALL: [Toggle; 4] = [
        Toggle::Choreography,
        Toggle::Idempotent,
        Toggle::SemanticLock,
        Toggle::Workload,
    ];

    /// Its id, words and default.
    pub fn spec(self) -> ToggleSpec {
        let (id, label, help, default) = match self {
            Toggle::Choreography => ("choreography", "Choreography", "Services react to each other's events on the broker instead of following the orchestrator.", false),
            Toggle::Idempotent => ("idempotent", "Idempotency keys", "Replies and requests are deduplicated by saga id + step, so a repeat does nothing twice.", true),
            Toggle::SemanticLock => ("semantic_lock", "Semantic lock", "Orders in a running saga show PENDING and the sales report skips them.", false),
            Toggle::Workload => ("workload", "Customers", "Customers place an order every interval.", true),
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
    /// Time between customers' orders (ms).
    OrderEvery,
    /// Odds that the Payment step fails (%).
    Declined,
    /// Odds that the Inventory step fails (%).
    OutOfStock,
    /// Odds that the Shipping step fails (%).
    NoCourier,
    /// Odds that one attempt at a compensation fails (%).
    CompensationFail,
    /// How long the orchestrator waits for a reply (ms).
    StepTimeout,
}

impl Setting {
    /// Every setting, in the order links number them.
    pub const ALL: [Setting; 6] = [
        Setting::OrderEvery,
        Setting::Declined,
        Setting::OutOfStock,
        Setting::NoCourier,
        Setting::CompensationFail,
        Setting::StepTimeout,
    ];

    /// Its id, words, range and default.
    pub fn spec(self) -> SettingSpec {
        let (id, label, help, min, max, default, unit) = match self {
            Setting::OrderEvery => (
                "order_every",
                "Order interval",
                "Time between customers' orders.",
                300,
                20_000,
                2_000,
                " ms",
            ),
            Setting::Declined => (
                "declined",
                "Card declined",
                "Odds that the Payment step fails.",
                0,
                100,
                10,
                "%",
            ),
            Setting::OutOfStock => (
                "out_of_stock",
                "Out of stock",
                "Odds that the Inventory step fails (it also fails when stock runs out).",
                0,
                100,
                10,
                "%",
            ),
            Setting::NoCourier => (
                "no_courier",
                "No courier",
                "Odds that the Shipping step fails.",
                0,
                100,
                10,
                "%",
            ),
            Setting::CompensationFail => (
                "compensation_fail",
                "Compensation fails",
                "Odds that one attempt at a compensation fails (it is retried).",
                0,
                90,
                20,
                "%",
            ),
            Setting::StepTimeout => (
                "step_timeout",
                "Step timeout",
                "How long the orchestrator waits for a reply before asking again.",
                200,
                10_000,
                1_000,
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
    /// A customer places one order now.
    PlaceOrder,
}

impl Action {
    /// Every action, in the order links number them.
    pub const ALL: [Action; 1] = [Action::PlaceOrder];

    /// Its id and words.
    pub fn spec(self) -> ActionSpec {
        match self {
            Action::PlaceOrder => ActionSpec {
                id: "place_order",
                label: "Place an order",
                help: "A customer places one order now.",
            },
        }
    }
}

impl Saga {
    pub(super) fn scenario_info(&self) -> ScenarioInfo {
        ScenarioInfo {
            id: "saga",
            title: "Sagas: placing an order across four services",
            toggles: Toggle::ALL.map(Toggle::spec).to_vec(),
            settings: Setting::ALL.map(Setting::spec).to_vec(),
            actions: Action::ALL.map(Action::spec).to_vec(),
            checks: CHECKS.iter().map(Check::spec).collect(),
        }
    }

    /// Sets what toggle `t` controls (no side effects: the defaults of a
    /// fresh saga are set this way too).
    pub(super) fn set_toggle(&mut self, t: Toggle, on: bool) {
        match t {
            Toggle::Choreography => self.choreography = on,
            Toggle::Idempotent => self.idempotent = on,
            Toggle::SemanticLock => self.semantic_lock = on,
            Toggle::Workload => self.workload = on,
        }
    }

    /// Sets what setting `s` controls (no side effects).
    pub(super) fn set_setting(&mut self, s: Setting, value: i64) {
        let v = value.max(0) as u64;
        let pct = v as u16;
        match s {
            Setting::OrderEvery => self.order_every = v,
            Setting::Declined => self.declined_pct = pct,
            Setting::OutOfStock => self.out_of_stock_pct = pct,
            Setting::NoCourier => self.no_courier_pct = pct,
            Setting::CompensationFail => self.compensation_fail_pct = pct,
            Setting::StepTimeout => self.step_timeout = v,
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
        if t == Toggle::Workload {
            self.arm_workload(ctx);
        }
    }

    pub(super) fn set(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str, value: i64) {
        let Some(s) = by_id(&Setting::ALL, id, |s| s.spec().id) else {
            return;
        };
        self.set_setting(s, value);
        if s == Setting::OrderEvery {
            self.arm_workload(ctx);
        }
    }

    pub(super) fn act(&mut self, ctx: &mut Ctx<'_, AnyMsg>, id: &str) {
        match by_id(&Action::ALL, id, |a| a.spec().id) {
            Some(Action::PlaceOrder) => self.place_order(ctx),
            None => {}
        }
    }
}

crate::patterns::control::milestones! {
    /// The moments of a saga a lesson may ask about.
    /// Lesson files name them (`{ "happened": "order_approved", "of": 1 }`);
    /// the trace stores the code, so no judge reads an event's words.
    enum Milestone {
        /// The order was approved.
        OrderApproved => "order_approved" of "order",
        /// The order was cancelled.
        OrderCancelled => "order_cancelled" of "order",
        /// Payment refunded a charge.
        Refunded => "refunded" of "saga",
        /// Inventory released reserved stock.
        Released => "released" of "saga",
        /// The orchestrator ignored a repeated reply.
        DuplicateReply => "duplicate_reply" of "saga",
        /// The orchestrator resumed a saga from its log.
        Resumed => "saga_resumed" of "saga",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timer_reads_back_from_its_tag() {
        crate::patterns::control::assert_timers_round_trip(&[
            Timer::Order,
            Timer::Report,
            Timer::Step(0),
            Timer::Step(7),
            Timer::Retry,
        ]);
    }

    #[test]
    fn every_control_is_found_by_its_own_id_and_no_id_is_used_twice() {
        crate::patterns::control::assert_controls_are_sound(
            &Toggle::ALL,
            Toggle::spec,
            &Setting::ALL,
            Setting::spec,
            &Action::ALL,
            Action::spec,
        );
    }

    #[test]
    fn a_fresh_saga_starts_at_every_spec_default() {
        let saga = Saga::default();
        assert!(!saga.choreography && saga.idempotent && !saga.semantic_lock && saga.workload);
        assert_eq!(
            [saga.order_every as i64, saga.step_timeout as i64],
            [
                Setting::OrderEvery.spec().default,
                Setting::StepTimeout.spec().default
            ]
        );
        assert_eq!(
            [
                saga.declined_pct,
                saga.out_of_stock_pct,
                saga.no_courier_pct,
                saga.compensation_fail_pct
            ],
            [10, 10, 10, 20]
        );
    }

    #[test]
    fn every_milestone_has_its_code_and_a_name_of_its_own() {
        crate::patterns::control::assert_milestones_are_sound(Milestone::ALL, Milestone::spec);
    }
}
