//! Plain models shared by the study views (timeline, divergence chart,
//! space-time diagram, event log): fault periods from the script, a cache
//! of the divergence series that survives seeking back, the trace window
//! the diagram draws, and small browser helpers (throttling, SVG export).
//!
//! The models are plain structs built by plain functions so they are
//! tested natively (`tests/study_model.rs`); components only render them.

use crate::sim::runner::SeriesPoint;
use crate::sim::types::fmt_secs;
use crate::sim::{Command, EventId, LogLine, Playground, ScriptEntry, Time, TraceKind};

/// What kind of fault a period on the timeline is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// A link was cut (both ways or one way).
    Partition,
    /// A service was down.
    Crash,
    /// Messages on a link were held.
    Hold,
}

impl FaultKind {
    /// A short CSS-safe name ("partition", "crash", "hold").
    pub fn slug(self) -> &'static str {
        match self {
            FaultKind::Partition => "partition",
            FaultKind::Crash => "crash",
            FaultKind::Hold => "hold",
        }
    }

    /// The row label on the timeline.
    pub fn noun(self) -> &'static str {
        match self {
            FaultKind::Partition => "Cut links",
            FaultKind::Crash => "Crashed",
            FaultKind::Hold => "Held links",
        }
    }

    /// Every kind, in row order.
    pub const ALL: [FaultKind; 3] = [FaultKind::Partition, FaultKind::Crash, FaultKind::Hold];
}

/// A stretch of virtual time during which a fault was active.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultPeriod {
    /// Partition, crash or hold.
    pub kind: FaultKind,
    /// When it began.
    pub start: Time,
    /// When it was repaired (or the horizon, if it never was).
    pub end: Time,
    /// True when nothing repaired it before the horizon.
    pub open: bool,
    /// What it was, in words ("Meter ⇄ Broker cut").
    pub label: String,
}

impl FaultPeriod {
    /// The period in words with its times, for titles and text alternatives.
    pub fn describe(&self) -> String {
        if self.open {
            format!("{} from {}, still active", self.label, fmt_secs(self.start))
        } else {
            format!(
                "{} from {} to {}",
                self.label,
                fmt_secs(self.start),
                fmt_secs(self.end)
            )
        }
    }
}

