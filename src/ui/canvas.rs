//! The topology canvas: services as boxes with their key state, the
//! broker's partitions and consumer offsets, links as two lanes (one per
//! direction) and messages in flight as tokens.
//!
//! The drawing (a 1000 × 600 view box) is fitted to its region, which a
//! `ResizeObserver` measures: [`geom::fit`] picks a zoom that shows every
//! box whole and, where the region is small, a label scale `k` that grows
//! the boxes and their text (up to where two boxes would crowd) so names
//! stay readable. On a phone the drawing may be wider than the region,
//! which then pans. Tokens are drawn by a Web Worker on an
//! `OffscreenCanvas` laid over the SVG (see `tokens`). Services, links and
//! tokens open small menus, placed inside the viewport, that act on the
//! run only through [`Run::apply`](super::run::Run::apply).

mod geom;
mod menu;
mod tokens;

use leptos::ev::{KeyboardEvent, MouseEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::run::use_run;
use crate::sim::core::NodeStatus;
use crate::sim::frame::{LinkFrame, NodeFrame, PartitionFrame};
use crate::sim::scenario::NodeRole;
use crate::sim::{LinkState, MsgId, NodeId};
use geom::{boxes_at, Fit, Lane, NodeBox, BROKER_HEAD, GROUP_COL, ROW_H};
pub use menu::Menu;

/// What a menu is about and where it opened (view-box units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct OpenMenu {
    /// The subject.
    pub menu: Menu,
    /// Anchor x in view-box units.
    pub x: f32,
    /// Anchor y in view-box units.
    pub y: f32,
}

/// Shared state of the canvas and its menus.
#[derive(Clone, Copy)]
pub(crate) struct CanvasCtx {
    /// The open menu, if any.
    pub open: RwSignal<Option<OpenMenu>>,
    /// The element that opened the menu (focus returns to it).
    pub opener: StoredValue<Option<web_sys::Element>, LocalStorage>,
    /// Node boxes, in node order.
    pub boxes: Memo<Vec<NodeBox>>,
    /// How the drawing is fitted to its region (label scale and zoom).
    pub fit: Memo<Fit>,
    /// The scaled scene (SVG and tokens): maps view-box units to the screen.
    pub scene: NodeRef<leptos::html::Div>,
}

impl CanvasCtx {
    /// Where view-box point `(x, y)` is on screen (CSS pixels from the
    /// viewport's top left), if the scene is mounted.
    pub fn client_point(&self, x: f32, y: f32) -> Option<(f64, f64)> {
        let el = self.scene.get_untracked()?;
        let r = el.get_bounding_client_rect();
        if r.width() <= 0.0 {
            return None;
        }
        Some((
            r.left() + x as f64 / geom::W as f64 * r.width(),
            r.top() + y as f64 / geom::H as f64 * r.height(),
        ))
    }
}

/// Names on the canvas should read at this size (CSS pixels) or larger;
/// [`geom::fit`] raises it so that every other text reads at
/// [`geom::MIN_TEXT_PX`].
const MIN_NAME_PX: f32 = 12.0;
/// The same in an embed, where the canvas is the whole picture.
const EMBED_NAME_PX: f32 = 15.0;
/// The same in present mode, for a projector.
const PRESENT_NAME_PX: f32 = 16.0;

