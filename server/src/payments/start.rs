//! Starting a payment: one per attempt key and one live per cart, recorded
//! before each Klarna call so a crash loses nothing.

use super::change::{Source, StatusChange};
use super::web::{merchant_urls, ShopReturnUrls};
use super::{requests, PaymentError, PaymentService};
use crate::clock::now_millis;
use crate::config::{Config, StoreConfig};
use crate::storage::{StoredPayment, Updated};
use domain::PaymentView;
use domain::{AttemptKey, Cart, CartInput, CartRef, Door, FieldErrors, PaymentStatus, Problem};
use klarna::wire::MerchantUrls;

/// How long a paid cart (same `cart_ref`, same lines) answers a new start
/// with its paid payment instead of a second one.
const PAID_CART_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

/// The outcome of a start: the payment, and whether this call created it.
pub struct Started {
    pub view: PaymentView,
    pub created: bool,
}

/// What a start asks for. Each door has its constructor below.
pub struct StartRequest<'a> {
    pub store_id: &'a str,
    pub door: Door,
    pub attempt_key: &'a str,
    /// The till's or shop's own id for the cart: one live payment per cart.
    pub cart_ref: Option<&'a str>,
    pub cart: &'a CartInput,
    /// Where Klarna sends the shopper afterwards (web checkout); Kassa adds
    /// its own `status_update`.
    pub return_urls: Option<MerchantUrls>,
}

impl<'a> StartRequest<'a> {
    /// An associate's till: the attempt key is the cart's attempt.
    pub fn seller(store_id: &'a str, attempt_key: &'a str, cart: &'a CartInput) -> StartRequest<'a> {
        StartRequest { store_id, door: Door::Seller, attempt_key, cart_ref: None, cart, return_urls: None }
    }

    /// A self-checkout kiosk: one live payment per basket.
    pub fn kiosk(store_id: &'a str, attempt_key: &'a str, basket: &'a str, cart: &'a CartInput) -> StartRequest<'a> {
        StartRequest { store_id, door: Door::Kiosk, attempt_key, cart_ref: Some(basket), cart, return_urls: None }
    }

    /// A POS through the JSON API (Klarna's in-store channel).
    pub fn api(
        store_id: &'a str,
        attempt_key: &'a str,
        cart_ref: Option<&'a str>,
        cart: &'a CartInput,
    ) -> StartRequest<'a> {
        StartRequest { store_id, door: Door::Api, attempt_key, cart_ref, cart, return_urls: None }
    }

    /// A web checkout: every result page goes through Kassa first, then to
    /// the shop's own page (`shop`), or to Kassa's demo shop without one.
    pub fn web(
        config: &Config,
        store: &'a StoreConfig,
        attempt_key: &'a str,
        cart_ref: Option<&'a str>,
        cart: &'a CartInput,
        shop: Option<&ShopReturnUrls>,
    ) -> StartRequest<'a> {
        let urls = merchant_urls(
            &config.public_url,
            &store.id,
            attempt_key,
            store.place_order_mode,
            config.web_checkout.leave_button,
            shop,
        );
        StartRequest { store_id: &store.id, door: Door::Web, attempt_key, cart_ref, cart, return_urls: Some(urls) }
    }

    /// A new link for a payment's cart: the same door, cart and return
    /// pages, under a new attempt key.
    pub fn new_link(old: &'a StoredPayment, door: Door, attempt_key: &'a str, cart: &'a CartInput) -> StartRequest<'a> {
        StartRequest {
            store_id: &old.store_id,
            door,
            attempt_key,
            cart_ref: old.cart_ref.as_deref(),
            cart,
            return_urls: old.return_urls.clone(),
        }
    }

    /// Checks the keys by their one rule each; errors name the field.
    fn checked_keys(&self) -> Result<(AttemptKey, Option<CartRef>), PaymentError> {
        let mut errors = FieldErrors::default();
        let key = AttemptKey::parse(self.attempt_key).map_err(|problem| errors.push("attempt_key", problem)).ok();
        let cart_ref = self.cart_ref.map(CartRef::parse).transpose().map_err(|p| errors.push("cart_ref", p));
        match (key, cart_ref) {
            (Some(key), Ok(cart_ref)) if errors.is_empty() => Ok((key, cart_ref)),
            _ => Err(PaymentError::Invalid(errors)),
        }
    }
}

