//! What a self-checkout kiosk screen is shown. The kiosk proves who it is
//! with an HttpOnly cookie set at enrolment ([`crate::cookies::KIOSK_COOKIE`]);
//! the server checks it on every call.

use crate::model::PaymentView;
use domain::{Cart, Currency};
use serde::{Deserialize, Serialize};

/// One kiosk's screen state, as the server holds it. Only this kiosk's own
/// cart and payment: nothing of other kiosks or of earlier shoppers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KioskView {
    pub kiosk_id: String,
    pub store_name: String,
    pub currency: Currency,
    /// The current shopper's basket, from the self-checkout system.
    pub cart: Option<Cart>,
    pub payment: Option<PaymentView>,
    pub idle_seconds: u32,
    pub reset_after_paid_seconds: u32,
    /// Offer a demo basket (simulator mode only).
    pub demo_basket: bool,
    /// Bumped at every reset: a new shopper.
    pub session: u64,
    /// Bumped at every change, so a screen ignores an older view.
    pub revision: u64,
    /// New at every server start (revisions start again from 0).
    pub instance: String,
}

/// Why the screen forgets its shopper (for the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    Cancel,
    Idle,
}