/// Pairs the script's fault commands into periods: partition → heal,
/// crash → restart, hold → release (or heal). Periods that are never
/// repaired run to `horizon`. `name` turns a node index into its name.
/// The result is ordered by start time.
pub fn fault_periods(
    script: &[ScriptEntry],
    horizon: Time,
    name: impl Fn(u16) -> String,
) -> Vec<FaultPeriod> {
    // Open faults: (kind, from, to, oneway, start, label). `to` is unused
    // for crashes.
    struct Open {
        kind: FaultKind,
        a: u16,
        b: u16,
        oneway: bool,
        start: Time,
        label: String,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut done: Vec<FaultPeriod> = Vec::new();
    let close = |open: &mut Vec<Open>,
                 done: &mut Vec<FaultPeriod>,
                 at: Time,
                 pred: &dyn Fn(&Open) -> bool| {
        let mut i = 0;
        while i < open.len() {
            if pred(&open[i]) {
                let o = open.remove(i);
                done.push(FaultPeriod {
                    kind: o.kind,
                    start: o.start,
                    end: at.max(o.start),
                    open: false,
                    label: o.label,
                });
            } else {
                i += 1;
            }
        }
    };
    for e in script {
        let at = e.at;
        match &e.cmd {
            Command::Partition { a, b } => {
                let (a, b) = (a.0, b.0);
                let dup = open.iter().any(|o| {
                    o.kind == FaultKind::Partition && !o.oneway && same_pair(o.a, o.b, a, b)
                });
                if !dup {
                    open.push(Open {
                        kind: FaultKind::Partition,
                        a,
                        b,
                        oneway: false,
                        start: at,
                        label: format!("{} \u{21c4} {} cut", name(a), name(b)),
                    });
                }
            }
            Command::PartitionOneway { from, to } => {
                let (a, b) = (from.0, to.0);
                let dup = open
                    .iter()
                    .any(|o| o.kind == FaultKind::Partition && o.a == a && o.b == b);
                if !dup {
                    open.push(Open {
                        kind: FaultKind::Partition,
                        a,
                        b,
                        oneway: true,
                        start: at,
                        label: format!("{} \u{2192} {} cut", name(a), name(b)),
                    });
                }
            }
            Command::Heal { a, b } => {
                let (a, b) = (a.0, b.0);
                close(&mut open, &mut done, at, &|o| {
                    matches!(o.kind, FaultKind::Partition | FaultKind::Hold)
                        && same_pair(o.a, o.b, a, b)
                });
            }
            Command::Hold { from, to } => {
                let (a, b) = (from.0, to.0);
                let dup = open
                    .iter()
                    .any(|o| o.kind == FaultKind::Hold && o.a == a && o.b == b);
                if !dup {
                    open.push(Open {
                        kind: FaultKind::Hold,
                        a,
                        b,
                        oneway: true,
                        start: at,
                        label: format!("{} \u{2192} {} held", name(a), name(b)),
                    });
                }
            }
            Command::Release { from, to } => {
                let (a, b) = (from.0, to.0);
                close(&mut open, &mut done, at, &|o| {
                    o.kind == FaultKind::Hold && o.a == a && o.b == b
                });
            }
            Command::Crash { node } => {
                let n = node.0;
                let dup = open.iter().any(|o| o.kind == FaultKind::Crash && o.a == n);
                if !dup {
                    open.push(Open {
                        kind: FaultKind::Crash,
                        a: n,
                        b: n,
                        oneway: false,
                        start: at,
                        label: format!("{} down", name(n)),
                    });
                }
            }
            Command::Restart { node } => {
                let n = node.0;
                close(&mut open, &mut done, at, &|o| {
                    o.kind == FaultKind::Crash && o.a == n
                });
            }
            _ => {}
        }
    }
    for o in open {
        done.push(FaultPeriod {
            kind: o.kind,
            start: o.start,
            end: horizon.max(o.start),
            open: true,
            label: o.label,
        });
    }
    done.sort_by_key(|p| (p.start, p.end));
    done
}

fn same_pair(a: u16, b: u16, c: u16, d: u16) -> bool {
    (a == c && b == d) || (a == d && b == c)
}

/// The divergence series of the whole timeline, kept across seeks.
///
/// Seeking back truncates the engine's series at the playhead, but the
/// run is deterministic: as long as the pattern, seed and script are the
/// same, the future is the one already seen. The cache keeps the longest
/// series seen for the current run and drops it when the run forks.
#[derive(Clone, Debug, Default)]
pub struct SeriesCache {
    key: Option<(String, u64, Vec<ScriptEntry>)>,
    points: Vec<SeriesPoint>,
}

impl SeriesCache {
    /// Updates the cache with the engine's current series and returns the
    /// full known series. `run_id` names the pattern (and anything else
    /// that makes a different run).
    pub fn update(
        &mut self,
        run_id: &str,
        seed: u64,
        script: &[ScriptEntry],
        now: &[SeriesPoint],
    ) -> &[SeriesPoint] {
        let same = self
            .key
            .as_ref()
            .is_some_and(|(r, s, sc)| r == run_id && *s == seed && sc.as_slice() == script);
        if !same || now.len() >= self.points.len() {
            self.points = now.to_vec();
        }
        if !same {
            self.key = Some((run_id.to_string(), seed, script.to_vec()));
        }
        &self.points
    }

    /// The known series.
    pub fn points(&self) -> &[SeriesPoint] {
        &self.points
    }
}

/// A run's future that a fork threw away, shown hatched on the timeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Discarded {
    /// Where the fork happened.
    pub from: Time,
    /// The old end of the timeline.
    pub to: Time,
}

/// Follows the horizon and notices when it shrinks (a fork): returns the
/// discarded stretch, or `None` once the run has grown past it again.
pub fn track_discarded(
    prev: Option<Discarded>,
    last_horizon: Time,
    horizon: Time,
    same_run: bool,
) -> Option<Discarded> {
    if !same_run {
        return None;
    }
    if horizon < last_horizon {
        return Some(Discarded {
            from: horizon,
            to: last_horizon.max(prev.map_or(0, |d| d.to)),
        });
    }
    prev.filter(|d| horizon < d.to).map(|d| Discarded {
        from: d.from.max(horizon),
        to: d.to,
    })
}

