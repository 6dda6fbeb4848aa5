//! Payments from start to end: created at Klarna exactly once per attempt,
//! persisted before and after every Klarna call, followed by callbacks and
//! polling through one state machine, the order placed exactly once, and
//! every change pushed to the screens that wait for it.

use crate::config::{Config, StoreConfig, ViewProfile};
use crate::events::EventHub;
use crate::storage::{now_millis, StatusChange, Storage, StorageError, StoredPayment};
use app::model::{PaymentStatus, PaymentView};
use app::problem::Problem;
use domain::{Cart, CartInput, Currency, FieldErrors, MinorUnits};
use klarna::wire::{
    AcquiringChannel, ContactInformation, CreateOrderRequest, CreateSessionRequest, CreateSessionResponse,
    DistributionMethod, DistributionRequest, MerchantUrls, OrderLine, PaymentSessionRequest, SessionOptions,
    SessionResponse, SessionStatus,
};
use klarna::{KlarnaClient, KlarnaError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::{Notify, Semaphore};

/// Poll this often while a screen waits on the payment.
const WATCHED_POLL: Duration = Duration::from_secs(3);
/// Unwatched payments start here and back off to `MAX_IDLE_POLL`.
const FIRST_IDLE_POLL: Duration = Duration::from_secs(10);
const MAX_IDLE_POLL: Duration = Duration::from_secs(120);
/// Retry placing an order this often while Klarna is unreachable.
const ORDER_RETRY: Duration = Duration::from_secs(2);
/// Klarna reads in flight at once, across all payments.
const MAX_CONCURRENT_READS: usize = 16;

/// Which of Kassa's doors a payment came in by. It decides Klarna's
/// acquiring channel and which Distribution Module profile the link gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An associate's tablet or a telesales desk.
    Seller,
    /// A self-checkout kiosk.
    Kiosk,
    /// A web shop's checkout (redirect to the payment page).
    Web,
    /// A POS system through the JSON API.
    Api,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Seller => "seller",
            Origin::Kiosk => "kiosk",
            Origin::Web => "web",
            Origin::Api => "api",
        }
    }

    pub fn parse(text: &str) -> Option<Origin> {
        [Origin::Seller, Origin::Kiosk, Origin::Web, Origin::Api].into_iter().find(|o| o.as_str() == text)
    }

    fn channel(self) -> AcquiringChannel {
        match self {
            Origin::Web => AcquiringChannel::Ecommerce,
            Origin::Seller | Origin::Kiosk | Origin::Api => AcquiringChannel::InStore,
        }
    }

    /// The Distribution Module profile for this door; a web checkout
    /// redirects and has none.
    fn profile(self, store: &StoreConfig) -> Option<&ViewProfile> {
        match self {
            Origin::Seller | Origin::Api => Some(&store.seller),
            Origin::Kiosk => Some(store.kiosk.as_ref().unwrap_or(&store.seller)),
            Origin::Web => None,
        }
    }
}

/// Why a payment operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("unknown store {0:?}")]
    UnknownStore(String),
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("this idempotency key was used for a different cart")]
    KeyReused,
    #[error("payment not found")]
    NotFound,
    #[error("{0}")]
    Conflict(Problem),
    #[error(transparent)]
    Klarna(#[from] KlarnaError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The outcome of a start: the payment, and whether this call created it.
pub struct Started {
    pub view: PaymentView,
    pub created: bool,
}

/// What a start asks for.
pub struct StartRequest<'a> {
    pub store_id: &'a str,
    pub origin: Origin,
    pub attempt_key: &'a str,
    /// The till's or shop's own id for the cart: one live payment per cart.
    pub cart_ref: Option<&'a str>,
    pub cart: &'a CartInput,
    /// Where Klarna sends the shopper afterwards (web checkout); Kassa adds
    /// its own `status_update`.
    pub return_urls: Option<MerchantUrls>,
}

/// Where a status change came from, for the history.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    Callback,
    Poll,
    User,
    Timeout,
    Recovery,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Callback => "callback",
            Source::Poll => "poll",
            Source::User => "user",
            Source::Timeout => "timeout",
            Source::Recovery => "recovery",
        }
    }
}

