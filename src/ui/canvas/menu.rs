//! The small menus of the canvas: a service (crash / restart), a link
//! (cut, heal, hold, release, latency, jitter, drop and duplicate odds) and
//! a message in flight (drop / duplicate). Each acts through
//! [`Run::apply`](crate::ui::run::Run::apply), so it is recorded in the
//! run's script at the current virtual time.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{link_label, CanvasCtx, OpenMenu};
use crate::sim::core::NodeStatus;
use crate::sim::frame::LinkFrame;
use crate::sim::{Command, LinkSettings, LinkState, MsgId, NodeId};
use crate::ui::run::{use_run, Run};

/// What a canvas menu is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Menu {
    /// A service or the broker.
    Node(NodeId),
    /// The link between two nodes (both directions).
    Link(NodeId, NodeId),
    /// A message in flight.
    Token(MsgId),
}

/// Renders the open menu, if any, as a small non-modal dialog anchored
/// near its subject. Escape closes it and returns focus to the opener.
#[component]
pub fn MenuHost() -> impl IntoView {
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let panel = NodeRef::<html::Div>::new();
    // Focus the first control when a menu opens.
    Effect::new(move |prev: Option<Option<Menu>>| {
        let now = ctx.open.with(|m| m.map(|m| m.menu));
        if now.is_some() && now != prev.flatten() {
            if let Some(el) = panel.get() {
                if let Ok(Some(first)) = el.query_selector("button:not([disabled]), input, select")
                {
                    if let Ok(first) = first.dyn_into::<web_sys::HtmlElement>() {
                        let _ = first.focus();
                    }
                }
            }
        }
        now
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            ctx.close(true);
        }
    };
    // Where the menu sits on screen: beside its subject, flipped to the
    // other side or shifted so that it stays inside the viewport.
    let pos = RwSignal::new(None::<(f64, f64)>);
    Effect::new(move |_| {
        let Some(OpenMenu { x, y, .. }) = ctx.open.get() else {
            pos.set(None);
            return;
        };
        let (Some(el), Some((ax, ay))) = (panel.get(), ctx.client_point(x, y)) else {
            return;
        };
        let r = el.get_bounding_client_rect();
        let (vw, vh) = viewport_size();
        pos.set(Some(place_menu(ax, ay, r.width(), r.height(), vw, vh)));
    });
    move || {
        let OpenMenu { menu, .. } = ctx.open.get()?;
        let (label, body) = match menu {
            Menu::Node(id) => ("Service actions", view! { <NodeMenu id=id/> }.into_any()),
            Menu::Link(a, b) => ("Link actions", view! { <LinkMenu a=a b=b/> }.into_any()),
            Menu::Token(id) => ("Message actions", view! { <TokenMenu id=id/> }.into_any()),
        };
        let px = |v: f64| format!("{v:.0}px");
        Some(view! {
            <div class="cv-menu" role="dialog" aria-label=label node_ref=panel
                class:placed=move || pos.get().is_some()
                style:left=move || pos.get().map(|p| px(p.0))
                style:top=move || pos.get().map(|p| px(p.1))
                on:keydown=on_keydown>
                {body}
                <button type="button" class="cv-menu-close" aria-label="Close menu"
                    on:click=move |_| ctx.close(true)>"\u{d7}"</button>
            </div>
        })
    }
}

/// The viewport's size in CSS pixels.
fn viewport_size() -> (f64, f64) {
    let w = window();
    let num = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    (num(w.inner_width()), num(w.inner_height()))
}

/// Room kept between a menu and the viewport's edges (CSS pixels).
const EDGE: f64 = 8.0;
/// Distance between a menu and the point it is about.
const OFFSET: f64 = 14.0;

/// Top-left corner for a `w × h` menu about the point `(ax, ay)` in a
/// `vw × vh` viewport: right of the point if it fits, else left of it,
/// then shifted so that every edge stays inside the viewport.
pub fn place_menu(ax: f64, ay: f64, w: f64, h: f64, vw: f64, vh: f64) -> (f64, f64) {
    let right = ax + OFFSET;
    let left = if right + w <= vw - EDGE {
        right
    } else if ax - OFFSET - w >= EDGE {
        ax - OFFSET - w
    } else {
        vw - EDGE - w
    };
    let top = ay - h / 3.0;
    let clamp = |v: f64, max: f64| v.min(max).max(EDGE);
    (clamp(left, vw - EDGE - w), clamp(top, vh - EDGE - h))
}