/// Where an arrow of the space-time diagram ends.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ArrowEnd {
    /// Delivered to the receiver.
    Delivered,
    /// Lost; `at_receiver` when the receiver was down (else lost on the way).
    Dropped {
        /// True when the receiver dropped it (it was down).
        at_receiver: bool,
    },
    /// Still on the link at the playhead (`fraction` of the way there).
    InFlight {
        /// How far it has travelled, 0..=1.
        fraction: f32,
        /// Frozen on a held link.
        held: bool,
    },
}

/// One message in the space-time diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    /// The event that sent it (a send or a duplicate).
    pub start: EventId,
    /// The delivery or drop event, if it happened in the window.
    pub end_event: Option<EventId>,
    /// Sender lane.
    pub from: usize,
    /// Receiver lane.
    pub to: usize,
    /// When it left (clamped to the window when sent earlier).
    pub t0: Time,
    /// When it arrived, was lost, or the playhead.
    pub t1: Time,
    /// True when it was sent before the window began.
    pub clipped: bool,
    /// How it ends.
    pub end: ArrowEnd,
    /// A copy made by duplication.
    pub copy: bool,
    /// The message in words.
    pub text: String,
    /// Lamport clock at send.
    pub lamport0: Option<u64>,
    /// Lamport clock at delivery.
    pub lamport1: Option<u64>,
}

impl Arrow {
    /// The event that clicking the arrow selects: its delivery (or drop)
    /// when that happened, else its send.
    pub fn event(&self) -> EventId {
        self.end_event.unwrap_or(self.start)
    }

    /// The arrow in words, for its accessible name and tooltip.
    pub fn describe(&self, lanes: &[String]) -> String {
        let from = lanes.get(self.from).map_or("?", |s| s.as_str());
        let to = lanes.get(self.to).map_or("?", |s| s.as_str());
        let copy = if self.copy { " (duplicate copy)" } else { "" };
        let sent = if self.clipped {
            "sent earlier".to_string()
        } else {
            format!("sent {}", fmt_secs(self.t0))
        };
        let fate = match self.end {
            ArrowEnd::Delivered => format!("delivered {}", fmt_secs(self.t1)),
            ArrowEnd::Dropped { .. } => format!("lost {}", fmt_secs(self.t1)),
            ArrowEnd::InFlight { held: true, .. } => "held on the link".to_string(),
            ArrowEnd::InFlight { .. } => "in flight".to_string(),
        };
        let lamport = match (self.lamport0, self.lamport1) {
            (Some(a), Some(b)) => format!("; Lamport {a} \u{2192} {b}"),
            (Some(a), None) => format!("; Lamport {a}"),
            (None, Some(b)) => format!("; Lamport \u{2192} {b}"),
            (None, None) => String::new(),
        };
        format!(
            "{from} \u{2192} {to}{copy}: {}; {sent}, {fate}{lamport}",
            self.text
        )
    }
}

/// A point event on one lane of the diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// The event.
    pub id: EventId,
    /// Lane.
    pub lane: usize,
    /// When.
    pub time: Time,
    /// What happened.
    pub kind: TraceKind,
    /// The event in words.
    pub text: String,
    /// Lamport clock.
    pub lamport: u64,
}

impl Mark {
    /// The glyph drawn for this kind (shapes differ, not just colours).
    pub fn glyph(&self) -> &'static str {
        match self.kind {
            TraceKind::Crash => "\u{2716}",
            TraceKind::Restart => "\u{21bb}",
            TraceKind::Recovered => "\u{2714}",
            TraceKind::Hold => "\u{2016}",
            TraceKind::Release => "\u{25b6}",
            TraceKind::Violation => "!",
            TraceKind::Command => "\u{25c6}",
            _ => "",
        }
    }

    /// Whether this kind gets a labelled glyph (else a small dot).
    pub fn prominent(&self) -> bool {
        !self.glyph().is_empty()
    }
}