struct Tracked {
    next_check: Instant,
    idle_interval: Duration,
    watchers: usize,
}

pub struct PaymentService {
    klarna: KlarnaClient,
    /// Swapped whole on a reload; readers keep the snapshot they took.
    config: std::sync::RwLock<Arc<Config>>,
    storage: Storage,
    events: EventHub,
    schedule: Mutex<HashMap<String, Tracked>>,
    wake: Notify,
    reads: Semaphore,
    klarna_reads: AtomicU64,
    /// Seller sign-in attempts, for slowing down password guessing.
    sign_in_throttle: crate::auth::SignInThrottle,
}

impl PaymentService {
    pub fn new(klarna: KlarnaClient, config: Arc<Config>, storage: Storage) -> PaymentService {
        PaymentService {
            klarna,
            config: std::sync::RwLock::new(config),
            storage,
            events: EventHub::default(),
            schedule: Mutex::default(),
            wake: Notify::new(),
            reads: Semaphore::new(MAX_CONCURRENT_READS),
            klarna_reads: AtomicU64::new(0),
            sign_in_throttle: crate::auth::SignInThrottle::default(),
        }
    }

    pub fn sign_in_throttle(&self) -> &crate::auth::SignInThrottle {
        &self.sign_in_throttle
    }

    /// The configuration in force now.
    pub fn config(&self) -> Arc<Config> {
        self.config.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts a new configuration in force without a restart. Refused (and
    /// the old one kept) when it changes what only a restart can change, or
    /// drops a store that still has open payments.
    pub async fn replace_config(&self, new: Config) -> Result<(), String> {
        let old = self.config();
        if new.listen != old.listen {
            return Err("listen: changes only with a restart".into());
        }
        if new.public_url != old.public_url {
            return Err("public_url: changes only with a restart (Klarna holds the old callback URLs)".into());
        }
        if new.data_dir != old.data_dir {
            return Err("data_dir: changes only with a restart".into());
        }
        if new.klarna.environment != old.klarna.environment
            || new.klarna.region != old.klarna.region
            || new.klarna.base_url != old.klarna.base_url
        {
            return Err("klarna: the environment, region and base_url change only with a restart".into());
        }
        let open = self.storage.open_payments().await.map_err(|e| e.to_string())?;
        if let Some(orphan) = open.iter().find(|p| new.store(&p.store_id).is_none()) {
            return Err(format!(
                "stores: store {:?} has open payments; keep it until they have ended",
                orphan.store_id
            ));
        }
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new);
        Ok(())
    }

    pub fn events(&self) -> &EventHub {
        &self.events
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// How many HPP reads Kassa has made (for the benchmark and metrics).
    pub fn klarna_reads(&self) -> u64 {
        self.klarna_reads.load(Ordering::Relaxed)
    }

    /// How many payments are being followed right now.
    pub fn tracked(&self) -> usize {
        self.schedule().len()
    }

    fn schedule(&self) -> MutexGuard<'_, HashMap<String, Tracked>> {
        self.schedule.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn store(&self, id: &str) -> Result<StoreConfig, PaymentError> {
        self.config().store(id).cloned().ok_or_else(|| PaymentError::UnknownStore(id.into()))
    }

    // ----- starting -------------------------------------------------------

    /// Starts a payment, or returns the one this attempt key (or this cart)
    /// already has. The same key with a different cart is refused.
    pub async fn start(&self, request: StartRequest<'_>) -> Result<Started, PaymentError> {
        let store = self.store(request.store_id)?;
        let cart = Cart::validate(request.cart, store.currency).map_err(PaymentError::Invalid)?;
        let cart_json = serde_json::to_string(&cart).unwrap_or_default();
        if let Some(existing) = self.storage.by_attempt(&store.id, request.attempt_key).await? {
            if existing.cart_json != cart_json {
                return Err(PaymentError::KeyReused);
            }
            // A start that failed before any link existed may be tried again.
            if existing.status == PaymentStatus::Failed && self.storage.retry_creation(&existing.id).await? {
                return self.create_at_klarna(existing.id.clone(), &store, &cart).await;
            }
            return Ok(Started { view: self.view(&existing), created: false });
        }
        if let Some(cart_ref) = request.cart_ref {
            if let Some(live) = self.storage.live_for_cart(&store.id, cart_ref).await? {
                return Ok(Started { view: self.view(&live), created: false });
            }
        }
        let now = now_millis();
        let record = StoredPayment {
            id: uuid::Uuid::new_v4().to_string(),
            store_id: store.id.clone(),
            origin: request.origin.as_str().into(),
            attempt_key: request.attempt_key.into(),
            cart_ref: request.cart_ref.map(str::to_string),
            cart_json,
            currency: cart.currency.code().into(),
            order_amount: cart.order_amount.get() as i64,
            order_tax_amount: cart.order_tax_amount.get() as i64,
            place_order_mode: store.place_order_mode.as_str().into(),
            status: PaymentStatus::Creating,
            problem: None,
            kp_session_id: None,
            hpp_session_id: None,
            hpp_json: None,
            klarna_expires_at: None,
            deadline_at: now + i64::from(store.payment_timeout_minutes) * 60_000,
            klarna_updated_at: None,
            authorization_token: None,
            order_id: None,
            klarna_reference: None,
            // Set with a fresh secret right before the HPP session is created.
            callback_secret_hash: String::new(),
            created_at: now,
            updated_at: now,
            return_urls_json: request.return_urls.as_ref().and_then(|urls| serde_json::to_string(urls).ok()),
        };
        if !self.storage.insert(&record).await? {
            // Another request won the race for this key or cart: return its payment.
            let winner = match self.storage.by_attempt(&store.id, request.attempt_key).await? {
                Some(found) => Some(found),
                None => match request.cart_ref {
                    Some(cart_ref) => self.storage.live_for_cart(&store.id, cart_ref).await?,
                    None => None,
                },
            };
            let winner = winner.ok_or(PaymentError::NotFound)?;
            if winner.attempt_key == request.attempt_key && winner.cart_json != record.cart_json {
                return Err(PaymentError::KeyReused);
            }
            return Ok(Started { view: self.view(&winner), created: false });
        }
        self.create_at_klarna(record.id, &store, &cart).await
    }

    /// Creates the KP and HPP sessions for a recorded payment, recording each.
    async fn create_at_klarna(&self, id: String, store: &StoreConfig, cart: &Cart) -> Result<Started, PaymentError> {
        let result = async {
            let payment = self.storage.get(&id).await?.ok_or(PaymentError::NotFound)?;
            let origin = Origin::parse(&payment.origin).unwrap_or(Origin::Api);
            let kp = self.klarna.create_payment_session(&kp_request(&payment, store, cart)).await?;
            self.storage.record_sessions(&id, &kp.session_id, None).await?;
            // Only the hash is kept; the secret itself lives in Klarna's copy of the URL.
            let (secret, secret_hash) = new_callback_secret();
            self.storage.set_callback_secret_hash(&id, &secret_hash).await?;
            let request = CreateSessionRequest {
                payment_session_url: self.klarna.payment_session_url(&kp.session_id),
                merchant_urls: Some(MerchantUrls {
                    status_update: Some(format!("{}/klarna/status/{id}/{secret}", self.config().public_url)),
                    ..payment
                        .return_urls_json
                        .as_deref()
                        .and_then(|json| serde_json::from_str::<MerchantUrls>(json).ok())
                        .unwrap_or_default()
                }),
                options: Some(SessionOptions { place_order_mode: Some(store.place_order_mode), ..Default::default() }),
                profile_id: origin.profile(store).map(|p| p.profile_id.clone()),
            };
            // The same key on every retry: Klarna answers a repeat with the first session.
            let hpp = self.klarna.create_hpp_session(&request, Some(&format!("kassa-{id}-hpp"))).await?;
            let json = serde_json::to_string(&hpp).unwrap_or_default();
            let expires = hpp.expires_at.map(millis);
            self.storage.record_sessions(&id, &kp.session_id, Some((&hpp.session_id, &json, expires))).await?;
            Ok::<_, PaymentError>(())
        }
        .await;
        match result {
            Ok(()) => {
                let change = StatusChange { status: Some(PaymentStatus::Waiting), ..Default::default() };
                let payment = self.commit(&id, &change, Source::User).await?;
                self.track(&id, Duration::ZERO);
                Ok(Started { view: payment, created: true })
            }
            Err(error) => {
                tracing::warn!(payment = %id, %error, "could not create the payment at Klarna");
                let problem = match &error {
                    PaymentError::Klarna(e) => klarna_advice(e),
                    other => Problem::Other { message: other.to_string() },
                };
                let change = StatusChange {
                    status: Some(PaymentStatus::Failed),
                    problem: Some(problem.to_stored()),
                    ..Default::default()
                };
                let _ = self.commit(&id, &change, Source::User).await;
                Err(error)
            }
        }
    }

    // ----- reading and following -------------------------------------------

    /// The payment as last recorded.
    pub async fn get(&self, store_id: &str, id: &str) -> Result<PaymentView, PaymentError> {
        let payment = self.storage.get(id).await?.filter(|p| p.store_id == store_id).ok_or(PaymentError::NotFound)?;
        Ok(self.view(&payment))
    }

    /// A store's payments since a time (Unix ms), newest first.
    pub async fn list(&self, store_id: &str, since: i64) -> Result<Vec<PaymentView>, PaymentError> {
        self.store(store_id)?;
        let payments = self.storage.list(store_id, since, 500).await?;
        Ok(payments.iter().map(|p| self.view(p)).collect())
    }

    /// Reads the payment from Klarna and applies what it says. Callbacks
    /// and the poller both end here, so there is one state machine.
    pub async fn refresh(&self, id: &str, source: Source) -> Result<(), PaymentError> {
        let Some(payment) = self.storage.get(id).await? else { return Ok(()) };
        if payment.status.is_final() {
            return Ok(());
        }
        if let Some(session_id) = payment.hpp_session_id.clone() {
            let _permit = self.reads.acquire().await.map_err(|_| PaymentError::NotFound)?;
            self.klarna_reads.fetch_add(1, Ordering::Relaxed);
            match self.klarna.read_hpp_session(&session_id).await {
                Ok(session) => {
                    self.commit(id, &change_from(&session, &payment), source).await?;
                }
                Err(KlarnaError::NotFound(_)) => {
                    let change = StatusChange {
                        status: Some(PaymentStatus::Expired),
                        problem: Some(Problem::LinkUnknownAtKlarna.to_stored()),
                        ..Default::default()
                    };
                    self.commit(id, &change, source).await?;
                }
                // The last known state stands; the next check tries again.
                Err(error) => tracing::warn!(payment = %id, %error, "could not read the payment from Klarna"),
            }
        }
        let Some(payment) = self.storage.get(id).await? else { return Ok(()) };
        if payment.status == PaymentStatus::Authorized {
            self.place_order(&payment).await?;
        } else if !payment.status.is_final() && payment.deadline_at <= now_millis() {
            self.withdraw(&payment, Source::Timeout).await?;
        }
        Ok(())
    }

    /// Places the order for an authorization (place_order_mode NONE). The
    /// idempotency key is the payment's, so however often this runs, Klarna
    /// makes one order.
    async fn place_order(&self, payment: &StoredPayment) -> Result<(), PaymentError> {
        let (Some(token), None) = (&payment.authorization_token, &payment.order_id) else { return Ok(()) };
        let store = self.store(&payment.store_id)?;
        let cart: Cart = serde_json::from_str(&payment.cart_json)
            .map_err(|e| PaymentError::Conflict(Problem::Other { message: format!("stored cart unreadable: {e}") }))?;
        let kp = kp_request(payment, &store, &cart);
        let request = CreateOrderRequest {
            purchase_country: kp.purchase_country,
            purchase_currency: kp.purchase_currency,
            locale: kp.locale,
            order_amount: kp.order_amount,
            order_tax_amount: kp.order_tax_amount,
            order_lines: kp.order_lines,
            merchant_reference1: kp.merchant_reference1,
            merchant_reference2: kp.merchant_reference2,
            auto_capture: None,
        };
        match self.klarna.place_order(token, &request, &format!("kassa-{}-order", payment.id)).await {
            Ok(order) => {
                let change = StatusChange {
                    status: Some(PaymentStatus::Completed),
                    order_id: Some(order.order_id),
                    ..Default::default()
                };
                self.commit(&payment.id, &change, Source::Poll).await?;
            }
            Err(error) if error.is_transient() => {
                tracing::warn!(payment = %payment.id, %error, "placing the order failed; will retry");
            }
            Err(error) => {
                tracing::error!(payment = %payment.id, %error, "Klarna refused to place the order");
                let change = StatusChange {
                    status: Some(PaymentStatus::Failed),
                    problem: Some(
                        Problem::OrderRefused { klarna_code: error.error_code().unwrap_or("no code").to_string() }
                            .to_stored(),
                    ),
                    ..Default::default()
                };
                self.commit(&payment.id, &change, Source::Poll).await?;
            }
        }
        Ok(())
    }

    /// Cancels from a screen or the API: disabled at Klarna first, then
    /// marked, so no link stays payable.
    pub async fn cancel(&self, store_id: &str, id: &str) -> Result<PaymentView, PaymentError> {
        let payment = self.storage.get(id).await?.filter(|p| p.store_id == store_id).ok_or(PaymentError::NotFound)?;
        match payment.status {
            PaymentStatus::Creating => return Err(PaymentError::Conflict(Problem::StillCreating)),
            PaymentStatus::Completed | PaymentStatus::Authorized => {
                return Err(PaymentError::Conflict(Problem::AlreadyPaid))
            }
            status if status.is_final() => return Ok(self.view(&payment)),
            _ => {}
        }
        self.withdraw(&payment, Source::User).await?;
        self.get(store_id, id).await
    }

    /// Has Klarna send the link by SMS or e-mail (resending is fine).
    pub async fn send_link(&self, store_id: &str, id: &str, to: &LinkTarget) -> Result<(), PaymentError> {
        let payment = self.storage.get(id).await?.filter(|p| p.store_id == store_id).ok_or(PaymentError::NotFound)?;
        let session_id = match (&payment.hpp_session_id, payment.status.is_final()) {
            (Some(session), false) => session.clone(),
            _ => return Err(PaymentError::Conflict(Problem::PaymentEnded)),
        };
        let request = match to {
            LinkTarget::Sms(phone) => DistributionRequest {
                method: DistributionMethod::Sms,
                contact_information: ContactInformation {
                    phone: Some(phone.number().to_string()),
                    phone_country: Some(phone.country.code().to_string()),
                    ..Default::default()
                },
                template: Some("INSTORE_PURCHASE".into()),
            },
            LinkTarget::Email(email) => DistributionRequest {
                method: DistributionMethod::Email,
                contact_information: ContactInformation {
                    email: Some(email.as_str().to_string()),
                    ..Default::default()
                },
                template: Some("INSTORE_PURCHASE".into()),
            },
        };
        self.klarna.distribute(&session_id, &request).await?;
        tracing::info!(payment = %id, method = ?request.method, "payment link sent");
        Ok(())
    }

    /// Withdraws the payment's link at Klarna and starts a new payment for
    /// the same cart, so only the new link can be paid.
    pub async fn regenerate(
        &self,
        store_id: &str,
        id: &str,
        origin: Origin,
        attempt_key: &str,
    ) -> Result<Started, PaymentError> {
        let old = self.storage.get(id).await?.filter(|p| p.store_id == store_id).ok_or(PaymentError::NotFound)?;
        if !old.status.is_final() {
            self.cancel(store_id, id).await?;
        } else if matches!(old.status, PaymentStatus::Completed) {
            return Err(PaymentError::Conflict(Problem::AlreadyPaid));
        }
        let cart: Cart = serde_json::from_str(&old.cart_json)
            .map_err(|e| PaymentError::Conflict(Problem::Other { message: format!("stored cart unreadable: {e}") }))?;
        let input = cart_input(&cart);
        self.start(StartRequest {
            store_id,
            origin,
            attempt_key,
            cart_ref: old.cart_ref.as_deref(),
            cart: &input,
            return_urls: old.return_urls_json.as_deref().and_then(|json| serde_json::from_str(json).ok()),
        })
        .await
    }

    /// Disables the HPP session at Klarna, then records it.
    async fn withdraw(&self, payment: &StoredPayment, source: Source) -> Result<(), PaymentError> {
        let (status, problem) = match source {
            Source::Timeout => (PaymentStatus::Expired, Problem::NotPaidInTime),
            _ => (PaymentStatus::Disabled, Problem::CancelledByStore),
        };
        if let Some(session_id) = &payment.hpp_session_id {
            match self.klarna.disable_hpp_session(session_id).await {
                Ok(()) | Err(KlarnaError::NotFound(_)) => {}
                Err(KlarnaError::Rejected { .. }) => {
                    // Klarna refuses to disable a completed session: it was paid.
                    Box::pin(self.refresh(&payment.id, Source::Poll)).await?;
                    let now = self.storage.get(&payment.id).await?.ok_or(PaymentError::NotFound)?;
                    if matches!(now.status, PaymentStatus::Completed | PaymentStatus::Authorized) {
                        return Err(PaymentError::Conflict(Problem::AlreadyPaid));
                    }
                    return Ok(());
                }
                Err(error) => return Err(error.into()),
            }
        }
        let change = StatusChange { status: Some(status), problem: Some(problem.to_stored()), ..Default::default() };
        self.commit(&payment.id, &change, source).await?;
        Ok(())
    }

    /// Applies a change, and pushes it to screens if anything changed.
    async fn commit(&self, id: &str, change: &StatusChange, source: Source) -> Result<PaymentView, PaymentError> {
        match self.storage.apply(id, change, source.as_str()).await? {
            Some(updated) => {
                let view = self.view(&updated);
                tracing::info!(payment = %id, status = ?updated.status, source = source.as_str(), "payment updated");
                self.events.publish(view.clone());
                if updated.status.is_final() {
                    self.schedule().remove(id);
                }
                Ok(view)
            }
            None => Ok(self.view(&self.storage.get(id).await?.ok_or(PaymentError::NotFound)?)),
        }
    }

    // ----- callbacks --------------------------------------------------------

    /// A status callback: checks the secret, de-duplicates the event, and
    /// asks for a fresh read (the body itself is never trusted).
    pub async fn callback(self: &Arc<Self>, id: &str, secret: &str, event_id: &str) -> Result<(), PaymentError> {
        let payment = self.storage.get(id).await?.ok_or(PaymentError::NotFound)?;
        let given = hash_secret(secret);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), payment.callback_secret_hash.as_bytes())) {
            return Err(PaymentError::NotFound);
        }
        if self.storage.first_sight_of_event(event_id, id).await? {
            // Answer Klarna at once; the read happens in the background.
            let (service, id) = (self.clone(), id.to_string());
            tokio::spawn(async move {
                if let Err(error) = service.refresh(&id, Source::Callback).await {
                    tracing::warn!(payment = %id, %error, "reading after a callback failed; the poller will retry");
                    service.check_soon(&id);
                }
            });
        }
        Ok(())
    }

    // ----- the poller -------------------------------------------------------

    fn track(&self, id: &str, after: Duration) {
        let mut schedule = self.schedule();
        let entry = schedule.entry(id.to_string()).or_insert(Tracked {
            next_check: Instant::now() + after,
            idle_interval: FIRST_IDLE_POLL,
            watchers: 0,
        });
        entry.next_check = entry.next_check.min(Instant::now() + after);
        drop(schedule);
        self.wake.notify_one();
    }

    fn check_soon(&self, id: &str) {
        self.track(id, Duration::ZERO);
    }

    /// Counts a screen waiting on this payment while the guard lives.
    pub fn watch(self: &Arc<Self>, id: &str) -> WatchGuard {
        {
            let mut schedule = self.schedule();
            if let Some(entry) = schedule.get_mut(id) {
                entry.watchers += 1;
                entry.next_check = entry.next_check.min(Instant::now() + WATCHED_POLL);
            }
        }
        WatchGuard { service: Arc::downgrade(self), id: id.to_string() }
    }

    /// Resumes every open payment after a start or a crash: creations that
    /// never got a link are failed (nothing is payable), the rest are read
    /// from Klarna at once.
    pub async fn resume(&self) -> Result<usize, PaymentError> {
        let open = self.storage.open_payments().await?;
        for payment in &open {
            if payment.status == PaymentStatus::Creating {
                let change = match payment.hpp_session_id {
                    Some(_) => StatusChange { status: Some(PaymentStatus::Waiting), ..Default::default() },
                    None => StatusChange {
                        status: Some(PaymentStatus::Failed),
                        problem: Some(Problem::RestartedBeforeLink.to_stored()),
                        ..Default::default()
                    },
                };
                self.commit(&payment.id, &change, Source::Recovery).await?;
            }
            self.track(&payment.id, Duration::ZERO);
        }
        Ok(open.len())
    }

    /// Runs forever: checks every tracked payment when it is due.
    pub async fn run_tracker(self: Arc<Self>) {
        loop {
            let now = Instant::now();
            let (due, next) = {
                let mut schedule = self.schedule();
                let mut due = Vec::new();
                let mut next = now + Duration::from_secs(1);
                for (id, tracked) in schedule.iter_mut() {
                    if tracked.next_check <= now {
                        due.push(id.clone());
                        // Not again until this check has rescheduled it.
                        tracked.next_check = now + MAX_IDLE_POLL;
                    } else {
                        next = next.min(tracked.next_check);
                    }
                }
                (due, next)
            };
            for id in due {
                let service = self.clone();
                tokio::spawn(async move {
                    if let Err(error) = service.refresh(&id, Source::Poll).await {
                        tracing::warn!(payment = %id, %error, "checking the payment failed");
                    }
                    service.reschedule(&id).await;
                });
            }
            tokio::select! {
                _ = tokio::time::sleep_until(next.into()) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    async fn reschedule(&self, id: &str) {
        let payment = match self.storage.get(id).await {
            Ok(Some(payment)) => payment,
            _ => return,
        };
        let mut schedule = self.schedule();
        if payment.status.is_final() {
            schedule.remove(id);
            return;
        }
        let Some(entry) = schedule.get_mut(id) else { return };
        let mut wait = if payment.status == PaymentStatus::Authorized {
            ORDER_RETRY
        } else if entry.watchers > 0 {
            WATCHED_POLL
        } else {
            let wait = entry.idle_interval;
            entry.idle_interval = (wait * 2).min(MAX_IDLE_POLL);
            wait
        };
        let until_deadline = Duration::from_millis((payment.deadline_at - now_millis()).max(0) as u64);
        wait = wait.min(until_deadline + Duration::from_millis(50));
        entry.next_check = Instant::now() + wait;
    }

    // ----- views --------------------------------------------------------------

    /// What screens and API clients may see: never the token or the secret.
    pub fn view(&self, payment: &StoredPayment) -> PaymentView {
        let config = self.config();
        let store = config.store(&payment.store_id);
        let hpp: Option<CreateSessionResponse> =
            payment.hpp_json.as_deref().and_then(|json| serde_json::from_str(json).ok());
        let expires = match payment.klarna_expires_at {
            Some(klarna) => klarna.min(payment.deadline_at),
            None => payment.deadline_at,
        };
        PaymentView {
            id: payment.id.clone(),
            store_id: payment.store_id.clone(),
            status: payment.status,
            currency: Currency::parse(&payment.currency).unwrap_or_else(|_| {
                store.map(|s| s.currency).unwrap_or_else(|| Currency::parse("EUR").expect("EUR is supported"))
            }),
            order_amount: MinorUnits(payment.order_amount.max(0) as u64),
            order_tax_amount: MinorUnits(payment.order_tax_amount.max(0) as u64),
            distribution_module_url: hpp.as_ref().and_then(|h| h.distribution_module.as_ref()).and_then(|module| {
                let profile = Origin::parse(&payment.origin)?.profile(store?)?;
                module.standalone_url_for(&profile.profile_id, &profile.view_id)
            }),
            redirect_url: hpp.as_ref().and_then(|h| h.redirect_url.clone()),
            qr_code_url: hpp.as_ref().and_then(|h| h.qr_code_url.clone()),
            expires_at: rfc3339(expires),
            order_id: payment.order_id.clone(),
            klarna_reference: payment.klarna_reference.clone(),
            created_at: rfc3339(payment.created_at).unwrap_or_default(),
            updated_at: rfc3339(payment.updated_at).unwrap_or_default(),
            problem: payment.problem.as_deref().map(Problem::from_stored),
        }
    }
}

/// Keeps a payment "watched" (fast polling) while an SSE stream is open.
pub struct WatchGuard {
    service: std::sync::Weak<PaymentService>,
    id: String,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        if let Some(service) = self.service.upgrade() {
            if let Some(entry) = service.schedule().get_mut(&self.id) {
                entry.watchers = entry.watchers.saturating_sub(1);
            }
        }
    }
}

/// Where to send a payment link, already validated.
#[derive(Clone, Debug)]
pub enum LinkTarget {
    Sms(domain::PhoneNumber),
    Email(domain::Email),
}

/// The cart as a client would send it, to start a validated cart again.
fn cart_input(cart: &Cart) -> CartInput {
    CartInput {
        lines: cart
            .lines
            .iter()
            .map(|line| domain::CartLineInput {
                name: line.name.clone(),
                quantity: i64::from(line.quantity),
                unit_price: line.unit_price.get() as i64,
                tax_rate: i64::from(line.tax_rate.basis_points()),
                discount: line.discount.get() as i64,
                reference: line.reference.clone(),
            })
            .collect(),
    }
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

/// The KP session for a cart: Klarna's order lines and the in-store channel.
fn kp_request(payment: &StoredPayment, store: &StoreConfig, cart: &Cart) -> PaymentSessionRequest {
    let order_lines = cart
        .lines
        .iter()
        .map(|line| OrderLine {
            line_type: Some("physical".into()),
            reference: line.reference.clone(),
            name: line.name.clone(),
            quantity: i64::from(line.quantity),
            unit_price: line.unit_price.get() as i64,
            tax_rate: i64::from(line.tax_rate.basis_points()),
            total_amount: line.total_amount.get() as i64,
            total_discount_amount: line.discount.get() as i64,
            total_tax_amount: line.total_tax_amount.get() as i64,
        })
        .collect();
    PaymentSessionRequest {
        purchase_country: store.country.code().to_string(),
        purchase_currency: cart.currency.code().to_string(),
        locale: Some(store.locale.as_str().to_string()),
        order_amount: cart.order_amount.get() as i64,
        order_tax_amount: Some(cart.order_tax_amount.get() as i64),
        order_lines,
        acquiring_channel: Some(Origin::parse(&payment.origin).unwrap_or(Origin::Api).channel()),
        merchant_reference1: Some(payment.id.clone()),
        // Klarna's in-store checklist: "{store_id} - {instance_id}".
        merchant_reference2: Some(format!("{} - {}", store.id, payment.origin)),
    }
}

/// A fresh callback secret (256 bits) and the hash that is stored.
fn new_callback_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = hash_secret(&secret);
    (secret, hash)
}

fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

fn rfc3339(millis: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()?.format(&Rfc3339).ok()
}

/// What an associate or API client should do about a Klarna failure;
/// [`Problem::retry_later`] says whether trying again later may help.
pub fn klarna_advice(error: &KlarnaError) -> Problem {
    match error {
        KlarnaError::Transport(_) | KlarnaError::Timeout | KlarnaError::Server { .. } => Problem::KlarnaUnreachable,
        KlarnaError::Credentials { .. } => Problem::KlarnaCredentials,
        KlarnaError::NotFound(_) => Problem::KlarnaSessionEnded,
        KlarnaError::Conflict(details) | KlarnaError::Rejected { details, .. } => Problem::KlarnaRefused {
            reason: if details.messages.is_empty() {
                "no reason given".to_string()
            } else {
                details.messages.join("; ")
            },
        },
        KlarnaError::InvalidResponse(_) => Problem::KlarnaUnexpected,
    }
}
