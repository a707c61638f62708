//! Shared by the native and the browser determinism tests: one faulty run
//! per pattern, reduced to a hash of its whole trace.

use converge::patterns::Pattern;
use converge::sim::{Command, NodeId, ScriptEntry};

/// FNV-1a, 64 bits: tiny and the same everywhere.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A run with a crash, a partition and a heal, on every pattern's first
/// crashable non-broker node and its first edge.
pub fn trace_hash(p: Pattern, seed: u64) -> (u64, u64) {
    let probe = p.start(seed);
    let topo = probe.topology();
    let victim = topo
        .nodes
        .iter()
        .position(|n| n.crashable && Some(NodeId(0)) != topo.broker && n.name != "Broker")
        .map(|i| NodeId(i as u16))
        .unwrap_or(NodeId(0));
    let (a, b) = topo.edges[0];
    let script = vec![
        ScriptEntry::at(3_000, Command::Crash { node: victim }),
        ScriptEntry::at(4_500, Command::Partition { a, b }),
        ScriptEntry::at(6_000, Command::Restart { node: victim }),
        ScriptEntry::at(8_000, Command::Heal { a, b }),
    ];
    let mut run = p.replay(seed, script).expect("valid script");
    run.run_until(20_000);
    (fnv1a(run.trace_json().as_bytes()), run.processed())
}

/// The golden file: `slug hash processed` per line.
pub const GOLDEN: &str = include_str!("../golden/traces.txt");

/// The expected (hash, processed) for a pattern, from the golden file.
pub fn golden(p: Pattern) -> Option<(u64, u64)> {
    GOLDEN.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next()? == p.slug()).then(|| {
            Some((
                u64::from_str_radix(it.next()?, 16).ok()?,
                it.next()?.parse().ok()?,
            ))
        })?
    })
}