impl PaymentService {
    /// Starts a payment, or returns the one this attempt key (or this cart)
    /// already has. The same key with a different cart is refused.
    pub async fn start(&self, request: StartRequest<'_>) -> Result<Started, PaymentError> {
        let store = self.store(request.store_id)?;
        let (key, cart_ref) = request.checked_keys()?;
        let cart = Cart::validate(request.cart, store.currency).map_err(PaymentError::Invalid)?;
        let mut existing = self.storage.by_attempt(&store.id, key.as_str()).await?;
        if let Some(old) = existing.as_ref().filter(|old| AttemptKey::expired(old.created_at, now_millis(), old.status))
        {
            tracing::info!(payment = %old.id, "attempt key expired; it starts a new payment");
            self.storage.retire_attempt_key(&old.id, &key.retired(&old.id)).await?;
            existing = None;
        }
        if let Some(existing) = existing {
            if existing.cart != cart {
                return Err(PaymentError::KeyReused);
            }
            // A creation that lost Klarna's answer is taken up again under
            // its key: Klarna answers with the link it made, if it made one.
            if existing.status == PaymentStatus::Creating {
                if let Some(problem) = self.storage.take_link_unknown(&existing.id).await? {
                    self.hold_creation(&existing.id).await?;
                    return self.create_at_klarna(existing, Some(problem)).await;
                }
            }
            // A start that failed before any link existed may be tried again.
            return match self.reopen_failed_creation(existing).await? {
                Updated::Changed(reopened) => self.create_at_klarna(reopened, None).await,
                // Not to be retried, or a double tap has just taken it up: as it is now.
                Updated::Unchanged(current) => Ok(Started { view: self.view(&current), created: false }),
                Updated::Missing => Err(PaymentError::NotFound),
            };
        }
        if let Some(cart_ref) = &cart_ref {
            if let Some(live) = self.storage.live_for_cart(&store.id, cart_ref.as_str()).await? {
                // The live payment is for this cart only if it is the same cart.
                if live.cart != cart {
                    return Err(PaymentError::CartRefInUse);
                }
                return Ok(Started { view: self.view(&live), created: false });
            }
            // A cart paid lately stays paid: a till that lost track of it (a
            // restart, a lost answer) must not have the shopper pay twice.
            let since = now_millis() - PAID_CART_MEMORY_MS;
            if let Some(paid) = self.storage.paid_for_cart(&store.id, cart_ref.as_str(), since).await? {
                if paid.cart == cart {
                    return Ok(Started { view: self.view(&paid), created: false });
                }
            }
        }
        let now = now_millis();
        let record = StoredPayment {
            id: uuid::Uuid::new_v4().to_string(),
            store_id: store.id.clone(),
            door: request.door,
            attempt_key: key.to_string(),
            cart_ref: cart_ref.map(String::from),
            cart,
            place_order_mode: store.place_order_mode,
            status: PaymentStatus::Creating,
            problem: None,
            kp_session_id: None,
            hpp_session_id: None,
            hpp: None,
            klarna_expires_at: None,
            deadline_at: now + i64::from(store.payment_timeout_minutes) * 60_000,
            klarna_updated_at: None,
            authorization_token: None,
            order_id: None,
            klarna_reference: None,
            // Set from the derived secret right before the HPP session is created.
            callback_secret_hash: String::new(),
            created_at: now,
            updated_at: now,
            return_urls: request.return_urls,
            capture: None,
            refunded_amount: 0,
        };
        if !self.insert_created(&record).await? {
            // Another request won the race for this key or cart: return its payment.
            let winner = match self.storage.by_attempt(&store.id, &record.attempt_key).await? {
                Some(found) => Some(found),
                None => match &record.cart_ref {
                    Some(cart_ref) => self.storage.live_for_cart(&store.id, cart_ref).await?,
                    None => None,
                },
            };
            let winner = winner.ok_or(PaymentError::NotFound)?;
            if winner.cart != record.cart {
                return Err(if winner.attempt_key == record.attempt_key {
                    PaymentError::KeyReused
                } else {
                    PaymentError::CartRefInUse
                });
            }
            return Ok(Started { view: self.view(&winner), created: false });
        }
        self.create_at_klarna(record, None).await
    }

    /// Asks Klarna for the payment's HPP session. The same request under
    /// the same key every time: Klarna answers a repeat with the session it
    /// made first (with the first callback URL, which is why the secret is
    /// derived, not drawn).
    pub(super) async fn ask_for_hpp_session(
        &self,
        payment: &StoredPayment,
        store: &StoreConfig,
        kp_session_id: &str,
    ) -> Result<klarna::wire::CreateSessionResponse, PaymentError> {
        let id = &payment.id;
        let secret = self.callback_secret(id).await?;
        let callback_url = format!("{}/klarna/status/{id}/{secret}", self.config().public_url);
        let url = self.klarna.payment_session_url(kp_session_id);
        let request = requests::hpp_session(payment, store, url, callback_url);
        Ok(self.klarna.create_hpp_session(&request, Some(&format!("kassa-{id}-hpp"))).await?)
    }

