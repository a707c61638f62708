//! Message tokens, drawn off the main thread.
//!
//! The tokens layer is a `<canvas>` handed to a Web Worker as an
//! `OffscreenCanvas` (see `worker.js`). Whenever the frame changes, the
//! page sends the worker the messages in flight (their lane, send and due
//! times, kind, copy/held flags) and the virtual clock as one transferred
//! `Float64Array` (plain numbers, no JSON to format or parse); the worker
//! interpolates and draws them every animation frame. Hundreds of moving
//! messages therefore cost the page's main thread only one small message
//! per frame refresh, not one style or paint update per token per frame.
//!
//! A dropped message that vanished from the frame, and whose drop is in
//! the recent log, falls off its lane. Clicks on the canvas area are
//! hit-tested against the tokens' positions to open a token's menu.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::geom::{lane_for, progress, NodeBox};
use super::{token_menu, CanvasCtx};
use crate::sim::frame::TokenFrame;
use crate::sim::wire::WireKind;
use crate::sim::{MsgId, NodeId, Time, TraceKind};
use crate::ui::run::{use_run, Run};

/// The worker's source.
const WORKER_JS: &str = include_str!("worker.js");

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

/// Whether the learner asked the system for less motion.
pub(crate) fn reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

fn kind_index(k: WireKind) -> u8 {
    match k {
        WireKind::App => 0,
        WireKind::Publish => 1,
        WireKind::Deliver => 2,
        WireKind::Ack => 3,
    }
}

/// Wall-clock milliseconds comparable across the page and the worker.
fn real_now() -> f64 {
    window()
        .performance()
        .map_or(0.0, |p| p.time_origin() + p.now())
}

/// Numbers per message token in the worker's buffer: the lane's ends
/// (x0, y0, x1, y1 in view-box units), sent and due times (virtual ms),
/// the kind's index, flags (1 a copy, 2 held) and where a held one stopped.
const TOKEN_LEN: usize = 9;

/// The frame's messages in flight for the worker, as plain numbers (no
/// strings, no JSON): a header (virtual now, the wall clock in ms, speed,
/// playing and reduced motion as 0/1), then [`TOKEN_LEN`] numbers per
/// token.
fn frame_numbers(
    f: &TokenFrame,
    boxes: &[NodeBox],
    speed: f64,
    playing: bool,
    reduced: bool,
) -> Vec<f64> {
    let mut v = Vec::with_capacity(5 + f.flights.len() * TOKEN_LEN);
    v.extend_from_slice(&[
        f.time as f64,
        real_now(),
        speed,
        f64::from(u8::from(playing)),
        f64::from(u8::from(reduced)),
    ]);
    for fl in &f.flights {
        let Some(l) = lane_for(boxes, fl.from, fl.to) else {
            continue;
        };
        let flags = u8::from(fl.copy) | (u8::from(fl.held.is_some()) << 1);
        v.extend_from_slice(&[
            f64::from(l.x0),
            f64::from(l.y0),
            f64::from(l.x1),
            f64::from(l.y1),
            fl.sent_at as f64,
            fl.due_at as f64,
            f64::from(kind_index(fl.kind)),
            f64::from(flags),
            f64::from(fl.held.unwrap_or(0.0)),
        ]);
    }
    v
}

/// A plain JS object `{ key: value }`.
fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// Starts the drawing worker and hands it the canvas.
fn start_worker(canvas: &web_sys::HtmlCanvasElement) -> Result<web_sys::Worker, JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(WORKER_JS));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let worker = web_sys::Worker::new(&url);
    let _ = web_sys::Url::revoke_object_url(&url);
    let worker = worker?;
    let off = canvas.transfer_control_to_offscreen()?;
    worker.post_message_with_transfer(
        &obj(&[("canvas", off.clone().into())]),
        &js_sys::Array::of1(&off),
    )?;
    Ok(worker)
}

/// Sends the canvas size and the theme's token colours.
fn send_setup(worker: &web_sys::Worker, canvas: &web_sys::HtmlCanvasElement) {
    let w = canvas.client_width() as f64;
    let h = canvas.client_height() as f64;
    let dpr = window().device_pixel_ratio().max(1.0);
    let size = js_sys::Array::of3(&w.into(), &h.into(), &dpr.into());
    let colors = js_sys::Object::new();
    if let Some(doc) = document().document_element() {
        if let Ok(Some(style)) = window().get_computed_style(&doc) {
            for (key, var) in [
                ("app", "--k-app"),
                ("publish", "--k-publish"),
                ("deliver", "--k-deliver"),
                ("ack", "--k-ack"),
                ("held", "--warn"),
                ("bad", "--bad"),
                ("ring", "--surface"),
            ] {
                let v = style.get_property_value(var).unwrap_or_default();
                let v = v.trim();
                if !v.is_empty() {
                    let _ = js_sys::Reflect::set(&colors, &key.into(), &v.into());
                }
            }
        }
    }
    let _ = worker.post_message(&obj(&[("size", size.into()), ("colors", colors.into())]));
}

