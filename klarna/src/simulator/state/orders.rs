//! Authorization tokens and the orders they (or Klarna itself) placed.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// An authorization token can place an order for 60 minutes.
pub const AUTHORIZATION_LIFETIME: Duration = Duration::minutes(60);

/// An authorization token a completed HPP session (mode NONE) handed out.
#[derive(Clone, Debug)]
pub struct Authorization {
    pub kp_session_id: String,
    pub hpp_session_id: String,
    pub issued_at: OffsetDateTime,
    pub state: AuthorizationState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizationState {
    Open,
    /// Single use: the order it made.
    Ordered(String),
    Cancelled,
}

impl Authorization {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.issued_at + AUTHORIZATION_LIFETIME
    }
}

/// An order placed through this simulator, by the merchant (place order
/// with an authorization token) or by Klarna (PLACE_ORDER / CAPTURE_ORDER).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlacedOrder {
    pub order_id: String,
    /// The token that placed it; `None` when Klarna placed it itself.
    pub authorization_token: Option<String>,
    pub idempotency_key: Option<String>,
    pub kp_session_id: String,
    pub hpp_session_id: Option<String>,
    pub order_amount: i64,
    pub purchase_currency: String,
    pub auto_capture: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
}
