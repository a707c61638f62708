//! The event log: the trace as sentences, newest at the bottom, filterable
//! by service and by kind. Each line is a button that selects its event
//! everywhere and moves the playhead to it; a violated check's line links
//! to the event that broke it. Below it, "Explain this value" walks the
//! selected event's causal parents back to the source write. The log is
//! also the space-time diagram's text alternative.

use leptos::ev::Event;
use leptos::html;
use leptos::prelude::*;

use super::run::{use_run, Rate, Run};
use super::study::group_digits;
use crate::sim::types::fmt_secs;
use crate::sim::{EventId, LogLine, Playground, Time, TraceKind};

/// Lines shown at most.
pub const SHOW: usize = 100;

/// The kind filter's value that shows the events that lost updates.
pub const LOST: &str = "lost";

/// Which kinds of event the log shows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KindFilter {
    /// Events of this kind (whatever their data: every drop).
    Is(TraceKind),
    /// The events that lost an update ([`LogFilter::lost`]).
    Lost,
}

impl KindFilter {
    /// The filter a `<select>` value names ([`LOST`] or a kind's name).
    pub fn named(value: &str) -> Option<KindFilter> {
        if value == LOST {
            Some(KindFilter::Lost)
        } else {
            TraceKind::named(value).map(KindFilter::Is)
        }
    }

    /// Its `<select>` value.
    pub fn value(self) -> &'static str {
        match self {
            KindFilter::Is(k) => k.name(),
            KindFilter::Lost => LOST,
        }
    }
}

/// Which events the log shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only events at (or addressed to) this service.
    pub node: Option<u16>,
    /// Only events of this kind, or only those in `lost`.
    pub kind: Option<KindFilter>,
    /// The events that lost an update, as the meter's diverged replicas
    /// name them (used when `kind` is [`KindFilter::Lost`]).
    pub lost: Vec<EventId>,
}

impl LogFilter {
    /// True when `l` passes the filter.
    pub fn accepts(&self, l: &LogLine) -> bool {
        self.node
            .is_none_or(|n| l.node.0 == n || l.peer.is_some_and(|p| p.0 == n))
            && self.kind.is_none_or(|k| match k {
                KindFilter::Lost => self.lost.contains(&l.id),
                KindFilter::Is(k) => l.kind.same_kind(k),
            })
    }
}

/// The newest `limit` events up to the playhead that pass `filter`,
/// oldest first, reading back at most `scan` events; and whether the
/// whole trace was read.
pub fn filtered_lines(
    p: &dyn Playground,
    filter: &LogFilter,
    limit: usize,
    scan: usize,
) -> (Vec<LogLine>, bool) {
    if filter == &LogFilter::default() {
        let lines = p.log(limit);
        let all = lines.first().is_none_or(|l| l.id.0 == 0);
        return (lines, all);
    }
    let Some(last) = p.log(1).pop() else {
        return (Vec::new(), true);
    };
    let mut out = Vec::new();
    let mut id = last.id.0 as i64;
    let mut read = 0;
    while id >= 0 && out.len() < limit && read < scan {
        match p.line(EventId(id as u64)) {
            Some(l) => {
                if filter.accepts(&l) {
                    out.push(l);
                }
            }
            None => break,
        }
        id -= 1;
        read += 1;
    }
    out.reverse();
    let complete = id < 0 || out.len() >= limit;
    (out, complete)
}

/// Selects an event everywhere and moves the playhead to it (pausing).
pub fn select_event(run: Run, id: EventId, time: Time) {
    if run.playing.get_untracked() {
        run.set_playing(false);
    }
    run.selected.set(Some(id));
    run.go_to(time);
}

/// Scrolls `el` into view inside its scrolling `list` (without moving the
/// page). The list is positioned, so it is `el`'s offset parent.
fn reveal(list: &web_sys::HtmlElement, el: &web_sys::HtmlElement) {
    let top = el.offset_top();
    let bottom = top + el.offset_height();
    let view_top = list.scroll_top();
    let view_bottom = view_top + list.client_height();
    if top < view_top {
        list.set_scroll_top(top - 8);
    } else if bottom > view_bottom {
        list.set_scroll_top(bottom - list.client_height() + 8);
    }
}

