//! Ending a link on the store's side: cancel, the store's timeout, and a
//! new link for the same cart. The link is disabled at Klarna first, then
//! marked, so no link stays payable.

use super::change::{Source, StatusChange};
use super::lost_answers::Ending;
use super::{PaymentError, PaymentService, StartRequest, Started};
use crate::storage::StoredPayment;
use domain::PaymentView;
use domain::{CartInput, Door, PaymentStatus, Problem};
use klarna::KlarnaError;
use std::time::Duration;

/// A withdrawal Klarna did not confirm is tried again this soon first.
const WITHDRAWAL_RETRY: Duration = Duration::from_secs(2);

impl PaymentService {
    /// Cancels from a screen or the API.
    pub async fn cancel(&self, store_id: &str, id: &str) -> Result<PaymentView, PaymentError> {
        let payment = self.stored(store_id, id).await?;
        match payment.status {
            // A creation that lost Klarna's answer: learn its link and withdraw it.
            PaymentStatus::Creating => {
                return match self.settle_if_noted(&payment, Ending::Cancelled).await {
                    Ok(true) => self.get(store_id, id).await,
                    Ok(false) => Err(PaymentError::Conflict(Problem::StillCreating)),
                    Err(PaymentError::Klarna(error)) => Err(PaymentError::NotWithdrawn(error)),
                    Err(other) => Err(other),
                };
            }
            status if status.is_paid() => return Err(PaymentError::Conflict(Problem::AlreadyPaid)),
            status if status.is_final() => return Ok(self.view(&payment)),
            _ => {}
        }
        self.withdraw(&payment, Source::User).await?;
        self.get(store_id, id).await
    }

    /// Cancels, and if Klarna does not confirm it, notes the withdrawal as
    /// due: the tracker tries again at each check (backing off like any
    /// unwatched payment), also after a restart, until the link is withdrawn
    /// or the payment ends otherwise. For a screen that has already moved on
    /// (a kiosk reset): the link must stop working all the same.
    pub async fn cancel_until_withdrawn(&self, store_id: &str, id: &str) -> Result<(), PaymentError> {
        let error = match self.cancel(store_id, id).await {
            Ok(_) | Err(PaymentError::Conflict(_)) => return Ok(()),
            Err(error @ (PaymentError::NotWithdrawn(_) | PaymentError::Klarna(_) | PaymentError::Storage(_))) => error,
            Err(other) => return Err(other),
        };
        tracing::warn!(payment = %id, %error, "could not withdraw the link yet; the tracker will retry");
        self.storage.request_withdrawal(id).await?;
        self.withdrawals_lock().insert(id.to_string());
        self.track(id, WITHDRAWAL_RETRY).await;
        Err(error)
    }

    /// Whether the store asked to withdraw this payment's link and Klarna
    /// has not confirmed it yet.
    pub(super) fn withdrawal_due(&self, id: &str) -> bool {
        self.withdrawals_lock().contains(id)
    }

    /// Forgets a due withdrawal once the payment has ended, however it did.
    pub(super) async fn withdrawal_done(&self, id: &str) {
        if self.withdrawals_lock().remove(id) {
            if let Err(error) = self.storage.clear_withdrawal(id).await {
                tracing::warn!(payment = %id, %error, "could not clear a withdrawal that is done");
            }
        }
    }

    /// Withdrawals due from before a restart.
    pub(super) async fn load_withdrawals(&self) -> Result<(), PaymentError> {
        let due = self.storage.withdrawals_due().await?;
        self.withdrawals_lock().extend(due);
        Ok(())
    }

    fn withdrawals_lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.withdrawals.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Withdraws the payment's link at Klarna and starts a new payment for
    /// the same cart, so only the new link can be paid.
    pub async fn regenerate(
        &self,
        store_id: &str,
        id: &str,
        door: Door,
        attempt_key: &str,
    ) -> Result<Started, PaymentError> {
        let old = self.stored(store_id, id).await?;
        if !old.status.is_final() {
            self.cancel(store_id, id).await?;
        } else if old.status == PaymentStatus::Completed {
            return Err(PaymentError::Conflict(Problem::AlreadyPaid));
        }
        let input = CartInput::from(&old.cart);
        self.start(StartRequest::new_link(&old, door, attempt_key, &input)).await
    }