/// The space-time diagram's content for one window of virtual time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagram {
    /// Window start.
    pub start: Time,
    /// Window end (the playhead).
    pub end: Time,
    /// Messages.
    pub arrows: Vec<Arrow>,
    /// Point events.
    pub marks: Vec<Mark>,
    /// Events before the window (summarised, not drawn).
    pub earlier: u64,
    /// Events in the window left out to keep the drawing light.
    pub omitted: usize,
}

/// A message in flight at the playhead, as the frame reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InFlight {
    /// Message id.
    pub msg: u64,
    /// When it left.
    pub sent_at: Time,
    /// When it is due.
    pub due_at: Time,
    /// Held: frozen at this fraction.
    pub held: Option<f32>,
}

/// Builds the diagram from the events of the window (oldest first).
/// Sends pair with deliveries and drops by message id; a duplicate
/// starts a second arrow; crashes, restarts, recoveries, holds, releases,
/// the learner's commands and check violations are marks (other local
/// events are left to the log). At most `max_items` arrows and marks are kept (the newest).
pub fn build_diagram(
    lines: &[LogLine],
    start: Time,
    end: Time,
    earlier: u64,
    flights: &[InFlight],
    max_items: usize,
) -> Diagram {
    use std::collections::HashMap;
    let mut arrows: Vec<Arrow> = Vec::new();
    let mut open: HashMap<u64, usize> = HashMap::new();
    let mut marks: Vec<Mark> = Vec::new();
    for l in lines {
        let lane = l.node.index();
        match (l.kind, l.msg) {
            (TraceKind::Send | TraceKind::Duplicate, Some(m)) => {
                let Some(peer) = l.peer else { continue };
                open.insert(m.0, arrows.len());
                arrows.push(Arrow {
                    start: l.id,
                    end_event: None,
                    from: lane,
                    to: peer.index(),
                    t0: l.time,
                    t1: end,
                    clipped: false,
                    end: ArrowEnd::InFlight {
                        fraction: 0.0,
                        held: false,
                    },
                    copy: l.kind == TraceKind::Duplicate,
                    text: l.label.clone(),
                    lamport0: Some(l.lamport),
                    lamport1: None,
                });
            }
            (TraceKind::Deliver | TraceKind::Drop(_), Some(m)) => {
                let Some(peer) = l.peer else { continue };
                let dropped = matches!(l.kind, TraceKind::Drop(_));
                // A drop is recorded at the receiver when it was down, else
                // at the sender; a delivery always at the receiver.
                let (from, to, at_receiver) = if dropped {
                    match open.get(&m.0).map(|&i| &arrows[i]) {
                        Some(a) => (a.from, a.to, a.to == lane && a.from != lane),
                        None => (lane, peer.index(), false),
                    }
                } else {
                    (peer.index(), lane, true)
                };
                let idx = match open.remove(&m.0) {
                    Some(i) => i,
                    None => {
                        arrows.push(Arrow {
                            start: l.parent.unwrap_or(l.id),
                            end_event: None,
                            from,
                            to,
                            t0: start,
                            t1: l.time,
                            clipped: true,
                            end: ArrowEnd::Delivered,
                            copy: false,
                            text: l.label.clone(),
                            lamport0: None,
                            lamport1: None,
                        });
                        arrows.len() - 1
                    }
                };
                let a = &mut arrows[idx];
                a.end_event = Some(l.id);
                a.t1 = l.time;
                a.end = if dropped {
                    ArrowEnd::Dropped { at_receiver }
                } else {
                    ArrowEnd::Delivered
                };
                if !dropped {
                    a.lamport1 = Some(l.lamport);
                }
            }
            _ => {
                let m = Mark {
                    id: l.id,
                    lane,
                    time: l.time,
                    kind: l.kind,
                    text: l.text.clone(),
                    lamport: l.lamport,
                };
                // Local bookkeeping (timers, writes, offsets) is in the
                // log; the diagram keeps to what crosses lanes and faults.
                if m.prominent() {
                    marks.push(m);
                }
            }
        }
    }
    // Messages still on a link at the playhead.
    for (m, &i) in &open {
        let a = &mut arrows[i];
        let f = flights.iter().find(|f| f.msg == *m);
        let (fraction, held) = match f {
            Some(f) => match f.held {
                Some(h) => (h.clamp(0.0, 1.0), true),
                None => {
                    let span = f.due_at.saturating_sub(f.sent_at).max(1) as f32;
                    (
                        (end.saturating_sub(f.sent_at) as f32 / span).clamp(0.0, 1.0),
                        false,
                    )
                }
            },
            None => (0.5, false),
        };
        a.end = ArrowEnd::InFlight { fraction, held };
        a.t1 = end;
    }
    // Keep the newest items when there are too many.
    let total = arrows.len() + marks.len();
    let mut omitted = 0;
    if total > max_items {
        let mut times: Vec<Time> = arrows
            .iter()
            .map(|a| a.t0)
            .chain(marks.iter().map(|m| m.time))
            .collect();
        times.sort_unstable();
        let cut = times[total - max_items];
        let before = total;
        arrows.retain(|a| a.t0 >= cut || matches!(a.end, ArrowEnd::InFlight { .. }));
        marks.retain(|m| m.time >= cut);
        omitted = before - arrows.len() - marks.len();
    }
    Diagram {
        start,
        end,
        arrows,
        marks,
        earlier,
        omitted,
    }
}