/// The trace as sentences, filterable, with "explain this value".
#[component]
pub fn EventLog() -> impl IntoView {
    let run = use_run();
    let version = run.pulse(Rate::Log);
    let filter = RwSignal::new(LogFilter::default());
    let data = Memo::new(move |_| {
        version.track();
        let mut f = filter.get();
        if f.kind == Some(KindFilter::Lost) {
            f.lost = run.frame.with_untracked(|fr| {
                let mut ids: Vec<EventId> = fr
                    .views
                    .iter()
                    .filter_map(|v| v.lost.map(|l| l.0))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            });
        }
        // While time flows, read back a bounded stretch; paused, all of it.
        let scan = if run.playing.get_untracked() {
            4_000
        } else {
            usize::MAX
        };
        run.with(|s| {
            let total = s.log(1).first().map_or(0, |l| l.id.0 + 1);
            let (lines, all) = filtered_lines(s, &f, SHOW, scan);
            (lines, all, total)
        })
    });
    let services = Memo::new(move |_| {
        run.frame
            .with(|f| f.nodes.iter().map(|n| (n.id.0, n.name)).collect::<Vec<_>>())
    });
    // Reset the service filter when the pattern changes.
    Effect::new(move |_| {
        run.pattern.track();
        filter.update(|f| f.node = None);
    });

    let list_ref = NodeRef::<html::Ol>::new();
    let follow = StoredValue::new(true);
    let on_scroll = move |_: Event| {
        if let Some(list) = list_ref.get_untracked() {
            let at_end = list.scroll_top() + list.client_height() >= list.scroll_height() - 12;
            follow.set_value(at_end);
        }
    };
    // Keep the newest line in view while following; else keep the
    // selected line in view.
    Effect::new(move |_| {
        data.track();
        let sel = run.selected.get();
        request_animation_frame(move || {
            // The log may have been unmounted before this frame.
            let (Some(following), Some(playing)) =
                (follow.try_get_value(), run.playing.try_get_untracked())
            else {
                return;
            };
            let Some(list) = list_ref.get_untracked() else {
                return;
            };
            let list: web_sys::HtmlElement = list.into();
            let selected_el = sel.and_then(|id| {
                list.query_selector(&format!("[data-event=\"{}\"]", id.0))
                    .ok()
                    .flatten()
            });
            use wasm_bindgen::JsCast;
            match selected_el {
                Some(el) if !playing => {
                    reveal(&list, el.unchecked_ref());
                }
                _ => {
                    if following {
                        list.set_scroll_top(list.scroll_height());
                    }
                }
            }
        });
    });

    let on_service = move |ev: Event| {
        let v = event_target_value(&ev);
        filter.update(|f| f.node = v.parse::<u16>().ok());
    };
    let on_kind = move |ev: Event| {
        let v = event_target_value(&ev);
        filter.update(|f| f.kind = KindFilter::named(&v));
    };
    let name_of = move |n: u16| {
        services.with_untracked(|s| {
            s.iter()
                .find(|(i, _)| *i == n)
                .map_or("?", |(_, name)| *name)
        })
    };

    let line_view = move |l: LogLine| {
        let id = l.id;
        let time = l.time;
        let selected = move || run.selected.get() == Some(id);
        let cause = (l.kind == TraceKind::Violation)
            .then_some(l.parent)
            .flatten()
            .map(|p| {
                let ptime = run.with(|s| s.line(p).map_or(time, |pl| pl.time));
                view! {
                    <button type="button" class="log-cause" data-cause=p.0.to_string()
                        on:click=move |_| select_event(run, p, ptime)>
                        {format!("Go to the event that broke it (#{})", p.0)}
                    </button>
                }
            });
        let node = name_of(l.node.0);
        view! {
            <li class=format!("log-item log-kind-{}", l.kind.name())>
                <button
                    type="button"
                    class="log-line"
                    class:is-selected=selected
                    data-event=id.0.to_string()
                    aria-pressed=move || if selected() { "true" } else { "false" }
                    on:click=move |_| select_event(run, id, time)
                >
                    <span class="log-time">{fmt_secs(l.time)}</span>
                    <span class="log-kind">{l.kind.name()}</span>
                    <span class="visually-hidden">{format!(" at {node}: ")}</span>
                    <span class="log-text">{l.text.clone()}</span>
                </button>
                {cause}
            </li>
        }
    };

    let caption = move || {
        data.with(|(lines, all, total)| {
            let now = run.frame.with(|f| f.time);
            let filtered = filter.with(|f| f != &LogFilter::default());
            if lines.is_empty() {
                return if filtered {
                    "No events match these filters yet.".to_string()
                } else {
                    "Nothing has happened yet. Play or step to see events.".to_string()
                };
            }
            let which = if filtered {
                "matching events"
            } else {
                "events"
            };
            let more = if *all {
                ""
            } else {
                "; older ones are not shown"
            };
            format!(
                "{} {which} up to {}, newest at the bottom ({} in all){more}.",
                group_digits(lines.len() as u64),
                fmt_secs(now),
                group_digits(*total)
            )
        })
    };

    view! {
        <section class="study-card event-log" aria-labelledby="log-title">
            <div class="study-head">
                <h2 class="study-title" id="log-title">"Event log"</h2>
                <div class="log-filters">
                    <label class="log-filter">
                        <span>"Service"</span>
                        <select on:change=on_service prop:value=move || filter.with(|f| f.node.map_or(String::new(), |n| n.to_string()))>
                            <option value="">"All services"</option>
                            {move || services.get().into_iter().map(|(i, name)| view! {
                                <option value=i.to_string()>{name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="log-filter">
                        <span>"Kind"</span>
                        <select on:change=on_kind prop:value=move || filter.with(|f| f.kind.map_or("", KindFilter::value))>
                            <option value="">"All kinds"</option>
                            <option value=LOST>"lost updates"</option>
                            {TraceKind::EACH.iter().map(|k| view! { <option value=k.name()>{k.name()}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
            </div>
            <p class="log-caption" id="log-caption">{caption}</p>
            <ol class="log-list" node_ref=list_ref on:scroll=on_scroll aria-describedby="log-caption">
                <For each=move || data.with(|d| d.0.clone()) key=|l: &LogLine| l.id.0 children=line_view/>
            </ol>
            <Explain/>
        </section>
    }
}

/// "Explain this value": the selected event and its causes, back to the
/// source write, each a link that selects it.
#[component]
fn Explain() -> impl IntoView {
    let run = use_run();
    let chain = Memo::new(move |_| {
        run.pulse(Rate::State).track();
        run.selected
            .get()
            .map(|id| (id, run.with(|s| s.explain(id))))
    });
    let body = move || {
        chain.get().map(|(id, steps)| {
            let content = if steps.is_empty() {
                view! {
                    <p class="explain-empty">
                        {format!("Event #{} is not in the trace at {}: it happens later, or is too old to keep. Move the playhead forward to see it.",
                            id.0, fmt_secs(run.frame.with_untracked(|f| f.time)))}
                    </p>
                }
                .into_any()
            } else {
                let n = steps.len();
                let items = steps
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let (sid, time) = (l.id, l.time);
                        let role = if i == 0 {
                            "selected"
                        } else if i + 1 == n {
                            "source"
                        } else {
                            "because"
                        };
                        let selected = move || run.selected.get() == Some(sid);
                        view! {
                            <li class=format!("explain-step explain-{role}")>
                                <span class="explain-role">{match role {
                                    "selected" => "This event",
                                    "source" => "Where it began",
                                    _ => "because",
                                }}</span>
                                <button type="button" class="explain-link" class:is-selected=selected
                                    on:click=move |_| select_event(run, sid, time)>
                                    <span class="log-time">{fmt_secs(l.time)}</span>
                                    " "
                                    {l.text.clone()}
                                </button>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <ol class="explain-chain">{items}</ol>
                }
                .into_any()
            };
            view! {
                <div class="explain-head">
                    <h3 class="explain-title" id="explain-title">"Explain this value"</h3>
                    <button type="button" class="study-button" on:click=move |_| run.selected.set(None)>
                        "Clear selection"
                    </button>
                </div>
                <p class="explain-intro">"The chain of causes, newest first, back to the write it came from."</p>
                {content}
            }
        })
    };
    view! {
        <div class="explain" role="region" aria-label="Explain this value" aria-live="polite">
            {body}
        </div>
    }
}
