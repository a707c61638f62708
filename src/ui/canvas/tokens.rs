//! Message tokens: one HTML element per message in flight, moved by a CSS
//! animation the compositor runs, plus short "falls" where a message was
//! dropped.

use std::collections::HashMap;
use std::time::Duration;

use leptos::ev::MouseEvent;
use leptos::prelude::*;

use super::geom::{lane_for, progress};
use super::{token_menu, CanvasCtx};
use crate::sim::frame::FlightFrame;
use crate::sim::wire::WireKind;
use crate::sim::{MsgId, NodeId, Time};
use crate::ui::run::use_run;

/// A token as rendered. The key changes whenever the element must be
/// recreated (a new flight time, held or released, a seek or a new speed).
#[derive(Clone, Debug)]
struct Token {
    key: (u64, Time, u32, u64),
    id: MsgId,
    class: String,
    style: String,
    title: String,
}

/// A dropped message falling off its lane.
#[derive(Clone, Debug, PartialEq)]
struct Fall {
    n: u64,
    kind: WireKind,
    x: f32,
    y: f32,
}

/// What we remember of a flight to place its fall if it is dropped.
#[derive(Clone, Copy, Debug)]
struct Seen {
    from: NodeId,
    to: NodeId,
    sent_at: Time,
    due_at: Time,
    held: Option<f32>,
    kind: WireKind,
}

#[derive(Clone, Copy, Debug, Default)]
struct Sync {
    epoch: u64,
    time: Time,
    playing: bool,
    speed: f64,
}

/// Whether the learner asked the system for less motion.
pub(crate) fn reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Container-query units for a view-box point (the layer is 1000 × 600 units).
fn cq(x: f32, y: f32) -> (String, String) {
    (format!("{:.2}cqw", x / 10.0), format!("{:.2}cqh", y / 6.0))
}

fn kind_words(k: WireKind) -> &'static str {
    match k {
        WireKind::App => "service message",
        WireKind::Publish => "publish",
        WireKind::Deliver => "delivery",
        WireKind::Ack => "ack",
    }
}