/// Whether the canvas fits by width only and may pan (phones).
fn narrow_screen() -> bool {
    window()
        .match_media("(max-width: 720px)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Follows the content size of `el` (CSS pixels) with a `ResizeObserver`.
fn observe_size(el: &web_sys::Element, size: RwSignal<(f32, f32)>) {
    let target = el.clone();
    let read = move || {
        let now = (target.client_width() as f32, target.client_height() as f32);
        if size.get_untracked() != now {
            size.set(now);
        }
    };
    read();
    let cb = wasm_bindgen::closure::Closure::<dyn Fn()>::new(read);
    let Ok(observer) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(el);
    let keep = send_wrapper::SendWrapper::new((observer, cb));
    on_cleanup(move || {
        let (observer, _cb) = keep.take();
        observer.disconnect();
    });
}

impl CanvasCtx {
    /// Opens `menu` at `(x, y)`, remembering the element that had focus.
    pub fn show(&self, menu: Menu, x: f32, y: f32, opener: Option<web_sys::Element>) {
        self.opener.set_value(opener);
        self.open.set(Some(OpenMenu { menu, x, y }));
    }

    /// Closes the menu and, when `refocus`, puts focus back on its opener.
    pub fn close(&self, refocus: bool) {
        self.open.set(None);
        if refocus {
            if let Some(el) = self.opener.get_value() {
                js_focus(&el);
            }
        }
    }
}

/// Calls `focus()` on any element (SVG elements included).
fn js_focus(el: &web_sys::Element) -> bool {
    let f = js_sys::Reflect::get(el, &"focus".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    f.map(|f| f.call0(el).is_ok()).unwrap_or(false)
}

/// The shape of the drawing: changes only when the pattern does.
#[derive(Clone, Debug, PartialEq)]
struct Shape {
    nodes: usize,
    edges: Vec<(NodeId, NodeId)>,
}

/// The topology canvas: services, broker, links and message tokens.
#[component]
pub fn Canvas() -> impl IntoView {
    let run = use_run();
    let region = NodeRef::<leptos::html::Div>::new();
    let scene = NodeRef::<leptos::html::Div>::new();
    let size = RwSignal::new((0.0f32, 0.0f32));
    let narrow = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(el) = region.get() {
            observe_size(&el, size);
        }
    });
    // Embeds always fit their frame; present mode wants larger names.
    let embed = use_context::<super::startup::Startup>().is_some_and(|s| s.embed.enabled);
    let present = use_context::<super::workspace::Workspace>().map(|w| w.present);
    Effect::new(move |_| {
        size.track();
        let n = !embed && narrow_screen();
        if narrow.get_untracked() != n {
            narrow.set(n);
        }
    });
    // What the fit depends on: positions, roles and the broker table's
    // shape, not the state that changes every frame (so the search below
    // runs when the region or the topology changes, not per refresh).
    let drawing_shape = Memo::new(move |_| {
        run.frame.with(|f| {
            let nodes: Vec<NodeFrame> = f
                .nodes
                .iter()
                .map(|n| NodeFrame {
                    summary: String::new(),
                    status: NodeStatus::Up,
                    ..n.clone()
                })
                .collect();
            let partitions: Vec<PartitionFrame> = f
                .partitions
                .iter()
                .map(|p| PartitionFrame {
                    len: 0,
                    dead: 0,
                    groups: p.groups.iter().map(|g| (g.0, 0, false)).collect(),
                    ..p.clone()
                })
                .collect();
            (nodes, partitions)
        })
    });
    let fit = Memo::new(move |_| {
        let (w, h) = size.get();
        let by_width = narrow.get();
        drawing_shape.with(|(nodes, partitions)| {
            if w <= 0.0 {
                // Not laid out yet: the design size.
                return Fit::design(nodes, partitions);
            }
            let min_px = if present.is_some_and(|p| p.get()) {
                PRESENT_NAME_PX
            } else if embed {
                EMBED_NAME_PX
            } else {
                MIN_NAME_PX
            };
            geom::fit(nodes, partitions, w, h, by_width, min_px)
        })
    });
    let boxes = Memo::new(move |_| {
        let layout = fit.with(|f| f.layout);
        drawing_shape.with(|(nodes, partitions)| boxes_at(nodes, partitions, layout))
    });
    let ctx = CanvasCtx {
        open: RwSignal::new(None),
        opener: StoredValue::new_local(None),
        boxes,
        fit,
        scene,
    };
    provide_context(ctx);
    // A new pattern or run closes any menu.
    Effect::new(move |prev: Option<(crate::patterns::Pattern, u64)>| {
        let now = (run.pattern.get(), run.seed.get());
        if prev.is_some_and(|p| p != now) {
            ctx.open.set(None);
        }
        now
    });

    let shape = Memo::new(move |_| {
        run.frame.with(|f| Shape {
            nodes: f.nodes.len(),
            edges: f
                .links
                .iter()
                .filter(|l| l.from < l.to)
                .map(|l| (l.from, l.to))
                .collect(),
        })
    });
    let in_flight = Memo::new(move |_| run.frame.with(|f| f.flights.len()));

    // Clicks on a token (drawn on the worker's canvas) open its menu; they
    // are caught before the service or link underneath sees them.
    Effect::new(move |_| {
        let Some(el) = scene.get() else {
            return;
        };
        let el2 = el.clone();
        let cb = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MouseEvent)>::new(
            move |ev: web_sys::MouseEvent| {
                let target = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                if target.is_some_and(|t| t.closest(".cv-menu").ok().flatten().is_some()) {
                    return;
                }
                let r = el2.get_bounding_client_rect();
                if r.width() <= 0.0 || r.height() <= 0.0 {
                    return;
                }
                let x = ((ev.client_x() as f64 - r.left()) / r.width() * 1000.0) as f32;
                let y = ((ev.client_y() as f64 - r.top()) / r.height() * 600.0) as f32;
                if tokens::open_token_at(run, ctx, x, y) {
                    ev.stop_propagation();
                    ev.prevent_default();
                }
            },
        );
        let _ = el.add_event_listener_with_callback_and_bool(
            "click",
            cb.as_ref().unchecked_ref(),
            true,
        );
        // The listener lives as long as the element; JS owns the closure.
        let _ = cb.into_js_value();
    });

    let drawing = move || {
        shape.with(|s| {
            let links = s
                .edges
                .iter()
                .map(|&(a, b)| view! { <LinkView a=a b=b/> })
                .collect_view();
            let nodes = (0..s.nodes)
                .map(|i| view! { <NodeView id=NodeId(i as u16)/> })
                .collect_view();
            view! {
                <g class="cv-links">{links}</g>
                <g class="cv-nodes">{nodes}</g>
            }
        })
    };

    let px = |v: f32| format!("{v:.1}px");
    // The drawing is wider than its region (a phone): say it pans.
    let pans = move || {
        let w = size.get().0;
        w > 0.0 && fit.with(|f| f.rect.w * f.scale > w + 1.0)
    };
    view! {
        <div class="cv">
            <div class="cv-fit" node_ref=region>
            <div class="cv-view"
                style:width=move || fit.with(|f| px(f.rect.w * f.scale))
                style:height=move || fit.with(|f| px(f.rect.h * f.scale))>
            <div class="cv-scene" node_ref=scene
                style:width=move || fit.with(|f| px(geom::W * f.scale))
                style:height=move || fit.with(|f| px(geom::H * f.scale))
                style:left=move || fit.with(|f| px(-f.rect.x0 * f.scale))
                style:top=move || fit.with(|f| px(-f.rect.y0 * f.scale))>
                <svg
                    class="cv-svg"
                    viewBox="0 0 1000 600"
                    class:compact=move || fit.with(|f| f.layout.compact)
                    style:--k=move || fit.with(|f| format!("{:.2}", f.k()))
                    style:--km=move || fit.with(|f| format!("{:.2}", f.mark_k()))
                    role="group"
                    aria-label=move || format!("Topology of the {} pattern", run.pattern.get().label())
                >
                    <defs>
                        <marker id=run.dom_id("cv-arrow") viewBox="0 0 10 10" refX="9" refY="5"
                            markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M 0 1 L 9 5 L 0 9 z" class="cv-arrowhead"/>
                        </marker>
                    </defs>
                    <rect class="cv-bg" x="0" y="0" width="1000" height="600"
                        on:click=move |_| ctx.close(false)/>
                    {drawing}
                </svg>
                <tokens::Tokens/>
            </div>
            </div>
            </div>
            {move || pans().then(|| view! {
                <p class="cv-pan-hint">"Swipe or scroll sideways to see every service."</p>
            })}
            <menu::MenuHost/>
            <Legend in_flight=in_flight/>
        </div>
    }
}

