//! Klarna's status callbacks. They are unsigned, so the URL carries a
//! per-payment secret; the body gives only an `event_id`, and the state
//! comes from a fresh read.

use super::change::Source;
use super::{PaymentError, PaymentService};
use domain::PaymentId;
use std::sync::Arc;

impl PaymentService {
    /// The secret in a payment's callback URL: derived from the payment id
    /// under the installation's key, so a creation tried again (after a
    /// lost answer or a crash) sends Klarna the same URL, and Klarna's copy
    /// from the first try, which it keeps under the idempotency key, still
    /// opens the door.
    pub(super) async fn callback_secret(&self, id: &str) -> Result<String, PaymentError> {
        let key = self
            .callback_key
            .get_or_try_init(|| self.storage.server_key("callback_secrets", || crate::crypto::random_hex(32)))
            .await?;
        Ok(crate::crypto::hmac_sha256_hex(key, &format!("status-callback:{id}")))
    }

    /// Checks the secret, de-duplicates the event, and asks for a fresh
    /// read in the background (Klarna gets its answer at once). A wrong
    /// secret looks like an unknown payment.
    pub async fn callback(self: &Arc<Self>, id: &str, secret: &str, event_id: &str) -> Result<(), PaymentError> {
        // Anything that is not a payment id names no payment: no lookup for it.
        let id = PaymentId::parse(id).map_err(|_| PaymentError::NotFound)?;
        let id = id.as_str();
        let payment = self.storage.get(id).await?.ok_or(PaymentError::NotFound)?;
        if !crate::crypto::constant_time_eq(&crate::crypto::sha256_hex(secret), &payment.callback_secret_hash) {
            return Err(PaymentError::NotFound);
        }
        if !self.storage.first_sight_of_event(event_id, id).await? {
            crate::telemetry::callback("duplicate");
        } else {
            crate::telemetry::callback("accepted");
            let (service, id) = (self.clone(), id.to_string());
            tokio::spawn(async move { service.check_now(&id, Source::Callback).await });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::StartRequest;
    use crate::testing::{cart_of, eventually, service_on_simulator};
    use domain::PaymentStatus;

    #[tokio::test]
    async fn only_the_right_secret_counts_and_each_event_reads_once() {
        let (service, klarna) = service_on_simulator().await;
        let cart = cart_of("Tea", 1, 100);
        let started = service.start(StartRequest::api("stockholm", "k-cb", None, &cart)).await.unwrap().view;
        let stored = service.storage().get(&started.id).await.unwrap().unwrap();
        assert_eq!(stored.callback_secret_hash.len(), 64, "only a hash is kept");
        // The hash itself is no secret that opens the door.
        let forged = service.callback(&started.id, &stored.callback_secret_hash, "e0").await;
        assert!(matches!(forged, Err(PaymentError::NotFound)));
        assert!(matches!(service.callback("nobody", "guess", "e1").await, Err(PaymentError::NotFound)));
        let junk = "x".repeat(10_000);
        assert!(matches!(service.callback(&junk, "guess", "e1").await, Err(PaymentError::NotFound)));

        // Klarna's copy of the URL holds the secret; here the test knows one.
        let secret = "a-secret-only-klarna-knows";
        service.storage().set_callback_secret_hash(&started.id, &crate::crypto::sha256_hex(secret)).await.unwrap();
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        let reads = service.klarna_reads();
        service.callback(&started.id, secret, "e1").await.unwrap();
        eventually("the callback's read to apply", || async {
            let now = service.get("stockholm", &started.id).await.unwrap();
            (now.status == PaymentStatus::InProgress).then_some(())
        })
        .await;
        assert_eq!(service.klarna_reads(), reads + 1);
        // The same event again is answered but read no more.
        service.callback(&started.id, secret, "e1").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(service.klarna_reads(), reads + 1, "a duplicate reads nothing");
    }
}
