//! Soak benchmark (`cargo bench --bench soak`): each pattern for 60
//! virtual minutes with a learner acting every 5 s and a fault coming and
//! going every 20 s. Prints events per second of wall time in minute 1
//! and in minute 60, the cost of one frame then, and the peak heap, from
//! a counting global allocator. Asserts nothing about speed.
//!
//! `SOAK_MINUTES=10 cargo bench --bench soak` runs a shorter soak;
//! `SOAK_PATTERN=saga` soaks one pattern (its slug, as in links).

use converge::patterns::Pattern;
use converge::sim::{Command, NodeId, Playground, Time};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting the bytes live now and at the peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call forwards to the system allocator unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The learner's and the faults' script for second `s` of the soak: an
/// action every 5 s (cycling through the pattern's workload actions), and
/// every 20 s a partition of the first edge, then a crash of the first
/// service that may crash, each repaired 10 s later.
fn acts(run: &dyn Playground, s: u64) -> Vec<Command> {
    let mut out = Vec::new();
    let info = run.info();
    let topo = run.topology();
    if s.is_multiple_of(5) && !info.actions.is_empty() {
        let a = &info.actions[(s / 5) as usize % info.actions.len()];
        out.push(Command::Action { id: a.id.into() });
    }
    let (a, b) = topo.edges[0];
    let victim = topo
        .nodes
        .iter()
        .position(|n| n.crashable && n.name != "Broker")
        .map_or(NodeId(0), |i| NodeId(i as u16));
    match s % 40 {
        10 => out.push(Command::Partition { a, b }),
        20 => out.push(Command::Heal { a, b }),
        30 => out.push(Command::Crash { node: victim }),
        0 if s > 0 => out.push(Command::Restart { node: victim }),
        _ => {}
    }
    out
}

struct Minute {
    events: u64,
    secs: f64,
    frame_us: f64,
    live: usize,
    series: usize,
}

fn soak(p: Pattern, minutes: u64) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut run = p.start(42);
    let mut per_minute = Vec::new();
    for m in 0..minutes {
        let before = run.processed();
        let start = Instant::now();
        for s in m * 60..(m + 1) * 60 {
            for cmd in acts(run.as_ref(), s) {
                let _ = run.apply(cmd);
            }
            // Thirty frames' worth of play per virtual second.
            for k in 1..=30u64 {
                run.run_until(s * 1_000 + k * 1_000 / 30);
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..10 {
            black_box(run.frame());
        }
        let frame_us = t.elapsed().as_secs_f64() * 1e6 / 10.0;
        per_minute.push(Minute {
            events: run.processed() - before,
            secs,
            frame_us,
            live: LIVE.load(Ordering::Relaxed).saturating_sub(base),
            series: if m == 9 || m + 1 == minutes {
                run.series().len()
            } else {
                0
            },
        });
    }
    let first = &per_minute[0];
    let last = per_minute.last().expect("at least a minute");
    let rate = |m: &Minute| m.events as f64 / m.secs.max(1e-9);
    // A seek far back, as the timeline does.
    let t = Instant::now();
    run.seek(30_000 as Time);
    black_box(run.frame());
    let seek_ms = t.elapsed().as_secs_f64() * 1e3;
    let at10 = per_minute.get(9).map_or(0, |m| m.live);
    let series10 = per_minute.get(9).map_or(0, |m| m.series);
    println!(
        "{:>16}: heap {:.1} MB and {series10} series points at minute 10, {:.1} MB and {} points at minute {minutes}",
        p.slug(),
        mb(at10),
        mb(last.live),
        last.series
    );
    println!(
        "{:>16}: minute 1 {:.2} M events/s ({} events, frame {:.0} µs, heap {:.1} MB); minute {minutes} {:.2} M events/s ({} events, frame {:.0} µs, heap {:.1} MB); peak heap {:.1} MB; seek to 0:30 {seek_ms:.0} ms; {} actions",
        p.slug(),
        rate(first) / 1e6,
        first.events,
        first.frame_us,
        mb(first.live),
        rate(last) / 1e6,
        last.events,
        last.frame_us,
        mb(last.live),
        mb(PEAK.load(Ordering::Relaxed).saturating_sub(base)),
        run.script().len(),
    );
    drop(run);
}

fn main() {
    let minutes = std::env::var("SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(60u64)
        .max(1);
    // `cargo bench` passes `--bench`; ignore arguments.
    println!(
        "soak: each pattern for {minutes} virtual minutes, an action every 5 s, a fault every 20 s"
    );
    let only = std::env::var("SOAK_PATTERN").ok();
    for p in Pattern::all() {
        if only.as_deref().is_some_and(|o| o != p.slug()) {
            continue;
        }
        soak(p, minutes);
    }
}