    /// Disables the HPP session at Klarna, then records why it ended.
    pub(super) async fn withdraw(&self, payment: &StoredPayment, source: Source) -> Result<(), PaymentError> {
        let end = match source {
            Source::Timeout => StatusChange::to(PaymentStatus::Expired, Some(Problem::NotPaidInTime)),
            _ => StatusChange::to(PaymentStatus::Disabled, Some(Problem::CancelledByStore)),
        };
        self.withdraw_as(payment, &end, source).await
    }

    /// [`PaymentService::withdraw`], ending the payment with `end`.
    pub(super) async fn withdraw_as(
        &self,
        payment: &StoredPayment,
        end: &StatusChange,
        source: Source,
    ) -> Result<(), PaymentError> {
        if let Some(session_id) = &payment.hpp_session_id {
            match self.klarna.disable_hpp_session(session_id).await {
                Ok(()) | Err(KlarnaError::NotFound(_)) => {}
                Err(refused) => return self.withdraw_refused(&payment.id, refused).await,
            }
        }
        self.commit(&payment.id, end, source).await?;
        Ok(())
    }

    /// Klarna did not disable the link: refused it (as it does for a paid
    /// session), asked Kassa to slow down, or could not be reached. Only a
    /// fresh read that shows the session ended makes the withdrawal done (a
    /// read only, so this never withdraws again); anything else is an error,
    /// since the link may still be paid and a new link must not go ahead.
    async fn withdraw_refused(&self, id: &str, refused: KlarnaError) -> Result<(), PaymentError> {
        tracing::warn!(payment = %id, error = %refused, "Klarna did not disable the link; reading it");
        let payment = self.storage.get(id).await?.ok_or(PaymentError::NotFound)?;
        let now = self.read_session(payment, Source::Poll).await?;
        if now.status.is_paid() {
            return Err(PaymentError::Conflict(Problem::AlreadyPaid));
        }
        if now.status.is_final() {
            return Ok(());
        }
        Err(PaymentError::NotWithdrawn(refused))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cart_of, service_on_simulator};

    fn cart() -> CartInput {
        cart_of("Tea", 2, 100)
    }

