//! Refunds: money given back on a paid, captured order, in parts that add
//! up to at most what was captured.

use super::Problem;
use crate::MinorUnits;
use serde::{Deserialize, Serialize};

/// Where a refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundStatus {
    /// Asked of Klarna, not confirmed yet (Kassa keeps asking with the
    /// refund's own idempotency key, so Klarna refunds once).
    Pending,
    /// Klarna refunded it.
    Refunded,
    /// Klarna refused; `problem` says why.
    Refused,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 3] = [RefundStatus::Pending, RefundStatus::Refunded, RefundStatus::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Refunded => "refunded",
            RefundStatus::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<RefundStatus> {
        RefundStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether its amount counts against what may still be refunded.
    pub fn holds_amount(self) -> bool {
        self != RefundStatus::Refused
    }
}

/// A refund as the API and screens show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundView {
    pub id: String,
    pub payment_id: String,
    pub amount: MinorUnits,
    /// The merchant's own reference (a return's number), if given.
    pub reference: Option<String>,
    pub status: RefundStatus,
    /// Who asked: an associate's name, or `api`.
    pub requested_by: String,
    /// RFC 3339 (UTC, milliseconds).
    pub created_at: String,
    pub updated_at: String,
    /// Why Klarna refused it.
    pub problem: Option<Problem>,
}

/// What may still be refunded: what was captured less every refund that
/// is not refused (a pending one may still go through).
pub fn refundable(captured: MinorUnits, held_by_refunds: MinorUnits) -> MinorUnits {
    MinorUnits(captured.get().saturating_sub(held_by_refunds.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_refunds_add_up_to_what_was_captured() {
        assert_eq!(refundable(MinorUnits(10_000), MinorUnits(0)), MinorUnits(10_000));
        assert_eq!(refundable(MinorUnits(10_000), MinorUnits(7_500)), MinorUnits(2_500));
        assert_eq!(refundable(MinorUnits(10_000), MinorUnits(12_000)), MinorUnits(0));
        assert!(!RefundStatus::Refused.holds_amount() && RefundStatus::Pending.holds_amount());
        for status in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(status.as_str()), Some(status));
        }
    }
}
