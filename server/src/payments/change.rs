//! A change to a payment and how it is applied: through the domain's rule
//! (final is final, stale reports lose), keeping what Klarna already told.

use crate::clock::now_millis;
use crate::storage::StoredPayment;
use domain::payment::admit;
use domain::{PaymentStatus, Problem};

/// Where a status change came from, for the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Callback,
    Poll,
    User,
    Timeout,
    Recovery,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Callback => "callback",
            Source::Poll => "poll",
            Source::User => "user",
            Source::Timeout => "timeout",
            Source::Recovery => "recovery",
        }
    }
}

/// What changes when Klarna (or the store) moves a payment on. Fields left
/// `None` keep what the payment has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusChange {
    pub status: Option<PaymentStatus>,
    pub problem: Option<Problem>,
    /// Klarna's `updated_at` of the report (Unix ms), to spot stale reads.
    pub klarna_updated_at: Option<i64>,
    pub authorization_token: Option<String>,
    pub order_id: Option<String>,
    pub klarna_reference: Option<String>,
}

impl StatusChange {
    /// Kassa's own decision: a status and why.
    pub fn to(status: PaymentStatus, problem: Option<Problem>) -> StatusChange {
        StatusChange { status: Some(status), problem, ..Default::default() }
    }

    /// The payment after this change, or `None` when the rule refuses it.
    pub fn apply_to(&self, current: &StoredPayment) -> Option<StoredPayment> {
        self.apply_at(current, now_millis())
    }

    fn apply_at(&self, current: &StoredPayment, now: i64) -> Option<StoredPayment> {
        admit(current.status, current.klarna_updated_at, self.klarna_updated_at).ok()?;
        let status = self.status.unwrap_or(current.status);
        Some(StoredPayment {
            status,
            problem: self.problem.clone().or(current.problem.clone()),
            klarna_updated_at: self.klarna_updated_at.or(current.klarna_updated_at),
            authorization_token: self.authorization_token.clone().or(current.authorization_token.clone()),
            order_id: self.order_id.clone().or(current.order_id.clone()),
            klarna_reference: self.klarna_reference.clone().or(current.klarna_reference.clone()),
            updated_at: if status != current.status { now } else { current.updated_at },
            ..current.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;

    fn report(status: PaymentStatus, klarna_at: i64) -> StatusChange {
        StatusChange { status: Some(status), klarna_updated_at: Some(klarna_at), ..Default::default() }
    }

    #[test]
    fn what_klarna_told_is_kept_and_only_a_new_status_moves_the_clock() {
        let mut paid = crate::storage::tests::payment("a");
        paid.order_id = Some("order-1".into());
        let next = report(PaymentStatus::Completed, 5).apply_at(&paid, 99).unwrap();
        assert_eq!(
            (next.status, next.order_id.as_deref(), next.updated_at),
            (PaymentStatus::Completed, Some("order-1"), 99)
        );
        let same = StatusChange { klarna_reference: Some("ref".into()), ..Default::default() };
        let next = same.apply_at(&crate::storage::tests::payment("b"), 99).unwrap();
        assert_eq!((next.klarna_reference.as_deref(), next.updated_at), (Some("ref"), 1));
    }

    #[tokio::test]
    async fn final_states_stick_and_stale_reads_are_ignored() {
        let storage = Storage::in_memory().await.unwrap();
        storage.insert(&crate::storage::tests::payment("a")).await.unwrap();
        let apply = |change: StatusChange, source: &'static str| {
            let storage = storage.clone();
            async move { storage.update("a", source, |current| change.apply_to(current)).await.unwrap().changed() }
        };
        assert!(apply(report(PaymentStatus::InProgress, 10), "poll").await.is_some());
        // A read that started earlier but answered later says less.
        assert!(apply(report(PaymentStatus::Waiting, 5), "poll").await.is_none());
        let done = apply(report(PaymentStatus::Completed, 20), "callback").await.unwrap();
        assert_eq!(done.status, PaymentStatus::Completed);
        // A late IN_PROGRESS, even with a newer stamp, never reopens it.
        assert!(apply(report(PaymentStatus::InProgress, 30), "callback").await.is_none());
        assert_eq!(storage.get("a").await.unwrap().unwrap().status, PaymentStatus::Completed);
        assert!(storage.open_payments().await.unwrap().is_empty());
        let history: Vec<(PaymentStatus, String)> =
            storage.history("a").await.unwrap().into_iter().map(|e| (e.status, e.source)).collect();
        assert_eq!(
            history,
            [
                (PaymentStatus::Waiting, "user".to_string()),
                (PaymentStatus::InProgress, "poll".to_string()),
                (PaymentStatus::Completed, "callback".to_string())
            ]
        );
    }
}
