//! Creations that lost Klarna's answer. Klarna may have made the link all
//! the same, so such a payment stays creating (live, holding its cart) and
//! is noted in the database. A retry under its key takes it up again and
//! gets Klarna's link back (the same request under the same key); if nobody
//! retries within [`UNKNOWN_LINK_GRACE`], or the store cancels it, Kassa
//! asks Klarna itself and withdraws what it made. A restart notes every
//! creation it cut off.

use super::change::{Source, StatusChange};
use super::{PaymentError, PaymentService};
use crate::storage::StoredPayment;
use domain::{PaymentStatus, Problem};
use std::time::Duration;

/// How long a creation that lost Klarna's answer waits for a retry under
/// its key before Kassa withdraws the link Klarna may have made.
pub(super) const UNKNOWN_LINK_GRACE: Duration = Duration::from_secs(15);
/// After a failed attempt to settle, the next one.
const SETTLE_RETRY: Duration = Duration::from_secs(10);

impl PaymentService {
    /// Notes that Klarna may hold a link for this creating payment, with the
    /// problem it ends with if nobody retries, and checks back after the grace.
    pub(super) async fn link_may_exist(&self, id: &str, problem: &Problem) {
        match self.storage.mark_link_unknown(id, problem).await {
            Ok(()) => self.track(id, UNKNOWN_LINK_GRACE).await,
            Err(error) => tracing::error!(payment = %id, %error, "could not note a link Klarna may hold"),
        }
    }

    /// If the payment is a creation noted as having lost Klarna's answer,
    /// takes the note (one taker wins) and settles it, ending the payment
    /// as `end` unless Klarna says the shopper paid. `Ok(false)`: nothing
    /// to settle here (not noted, or another task has it). On an error the
    /// note is put back for a later check.
    pub(super) async fn settle_if_noted(&self, payment: &StoredPayment, end: Ending) -> Result<bool, PaymentError> {
        if payment.status != PaymentStatus::Creating {
            return Ok(false);
        }
        let Some(problem) = self.storage.take_link_unknown(&payment.id).await? else { return Ok(false) };
        let change = match end {
            Ending::Failed => StatusChange::to(PaymentStatus::Failed, Some(problem.clone())),
            Ending::Cancelled => StatusChange::to(PaymentStatus::Disabled, Some(Problem::CancelledByStore)),
        };
        match self.settle(payment, &change).await {
            Ok(()) => Ok(true),
            Err(error) => {
                tracing::warn!(payment = %payment.id, %error, "could not settle a link Klarna may hold; will retry");
                self.storage.mark_link_unknown(&payment.id, &problem).await?;
                self.track(&payment.id, SETTLE_RETRY).await;
                Err(error)
            }
        }
    }