/// The legend of token shapes and link marks, plus a count in words.
#[component]
fn Legend(in_flight: Memo<usize>) -> impl IntoView {
    view! {
        <div class="cv-legend">
            <ul class="cv-legend-list" aria-label="Legend">
                <li><span class="cv-key k-app" aria-hidden="true"><span class="cv-dot"></span></span>"service message"</li>
                <li><span class="cv-key k-publish" aria-hidden="true"><span class="cv-dot"></span></span>"publish to broker"</li>
                <li><span class="cv-key k-deliver" aria-hidden="true"><span class="cv-dot"></span></span>"delivery to consumer"</li>
                <li><span class="cv-key k-ack" aria-hidden="true"><span class="cv-dot"></span></span>"ack / confirm"</li>
                <li><span class="cv-mark cv-mark-cut" aria-hidden="true">"\u{2715}"</span>"cut link"</li>
                <li>
                    <svg class="cv-mark cv-mark-held" viewBox="0 0 10 10" width="11" height="11" aria-hidden="true" focusable="false">
                        <path d="M 1 0.5 h 3 v 9 h -3 z M 6 0.5 h 3 v 9 h -3 z"/>
                    </svg>
                    "held link"
                </li>
            </ul>
            <p class="cv-count">
                {move || match in_flight.get() {
                    1 => "1 message in flight".to_string(),
                    n => format!("{n} messages in flight"),
                }}
            </p>
        </div>
    }
}

