//! Order Management: reading an order, capturing it, refunding it
//! (`/ordermanagement/v1/orders/{order_id}`). Amounts are minor units.

use super::OrderLine;
use serde::{Deserialize, Serialize};

/// Where an order stands at Klarna.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Authorized,
    PartCaptured,
    Captured,
    Cancelled,
    Expired,
    Closed,
    /// A status this client does not know yet.
    #[serde(other)]
    Other,
}

/// An order as Order Management reports it (the fields Kassa reads).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderRead {
    pub order_id: String,
    pub status: OrderStatus,
    pub order_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub remaining_authorized_amount: i64,
    pub purchase_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub klarna_reference: Option<String>,
}

/// `POST .../captures`: take (part of) the authorized amount.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaptureRequest {
    pub captured_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_lines: Option<Vec<OrderLine>>,
}

/// `POST .../refunds`: give back (part of) the captured amount.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub refunded_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The merchant's own reference for the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_lines: Option<Vec<OrderLine>>,
}
