//! Refunds of a paid, captured order: recorded pending before Klarna is
//! asked (under a limit checked in the same write), asked with the
//! refund's own idempotency key, and asked again until Klarna answers, after
//! a restart too, so a double tap, a lost answer or a crash never refunds
//! twice and never loses a refund.

use super::relay::Notice;
use super::{requests, Claim, PaymentError, PaymentService};
use crate::clock::{local_rfc3339, now_millis, rfc3339, store_zone};
use crate::storage::{RefundRecorded, StoredPayment, StoredRefund};
use domain::{plan_refund, refund_order_line, refundable_now, AttemptKey, CaptureStatus, FieldErrors, MinorUnits};
use domain::{PaymentStatus, Problem, RefundStatus, RefundView, Refundable, ReturnedItems};
use klarna::wire::RefundRequest;

/// A refund as asked for.
pub struct RefundAsk<'a> {
    pub store_id: &'a str,
    pub payment_id: &'a str,
    /// The caller's key: the same key is the same refund.
    pub key: &'a str,
    /// Minor units; with neither this nor `lines`, all that is left.
    pub amount: Option<i64>,
    /// Items given back; the refund's amount is their share.
    pub lines: Option<Vec<ReturnedItems>>,
    pub reference: Option<String>,
    /// An associate's name, or `api`.
    pub requested_by: &'a str,
}

/// A refund, and whether this ask made it.
pub struct Refunded {
    pub refund: RefundView,
    pub created: bool,
}

impl PaymentService {
    /// Refunds (part of) a paid payment, or answers the refund this key
    /// already made. An amount or items over what is left are refused
    /// naming the field; a payment not paid and captured is a conflict.
    pub async fn refund(&self, ask: RefundAsk<'_>) -> Result<Refunded, PaymentError> {
        let key = AttemptKey::parse(ask.key).map_err(|problem| one_error("key", problem))?;
        let reference = ask.reference.filter(|r| !r.trim().is_empty());
        if reference.as_ref().is_some_and(|r| r.chars().count() > domain::payment::keys::MAX_KEY_LENGTH) {
            return Err(one_error("reference", "must be at most 255 characters"));
        }
        let payment = self.refundable_payment(ask.store_id, ask.payment_id).await?;
        let now = now_millis();
        let plan = |earlier: &[StoredRefund]| {
            let earlier: Vec<RefundView> = earlier.iter().map(|refund| self.refund_view(&payment, refund)).collect();
            let (amount, lines) = plan_refund(&payment.cart, &earlier, ask.amount, ask.lines.as_deref())?;
            Ok::<_, FieldErrors>(StoredRefund {
                id: uuid::Uuid::new_v4().to_string(),
                payment_id: payment.id.clone(),
                request_key: key.as_str().to_string(),
                amount: amount.get() as i64,
                lines,
                reference: reference.clone(),
                requested_by: ask.requested_by.to_string(),
                status: RefundStatus::Pending,
                problem: None,
                klarna_refund_id: None,
                created_at: now,
                updated_at: now,
            })
        };
        // A repeat is found before anything is planned: a retried "refund
        // all that is left" must find its refund, not be told nothing is left.
        match self.storage.record_refund(&payment.id, key.as_str(), plan).await? {
            RefundRecorded::Inserted(new) => {
                self.events.publish_refund(&payment.store_id, self.refund_view(&payment, &new));
                self.announce(Notice::Refund(&new.id)).await;
                let refund = self.ask_klarna(&new.id).await.unwrap_or(new);
                Ok(Refunded { refund: self.refund_view(&payment, &refund), created: true })
            }
            RefundRecorded::Existing(existing) => {
                if !same_ask(&existing, ask.amount, ask.lines.as_deref()) {
                    return Err(PaymentError::KeyReused);
                }
                let refund = match existing.status {
                    RefundStatus::Pending => self.ask_klarna(&existing.id).await.unwrap_or(existing),
                    _ => existing,
                };
                Ok(Refunded { refund: self.refund_view(&payment, &refund), created: false })
            }
            RefundRecorded::Refused(errors) => Err(PaymentError::Invalid(errors)),
        }
    }

