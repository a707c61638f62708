//! Long scripts: a learner busy for the whole of a run, up to the largest
//! link the app accepts ([`MAX_SCRIPT`] actions, playhead at [`MAX_TIME`]).
//! Shared by the native replay tests and the utility that prints the
//! largest links for the browser benchmarks.

#![allow(dead_code)]

use converge::patterns::Pattern;
use converge::share::{Scene, MAX_SCRIPT, MAX_TIME};
use converge::sim::{Command, NodeId, ScriptEntry, Time};

/// `n` learner actions evenly spread before `until` (in a fixed
/// pseudo-random order): mostly the pattern's workload actions, with a
/// crash of a service the canvas lets crash, restarted three actions
/// later, and a cut link, healed four actions later, now and then.
pub fn long_script(p: Pattern, n: u32, until: Time) -> Vec<ScriptEntry> {
    let probe = p.start(1);
    let info = probe.info();
    let topo = probe.topology();
    let actions: Vec<&str> = info.actions.iter().map(|a| a.id).collect();
    let crashable: Vec<NodeId> = topo
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.crashable)
        .map(|(i, _)| NodeId(u16::try_from(i).expect("few nodes")))
        .collect();
    let edges = topo.edges.clone();
    // Repairs due: (action index, command).
    let mut repairs: Vec<(u32, Command)> = Vec::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |k: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((state >> 33) % k as u64).expect("small")
    };
    (0..n)
        .map(|i| {
            let at = (u64::from(i) + 1) * until / (u64::from(n) + 1);
            let due = repairs.iter().position(|(when, _)| *when <= i);
            let roll = next(10);
            let cmd = if let Some(k) = due {
                repairs.remove(k).1
            } else if roll == 6 && repairs.is_empty() && !crashable.is_empty() {
                let node = crashable[next(crashable.len())];
                repairs.push((i + 3, Command::Restart { node }));
                Command::Crash { node }
            } else if roll == 7 && repairs.is_empty() && !edges.is_empty() {
                let (a, b) = edges[next(edges.len())];
                repairs.push((i + 4, Command::Heal { a, b }));
                Command::Partition { a, b }
            } else {
                Command::Action {
                    id: actions[next(actions.len())].to_string(),
                }
            };
            ScriptEntry::at(at, cmd)
        })
        .collect()
}

/// The largest link the app accepts for `p`: [`MAX_SCRIPT`] actions over
/// ten minutes, the playhead at [`MAX_TIME`].
pub fn largest_scene(p: Pattern) -> Scene {
    Scene {
        pattern: p,
        seed: 17,
        speed: 16.0,
        at: MAX_TIME,
        lesson_step: None,
        script: long_script(p, MAX_SCRIPT as u32, MAX_TIME),
        twin: None,
    }
}
