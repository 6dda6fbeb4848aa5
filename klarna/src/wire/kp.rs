//! Klarna Payments v1: the payment session an HPP session points at, and
//! placing the order from an authorization.

use serde::{Deserialize, Serialize};

/// `POST /payments/v1/sessions`. Amounts are integers in minor units.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentSessionRequest {
    pub purchase_country: String,
    pub purchase_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub order_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_tax_amount: Option<i64>,
    pub order_lines: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquiring_channel: Option<AcquiringChannel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference2: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub line_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub unit_price: i64,
    #[serde(default)]
    pub tax_rate: i64,
    pub total_amount: i64,
    #[serde(default)]
    pub total_discount_amount: i64,
    #[serde(default)]
    pub total_tax_amount: i64,
}

/// Where the purchase happens; in-store and telesales sessions say so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AcquiringChannel {
    #[default]
    Ecommerce,
    InStore,
    Telesales,
}

/// `200` answer to create payment session.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentSessionResponse {
    pub session_id: String,
    /// For Klarna's JS widget only; HPP ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    #[serde(default)]
    pub payment_method_categories: Vec<PaymentMethodCategory>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethodCategory {
    pub identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `GET /payments/v1/sessions/{id}`: the session as Klarna holds it. Every
/// field is optional because Klarna may leave any of them out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentSessionRead {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PaymentSessionStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_tax_amount: Option<i64>,
    #[serde(default)]
    pub order_lines: Vec<OrderLine>,
    /// Kept as text: an unknown channel must not fail the whole read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquiring_channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference2: Option<String>,
}

/// A KP session's status: `complete` once an order is placed. Unknown
/// strings are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentSessionStatus {
    Complete,
    Incomplete,
    Unknown(String),
}

impl PaymentSessionStatus {
    pub fn as_str(&self) -> &str {
        match self {
            PaymentSessionStatus::Complete => "complete",
            PaymentSessionStatus::Incomplete => "incomplete",
            PaymentSessionStatus::Unknown(text) => text,
        }
    }

    pub fn parse(text: &str) -> PaymentSessionStatus {
        if text.eq_ignore_ascii_case("complete") {
            PaymentSessionStatus::Complete
        } else if text.eq_ignore_ascii_case("incomplete") {
            PaymentSessionStatus::Incomplete
        } else {
            PaymentSessionStatus::Unknown(text.to_string())
        }
    }
}

impl Serialize for PaymentSessionStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentSessionStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(PaymentSessionStatus::parse(&String::deserialize(deserializer)?))
    }
}

/// `POST /payments/v1/authorizations/{token}/order`: the same cart again;
/// Klarna refuses it (409) if it differs from the session's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateOrderRequest {
    pub purchase_country: String,
    pub purchase_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub order_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_tax_amount: Option<i64>,
    pub order_lines: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_capture: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateOrderResponse {
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraud_status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hpp_guides_minimal_kp_session_round_trips() {
        let body = r#"{"purchase_country":"us","purchase_currency":"usd","locale":"en-US","order_amount":20000,"order_tax_amount":0,
 "order_lines":[{"type":"physical","reference":"SKU","name":"Cool Bike","quantity":1,"unit_price":20000,"tax_rate":0,
                 "total_amount":20000,"total_discount_amount":0,"total_tax_amount":0}]}"#;
        let parsed: PaymentSessionRequest = serde_json::from_str(body).unwrap();
        assert_eq!(parsed.order_lines[0].line_type.as_deref(), Some("physical"));
        let again: PaymentSessionRequest = serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
        assert_eq!(parsed, again);
    }

    #[test]
    fn acquiring_channel_is_screaming_snake_case() {
        assert_eq!(serde_json::to_value(AcquiringChannel::InStore).unwrap(), "IN_STORE");
    }

    #[test]
    fn kp_session_read_tolerates_unknowns() {
        let parsed: PaymentSessionRead = serde_json::from_str(
            r#"{"status":"frozen","purchase_country":"SE","order_amount":100,"acquiring_channel":"KIOSK","surprise":1}"#,
        )
        .unwrap();
        assert_eq!(parsed.status, Some(PaymentSessionStatus::Unknown("frozen".into())));
        assert_eq!(parsed.order_amount, Some(100));
        assert!(parsed.order_lines.is_empty());
        let done: PaymentSessionRead = serde_json::from_str(r#"{"status":"complete"}"#).unwrap();
        assert_eq!(done.status, Some(PaymentSessionStatus::Complete));
    }

    #[test]
    fn documented_order_response_parses() {
        let parsed: CreateOrderResponse =
            serde_json::from_str(r#"{"order_id":"41c001ca-f6d4-4240-bbc5-5d2c036a2de4","fraud_status":"ACCEPTED"}"#)
                .unwrap();
        assert_eq!(parsed.fraud_status.as_deref(), Some("ACCEPTED"));
    }
}
