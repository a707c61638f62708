//! What travels: an account event on the log, and every message between
//! the client, the command side, the projectors and the query side.

use serde::Serialize;

/// An accepted change, as stored in the event log.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountEvent {
    /// Write-model version this event created (1, 2, 3, …).
    pub version: u64,
    /// Account.
    pub account: u8,
    /// Change in dollars (negative for a withdrawal).
    pub delta: i64,
}

/// Where an answer came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Source {
    /// The balances read model.
    ReadModel,
    /// The write model (read-your-writes routed around a lagging read model).
    WriteModel,
}

/// CQRS messages and records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// Command: add money.
    Deposit {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Dollars.
        amount: i64,
    },
    /// Command: take money (rejected when the balance is too low).
    Withdraw {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Dollars.
        amount: i64,
    },
    /// The command was accepted and created `version`.
    Accepted {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Version of the write model after it.
        version: u64,
        /// New balance.
        balance: i64,
    },
    /// The command was rejected.
    Rejected {
        /// Command id.
        cmd: u64,
        /// Account.
        account: u8,
        /// Why.
        reason: &'static str,
    },
    /// An event in the log.
    Event(AccountEvent),
    /// A record no projector can read (a "poison pill").
    Poison {
        /// Number of the poison record.
        id: u64,
    },
    /// The client asks the query side for a balance.
    Query {
        /// Query id.
        qid: u64,
        /// Account.
        account: u8,
        /// With read-your-writes: the version the answer must include.
        min_version: Option<u64>,
    },
    /// The query side reads a model.
    Read {
        /// Query id.
        qid: u64,
        /// Account.
        account: u8,
        /// The version the answer must include, if any.
        min_version: Option<u64>,
    },
    /// A balance, with the version of the model it came from.
    Answer {
        /// Query id.
        qid: u64,
        /// Account.
        account: u8,
        /// Balance.
        balance: i64,
        /// Version of the model that answered.
        version: u64,
        /// Which model answered.
        source: Source,
    },
}