/// The message in flight under view-box point `(x, y)`, if any, with its position.
pub(crate) fn hit(run: Run, boxes: &[NodeBox], x: f32, y: f32) -> Option<(MsgId, f32, f32)> {
    run.tokens.with_untracked(|f| {
        let mut best: Option<(f32, MsgId, f32, f32)> = None;
        for fl in &f.flights {
            let Some(lane) = lane_for(boxes, fl.from, fl.to) else {
                continue;
            };
            let (tx, mut ty) = lane.at(progress(fl, f.time));
            if fl.copy {
                ty -= 9.0;
            }
            let d = (tx - x).powi(2) + (ty - y).powi(2);
            if d <= 14.0 * 14.0 && best.is_none_or(|b| d < b.0) {
                best = Some((d, fl.id, tx, ty));
            }
        }
        best.map(|b| (b.1, b.2, b.3))
    })
}

/// The token layer over the SVG (hidden from assistive technology: the
/// link menus list the messages on a link with the same actions).
#[component]
pub fn Tokens() -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let reduced = reduced_motion();
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let worker = StoredValue::new_local(None::<web_sys::Worker>);

    Effect::new(move |_| {
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        if worker.with_value(|w| w.is_some()) {
            return;
        }
        let Ok(w) = start_worker(&canvas) else {
            return;
        };
        send_setup(&w, &canvas);
        // Size the drawing surface from the layout whenever the canvas's
        // box changes: window resizes, and a canvas that starts hidden (a
        // hidden slide, a frame laid out late) and is shown later. A
        // window resize also catches device-pixel-ratio changes (zoom).
        let (w2, c2) = (w.clone(), canvas.clone());
        let on_resize = Closure::<dyn Fn()>::new(move || send_setup(&w2, &c2));
        let _ =
            window().add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
        if let Some(o) = &observer {
            o.observe(&canvas);
        }
        let handle = SendWrapper::new((w.clone(), on_resize, observer));
        on_cleanup(move || {
            let (w, on_resize, observer) = handle.take();
            let _ = window()
                .remove_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
            if let Some(o) = observer {
                o.disconnect();
            }
            w.terminate();
        });
        worker.set_value(Some(w));
    });

    // Send every new frame (and play, pause, speed changes) to the worker.
    Effect::new(move |_| {
        // The worker animates only while time flows (not while unseen).
        let playing = run.flowing();
        let speed = run.speed.get();
        let has_worker = canvas_ref.get().is_some() && worker.with_value(|w| w.is_some());
        if !has_worker {
            return;
        }
        let numbers = ctx.boxes.with(|b| {
            run.tokens
                .with(|f| frame_numbers(f, b, speed, playing, reduced))
        });
        // One copy into a typed array whose buffer moves to the worker.
        let array = js_sys::Float64Array::from(&numbers[..]);
        worker.with_value(|w| {
            if let Some(w) = w {
                let _ = w.post_message_with_transfer(
                    &obj(&[("frame", array.clone().into())]),
                    &js_sys::Array::of1(&array.buffer()),
                );
            }
        });
    });

    // Falls: a message that vanished and whose drop is in the recent log.
    let seen = StoredValue::new_local((HashMap::<MsgId, Seen>::new(), 0u64, 0 as Time));
    Effect::new(move |_| {
        run.tokens.with(|f| {
            let (dropped_before, t_before) = seen.with_value(|s| (s.1, s.2));
            let forward = f.time >= t_before;
            if forward && f.dropped > dropped_before {
                let current: HashSet<MsgId> = f.flights.iter().map(|x| x.id).collect();
                let lines = run.with(|s| s.log(200));
                let mut json = String::from("[");
                seen.with_value(|(prev, _, _)| {
                    for line in lines
                        .iter()
                        .filter(|l| matches!(l.kind, TraceKind::Drop(_)))
                    {
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
                        if json.len() > 1 {
                            json.push(',');
                        }
                        let _ = write!(json, "[{x:.1},{y:.1},{}]", kind_index(sn.kind));
                    }
                });
                json.push(']');
                if json.len() > 2 {
                    worker.with_value(|w| {
                        if let Some(w) = w {
                            let _ = w.post_message(&obj(&[("falls", json.into())]));
                        }
                    });
                }
            }
            seen.update_value(|s| {
                s.0.clear();
                s.0.extend(f.flights.iter().map(|x| {
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
                }));
                s.1 = f.dropped;
                s.2 = f.time;
            });
        })
    });

    view! { <canvas class="cv-tokens" aria-hidden="true" node_ref=canvas_ref></canvas> }
}

/// Opens the menu of the token at view-box `(x, y)`; true if there was one.
pub(crate) fn open_token_at(run: Run, ctx: CanvasCtx, x: f32, y: f32) -> bool {
    match ctx.boxes.with_untracked(|b| hit(run, b, x, y)) {
        Some((id, tx, ty)) => {
            ctx.show(token_menu(id), tx, ty + 8.0, None);
            true
        }
        None => false,
    }
}
