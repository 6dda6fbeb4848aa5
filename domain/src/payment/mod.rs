//! A payment's rules: its status and how it may change, the door it came
//! in by, the keys that make a start idempotent, and the problem codes that
//! say why it failed. No I/O: the server stores and the screens show these.

pub mod capture;
pub mod door;
pub mod keys;
pub mod problem;
pub mod refund;
pub mod status;
pub mod view;

pub use capture::{kassa_captures, CaptureStatus};
pub use door::Door;
pub use keys::{AttemptKey, CartRef, PaymentId, ATTEMPT_KEY_LIFETIME_MS};
pub use problem::Problem;
pub use refund::{
    plan_from, plan_refund, refund_order_line, refundable, refundable_now, RefundLine, RefundStatus, RefundView,
    Refundable, ReturnableLine, ReturnedItems,
};
pub use status::{admit, Ignored, PaymentStatus};
pub use view::{LinkChannel, PaymentView};
