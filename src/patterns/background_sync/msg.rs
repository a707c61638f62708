//! What travels: a row's image, the job's queries, and every message
//! between the job and the two stores.

use serde::Serialize;

/// Which store a row version came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Side {
    /// The source store.
    Source,
    /// The warehouse.
    Warehouse,
}

impl Side {
    pub(super) fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Warehouse => "warehouse",
        }
    }
}

/// An account row as it travels between the stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowImage {
    /// Account, 1..=12.
    pub id: u16,
    /// Balance in dollars.
    pub balance: i64,
    /// `updated_at`, by the clock of the side that wrote it (ms, may be
    /// negative with skew).
    pub stamp: i64,
    /// The source's version number of the row.
    pub version: u32,
    /// The side whose write this is.
    pub origin: Side,
    /// Conflicting versions kept for a person to resolve (two-way sync).
    pub siblings: Vec<i64>,
}

/// What the job asks a store for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Query {
    /// Rows with an id above `after_id`, by id (full copy).
    Full {
        /// Last id copied.
        after_id: u16,
    },
    /// Rows with `after < updated_at <= upto`, by `updated_at` then id.
    Watermark {
        /// The watermark (or the last `updated_at` of the previous page).
        after: i64,
        /// The job's clock when the run started.
        upto: i64,
    },
    /// Change-log entries after a position, in order.
    Log {
        /// Last log position read.
        after: u64,
    },
    /// Current rows that this side changed locally after a log position
    /// (two-way sync).
    Changed {
        /// Last log position read.
        after: u64,
    },
}

/// The sync protocol. `epoch` tells replies to an aborted run apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SyncMsg {
    /// Job → store: read a page.
    Fetch {
        /// Run attempt.
        epoch: u64,
        /// What to read.
        query: Query,
        /// Batch size.
        limit: u16,
    },
    /// Store → job: a page of rows.
    Page {
        /// Run attempt.
        epoch: u64,
        /// Rows, in query order.
        rows: Vec<RowImage>,
        /// Cursor after this page (id, timestamp or log position).
        next: i64,
        /// More rows match.
        more: bool,
    },
    /// Job → store: write these rows.
    Apply {
        /// Run attempt.
        epoch: u64,
        /// Rows to write.
        rows: Vec<RowImage>,
        /// The receiver's log position the job has read up to (two-way:
        /// a local change after it is a conflict).
        seen: u64,
    },
    /// Store → job: rows written.
    Applied {
        /// Run attempt.
        epoch: u64,
        /// How many.
        count: u16,
    },
}
