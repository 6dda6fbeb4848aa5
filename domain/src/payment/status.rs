//! A payment's status and the one rule every change goes through.

use serde::{Deserialize, Serialize};

/// A payment's state as people understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentStatus {
    /// Kassa is creating the Klarna session.
    Creating,
    /// The link is out; the shopper has not opened it.
    Waiting,
    /// The shopper has the payment page open.
    InProgress,
    /// Klarna declined; the shopper may try again.
    Declined,
    /// The shopper went back; the link still works.
    Back,
    /// A technical error on the shopper's side; they may retry.
    Error,
    /// Klarna approved; Kassa is placing the order (place_order_mode NONE).
    Authorized,
    /// Paid.
    Completed,
    /// The shopper cancelled.
    Cancelled,
    /// The store withdrew the link.
    Disabled,
    /// The link ran out of time.
    Expired,
    /// Kassa could not create the payment at Klarna.
    Failed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 12] = [
        PaymentStatus::Creating,
        PaymentStatus::Waiting,
        PaymentStatus::InProgress,
        PaymentStatus::Declined,
        PaymentStatus::Back,
        PaymentStatus::Error,
        PaymentStatus::Authorized,
        PaymentStatus::Completed,
        PaymentStatus::Cancelled,
        PaymentStatus::Disabled,
        PaymentStatus::Expired,
        PaymentStatus::Failed,
    ];

    /// Final states never change again; only these unlock the till.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Completed
                | PaymentStatus::Cancelled
                | PaymentStatus::Disabled
                | PaymentStatus::Expired
                | PaymentStatus::Failed
        )
    }

    /// The shopper has paid (or Klarna approved and the order is being placed).
    pub fn is_paid(self) -> bool {
        matches!(self, PaymentStatus::Completed | PaymentStatus::Authorized)
    }

    /// The name on the wire and in the database ("in_progress").
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Creating => "creating",
            PaymentStatus::Waiting => "waiting",
            PaymentStatus::InProgress => "in_progress",
            PaymentStatus::Declined => "declined",
            PaymentStatus::Back => "back",
            PaymentStatus::Error => "error",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Completed => "completed",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Disabled => "disabled",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// Why a reported change was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// The payment had already ended: final is final.
    AlreadyFinal,
    /// Klarna's report is older than the one applied last (a read that
    /// started earlier but answered later says less).
    Stale,
}

/// The rule every change to a payment goes through, whoever reports it
/// (callback, poller, shopper's return, the store): a final payment never
/// changes again, and a Klarna report older than the last applied one loses.
/// Times are Klarna's `updated_at` in Unix milliseconds, when known.
pub fn admit(current: PaymentStatus, last_report_at: Option<i64>, report_at: Option<i64>) -> Result<(), Ignored> {
    if current.is_final() {
        return Err(Ignored::AlreadyFinal);
    }
    match (last_report_at, report_at) {
        (Some(seen), Some(new)) if new < seen => Err(Ignored::Stale),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_final_states_unlock_the_till() {
        assert!(PaymentStatus::Completed.is_final());
        for open in [PaymentStatus::Waiting, PaymentStatus::InProgress, PaymentStatus::Declined, PaymentStatus::Back] {
            assert!(!open.is_final(), "{open:?}");
        }
    }

    #[test]
    fn statuses_are_snake_case_on_the_wire_and_parse_back() {
        assert_eq!(serde_json::to_string(&PaymentStatus::InProgress).unwrap(), "\"in_progress\"");
        for status in PaymentStatus::ALL {
            let wire = serde_json::to_value(status).unwrap();
            assert_eq!(wire.as_str(), Some(status.as_str()));
            assert_eq!(PaymentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(PaymentStatus::parse("paid"), None);
    }

    #[test]
    fn final_is_final_and_stale_reports_lose() {
        assert_eq!(admit(PaymentStatus::Waiting, None, None), Ok(()));
        assert_eq!(admit(PaymentStatus::Waiting, Some(10), Some(10)), Ok(()));
        assert_eq!(admit(PaymentStatus::InProgress, Some(10), Some(5)), Err(Ignored::Stale));
        assert_eq!(admit(PaymentStatus::InProgress, None, Some(5)), Ok(()));
        // A report without a stamp (Kassa's own decision) is never stale.
        assert_eq!(admit(PaymentStatus::InProgress, Some(10), None), Ok(()));
        for done in PaymentStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert_eq!(admit(done, Some(1), Some(99)), Err(Ignored::AlreadyFinal), "{done:?}");
        }
    }
}