/// The trace events from `from` up to now (at most `cap`, newest kept),
/// and how many events came before them. Event ids are dense and grow
/// with time, so the window's first event is found by bisection.
pub fn window_lines(p: &dyn Playground, from: Time, cap: usize) -> (Vec<LogLine>, u64) {
    let Some(last) = p.log(1).pop() else {
        return (Vec::new(), 0);
    };
    // First id with time >= from (ids evicted from the trace count as older).
    let (mut lo, mut hi) = (0u64, last.id.0 + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match p.line(EventId(mid)) {
            Some(l) if l.time >= from => hi = mid,
            _ => lo = mid + 1,
        }
    }
    let count = (last.id.0 + 1 - lo) as usize;
    let take = count.min(cap);
    let lines = p.log(take);
    let earlier = last.id.0 + 1 - lines.len() as u64;
    (lines, earlier)
}

/// Escapes text for XML attributes and content.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Thousands separators: 1234 → "1,234".
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "12.4 s of 30.0 s": the slider's value text.
pub fn value_text(now: Time, horizon: Time) -> String {
    format!("{} of {}", fmt_secs(now), fmt_secs(horizon))
}

/// Stroke dash patterns, one per view, so lines differ by more than colour.
pub const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// Line colours for views (light theme; the page uses CSS variables).
pub const COLOURS: [&str; 4] = ["#3f51d6", "#0f8a6a", "#c2570c", "#a33ea1"];

#[cfg(target_arch = "wasm32")]
mod browser {
    use leptos::prelude::*;
    use std::time::Duration;
    use wasm_bindgen::JsCast;

    /// Offers `svg` (a standalone SVG document) as a file download.
    pub fn download_svg(filename: &str, svg: &str) -> Result<(), String> {
        let parts = js_sys_array(svg);
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("image/svg+xml");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
            .map_err(|_| "could not build the file".to_string())?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)
            .map_err(|_| "could not build the download link".to_string())?;
        let doc = document();
        let a: web_sys::HtmlAnchorElement = doc
            .create_element("a")
            .map_err(|_| "could not build the download link".to_string())?
            .unchecked_into();
        a.set_href(&url);
        a.set_download(filename);
        a.set_hidden(true);
        if let Some(body) = doc.body() {
            let _ = body.append_child(&a);
            a.click();
            a.remove();
        }
        // Revoke later: revoking at once can cancel the download.
        set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            Duration::from_secs(10),
        );
        Ok(())
    }

    fn js_sys_array(s: &str) -> wasm_bindgen::JsValue {
        let arr = web_sys::js_sys::Array::new();
        arr.push(&wasm_bindgen::JsValue::from_str(s));
        arr.into()
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::download_svg;

/// Native stand-in: there is nothing to download to.
#[cfg(not(target_arch = "wasm32"))]
pub fn download_svg(_filename: &str, _svg: &str) -> Result<(), String> {
    Err("downloads need a browser".into())
}
