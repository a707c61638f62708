//! Divergence and staleness of each replica or read model over virtual
//! time, as two SVG step charts sharing a time axis: fault periods shaded,
//! the playhead marked, the future (already computed, shown after seeking
//! back) dimmed. Clicking the chart, or picking a moment with the arrow
//! keys and pressing Enter, seeks there. Exports as a standalone SVG.

use leptos::ev::{KeyboardEvent, MouseEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::run::{use_run, Rate, Run};
use super::study::{
    download_svg, xml_escape, FaultKind, FaultPeriod, SeriesCache, COLOURS, DASHES,
};
use super::timeline::use_fault_periods;
use crate::sim::runner::SeriesPoint;
use crate::sim::standing::StandingKind;
use crate::sim::types::fmt_secs;
use crate::sim::Time;

/// Width of the chart's coordinate system.
pub const W: f64 = 640.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 18.0;
const DIFF_H: f64 = 110.0;
const GAP: f64 = 34.0;
const STALE_H: f64 = 80.0;
const AXIS: f64 = 24.0;
/// Height of the chart's coordinate system.
pub const H: f64 = TOP + DIFF_H + GAP + STALE_H + AXIS;

/// One view's lines.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewLines {
    /// View name.
    pub name: String,
    /// Index (colour and dash).
    pub index: usize,
    /// SVG path of entities differing.
    pub differing: String,
    /// SVG path of staleness.
    pub staleness: String,
}

/// Everything the chart draws, in chart coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartModel {
    /// End of the time axis.
    pub horizon: Time,
    /// The playhead.
    pub now: Time,
    /// Largest number of differing entities (y axis top).
    pub max_diff: u32,
    /// Largest staleness (y axis top), ms.
    pub max_stale: Time,
    /// Lines per view.
    pub views: Vec<ViewLines>,
    /// Compare mode: run B's lines per view, on the same axes (empty
    /// otherwise).
    pub twin: Vec<ViewLines>,
    /// Fault bands: kind, x0, x1, words.
    pub faults: Vec<(FaultKind, f64, f64, String)>,
    /// Periods in which the worst replica was not converged: state, x0, x1.
    pub standing: Vec<(StandingKind, f64, f64)>,
    /// Time ticks: x, label.
    pub ticks: Vec<(f64, String)>,
}

/// x of time `t` on an axis ending at `horizon`.
pub fn x_of(t: Time, horizon: Time) -> f64 {
    LEFT + (W - LEFT - RIGHT) * (t as f64 / horizon.max(1) as f64).clamp(0.0, 1.0)
}

/// Time at chart x (inverse of [`x_of`]).
pub fn t_of(x: f64, horizon: Time) -> Time {
    let f = ((x - LEFT) / (W - LEFT - RIGHT)).clamp(0.0, 1.0);
    (f * horizon as f64).round() as Time
}

/// y of the strip that shows, over time, the worst state of any replica.
pub const STATE_Y: f64 = TOP + DIFF_H + 7.0;
/// Height of that strip.
pub const STATE_H: f64 = 7.0;

/// The periods (state, start, end) in which the worst state of any view
/// was catching up, stuck or diverged, from the series' changes.
pub fn standing_bands(
    series: &[SeriesPoint],
    views: usize,
    horizon: Time,
) -> Vec<(StandingKind, Time, Time)> {
    let mut cur = vec![StandingKind::Converged; views];
    let mut bands: Vec<(StandingKind, Time, Time)> = Vec::new();
    let mut open: Option<(StandingKind, Time)> = None;
    for p in series.iter().filter(|p| p.time <= horizon) {
        let Some(slot) = cur.get_mut(p.view as usize) else {
            continue;
        };
        *slot = p.standing;
        let worst = cur.iter().copied().max().unwrap_or(StandingKind::Converged);
        match open {
            Some((k, _)) if k == worst => {}
            _ => {
                if let Some((k, t0)) = open.take() {
                    if p.time > t0 {
                        bands.push((k, t0, p.time));
                    }
                }
                if worst != StandingKind::Converged {
                    open = Some((worst, p.time));
                }
            }
        }
    }
    if let Some((k, t0)) = open {
        bands.push((k, t0, horizon.max(t0)));
    }
    bands
}

