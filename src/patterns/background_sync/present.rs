//! Every word and table shown to people: message labels, the state
//! tables, the services' one-line summaries.

use super::*;

pub(super) fn stamp_text(s: i64) -> String {
    if s < 0 {
        format!("-{}", fmt_secs((-s) as Time))
    } else {
        fmt_secs(s as Time)
    }
}

/// A stamp (ms, may be negative) as the seconds [`stamp_text`] shows (to
/// the tenth).
fn stamp_secs(s: i64) -> f64 {
    let tenths = (s.unsigned_abs() / 100) as f64 / 10.0;
    if s < 0 {
        -tenths
    } else {
        tenths
    }
}

/// An account's balance cell: its number unless siblings conflict (then
/// the cell shows several and holds none).
fn balance_cell(r: &Account, stale: bool) -> Cell {
    let cell = Cell::value(r.shown(), stale, r.event);
    if r.siblings.is_empty() {
        cell.num(r.balance as f64)
    } else {
        cell
    }
}

pub(super) fn ids(rows: &[RowImage]) -> String {
    let v: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

impl BackgroundSync {
    pub(super) fn describe_msg(&self, msg: &AnyMsg) -> String {
        let Some(msg) = SyncMsg::from_any(msg) else {
            return String::new();
        };
        match msg {
            SyncMsg::Fetch { query, limit, .. } => match query {
                Query::Full { after_id } => {
                    format!("read {limit} accounts after account {after_id}")
                }
                Query::Watermark { after, upto } => {
                    format!(
                        "read {limit} rows with updated_at after {} up to {}",
                        stamp_text(*after),
                        stamp_text(*upto)
                    )
                }
                Query::Log { after } => format!("read {limit} change-log entries after #{after}"),
                Query::Changed { after } => format!("read rows changed after log #{after}"),
            },
            SyncMsg::Page { rows, more, .. } => {
                format!(
                    "{} rows (accounts {}){}",
                    rows.len(),
                    ids(rows),
                    if *more { ", more to come" } else { "" }
                )
            }
            SyncMsg::Apply { rows, .. } => {
                format!("write {} rows (accounts {})", rows.len(), ids(rows))
            }
            SyncMsg::Applied { count, .. } => format!("{count} rows written"),
        }
    }

    pub(super) fn state_tables(&self) -> Vec<Table> {
        let source = Table {
            id: "source",
            title: "Source: accounts (source of truth)".into(),
            node: SOURCE,
            columns: vec!["account", "balance", "updated_at", "version"],
            rows: (1..=ACCOUNTS)
                .map(|a| {
                    let r = &self.src[(a - 1) as usize];
                    Row {
                        key: format!("account-{a}"),
                        cells: vec![
                            Cell::new(a.to_string()).num(f64::from(a)),
                            balance_cell(r, false),
                            Cell::value(stamp_text(r.stamp), false, r.event)
                                .num(stamp_secs(r.stamp)),
                            Cell::new(format!("v{}", r.version)).num(f64::from(r.version)),
                        ],
                    }
                })
                .collect(),
        };
        let warehouse = Table {
            id: "warehouse",
            title: "Warehouse: accounts (replica)".into(),
            node: WAREHOUSE,
            columns: vec!["account", "balance", "updated_at", "source version"],
            rows: (1..=ACCOUNTS)
                .map(|a| {
                    let i = (a - 1) as usize;
                    let r = &self.wh[i];
                    let stale = self.stale(a);
                    Row {
                        key: format!("account-{a}"),
                        cells: vec![
                            Cell::new(a.to_string()).num(f64::from(a)),
                            balance_cell(r, stale),
                            Cell::value(stamp_text(r.stamp), stale, r.event)
                                .num(stamp_secs(r.stamp)),
                            Cell::value(
                                format!("v{}", r.version),
                                !self.two_way && r.version != self.src[i].version,
                                r.event,
                            )
                            .num(f64::from(r.version)),
                        ],
                    }
                })
                .collect(),
        };
        // A figure of the job: its words and, where it shows one, its number.
        let kv = |k: &str, v: String, num: Option<f64>| {
            let mut cell = Cell::value(v, false, self.job_event);
            cell.num = num;
            Row {
                key: k.to_string(),
                cells: vec![Cell::new(k), cell],
            }
        };
        let mut rows = vec![
            kv(
                "strategy",
                if self.two_way {
                    "two-way (change logs)".into()
                } else {
                    self.strategy.name().into()
                },
                None,
            ),
            kv(
                "watermark",
                stamp_text(self.committed_stamp),
                Some(stamp_secs(self.committed_stamp)),
            ),
            kv(
                "log cursor",
                format!("#{} of {}", self.committed_lsn, self.log.len()),
                Some(self.committed_lsn as f64),
            ),
        ];
        if self.two_way {
            rows.push(kv(
                "warehouse log cursor",
                format!("#{} of {}", self.committed_wlsn, self.wh_log.len()),
                Some(self.committed_wlsn as f64),
            ));
        }
        rows.push(kv(
            "checkpoint",
            match &self.checkpoint {
                None => "none".into(),
                Some(cp) => format!(
                    "run #{} at account {} / {} / log #{}",
                    cp.number,
                    cp.id,
                    stamp_text(cp.stamp),
                    cp.lsn
                ),
            },
            self.checkpoint.as_ref().map(|cp| cp.number as f64),
        ));
        rows.push(kv(
            "runs finished",
            self.runs.to_string(),
            Some(self.runs as f64),
        ));
        rows.push(kv(
            "last sync",
            self.last_sync_at.map_or("never".into(), fmt_secs),
            self.last_sync_at.map(|t| stamp_secs(t as i64)),
        ));
        rows.push(kv(
            "rows written",
            self.rows_copied.to_string(),
            Some(self.rows_copied as f64),
        ));
        let job = Table {
            id: "job",
            title: "Sync job: state".into(),
            node: JOB,
            columns: vec!["", "value"],
            rows,
        };
        vec![source, job, warehouse]
    }

    pub(super) fn node_summary(&self, node: NodeId) -> String {
        match node {
            SOURCE => format!("{} accounts · log #{}", ACCOUNTS, self.log.len()),
            JOB => match (&self.run, self.last_sync_at) {
                (Some(r), _) => format!("run #{} · {} rows", r.p.number, r.copied),
                (None, Some(t)) => format!("last sync at {}", fmt_secs(t)),
                (None, None) => format!("every {}", fmt_secs(self.interval)),
            },
            WAREHOUSE => match self.differing().len() {
                0 => "in sync".into(),
                n => format!("{n} stale accounts"),
            },
            _ => String::new(),
        }
    }
}