    /// Learns the link (the same request under the same key) and withdraws
    /// it like any other; Klarna refusing the request means it made none.
    async fn settle(&self, payment: &StoredPayment, end: &StatusChange) -> Result<(), PaymentError> {
        let id = &payment.id;
        let Some(kp_session_id) = &payment.kp_session_id else {
            return self.commit(id, end, Source::Recovery).await.map(drop);
        };
        let store = self.store(&payment.store_id)?;
        let hpp = match self.ask_for_hpp_session(payment, &store, kp_session_id).await {
            Ok(hpp) => hpp,
            Err(PaymentError::Klarna(refused)) if !refused.is_transient() => {
                return self.commit(id, end, Source::Recovery).await.map(drop);
            }
            Err(other) => return Err(other),
        };
        self.storage.record_hpp_session(id, &hpp).await?;
        let learned = self.storage.get(id).await?.ok_or(PaymentError::NotFound)?;
        match self.withdraw_as(&learned, end, Source::Recovery).await {
            // Whoever had the link paid it: recorded as paid by the read.
            Ok(()) | Err(PaymentError::Conflict(Problem::AlreadyPaid)) => {
                tracing::info!(payment = %id, "settled the link Klarna made for a creation that lost its answer");
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}

/// How a settled creation ends when its link was not paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ending {
    /// Nobody retried: failed, with the problem noted.
    Failed,
    /// The store cancelled it.
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::StartRequest;
    use crate::testing::cart_of;
    use domain::CartInput;

    fn cart(price: i64) -> CartInput {
        cart_of("Shoes", 1, price)
    }

    /// Kassa serving callbacks, and a start cut off (as by a crash) after
    /// Klarna made its link but before its answer came; then the restart.
    async fn cut_off_while_klarna_makes_the_link(
        request: StartRequest<'_>,
    ) -> (crate::testing::TestKlarna, crate::testing::TestKassa) {
        let klarna = crate::testing::TestKlarna::start().await;
        let storage = crate::storage::Storage::in_memory().await.unwrap();
        let kassa = crate::testing::TestKassa::start(&klarna, storage).await;
        klarna.faults(serde_json::json!({"timeout_ms": 60000, "endpoints": {"hpp_create": {"timeout_next": 1}}})).await;
        let cut = tokio::time::timeout(std::time::Duration::from_millis(1500), kassa.service.start(request)).await;
        assert!(cut.is_err(), "the start was cut off mid-creation");
        kassa.service.resume().await.unwrap();
        (klarna, kassa)
    }

    /// Before: a retried creation stored a fresh callback secret, but Klarna
    /// kept the first session (same idempotency key) and its callback URL,
    /// so every callback for the payment was refused.
    #[tokio::test]
    async fn a_creation_retried_after_a_lost_answer_still_gets_its_callbacks() {
        use crate::testing::eventually;
        use klarna::simulator::CallbackOutcome;
        let shoes = cart(49_900);
        let request = || StartRequest::seller("stockholm", "k-lost", &shoes);
        let (klarna, kassa) = cut_off_while_klarna_makes_the_link(request()).await;
        // The associate taps again: Klarna answers with its first session.
        let retried = kassa.service.start(request()).await.unwrap();
        assert_eq!((retried.created, retried.view.status), (true, PaymentStatus::Waiting));
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        let outcome = eventually("Klarna's callback to be answered", || async {
            let log = klarna.sim().callbacks();
            log.iter().find(|c| c.session_id == session).map(|c| c.outcome).filter(|o| *o != CallbackOutcome::Pending)
        })
        .await;
        assert_eq!(outcome, CallbackOutcome::Delivered, "Klarna's URL from the first try opens the door");
        eventually("the callback's read", || async {
            let now = kassa.service.get("stockholm", &retried.view.id).await.unwrap();
            (now.status == PaymentStatus::InProgress).then_some(())
        })
        .await;
    }

    /// Found by the fault harness: a start cut off (SIGKILL) while Klarna
    /// made its link was failed on restart, but the link stayed payable at
    /// Klarna with nobody following it.
    #[tokio::test]
    async fn a_link_made_for_a_creation_cut_off_is_withdrawn_after_restart() {
        let shoes = cart(49_900);
        let request = || StartRequest::seller("stockholm", "k-cut", &shoes);
        let (klarna, kassa) = cut_off_while_klarna_makes_the_link(request()).await;
        let stored = kassa.service.storage().by_attempt("stockholm", "k-cut").await.unwrap().unwrap();
        let id = stored.id;
        assert!(kassa.service.storage().link_unknown(&id).await.unwrap(), "remembered across the restart");
        assert_eq!(stored.status, PaymentStatus::Creating, "it holds its cart while the link is unknown");
        // After the grace for a retry: Kassa learns the link and withdraws it.
        kassa.service.refresh(&id, Source::Poll).await.unwrap();
        let session = klarna.only_session_id();
        assert_eq!(klarna.sim().hpp_session(&session).unwrap().status.to_string(), "DISABLED");
        assert!(!kassa.service.storage().link_unknown(&id).await.unwrap());
        let ended = kassa.service.storage().get(&id).await.unwrap().unwrap();
        assert_eq!((ended.status, ended.problem), (PaymentStatus::Failed, Some(Problem::RestartedBeforeLink)));
        // A late retry under the key is told to start again; no second link.
        let late = kassa.service.start(request()).await.unwrap();
        assert_eq!((late.created, late.view.status), (false, PaymentStatus::Failed));
        assert_eq!(klarna.hpp_sessions(), 1);
    }

    /// Found by the two-instance fault harness: a start whose request was
    /// dropped mid-call to Klarna (its client went away) on an instance that
    /// lives on kept its hold, so the creation stayed creating until the
    /// lease ran out. Now it is noted at once, like one cut off by a crash.
    #[tokio::test]
    async fn a_start_dropped_mid_creation_on_a_live_instance_is_taken_up_at_once() {
        let klarna = crate::testing::TestKlarna::start().await;
        let storage = crate::storage::Storage::in_memory().await.unwrap();
        let kassa = crate::testing::TestKassa::start(&klarna, storage).await;
        klarna.faults(serde_json::json!({"timeout_ms": 60000, "endpoints": {"hpp_create": {"timeout_next": 1}}})).await;
        let shoes = cart(49_900);
        let request = StartRequest::seller("stockholm", "k-dropped", &shoes);
        let cut = tokio::time::timeout(std::time::Duration::from_millis(1500), kassa.service.start(request)).await;
        assert!(cut.is_err(), "the start was dropped mid-creation");
        let id = kassa.service.storage().by_attempt("stockholm", "k-dropped").await.unwrap().unwrap().id;
        let storage = kassa.service.storage();
        let noted = crate::testing::eventually("the dropped creation to be noted", || async {
            storage.link_unknown(&id).await.unwrap().then_some(())
        });
        tokio::time::timeout(std::time::Duration::from_secs(5), noted)
            .await
            .expect("noted within seconds, not a lease");
    }

    /// Found by the fault harness: a retry under the key that failed before
    /// asking for the link (a KP-create error) had cleared the note, leaving
    /// the first try's link payable.
    #[tokio::test]
    async fn a_retry_that_fails_early_leaves_the_earlier_link_to_be_withdrawn() {
        let shoes = cart(49_900);
        let request = || StartRequest::seller("stockholm", "k-early", &shoes);
        let (klarna, kassa) = cut_off_while_klarna_makes_the_link(request()).await;
        klarna.faults(serde_json::json!({"endpoints": {"kp_create": {"fail_next": 1, "status": 400}}})).await;
        assert!(kassa.service.start(request()).await.is_err(), "the retry fails before asking for the link");
        let id = kassa.service.storage().by_attempt("stockholm", "k-early").await.unwrap().unwrap().id;
        assert!(kassa.service.storage().link_unknown(&id).await.unwrap(), "the first try's link is still unknown");
        kassa.service.refresh(&id, Source::Poll).await.unwrap();
        let session = klarna.only_session_id();
        assert_eq!(klarna.sim().hpp_session(&session).unwrap().status.to_string(), "DISABLED");
    }
}