    #[tokio::test]
    async fn a_cancel_disables_the_link_at_klarna_first() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let started = service.start(StartRequest::seller("stockholm", "k-cancel", &cart)).await.unwrap().view;
        let cancelled = service.cancel("stockholm", &started.id).await.unwrap();
        assert_eq!((cancelled.status, cancelled.problem), (PaymentStatus::Disabled, Some(Problem::CancelledByStore)));
        let session = klarna.only_session_id();
        assert!(klarna.try_act(&session, "open").await.is_client_error(), "the shopper's link no longer opens");
        service.refresh(&started.id, Source::Poll).await.unwrap();
        assert_eq!(service.get("stockholm", &started.id).await.unwrap().status, PaymentStatus::Disabled);
        assert!(matches!(service.cancel("other", &started.id).await, Err(PaymentError::NotFound)));
    }

    #[tokio::test]
    async fn a_paid_payment_cannot_be_cancelled_and_says_so() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let started = service.start(StartRequest::seller("stockholm", "k-paid", &cart)).await.unwrap().view;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        // Kassa has not heard yet: Klarna's refusal to disable tells it.
        let refused = service.cancel("stockholm", &started.id).await;
        assert!(matches!(refused, Err(PaymentError::Conflict(Problem::AlreadyPaid))), "{refused:?}");
        assert_eq!(service.get("stockholm", &started.id).await.unwrap().status, PaymentStatus::Completed);
    }

    /// Before: a refused DELETE (429 here) counted as done without a read
    /// proving it, so the cancel said "cancelled" while the link still paid.
    #[tokio::test]
    async fn a_refused_or_failed_disable_is_an_error_while_the_link_still_pays() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let started = service.start(StartRequest::seller("stockholm", "k-429", &cart)).await.unwrap().view;
        let session = klarna.only_session_id();
        for status in [429, 400, 409, 503] {
            klarna.faults(serde_json::json!({"endpoints": {"hpp_disable": {"fail_next": 5, "status": status}}})).await;
            let refused = service.cancel("stockholm", &started.id).await;
            assert!(matches!(refused, Err(PaymentError::NotWithdrawn(_))), "{status}: {refused:?}");
            let stored = service.get("stockholm", &started.id).await.unwrap();
            assert!(!stored.status.is_final(), "{status}: still open, since it still pays");
        }
        klarna.faults(serde_json::json!({})).await;
        assert!(klarna.try_act(&session, "open").await.is_success(), "the link still opens");
        let cancelled = service.cancel("stockholm", &started.id).await.unwrap();
        assert_eq!(cancelled.status, PaymentStatus::Disabled);
        assert!(klarna.try_act(&session, "authorize").await.is_client_error(), "and now it does not");
    }

    /// A new link must not start while the old one may still be paid.
    #[tokio::test]
    async fn a_new_link_waits_for_the_old_one_to_be_withdrawn() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let old = service.start(StartRequest::seller("stockholm", "k-old-429", &cart)).await.unwrap().view;
        klarna
            .faults(
                serde_json::json!({"endpoints": {"hpp_disable": {"fail_next": 5, "status": 429, "retry_after_s": 60}}}),
            )
            .await;
        let refused = service.regenerate("stockholm", &old.id, Door::Seller, "k-new-429").await;
        assert!(matches!(refused, Err(PaymentError::NotWithdrawn(_))), "{:?}", refused.err());
        assert_eq!(klarna.hpp_sessions(), 1, "no second payable link for the cart");
    }

    /// A kiosk reset has moved on; the link is withdrawn once Klarna lets it.
    #[tokio::test]
    async fn a_cancel_that_must_happen_is_retried_until_klarna_confirms() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let started = service.start(StartRequest::seller("stockholm", "k-bg", &cart)).await.unwrap().view;
        // The client's own three tries all meet a 429.
        klarna.faults(serde_json::json!({"endpoints": {"hpp_disable": {"fail_next": 3, "status": 429}}})).await;
        let first = service.cancel_until_withdrawn("stockholm", &started.id).await;
        assert!(matches!(first, Err(PaymentError::NotWithdrawn(_))), "{first:?}");
        assert_eq!(
            service.storage().withdrawals_due().await.unwrap(),
            std::slice::from_ref(&started.id),
            "kept over a restart"
        );
        // The tracker's next check (here by hand) withdraws it.
        crate::testing::eventually("the tracker's retry to withdraw the link", || async {
            service.refresh(&started.id, Source::Poll).await.ok();
            let now = service.get("stockholm", &started.id).await.unwrap();
            (now.status == PaymentStatus::Disabled).then_some(())
        })
        .await;
        assert!(service.storage().withdrawals_due().await.unwrap().is_empty());
    }

    /// If Klarna refuses because the session already ended, the read shows it.
    #[tokio::test]
    async fn a_refused_disable_of_an_ended_session_is_done() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let started = service.start(StartRequest::seller("stockholm", "k-ended", &cart)).await.unwrap().view;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "cancel").await;
        klarna.faults(serde_json::json!({"endpoints": {"hpp_disable": {"fail_next": 1, "status": 400}}})).await;
        let done = service.cancel("stockholm", &started.id).await.unwrap();
        assert_eq!(done.status, PaymentStatus::Cancelled);
    }

    #[tokio::test]
    async fn a_new_link_withdraws_the_old_one_and_keeps_the_cart() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart();
        let old = service.start(StartRequest::seller("stockholm", "k-old", &cart)).await.unwrap().view;
        let new = service.regenerate("stockholm", &old.id, Door::Seller, "k-new").await.unwrap();
        assert!(new.created && new.view.id != old.id);
        assert_eq!(new.view.order_amount, old.order_amount);
        assert_eq!(service.get("stockholm", &old.id).await.unwrap().status, PaymentStatus::Disabled);
        assert_eq!(klarna.hpp_sessions(), 2);
    }
}
