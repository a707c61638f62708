//! State tables: each service's data as a table. Cells that differ from
//! the source of truth are highlighted and marked with a symbol and words;
//! clicking a cell selects the event that wrote it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use leptos::prelude::*;

use super::run::{use_run, Rate, Run};
use crate::sim::scenario::{Cell, Row, Table};

/// At most this many rows are drawn per table (every row that differs from
/// the source of truth is drawn first).
pub const MAX_ROWS: usize = 40;

/// The rows to draw: rows that differ, then the others, in their order,
/// up to [`MAX_ROWS`].
pub fn visible_rows(rows: &[Row]) -> Vec<Row> {
    let differs = |r: &Row| r.cells.iter().any(|c| c.diverged);
    let n_div = rows.iter().filter(|r| differs(r)).count().min(MAX_ROWS);
    let mut room = MAX_ROWS - n_div;
    let mut div_left = n_div;
    rows.iter()
        .filter(|r| {
            if differs(r) {
                if div_left > 0 {
                    div_left -= 1;
                    return true;
                }
                false
            } else if room > 0 {
                room -= 1;
                true
            } else {
                false
            }
        })
        .cloned()
        .collect()
}

/// Compare mode's "A vs B": for each table of run A (and B's with the same
/// id: a title may carry live numbers that differ between the runs) that differs, only the rows whose values differ between the runs (matched by
/// key), each differing cell reading "A: x · B: y" and marked; a row only
/// one run has reads "—" on the other side. A cell's event is run B's (the
/// view selects in B).
pub fn versus(a: &[Table], b: &[Table]) -> Vec<Table> {
    let empty: Vec<Row> = Vec::new();
    a.iter()
        .map(|ta| {
            let rows_b = b
                .iter()
                .find(|tb| tb.id == ta.id)
                .map_or(&empty, |tb| &tb.rows);
            let mut keys: Vec<&str> = ta.rows.iter().map(|r| r.key.as_str()).collect();
            for r in rows_b {
                if !keys.contains(&r.key.as_str()) {
                    keys.push(&r.key);
                }
            }
            let find = |rows: &'_ [Row], k: &str| rows.iter().find(|r| r.key == k).cloned();
            let rows = keys
                .into_iter()
                .filter_map(|k| {
                    let (ra, rb) = (find(&ta.rows, k), find(rows_b, k));
                    let text = |r: &Option<Row>, i: usize| {
                        r.as_ref()
                            .and_then(|r| r.cells.get(i))
                            .map_or("\u{2014}".to_string(), |c| c.text.clone())
                    };
                    let n = ta.columns.len();
                    let mut differs = false;
                    let cells = (0..n)
                        .map(|i| {
                            let (x, y) = (text(&ra, i), text(&rb, i));
                            let event = rb
                                .as_ref()
                                .and_then(|r| r.cells.get(i))
                                .and_then(|c| c.event);
                            if x == y {
                                let num = ra.as_ref().and_then(|r| r.cells.get(i)?.num);
                                Cell {
                                    text: x,
                                    num,
                                    diverged: false,
                                    event,
                                }
                            } else {
                                differs = true;
                                Cell {
                                    text: format!("A: {x} \u{b7} B: {y}"),
                                    num: None,
                                    diverged: true,
                                    event,
                                }
                            }
                        })
                        .collect();
                    differs.then(|| Row {
                        key: k.to_string(),
                        cells,
                    })
                })
                .collect();
            Table {
                id: ta.id,
                title: format!("{} \u{2014} A vs B", ta.title),
                node: ta.node,
                columns: ta.columns.clone(),
                rows,
            }
        })
        // A table whose values are the same in both runs says nothing.
        .filter(|t| !t.rows.is_empty())
        .collect()
}

/// Which run's state the tables show in compare mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Shown {
    A,
    B,
    Versus,
}

/// A fingerprint of a row's content, so unchanged rows keep their DOM.
fn row_key(r: &Row) -> u64 {
    let mut h = DefaultHasher::new();
    r.key.hash(&mut h);
    for c in &r.cells {
        c.text.hash(&mut h);
        c.diverged.hash(&mut h);
        c.event.map(|e| e.0).hash(&mut h);
    }
    h.finish()
}