/// Per view, the (time, differing, lag_since) points in time order.
fn per_view(series: &[SeriesPoint], views: usize) -> Vec<Vec<SeriesPoint>> {
    let mut out = vec![Vec::new(); views];
    for p in series {
        if let Some(v) = out.get_mut(p.view as usize) {
            v.push(p.clone());
        }
    }
    out
}

/// Turns vertices into a path, keeping per column of the chart only the
/// first, lowest, highest and last value (so a ten-minute run stays a few
/// hundred segments).
fn decimate(vertices: &[(f64, f64)]) -> String {
    let mut path = String::new();
    let mut i = 0;
    while i < vertices.len() {
        let col = vertices[i].0.floor();
        let (x0, first) = vertices[i];
        let (mut lo, mut hi, mut last) = (first, first, first);
        let mut xl = x0;
        let mut j = i + 1;
        while j < vertices.len() && vertices[j].0.floor() == col {
            let y = vertices[j].1;
            lo = lo.min(y);
            hi = hi.max(y);
            last = y;
            xl = vertices[j].0;
            j += 1;
        }
        let cmd = if path.is_empty() { 'M' } else { 'L' };
        path.push_str(&format!("{cmd}{x0:.1} {first:.1}"));
        if hi != first || lo != first || last != first {
            path.push_str(&format!(
                "L{xl:.1} {hi:.1}L{xl:.1} {lo:.1}L{xl:.1} {last:.1}"
            ));
        } else if xl != x0 {
            path.push_str(&format!("L{xl:.1} {last:.1}"));
        }
        i = j;
    }
    path
}

fn nice_step(horizon: Time) -> Time {
    const STEPS: [Time; 11] = [
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
    ];
    STEPS
        .into_iter()
        .find(|s| horizon / s <= 7)
        .unwrap_or(3_600_000)
}

/// Builds the chart from the known series.
pub fn chart_model(
    series: &[SeriesPoint],
    names: &[String],
    horizon: Time,
    now: Time,
    faults: &[FaultPeriod],
) -> ChartModel {
    chart_model_pair(series, None, names, horizon, now, faults)
}

/// [`chart_model`] with, in compare mode, run B's series overlaid on the
/// same axes (both runs' largest values set the scale).
pub fn chart_model_pair(
    series: &[SeriesPoint],
    twin: Option<&[SeriesPoint]>,
    names: &[String],
    horizon: Time,
    now: Time,
    faults: &[FaultPeriod],
) -> ChartModel {
    let horizon = horizon.max(1_000);
    let mut max_diff = 1u32;
    let mut max_stale: Time = 1_000;
    let raw = vertices(series, names.len(), horizon, &mut max_diff, &mut max_stale);
    let raw_twin = twin
        .map(|b| vertices(b, names.len(), horizon, &mut max_diff, &mut max_stale))
        .unwrap_or_default();
    let y_diff = |d: u32| TOP + DIFF_H - DIFF_H * d as f64 / max_diff as f64;
    let stale_top = TOP + DIFF_H + GAP;
    let y_stale = |s: Time| stale_top + STALE_H - STALE_H * s as f64 / max_stale as f64;
    let to_lines = |raw: &[Vertices]| -> Vec<ViewLines> {
        raw.iter()
            .enumerate()
            .map(|(i, (diff, stale))| {
                let dv: Vec<(f64, f64)> = diff
                    .iter()
                    .map(|&(t, d)| (x_of(t, horizon), y_diff(d)))
                    .collect();
                let sv: Vec<(f64, f64)> = stale
                    .iter()
                    .map(|&(t, s)| (x_of(t, horizon), y_stale(s)))
                    .collect();
                ViewLines {
                    name: names[i].clone(),
                    index: i,
                    differing: decimate(&dv),
                    staleness: decimate(&sv),
                }
            })
            .collect()
    };
    let views = to_lines(&raw);
    let twin = to_lines(&raw_twin);
    let step = nice_step(horizon);
    let ticks = (0..=horizon / step)
        .map(|k| (x_of(k * step, horizon), fmt_tick(k * step)))
        .collect();
    let faults = faults
        .iter()
        .map(|f| {
            (
                f.kind,
                x_of(f.start, horizon),
                x_of(f.end, horizon),
                f.describe(),
            )
        })
        .collect();
    let standing = standing_bands(series, names.len(), horizon)
        .into_iter()
        .map(|(k, t0, t1)| (k, x_of(t0, horizon), x_of(t1, horizon)))
        .collect();
    ChartModel {
        horizon,
        now,
        max_diff,
        max_stale,
        views,
        twin,
        faults,
        standing,
        ticks,
    }
}

