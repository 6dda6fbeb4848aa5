//! Ending a link on the store's side: cancel, the store's timeout, and a
//! new link for the same cart. The link is disabled at Klarna first, then
//! marked, so no link stays payable.

use super::change::{Source, StatusChange};
use super::{PaymentError, PaymentService, StartRequest, Started};
use crate::storage::StoredPayment;
use domain::PaymentView;
use domain::{CartInput, Door, PaymentStatus, Problem};
use klarna::KlarnaError;

impl PaymentService {
    /// Cancels from a screen or the API.
    pub async fn cancel(&self, store_id: &str, id: &str) -> Result<PaymentView, PaymentError> {
        let payment = self.stored(store_id, id).await?;
        match payment.status {
            PaymentStatus::Creating => return Err(PaymentError::Conflict(Problem::StillCreating)),
            status if status.is_paid() => return Err(PaymentError::Conflict(Problem::AlreadyPaid)),
            status if status.is_final() => return Ok(self.view(&payment)),
            _ => {}
        }
        self.withdraw(&payment, Source::User).await?;
        self.get(store_id, id).await
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
        let (status, problem) = match source {
            Source::Timeout => (PaymentStatus::Expired, Problem::NotPaidInTime),
            _ => (PaymentStatus::Disabled, Problem::CancelledByStore),
        };
        if let Some(session_id) = &payment.hpp_session_id {
            match self.klarna.disable_hpp_session(session_id).await {
                Ok(()) | Err(KlarnaError::NotFound(_)) => {}
                Err(KlarnaError::Rejected { .. }) => {
                    // Klarna refuses to disable a completed session: read what
                    // happened (a read only, so this never withdraws again).
                    let now = self.read_from_klarna(&payment.id, Source::Poll).await?.ok_or(PaymentError::NotFound)?;
                    if now.status.is_paid() {
                        return Err(PaymentError::Conflict(Problem::AlreadyPaid));
                    }
                    return Ok(());
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.commit(&payment.id, &StatusChange::to(status, Some(problem)), source).await?;
        Ok(())
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
