//! What travels: the saga's steps and operations, an order, what a
//! service reports back, and every message between the services.

use super::topology::{INVENTORY, ITEMS, ORDER, PAYMENT, SHIPPING};
use crate::sim::NodeId;
use serde::Serialize;

/// A step of the saga, in the order they run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Step {
    /// 1: the Order service creates the order (undo: cancel it).
    Order,
    /// 2: Payment charges the card (undo: refund).
    Payment,
    /// 3: Inventory reserves stock (undo: release it).
    Inventory,
    /// 4: Shipping books a courier (the pivot: it can fail, nothing to undo).
    Shipping,
    /// 5: Inventory hands the reserved stock to the courier (retried until done).
    Dispatch,
    /// 6: the Order service approves the order (retried until done).
    Approve,
}

impl Step {
    /// Every step in order.
    pub const ALL: [Step; 6] = [
        Step::Order,
        Step::Payment,
        Step::Inventory,
        Step::Shipping,
        Step::Dispatch,
        Step::Approve,
    ];

    /// Position in the saga, from 1.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// Short lowercase name ("payment").
    pub fn name(self) -> &'static str {
        match self {
            Step::Order => "order",
            Step::Payment => "payment",
            Step::Inventory => "inventory",
            Step::Shipping => "shipping",
            Step::Dispatch => "dispatch",
            Step::Approve => "approve",
        }
    }

    /// Name of its compensation ("refund").
    pub fn undo_name(self) -> &'static str {
        match self {
            Step::Order => "cancel order",
            Step::Payment => "refund",
            Step::Inventory => "release stock",
            _ => "nothing to undo",
        }
    }

    /// The service that runs it.
    pub fn service(self) -> NodeId {
        match self {
            Step::Order | Step::Approve => ORDER,
            Step::Payment => PAYMENT,
            Step::Inventory | Step::Dispatch => INVENTORY,
            Step::Shipping => SHIPPING,
        }
    }

    /// The step after this one.
    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self as usize + 1).copied()
    }

    /// The step before this one.
    pub fn prev(self) -> Option<Step> {
        (self as usize).checked_sub(1).map(|i| Step::ALL[i])
    }
}

/// Something a service is asked to do for a saga: run a step or undo it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Op {
    /// Run the step.
    Do(Step),
    /// Run the step's compensation.
    Undo(Step),
}

/// What an order is for. The saga id is the order id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderInfo {
    /// Order (and saga) number.
    pub id: u64,
    /// Index into [`ITEMS`].
    pub item: u8,
    /// Units.
    pub qty: u64,
    /// Price in dollars.
    pub amount: u64,
}

impl OrderInfo {
    /// The order with this number; its contents follow from the number so
    /// both coordination styles see the same orders.
    pub fn numbered(id: u64) -> Self {
        let item = (id % 3) as u8;
        let qty = 1 + (id * 5 / 3) % 3;
        OrderInfo {
            id,
            item,
            qty,
            amount: ITEMS[item as usize].1 * qty,
        }
    }

    /// "2 × widget".
    pub fn goods(&self) -> String {
        format!("{} × {}", self.qty, ITEMS[self.item as usize].0)
    }
}

/// A choreographed event: what a service did for a saga.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Happened {
    /// The order was created.
    Created,
    /// The card was charged.
    Charged,
    /// The card was declined.
    Declined,
    /// Stock was reserved.
    Reserved,
    /// Stock ran out.
    OutOfStock,
    /// A courier was booked.
    Booked,
    /// No courier was free.
    NoCourier,
    /// Stock went out with the courier.
    Dispatched,
    /// Reserved stock was released.
    Released,
    /// The charge was refunded.
    Refunded,
}

