//! Following a payment: read it from Klarna, apply what Klarna says, then
//! do what the new state asks for (place the order, or withdraw a link
//! whose time is up). Callbacks, the poller and the shopper's return all
//! end here, so there is one state machine.

use super::change::{Source, StatusChange};
use super::lost_answers::Ending;
use super::{requests, Claim, PaymentError, PaymentService};
use crate::clock::{millis, now_millis};
use crate::storage::StoredPayment;
use domain::{PaymentStatus, Problem};
use klarna::wire::{SessionResponse, SessionStatus};
use klarna::KlarnaError;
use std::sync::atomic::Ordering;

impl PaymentService {
    /// Reads the payment from Klarna, applies it, and takes the next step.
    pub async fn refresh(&self, id: &str, source: Source) -> Result<(), PaymentError> {
        let Some(payment) = self.read_from_klarna(id, source).await? else { return Ok(()) };
        let open = !payment.status.is_final() && payment.status != PaymentStatus::Creating;
        if payment.status == PaymentStatus::Authorized {
            self.place_order(&payment).await?;
        } else if open && self.withdrawal_due(id) {
            self.withdraw(&payment, Source::User).await?;
        } else if open && payment.deadline_at <= now_millis() {
            self.withdraw(&payment, Source::Timeout).await?;
        }
        Ok(())
    }

    /// Reads the payment from Klarna and applies what it says (a creation
    /// that lost Klarna's answer is settled first). Returns the payment as it
    /// stands afterwards (`None`: no such payment).
    async fn read_from_klarna(&self, id: &str, source: Source) -> Result<Option<StoredPayment>, PaymentError> {
        let Some(payment) = self.storage.get(id).await? else { return Ok(None) };
        if self.settle_if_noted(&payment, Ending::Failed).await? {
            return Ok(self.storage.get(id).await?);
        }
        self.read_session(payment, source).await.map(Some)
    }

    /// Reads the HPP session and applies what it says; nothing more, so
    /// withdrawing can use it without starting another withdrawal.
    pub(super) async fn read_session(
        &self,
        payment: StoredPayment,
        source: Source,
    ) -> Result<StoredPayment, PaymentError> {
        let id = payment.id.as_str();
        let (Some(session_id), false) = (&payment.hpp_session_id, payment.status.is_final()) else {
            return Ok(payment);
        };
        let _permit = self.reads.acquire().await.map_err(|_| PaymentError::NotFound)?;
        crate::telemetry::tracker_read(source.as_str());
        let answer = self.klarna.read_hpp_session(session_id).await;
        // Counted once answered: a read still on its way has seen nothing yet.
        self.klarna_reads.fetch_add(1, Ordering::Relaxed);
        let change = match answer {
            Ok(session) => change_from(&session, &payment),
            Err(KlarnaError::NotFound(_)) => {
                StatusChange::to(PaymentStatus::Expired, Some(Problem::LinkUnknownAtKlarna))
            }
            Err(error) => {
                // The last known state stands; the next check tries again.
                tracing::warn!(payment = %id, %error, "could not read the payment from Klarna");
                return Ok(payment);
            }
        };
        self.apply(id, &change, source).await
    }

    /// Places the order for an authorization (place_order_mode NONE). The
    /// idempotency key is the payment's, so however often this runs, Klarna
    /// makes one order; and only one placement per payment runs at a time
    /// here (callback, poller, the shopper's return and a cancel may all
    /// ask at once). Only Klarna's refusal of the order itself fails the
    /// payment: a busy or unreachable Klarna, or a 409 for a placement still
    /// in flight, leaves it authorized for the next check to read again.
    async fn place_order(&self, payment: &StoredPayment) -> Result<(), PaymentError> {
        let Some(_placing) = Claim::take(&self.placing, &payment.id) else { return Ok(()) };
        // And only on the instance that holds the payment: the holder places it.
        if !self.try_hold(&payment.id).await? {
            return Ok(());
        }
        // Read again under the claim: a placement that just ended has its order.
        let Some(payment) = self.storage.get(&payment.id).await? else { return Ok(()) };
        let (PaymentStatus::Authorized, Some(token), None) =
            (payment.status, &payment.authorization_token, &payment.order_id)
        else {
            return Ok(());
        };
        let store = self.store(&payment.store_id)?;
        let request = requests::order(&payment, &store);
        match self.klarna.place_order(token, &request, &format!("kassa-{}-order", payment.id)).await {
            Ok(order) => {
                let change = StatusChange {
                    status: Some(PaymentStatus::Completed),
                    order_id: Some(order.order_id),
                    ..Default::default()
                };
                crate::telemetry::order_placement("placed");
                self.commit(&payment.id, &change, Source::Poll).await?;
            }
            Err(error) if error.is_transient() || in_flight(&error) => {
                crate::telemetry::order_placement("retry");
                tracing::warn!(payment = %payment.id, %error, "the order is not placed yet; will read again");
                self.track(&payment.id, super::poller::ORDER_RETRY).await;
            }
            Err(error) => {
                tracing::error!(payment = %payment.id, %error, "Klarna refused to place the order");
                crate::telemetry::order_placement("refused");
                let code = error.error_code().unwrap_or("no code").to_string();
                let change = StatusChange::to(PaymentStatus::Failed, Some(Problem::OrderRefused { klarna_code: code }));
                self.commit(&payment.id, &change, Source::Poll).await?;
                // No order will come of it: release the shopper's credit.
                if let Err(error) = self.klarna.cancel_authorization(token).await {
                    tracing::warn!(payment = %payment.id, %error, "could not release the refused authorization");
                }
            }
        }
        Ok(())
    }
}