fn role_word(role: NodeRole) -> &'static str {
    match role {
        NodeRole::Service => "service",
        NodeRole::Broker => "broker",
        NodeRole::Store => "data store",
        NodeRole::Job => "job",
        NodeRole::Client => "client",
    }
}

fn role_class(role: NodeRole) -> &'static str {
    match role {
        NodeRole::Service => "role-service",
        NodeRole::Broker => "role-broker",
        NodeRole::Store => "role-store",
        NodeRole::Job => "role-job",
        NodeRole::Client => "role-client",
    }
}

fn status_words(s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::Up => "running",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Restarting => "restarting",
    }
}

/// Truncates `s` to `max` characters with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('\u{2026}');
        t
    }
}

/// Opens a menu from a click or Enter/Space on a canvas element.
fn activate(ev: &web_sys::Event, open: impl Fn(Option<web_sys::Element>)) {
    let el = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    open(el);
}

fn is_activation(ev: &KeyboardEvent) -> bool {
    matches!(ev.key().as_str(), "Enter" | " ")
}

/// The accessible name of a box: its visible text first, as one piece,
/// then its role (and, when down, what that means).
pub(crate) fn node_label(name: &str, role: NodeRole, status: NodeStatus, summary: &str) -> String {
    match status {
        NodeStatus::Up if summary.is_empty() => format!("{name}, {}", role_word(role)),
        NodeStatus::Up => format!("{name} {summary}, {}", role_word(role)),
        s => format!(
            "{name} {}, {}: its volatile state is gone",
            status_words(s),
            role_word(role)
        ),
    }
}

