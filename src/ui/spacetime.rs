//! The space-time diagram: one lane per service (topology order), an arrow
//! per message from its send to its delivery, marks for drops, duplicates,
//! holds, crashes and restarts. It shows a window of virtual time ending
//! at the playhead and summarises what is older; it is rebuilt only when
//! the run changes, at most ten times a second, with a capped number of
//! items. Its text alternative is the event log.

use leptos::ev::{FocusEvent, KeyboardEvent, MouseEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::run::{use_run, Rate, Run};
use super::study::{
    build_diagram, download_svg, group_digits, window_lines, xml_escape, Arrow, ArrowEnd, Diagram,
    InFlight, Mark,
};
use crate::sim::core::NodeStatus;
use crate::sim::types::fmt_secs;
use crate::sim::{EventId, Time};

/// Windows of virtual time the learner can pick (ms).
pub const WINDOWS: [Time; 4] = [2_000, 5_000, 10_000, 30_000];
/// The window shown at first (ms).
pub const WINDOW: Time = 5_000;
/// Most arrows and marks drawn at once.
pub const MAX_ITEMS: usize = 360;
/// Most trace events read for one window.
const MAX_LINES: usize = 1_500;

const LABEL_W: f64 = 104.0;
const PLOT_W: f64 = 620.0;
const VW: f64 = LABEL_W + PLOT_W + 10.0;
const TOP: f64 = 22.0;
const LANE_H: f64 = 34.0;

/// Chart units per virtual millisecond for a window.
fn k_of(window: Time) -> f64 {
    PLOT_W / window.max(1) as f64
}

fn lane_y(i: usize) -> f64 {
    TOP + 12.0 + i as f64 * LANE_H
}

fn height(lanes: usize) -> f64 {
    lane_y(lanes.max(1)) - LANE_H + 26.0
}

/// Geometry of an arrow in window coordinates (x relative to the
/// window's start, before the label column).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Geo {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

fn geo(a: &Arrow, k: f64) -> Geo {
    let (y0, yt) = (lane_y(a.from), lane_y(a.to));
    let y1 = match a.end {
        ArrowEnd::Delivered => yt,
        ArrowEnd::Dropped { at_receiver: true } => yt,
        ArrowEnd::Dropped { at_receiver: false } => y0 + (yt - y0) * 0.5,
        ArrowEnd::InFlight { fraction, .. } => y0 + (yt - y0) * fraction as f64,
    };
    let x = |t: Time| t as f64 * k;
    let x0 = if a.clipped { x(a.t0) - 6.0 } else { x(a.t0) };
    Geo {
        x0,
        y0,
        x1: x(a.t1).max(x0),
        y1,
    }
}

/// Points of a small arrowhead at (x1, y1) pointing along the arrow.
fn head(g: Geo) -> String {
    let (dx, dy) = (g.x1 - g.x0, g.y1 - g.y0);
    let len = (dx * dx + dy * dy).sqrt().max(0.001);
    let (ux, uy) = (dx / len, dy / len);
    let (bx, by) = (g.x1 - ux * 7.0, g.y1 - uy * 7.0);
    let (px, py) = (-uy * 3.2, ux * 3.2);
    format!(
        "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        g.x1,
        g.y1,
        bx + px,
        by + py,
        bx - px,
        by - py
    )
}

/// Distance between time ticks for a window.
fn tick_step(window: Time) -> Time {
    if window > 10_000 {
        5_000
    } else if window > 2_000 {
        1_000
    } else {
        500
    }
}

/// The event an item selects and the time to seek to.
fn target(a: &Arrow) -> (EventId, Time) {
    match a.end_event {
        Some(e) => (e, a.t1),
        None => (a.start, if a.clipped { a.t1 } else { a.t0 }),
    }
}

/// One drawn thing.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Arrow(Arrow),
    Mark(Mark),
}

impl Item {
    fn key(&self) -> String {
        match self {
            Item::Arrow(a) => format!(
                "a{}-{}-{:?}-{}-{:?}",
                a.start.0,
                a.t0,
                a.end_event.map(|e| e.0),
                a.t1,
                a.end
            ),
            Item::Mark(m) => format!("m{}", m.id.0),
        }
    }

    fn time(&self) -> Time {
        match self {
            Item::Arrow(a) => a.t0,
            Item::Mark(m) => m.time,
        }
    }
}