    /// What a paid payment may still give back, in money and items, and
    /// its refunds so far, from one read.
    pub async fn refundable(
        &self,
        store_id: &str,
        payment_id: &str,
    ) -> Result<(Refundable, Vec<RefundView>), PaymentError> {
        let payment = self.refundable_payment(store_id, payment_id).await?;
        let refunds = self.storage.refunds_of(&payment.id).await?;
        let views: Vec<RefundView> = refunds.iter().map(|refund| self.refund_view(&payment, refund)).collect();
        Ok((refundable_now(&payment.cart, &views), views))
    }

    /// The payment, if it is paid and its money captured; else a conflict.
    async fn refundable_payment(&self, store_id: &str, payment_id: &str) -> Result<StoredPayment, PaymentError> {
        let payment = self.stored(store_id, payment_id).await?;
        let captured = payment.status == PaymentStatus::Completed
            && super::view::shown_capture(&payment) == Some(CaptureStatus::Captured)
            && payment.order_id.is_some();
        if captured {
            Ok(payment)
        } else {
            Err(PaymentError::Conflict(Problem::NotRefundable))
        }
    }

    /// A payment's refunds, oldest first.
    pub async fn refunds(&self, store_id: &str, payment_id: &str) -> Result<Vec<RefundView>, PaymentError> {
        let payment = self.stored(store_id, payment_id).await?;
        Ok(self
            .storage
            .refunds_of(&payment.id)
            .await?
            .iter()
            .map(|refund| self.refund_view(&payment, refund))
            .collect())
    }

    /// Every refund left pending (a restart): asked again now.
    pub(super) async fn resume_refunds(&self) -> Result<(), crate::storage::StorageError> {
        for id in self.storage.pending_refunds().await? {
            self.refunds.now(&id);
        }
        Ok(())
    }

    /// Asks Klarna for a pending refund and records its answer; without an
    /// answer it stays pending and is asked again later. Answers the refund
    /// as it stands (`None`: it could not be read).
    pub(super) async fn ask_klarna(&self, id: &str) -> Option<StoredRefund> {
        let current = || async { self.storage.refund(id).await.ok().flatten() };
        let Some(_asking) = Claim::take(&self.refunding, id) else {
            // Another task is asking right now; it records the answer.
            return current().await;
        };
        let Some(refund) = current().await.filter(|r| r.status == RefundStatus::Pending) else {
            self.refunds.done(id);
            return current().await;
        };
        let payment = match self.storage.get(&refund.payment_id).await {
            Ok(Some(payment)) if payment.order_id.is_some() => payment,
            _ => {
                self.refunds.later(id);
                return Some(refund);
            }
        };
        let order_id = payment.order_id.clone().unwrap_or_default();
        let order_lines: Vec<_> = refund
            .lines
            .iter()
            .filter_map(|line| refund_order_line(&payment.cart, line))
            .map(|line| requests::order_line(&line))
            .collect();
        let request = RefundRequest {
            refunded_amount: refund.amount,
            reference: refund.reference.clone(),
            description: None,
            order_lines: (!order_lines.is_empty()).then_some(order_lines),
        };
        let key = format!("kassa-refund-{id}");
        let answer = if now_millis() - refund.created_at > KLARNA_KEEPS_KEYS_MS {
            self.ask_after_the_key_expired(&refund, &payment, &order_id, &request, &key).await
        } else {
            self.klarna.refund_order(&order_id, &request, &key).await.map(Some)
        };
        let ended = match answer {
            Ok(klarna_id) => self.storage.finish_refund(id, RefundStatus::Refunded, klarna_id.as_deref(), None).await,
            Err(error) if error.is_transient() => {
                tracing::warn!(refund = %id, %error, "the refund is not confirmed yet; will ask again");
                crate::telemetry::refund("retry");
                self.refunds.later(id);
                return Some(refund);
            }
            Err(error) => {
                tracing::warn!(refund = %id, %error, "Klarna refused the refund");
                let problem = match error.error_code() {
                    Some(code) => Problem::RefundRefused { klarna_code: code.to_string() },
                    None => super::klarna_advice(&error),
                };
                self.storage.finish_refund(id, RefundStatus::Refused, None, Some(&problem)).await
            }
        };
        match ended {
            Ok(Some(ended)) => {
                crate::telemetry::refund(ended.status.as_str());
                self.refunds.done(id);
                if let Ok(Some(payment)) = self.storage.get(&ended.payment_id).await {
                    self.events.publish_refund(&payment.store_id, self.refund_view(&payment, &ended));
                    self.announce(Notice::Refund(id)).await;
                    if ended.status == RefundStatus::Refunded {
                        self.publish(&payment);
                        self.announce(Notice::Payment(&payment.id)).await;
                    }
                }
                Some(ended)
            }
            Ok(None) => {
                self.refunds.done(id);
                current().await
            }
            Err(error) => {
                tracing::error!(refund = %id, %error, "could not record Klarna's answer to a refund; will ask again");
                self.refunds.later(id);
                Some(refund)
            }
        }
    }
}