/// Per view: (time, differing) and (time, staleness) vertices.
type Vertices = (Vec<(Time, u32)>, Vec<(Time, Time)>);

/// The vertices of each view's two lines, in time units, raising the
/// largest values seen.
fn vertices(
    series: &[SeriesPoint],
    views: usize,
    horizon: Time,
    max_diff: &mut u32,
    max_stale: &mut Time,
) -> Vec<Vertices> {
    let mut raw: Vec<Vertices> = Vec::new();
    for pts in &per_view(series, views) {
        let mut diff = vec![(0, 0u32)];
        let mut stale = vec![(0, 0)];
        let mut cur_d = 0u32;
        let mut cur_lag: Option<Time> = None;
        for p in pts.iter().filter(|p| p.time <= horizon) {
            diff.push((p.time, cur_d));
            diff.push((p.time, p.differing));
            cur_d = p.differing;
            let before = cur_lag.map_or(0, |l| p.time.saturating_sub(l));
            stale.push((p.time, before));
            cur_lag = p.lag_since;
            stale.push((p.time, cur_lag.map_or(0, |l| p.time.saturating_sub(l))));
        }
        diff.push((horizon, cur_d));
        stale.push((horizon, cur_lag.map_or(0, |l| horizon.saturating_sub(l))));
        *max_diff = (*max_diff).max(diff.iter().map(|d| d.1).max().unwrap_or(0));
        *max_stale = (*max_stale).max(stale.iter().map(|s| s.1).max().unwrap_or(0));
        raw.push((diff, stale));
    }
    raw
}

