//! One engine for all four patterns.
//!
//! The engine is generic over its scenario and message type, and Rust
//! compiles a generic once per type it is used with. With four patterns
//! that meant four copies of the whole runner, world, broker and frame code
//! in the wasm (twiggy: 161 KB of code before wasm-opt). Here the patterns
//! share one message type, [`AnyMsg`], and `each::AnyScenario` hands each
//! call to the pattern it holds, so the app runs one `Sim<AnyScenario>`.
//! This file sees only the patterns' `msg` rooms, so no pattern's imports
//! lead back here.
//!
//! A pattern still writes its own message type: it sends and publishes its
//! messages as they are (`ctx.send(to, Msg::Ack)`: `Ctx` takes anything
//! `Into<AnyMsg>`) and reads incoming ones with [`Carried::from_any`].

use super::background_sync::msg::SyncMsg;
use super::cqrs::msg as cqrs;
use super::event_driven::msg::Reading;
use super::saga::msg as saga;
use serde::Serialize;
use std::fmt;

/// A message or broker record of any pattern. Serialised as the pattern's
/// own message (untagged), so traces and their JSON are what they were when
/// each pattern had its own engine.
#[derive(Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyMsg {
    /// Event-based consistency.
    Grid(Reading),
    /// Background sync.
    Sync(SyncMsg),
    /// Saga.
    Saga(saga::Msg),
    /// CQRS.
    Cqrs(cqrs::Msg),
}

impl fmt::Debug for AnyMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyMsg::Grid(m) => m.fmt(f),
            AnyMsg::Sync(m) => m.fmt(f),
            AnyMsg::Saga(m) => m.fmt(f),
            AnyMsg::Cqrs(m) => m.fmt(f),
        }
    }
}

/// A pattern's own message type, as carried in [`AnyMsg`].
pub trait Carried: Sized {
    /// The pattern's message, if `m` is one.
    fn from_any(m: &AnyMsg) -> Option<&Self>;
    /// The pattern's message, if `m` is one, by value.
    fn take(m: AnyMsg) -> Option<Self>;
}

macro_rules! carried {
    ($t:ty, $v:ident) => {
        impl From<$t> for AnyMsg {
            fn from(m: $t) -> AnyMsg {
                AnyMsg::$v(m)
            }
        }
        impl Carried for $t {
            fn from_any(m: &AnyMsg) -> Option<&Self> {
                match m {
                    AnyMsg::$v(m) => Some(m),
                    _ => None,
                }
            }
            fn take(m: AnyMsg) -> Option<Self> {
                match m {
                    AnyMsg::$v(m) => Some(m),
                    _ => None,
                }
            }
        }
    };
}

carried!(Reading, Grid);
carried!(SyncMsg, Sync);
carried!(saga::Msg, Saga);
carried!(cqrs::Msg, Cqrs);