/// Klarna answers a repeated idempotency key for 24 hours, less a margin.
const KLARNA_KEEPS_KEYS_MS: i64 = 23 * 3600 * 1000;

impl PaymentService {
    /// A refund still pending after Klarna forgot its key (Klarna away for
    /// a day, or Kassa down since a crash right after asking): asked again
    /// only when the order's refunded total does not already hold it, so an
    /// answer lost a day ago does not refund twice. `None`: refunded, with
    /// Klarna's refund id unknown.
    async fn ask_after_the_key_expired(
        &self,
        refund: &StoredRefund,
        payment: &StoredPayment,
        order_id: &str,
        request: &RefundRequest,
        key: &str,
    ) -> Result<Option<String>, klarna::KlarnaError> {
        let order = self.klarna.read_order(order_id).await?;
        if order.refunded_amount >= payment.refunded_amount + refund.amount {
            tracing::warn!(
                refund = %refund.id,
                klarna_refunded = order.refunded_amount,
                kassa_refunded = payment.refunded_amount,
                "Klarna's refunded total already holds this refund; recorded as refunded without asking again"
            );
            return Ok(None);
        }
        self.klarna.refund_order(order_id, request, key).await.map(Some)
    }
}

fn one_error(field: &str, problem: impl Into<domain::FieldProblem>) -> PaymentError {
    let mut errors = FieldErrors::default();
    errors.push(field, problem);
    PaymentError::Invalid(errors)
}

/// Whether a repeated key asks for what it asked before (what it leaves
/// out, it leaves to the first ask).
fn same_ask(existing: &StoredRefund, amount: Option<i64>, lines: Option<&[ReturnedItems]>) -> bool {
    let same_amount = amount.is_none_or(|amount| amount == existing.amount);
    let same_lines = lines.is_none_or(|lines| {
        lines.len() == existing.lines.len()
            && lines.iter().all(|item| {
                existing
                    .lines
                    .iter()
                    .any(|line| i64::from(line.line) == item.line && i64::from(line.quantity) == item.quantity)
            })
    });
    same_amount && same_lines
}