/// One table per service that holds data.
#[component]
pub fn StateTables() -> impl IntoView {
    let a = use_run();
    // Compare mode: run A's, run B's, or where they differ.
    let shown = RwSignal::new(Shown::Versus);
    let twin = Memo::new(move |_| a.twin.get());
    let showing = move || twin.get().map(|b| (b, shown.get()));
    // While playing, the tables are re-read at most once a second
    // (`Rate::Tables`).
    let tables = Memo::new(move |_| {
        a.pulse(Rate::Tables).track();
        a.pattern.track();
        match showing() {
            None | Some((_, Shown::A)) => a.with(|s| s.tables()),
            Some((b, Shown::B)) => {
                b.pulse(Rate::Tables).track();
                b.with(|s| s.tables())
            }
            Some((b, Shown::Versus)) => {
                b.pulse(Rate::Tables).track();
                versus(&a.with(|s| s.tables()), &b.with(|s| s.tables()))
            }
        }
    });
    // A cell selects its event in the run it shows (B's in A vs B).
    let run = Memo::new(move |_| match showing() {
        Some((b, Shown::B | Shown::Versus)) => b,
        _ => a,
    });
    let count = Memo::new(move |_| tables.with(|t| t.len()));
    let versus_on = move || showing().is_some_and(|(_, s)| s == Shown::Versus);
    let list = move || {
        a.pattern.track();
        (0..count.get())
            .map(|i| view! { <TableView index=i tables=tables run=run versus=Signal::derive(versus_on)/> })
            .collect_view()
    };
    let pick = move |label: &'static str, which: Shown| {
        view! {
            <button type="button" class="ctl-btn compare-pick-btn"
                aria-pressed=move || (shown.get() == which).to_string()
                on:click=move |_| shown.set(which)>{label}</button>
        }
    };
    let picker = move || {
        twin.with(|t| t.is_some()).then(|| {
            view! {
                <div class="compare-pick tb-pick" role="group" aria-label="Show the state of">
                    {pick("Run A", Shown::A)}
                    {pick("Run B", Shown::B)}
                    {pick("A vs B", Shown::Versus)}
                </div>
            }
        })
    };
    view! {
        <section class="tb" aria-labelledby="tb-title">
            <h3 id="tb-title" class="side-title">"State"</h3>
            {picker}
            <p class="tb-hint">
                "Cells marked "<span class="tb-mark">"\u{2260}"</span>
                {move || if versus_on() {
                    " differ between run A and run B; only the tables and rows that differ are shown (none: the runs hold the same values). Select a value to see the event that wrote it in B."
                } else {
                    " differ from the source of truth. Select a value to see the event that wrote it."
                }}
            </p>
            <div class="tb-grid">{list}</div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Cell;

    fn row(i: usize, diverged: bool) -> Row {
        Row {
            key: i.to_string(),
            cells: vec![Cell::value(i.to_string(), diverged, None)],
        }
    }

    fn table(id: &'static str, title: &str, rows: &[(&str, &str)]) -> Table {
        Table {
            id,
            title: title.into(),
            node: crate::sim::NodeId(0),
            columns: vec!["id", "value"],
            rows: rows
                .iter()
                .map(|(k, v)| Row {
                    key: k.to_string(),
                    cells: vec![Cell::new(*k), Cell::new(*v)],
                })
                .collect(),
        }
    }

    #[test]
    fn a_vs_b_keeps_only_the_rows_that_differ_and_says_both_values() {
        let a = [table("billing", "Billing", &[("1", "$10"), ("2", "$20")])];
        let b = [table(
            "billing",
            "Billing",
            &[("1", "$10"), ("2", "$25"), ("3", "$5")],
        )];
        let v = versus(&a, &b);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].title, "Billing \u{2014} A vs B");
        let rows: Vec<(&str, &str, bool)> = v[0]
            .rows
            .iter()
            .map(|r| {
                (
                    r.key.as_str(),
                    r.cells[1].text.as_str(),
                    r.cells[1].diverged,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("2", "A: $20 \u{b7} B: $25", true),
                ("3", "A: \u{2014} \u{b7} B: $5", true)
            ]
        );
        // The key column is the same on both sides, so it is not marked.
        assert!(!v[0].rows[0].cells[0].diverged);
        assert!(versus(&a, &a).is_empty(), "no table where A and B agree");
    }

    #[test]
    fn a_vs_b_pairs_tables_whose_titles_carry_different_live_numbers() {
        let a = [table("write", "Write model (v3)", &[("1", "$10")])];
        let b = [table("write", "Write model (v4)", &[("1", "$15")])];
        let v = versus(&a, &b);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].rows[0].cells[1].text, "A: $10 \u{b7} B: $15",
            "B's row is found although its table's title differs"
        );
    }

    #[test]
    fn big_tables_keep_every_differing_row_within_the_cap() {
        let rows: Vec<Row> = (0..500).map(|i| row(i, i % 50 == 7)).collect();
        let v = visible_rows(&rows);
        assert_eq!(v.len(), MAX_ROWS);
        assert_eq!(v.iter().filter(|r| r.cells[0].diverged).count(), 10);
        assert_eq!(v[0].key, "0", "order is kept");
        let small: Vec<Row> = (0..5).map(|i| row(i, false)).collect();
        assert_eq!(visible_rows(&small).len(), 5);
    }
}