/// Reads the window ending at the playhead.
fn read_diagram(run: Run, window: Time) -> (Diagram, Vec<String>, Vec<bool>) {
    let (now, lanes, down, flights) = run.frame.with_untracked(|f| {
        (
            f.time,
            f.nodes
                .iter()
                .map(|n| n.name.to_string())
                .collect::<Vec<_>>(),
            f.nodes
                .iter()
                .map(|n| n.status != NodeStatus::Up)
                .collect::<Vec<_>>(),
            f.flights
                .iter()
                .map(|fl| InFlight {
                    msg: fl.id.0,
                    sent_at: fl.sent_at,
                    due_at: fl.due_at,
                    held: fl.held,
                })
                .collect::<Vec<_>>(),
        )
    });
    let start = now.saturating_sub(window);
    let (lines, earlier) = run.with(|s| window_lines(s, start, MAX_LINES));
    let d = build_diagram(&lines, start, now, earlier, &flights, MAX_ITEMS);
    (d, lanes, down)
}

/// The diagram as a standalone SVG document with inline styles.
pub fn diagram_svg(d: &Diagram, lanes: &[String], window: Time) -> String {
    let k = k_of(window);
    let h = height(lanes.len());
    let start = d.start;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {VW} {h}\" width=\"{}\" height=\"{}\" font-family=\"system-ui, sans-serif\" font-size=\"10\">",
        VW * 1.5,
        h * 1.5
    );
    s.push_str(&format!(
        "<title>Converge: space-time diagram, {} to {}</title><rect width=\"{VW}\" height=\"{h}\" fill=\"#ffffff\"/>",
        fmt_secs(d.start),
        fmt_secs(d.end)
    ));
    for (i, name) in lanes.iter().enumerate() {
        let y = lane_y(i);
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{:.1}\" fill=\"#1a1f29\" text-anchor=\"end\" font-weight=\"600\">{}</text><line x1=\"{LABEL_W}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#c7cdd5\"/>",
            LABEL_W - 8.0,
            y + 3.5,
            xml_escape(name),
            LABEL_W + PLOT_W
        ));
    }
    let ox = LABEL_W;
    let step = tick_step(window);
    for t in (start / step..=(start + window) / step).map(|i| i * step) {
        let x = ox + (t as f64 - start as f64) * k;
        if x < ox - 0.1 {
            continue;
        }
        s.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{}\" fill=\"#555f6d\" text-anchor=\"middle\">{} s</text>",
            h - 6.0,
            t / 1000
        ));
    }
    for a in &d.arrows {
        let g = geo(a, k);
        let shift = ox - start as f64 * k;
        let g = Geo {
            x0: g.x0 + shift,
            x1: g.x1 + shift,
            ..g
        };
        let colour = if a.copy { "#a33ea1" } else { "#3f51d6" };
        let dash = match a.end {
            ArrowEnd::InFlight { .. } => " stroke-dasharray=\"4 3\"",
            _ if a.copy => " stroke-dasharray=\"2 2\"",
            _ => "",
        };
        s.push_str(&format!(
            "<g><title>{}</title><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1.3\"{dash}/>",
            xml_escape(&a.describe(lanes)),
            g.x0,
            g.y0,
            g.x1,
            g.y1
        ));
        match a.end {
            ArrowEnd::Dropped { .. } => s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#c62828\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"700\">\u{2715}</text>",
                g.x1,
                g.y1 + 4.0
            )),
            _ => s.push_str(&format!("<polygon points=\"{}\" fill=\"{colour}\"/>", head(g))),
        }
        s.push_str("</g>");
    }
    for m in &d.marks {
        let x = ox + (m.time as f64 - start as f64) * k;
        let y = lane_y(m.lane);
        if m.prominent() {
            s.push_str(&format!(
                "<g><title>{}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\" fill=\"#ffffff\" stroke=\"#1a1f29\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#1a1f29\">{}</text></g>",
                xml_escape(&m.text),
                y + 3.2,
                m.glyph()
            ));
        } else {
            s.push_str(&format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2\" fill=\"#555f6d\"><title>{}</title></circle>",
                xml_escape(&m.text)
            ));
        }
    }
    let px = ox + (d.end as f64 - start as f64) * k;
    s.push_str(&format!(
        "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#1a1f29\" stroke-width=\"1.5\"/></svg>",
        TOP - 8.0,
        h - 18.0
    ));
    s
}

