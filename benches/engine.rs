//! Engine throughput and seek cost, as a plain benchmark (`cargo bench`).
//! Prints numbers; asserts nothing about speed.

use converge::sim::demo::{Mesh, Ticker, TALLY};
use converge::sim::*;
use std::hint::black_box;
use std::time::Instant;

fn busy_world() -> Sim<Mesh> {
    let opts = SimOptions {
        trace_capacity: 100_000,
        ..Default::default()
    };
    Sim::with_options(
        Mesh {
            services: 20,
            messages: 1_000,
            handled: 0,
        },
        42,
        opts,
    )
}

fn throughput() {
    let mut best = 0.0f64;
    for round in 0..3 {
        let mut sim = busy_world();
        sim.run_until(100);
        let in_flight = sim.world().core.flight.len();
        let start = Instant::now();
        let before = sim.processed();
        let mut t = 100;
        while start.elapsed().as_secs_f64() < 1.0 {
            t += 500;
            // Faults on: links drop and duplicate (Mesh's defaults), and a
            // partition and a hold come and go.
            let phase = (t / 500) % 8;
            let _ = match phase {
                1 => sim.apply(Command::Partition {
                    a: NodeId(1),
                    b: NodeId(2),
                }),
                3 => sim.apply(Command::Heal {
                    a: NodeId(1),
                    b: NodeId(2),
                }),
                5 => sim.apply(Command::Hold {
                    from: NodeId(3),
                    to: NodeId(4),
                }),
                7 => sim.apply(Command::Release {
                    from: NodeId(3),
                    to: NodeId(4),
                }),
                _ => Ok(0),
            };
            sim.run_until(t);
        }
        let secs = start.elapsed().as_secs_f64();
        let events = sim.processed() - before;
        let rate = events as f64 / secs;
        best = best.max(rate);
        println!(
            "throughput round {round}: {events} events in {secs:.2} s = {:.2} M events/s ({in_flight} messages in flight at start, {} at end, trace on)",
            rate / 1e6,
            sim.world().core.flight.len()
        );
    }
    println!(
        "engine throughput (best of 3): {:.2} M events/s",
        best / 1e6
    );
}

fn seek_cost() {
    // A 10-minute run of the Ticker with faults, then seeks all over it.
    let mut script = Vec::new();
    for k in 0..60u64 {
        script.push(ScriptEntry::at(
            k * 10_000 + 2_000,
            Command::Crash { node: TALLY },
        ));
        script.push(ScriptEntry::at(
            k * 10_000 + 4_000,
            Command::Restart { node: TALLY },
        ));
    }
    let mut sim = Sim::with_script(Ticker::default(), 7, script).expect("valid script");
    let start = Instant::now();
    sim.run_until(600_000);
    println!(
        "10-minute Ticker run simulated in {:.1} ms ({} events, {} snapshots)",
        start.elapsed().as_secs_f64() * 1e3,
        sim.processed(),
        sim.snapshot_count()
    );
    let targets: Vec<Time> = (0..200).map(|i| (i * 7_919_u64 * 13) % 600_000).collect();
    let start = Instant::now();
    for &t in &targets {
        sim.seek(t);
        black_box(sim.frame());
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / targets.len() as f64;
    println!(
        "seek + frame anywhere in a 10-minute run: {per:.0} µs on average over {} seeks",
        targets.len()
    );
}

fn pattern_seek_cost() {
    use converge::patterns::Pattern;
    for p in Pattern::all() {
        let mut run = p.start(42);
        let start = Instant::now();
        run.run_until(600_000);
        let sim_ms = start.elapsed().as_secs_f64() * 1e3;
        let targets: Vec<Time> = (0..50).map(|i| (i * 7_919_u64 * 13) % 600_000).collect();
        let start = Instant::now();
        let mut worst = 0.0f64;
        for &t in &targets {
            let s = Instant::now();
            run.seek(t);
            black_box(run.frame());
            worst = worst.max(s.elapsed().as_secs_f64() * 1e3);
        }
        let per = start.elapsed().as_secs_f64() * 1e3 / targets.len() as f64;
        println!(
            "{:>16}: 10 virtual minutes in {sim_ms:.0} ms ({} events); seek + frame: {per:.2} ms average, {worst:.2} ms worst",
            p.slug(),
            run.processed()
        );
    }
}

fn main() {
    throughput();
    seek_cost();
    pattern_seek_cost();
}