/// Applies `cmds` in order and closes the menu; stops at the first error
/// (the run store shows it as a notice).
fn act(run: Run, ctx: CanvasCtx, cmds: Vec<Command>) {
    for c in cmds {
        if run.apply(c).is_err() {
            break;
        }
    }
    ctx.close(true);
}

#[component]
fn NodeMenu(id: NodeId) -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let node = Memo::new(move |_| {
        run.frame.with(|f| {
            f.nodes
                .get(id.index())
                .map(|n| (n.name, n.status, n.crashable))
        })
    });
    let summary = Memo::new(move |_| {
        run.frame.with(|f| {
            f.nodes.get(id.index()).map(|n| match n.status {
                NodeStatus::Up => format!("Running: {}", n.summary),
                NodeStatus::Crashed => "Crashed: its volatile state is gone.".to_string(),
                NodeStatus::Restarting => "Restarting: it recovers from its durable state.".into(),
            })
        })
    });
    // The broker's partitions, offsets and lag: on the canvas too unless it
    // is compact, here always.
    let parts = Memo::new(move |_| {
        run.frame.with(|f| {
            let broker = f
                .nodes
                .get(id.index())
                .is_some_and(|n| n.role == crate::sim::scenario::NodeRole::Broker);
            if broker {
                f.partitions.clone()
            } else {
                Vec::new()
            }
        })
    });
    // One line per partition: plain strings, so this costs one list's code.
    let table = move || {
        parts.with(|ps| {
            let topic = ps.first()?.topic;
            let lines: Vec<String> = ps
                .iter()
                .map(|p| {
                    let mut line = format!("p{}: {} in the log", p.partition, p.len);
                    for &(g, off, busy) in &p.groups {
                        line.push_str(&format!(", {g} at {off}"));
                        if busy {
                            line.push_str(" (processing)");
                        } else if off < p.len {
                            line.push_str(" (behind)");
                        }
                    }
                    line
                })
                .collect();
            Some(view! {
                <p class="cv-menu-note">{format!("{topic}, committed offsets:")}</p>
                <ul class="cv-menu-parts">
                    {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                </ul>
            })
        })
    };
    move || {
        let (name, status, crashable) = node.get()?;
        let actions = if !crashable {
            view! { <p class="cv-menu-note">"This one stays up in this scenario."</p> }.into_any()
        } else {
            match status {
                NodeStatus::Up => view! {
                    <button type="button" class="cv-btn cv-btn-danger"
                        on:click=move |_| act(run, ctx, vec![Command::Crash { node: id }])>
                        {format!("Crash {name}")}
                    </button>
                }
                .into_any(),
                NodeStatus::Crashed => view! {
                    <button type="button" class="cv-btn"
                        on:click=move |_| act(run, ctx, vec![Command::Restart { node: id }])>
                        {format!("Restart {name}")}
                    </button>
                }
                .into_any(),
                NodeStatus::Restarting => view! {
                    <button type="button" class="cv-btn" disabled>{format!("{name} is restarting\u{2026}")}</button>
                }
                .into_any(),
            }
        };
        Some(view! {
            <h3 class="cv-menu-title">{name}</h3>
            <p class="cv-menu-status">{move || summary.get()}</p>
            {table}
            <div class="cv-menu-actions">{actions}</div>
        })
    }
}

#[component]
fn TokenMenu(id: MsgId) -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let flight = Memo::new(move |_| {
        run.frame.with(|f| {
            let fl = f.flights.iter().find(|x| x.id == id)?;
            let name = |n: NodeId| f.nodes.get(n.index()).map_or("?", |x| x.name);
            let label = run.with(|p| p.flight_label(id)).unwrap_or_default();
            Some((label, name(fl.from), name(fl.to)))
        })
    });
    move || match flight.get() {
        None => view! {
            <h3 class="cv-menu-title">"Message"</h3>
            <p class="cv-menu-status">"It is no longer in flight."</p>
        }
        .into_any(),
        Some((label, from, to)) => view! {
            <h3 class="cv-menu-title">{format!("{from} \u{2192} {to}")}</h3>
            <p class="cv-menu-status">{label}</p>
            <div class="cv-menu-actions">
                <button type="button" class="cv-btn cv-btn-danger"
                    on:click=move |_| act(run, ctx, vec![Command::DropMessage { msg: id }])>
                    "Drop this message"
                </button>
                <button type="button" class="cv-btn"
                    on:click=move |_| act(run, ctx, vec![Command::DuplicateMessage { msg: id }])>
                    "Duplicate this message"
                </button>
            </div>
        }
        .into_any(),
    }
}

