//! The app runs every pattern as one `Sim<AnyScenario>` (so the engine is
//! compiled once). Run that way, each pattern must behave exactly as it
//! does on its own: the same trace, the same frame, for the same seed and
//! script. Every lesson step's setup serves as a script with faults,
//! toggles and actions.

use converge::lessons;
use converge::patterns::{background_sync, cqrs, event_driven, saga, Pattern};
use converge::sim::{Playground, ScriptEntry, Sim};

/// The pattern run on its own type, not through `AnyScenario`.
fn alone(p: Pattern, seed: u64, script: Vec<ScriptEntry>) -> Box<dyn Playground> {
    match p {
        Pattern::EventDriven => {
            Box::new(Sim::with_script(event_driven::PowerGrid::default(), seed, script).unwrap())
        }
        Pattern::BackgroundSync => Box::new(
            Sim::with_script(background_sync::BackgroundSync::default(), seed, script).unwrap(),
        ),
        Pattern::Saga => Box::new(Sim::with_script(saga::Saga::default(), seed, script).unwrap()),
        Pattern::Cqrs => Box::new(Sim::with_script(cqrs::Cqrs::default(), seed, script).unwrap()),
    }
}

#[test]
fn every_pattern_runs_the_same_through_the_shared_scenario_type() {
    for lesson in lessons::all() {
        for (i, step) in lesson.steps.iter().enumerate() {
            let seed = lesson.seed_of(i);
            let until = step.run_for + 20_000;
            let mut shared = lesson.pattern.replay(seed, step.setup.clone()).unwrap();
            let mut own = alone(lesson.pattern, seed, step.setup.clone());
            shared.run_until(until);
            own.run_until(until);
            let what = format!("{} step {}", lesson.pattern.slug(), i + 1);
            assert!(own.processed() > 0, "{what}: nothing happened");
            assert_eq!(shared.processed(), own.processed(), "{what}");
            assert_eq!(shared.trace_json(), own.trace_json(), "{what}");
            assert_eq!(shared.frame(), own.frame(), "{what}");
            assert_eq!(shared.tables(), own.tables(), "{what}");
            assert_eq!(shared.info(), own.info(), "{what}");
        }
    }
}
