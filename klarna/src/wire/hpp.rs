//! HPP API 1.1: `/hpp/v1/sessions` and friends.

use super::distribution::DistributionModule;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::OffsetDateTime;

/// `POST /hpp/v1/sessions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateSessionRequest {
    /// `https://<api-host>/payments/v1/sessions/<kp_session_id>`.
    pub payment_session_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_urls: Option<MerchantUrls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<SessionOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
}

/// Where Klarna sends the shopper (and the status callback). Each may carry
/// the placeholders `{{session_id}}`, `{{authorization_token}}` and
/// `{{order_id}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MerchantUrls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_update: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_order_mode: Option<PlaceOrderMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_categories: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_fallback: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_images: Option<Vec<BackgroundImage>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_subtotal_detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackgroundImage {
    pub url: String,
    pub width: u32,
}

/// What Klarna does when the shopper is authorized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PlaceOrderMode {
    /// The session ends with an `authorization_token`; the merchant places
    /// the order.
    #[default]
    None,
    /// Klarna places the order; the session carries `order_id`.
    PlaceOrder,
    /// Klarna places and captures the order (goods handed over at once).
    CaptureOrder,
}

impl PlaceOrderMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceOrderMode::None => "NONE",
            PlaceOrderMode::PlaceOrder => "PLACE_ORDER",
            PlaceOrderMode::CaptureOrder => "CAPTURE_ORDER",
        }
    }

    /// Klarna's enums are upper case in its tables and lower case in its
    /// examples; both are accepted.
    pub fn parse(text: &str) -> Option<PlaceOrderMode> {
        [PlaceOrderMode::None, PlaceOrderMode::PlaceOrder, PlaceOrderMode::CaptureOrder]
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text))
    }
}

impl Serialize for PlaceOrderMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PlaceOrderMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PlaceOrderMode::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown place_order_mode {text:?}; expected NONE, PLACE_ORDER or CAPTURE_ORDER"
            ))
        })
    }
}

/// `201` answer to create session. Klarna says to use these URLs as given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateSessionResponse {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_url: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_identification_check_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_module: Option<DistributionModule>,
}

/// `GET /hpp/v1/sessions/{id}`, also the `session` of a status callback.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionResponse {
    pub session_id: String,
    pub status: SessionStatus,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<OffsetDateTime>,
    /// Only for KP sessions completed with place_order_mode NONE. A secret:
    /// it can place an order, so it never leaves the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub klarna_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_identification: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_identification_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The body Klarna posts to `merchant_urls.status_update`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusCallback {
    pub event_id: String,
    pub session: SessionResponse,
}

/// An HPP session's status. Strings Klarna adds later are kept as
/// `Unknown` so a new status never breaks reading a session.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    Waiting,
    InProgress,
    Back,
    ManualIdCheck,
    Completed,
    Cancelled,
    Failed,
    Disabled,
    Error,
    Unknown(String),
}