#[component]
fn TableView(
    index: usize,
    tables: Memo<Vec<Table>>,
    run: Memo<Run>,
    versus: Signal<bool>,
) -> impl IntoView {
    let head = Memo::new(move |_| {
        tables.with(|t| t.get(index).map(|t| (t.title.clone(), t.columns.clone())))
    });
    let all = Memo::new(move |_| tables.with(|t| t.get(index).map_or(0, |t| t.rows.len())));
    let rows = Memo::new(move |_| {
        tables.with(|t| {
            t.get(index)
                .map(|t| visible_rows(&t.rows))
                .unwrap_or_default()
        })
    });
    let diverged = Memo::new(move |_| {
        rows.with(|r| {
            r.iter()
                .filter(|r| r.cells.iter().any(|c| c.diverged))
                .count()
        })
    });
    move || {
        let (title, columns) = head.get()?;
        let cols = columns.clone();
        let region = title.clone();
        Some(view! {
            <div class="tb-wrap" role="region" aria-label=region tabindex="0">
                <table class="tb-table">
                    <caption>
                        {title}
                        {move || match diverged.get() {
                            0 => None,
                            n => Some(view! { <span class="tb-caption-diff">{format!(" \u{2014} {n} row{} differ", if n == 1 { "" } else { "s" })}</span> }),
                        }}
                    </caption>
                    <thead>
                        <tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=row_key children=move |row: Row| {
                            let cells = row.cells.into_iter().enumerate().map(|(i, c)| {
                                let col = columns.get(i).copied().unwrap_or("");
                                let mark = c.diverged.then(|| view! {
                                    <span class="tb-mark" aria-hidden="true">"\u{2260} "</span>
                                });
                                let words = c.diverged.then(|| view! {
                                    <span class="sr-only">{if versus.get_untracked() { " (differs between the runs)" } else { " (differs from the source of truth)" }}</span>
                                });
                                let content = match c.event {
                                    Some(ev) => view! {
                                        <button type="button" class="tb-cell-btn"
                                            aria-pressed=move || if run.get().selected.get() == Some(ev) { "true" } else { "false" }
                                            title=format!("Select the event that wrote this {col}")
                                            on:click=move |_| run.get_untracked().selected.set(Some(ev))>
                                            {mark}{c.text}{words}
                                        </button>
                                    }.into_any(),
                                    None => view! { <span>{mark}{c.text}{words}</span> }.into_any(),
                                };
                                if i == 0 {
                                    view! { <th scope="row" class:diverged=c.diverged>{content}</th> }.into_any()
                                } else {
                                    view! { <td class:diverged=c.diverged>{content}</td> }.into_any()
                                }
                            }).collect_view();
                            view! { <tr>{cells}</tr> }
                        }/>
                    </tbody>
                </table>
                {move || {
                    let (shown, all) = (rows.with(|r| r.len()), all.get());
                    (all > shown).then(|| view! {
                        <p class="tb-more">{format!("Showing {shown} of {all} rows; every row that differs is shown first.")}</p>
                    })
                }}
            </div>
        })
    }
}