/// A 409 for a placement under the same key still in flight, as opposed to
/// Klarna's 409 `BAD_VALUE`: the order does not match the approved session,
/// which no retry mends.
fn in_flight(error: &KlarnaError) -> bool {
    matches!(error, KlarnaError::Conflict(_)) && error.error_code() != Some("BAD_VALUE")
}

/// Turns Klarna's report into a change. With place_order_mode NONE a
/// COMPLETED session is only authorized: the order is still to be placed.
fn change_from(session: &SessionResponse, payment: &StoredPayment) -> StatusChange {
    let status = match &session.status {
        SessionStatus::Waiting => Some(PaymentStatus::Waiting),
        SessionStatus::InProgress | SessionStatus::ManualIdCheck => Some(PaymentStatus::InProgress),
        SessionStatus::Back => Some(PaymentStatus::Back),
        SessionStatus::Failed => Some(PaymentStatus::Declined),
        SessionStatus::Error => Some(PaymentStatus::Error),
        SessionStatus::Completed if session.authorization_token.is_some() && payment.order_id.is_none() => {
            Some(PaymentStatus::Authorized)
        }
        SessionStatus::Completed => Some(PaymentStatus::Completed),
        SessionStatus::Cancelled => Some(PaymentStatus::Cancelled),
        SessionStatus::Disabled => Some(PaymentStatus::Disabled),
        SessionStatus::Unknown(text) => {
            tracing::warn!(payment = %payment.id, status = %text, "Klarna reported an unknown status; keeping the last one");
            None
        }
    };
    StatusChange {
        status,
        klarna_updated_at: session.updated_at.map(millis),
        authorization_token: session.authorization_token.clone(),
        order_id: session.order_id.clone(),
        klarna_reference: session.klarna_reference.clone(),
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::StartRequest;
    use crate::storage::tests::payment;
    use crate::testing::{cart_of, service_with, TestKlarna};

    fn session(status: SessionStatus) -> SessionResponse {
        serde_json::from_value(serde_json::json!({"session_id": "hpp-1", "status": "WAITING"}))
            .map(|s: SessionResponse| SessionResponse { status, ..s })
            .unwrap()
    }

    #[test]
    fn klarnas_statuses_map_to_kassas() {
        let record = payment("p");
        let cases = [
            (SessionStatus::Waiting, Some(PaymentStatus::Waiting)),
            (SessionStatus::InProgress, Some(PaymentStatus::InProgress)),
            (SessionStatus::ManualIdCheck, Some(PaymentStatus::InProgress)),
            (SessionStatus::Back, Some(PaymentStatus::Back)),
            (SessionStatus::Failed, Some(PaymentStatus::Declined)),
            (SessionStatus::Error, Some(PaymentStatus::Error)),
            (SessionStatus::Completed, Some(PaymentStatus::Completed)),
            (SessionStatus::Cancelled, Some(PaymentStatus::Cancelled)),
            (SessionStatus::Disabled, Some(PaymentStatus::Disabled)),
            (SessionStatus::Unknown("NEW_THING".into()), None),
        ];
        for (klarna, kassa) in cases {
            assert_eq!(change_from(&session(klarna.clone()), &record).status, kassa, "{klarna:?}");
        }
        // With an authorization token and no order yet, Kassa must still place the order.
        let authorized =
            SessionResponse { authorization_token: Some("tok".into()), ..session(SessionStatus::Completed) };
        assert_eq!(change_from(&authorized, &record).status, Some(PaymentStatus::Authorized));
        let placed = StoredPayment { order_id: Some("o-1".into()), ..record };
        assert_eq!(change_from(&authorized, &placed).status, Some(PaymentStatus::Completed));
    }

    async fn authorized(klarna: &TestKlarna, service: &PaymentService, key: &str) -> String {
        let cart = cart_of("Tea", 1, 100);
        let started = service.start(StartRequest::api("stockholm", key, None, &cart)).await.unwrap().view;
        let stored = service.storage().get(&started.id).await.unwrap().unwrap();
        let session = stored.hpp_session_id.unwrap();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        started.id
    }

    /// Before: a 409 (a placement in flight) or a 429 committed Failed, a
    /// final state, while Klarna held or would make the order.
    #[tokio::test]
    async fn a_409_or_429_on_placing_leaves_it_authorized_and_the_next_check_places_it() {
        let klarna = TestKlarna::start().await;
        let service = service_with(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")]).await;
        for (n, fault) in [
            serde_json::json!({"status": 409, "fail_next": 1}),
            serde_json::json!({"status": 429, "fail_next": 1, "retry_after_s": 60}),
        ]
        .into_iter()
        .enumerate()
        {
            let id = authorized(&klarna, &service, &format!("k-busy-{n}")).await;
            klarna.faults(serde_json::json!({"endpoints": {"place_order": fault}})).await;
            service.refresh(&id, Source::Callback).await.unwrap();
            let waiting = service.get("stockholm", &id).await.unwrap();
            assert_eq!(waiting.status, PaymentStatus::Authorized, "{fault}: not failed");
            service.refresh(&id, Source::Poll).await.unwrap();
            let paid = service.get("stockholm", &id).await.unwrap();
            assert_eq!((paid.status, paid.order_id.is_some()), (PaymentStatus::Completed, true), "{fault}");
        }
        assert_eq!(klarna.orders(), 2);
    }

    /// Callback, poller and the shopper's return at once: one placement.
    #[tokio::test]
    async fn concurrent_follow_ups_place_the_order_once() {
        use klarna::simulator::faults::Endpoint;
        let klarna = TestKlarna::start().await;
        let service = service_with(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")]).await;
        let id = authorized(&klarna, &service, "k-race").await;
        klarna.faults(serde_json::json!({"latency_ms": 150})).await;
        let sources = [Source::Callback, Source::Poll, Source::User, Source::Callback];
        let results = futures::future::join_all(sources.map(|source| service.refresh(&id, source))).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(service.get("stockholm", &id).await.unwrap().status, PaymentStatus::Completed);
        assert_eq!(klarna.calls(Endpoint::PlaceOrder), 1, "one placement call, not one per follow-up");
    }

    #[test]
    fn only_a_409_for_a_placement_in_flight_is_worth_another_try() {
        let conflict = |code: Option<&str>| {
            KlarnaError::Conflict(klarna::client::ErrorDetails {
                error_code: code.map(String::from),
                ..Default::default()
            })
        };
        assert!(in_flight(&conflict(Some("CONFLICT"))));
        assert!(in_flight(&conflict(None)));
        assert!(!in_flight(&conflict(Some("BAD_VALUE"))), "the order does not match the session");
    }

    /// A refusal of the order itself fails the payment and frees the credit.
    #[tokio::test]
    async fn a_refused_order_fails_the_payment_and_releases_the_authorization() {
        use klarna::simulator::faults::Endpoint;
        let klarna = TestKlarna::start().await;
        let service = service_with(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")]).await;
        let id = authorized(&klarna, &service, "k-refused").await;
        klarna.faults(serde_json::json!({"endpoints": {"place_order": {"status": 400, "fail_next": 1}}})).await;
        service.refresh(&id, Source::Poll).await.unwrap();
        let failed = service.get("stockholm", &id).await.unwrap();
        assert_eq!(failed.status, PaymentStatus::Failed);
        assert!(matches!(failed.problem, Some(Problem::OrderRefused { .. })));
        assert_eq!(klarna.calls(Endpoint::CancelAuthorization), 1);
        assert_eq!(klarna.orders(), 0);
    }

    #[tokio::test]
    async fn an_authorization_is_followed_by_exactly_one_order() {
        let klarna = TestKlarna::start().await;
        let service = service_with(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")]).await;
        let cart = cart_of("Tea", 1, 100);
        let started = service.start(StartRequest::api("stockholm", "k-order", None, &cart)).await.unwrap().view;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        service.refresh(&started.id, Source::Poll).await.unwrap();
        service.refresh(&started.id, Source::Callback).await.unwrap();
        let paid = service.get("stockholm", &started.id).await.unwrap();
        assert_eq!(paid.status, PaymentStatus::Completed);
        assert!(paid.order_id.is_some());
        assert_eq!(klarna.orders(), 1);
    }
}