impl SessionStatus {
    const KNOWN: [(SessionStatus, &'static str); 9] = [
        (SessionStatus::Waiting, "WAITING"),
        (SessionStatus::InProgress, "IN_PROGRESS"),
        (SessionStatus::Back, "BACK"),
        (SessionStatus::ManualIdCheck, "MANUAL_ID_CHECK"),
        (SessionStatus::Completed, "COMPLETED"),
        (SessionStatus::Cancelled, "CANCELLED"),
        (SessionStatus::Failed, "FAILED"),
        (SessionStatus::Disabled, "DISABLED"),
        (SessionStatus::Error, "ERROR"),
    ];

    pub fn as_str(&self) -> &str {
        match self {
            SessionStatus::Unknown(text) => text,
            known => Self::KNOWN.iter().find(|(s, _)| s == known).map(|(_, n)| *n).unwrap_or("UNKNOWN"),
        }
    }

    pub fn parse(text: &str) -> SessionStatus {
        Self::KNOWN
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
            .map(|(status, _)| status.clone())
            .unwrap_or_else(|| SessionStatus::Unknown(text.to_string()))
    }

    /// COMPLETED, CANCELLED and DISABLED never change again.
    pub fn is_final(&self) -> bool {
        matches!(self, SessionStatus::Completed | SessionStatus::Cancelled | SessionStatus::Disabled)
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SessionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SessionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(SessionStatus::parse(&String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testing::round_trip;

    /// The real playground create-session response (klarna-hpp.md §2.1).
    const PLAYGROUND_CREATE: &str = r#"{
      "session_id": "f52fc7d6-ee28-9c04-8674-8f7b8cdca5d4",
      "redirect_url": "https://pay.playground.klarna.com/eu/9qGNmlZ",
      "session_url": "https://api.playground.klarna.com/hpp/v1/sessions/f52fc7d6-ee28-9c04-8674-8f7b8cdca5d4",
      "qr_code_url": "https://pay.playground.klarna.com/eu/payments/f52fc7d6-ee28-9c04-8674-8f7b8cdca5d4/qr",
      "distribution_url": "https://api.playground.klarna.com/hpp/v1/sessions/f52fc7d6-ee28-9c04-8674-8f7b8cdca5d4/distribution",
      "expires_at": "2021-03-06T14:36:28.655Z",
      "distribution_module": {
        "token": "eyJhbGciOiJub25lIn0.eyJzZXNzaW9uX2lkIjoi.",
        "standalone_url": "https://payment-eu.playground.klarna.com/distributions/10697ded-7c12-9966-8026-6a20c1cd7257?profile_id={{profile_id}}&view_id={{view_id}}",
        "generation_url": "https://api.playground.klarna.com/hpp/v1/sessions/f52fc7d6-ee28-9c04-8674-8f7b8cdca5d4/distribution-module/token"
      }
    }"#;

    #[test]
    fn playground_create_response_round_trips() {
        let parsed: CreateSessionResponse = round_trip(PLAYGROUND_CREATE);
        assert_eq!(parsed.session_id, "f52fc7d6-ee28-9c04-8674-8f7b8cdca5d4");
        assert_eq!(parsed.expires_at.unwrap().millisecond(), 655);
        assert_eq!(parsed.manual_identification_check_url, None);
        let module = parsed.distribution_module.unwrap();
        assert_eq!(
            module.standalone_url_for("seller profile", "seller").unwrap(),
            "https://payment-eu.playground.klarna.com/distributions/10697ded-7c12-9966-8026-6a20c1cd7257?profile_id=seller%20profile&view_id=seller"
        );
    }

    #[test]
    fn documented_read_bodies_round_trip() {
        let waiting: SessionResponse = round_trip(
            r#"{"session_id":"39a1c773-bafd-754d-af1f-b30c592f1267","status":"WAITING","updated_at":"2019-05-13T14:51:46.288Z","expires_at":"2019-05-15T13:51:43.507Z"}"#,
        );
        assert_eq!(waiting.status, SessionStatus::Waiting);
        assert!(!waiting.status.is_final());
        let token: SessionResponse = round_trip(
            r#"{"session_id":"39a1c773","status":"COMPLETED","authorization_token":"a1a8f727-2756-6058-bd3c-40069be0994b","updated_at":"2019-05-13T14:54:04.675Z","expires_at":"2019-05-15T13:51:43.507Z"}"#,
        );
        assert!(token.status.is_final());
        assert_eq!(token.authorization_token.as_deref(), Some("a1a8f727-2756-6058-bd3c-40069be0994b"));
        let order: SessionResponse = round_trip(
            r#"{"session_id":"39a1c773","status":"COMPLETED","order_id":"a1a8f727","klarna_reference":"X438HG0Q","updated_at":"2019-05-13T14:54:04.675Z","expires_at":"2019-05-15T13:51:43.507Z"}"#,
        );
        assert_eq!(order.klarna_reference.as_deref(), Some("X438HG0Q"));
    }

    #[test]
    fn documented_callback_round_trips() {
        let event: StatusCallback = round_trip(
            r#"{"event_id":"270b2adc-35a4-4524-800a-a5d2b8a96a2c","session":{"session_id":"35bde117-ce5f-774f-9bcb-ec514a0963ad","status":"IN_PROGRESS","updated_at":"2019-05-13T14:51:46.288Z","expires_at":"2019-05-15T13:51:43.507Z"}}"#,
        );
        assert_eq!(event.session.status, SessionStatus::InProgress);
    }

    #[test]
    fn unknown_statuses_and_fields_are_kept_or_ignored() {
        let parsed: SessionResponse =
            serde_json::from_str(r#"{"session_id":"x","status":"TIMEOUT","something_new":1}"#).unwrap();
        assert_eq!(parsed.status, SessionStatus::Unknown("TIMEOUT".into()));
        assert_eq!(serde_json::to_value(&parsed).unwrap()["status"], "TIMEOUT");
        assert_eq!(SessionStatus::parse("in_progress"), SessionStatus::InProgress);
    }

    #[test]
    fn place_order_mode_is_sent_upper_case_and_read_in_any_case() {
        let options = SessionOptions { place_order_mode: Some(PlaceOrderMode::CaptureOrder), ..Default::default() };
        assert_eq!(serde_json::to_value(&options).unwrap()["place_order_mode"], "CAPTURE_ORDER");
        let parsed: SessionOptions = serde_json::from_str(r#"{"place_order_mode":"place_order"}"#).unwrap();
        assert_eq!(parsed.place_order_mode, Some(PlaceOrderMode::PlaceOrder));
        assert!(serde_json::from_str::<SessionOptions>(r#"{"place_order_mode":"SOMETIMES"}"#).is_err());
    }
}