    /// Puts a payment whose creation failed before Klarna made a link back
    /// to Creating, for a retry with its key. Any other payment is
    /// `Unchanged`, as it stands (the compare-and-swap's own read when it
    /// was retryable a moment ago, so a lost race answers with the winner).
    async fn reopen_failed_creation(&self, payment: StoredPayment) -> Result<Updated, PaymentError> {
        // Checked before the write lock too, so an ordinary repeat takes none.
        let retryable = |p: &StoredPayment| p.status == PaymentStatus::Failed && p.hpp_session_id.is_none();
        if !retryable(&payment) {
            return Ok(Updated::Unchanged(payment));
        }
        // Held before it is creating again, so no instance takes it for cut
        // off; held elsewhere: another instance is taking it up right now.
        if !self.try_hold(&payment.id).await? {
            let current = self.storage.get(&payment.id).await?;
            return Ok(current.map_or(Updated::Missing, Updated::Unchanged));
        }
        let reopened = self
            .storage
            .update(&payment.id, Source::User.as_str(), |current| {
                retryable(current).then(|| StoredPayment {
                    status: PaymentStatus::Creating,
                    problem: None,
                    updated_at: now_millis(),
                    ..current.clone()
                })
            })
            .await?;
        if matches!(reopened, Updated::Unchanged(_)) {
            self.release_creation(&payment.id).await;
        }
        Ok(reopened)
    }

    /// Creates the KP and HPP sessions for a recorded payment, held for its
    /// creation (see `hold_creation`), recording each.
    /// `earlier_link`: an earlier try lost Klarna's answer (with the problem
    /// the payment was to end with), so Klarna may already hold its link.
    async fn create_at_klarna(
        &self,
        payment: StoredPayment,
        earlier_link: Option<Problem>,
    ) -> Result<Started, PaymentError> {
        let id = payment.id.clone();
        let door = payment.door.as_str();
        // Set once the HPP session was asked for: from then on a lost answer
        // may mean Klarna made a link that Kassa has not seen.
        let mut hpp_asked = false;
        // Held (by the caller) so no other instance settles it as cut off,
        // and not read by this instance's tracker while it is created; if
        // this is dropped half-way (the client went away), the tracker
        // settles it as cut off at once.
        let creating = self.creating(&id);
        let result = async {
            let store = self.store(&payment.store_id)?;
            let kp = self.klarna.create_payment_session(&requests::kp_session(&payment, &store)).await?;
            self.storage.record_kp_session(&id, &kp.session_id).await?;
            // Only the hash is kept; the secret is derived again on a retry.
            let secret = self.callback_secret(&id).await?;
            self.storage.set_callback_secret_hash(&id, &crate::crypto::sha256_hex(&secret)).await?;
            hpp_asked = true;
            let hpp = self.ask_for_hpp_session(&payment, &store, &kp.session_id).await?;
            self.storage.record_hpp_session(&id, &hpp).await?;
            Ok::<_, PaymentError>(())
        }
        .await;
        let ended = self.end_creation(&id, result, hpp_asked, earlier_link, door).await;
        // A created payment was handed to the tracker already (one write, on every start).
        if ended.is_err() {
            self.release_creation(&id).await;
        }
        creating.ended();
        ended
    }

