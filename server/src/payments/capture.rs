//! Capturing a paid order (in store, where Klarna did not capture it and
//! the store lets Kassa): due in the same write that records the order, so
//! a crash never loses it; made with the payment's own idempotency key, so
//! however often it is tried, Klarna captures once; retried with backoff
//! while Klarna is away, and after a restart.

use super::{Claim, PaymentService};
use crate::storage::{StoredPayment, Updated};
use domain::{kassa_captures, CaptureStatus, PaymentStatus};
use klarna::wire::{CaptureRequest, PlaceOrderMode};
use klarna::KlarnaError;

impl PaymentService {
    /// `next` with its capture due, when this change placed an order that
    /// Kassa captures.
    pub(super) fn with_capture_due(&self, current: &StoredPayment, mut next: StoredPayment) -> StoredPayment {
        // Only the change that completes it: an older paid payment (paid
        // before this rule existed) is never captured behind the store's back.
        let placed = next.status == PaymentStatus::Completed
            && current.status != PaymentStatus::Completed
            && next.order_id.is_some()
            && current.capture.is_none();
        let store_captures = self.config().store(&next.store_id).is_some_and(|store| store.capture_after_order);
        let klarna_captures = next.place_order_mode == PlaceOrderMode::CaptureOrder;
        if placed && next.capture.is_none() && kassa_captures(next.door, klarna_captures, store_captures) {
            next.capture = Some(CaptureStatus::Pending);
        }
        next
    }

    /// Every capture left pending (a restart): due now.
    pub(super) async fn resume_captures(&self) -> Result<(), crate::storage::StorageError> {
        for id in self.storage.pending_captures().await? {
            self.captures.now(&id);
        }
        Ok(())
    }

    /// Captures the whole order, if it is still pending; otherwise nothing.
    pub(super) async fn capture(&self, id: &str) {
        let Some(_capturing) = Claim::take(&self.capturing, id) else { return };
        let payment = match self.storage.get(id).await {
            Ok(Some(payment)) => payment,
            Ok(None) => return self.captures.done(id),
            Err(error) => {
                tracing::warn!(payment = %id, %error, "could not read a payment to capture; will try again");
                return self.captures.later(id);
            }
        };
        let (Some(CaptureStatus::Pending), Some(order_id)) = (payment.capture, &payment.order_id) else {
            return self.captures.done(id);
        };
        let amount = payment.cart.order_amount.get() as i64;
        let request = CaptureRequest { captured_amount: amount, ..Default::default() };
        let outcome = match self.klarna.capture_order(order_id, &request, &format!("kassa-{id}-capture")).await {
            Ok(_) => Some(CaptureStatus::Captured),
            Err(error) if error.is_transient() => {
                tracing::warn!(payment = %id, %error, "the capture did not go through; will try again");
                None
            }
            // Captured already (in Klarna's portal, or by a try whose key
            // Klarna no longer keeps), or refused for good.
            Err(error) if error.error_code() == Some("CAPTURE_NOT_ALLOWED") => {
                match self.klarna.read_order(order_id).await {
                    Ok(order) if order.captured_amount >= order.order_amount => Some(CaptureStatus::Captured),
                    Ok(_) => Some(refused(id, &error)),
                    Err(_) => None,
                }
            }
            Err(error) => Some(refused(id, &error)),
        };
        let Some(status) = outcome else {
            crate::telemetry::capture("retry");
            return self.captures.later(id);
        };
        let recorded = self.record_capture(id, status).await;
        match recorded {
            Ok(()) => {
                crate::telemetry::capture(status.as_str());
                self.captures.done(id);
            }
            Err(error) => {
                tracing::error!(payment = %id, %error, "could not record the capture; will try again");
                self.captures.later(id);
            }
        }
    }

    /// Writes where the capture stands and shows it on the store's screens.
    async fn record_capture(&self, id: &str, status: CaptureStatus) -> Result<(), crate::storage::StorageError> {
        let now = crate::clock::now_millis();
        let updated = self
            .storage
            .update(id, "capture", |current| {
                (current.capture == Some(CaptureStatus::Pending)).then(|| StoredPayment {
                    capture: Some(status),
                    updated_at: now,
                    ..current.clone()
                })
            })
            .await?;
        if let Updated::Changed(payment) = updated {
            tracing::info!(payment = %id, capture = status.as_str(), "capture recorded");
            self.publish(&payment);
        }
        Ok(())
    }
}