impl Happened {
    pub(super) fn words(self) -> &'static str {
        match self {
            Happened::Created => "order created",
            Happened::Charged => "payment charged",
            Happened::Declined => "card declined",
            Happened::Reserved => "stock reserved",
            Happened::OutOfStock => "out of stock",
            Happened::Booked => "courier booked",
            Happened::NoCourier => "no courier",
            Happened::Dispatched => "stock dispatched",
            Happened::Released => "stock released",
            Happened::Refunded => "payment refunded",
        }
    }

    /// The event a service publishes after `op` succeeded (`ok`) or failed.
    pub(super) fn after(op: Op, ok: bool) -> Option<Happened> {
        Some(match (op, ok) {
            (Op::Do(Step::Order), true) => Happened::Created,
            (Op::Do(Step::Payment), true) => Happened::Charged,
            (Op::Do(Step::Payment), false) => Happened::Declined,
            (Op::Do(Step::Inventory), true) => Happened::Reserved,
            (Op::Do(Step::Inventory), false) => Happened::OutOfStock,
            (Op::Do(Step::Shipping), true) => Happened::Booked,
            (Op::Do(Step::Shipping), false) => Happened::NoCourier,
            (Op::Do(Step::Dispatch), true) => Happened::Dispatched,
            (Op::Undo(Step::Inventory), true) => Happened::Released,
            (Op::Undo(Step::Payment), true) => Happened::Refunded,
            _ => return None,
        })
    }

    /// How a saga stalled for good when this event never reached the
    /// broker (after "order #3 "), for [`Loss::how`].
    pub(super) fn lost_words(self) -> &'static str {
        match self {
            Happened::Created => {
                "stalled: its “order created” event was lost on the way to the broker"
            }
            Happened::Charged => {
                "stalled: its “payment charged” event was lost on the way to the broker"
            }
            Happened::Declined => {
                "stalled: its “card declined” event was lost on the way to the broker"
            }
            Happened::Reserved => {
                "stalled: its “stock reserved” event was lost on the way to the broker"
            }
            Happened::OutOfStock => {
                "stalled: its “out of stock” event was lost on the way to the broker"
            }
            Happened::Booked => {
                "stalled: its “courier booked” event was lost on the way to the broker"
            }
            Happened::NoCourier => {
                "stalled: its “no courier” event was lost on the way to the broker"
            }
            Happened::Dispatched => {
                "stalled: its “stock dispatched” event was lost on the way to the broker"
            }
            Happened::Released => {
                "stalled: its “stock released” event was lost on the way to the broker"
            }
            Happened::Refunded => {
                "stalled: its “payment refunded” event was lost on the way to the broker"
            }
        }
    }

    /// Which service reacts to this event, and how.
    pub(super) fn reaction(self) -> (NodeId, Op) {
        match self {
            Happened::Created => (PAYMENT, Op::Do(Step::Payment)),
            Happened::Charged => (INVENTORY, Op::Do(Step::Inventory)),
            Happened::Declined => (ORDER, Op::Undo(Step::Order)),
            Happened::Reserved => (SHIPPING, Op::Do(Step::Shipping)),
            Happened::OutOfStock => (PAYMENT, Op::Undo(Step::Payment)),
            Happened::Booked => (INVENTORY, Op::Do(Step::Dispatch)),
            Happened::NoCourier => (INVENTORY, Op::Undo(Step::Inventory)),
            Happened::Dispatched => (ORDER, Op::Do(Step::Approve)),
            Happened::Released => (PAYMENT, Op::Undo(Step::Payment)),
            Happened::Refunded => (ORDER, Op::Undo(Step::Order)),
        }
    }
}

/// The saga scenario's messages and broker records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Msg {
    /// A customer places an order (to the orchestrator, or to the Order
    /// service in the choreographed style).
    PlaceOrder(OrderInfo),
    /// The orchestrator asks a service to run a step.
    Do {
        /// Saga.
        saga: u64,
        /// Step.
        step: Step,
        /// The order.
        order: OrderInfo,
    },
    /// A service's reply to [`Msg::Do`].
    Done {
        /// Saga.
        saga: u64,
        /// Step.
        step: Step,
        /// Why it failed, if it did.
        failed: Option<&'static str>,
    },
    /// The orchestrator asks a service to compensate a step.
    Undo {
        /// Saga.
        saga: u64,
        /// Step to compensate.
        step: Step,
        /// The order.
        order: OrderInfo,
    },
    /// A service's reply to [`Msg::Undo`].
    Undone {
        /// Saga.
        saga: u64,
        /// Step compensated.
        step: Step,
        /// False when the compensation failed this time (it is retried).
        ok: bool,
    },
    /// The reporting client asks for the sales report.
    ReadSales,
    /// The sales report.
    Sales {
        /// Orders counted as sales.
        orders: u32,
        /// Their total, in dollars.
        revenue: u64,
        /// Orders counted whose saga was still running (dirty).
        dirty: Vec<u64>,
    },
    /// A choreographed event on the broker.
    Event {
        /// Saga.
        saga: u64,
        /// What happened.
        what: Happened,
        /// The order.
        order: OrderInfo,
    },
}