    /// Records how a creation ended: waiting with its link, creating still
    /// while Klarna may hold a link, or failed.
    async fn end_creation(
        &self,
        id: &str,
        result: Result<(), PaymentError>,
        hpp_asked: bool,
        earlier_link: Option<Problem>,
        door: &'static str,
    ) -> Result<Started, PaymentError> {
        let id = id.to_string();
        match result {
            Ok(()) => {
                let payment = self.commit(&id, &StatusChange::to(PaymentStatus::Waiting, None), Source::User).await?;
                self.follow_created(&id).await;
                crate::telemetry::payment_started(door, &payment.store_id);
                Ok(Started { view: payment, created: true })
            }
            Err(error) => {
                tracing::warn!(payment = %id, %error, "could not create the payment at Klarna");
                let problem = match &error {
                    PaymentError::Klarna(e) => super::klarna_advice(e),
                    // The detail (database text) is in the log line above, never in the payment.
                    _ => Problem::StorageFailed,
                };
                let lost_answer = matches!(&error, PaymentError::Klarna(e) if e.is_transient() && !e.nothing_done());
                if (hpp_asked && lost_answer) || earlier_link.is_some() {
                    // Klarna may hold a link, from this try or an earlier one:
                    // the payment stays creating (and holds its cart) until it
                    // is learned.
                    self.link_may_exist(&id, &problem).await;
                } else {
                    let failed = StatusChange::to(PaymentStatus::Failed, Some(problem));
                    let _ = self.commit(&id, &failed, Source::User).await;
                }
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cart_of, service_on_simulator};

    fn cart(price: i64) -> CartInput {
        cart_of("Shoes", 1, price)
    }

    #[tokio::test]
    async fn one_key_one_payment_and_another_cart_under_it_is_refused() {
        let (service, klarna) = service_on_simulator().await;
        let (shoes, boots) = (cart(49_900), cart(89_900));
        let first = service.start(StartRequest::api("stockholm", "k-1", None, &shoes)).await.unwrap();
        let again = service.start(StartRequest::api("stockholm", "k-1", None, &shoes)).await.unwrap();
        assert!(first.created && !again.created);
        assert_eq!(first.view.id, again.view.id);
        assert_eq!(first.view.status, PaymentStatus::Waiting);
        let reused = service.start(StartRequest::api("stockholm", "k-1", None, &boots)).await;
        assert!(matches!(reused, Err(PaymentError::KeyReused)));
        assert_eq!(klarna.hpp_sessions(), 1);
    }

    #[tokio::test]
    async fn a_key_reused_a_day_after_its_payment_ended_starts_a_new_one_and_a_live_one_keeps_it() {
        let (service, klarna) = service_on_simulator().await;
        let (shoes, boots) = (cart(49_900), cart(89_900));
        let old = service.start(StartRequest::api("stockholm", "order-1001", None, &shoes)).await.unwrap().view;
        let live = service.start(StartRequest::api("stockholm", "order-1002", None, &shoes)).await.unwrap().view;
        let ended = service.cancel("stockholm", &old.id).await.unwrap().status;
        assert!(ended.is_final(), "{ended:?}");
        let a_day_ago = format!("UPDATE payments SET created_at = created_at - {}", domain::ATTEMPT_KEY_LIFETIME_MS);
        service.storage().execute_for_test(&a_day_ago).await.unwrap();

        let next_month = service.start(StartRequest::api("stockholm", "order-1001", None, &boots)).await.unwrap();
        assert!(next_month.created && next_month.view.id != old.id, "a new payment, even for another cart");
        let stored = service.storage().get(&old.id).await.unwrap().unwrap();
        assert_eq!(stored.status, ended, "the old payment is kept as it was");
        let again = service.start(StartRequest::api("stockholm", "order-1001", None, &boots)).await.unwrap();
        assert_eq!((again.created, &again.view.id), (false, &next_month.view.id), "the key now means the new one");

        let still = service.start(StartRequest::api("stockholm", "order-1002", None, &shoes)).await.unwrap();
        assert_eq!((still.created, still.view.id), (false, live.id), "a payable link keeps its key");
        assert_eq!(klarna.hpp_sessions(), 3);
    }

    #[tokio::test]
    async fn a_live_cart_keeps_its_payment_under_a_new_key() {
        let (service, klarna) = service_on_simulator().await;
        let shoes = cart(49_900);
        let first = service.start(StartRequest::kiosk("stockholm", "attempt-1", "basket-1", &shoes)).await.unwrap();
        let second = service.start(StartRequest::kiosk("stockholm", "attempt-2", "basket-1", &shoes)).await.unwrap();
        assert_eq!((second.created, second.view.id), (false, first.view.id));
        assert_eq!(klarna.hpp_sessions(), 1);
    }

    #[tokio::test]
    async fn a_live_cart_ref_with_another_cart_is_refused_not_answered_with_the_old_payment() {
        let (service, klarna) = service_on_simulator().await;
        let (shoes, boots) = (cart(49_900), cart(89_900));
        service.start(StartRequest::api("stockholm", "pos-1", Some("till-3-cart-9"), &shoes)).await.unwrap();
        let other = service.start(StartRequest::api("stockholm", "pos-2", Some("till-3-cart-9"), &boots)).await;
        assert!(matches!(other, Err(PaymentError::CartRefInUse)), "a 200 here would show the wrong amount as paid");
        assert_eq!(klarna.hpp_sessions(), 1);
    }

    /// Found by the fault harness: a till that lost track of a paid cart
    /// started it again under a new key and the shopper paid twice.
    #[tokio::test]
    async fn a_paid_cart_answers_a_new_start_with_its_paid_payment() {
        let (service, klarna) = service_on_simulator().await;
        let (shoes, boots) = (cart(49_900), cart(89_900));
        let paid = service.start(StartRequest::api("stockholm", "pos-a", Some("cart-7"), &shoes)).await.unwrap().view;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        service.refresh(&paid.id, Source::Poll).await.unwrap();
        let again = service.start(StartRequest::api("stockholm", "pos-b", Some("cart-7"), &shoes)).await.unwrap();
        assert_eq!((again.created, again.view.id, again.view.status), (false, paid.id, PaymentStatus::Completed));
        assert_eq!(klarna.hpp_sessions(), 1, "no second link to pay");
        // The same reference for another sale is a new payment.
        let next = service.start(StartRequest::api("stockholm", "pos-c", Some("cart-7"), &boots)).await.unwrap();
        assert!(next.created);
    }

    #[tokio::test]
    async fn bad_keys_and_carts_are_refused_naming_the_field_before_klarna() {
        let (service, klarna) = service_on_simulator().await;
        let shoes = cart(49_900);
        let cases = [
            (StartRequest::api("stockholm", "two words", None, &shoes), "attempt_key"),
            (StartRequest::api("stockholm", "k", Some(""), &shoes), "cart_ref"),
        ];
        for (request, field) in cases {
            match service.start(request).await {
                Err(PaymentError::Invalid(errors)) => assert!(errors.for_field(field).is_some(), "{errors}"),
                _ => panic!("{field}: expected a field error"),
            }
        }
        let free = cart(0);
        assert!(matches!(
            service.start(StartRequest::seller("stockholm", "k-free", &free)).await,
            Err(PaymentError::Invalid(_))
        ));
        assert!(matches!(
            service.start(StartRequest::seller("nowhere", "k-1", &shoes)).await,
            Err(PaymentError::UnknownStore(_))
        ));
        assert_eq!(klarna.hpp_sessions(), 0);
    }

    #[tokio::test]
    async fn a_creation_that_failed_before_a_link_is_retried_under_its_key() {
        let (service, klarna) = service_on_simulator().await;
        let shoes = cart(49_900);
        // Refused outright (400): Klarna made nothing, so the payment fails.
        klarna.faults(serde_json::json!({"endpoints": {"hpp_create": {"fail_next": 1, "status": 400}}})).await;
        let failed = service.start(StartRequest::seller("stockholm", "k-retry", &shoes)).await;
        assert!(matches!(failed, Err(PaymentError::Klarna(_))), "the first try fails");
        let stored = service.storage().by_attempt("stockholm", "k-retry").await.unwrap().unwrap();
        assert_eq!(stored.status, PaymentStatus::Failed);
        let retried = service.start(StartRequest::seller("stockholm", "k-retry", &shoes)).await.unwrap();
        assert_eq!((retried.created, retried.view.id, retried.view.status), (true, stored.id, PaymentStatus::Waiting));
        assert_eq!(klarna.hpp_sessions(), 1);
    }

    /// A 5xx may come after Klarna did the work: the payment holds its cart
    /// (creating, noted) instead of failing, and a retry takes it up.
    #[tokio::test]
    async fn a_creation_whose_answer_may_be_lost_holds_its_cart_and_is_taken_up_again() {
        let (service, klarna) = service_on_simulator().await;
        let (shoes, boots) = (cart(49_900), cart(89_900));
        klarna.faults(serde_json::json!({"endpoints": {"hpp_create": {"fail_next": 3}}})).await;
        let first = StartRequest::api("stockholm", "pos-1", Some("cart-9"), &shoes);
        assert!(service.start(first).await.is_err());
        let stored = service.storage().by_attempt("stockholm", "pos-1").await.unwrap().unwrap();
        assert_eq!(stored.status, PaymentStatus::Creating);
        assert!(service.storage().link_unknown(&stored.id).await.unwrap());
        let other = service.start(StartRequest::api("stockholm", "pos-2", Some("cart-9"), &boots)).await;
        assert!(matches!(other, Err(PaymentError::CartRefInUse)), "the cart is held while its link is unknown");
        let again = service.start(StartRequest::api("stockholm", "pos-1", Some("cart-9"), &shoes)).await.unwrap();
        assert_eq!(
            (again.created, again.view.id, again.view.status),
            (true, stored.id.clone(), PaymentStatus::Waiting)
        );
        assert!(!service.storage().link_unknown(&stored.id).await.unwrap());
        assert_eq!(klarna.hpp_sessions(), 1);
    }
}