impl PaymentService {
    pub(super) fn refund_view(&self, payment: &StoredPayment, refund: &StoredRefund) -> RefundView {
        let zone = store_zone(self.config().store(&payment.store_id));
        RefundView {
            id: refund.id.clone(),
            payment_id: refund.payment_id.clone(),
            amount: MinorUnits(refund.amount.max(0) as u64),
            lines: refund.lines.clone(),
            reference: refund.reference.clone(),
            status: refund.status,
            requested_by: refund.requested_by.clone(),
            created_at: rfc3339(refund.created_at).unwrap_or_default(),
            updated_at: rfc3339(refund.updated_at).unwrap_or_default(),
            created_at_local: local_rfc3339(refund.created_at, &zone).unwrap_or_default(),
            problem: refund.problem.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::{Source, StartRequest};
    use crate::testing::{cart_of, eventually, service_on_storage, service_with, TestKlarna};
    use domain::ReturnedItems;
    use klarna::simulator::faults::Endpoint;
    use std::sync::Arc;

    /// A paid payment of 90,00 kr, captured by Klarna (the demo store's CAPTURE_ORDER).
    async fn paid(klarna: &TestKlarna, env: &[(&str, &str)]) -> (Arc<PaymentService>, String) {
        let service = service_with(klarna, env).await;
        tokio::spawn(service.clone().run_tracker());
        let cart = cart_of("Tea", 2, 4_500);
        let started = service.start(StartRequest::api("stockholm", "paid-1", None, &cart)).await.unwrap().view;
        let session = service.storage().get(&started.id).await.unwrap().unwrap().hpp_session_id.unwrap();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        service.refresh(&started.id, Source::Callback).await.unwrap();
        (service, started.id)
    }

    fn ask<'a>(payment_id: &'a str, key: &'a str, amount: Option<i64>) -> RefundAsk<'a> {
        RefundAsk {
            store_id: "stockholm",
            payment_id,
            key,
            amount,
            lines: None,
            reference: Some("return-7".into()),
            requested_by: "anna",
        }
    }

    fn refunded_at_klarna(klarna: &TestKlarna) -> Vec<i64> {
        klarna.sim().orders()[0].refunds.iter().map(|r| r.amount).collect()
    }

    #[tokio::test]
    async fn partial_refunds_add_up_to_zero_left_and_an_over_refund_is_named() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[]).await;
        let first = service.refund(ask(&id, "r-1", Some(3_000))).await.unwrap();
        assert!(first.created);
        assert_eq!((first.refund.status, first.refund.amount), (RefundStatus::Refunded, MinorUnits(3_000)));
        assert_eq!(first.refund.reference.as_deref(), Some("return-7"));
        let over = service.refund(ask(&id, "r-2", Some(6_001))).await;
        match over {
            Err(PaymentError::Invalid(errors)) => {
                assert_eq!(errors.0[0].field, "amount");
                assert!(errors.to_string().contains("6000"), "{errors}");
            }
            _ => panic!("an over-refund is refused naming the amount"),
        }
        let rest = service.refund(ask(&id, "r-3", None)).await.unwrap();
        assert_eq!(rest.refund.amount, MinorUnits(6_000), "no amount: all that is left");
        let retried = service.refund(ask(&id, "r-3", None)).await.unwrap();
        assert_eq!((retried.created, &retried.refund.id), (false, &rest.refund.id), "a retry finds its refund");
        assert_eq!(refunded_at_klarna(&klarna), [3_000, 6_000]);
        let view = service.get("stockholm", &id).await.unwrap();
        assert_eq!(view.refunded_amount, view.order_amount);
        assert!(matches!(service.refund(ask(&id, "r-4", None)).await, Err(PaymentError::Invalid(_))));
        let listed = service.refunds("stockholm", &id).await.unwrap();
        assert_eq!(listed.iter().map(|r| r.requested_by.as_str()).collect::<Vec<_>>(), ["anna", "anna"]);
    }

    #[tokio::test]
    async fn items_given_back_go_to_klarna_as_order_lines_and_every_step_is_streamed() {
        use crate::events::Change;
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[]).await;
        let mut changes = service.events().subscribe();
        let one_tea = || Some(vec![ReturnedItems { line: 0, quantity: 1 }]);
        let made = service.refund(RefundAsk { lines: one_tea(), ..ask(&id, "tea-1", None) }).await.unwrap().refund;
        assert_eq!((made.status, made.amount, made.lines[0].quantity), (RefundStatus::Refunded, MinorUnits(4_500), 1));
        let sent = &klarna.sim().orders()[0].refunds[0];
        assert_eq!((sent.amount, sent.order_lines[0].name.as_str(), sent.order_lines[0].quantity), (4_500, "Tea", 1));

