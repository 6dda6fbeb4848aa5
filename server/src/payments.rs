//! Payments: start them at Klarna exactly once per attempt, and follow them
//! to their end by reading the HPP session.
//!
//! This first cut keeps payments in memory; persistence, callbacks and push
//! come with the tracking engine.

use crate::config::{Config, StoreConfig};
use app::model::{PaymentStatus, PaymentView};
use domain::{Cart, CartInput, FieldErrors};
use klarna::wire::{
    AcquiringChannel, CreateSessionRequest, CreateSessionResponse, OrderLine,
    PaymentSessionRequest, SessionOptions, SessionResponse, SessionStatus,
};
use klarna::{KlarnaClient, KlarnaError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Reads of one payment closer together than this are answered from memory,
/// so many waiting screens cannot flood Klarna.
const MIN_READ_INTERVAL: Duration = Duration::from_millis(800);

/// Which of Kassa's doors a payment came in by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Seller,
    Api,
}

/// Why a start or read failed.
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
    #[error(transparent)]
    Klarna(#[from] KlarnaError),
}

#[derive(Clone, Debug)]
struct PaymentRecord {
    id: String,
    store_id: String,
    cart: Cart,
    status: PaymentStatus,
    updated_at: OffsetDateTime,
    hpp: Option<CreateSessionResponse>,
    order_id: Option<String>,
    klarna_reference: Option<String>,
    /// Server-side only: it can place an order.
    authorization_token: Option<String>,
    last_read: Option<Instant>,
}

#[derive(Default)]
struct Ledger {
    payments: HashMap<String, PaymentRecord>,
    by_attempt: HashMap<(String, String), String>,
}

pub struct PaymentService {
    klarna: KlarnaClient,
    config: Arc<Config>,
    ledger: Mutex<Ledger>,
}

/// The outcome of a start: the payment, and whether this call created it.
pub struct Started {
    pub view: PaymentView,
    pub created: bool,
}

