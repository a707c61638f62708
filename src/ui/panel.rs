//! The scenario panel: the pattern's mitigation toggles (each with one
//! line of plain words), its numeric settings and its workload actions.
//! Current values are read back from the run's script, so they follow
//! resets, pattern switches, share links and time travel.

use std::collections::HashMap;

use leptos::prelude::*;

use super::run::use_run;
use crate::sim::scenario::ScenarioInfo;
use crate::sim::{Command, ScriptEntry, Time};

/// The values of toggles and settings at time `now`: the defaults of
/// `info`, then every `Toggle` and `Set` in `script` up to `now`.
pub fn current_values(
    info: &ScenarioInfo,
    script: &[ScriptEntry],
    now: Time,
) -> (HashMap<String, bool>, HashMap<String, i64>) {
    let mut toggles: HashMap<String, bool> = info
        .toggles
        .iter()
        .map(|t| (t.id.to_string(), t.default))
        .collect();
    let mut settings: HashMap<String, i64> = info
        .settings
        .iter()
        .map(|s| (s.id.to_string(), s.default))
        .collect();
    for e in script.iter().filter(|e| e.at <= now) {
        match &e.cmd {
            Command::Toggle { id, on } => {
                toggles.insert(id.clone(), *on);
            }
            Command::Set { id, value } => {
                settings.insert(id.clone(), *value);
            }
            _ => {}
        }
    }
    (toggles, settings)
}

/// The pattern's toggles, settings and workload actions.
#[component]
pub fn ScenarioPanel() -> impl IntoView {
    let run = use_run();
    // The pattern's controls change with the pattern; their values with
    // the script (a command) and with time (a scripted change reached).
    let info = Memo::new(move |_| {
        run.pattern.track();
        run.script_changed.track();
        run.with(|s| (*s.info()).clone())
    });
    let script = Memo::new(move |_| {
        run.script_changed.track();
        run.with(|s| s.script())
    });
    let values = Memo::new(move |_| {
        let now = run.frame.with(|f| f.time);
        script.with(|script| info.with(|i| current_values(i, script, now)))
    });

    let toggles = move || {
        info.with(|i| {
            i.toggles
                .iter()
                .map(|t| {
                    let id = t.id;
                    let on = move || values.with(|v| v.0.get(id).copied().unwrap_or(false));
                    let sw = format!("tg-{id}");
                    let help = format!("tg-{id}-help");
                    view! {
                        <li class="pn-toggle">
                            <button type="button" role="switch" class="pn-switch" id=sw.clone()
                                aria-checked=move || if on() { "true" } else { "false" }
                                aria-describedby=help.clone()
                                on:click=move |_| {
                                    let _ = run.apply(Command::Toggle { id: id.to_string(), on: !on() });
                                }>
                                <span class="pn-knob" aria-hidden="true"></span>
                            </button>
                            <label class="pn-label" for=sw>{t.label}</label>
                            <span class="pn-state" aria-hidden="true">{move || if on() { "on" } else { "off" }}</span>
                            <p class="pn-help" id=help>{t.help}</p>
                        </li>
                    }
                })
                .collect_view()
        })
    };

    let settings = move || {
        info.with(|i| {
            i.settings
                .iter()
                .map(|s| {
                    let id = s.id;
                    let (min, max) = (s.min, s.max);
                    let current = move || values.with(|v| v.1.get(id).copied().unwrap_or(0));
                    let error = RwSignal::new(None::<String>);
                    let input = format!("set-{id}");
                    let err_id = format!("set-{id}-error");
                    let help_id = format!("set-{id}-help");
                    let on_change = move |ev: leptos::ev::Event| {
                        let text = event_target_value(&ev);
                        match text.trim().parse::<i64>() {
                            Err(_) => error.set(Some(format!(
                                "Type a whole number from {min} to {max}."
                            ))),
                            Ok(value) => match run.apply(Command::Set { id: id.to_string(), value }) {
                                Ok(()) => error.set(None),
                                Err(e) => error.set(Some(e)),
                            },
                        }
                    };
                    view! {
                        <li class="pn-setting">
                            <label class="pn-label" for=input.clone()>{s.label}</label>
                            <span class="pn-input">
                                <input type="number" id=input min=min max=max step="1"
                                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                                    aria-describedby=format!("{help_id} {err_id}")
                                    prop:value=move || current().to_string()
                                    on:change=on_change/>
                                <span class="pn-unit">{s.unit.trim()}</span>
                            </span>
                            <p class="pn-help" id=help_id>{format!("{} ({min}\u{2013}{max}{})", s.help, s.unit)}</p>
                            <p class="pn-error" id=err_id role="alert">{move || error.get()}</p>
                        </li>
                    }
                })
                .collect_view()
        })
    };

    let actions = move || {
        info.with(|i| {
            i.actions
                .iter()
                .map(|a| {
                    let id = a.id;
                    let help = format!("act-{id}-help");
                    view! {
                        <li class="pn-action">
                            <button type="button" class="ctl-btn pn-action-btn" aria-describedby=help.clone()
                                on:click=move |_| { let _ = run.apply(Command::Action { id: id.to_string() }); }>
                                {a.label}
                            </button>
                            <span class="pn-help" id=help>{a.help}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="pn" aria-labelledby="pn-title">
            <h3 id="pn-title" class="side-title">"Scenario"</h3>
            <h4 class="pn-sub">"Workload"</h4>
            <ul class="pn-actions">{actions}</ul>
            <h4 class="pn-sub">"Mitigations and options"</h4>
            <ul class="pn-toggles">{toggles}</ul>
            <details class="pn-more">
                <summary>"Settings"</summary>
                <ul class="pn-settings">{settings}</ul>
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::Pattern;

    #[test]
    fn values_start_from_defaults_and_follow_the_script_up_to_now() {
        let sim = Pattern::EventDriven.start(1);
        let info = sim.info();
        let t = &info.toggles[0];
        let s = &info.settings[0];
        let script = vec![
            ScriptEntry::at(
                100,
                Command::Toggle {
                    id: t.id.into(),
                    on: !t.default,
                },
            ),
            ScriptEntry::at(
                5_000,
                Command::Set {
                    id: s.id.into(),
                    value: s.min,
                },
            ),
        ];
        let (tg, st) = current_values(&info, &script, 1_000);
        assert_eq!(tg[t.id], !t.default);
        assert_eq!(st[s.id], s.default, "the later set has not happened yet");
        let (_, st) = current_values(&info, &script, 6_000);
        assert_eq!(st[s.id], s.min);
    }
}