/// One service (or the broker) as a box.
#[component]
fn NodeView(id: NodeId) -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let node = Memo::new(move |_| run.frame.with(|f| f.nodes.get(id.index()).cloned()));
    // What the box's structure depends on (it is rebuilt when one of these
    // changes); its state line, name and tooltip follow `summary` in place,
    // so a refresh that only changes numbers touches only text.
    let shape = Memo::new(move |_| {
        node.with(|n| n.as_ref().map(|n| (n.name, n.role, n.status, n.crashable)))
    });
    let summary =
        Memo::new(move |_| node.with(|n| n.as_ref().map_or(String::new(), |n| n.summary.clone())));
    let parts = Memo::new(move |_| {
        let is_broker = shape.with(|n| n.is_some_and(|n| n.1 == NodeRole::Broker));
        if is_broker {
            run.frame.with(|f| f.partitions.clone())
        } else {
            Vec::new()
        }
    });
    let topic = Memo::new(move |_| parts.with(|p| p.first().map(|p| p.topic)));
    let bx = Memo::new(move |_| ctx.boxes.with(|b| b.get(id.index()).copied()));
    // The worst standing of the replicas this box holds, if it holds any.
    let standing = Memo::new(move |_| {
        run.frame.with(|f| {
            f.views
                .iter()
                .filter(|v| v.node == Some(id))
                .map(|v| v.standing)
                .max()
        })
    });

    move || {
        // Re-drawn when the label scale changes (the boxes follow it).
        ctx.fit.track();
        let (name, role, status, crashable) = shape.get()?;
        let b = bx.get()?;
        let (k, km, compact) = ctx
            .fit
            .with_untracked(|f| (f.k(), f.mark_k(), f.layout.compact));
        let standing = standing.get();
        let broker = topic.get();
        // The accessible name starts with the visible text, in the order it
        // is read (WCAG 2.5.3), then adds what the picture alone tells.
        let label = move || {
            let summary = summary.read();
            let mut label = match (broker, status) {
                // The broker's visible text is its title (its table is
                // hidden from assistive technology; the summary says what
                // it holds).
                (Some(topic), NodeStatus::Up) => {
                    format!("{name} \u{b7} {topic}, broker: {summary}")
                }
                _ => node_label(name, role, status, &summary),
            };
            if let Some(s) = standing {
                label.push_str(", ");
                label.push_str(s.word());
            }
            label
        };
        let title = move || {
            let what = if status == NodeStatus::Up {
                summary.get()
            } else {
                status_words(status).to_string()
            };
            format!("{name} ({}) \u{2014} {what}", role_word(role))
        };
        let class = format!(
            "cv-node {} status-{}{}",
            role_class(role),
            status_words(status),
            standing.map_or(String::new(), |s| format!(" standing-{}", s.class()))
        );
        let open = move |el: Option<web_sys::Element>| {
            ctx.show(Menu::Node(id), b.x, b.y + b.hh, el);
        };
        let rx = if role == NodeRole::Client { b.hh } else { 10.0 };
        let body = if broker.is_some() {
            // The table's numbers change often: only this part is redrawn.
            (move || parts.with(|p| broker_table(b, k, compact, name, status, p))).into_any()
        } else if compact {
            // Names only: the state line is in the box's menu and the
            // State tab.
            view! {
                <text class="cv-node-name" x="0" y=5.0 * k text-anchor="middle">{clip(name, 18)}</text>
            }
            .into_any()
        } else {
            let line = move || {
                if status == NodeStatus::Up {
                    clip(&summary.read(), 24)
                } else {
                    status_words(status).to_string()
                }
            };
            // One text with a space between its lines, so the box's
            // visible text reads as its accessible name does.
            view! {
                <text class="cv-node-text" text-anchor="middle">
                    <tspan class="cv-node-name" x="0" y=-5.0 * k>{clip(name, 18)}</tspan>
                    " "
                    <tspan class="cv-node-summary" x="0" y=14.0 * k>{line}</tspan>
                </text>
            }
            .into_any()
        };
        let down = (status != NodeStatus::Up).then(|| {
            view! {
                <g class="cv-down-badge" aria-hidden="true" transform=format!("translate({},{}) scale({km})", b.hw - 14.0 * km, -b.hh + 1.0)>
                    <circle r="10"/>
                    <text y="4" text-anchor="middle">{if status == NodeStatus::Crashed { "\u{2715}" } else { "\u{21bb}" }}</text>
                </g>
            }
        });
        // A replica's state at its top-left corner, as a glyph (never
        // colour alone); the meter says it in words.
        let badge = standing.map(|s| {
            view! {
                <g class="cv-standing-badge" aria-hidden="true" transform=format!("translate({},{}) scale({km})", -b.hw + 12.0 * km, -b.hh + 1.0)>
                    <circle r="10"/>
                    <text y="4" text-anchor="middle">{s.icon()}</text>
                </g>
            }
        });
        let interactive = crashable;
        Some(view! {
            <g
                class=class
                transform=format!("translate({},{})", b.x, b.y)
                role=if interactive { "button" } else { "img" }
                tabindex=if interactive { Some("0") } else { None }
                aria-haspopup=if interactive { Some("dialog") } else { None }
                aria-label=label
                data-node=name
                on:click=move |ev: MouseEvent| {
                    if interactive {
                        activate(&ev, open)
                    }
                }
                on:keydown=move |ev: KeyboardEvent| {
                    if interactive && is_activation(&ev) {
                        ev.prevent_default();
                        activate(&ev, open);
                    }
                }
            >
                <title>{title}</title>
                <rect class="cv-box" x=-b.hw y=-b.hh width=2.0 * b.hw height=2.0 * b.hh rx=rx/>
                {(role == NodeRole::Store).then(|| view! {
                    <path class="cv-store-lip" d=format!("M {} {} Q 0 {} {} {}", -b.hw, -b.hh + 8.0 * k, -b.hh + 16.0 * k, b.hw, -b.hh + 8.0 * k)/>
                })}
                {body}
                {badge}
                {down}
            </g>
        })
    }
}