fn fmt_tick(t: Time) -> String {
    let s = t / 1000;
    if s >= 60 && s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// Values of every view at time `t` in words (for the read-out).
pub fn values_at(series: &[SeriesPoint], names: &[String], t: Time) -> String {
    let lines = per_view(series, names.len());
    let parts: Vec<String> = lines
        .iter()
        .zip(names)
        .map(|(pts, name)| {
            let idx = pts.partition_point(|p| p.time <= t);
            match idx.checked_sub(1).map(|i| &pts[i]) {
                Some(p) if p.differing > 0 => {
                    let stale = p.lag_since.map_or(String::new(), |l| {
                        format!(", stale {}", fmt_secs(t.saturating_sub(l)))
                    });
                    format!("{name} {} differing{stale}", p.differing)
                }
                _ => format!("{name} converged"),
            }
        })
        .collect();
    format!("At {}: {}", fmt_secs(t), parts.join("; "))
}

/// The chart as a standalone SVG document with inline styles.
pub fn chart_svg(m: &ChartModel) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {}\" width=\"{}\" height=\"{}\" font-family=\"system-ui, sans-serif\" font-size=\"10\">",
        H + 26.0,
        W * 1.5,
        (H + 26.0) * 1.5
    ));
    s.push_str("<title>Converge: divergence and staleness over virtual time</title>");
    s.push_str(&format!(
        "<rect width=\"{W}\" height=\"{}\" fill=\"#ffffff\"/>",
        H + 26.0
    ));
    s.push_str("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fdecea\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#e8a29a\" stroke-width=\"2\"/></pattern></defs>");
    for (kind, x0, x1, words) in &m.faults {
        let fill = match kind {
            FaultKind::Partition => "url(#hatch)",
            FaultKind::Crash => "#eceff3",
            FaultKind::Hold => "#fff4d6",
        };
        for (y, h) in [(TOP, DIFF_H), (TOP + DIFF_H + GAP, STALE_H)] {
            s.push_str(&format!(
                "<rect x=\"{x0:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{h}\" fill=\"{fill}\"><title>{}</title></rect>",
                (x1 - x0).max(1.0),
                xml_escape(words)
            ));
        }
    }
    for (kind, x0, x1) in &m.standing {
        let fill = match kind {
            StandingKind::Diverged => "#c0262d",
            _ => "#d99a2b",
        };
        s.push_str(&format!(
            "<rect x=\"{x0:.1}\" y=\"{STATE_Y}\" width=\"{:.1}\" height=\"{STATE_H}\" fill=\"{fill}\"><title>{}</title></rect>",
            (x1 - x0).max(1.0),
            kind.label()
        ));
    }
    s.push_str(&axes_svg(m, "#555f6d", "#dfe3e8"));
    for v in &m.views {
        let c = COLOURS[v.index % COLOURS.len()];
        let d = DASHES[v.index % DASHES.len()];
        for path in [&v.differing, &v.staleness] {
            s.push_str(&format!(
                "<path d=\"{path}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.8\" stroke-dasharray=\"{d}\" stroke-linejoin=\"round\"/>"
            ));
        }
    }
    let px = x_of(m.now, m.horizon);
    s.push_str(&format!(
        "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#1a1f29\" stroke-width=\"1.5\"/>",
        TOP - 6.0,
        H - AXIS
    ));
    // Legend.
    let mut x = LEFT;
    let y = H + 12.0;
    for v in &m.views {
        let c = COLOURS[v.index % COLOURS.len()];
        let d = DASHES[v.index % DASHES.len()];
        s.push_str(&format!(
            "<line x1=\"{x}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"{d}\"/><text x=\"{}\" y=\"{}\" fill=\"#1a1f29\">{}</text>",
            x + 22.0,
            x + 26.0,
            y + 3.5,
            xml_escape(&v.name)
        ));
        x += 34.0 + 6.0 * v.name.len() as f64;
    }
    s.push_str("</svg>");
    s
}

fn axes_svg(m: &ChartModel, text: &str, grid: &str) -> String {
    let mut s = String::new();
    let stale_top = TOP + DIFF_H + GAP;
    for (y, h, label, top) in [
        (
            TOP,
            DIFF_H,
            "Entities differing".to_string(),
            m.max_diff.to_string(),
        ),
        (
            stale_top,
            STALE_H,
            "Staleness".to_string(),
            fmt_secs(m.max_stale),
        ),
    ] {
        s.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{}\" fill=\"{text}\" font-weight=\"600\">{label}</text>",
            y - 6.0
        ));
        s.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{grid}\"/><line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{grid}\" stroke-dasharray=\"2 3\"/>",
            W - RIGHT,
            y + h,
            y + h,
            W - RIGHT
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"{text}\" text-anchor=\"end\">{top}</text><text x=\"{}\" y=\"{}\" fill=\"{text}\" text-anchor=\"end\">0</text>",
            LEFT - 5.0,
            y + 4.0,
            LEFT - 5.0,
            y + h + 3.0
        ));
    }
    for (x, label) in &m.ticks {
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"{grid}\"/><text x=\"{x:.1}\" y=\"{}\" fill=\"{text}\" text-anchor=\"middle\">{label}</text>",
            H - AXIS,
            H - AXIS + 4.0,
            H - AXIS + 15.0
        ));
    }
    s
}

