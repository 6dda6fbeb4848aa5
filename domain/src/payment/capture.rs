//! Captures: the merchant is paid only once an order is captured. An order
//! paid in a shop is captured as soon as it is placed (the goods leave with
//! the shopper), by Klarna itself (CAPTURE_ORDER) or else by Kassa, unless
//! the store says otherwise; a web order is captured by the shop when it
//! ships, never by Kassa.

use super::Door;
use serde::{Deserialize, Serialize};

/// Where a capture stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CaptureStatus {
    /// Kassa is capturing the order (and keeps trying while Klarna is away).
    Pending,
    /// The whole amount is captured: the merchant gets paid.
    Captured,
    /// Klarna refused the capture: capture it in Klarna's merchant portal.
    Refused,
}

impl CaptureStatus {
    pub const ALL: [CaptureStatus; 3] = [CaptureStatus::Pending, CaptureStatus::Captured, CaptureStatus::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            CaptureStatus::Pending => "pending",
            CaptureStatus::Captured => "captured",
            CaptureStatus::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<CaptureStatus> {
        CaptureStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// Whether Kassa captures a paid order: one paid in a shop, that Klarna
/// does not capture itself, in a store that captures after the order.
pub fn kassa_captures(door: Door, klarna_captures: bool, store_captures_after_order: bool) -> bool {
    door.in_store() && !klarna_captures && store_captures_after_order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kassa_captures_in_store_orders_klarna_leaves_uncaptured_unless_the_store_says_no() {
        for door in [Door::Seller, Door::Kiosk, Door::Api] {
            assert!(kassa_captures(door, false, true), "{door:?}");
            assert!(!kassa_captures(door, true, true), "{door:?}: Klarna captured it");
            assert!(!kassa_captures(door, false, false), "{door:?}: the store captures itself");
        }
        assert!(!kassa_captures(Door::Web, false, true), "a web shop captures when it ships");
        for status in CaptureStatus::ALL {
            assert_eq!(CaptureStatus::parse(status.as_str()), Some(status));
        }
    }
}