/// The broker's box content: its title and, unless the canvas is compact,
/// a table of partitions, log lengths and each consumer group's committed
/// offset. The table is left out of the accessibility tree: the box's
/// accessible name says what it shows, and the State tab lists it.
fn broker_table(
    b: NodeBox,
    k: f32,
    compact: bool,
    name: &'static str,
    status: NodeStatus,
    parts: &[PartitionFrame],
) -> impl IntoView {
    let topic = parts.first().map_or("", |p| p.topic);
    let title = if status == NodeStatus::Up {
        format!("{name} \u{b7} {topic}")
    } else {
        format!("{name} \u{b7} {}", status_words(status))
    };
    if compact {
        return view! {
            <text class="cv-node-name" x="0" y=5.0 * k text-anchor="middle">{title}</text>
        }
        .into_any();
    }
    let left = -b.hw + 10.0 * k;
    let top = -b.hh + (BROKER_HEAD - 6.0) * k;
    let groups: Vec<&'static str> = parts
        .first()
        .map(|p| p.groups.iter().map(|g| g.0).collect())
        .unwrap_or_default();
    let dead: u64 = parts.first().map_or(0, |p| p.dead);
    let col_x = |i: usize| left + (104.0 + GROUP_COL * i as f32) * k;
    let header = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            view! {
                <text class="cv-part-head" x=col_x(i) y=top text-anchor="middle">
                    <title>{format!("consumer group {g}: committed offset")}</title>
                    {clip(g, 9)}
                </text>
            }
        })
        .collect_view();
    let rows = parts
        .iter()
        .enumerate()
        .map(|(r, p)| {
            let y = top + ROW_H * k * (r as f32 + 1.0);
            let cells = p
                .groups
                .iter()
                .enumerate()
                .map(|(i, &(g, off, busy))| {
                    let behind = off < p.len;
                    view! {
                        <text class="cv-part-cell" class:behind=behind x=col_x(i) y=y text-anchor="middle">
                            <title>{format!("{g} has committed offset {off} of {} in partition {}{}", p.len, p.partition, if busy { ", a record is being processed" } else { "" })}</title>
                            {format!("{off}{}", if busy { "\u{2022}" } else if behind { "\u{2193}" } else { "" })}
                        </text>
                    }
                })
                .collect_view();
            view! {
                <text class="cv-part-label" x=left y=y>{format!("p{}", p.partition)}</text>
                <text class="cv-part-len" x=left + 50.0 * k y=y text-anchor="middle">{p.len}</text>
                {cells}
            }
        })
        .collect_view();
    view! {
        <text class="cv-node-name" x="0" y=-b.hh + 16.0 * k text-anchor="middle">{title}</text>
        <g class="cv-part-table" aria-hidden="true">
            <text class="cv-part-head" x=left y=top>"part."</text>
            <text class="cv-part-head" x=left + 50.0 * k y=top text-anchor="middle">"log"</text>
            {header}
            {rows}
            {(dead > 0).then(|| view! {
                <text class="cv-part-dead" x=b.hw - 8.0 * k y=-b.hh + 16.0 * k text-anchor="end">{format!("{dead} dead")}</text>
            })}
        </g>
    }
    .into_any()
}

fn state_words(s: LinkState) -> &'static str {
    match s {
        LinkState::Healthy => "healthy",
        LinkState::Partitioned => "cut",
        LinkState::Held => "held",
    }
}

fn state_class(s: LinkState) -> &'static str {
    match s {
        LinkState::Healthy => "healthy",
        LinkState::Partitioned => "cut",
        LinkState::Held => "held",
    }
}

/// The accessible description of a link's two directions.
pub(crate) fn link_label(an: &str, bn: &str, ab: &LinkFrame, ba: &LinkFrame) -> String {
    if ab.state == ba.state {
        format!(
            "Link {an} \u{2194} {bn}: {} both ways",
            state_words(ab.state)
        )
    } else {
        format!(
            "Link {an} \u{2194} {bn}: {an} \u{2192} {bn} {}, {bn} \u{2192} {an} {}",
            state_words(ab.state),
            state_words(ba.state)
        )
    }
}