        let (left, _) = service.refundable("stockholm", &id).await.unwrap();
        assert_eq!((left.left, left.lines[0].quantity_left), (MinorUnits(4_500), 1));
        let too_many = Some(vec![ReturnedItems { line: 0, quantity: 2 }]);
        match service.refund(RefundAsk { lines: too_many, ..ask(&id, "tea-2", None) }).await {
            Err(PaymentError::Invalid(errors)) => assert_eq!(errors.0[0].field, "lines[0].quantity"),
            _ => panic!("more items than are left are refused naming the line"),
        }
        let again = service.refund(RefundAsk { lines: one_tea(), ..ask(&id, "tea-1", None) }).await.unwrap();
        assert!(!again.created, "the same key and items: the same refund");
        let other_items = Some(vec![ReturnedItems { line: 0, quantity: 2 }]);
        let reused = service.refund(RefundAsk { lines: other_items, ..ask(&id, "tea-1", None) }).await;
        assert!(matches!(reused, Err(PaymentError::KeyReused)));

        let mut seen = Vec::new();
        while let Ok(change) = changes.try_recv() {
            seen.push(match &*change {
                Change::Refund { store_id, refund } => format!("refund {store_id} {}", refund.status.as_str()),
                Change::Payment(view) => format!("payment {}", view.refunded_amount),
                other => format!("{other:?}"),
            });
        }
        assert_eq!(seen, ["refund stockholm pending", "refund stockholm refunded", "payment 4500"]);
    }

    #[tokio::test]
    async fn a_double_tap_refunds_once_and_the_key_keeps_its_amount() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[]).await;
        let (a, b) =
            tokio::join!(service.refund(ask(&id, "tap", Some(2_000))), service.refund(ask(&id, "tap", Some(2_000))));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.refund.id, b.refund.id);
        assert!(a.created != b.created, "one made it, the other found it");
        eventually("the refund to be confirmed", || async {
            let refunds = service.refunds("stockholm", &id).await.ok()?;
            (refunds[0].status == RefundStatus::Refunded).then_some(())
        })
        .await;
        assert_eq!(refunded_at_klarna(&klarna), [2_000]);
        assert!(matches!(service.refund(ask(&id, "tap", Some(2_500))).await, Err(PaymentError::KeyReused)));
    }

    #[tokio::test]
    async fn klarna_outages_and_a_lost_answer_refund_once() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[]).await;
        klarna.faults(serde_json::json!({"endpoints": {"refund": {"status": 503, "fail_next": 4}}})).await;
        let pending = service.refund(ask(&id, "r-503", Some(1_000))).await.unwrap();
        assert_eq!(pending.refund.status, RefundStatus::Pending, "Klarna did not answer: asked again later");
        let confirmed = || async {
            let refunds = service.refunds("stockholm", &id).await.ok()?;
            refunds.iter().all(|r| r.status == RefundStatus::Refunded).then_some(())
        };
        eventually("the retried refund", confirmed).await;

        klarna.faults(serde_json::json!({"timeout_ms": 8000, "endpoints": {"refund": {"timeout_next": 1}}})).await;
        let lost = service.refund(ask(&id, "r-lost", Some(2_000))).await.unwrap();
        assert_eq!(lost.refund.status, RefundStatus::Refunded, "the keyed retry got Klarna's first answer");
        assert_eq!(refunded_at_klarna(&klarna), [1_000, 2_000]);
        assert!(klarna.calls(Endpoint::Refund) >= 7);
    }

    #[tokio::test]
    async fn a_refund_left_pending_by_a_crash_is_made_once_after_the_restart() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[]).await;
        klarna.faults(serde_json::json!({"endpoints": {"refund": {"status": 503, "fail_next": 3}}})).await;
        let pending = service.refund(ask(&id, "r-crash", Some(1_500))).await.unwrap().refund;
        assert_eq!(pending.status, RefundStatus::Pending);
        let restarted = service_on_storage(&klarna, service.storage().clone(), &[]).await;
        restarted.resume().await.unwrap();
        tokio::spawn(restarted.clone().run_tracker());
        let confirmed = || async {
            let refunds = restarted.refunds("stockholm", &id).await.ok()?;
            (refunds[0].status == RefundStatus::Refunded).then_some(())
        };
        eventually("the refund after the restart", confirmed).await;
        assert_eq!(refunded_at_klarna(&klarna), [1_500]);
    }

    /// A day passes, for Kassa's refunds and for Klarna, which forgets
    /// its idempotency keys after 24 hours.
    async fn a_day_later(service: &PaymentService, klarna: &TestKlarna) {
        service.storage().execute_for_test("UPDATE refunds SET created_at = created_at - 86400000").await.unwrap();
        klarna.sim().advance_clock(std::time::Duration::from_secs(86_400));
    }

    #[tokio::test]
    async fn a_refund_pending_for_a_day_is_looked_for_in_the_order_before_it_is_asked_again() {
        let klarna = TestKlarna::start().await;
        let (service, id) = paid(&klarna, &[]).await;
        // Two refunds recorded, then a crash: Klarna made the first (its
        // answer was lost), never heard of the second; Kassa is back a day later.
        let pending = |key: &str, amount: i64| StoredRefund {
            created_at: now_millis(),
            ..crate::storage::tests::pending_refund(&id, key, amount)
        };
        let (lost, never_made) = (pending("r-lost", 2_000), pending("r-never", 1_000));
        for refund in [&lost, &never_made] {
            let recorded = service.storage().record_refund(&id, &refund.request_key, |_| Ok::<_, ()>(refund.clone()));
            assert!(matches!(recorded.await.unwrap(), RefundRecorded::Inserted(_)));
        }
        let order_id = service.storage().get(&id).await.unwrap().unwrap().order_id.unwrap();
        let made = RefundRequest { refunded_amount: 2_000, ..Default::default() };
        klarna.client().refund_order(&order_id, &made, &format!("kassa-refund-{}", lost.id)).await.unwrap();
        a_day_later(&service, &klarna).await;

        let found = service.ask_klarna(&lost.id).await.unwrap();
        assert_eq!((found.status, found.klarna_refund_id), (RefundStatus::Refunded, None), "found, not asked again");
        let asked = service.ask_klarna(&never_made.id).await.unwrap();
        assert_eq!(asked.status, RefundStatus::Refunded);
        assert!(asked.klarna_refund_id.is_some(), "asked again, and Klarna made it");
        assert_eq!(refunded_at_klarna(&klarna), [2_000, 1_000], "each refunded once");
        assert_eq!(service.get("stockholm", &id).await.unwrap().refunded_amount, MinorUnits(3_000));
    }

    #[tokio::test]
    async fn only_a_paid_and_captured_payment_can_be_refunded() {
        let klarna = TestKlarna::start().await;
        let env =
            [("KASSA__STORES__0__PLACE_ORDER_MODE", "PLACE_ORDER"), ("KASSA__STORES__0__CAPTURE_AFTER_ORDER", "false")];
        let (service, id) = paid(&klarna, &env).await;
        assert!(matches!(service.refund(ask(&id, "r-1", Some(100))).await, Err(PaymentError::Conflict(_))));
        let cart = cart_of("Tea", 1, 100);
        let waiting = service.start(StartRequest::api("stockholm", "waiting", None, &cart)).await.unwrap().view;
        assert!(matches!(service.refund(ask(&waiting.id, "r-2", None)).await, Err(PaymentError::Conflict(_))));
        assert!(matches!(service.refund(ask("no-such-payment", "r-3", None)).await, Err(PaymentError::NotFound)));
        assert_eq!(klarna.calls(Endpoint::Refund), 0);
    }
}
