//! What a self-checkout kiosk's screen shows: its own shopper's basket and
//! payment, nothing of other kiosks or of earlier shoppers.

use crate::payment::PaymentView;
use crate::{Cart, Currency};
use serde::{Deserialize, Serialize};

/// One kiosk's screen state, as the server holds it. Only this kiosk's own
/// cart and payment: nothing of other kiosks or of earlier shoppers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
