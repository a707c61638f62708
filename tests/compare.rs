//! Compare mode's engine half: two runs of one pattern and seed, one
//! difference, and the first event where they part ways.

use converge::patterns::event_driven::METER;
use converge::patterns::Pattern;
use converge::share::{Scene, SCENE_VERSION, SINGLE_RUN_VERSION};
use converge::sim::compare::{Agreed, Comparison, Divergence};
use converge::sim::standing::StandingKind;
use converge::sim::*;

fn grid_script(outbox: bool) -> Vec<ScriptEntry> {
    vec![
        ScriptEntry::at(
            0,
            Command::Toggle {
                id: "outbox".into(),
                on: outbox,
            },
        ),
        ScriptEntry::at(
            0,
            Command::Toggle {
                id: "workload".into(),
                on: false,
            },
        ),
        ScriptEntry::at(
            2_000,
            Command::Action {
                id: "reading".into(),
            },
        ),
        ScriptEntry::at(2_050, Command::Crash { node: METER }),
        ScriptEntry::at(3_000, Command::Restart { node: METER }),
    ]
}

fn grid(outbox: bool, until: Time) -> Box<dyn Playground> {
    let mut sim = Pattern::EventDriven.replay(3, grid_script(outbox)).unwrap();
    sim.run_until(until);
    sim
}

fn differs(a: &dyn Playground, b: &dyn Playground) -> Divergence {
    match a
        .compare(b, Agreed::default())
        .expect("runs of one pattern compare")
    {
        Comparison::Differs(d) => d,
        Comparison::Same(_) => panic!("the runs should differ"),
    }
}

#[test]
fn the_same_run_twice_never_differs() {
    let (a, b) = (grid(false, 25_000), grid(false, 25_000));
    assert!(matches!(
        a.compare(b.as_ref(), Agreed::default()),
        Some(Comparison::Same(_))
    ));
}

#[test]
fn with_and_without_the_outbox_part_ways_at_the_reading_and_end_apart() {
    let (a, b) = (grid(false, 25_000), grid(true, 25_000));
    let d = differs(a.as_ref(), b.as_ref());
    // The toggles at 0 s are the learner's commands, not a difference:
    // the runs part ways when the Meter handles the reading, before the
    // crash at 2.05 s.
    assert!((2_000..2_050).contains(&d.time), "{d:?}");
    let (ea, eb) = (d.a.unwrap(), d.b.unwrap());
    let (la, lb) = (a.line(ea).unwrap(), b.line(eb).unwrap());
    assert_ne!(la.text, lb.text);
    assert!(lb.text.to_lowercase().contains("outbox"), "{}", lb.text);
    assert_eq!(a.frame().standing(), StandingKind::Diverged);
    assert_eq!(b.frame().standing(), StandingKind::Converged);
}

#[test]
fn the_difference_is_found_the_same_in_steps_as_at_once() {
    let whole = differs(grid(false, 25_000).as_ref(), grid(true, 25_000).as_ref());
    let (mut a, mut b) = (grid(false, 0), grid(true, 0));
    let mut cursor = Agreed::default();
    let mut found = None;
    for t in (0..=25_000).step_by(100) {
        a.run_until(t);
        b.run_until(t);
        match a.compare(b.as_ref(), cursor).unwrap() {
            Comparison::Same(c) => cursor = c,
            Comparison::Differs(d) => {
                found = Some(d);
                break;
            }
        }
    }
    assert_eq!(found, Some(whole));
}

/// The pair of the test above as one scene: A without the outbox, B with.
fn pair() -> Scene {
    Scene {
        pattern: Pattern::EventDriven,
        seed: 3,
        at: 2_050,
        script: grid_script(false),
        twin: Some(grid_script(true)),
        ..Scene::default()
    }
}

#[test]
fn one_link_and_one_file_hold_both_runs_of_a_comparison() {
    let scene = pair();
    let code = scene.to_code();
    assert_eq!(Scene::open_code(&code), Ok(scene.clone()));
    assert_eq!(Scene::open_json(&scene.to_json()), Ok(scene.clone()));
    assert!(scene.summary().contains("compared with run B (5 actions)"));
    // A pair is version 2; a single run stays version 1, so every link
    // made before compare mode reads (and is written) as it was.
    assert_eq!(scene.to_bytes()[0] as u64, SCENE_VERSION);
    let single = Scene {
        twin: None,
        ..scene
    };
    assert_eq!(single.to_bytes()[0] as u64, SINGLE_RUN_VERSION);
    assert!(!single.to_json().contains("\"b\""));
    assert_eq!(Scene::open_code(&single.to_code()), Ok(single));
}

#[test]
fn a_pair_whose_run_b_is_wrong_names_run_b() {
    let mut scene = pair();
    if let Some(b) = scene.twin.as_mut() {
        b.push(ScriptEntry::at(3_500, Command::Crash { node: NodeId(99) }));
    }
    let e = Scene::open_code(&scene.to_code()).unwrap_err();
    assert_eq!(e.field, "b.script[5].cmd.node", "{e}");
    let e = Scene::open_json(&scene.to_json()).unwrap_err();
    assert_eq!(e.field, "b.script[5].cmd.node", "{e}");
    // A file whose run B is not an object says so.
    let text = pair()
        .to_json()
        .replacen("\"b\": {", "\"b\": [], \"c\": {", 1);
    let e = Scene::open_json(&text).unwrap_err();
    assert!(e.field == "b" || e.field == "c", "{e}");
}