/// Which directions the link settings form changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Both,
    Forward,
    Back,
}

/// Parses a whole number of milliseconds within the engine's bounds.
fn parse_ms(what: &str, s: &str) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a whole number of milliseconds"))?;
    if v > LinkSettings::MAX_LATENCY {
        return Err(format!(
            "{what} must be at most {} ms",
            LinkSettings::MAX_LATENCY
        ));
    }
    Ok(v)
}

/// Parses a percentage (one decimal) into per-mille.
fn parse_pct(what: &str, s: &str) -> Result<u16, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a number from 0 to 100"))?;
    if !(0.0..=100.0).contains(&v) || !v.is_finite() {
        return Err(format!("{what} must be from 0 to 100 %"));
    }
    Ok((v * 10.0).round() as u16)
}

/// Reads the settings form into link settings, or every problem in words.
fn parse_settings(lat: &str, jit: &str, drop: &str, dup: &str) -> Result<LinkSettings, String> {
    let mut errs = Vec::new();
    let latency = parse_ms("Latency", lat).map_err(|e| errs.push(e)).ok();
    let jitter = parse_ms("Jitter", jit).map_err(|e| errs.push(e)).ok();
    let drop_permille = parse_pct("Drop odds", drop).map_err(|e| errs.push(e)).ok();
    let dup_permille = parse_pct("Duplicate odds", dup)
        .map_err(|e| errs.push(e))
        .ok();
    match (latency, jitter, drop_permille, dup_permille) {
        (Some(latency), Some(jitter), Some(drop_permille), Some(dup_permille)) => {
            let s = LinkSettings {
                latency,
                jitter,
                drop_permille,
                dup_permille,
            };
            s.validate().map(|_| s)
        }
        _ => Err(errs.join("; ")),
    }
}

