//! Values every part of Kassa agrees on, with the rules that keep them valid.
//!
//! The browser uses these rules for inline errors and the server uses the very
//! same code before anything reaches Klarna, so what the associate sees as
//! valid is exactly what the server accepts.

pub mod cart;
pub mod contact;
pub mod field;
pub mod kiosk;
pub mod money;
pub mod payment;
pub mod region;
pub mod sign_in;

pub use cart::{Cart, CartInput, CartLine, CartLineInput, TaxRate};
pub use contact::{Email, LinkTarget, PhoneNumber, PHONE_COUNTRIES};
pub use field::{FieldError, FieldErrors, FieldProblem};
pub use money::{Currency, MinorUnits};
pub use payment::{
    kassa_captures, plan_from, plan_refund, refund_order_line, refundable, refundable_now, AttemptKey, CaptureStatus,
    CartRef, Door, LinkChannel, PaymentId, PaymentStatus, PaymentView, Problem, RefundLine, RefundStatus, RefundView,
    Refundable, ReturnableLine, ReturnedItems, ATTEMPT_KEY_LIFETIME_MS,
};
pub use region::{Country, Locale};
