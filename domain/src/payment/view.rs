//! What the browser and API clients may know about a payment. Nothing here
//! is secret: authorization tokens and callback secrets stay on the server.

use super::{PaymentStatus, Problem};
use crate::{Currency, MinorUnits};
use serde::{Deserialize, Serialize};

/// A payment as shown on a screen or returned by the JSON API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    pub id: String,
    pub store_id: String,
    pub status: PaymentStatus,
    pub currency: Currency,
    pub order_amount: MinorUnits,
    pub order_tax_amount: MinorUnits,
    /// The Distribution Module for this view's profile, ready for an iframe.
    pub distribution_module_url: Option<String>,
    /// The shopper's payment page (web checkout, or to send yourself).
    pub redirect_url: Option<String>,
    pub qr_code_url: Option<String>,
    /// RFC 3339; after this the link cannot be paid.
    pub expires_at: Option<String>,
    pub order_id: Option<String>,
    pub klarna_reference: Option<String>,
    /// RFC 3339 time the payment was started.
    pub created_at: String,
    /// RFC 3339 time of the last status change, in UTC with milliseconds
    /// (`2026-11-30T08:00:02.120Z`), so later states sort after earlier ones.
    pub updated_at: String,
    /// `created_at` in the store's time zone (`2026-11-30T09:00:02.120+01:00`),
    /// for showing: a screen reads the store's wall clock from it.
    #[serde(default)]
    pub created_at_local: String,
    /// `updated_at` in the store's time zone.
    #[serde(default)]
    pub updated_at_local: String,
    /// `expires_at` in the store's time zone.
    #[serde(default)]
    pub expires_at_local: Option<String>,
    /// For a paid order: whether the merchant's money is captured (`None`
    /// where the shop captures it itself, such as a web order).
    #[serde(default)]
    pub capture: Option<super::CaptureStatus>,
    /// What Klarna has refunded so far.
    #[serde(default)]
    pub refunded_amount: MinorUnits,
    /// Why the payment failed or ended early.
    pub problem: Option<Problem>,
}

/// A way to get the payment link to the shopper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkChannel {
    Qr,
    Sms,
    Email,
}
