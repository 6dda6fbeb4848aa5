//! A web shopper back from Klarna's page. Kassa reads the session from
//! Klarna, so it learns the outcome even when the shop's page never loads;
//! the query string only says which payment to look at, and the outcome
//! passed on is always the server's.

use super::urls::{shop_target, verified_outcome, with_payment_id, Outcome};
use crate::payments::{PaymentError, PaymentService, Source};
use crate::storage::StoredPayment;
use domain::{Door, PaymentStatus};

/// What the return URL says (all from the URL Kassa gave Klarna).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ReturnQuery {
    pub store: Option<String>,
    pub attempt: Option<String>,
    /// Klarna's `{{session_id}}`: proves the URL came through Klarna.
    pub sid: Option<String>,
    /// Klarna's `{{order_id}}` when Klarna placed the order.
    pub oid: Option<String>,
}

/// Where the returning shopper goes next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The shop's own page for the verified outcome, with `kassa_payment_id`.
    Shop(String),
    /// Kassa's demo shop's result page, which reads the payment itself.
    DemoShop { payment_id: String, claimed: Outcome },
    /// No web payment matches the URL.
    Unknown,
}

impl PaymentService {
    pub async fn web_return(&self, claimed: Outcome, query: &ReturnQuery) -> Result<Arrival, PaymentError> {
        let Some(payment) = self.returning_payment(query).await? else { return Ok(Arrival::Unknown) };
        let id = payment.id.clone();
        // Klarna's word, not the URL's: read the session now. A callback for
        // the same change may be writing at this moment, so a busy database
        // is retried briefly; after that the last known state stands.
        for attempt in 1..=3 {
            match self.refresh(&id, Source::Poll).await {
                Ok(()) => break,
                Err(error) if attempt == 3 => {
                    tracing::warn!(payment = %id, %error, "reading the payment for a returning shopper failed")
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await,
            }
        }
        let mut payment = self.storage.get(&id).await?.ok_or(PaymentError::NotFound)?;
        if let (Some(given), Some(known)) = (&query.oid, &payment.order_id) {
            if given != known {
                tracing::warn!(payment = %id, "the success URL names another order id; ignoring it");
            }
        }
        let left = matches!(claimed, Outcome::Back | Outcome::Cancel);
        let open = matches!(payment.status, PaymentStatus::Back | PaymentStatus::Waiting | PaymentStatus::InProgress);
        if left && open && self.config().web_checkout.disable_on_back {
            match self.cancel(&payment.store_id, &id).await {
                Ok(_) | Err(PaymentError::Conflict(_)) => {}
                Err(error) => tracing::warn!(payment = %id, %error, "could not disable the payment after Back"),
            }
            if let Some(now) = self.storage.get(&id).await? {
                payment = now;
            }
        }
        let verified = verified_outcome(payment.status, claimed);
        let urls = payment.return_urls.unwrap_or_default();
        Ok(match shop_target(&urls, verified).and_then(|target| with_payment_id(&target, &id)) {
            Some(shop) => Arrival::Shop(shop),
            None => Arrival::DemoShop { payment_id: id, claimed },
        })
    }

    /// The web payment the query names, if its session id matches.
    async fn returning_payment(&self, query: &ReturnQuery) -> Result<Option<StoredPayment>, PaymentError> {
        let (Some(store), Some(attempt), Some(sid)) = (&query.store, &query.attempt, &query.sid) else {
            return Ok(None);
        };
        let Some(payment) = self.storage.by_attempt(store, attempt).await? else { return Ok(None) };
        let matches =
            payment.hpp_session_id.as_deref().is_some_and(|known| crate::crypto::constant_time_eq(known, sid));
        Ok((matches && payment.door == Door::Web).then_some(payment))
    }
}
