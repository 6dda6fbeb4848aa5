//! Authorization tokens and the orders they (or Klarna itself) placed.

use crate::wire::{OrderLine, OrderRead, OrderStatus};
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
    /// Order Management's record: what was captured and refunded, each
    /// movement with its id.
    pub captures: Vec<Movement>,
    pub refunds: Vec<Movement>,
}

/// One capture or refund.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Movement {
    pub id: String,
    pub amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The order lines it names, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order_lines: Vec<OrderLine>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Why Order Management refused a capture or refund: Klarna's code and words.
pub type OmRefusal = (&'static str, &'static str);

impl PlacedOrder {
    /// Captured in full at once: an order Klarna placed with CAPTURE_ORDER,
    /// or placed with `auto_capture`.
    pub fn captured_at_placement(mut self) -> PlacedOrder {
        if self.auto_capture {
            let capture = Movement {
                id: new_id(),
                amount: self.order_amount,
                reference: None,
                order_lines: Vec::new(),
                at: self.placed_at,
            };
            self.captures.push(capture);
        }
        self
    }

    pub fn captured_amount(&self) -> i64 {
        self.captures.iter().map(|c| c.amount).sum()
    }

    pub fn refunded_amount(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    pub fn status(&self) -> OrderStatus {
        match self.captured_amount() {
            0 => OrderStatus::Authorized,
            captured if captured < self.order_amount => OrderStatus::PartCaptured,
            _ => OrderStatus::Captured,
        }
    }

    pub fn read(&self) -> OrderRead {
        OrderRead {
            order_id: self.order_id.clone(),
            status: self.status(),
            order_amount: self.order_amount,
            captured_amount: self.captured_amount(),
            refunded_amount: self.refunded_amount(),
            remaining_authorized_amount: self.order_amount - self.captured_amount(),
            purchase_currency: self.purchase_currency.clone(),
            klarna_reference: None,
        }
    }

    /// Captures `amount` of what is still authorized; answers the capture id.
    pub fn capture(&mut self, amount: i64, now: OffsetDateTime) -> Result<String, OmRefusal> {
        if amount > self.order_amount - self.captured_amount() {
            return Err(("CAPTURE_NOT_ALLOWED", "The captured amount is higher than the remaining authorized amount."));
        }
        let id = new_id();
        self.captures.push(Movement { id: id.clone(), amount, reference: None, order_lines: Vec::new(), at: now });
        Ok(id)
    }

    /// Refunds `amount` of what was captured and not refunded yet.
    pub fn refund(
        &mut self,
        amount: i64,
        reference: Option<String>,
        order_lines: Vec<OrderLine>,
        now: OffsetDateTime,
    ) -> Result<String, OmRefusal> {
        if amount > self.captured_amount() - self.refunded_amount() {
            return Err((
                "REFUND_NOT_ALLOWED",
                "The refunded amount is higher than the captured amount not yet refunded.",
            ));
        }
        let id = new_id();
        self.refunds.push(Movement { id: id.clone(), amount, reference, order_lines, at: now });
        Ok(id)
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