/// Divergence and staleness of each replica over time.
/// `run`'s series as far as it is known (kept across seeks back in
/// `cache`), untracked.
fn known_series(run: Run, cache: StoredValue<SeriesCache>) -> Vec<SeriesPoint> {
    let pattern = run.pattern.get_untracked().slug();
    let seed = run.seed.get_untracked();
    let (script, series) = run.with(|s| (s.script(), s.series()));
    let mut c = cache.get_value();
    let points = c.update(pattern, seed, &script, &series).to_vec();
    cache.set_value(c);
    points
}

#[component]
pub fn DivergenceChart() -> impl IntoView {
    let run = use_run();
    let faults = use_fault_periods(run);
    let version = run.pulse(Rate::State);
    let cache = StoredValue::new(SeriesCache::default());
    // The known series (kept across seeks back) and view names.
    let data = Memo::new(move |_| {
        version.track();
        let names: Vec<String> = run
            .frame
            .with_untracked(|f| f.views.iter().map(|v| v.name.clone()).collect());
        (known_series(run, cache), names)
    });
    // Compare mode: run B's series, drawn over A's on the same axes.
    let cache_b = StoredValue::new(SeriesCache::default());
    let data_b = Memo::new(move |_| {
        let b = run.twin.get()?;
        b.pulse(Rate::State).track();
        Some(known_series(b, cache_b))
    });
    let model = Memo::new(move |_| {
        let (horizon, now) = run.frame.with(|f| (f.horizon, f.time));
        data_b.with(|b| {
            data.with(|(pts, names)| {
                chart_model_pair(pts, b.as_deref(), names, horizon, now, &faults.get())
            })
        })
    });
    // A moment picked by pointer or keys, not yet sought.
    let cursor = RwSignal::new(None::<Time>);
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let time_at = move |ev: &MouseEvent| -> Option<Time> {
        let svg: web_sys::Element = svg_ref.get_untracked()?.unchecked_into();
        let r = svg.get_bounding_client_rect();
        if r.width() <= 0.0 {
            return None;
        }
        let x = (ev.client_x() as f64 - r.left()) / r.width() * W;
        Some(
            t_of(x, model.with_untracked(|m| m.horizon))
                .min(run.frame.with_untracked(|f| f.horizon)),
        )
    };
    let go = move |t: Time| {
        if run.playing.get_untracked() {
            run.set_playing(false);
        }
        run.go_to(t);
    };
    let on_click = move |ev: MouseEvent| {
        if let Some(t) = time_at(&ev) {
            cursor.set(None);
            go(t);
        }
    };
    let on_move = move |ev: MouseEvent| cursor.set(time_at(&ev));
    let on_key = move |ev: KeyboardEvent| {
        let h = run.frame.with_untracked(|f| f.horizon);
        let cur = cursor
            .get_untracked()
            .unwrap_or_else(|| run.frame.with_untracked(|f| f.time));
        let step: Time = if ev.shift_key() { 10_000 } else { 1_000 };
        let next = match ev.key().as_str() {
            "ArrowLeft" => cur.saturating_sub(step),
            "ArrowRight" => (cur + step).min(h),
            "Home" => 0,
            "End" => h,
            "Enter" | " " => {
                ev.prevent_default();
                ev.stop_propagation();
                cursor.set(None);
                go(cur);
                return;
            }
            "Escape" => {
                cursor.set(None);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        ev.stop_propagation();
        cursor.set(Some(next));
    };
    let readout = move || {
        let t = cursor.get().unwrap_or_else(|| run.frame.with(|f| f.time));
        let picked = cursor.get().is_some();
        let mut text = data.with(|(pts, names)| values_at(pts, names, t));
        if let Some(b) = data_b.with(|b| {
            b.as_ref()
                .map(|b| data.with(|(_, names)| values_at(b, names, t)))
        }) {
            let b = b.split_once(": ").map_or(b.as_str(), |(_, rest)| rest);
            text = format!("{}. B: {b}", text.replacen(": ", ": A: ", 1));
        }
        if picked {
            format!("{text}. Press Enter or click to go there.")
        } else {
            text
        }
    };
    let export = move |_| {
        let svg = model.with_untracked(chart_svg);
        let name = format!(
            "converge-{}-divergence.svg",
            run.pattern.get_untracked().slug()
        );
        if let Err(e) = download_svg(&name, &svg) {
            run.notice.set(Some(super::run::Notice::error(e)));
        }
    };

    let stale_top = TOP + DIFF_H + GAP;
    let draw = move || {
        let m = model.get();
        let faults = m
            .faults
            .iter()
            .map(|(kind, x0, x1, words)| {
                let w = (x1 - x0).max(1.0);
                let class = format!("ch-fault ch-fault-{}", kind.slug());
                view! {
                    <g class=class>
                        <title>{words.clone()}</title>
                        <rect x=format!("{x0:.1}") y=TOP width=format!("{w:.1}") height=DIFF_H></rect>
                        <rect x=format!("{x0:.1}") y=stale_top width=format!("{w:.1}") height=STALE_H></rect>
                    </g>
                }
            })
            .collect_view();
        let axes = {
            let mut v = Vec::new();
            for (y, h, label, top) in [
                (TOP, DIFF_H, "Entities differing", m.max_diff.to_string()),
                (stale_top, STALE_H, "Staleness", fmt_secs(m.max_stale)),
            ] {
                v.push(view! {
                    <g class="ch-axis">
                        <text class="ch-axis-title" x=LEFT y={y - 6.0}>{label}</text>
                        <line class="ch-grid" x1=LEFT x2={W - RIGHT} y1={y + h} y2={y + h}></line>
                        <line class="ch-grid ch-grid-top" x1=LEFT x2={W - RIGHT} y1=y y2=y></line>
                        <text x={LEFT - 5.0} y={y + 4.0} text-anchor="end">{top}</text>
                        <text x={LEFT - 5.0} y={y + h + 3.0} text-anchor="end">"0"</text>
                    </g>
                });
            }
            v
        };
        let ticks = m
            .ticks
            .iter()
            .map(|(x, label)| {
                view! {
                    <g class="ch-axis">
                        <line class="ch-grid" x1=format!("{x:.1}") x2=format!("{x:.1}") y1={H - AXIS} y2={H - AXIS + 4.0}></line>
                        <text x=format!("{x:.1}") y={H - AXIS + 15.0} text-anchor="middle">{label.clone()}</text>
                    </g>
                }
            })
            .collect_view();
        let lines = m
            .views
            .iter()
            .map(|v| (v, ""))
            .chain(m.twin.iter().map(|v| (v, " ch-line-twin")))
            .map(|(v, twin)| {
                let class = format!("ch-line ch-line-{}{twin}", v.index % 4);
                let dash = DASHES[v.index % DASHES.len()];
                view! {
                    <path class=class.clone() d=v.differing.clone() stroke-dasharray=dash></path>
                    <path class=class d=v.staleness.clone() stroke-dasharray=dash></path>
                }
            })
            .collect_view();
        let states = m
            .standing
            .iter()
            .map(|(kind, x0, x1)| {
                let w = (x1 - x0).max(1.0);
                view! {
                    <rect class=format!("ch-state ch-state-{}", kind.class()) x=format!("{x0:.1}") y=STATE_Y
                        width=format!("{w:.1}") height=STATE_H></rect>
                }
            })
            .collect_view();
        let px = x_of(m.now, m.horizon);
        let future_w = (W - RIGHT - px).max(0.0);
        view! {
            {faults}
            {states}
            {axes}
            {ticks}
            {lines}
            <rect class="ch-future" x=format!("{px:.1}") y={TOP - 8.0} width=format!("{future_w:.1}") height={H - AXIS - TOP + 8.0}></rect>
            <line class="ch-playhead" x1=format!("{px:.1}") x2=format!("{px:.1}") y1={TOP - 8.0} y2={H - AXIS}></line>
            <polygon class="ch-playhead-head" points=format!("{:.1},{} {:.1},{} {px:.1},{}", px - 4.0, TOP - 12.0, px + 4.0, TOP - 12.0, TOP - 6.0)></polygon>
        }
    };
    let cursor_line = move || {
        cursor.get().map(|t| {
            let x = x_of(t, model.with(|m| m.horizon));
            view! { <line class="ch-cursor" x1=format!("{x:.1}") x2=format!("{x:.1}") y1=TOP y2={H - AXIS}></line> }
        })
    };
    let legend = move || {
        model.with(|m| {
            m.views
                .iter()
                .map(|v| {
                    let dash = DASHES[v.index % DASHES.len()];
                    view! {
                        <li class="ch-legend-item">
                            <svg class="ch-legend-swatch" viewBox="0 0 26 8" width="26" height="8" aria-hidden="true">
                                <line class=format!("ch-line ch-line-{}", v.index % 4) x1="0" x2="26" y1="4" y2="4" stroke-dasharray=dash></line>
                            </svg>
                            {v.name.clone()}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let fault_keys = move || {
        model.with(|m| {
            FaultKind::ALL
                .into_iter()
                .filter(|k| m.faults.iter().any(|f| f.0 == *k))
                .map(|k| {
                    let words = match k {
                        FaultKind::Partition => "link cut",
                        FaultKind::Crash => "service down",
                        FaultKind::Hold => "link held",
                    };
                    view! {
                        <li class="ch-legend-item">
                            <span class=format!("ch-key ch-key-{}", k.slug()) aria-hidden="true"></span>
                            {words}
                        </li>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="study-card chart" aria-labelledby="chart-title">
            <div class="study-head">
                <h2 class="study-title" id="chart-title">"Divergence over time"</h2>
                <button type="button" class="study-button" on:click=export>"Export SVG"</button>
            </div>
            <ul class="ch-legend" aria-label="Lines">
                {legend}
                {fault_keys}
                <li class="ch-legend-item"><span class="ch-key ch-state-catching-up" aria-hidden="true"></span>"catching up"</li>
                <li class="ch-legend-item"><span class="ch-key ch-state-stuck" aria-hidden="true"></span>"stuck"</li>
                <li class="ch-legend-item"><span class="ch-key ch-state-diverged" aria-hidden="true"></span>"diverged"</li>
                <li class="ch-legend-item"><span class="ch-legend-future" aria-hidden="true"></span>"after the playhead"</li>
                {move || model.with(|m| !m.twin.is_empty()).then(|| view! {
                    <li class="ch-legend-item">
                        <svg class="ch-legend-swatch" viewBox="0 0 26 8" width="26" height="8" aria-hidden="true">
                            <line class="ch-line ch-line-0 ch-line-twin" x1="0" x2="26" y1="4" y2="4"></line>
                        </svg>
                        "faint: run B (compare)"
                    </li>
                })}
            </ul>
            <div
                class="ch-plot"
                role="group"
                tabindex="0"
                aria-label="Divergence chart. Left and right arrows pick a moment, Enter goes there."
                aria-describedby="chart-readout"
                on:keydown=on_key
            >
                <svg
                    node_ref=svg_ref
                    class="ch-svg"
                    viewBox=format!("0 0 {W} {H}")
                    aria-hidden="true"
                    on:click=on_click
                    on:mousemove=on_move
                    on:mouseleave=move |_| cursor.set(None)
                >
                    {draw}
                    {cursor_line}
                </svg>
            </div>
            <p class="ch-readout" id="chart-readout" aria-live="polite">{readout}</p>
        </section>
    }
}