#[component]
fn LinkMenu(a: NodeId, b: NodeId) -> impl IntoView {
    let run = use_run();
    let ctx = use_context::<CanvasCtx>().expect("inside the canvas");
    let states = Memo::new(move |_| {
        run.frame.with(|f| {
            let find =
                |x: NodeId, y: NodeId| f.links.iter().find(|l| l.from == x && l.to == y).cloned();
            let name = |x: NodeId| f.nodes.get(x.index()).map_or("?", |n| n.name);
            Some((find(a, b)?, find(b, a)?, name(a), name(b)))
        })
    });
    let on_link = move |m: &crate::sim::frame::FlightFrame| {
        (m.from == a && m.to == b) || (m.from == b && m.to == a)
    };
    let msgs = Memo::new(move |_| {
        run.frame.with(|f| {
            f.flights
                .iter()
                .filter(|m| on_link(m))
                .take(6)
                .map(|m| {
                    let label = run.with(|p| p.flight_label(m.id)).unwrap_or_default();
                    (m.id, label, m.from == a)
                })
                .collect::<Vec<_>>()
        })
    });
    let total = Memo::new(move |_| {
        run.frame
            .with(|f| f.flights.iter().filter(|m| on_link(m)).count())
    });
    // The settings form starts from a → b's settings.
    let init = states
        .get_untracked()
        .map(|d| d.0.settings)
        .unwrap_or_default();
    let (an, bn) = states
        .get_untracked()
        .map(|d| (d.2, d.3))
        .unwrap_or(("?", "?"));
    let fwd = format!("{an} \u{2192} {bn}");
    let back = format!("{bn} \u{2192} {an}");
    let lat = RwSignal::new(init.latency.to_string());
    let jit = RwSignal::new(init.jitter.to_string());
    let drop = RwSignal::new(format!("{}", init.drop_permille as f32 / 10.0));
    let dup = RwSignal::new(format!("{}", init.dup_permille as f32 / 10.0));
    let dir = RwSignal::new(Dir::Both);
    let error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_settings(&lat.get(), &jit.get(), &drop.get(), &dup.get()) {
            Err(e) => error.set(Some(e)),
            Ok(settings) => {
                error.set(None);
                let mut cmds = Vec::new();
                if dir.get() != Dir::Back {
                    cmds.push(Command::SetLink {
                        from: a,
                        to: b,
                        settings,
                    });
                }
                if dir.get() != Dir::Forward {
                    cmds.push(Command::SetLink {
                        from: b,
                        to: a,
                        settings,
                    });
                }
                act(run, ctx, cmds);
            }
        }
    };

    let (fwd1, back1) = (fwd.clone(), back.clone());
    let top = move || {
        let (ab, ba, an, bn) = states.get()?;
        let (fwd, back) = (fwd1.clone(), back1.clone());
        let state_line = |name: &str, l: &LinkFrame| {
            let s = match l.state {
                LinkState::Healthy => "healthy",
                LinkState::Partitioned => "cut: messages are lost",
                LinkState::Held => "held: messages wait",
            };
            view! { <li>{format!("{name}: {s}, {} ms \u{b1} {} ms", l.settings.latency, l.settings.jitter)}</li> }
        };
        let both_cut = ab.state == LinkState::Partitioned && ba.state == LinkState::Partitioned;
        let any_fault = ab.state != LinkState::Healthy || ba.state != LinkState::Healthy;
        let held = |l: &LinkFrame| l.state == LinkState::Held;
        let hold_btn = |from: NodeId, to: NodeId, l: &LinkFrame, what: String| {
            if held(l) {
                view! {
                    <button type="button" class="cv-btn"
                        on:click=move |_| act(run, ctx, vec![Command::Release { from, to }])>
                        {format!("Release {what}")}
                    </button>
                }
                .into_any()
            } else {
                let disabled = l.state == LinkState::Partitioned;
                view! {
                    <button type="button" class="cv-btn" disabled=disabled
                        on:click=move |_| act(run, ctx, vec![Command::Hold { from, to }])>
                        {format!("Hold {what}")}
                    </button>
                }
                .into_any()
            }
        };
        let hold_both = if held(&ab) && held(&ba) {
            view! {
                <button type="button" class="cv-btn"
                    on:click=move |_| act(run, ctx, vec![Command::Release { from: a, to: b }, Command::Release { from: b, to: a }])>
                    "Release both ways"
                </button>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="cv-btn"
                    on:click=move |_| act(run, ctx, vec![Command::Hold { from: a, to: b }, Command::Hold { from: b, to: a }])>
                    "Hold both ways"
                </button>
            }
            .into_any()
        };
        Some(view! {
            <h3 class="cv-menu-title">{link_label(an, bn, &ab, &ba)}</h3>
            <ul class="cv-menu-status">{state_line(&fwd, &ab)}{state_line(&back, &ba)}</ul>
            <div class="cv-menu-actions">
                <button type="button" class="cv-btn cv-btn-danger" disabled=both_cut
                    on:click=move |_| act(run, ctx, vec![Command::Partition { a, b }])>"Cut both ways"</button>
                <button type="button" class="cv-btn cv-btn-danger" disabled=ab.state == LinkState::Partitioned
                    on:click=move |_| act(run, ctx, vec![Command::PartitionOneway { from: a, to: b }])>
                    {format!("Cut {fwd} only")}</button>
                <button type="button" class="cv-btn cv-btn-danger" disabled=ba.state == LinkState::Partitioned
                    on:click=move |_| act(run, ctx, vec![Command::PartitionOneway { from: b, to: a }])>
                    {format!("Cut {back} only")}</button>
                <button type="button" class="cv-btn" disabled=!any_fault
                    on:click=move |_| act(run, ctx, vec![Command::Heal { a, b }])>"Heal link"</button>
                {hold_both}
                {hold_btn(a, b, &ab, fwd.clone())}
                {hold_btn(b, a, &ba, back.clone())}
            </div>
        })
    };

    view! {
        {top}
        <form class="cv-link-form" on:submit=submit novalidate>
            <fieldset>
                <legend>"Latency and odds"</legend>
                <label class="cv-field">"Direction"
                    <select on:change=move |ev| {
                        dir.set(match event_target_value(&ev).as_str() {
                            "fwd" => Dir::Forward,
                            "back" => Dir::Back,
                            _ => Dir::Both,
                        })
                    }>
                        <option value="both" selected>"Both ways"</option>
                        <option value="fwd">{fwd}</option>
                        <option value="back">{back}</option>
                    </select>
                </label>
                <label class="cv-field">"Latency"
                    <span class="cv-unit-input"><input type="number" inputmode="numeric" min="0" max="60000" step="10"
                        prop:value=move || lat.get() on:input=move |ev| lat.set(event_target_value(&ev))/>"ms"</span>
                </label>
                <label class="cv-field">"Jitter"
                    <span class="cv-unit-input"><input type="number" inputmode="numeric" min="0" max="60000" step="10"
                        prop:value=move || jit.get() on:input=move |ev| jit.set(event_target_value(&ev))/>"ms"</span>
                </label>
                <label class="cv-field">"Drop odds"
                    <span class="cv-unit-input"><input type="number" inputmode="decimal" min="0" max="100" step="0.1"
                        prop:value=move || drop.get() on:input=move |ev| drop.set(event_target_value(&ev))/>"%"</span>
                </label>
                <label class="cv-field">"Duplicate odds"
                    <span class="cv-unit-input"><input type="number" inputmode="decimal" min="0" max="100" step="0.1"
                        prop:value=move || dup.get() on:input=move |ev| dup.set(event_target_value(&ev))/>"%"</span>
                </label>
                <p class="cv-error" role="alert">{move || error.get()}</p>
                <button type="submit" class="cv-btn">"Apply settings"</button>
            </fieldset>
        </form>
        <div class="cv-msgs" class:empty=move || total.get() == 0>
            <h4 class="cv-menu-sub">{move || format!("On this link: {} in flight", total.get())}</h4>
            <ul>
                <For each=move || msgs.get() key=|m| m.0 children=move |(id, label, forward)| {
                    let arrow = if forward { "\u{2192}" } else { "\u{2190}" };
                    view! {
                        <li class="cv-msg">
                            <span class="cv-msg-label">{format!("{arrow} {label}")}</span>
                            <button type="button" class="cv-btn cv-btn-small"
                                aria-label=format!("Drop {label}")
                                on:click=move |_| act(run, ctx, vec![Command::DropMessage { msg: id }])>"Drop"</button>
                            <button type="button" class="cv-btn cv-btn-small"
                                aria-label=format!("Duplicate {label}")
                                on:click=move |_| act(run, ctx, vec![Command::DuplicateMessage { msg: id }])>"Duplicate"</button>
                        </li>
                    }
                }/>
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_form_accepts_good_values_and_explains_bad_ones() {
        let s = parse_settings("400", "0", "12.5", "3").expect("valid");
        assert_eq!(s.latency, 400);
        assert_eq!(s.drop_permille, 125);
        assert_eq!(s.dup_permille, 30);
        let e = parse_settings("fast", "0", "150", "0").unwrap_err();
        assert!(e.contains("Latency must be a whole number"), "{e}");
        assert!(e.contains("Drop odds must be from 0 to 100"), "{e}");
        assert!(parse_settings("70000", "0", "0", "0").is_err());
    }

    #[test]
    fn menus_open_beside_their_subject_and_stay_in_the_viewport() {
        // Room on the right: beside the point.
        assert_eq!(
            place_menu(100.0, 300.0, 260.0, 150.0, 1280.0, 720.0),
            (114.0, 250.0)
        );
        // Near the right edge: flipped to the left of the point.
        let (x, _) = place_menu(1200.0, 300.0, 260.0, 150.0, 1280.0, 720.0);
        assert_eq!(x, 1200.0 - 14.0 - 260.0);
        // Near the bottom: shifted up, never below the viewport.
        let (_, y) = place_menu(100.0, 700.0, 260.0, 300.0, 1280.0, 720.0);
        assert_eq!(y, 720.0 - 8.0 - 300.0);
        // A phone narrower than both sides: pinned inside.
        let (x, y) = place_menu(200.0, 20.0, 300.0, 200.0, 390.0, 844.0);
        assert!(x >= 8.0 && x + 300.0 <= 390.0 - 8.0 + 1e-9);
        assert!(y >= 8.0);
    }
}
