//! State tables: each service's data as a table. Cells that differ from
//! the source of truth are highlighted and marked with a symbol and words;
//! clicking a cell selects the event that wrote it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use leptos::prelude::*;

use super::run::{use_run, Rate};
use crate::sim::scenario::{Row, Table};

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
    let run = use_run();
    // While playing, the tables are re-read at most once a second
    // (`Rate::Tables`).
    let tick = run.pulse(Rate::Tables);
    let tables = Memo::new(move |_| {
        tick.track();
        run.pattern.track();
        run.with(|s| s.tables())
    });
    let count = Memo::new(move |_| tables.with(|t| t.len()));
    let list = move || {
        run.pattern.track();
        (0..count.get())
            .map(|i| view! { <TableView index=i tables=tables/> })
            .collect_view()
    };
    view! {
        <section class="tb" aria-labelledby="tb-title">
            <h3 id="tb-title" class="side-title">"State"</h3>
            <p class="tb-hint">
                "Cells marked "<span class="tb-mark">"\u{2260}"</span>" differ from the source of truth. Select a value to see the event that wrote it."
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
fn TableView(index: usize, tables: Memo<Vec<Table>>) -> impl IntoView {
    let run = use_run();
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
                                    <span class="sr-only">" (differs from the source of truth)"</span>
                                });
                                let content = match c.event {
                                    Some(ev) => view! {
                                        <button type="button" class="tb-cell-btn"
                                            aria-pressed=move || if run.selected.get() == Some(ev) { "true" } else { "false" }
                                            title=format!("Select the event that wrote this {col}")
                                            on:click=move |_| run.selected.set(Some(ev))>
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