impl PaymentService {
    pub fn new(klarna: KlarnaClient, config: Arc<Config>) -> PaymentService {
        PaymentService {
            klarna,
            config,
            ledger: Mutex::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a payment, or returns the one `attempt_key` already started in
    /// this store. The same key with a different cart is refused.
    pub async fn start(
        &self,
        store_id: &str,
        origin: Origin,
        attempt_key: &str,
        input: &CartInput,
    ) -> Result<Started, PaymentError> {
        let store = self
            .config
            .store(store_id)
            .ok_or_else(|| PaymentError::UnknownStore(store_id.into()))?;
        let cart = Cart::validate(input, store.currency).map_err(PaymentError::Invalid)?;
        let id = {
            let mut ledger = self.ledger();
            let attempt = (store.id.clone(), attempt_key.to_string());
            if let Some(existing) = ledger
                .by_attempt
                .get(&attempt)
                .and_then(|id| ledger.payments.get(id))
            {
                if existing.cart != cart {
                    return Err(PaymentError::KeyReused);
                }
                return Ok(Started {
                    view: self.view_of(existing),
                    created: false,
                });
            }
            let id = uuid::Uuid::new_v4().to_string();
            ledger.by_attempt.insert(attempt, id.clone());
            ledger.payments.insert(
                id.clone(),
                PaymentRecord {
                    id: id.clone(),
                    store_id: store.id.clone(),
                    cart: cart.clone(),
                    status: PaymentStatus::Creating,
                    updated_at: OffsetDateTime::now_utc(),
                    hpp: None,
                    order_id: None,
                    klarna_reference: None,
                    authorization_token: None,
                    last_read: None,
                },
            );
            id
        };
        match self.create_at_klarna(&id, store, origin, &cart).await {
            Ok(hpp) => {
                let mut ledger = self.ledger();
                let record = ledger.payments.get_mut(&id).ok_or(PaymentError::NotFound)?;
                record.hpp = Some(hpp);
                record.status = PaymentStatus::Waiting;
                record.updated_at = OffsetDateTime::now_utc();
                Ok(Started {
                    view: self.view_of(record),
                    created: true,
                })
            }
            Err(error) => {
                // Nothing payable exists at Klarna, so the attempt may start over.
                let mut ledger = self.ledger();
                ledger.payments.remove(&id);
                ledger
                    .by_attempt
                    .remove(&(store.id.clone(), attempt_key.to_string()));
                tracing::warn!(payment = %id, %error, "could not create the payment at Klarna");
                Err(error.into())
            }
        }
    }

    async fn create_at_klarna(
        &self,
        payment_id: &str,
        store: &StoreConfig,
        origin: Origin,
        cart: &Cart,
    ) -> Result<CreateSessionResponse, KlarnaError> {
        let kp = self
            .klarna
            .create_payment_session(&kp_request(payment_id, store, origin, cart))
            .await?;
        let request = CreateSessionRequest {
            payment_session_url: self.klarna.payment_session_url(&kp.session_id),
            merchant_urls: None,
            options: Some(SessionOptions {
                place_order_mode: Some(store.place_order_mode),
                ..Default::default()
            }),
            profile_id: Some(store.seller.profile_id.clone()),
        };
        self.klarna
            .create_hpp_session(&request, Some(&format!("{payment_id}-hpp")))
            .await
    }

    /// The payment as Klarna last reported it; reads Klarna again when the
    /// payment is still open and the last read is not fresh.
    pub async fn get(&self, store_id: &str, id: &str) -> Result<PaymentView, PaymentError> {
        let session_id = {
            let mut ledger = self.ledger();
            let record = ledger
                .payments
                .get_mut(id)
                .filter(|r| r.store_id == store_id)
                .ok_or(PaymentError::NotFound)?;
            let fresh = record
                .last_read
                .is_some_and(|at| at.elapsed() < MIN_READ_INTERVAL);
            match &record.hpp {
                Some(hpp) if !record.status.is_final() && !fresh => {
                    record.last_read = Some(Instant::now());
                    hpp.session_id.clone()
                }
                _ => return Ok(self.view_of(record)),
            }
        };
        let read = self.klarna.read_hpp_session(&session_id).await;
        let mut ledger = self.ledger();
        let record = ledger.payments.get_mut(id).ok_or(PaymentError::NotFound)?;
        match read {
            Ok(session) => apply_session(record, &session),
            Err(KlarnaError::NotFound(_))
                if record
                    .hpp
                    .as_ref()
                    .and_then(|h| h.expires_at)
                    .is_some_and(|at| at <= OffsetDateTime::now_utc()) =>
            {
                record.status = PaymentStatus::Expired;
                record.updated_at = OffsetDateTime::now_utc();
            }
            // The last known state stands; the next read tries again.
            Err(error) => {
                tracing::warn!(payment = %id, %error, "could not read the payment from Klarna")
            }
        }
        Ok(self.view_of(record))
    }

    fn view_of(&self, record: &PaymentRecord) -> PaymentView {
        let store = self.config.store(&record.store_id);
        let hpp = record.hpp.as_ref();
        PaymentView {
            id: record.id.clone(),
            store_id: record.store_id.clone(),
            status: record.status,
            currency: record.cart.currency,
            order_amount: record.cart.order_amount,
            order_tax_amount: record.cart.order_tax_amount,
            distribution_module_url: hpp.and_then(|h| h.distribution_module.as_ref()).and_then(
                |module| {
                    let profile = &store?.seller;
                    module.standalone_url_for(&profile.profile_id, &profile.view_id)
                },
            ),
            redirect_url: hpp.and_then(|h| h.redirect_url.clone()),
            qr_code_url: hpp.and_then(|h| h.qr_code_url.clone()),
            expires_at: hpp
                .and_then(|h| h.expires_at)
                .and_then(|at| at.format(&Rfc3339).ok()),
            order_id: record.order_id.clone(),
            klarna_reference: record.klarna_reference.clone(),
            updated_at: record.updated_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// Applies what Klarna reports. A final state is never left again.
fn apply_session(record: &mut PaymentRecord, session: &SessionResponse) {
    if record.status.is_final() {
        return;
    }
    let status = match &session.status {
        SessionStatus::Waiting => PaymentStatus::Waiting,
        SessionStatus::InProgress | SessionStatus::ManualIdCheck => PaymentStatus::InProgress,
        SessionStatus::Back => PaymentStatus::Back,
        SessionStatus::Failed => PaymentStatus::Declined,
        SessionStatus::Error => PaymentStatus::Error,
        SessionStatus::Completed => PaymentStatus::Completed,
        SessionStatus::Cancelled => PaymentStatus::Cancelled,
        SessionStatus::Disabled => PaymentStatus::Disabled,
        SessionStatus::Unknown(text) => {
            tracing::warn!(payment = %record.id, status = %text, "Klarna reported an unknown status; keeping the last one");
            return;
        }
    };
    if status == PaymentStatus::Completed {
        record.order_id = session.order_id.clone().or(record.order_id.take());
        record.klarna_reference = session
            .klarna_reference
            .clone()
            .or(record.klarna_reference.take());
        record.authorization_token = session
            .authorization_token
            .clone()
            .or(record.authorization_token.take());
    }
    if status != record.status {
        tracing::info!(payment = %record.id, from = ?record.status, to = ?status, "payment status changed");
        record.status = status;
        record.updated_at = session.updated_at.unwrap_or_else(OffsetDateTime::now_utc);
    }
}

/// The KP session for a cart: Klarna's order lines and the in-store channel.
fn kp_request(
    payment_id: &str,
    store: &StoreConfig,
    origin: Origin,
    cart: &Cart,
) -> PaymentSessionRequest {
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
    let instance = match origin {
        Origin::Seller => "seller",
        Origin::Api => "api",
    };
    PaymentSessionRequest {
        purchase_country: store.country.code().to_string(),
        purchase_currency: cart.currency.code().to_string(),
        locale: Some(store.locale.as_str().to_string()),
        order_amount: cart.order_amount.get() as i64,
        order_tax_amount: Some(cart.order_tax_amount.get() as i64),
        order_lines,
        acquiring_channel: Some(AcquiringChannel::InStore),
        merchant_reference1: Some(payment_id.to_string()),
        // Klarna's in-store checklist: "{store_id} - {instance_id}".
        merchant_reference2: Some(format!("{} - {instance}", store.id)),
    }
}

/// What an associate or API client should do about a Klarna failure, and
/// whether trying again later may help.
pub fn klarna_advice(error: &KlarnaError) -> (String, bool) {
    match error {
        KlarnaError::Transport(_) | KlarnaError::Timeout | KlarnaError::Server { .. } => (
            "Klarna cannot be reached right now. Wait a moment and try again; no payment was started.".into(),
            true,
        ),
        KlarnaError::Credentials { .. } => (
            "Klarna refused this store's credentials. Ask an administrator to check the Klarna settings.".into(),
            false,
        ),
        KlarnaError::NotFound(_) => ("The Klarna session has ended or expired. Start the payment again.".into(), false),
        KlarnaError::Conflict(details) | KlarnaError::Rejected { details, .. } => (
            format!(
                "Klarna did not accept the payment ({}). Check the cart and try again.",
                if details.messages.is_empty() { "no reason given".to_string() } else { details.messages.join("; ") }
            ),
            false,
        ),
        KlarnaError::InvalidResponse(_) => (
            "Klarna answered in an unexpected way. Try again; if it keeps happening, contact support.".into(),
            true,
        ),
    }
}