fn refused(id: &str, error: &KlarnaError) -> CaptureStatus {
    tracing::error!(payment = %id, %error, "Klarna refused the capture; capture it in Klarna's merchant portal");
    CaptureStatus::Refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::StartRequest;
    use crate::testing::{cart_of, eventually, service_with, TestKlarna};
    use klarna::simulator::faults::Endpoint;
    use std::sync::Arc;
    use std::time::Duration;

    /// A payment of `store_mode`, paid by the shopper; the tracker runs.
    async fn paid(klarna: &TestKlarna, env: &[(&str, &str)], key: &str) -> (Arc<PaymentService>, String) {
        let service = service_with(klarna, env).await;
        tokio::spawn(service.clone().run_tracker());
        let cart = cart_of("Tea", 2, 4_500);
        let started = service.start(StartRequest::api("stockholm", key, None, &cart)).await.unwrap().view;
        let session = service.storage().get(&started.id).await.unwrap().unwrap().hpp_session_id.unwrap();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        // As Klarna's callback would (they go nowhere in these tests).
        service.refresh(&started.id, crate::payments::Source::Callback).await.unwrap();
        (service, started.id)
    }

    async fn capture_settles(service: &PaymentService, id: &str) -> Option<CaptureStatus> {
        let settled = || async {
            let view = service.get("stockholm", id).await.ok()?;
            (view.status == PaymentStatus::Completed && view.capture != Some(CaptureStatus::Pending))
                .then_some(view.capture)
        };
        eventually("the capture to settle", settled).await
    }

    #[tokio::test]
    async fn an_order_kassa_places_is_captured_once_in_full() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")], "cap-none").await;
        assert_eq!(capture_settles(&service, &id).await, Some(CaptureStatus::Captured));
        let orders = klarna.sim().orders();
        assert_eq!((orders[0].captures.len(), orders[0].captures[0].amount), (1, 9_000));
    }

    #[tokio::test]
    async fn an_order_klarna_places_is_captured_and_one_klarna_captures_is_left_alone() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "PLACE_ORDER")], "cap-po").await;
        assert_eq!(capture_settles(&service, &id).await, Some(CaptureStatus::Captured));
        assert_eq!(klarna.calls(Endpoint::Capture), 1);

        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[], "cap-co").await;
        assert_eq!(capture_settles(&service, &id).await, Some(CaptureStatus::Captured), "CAPTURE_ORDER: Klarna's");
        assert_eq!(klarna.calls(Endpoint::Capture), 0);
        assert_eq!(klarna.sim().orders()[0].captures.len(), 1, "captured by Klarna at placement");
    }

    #[tokio::test]
    async fn a_store_that_captures_itself_is_not_captured_by_kassa() {
        let klarna = TestKlarna::start().await;
        let env = [("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE"), ("KASSA__STORES__0__CAPTURE_AFTER_ORDER", "false")];
        let (service, id) = paid(&klarna, &env, "cap-off").await;
        assert_eq!(capture_settles(&service, &id).await, None);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(klarna.calls(Endpoint::Capture), 0);
    }

    #[tokio::test]
    async fn a_capture_through_outages_and_a_lost_answer_is_made_once() {
        let klarna = TestKlarna::start().await;
        // More failures than the client's own retries: Kassa tries again later.
        let faults = serde_json::json!({"endpoints": {"capture": {"status": 503, "fail_next": 4}}});
        klarna.faults(faults).await;
        let (service, id) = paid(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")], "cap-503").await;
        assert_eq!(capture_settles(&service, &id).await, Some(CaptureStatus::Captured));
        assert_eq!(klarna.sim().orders()[0].captures.len(), 1);

        let klarna = TestKlarna::start().await;
        klarna.faults(serde_json::json!({"timeout_ms": 8000, "endpoints": {"capture": {"timeout_next": 1}}})).await;
        let (service, id) = paid(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")], "cap-lost").await;
        assert_eq!(capture_settles(&service, &id).await, Some(CaptureStatus::Captured));
        assert_eq!(klarna.sim().orders()[0].captures.len(), 1, "the keyed retry replayed the first capture");
    }

    #[tokio::test]
    async fn a_refused_capture_shows_refused_and_is_not_tried_again() {
        let klarna = TestKlarna::start().await;
        klarna.faults(serde_json::json!({"endpoints": {"capture": {"status": 400, "fail_next": 1}}})).await;
        let (service, id) = paid(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")], "cap-400").await;
        assert_eq!(capture_settles(&service, &id).await, Some(CaptureStatus::Refused));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(klarna.calls(Endpoint::Capture), 1);
    }

    #[tokio::test]
    async fn a_capture_left_pending_by_a_crash_is_made_after_the_restart() {
        let klarna = TestKlarna::start().await;
        let service = service_with(&klarna, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")]).await;
        // No tracker: the order is placed, the capture recorded due, and then
        // the process "dies" before trying it.
        let cart = cart_of("Tea", 1, 4_500);
        let started = service.start(StartRequest::api("stockholm", "cap-crash", None, &cart)).await.unwrap().view;
        let session = service.storage().get(&started.id).await.unwrap().unwrap().hpp_session_id.unwrap();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        service.refresh(&started.id, crate::payments::Source::Poll).await.unwrap();
        let stored = service.storage().get(&started.id).await.unwrap().unwrap();
        assert_eq!((stored.status, stored.capture), (PaymentStatus::Completed, Some(CaptureStatus::Pending)));

        let env = [("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")];
        let restarted = crate::testing::service_on_storage(&klarna, service.storage().clone(), &env).await;
        restarted.resume().await.unwrap();
        tokio::spawn(restarted.clone().run_tracker());
        assert_eq!(capture_settles(&restarted, &started.id).await, Some(CaptureStatus::Captured));
        assert_eq!(klarna.sim().orders()[0].captures.len(), 1);
    }
}