/// The space-time diagram: one lane per service, an arrow per message.
#[component]
pub fn SpaceTime() -> impl IntoView {
    let run = use_run();
    let version = run.pulse(Rate::State);
    let window = RwSignal::new(WINDOW);
    let data = Memo::new(move |_| {
        version.track();
        read_diagram(run, window.get())
    });
    let items = Memo::new(move |_| {
        data.with(|(d, _, _)| {
            let mut v: Vec<Item> = d
                .arrows
                .iter()
                .cloned()
                .map(Item::Arrow)
                .chain(d.marks.iter().cloned().map(Item::Mark))
                .collect();
            v.sort_by_key(|i| i.time());
            v
        })
    });
    let lanes = Memo::new(move |_| data.with(|(_, l, _)| l.clone()));
    let start = Memo::new(move |_| data.with(|(d, _, _)| d.start));
    // A visible tooltip: x and y in percent of the drawing, and the words.
    let tip = RwSignal::new(None::<(f64, f64, String)>);
    let wrap_ref = NodeRef::<leptos::html::Div>::new();

    let choose = move |id: EventId, t: Time| {
        if run.playing.get_untracked() {
            run.set_playing(false);
        }
        run.selected.set(Some(id));
        run.go_to(t);
    };
    // Arrow keys move focus between items in time order.
    let on_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        let dir: i32 = match key.as_str() {
            "ArrowRight" | "ArrowDown" => 1,
            "ArrowLeft" | "ArrowUp" => -1,
            "Home" | "End" => 0,
            _ => return,
        };
        let Some(wrap) = wrap_ref.get_untracked() else {
            return;
        };
        let Ok(list) = wrap.query_selector_all("[data-item]") else {
            return;
        };
        let n = list.length();
        if n == 0 {
            return;
        }
        let active = document().active_element();
        let cur = (0..n).find(|&i| {
            list.item(i)
                .zip(active.clone())
                .is_some_and(|(a, b)| a == b.into())
        });
        let next = match (key.as_str(), cur) {
            ("Home", _) => 0,
            ("End", _) => n - 1,
            (_, None) => {
                if dir > 0 {
                    0
                } else {
                    n - 1
                }
            }
            (_, Some(i)) => (i as i64 + dir as i64).clamp(0, n as i64 - 1) as u32,
        };
        ev.prevent_default();
        ev.stop_propagation();
        if let Some(el) = list.item(next) {
            let el: web_sys::HtmlElement = el.unchecked_into();
            let _ = el.focus();
        }
    };
    let show_tip = move |x: f64, y: f64, text: String| {
        let h = height(lanes.with_untracked(|l| l.len()));
        let shift = LABEL_W - start.get_untracked() as f64 * k_of(window.get_untracked());
        tip.set(Some((
            ((shift + x) / VW * 100.0).clamp(2.0, 98.0),
            (y / h * 100.0).clamp(0.0, 100.0),
            text,
        )));
    };

    let render_item = move |item: Item| {
        let names = lanes.get_untracked();
        let k = k_of(window.get_untracked());
        match item {
            Item::Arrow(a) => {
                let g = geo(&a, k);
                let words = a.describe(&names);
                let (id, t) = target(&a);
                let ids = (a.start, a.end_event);
                let selected = move || {
                    let s = run.selected.get();
                    s.is_some() && (s == Some(ids.0) || s == ids.1)
                };
                let class = match a.end {
                    ArrowEnd::Delivered => "st-arrow",
                    ArrowEnd::Dropped { .. } => "st-arrow st-dropped",
                    ArrowEnd::InFlight { held: true, .. } => "st-arrow st-inflight st-held",
                    ArrowEnd::InFlight { .. } => "st-arrow st-inflight",
                };
                let class = if a.copy {
                    format!("{class} st-copy")
                } else {
                    class.to_string()
                };
                let end_mark = match a.end {
                    ArrowEnd::Dropped { .. } => view! {
                        <text class="st-x" x=format!("{:.1}", g.x1) y=format!("{:.1}", g.y1 + 4.5) text-anchor="middle">"\u{2715}"</text>
                    }
                    .into_any(),
                    _ => view! { <polygon class="st-head" points=head(g)></polygon> }.into_any(),
                };
                let (tx, ty) = ((g.x0 + g.x1) / 2.0, (g.y0 + g.y1) / 2.0);
                let tipw = words.clone();
                let label = words.clone();
                let tipw2 = words.clone();
                view! {
                    <g
                        class=class
                        class:is-selected=selected
                        data-item=""
                        data-event=id.0.to_string()
                        tabindex="-1"
                        role="button"
                        aria-label=label
                        aria-pressed=move || if selected() { "true" } else { "false" }
                        on:click=move |_: MouseEvent| choose(id, t)
                        on:keydown=move |ev: KeyboardEvent| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                ev.stop_propagation();
                                choose(id, t);
                            }
                        }
                        on:mouseenter=move |_| show_tip(tx, ty, tipw.clone())
                        on:mouseleave=move |_| tip.set(None)
                        on:focus=move |_: FocusEvent| show_tip(tx, ty, tipw2.clone())
                        on:blur=move |_: FocusEvent| tip.set(None)
                    >
                        <title>{words}</title>
                        <line class="st-hit" x1=format!("{:.1}", g.x0) y1=format!("{:.1}", g.y0) x2=format!("{:.1}", g.x1) y2=format!("{:.1}", g.y1)></line>
                        <line class="st-line" x1=format!("{:.1}", g.x0) y1=format!("{:.1}", g.y0) x2=format!("{:.1}", g.x1) y2=format!("{:.1}", g.y1)></line>
                        {end_mark}
                    </g>
                }
                .into_any()
            }
            Item::Mark(m) => {
                let x = m.time as f64 * k;
                let y = lane_y(m.lane);
                let id = m.id;
                let t = m.time;
                let lane = names.get(m.lane).cloned().unwrap_or_default();
                let words = format!(
                    "{}: {} ({}, Lamport {})",
                    lane,
                    m.text,
                    fmt_secs(m.time),
                    m.lamport
                );
                let selected = move || run.selected.get() == Some(id);
                let glyph = m.glyph();
                let body = if m.prominent() {
                    view! {
                        <circle class="st-mark-bg" cx=format!("{x:.1}") cy=format!("{y:.1}") r="7.5"></circle>
                        <text class="st-glyph" x=format!("{x:.1}") y=format!("{:.1}", y + 3.3) text-anchor="middle">{glyph}</text>
                    }
                    .into_any()
                } else {
                    view! {
                        <circle class="st-hit" cx=format!("{x:.1}") cy=format!("{y:.1}") r="5"></circle>
                        <circle class="st-dot" cx=format!("{x:.1}") cy=format!("{y:.1}") r="2.2"></circle>
                    }
                    .into_any()
                };
                let tipw = words.clone();
                let label = words.clone();
                let tipw2 = words.clone();
                view! {
                    <g
                        class=format!("st-mark st-mark-{}", m.kind.name())
                        class:is-selected=selected
                        data-item=""
                        data-event=id.0.to_string()
                        tabindex="-1"
                        role="button"
                        aria-label=label
                        aria-pressed=move || if selected() { "true" } else { "false" }
                        on:click=move |_: MouseEvent| choose(id, t)
                        on:keydown=move |ev: KeyboardEvent| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                ev.stop_propagation();
                                choose(id, t);
                            }
                        }
                        on:mouseenter=move |_| show_tip(x, y, tipw.clone())
                        on:mouseleave=move |_| tip.set(None)
                        on:focus=move |_: FocusEvent| show_tip(x, y, tipw2.clone())
                        on:blur=move |_: FocusEvent| tip.set(None)
                    >
                        <title>{words}</title>
                        {body}
                    </g>
                }
                .into_any()
            }
        }
    };

    let lane_view = move || {
        data.with(|(_, names, down)| {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let y = lane_y(i);
                    let is_down = down.get(i).copied().unwrap_or(false);
                    view! {
                        <g class="st-lane" class:st-lane-down=is_down>
                            <text class="st-lane-name" x={LABEL_W - 8.0} y={y + 3.5} text-anchor="end">
                                {name.clone()}{is_down.then_some(" (down)")}
                            </text>
                            <line class="st-lane-line" x1=LABEL_W x2={LABEL_W + PLOT_W} y1=y y2=y></line>
                        </g>
                    }
                })
                .collect_view()
        })
    };
    let axis = move || {
        let s0 = start.get();
        let w = window.get();
        let k = k_of(w);
        let step = tick_step(w);
        let h = height(lanes.with(|l| l.len()));
        (s0 / step..=(s0 + w) / step)
            .map(|i| i * step)
            .filter_map(|t| {
                let x = t as f64 * k;
                (t >= s0).then(|| {
                    view! {
                        <g class="st-tick">
                            <line x1=format!("{x:.1}") x2=format!("{x:.1}") y1={TOP - 6.0} y2={h - 20.0}></line>
                            <text x=format!("{x:.1}") y={h - 6.0} text-anchor="middle">{format!("{} s", t / 1000)}</text>
                        </g>
                    }
                })
            })
            .collect_view()
    };
    let playhead = move || {
        let x = data.with(|(d, _, _)| d.end) as f64 * k_of(window.get());
        let h = height(lanes.with(|l| l.len()));
        view! { <line class="st-playhead" x1=format!("{x:.1}") x2=format!("{x:.1}") y1={TOP - 8.0} y2={h - 18.0}></line> }
    };
    let summary = move || {
        data.with(|(d, _, _)| {
            let mut parts = vec![format!(
                "{} to {}: {} messages, {} other events.",
                fmt_secs(d.start),
                fmt_secs(d.end),
                d.arrows.len(),
                d.marks.len()
            )];
            if d.earlier > 0 {
                parts.push(format!(
                    "{} earlier event{} not drawn (see the log).",
                    group_digits(d.earlier),
                    if d.earlier == 1 { "" } else { "s" }
                ));
            }
            if d.omitted > 0 {
                parts.push(format!(
                    "{} older events of this window left out to keep it readable.",
                    group_digits(d.omitted as u64)
                ));
            }
            parts.join(" ")
        })
    };
    let export = move |_| {
        let w = window.get_untracked();
        let svg = data.with_untracked(|(d, l, _)| diagram_svg(d, l, w));
        let name = format!(
            "converge-{}-spacetime.svg",
            run.pattern.get_untracked().slug()
        );
        if let Err(e) = download_svg(&name, &svg) {
            run.notice.set(Some(super::run::Notice::error(e)));
        }
    };
    let view_box = move || format!("0 0 {VW} {:.0}", height(lanes.with(|l| l.len())));
    let translate = move || {
        format!(
            "translate({:.2} 0)",
            LABEL_W - start.get() as f64 * k_of(window.get())
        )
    };
    let on_window = move |ev: leptos::ev::Event| {
        if let Ok(w) = event_target_value(&ev).parse::<Time>() {
            if WINDOWS.contains(&w) {
                window.set(w);
            }
        }
    };

    view! {
        <section class="study-card spacetime" aria-labelledby="spacetime-title">
            <div class="study-head">
                <h2 class="study-title" id="spacetime-title">"Space-time diagram"</h2>
                <div class="study-tools">
                    <label class="log-filter">
                        <span>"Show the last"</span>
                        <select on:change=on_window prop:value=move || window.get().to_string()>
                            {WINDOWS.iter().map(|w| view! {
                                <option value=w.to_string()>{format!("{} s", w / 1000)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button type="button" class="study-button" on:click=export>"Export SVG"</button>
                </div>
            </div>
            <p class="st-summary">{summary}</p>
            <div
                class="st-wrap"
                node_ref=wrap_ref
                role="group"
                tabindex="0"
                aria-label="Space-time diagram of the window ending at the playhead. Arrow keys move between events; Enter selects one. The event log lists the same events as text."
                on:keydown=on_key
            >
                <svg class="st-svg" viewBox=view_box>
                    <defs>
                        <clipPath id="st-clip">
                            <rect x={LABEL_W - 8.0} y="0" width={PLOT_W + 16.0} height="2000"></rect>
                        </clipPath>
                    </defs>
                    {lane_view}
                    <g clip-path="url(#st-clip)">
                        <g transform=translate>
                            {axis}
                            <For each=move || items.get() key=move |i: &Item| (window.get_untracked(), i.key()) children=render_item/>
                            {playhead}
                        </g>
                    </g>
                </svg>
                {move || tip.get().map(|(x, y, text)| view! {
                    <div class="st-tip" role="tooltip" style:left=format!("{x:.1}%") style:top=format!("{y:.1}%")>{text}</div>
                })}
            </div>
            <ul class="st-legend" aria-label="Symbols">
                <li><span class="st-key st-key-arrow" aria-hidden="true"></span>"message"</li>
                <li><span class="st-key st-key-copy" aria-hidden="true"></span>"duplicate copy"</li>
                <li><span class="st-key st-key-flight" aria-hidden="true"></span>"in flight"</li>
                <li><span aria-hidden="true" class="st-key-glyph st-x">"\u{2715}"</span>"lost"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"\u{2016}"</span>"held"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"\u{25b6}"</span>"released"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"\u{2716}"</span>"crash"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"\u{21bb}"</span>"restart"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"\u{2714}"</span>"recovered"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"\u{25c6}"</span>"your action"</li>
                <li><span aria-hidden="true" class="st-key-glyph">"!"</span>"check violated"</li>
            </ul>
        </section>
    }
}