/// The token layer over the SVG (hidden from assistive technology: the
/// link menus list the messages on a link with the same actions).
#[component]
pub fn Tokens() -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let reduced = reduced_motion();
    let sync = StoredValue::new(Sync::default());
    let names = Memo::new(move |_| {
        run.frame
            .with(|f| f.nodes.iter().map(|n| n.name).collect::<Vec<_>>())
    });

    let tokens = move || {
        let playing = run.playing.get();
        let speed = run.speed.get().max(0.01);
        let names = names.get();
        ctx.boxes.with(|boxes| {
            run.frame.with(|f| {
                let mut s = sync.get_value();
                let jump = f.time < s.time || f.time > s.time + (1500.0 * speed) as Time;
                if !playing || reduced || playing != s.playing || speed != s.speed || jump {
                    s.epoch += 1;
                }
                s.time = f.time;
                s.playing = playing;
                s.speed = speed;
                sync.set_value(s);
                let epoch = s.epoch;
                f.flights
                    .iter()
                    .filter_map(|fl| token(fl, f.time, epoch, speed, reduced, boxes, &names))
                    .collect::<Vec<_>>()
            })
        })
    };

    // Falls: a message that vanished and whose drop is in the recent log.
    let falls = RwSignal::new(Vec::<Fall>::new());
    let seen = StoredValue::new_local((HashMap::<MsgId, Seen>::new(), 0u64, 0 as Time));
    let counter = StoredValue::new(0u64);
    Effect::new(move |_| {
        run.frame.with(|f| {
            let (prev, dropped_before, t_before) = seen.with_value(|s| (s.0.clone(), s.1, s.2));
            let forward = f.time >= t_before;
            if forward && f.counters.dropped > dropped_before && !prev.is_empty() {
                let current: std::collections::HashSet<MsgId> =
                    f.flights.iter().map(|x| x.id).collect();
                let lines = run.with(|s| s.log(200));
                let mut new_falls = Vec::new();
                for line in lines.iter().filter(|l| l.kind == "drop") {
                    let Some(id) = line.msg else { continue };
                    if current.contains(&id) {
                        continue;
                    }
                    let Some(sn) = prev.get(&id) else { continue };
                    let Some(lane) = ctx.boxes.with_untracked(|b| lane_for(b, sn.from, sn.to))
                    else {
                        continue;
                    };
                    let frac = match sn.held {
                        Some(p) => p,
                        None => {
                            let span = sn.due_at.saturating_sub(sn.sent_at).max(1);
                            (line.time.saturating_sub(sn.sent_at) as f32 / span as f32)
                                .clamp(0.0, 1.0)
                        }
                    };
                    let (x, y) = lane.at(frac);
                    let n = counter.get_value() + 1;
                    counter.set_value(n);
                    new_falls.push(Fall {
                        n,
                        kind: sn.kind,
                        x,
                        y,
                    });
                }
                if !new_falls.is_empty() {
                    let ns: Vec<u64> = new_falls.iter().map(|f| f.n).collect();
                    falls.update(|v| {
                        v.extend(new_falls);
                        let extra = v.len().saturating_sub(60);
                        v.drain(..extra);
                    });
                    set_timeout(
                        move || {
                            let _ = falls.try_update(|v| v.retain(|f| !ns.contains(&f.n)));
                        },
                        Duration::from_millis(900),
                    );
                }
            }
            let map = f
                .flights
                .iter()
                .map(|x| {
                    (
                        x.id,
                        Seen {
                            from: x.from,
                            to: x.to,
                            sent_at: x.sent_at,
                            due_at: x.due_at,
                            held: x.held,
                            kind: x.kind,
                        },
                    )
                })
                .collect();
            seen.set_value((map, f.counters.dropped, f.time));
        })
    });

    let open_token = move |id: MsgId| {
        let pos = run.frame.with_untracked(|f| {
            let fl = f.flights.iter().find(|x| x.id == id)?;
            let lane = ctx.boxes.with_untracked(|b| lane_for(b, fl.from, fl.to))?;
            Some(lane.at(progress(fl, f.time)))
        });
        if let Some((x, y)) = pos {
            ctx.show(token_menu(id), x, y + 8.0, None);
        }
    };

    view! {
        <div class="cv-tokens" class:paused=move || !run.playing.get() aria-hidden="true">
            <For
                each=tokens
                key=|t: &Token| t.key
                children=move |t: Token| {
                    let id = t.id;
                    view! {
                        <div class=t.class style=t.style title=t.title
                            on:click=move |ev: MouseEvent| {
                                ev.stop_propagation();
                                open_token(id);
                            }>
                            <span class="cv-dot"></span>
                        </div>
                    }
                }
            />
            <For
                each=move || falls.get()
                key=|f: &Fall| f.n
                children=move |f: Fall| {
                    let (x, y) = cq(f.x, f.y);
                    view! {
                        <div class=format!("cv-token cv-fall k-{}", f.kind.name())
                            style=format!("transform:translate({x},{y})")>
                            <span class="cv-dot"></span>
                            <span class="cv-fall-x">"\u{2715}"</span>
                        </div>
                    }
                }
            />
        </div>
    }
}

/// Builds the element description of one flight.
fn token(
    fl: &FlightFrame,
    now: Time,
    epoch: u64,
    speed: f64,
    reduced: bool,
    boxes: &[super::geom::NodeBox],
    names: &[&'static str],
) -> Option<Token> {
    let lane = lane_for(boxes, fl.from, fl.to)?;
    let kind = fl.kind.name();
    let mut class = format!("cv-token k-{kind}");
    if fl.copy {
        class.push_str(" copy");
    }
    let style = if fl.held.is_some() || reduced {
        if fl.held.is_some() {
            class.push_str(" held");
        }
        let (x, y) = lane.at(progress(fl, now));
        let (x, y) = cq(x, y);
        format!("transform:translate({x},{y})")
    } else {
        class.push_str(" moving");
        let (x0, y0) = cq(lane.x0, lane.y0);
        let (x1, y1) = cq(lane.x1, lane.y1);
        let dur = fl.due_at.saturating_sub(fl.sent_at).max(1) as f64 / speed;
        let done = now.saturating_sub(fl.sent_at) as f64 / speed;
        format!(
            "--x0:{x0};--y0:{y0};--x1:{x1};--y1:{y1};animation-duration:{dur:.0}ms;animation-delay:-{done:.0}ms"
        )
    };
    let name = |n: NodeId| names.get(n.index()).copied().unwrap_or("?");
    let title = format!(
        "{} ({}, {} \u{2192} {}){}{}",
        fl.label,
        kind_words(fl.kind),
        name(fl.from),
        name(fl.to),
        if fl.copy { ", a duplicate" } else { "" },
        if fl.held.is_some() {
            ", held on the link"
        } else {
            ""
        }
    );
    let held_bits = fl.held.map_or(u32::MAX, f32::to_bits);
    Some(Token {
        key: (fl.id.0, fl.due_at, held_bits, epoch),
        id: fl.id,
        class,
        style,
        title,
    })
}