/// One link: both directions as lanes with their fault marks.
#[component]
fn LinkView(a: NodeId, b: NodeId) -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let data = Memo::new(move |_| {
        run.frame.with(|f| {
            let find =
                |x: NodeId, y: NodeId| f.links.iter().find(|l| l.from == x && l.to == y).cloned();
            let name = |x: NodeId| f.nodes.get(x.index()).map_or("?", |n| n.name);
            Some((find(a, b)?, find(b, a)?, name(a), name(b)))
        })
    });
    let default_settings = Memo::new(move |_| run.with(|s| s.topology().link));
    let arrow = format!("url(#{})", run.dom_id("cv-arrow"));
    move || {
        let (ab, ba, an, bn) = data.get()?;
        let (ba_box, bb_box) = ctx
            .boxes
            .with(|bs| Some((*bs.get(a.index())?, *bs.get(b.index())?)))?;
        let l1 = Lane::between(&ba_box, &bb_box);
        let l2 = Lane::between(&bb_box, &ba_box);
        let (hx0, hy0) = ba_box.exit(bb_box.x, bb_box.y, 0.0);
        let (hx1, hy1) = bb_box.exit(ba_box.x, ba_box.y, 0.0);
        let hit = (hx0, hy0, hx1, hy1);
        let (mx, my) = ((hx0 + hx1) / 2.0, (hy0 + hy1) / 2.0);
        let open = move |el: Option<web_sys::Element>| {
            ctx.show(Menu::Link(a, b), mx, my, el);
        };
        let def = default_settings.get();
        // Marks and notes keep their text readable on a small canvas.
        let km = ctx.fit.with(|f| f.mark_k());
        let lane = |l: Lane, lf: &LinkFrame| {
            let class = format!("cv-lane {}", state_class(lf.state));
            let (sx, sy) = l.beside_middle(12.0 * km);
            let mark = match lf.state {
                LinkState::Healthy => None,
                LinkState::Partitioned => Some(("cv-mark-cut", "\u{2715}")),
                LinkState::Held => Some(("cv-mark-held", "")),
            };
            let mark = mark.map(|(c, t)| {
                view! {
                    <g class=format!("cv-lane-mark {c}") transform=format!("translate({sx},{sy}) scale({km})")>
                        <circle r="9"/>
                        {if t.is_empty() {
                            view! { <path class="cv-pause" d="M -4 -4.5 h 3 v 9 h -3 z M 1 -4.5 h 3 v 9 h -3 z"/> }.into_any()
                        } else {
                            view! { <text y="4" text-anchor="middle">{t}</text> }.into_any()
                        }}
                    </g>
                }
            });
            let s = lf.settings;
            let tuned = s != def;
            let note = tuned.then(|| {
                let (tx, ty) = l.beside_middle(if mark.is_some() { 30.0 } else { 14.0 } * km);
                let mut words = format!("{} ms", s.latency);
                if s.jitter > 0 {
                    words.push_str(&format!(" \u{b1}{}", s.jitter));
                }
                if s.drop_permille > 0 {
                    words.push_str(&format!(" \u{b7} drop {}%", s.drop_permille as f32 / 10.0));
                }
                if s.dup_permille > 0 {
                    words.push_str(&format!(" \u{b7} dup {}%", s.dup_permille as f32 / 10.0));
                }
                view! { <text class="cv-lane-note" x=tx y=ty + 4.0 * km text-anchor="middle">{words}</text> }
            });
            view! {
                <line class=class x1=l.x0 y1=l.y0 x2=l.x1 y2=l.y1 marker-end=arrow.clone()/>
                {mark}
                {note}
            }
        };
        let label = link_label(an, bn, &ab, &ba);
        let title = label.clone();
        Some(view! {
            <g
                class="cv-link"
                role="button"
                tabindex="0"
                aria-haspopup="dialog"
                aria-label=label
                on:click=move |ev: MouseEvent| activate(&ev, open)
                on:keydown=move |ev: KeyboardEvent| {
                    if is_activation(&ev) {
                        ev.prevent_default();
                        activate(&ev, open);
                    }
                }
            >
                <title>{title}</title>
                // From border to border: the link's middle is always in the
                // gap between its boxes, never under one of them.
                <line class="cv-link-hit" x1=hit.0 y1=hit.1 x2=hit.2 y2=hit.3/>
                {lane(l1, &ab)}
                {lane(l2, &ba)}
            </g>
        })
    }
}

/// The menu subject for a message token (used by the token layer).
pub(crate) fn token_menu(id: MsgId) -> Menu {
    Menu::Token(id)
}
