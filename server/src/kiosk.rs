//! Self-checkout kiosks: each kiosk's current basket (from the self-checkout
//! system) and payment, the device-key cookie that is the kiosk's only way
//! in, the kiosk's live stream, the JSON API for the self-checkout system,
//! and the privacy reset that forgets the shopper and disables an unpaid
//! payment at Klarna.

use crate::api::{authenticate, parse_json, ApiError};
use crate::config::{Environment, KioskConfig};
use crate::payments::{Origin, PaymentError, PaymentService, StartRequest, WatchGuard};
use app::kiosk::{cookie_value, KioskBackend, KioskView, ResetReason, KIOSK_COOKIE};
use app::model::{PaymentStatus, PaymentView};
use app::AppError;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::{Cart, CartInput, CartLineInput};
use futures::stream;
use serde::Deserialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast;

/// Why a kiosk operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("this screen is not an enrolled kiosk; enrol it with its device key")]
    Forbidden,
    #[error("there is no kiosk {0:?}")]
    UnknownKiosk(String),
    #[error("kiosk {0:?} belongs to another store")]
    WrongStore(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Payment(#[from] PaymentError),
}

impl From<KioskError> for AppError {
    fn from(error: KioskError) -> AppError {
        match error {
            KioskError::Forbidden | KioskError::WrongStore(_) | KioskError::UnknownKiosk(_) => {
                AppError::Forbidden(KioskError::Forbidden.to_string())
            }
            KioskError::Conflict(message) => AppError::other(message),
            KioskError::Payment(error) => error.into(),
        }
    }
}

impl From<KioskError> for ApiError {
    fn from(error: KioskError) -> ApiError {
        match error {
            KioskError::Forbidden => ApiError::Unauthorized,
            KioskError::UnknownKiosk(_) => ApiError::NotFound,
            KioskError::WrongStore(kiosk) => ApiError::WrongStore(format!("of kiosk {kiosk}")),
            KioskError::Conflict(message) => ApiError::Conflict(message),
            KioskError::Payment(error) => error.into(),
        }
    }
}

/// One kiosk's shopper, held in memory: a restart starts every kiosk afresh
/// (the payments themselves are persisted, and the store's timeout
/// withdraws an unpaid one).
#[derive(Default)]
struct Slot {
    /// The basket and the id its payment attempts are keyed by.
    cart: Option<(String, CartInput, Cart)>,
    attempt: u32,
    payment: Option<PaymentView>,
    /// Fast polling while the shopper pays.
    watch: Option<WatchGuard>,
    session: u64,
    revision: u64,
    /// For the self-checkout system only; never shown on the screen.
    last_paid: Option<PaymentView>,
}

pub struct Kiosks {
    service: Arc<PaymentService>,
    instance: String,
    slots: Mutex<HashMap<String, Slot>>,
    sender: broadcast::Sender<Arc<KioskView>>,
}

impl Kiosks {
    /// The kiosks of the config, following their payments' events.
    pub fn start(service: Arc<PaymentService>) -> Arc<Kiosks> {
        let (sender, _) = broadcast::channel(1024);
        let kiosks =
            Arc::new(Kiosks { service, instance: uuid::Uuid::new_v4().to_string(), slots: Mutex::default(), sender });
        let mut receiver = kiosks.service.events().subscribe();
        let following = kiosks.clone();
        tokio::spawn(async move {
            loop {
                match receiver.recv().await {
                    Ok(view) => following.on_payment(&view),
                    Err(broadcast::error::RecvError::Lagged(_)) => following.reload_payments().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        kiosks
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn config(&self, kiosk_id: &str) -> Result<KioskConfig, KioskError> {
        self.service.config().kiosk(kiosk_id).cloned().ok_or_else(|| KioskError::UnknownKiosk(kiosk_id.into()))
    }

    /// The kiosk whose `{id}.{key}` cookie this is.
    pub fn authenticate(&self, device: Option<&str>) -> Result<KioskConfig, KioskError> {
        let (id, key) = device.and_then(|d| d.split_once('.')).ok_or(KioskError::Forbidden)?;
        let kiosk = self.service.config().kiosk(id).cloned().ok_or(KioskError::Forbidden)?;
        if kiosk.key_sha256.matches(key) {
            Ok(kiosk)
        } else {
            Err(KioskError::Forbidden)
        }
    }

    fn demo(&self) -> bool {
        self.service.config().klarna.environment == Environment::Simulator
    }

    fn view(&self, kiosk: &KioskConfig, slot: &Slot) -> KioskView {
        let config = self.service.config();
        let store = config.store(&kiosk.store);
        KioskView {
            kiosk_id: kiosk.id.clone(),
            store_name: store.map(|s| s.name.clone()).unwrap_or_default(),
            currency: store.map(|s| s.currency).unwrap_or_else(|| domain::Currency::parse("EUR").unwrap()),
            cart: slot.cart.as_ref().map(|(_, _, cart)| cart.clone()),
            payment: slot.payment.clone(),
            idle_seconds: kiosk.idle_seconds,
            reset_after_paid_seconds: kiosk.reset_after_paid_seconds,
            demo_basket: self.demo(),
            session: slot.session,
            revision: slot.revision,
            instance: self.instance.clone(),
        }
    }

    /// Records a change: a new revision, told to every stream of this kiosk.
    fn changed(&self, kiosk: &KioskConfig, slot: &mut Slot) -> KioskView {
        slot.revision += 1;
        let view = self.view(kiosk, slot);
        let _ = self.sender.send(Arc::new(view.clone()));
        view
    }

    pub fn state(&self, kiosk_id: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        let mut slots = self.slots();
        Ok(self.view(&kiosk, slots.entry(kiosk.id.clone()).or_default()))
    }

    /// The self-checkout system hands over the basket, replacing the one
    /// shown. Refused while the shopper is paying for the current one.
    pub fn put_cart(&self, store_id: &str, kiosk_id: &str, input: CartInput) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        if kiosk.store != store_id {
            return Err(KioskError::WrongStore(kiosk.id.clone()));
        }
        let config = self.service.config();
        let store = config.store(&kiosk.store).ok_or(KioskError::Forbidden)?;
        let cart = Cart::validate(&input, store.currency).map_err(|e| KioskError::Payment(PaymentError::Invalid(e)))?;
        let mut slots = self.slots();
        let slot = slots.entry(kiosk.id.clone()).or_default();
        if let Some(payment) = &slot.payment {
            if !payment.status.is_final() {
                return Err(KioskError::Conflict(
                    "the shopper is paying for the current basket; cancel it first (DELETE the cart)".into(),
                ));
            }
            // A finished payment on screen: this basket is the next shopper's.
            *slot = Slot { session: slot.session + 1, revision: slot.revision, ..Slot::default() };
        }
        slot.cart = Some((uuid::Uuid::new_v4().to_string(), input, cart));
        slot.attempt = 0;
        Ok(self.changed(&kiosk, slot))
    }

    /// Starts the payment for the basket with the store's kiosk profile, or
    /// returns the one it has: the attempt key is the basket's, so a double
    /// tap starts one payment.
    pub async fn pay(&self, kiosk_id: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        let (session, cart_id, input, attempt) = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            let Some((cart_id, input, _)) = slot.cart.clone() else {
                return Err(KioskError::Conflict("there is nothing to pay yet: scan your items first".into()));
            };
            if slot.payment.is_some() {
                return Ok(self.view(&kiosk, slot));
            }
            (slot.session, cart_id, input, slot.attempt)
        };
        let attempt_key = format!("kiosk-{}-{cart_id}-{attempt}", kiosk.id);
        let cart_ref = format!("kiosk-{}-{cart_id}", kiosk.id);
        let started = self
            .service
            .start(StartRequest {
                store_id: &kiosk.store,
                origin: Origin::Kiosk,
                attempt_key: &attempt_key,
                cart_ref: Some(&cart_ref),
                cart: &input,
                return_urls: None,
            })
            .await?;
        let payment = started.view;
        let forgotten = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            let same_shopper = slot.session == session && slot.cart.as_ref().is_some_and(|(id, _, _)| *id == cart_id);
            if same_shopper {
                // A racing double tap may answer with the payment still being
                // created; the newer view of the same payment wins.
                let newer = match &slot.payment {
                    None => true,
                    Some(shown) => {
                        shown.id != payment.id
                            || (shown.status == PaymentStatus::Creating && payment.status != PaymentStatus::Creating)
                            || shown.updated_at < payment.updated_at
                    }
                };
                if !newer {
                    return Ok(self.view(&kiosk, slot));
                }
                if slot.payment.as_ref().is_none_or(|p| p.id != payment.id) {
                    slot.watch = (!payment.status.is_final()).then(|| self.service.watch(&payment.id));
                }
                slot.payment = Some(payment.clone());
                return Ok(self.changed(&kiosk, slot));
            }
            self.view(&kiosk, slot)
        };
        // The screen was reset while Klarna answered: that link must not stay payable.
        self.disable(&kiosk.store, &payment).await;
        Ok(forgotten)
    }

    /// After a decline, a technical error or a stopped payment: disables
    /// the old link and starts a new payment for the same basket.
    pub async fn try_again(&self, kiosk_id: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        let old = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            match &slot.payment {
                Some(p) if matches!(p.status, PaymentStatus::Completed | PaymentStatus::Authorized) => {
                    return Err(KioskError::Conflict("this basket is already paid".into()));
                }
                Some(_) => {}
                None => return Ok(self.view(&kiosk, slot)),
            }
            slot.attempt += 1;
            slot.watch = None;
            let old = slot.payment.take();
            self.changed(&kiosk, slot);
            old
        };
        if let Some(old) = old {
            self.disable(&kiosk.store, &old).await;
        }
        self.pay(kiosk_id).await
    }

    /// Forgets the shopper (basket, payment, status) and disables an unpaid
    /// payment at Klarna, so the link on their phone stops working. With a
    /// `session`, only that shopper is forgotten: a late reset never clears
    /// the next shopper's basket.
    pub async fn reset(&self, kiosk_id: &str, session: Option<u64>, why: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        let (view, payment) = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            if session.is_some_and(|s| s != slot.session) {
                return Ok(self.view(&kiosk, slot));
            }
            let payment = slot.payment.take();
            *slot = Slot {
                session: slot.session + 1,
                revision: slot.revision,
                last_paid: slot.last_paid.take(),
                ..Slot::default()
            };
            (self.changed(&kiosk, slot), payment)
        };
        tracing::info!(kiosk = %kiosk.id, why, "kiosk reset");
        if let Some(payment) = payment {
            self.disable(&kiosk.store, &payment).await;
        }
        Ok(view)
    }

    /// Disables an unpaid payment at Klarna; a paid or ended one is left alone.
    async fn disable(&self, store_id: &str, payment: &PaymentView) {
        if payment.status.is_final() {
            return;
        }
        match self.service.cancel(store_id, &payment.id).await {
            Ok(_) | Err(PaymentError::Conflict(_)) => {}
            // The store's payment timeout still withdraws it.
            Err(error) => tracing::warn!(payment = %payment.id, %error, "could not disable the kiosk's payment"),
        }
    }

    /// A payment changed: the kiosk showing it shows the change.
    fn on_payment(self: &Arc<Self>, view: &PaymentView) {
        let mut slots = self.slots();
        for (kiosk_id, slot) in slots.iter_mut() {
            if slot.payment.as_ref().is_none_or(|p| p.id != view.id || *p == *view) {
                continue;
            }
            let Ok(kiosk) = self.config(kiosk_id) else { continue };
            slot.payment = Some(view.clone());
            if view.status.is_final() {
                slot.watch = None;
            }
            if view.status == PaymentStatus::Completed {
                slot.last_paid = Some(view.clone());
                let (kiosks, kiosk_id, payment_id, session) =
                    (self.clone(), kiosk.id.clone(), view.id.clone(), slot.session);
                let wait = Duration::from_secs(u64::from(kiosk.reset_after_paid_seconds));
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    let still_shown = kiosks
                        .slots()
                        .get(&kiosk_id)
                        .is_some_and(|s| s.payment.as_ref().is_some_and(|p| p.id == payment_id));
                    if still_shown {
                        let _ = kiosks.reset(&kiosk_id, Some(session), "paid").await;
                    }
                });
            }
            self.changed(&kiosk, slot);
        }
    }

    /// After missing events: re-read every shown payment.
    async fn reload_payments(self: &Arc<Self>) {
        let shown: Vec<(String, String)> = self
            .slots()
            .iter()
            .filter_map(|(kiosk, slot)| Some((kiosk.clone(), slot.payment.as_ref()?.id.clone())))
            .collect();
        for (kiosk_id, payment_id) in shown {
            let Ok(kiosk) = self.config(&kiosk_id) else { continue };
            if let Ok(view) = self.service.get(&kiosk.store, &payment_id).await {
                self.on_payment(&view);
            }
        }
    }

    /// This kiosk's state now, then every change, as server-sent events;
    /// `paid` events (with the payment) for the self-checkout system.
    fn stream(&self, kiosk_id: &str, with_paid: bool) -> Result<Response, KioskError> {
        let receiver = self.sender.subscribe();
        let first = self.state(kiosk_id)?;
        let kiosk_id = first.kiosk_id.clone();
        let start = (Some(first), receiver, None::<String>);
        let events = stream::unfold(start, move |(pending, mut receiver, mut paid)| {
            let kiosk_id = kiosk_id.clone();
            async move {
                let view = match pending {
                    Some(view) => view,
                    None => loop {
                        match receiver.recv().await {
                            Ok(view) if view.kiosk_id == kiosk_id => break (*view).clone(),
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => return None,
                        }
                    },
                };
                let mut out = vec![Ok::<_, Infallible>(
                    Event::default().event("kiosk").data(serde_json::to_string(&view).unwrap_or_default()),
                )];
                let completed = view.payment.as_ref().filter(|p| p.status == PaymentStatus::Completed);
                if let (true, Some(payment)) = (with_paid, completed) {
                    if paid.as_deref() != Some(payment.id.as_str()) {
                        paid = Some(payment.id.clone());
                        out.push(Ok(Event::default()
                            .event("paid")
                            .data(serde_json::to_string(payment).unwrap_or_default())));
                    }
                }
                Some((stream::iter(out), (None, receiver, paid)))
            }
        });
        use futures::StreamExt;
        Ok(Sse::new(events.flatten()).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
    }
}

/// A fixed basket for trying the kiosk without a self-checkout system.
fn demo_basket() -> CartInput {
    let line = |name: &str, quantity: i64, unit_price: i64, tax_rate: i64| CartLineInput {
        name: name.into(),
        quantity,
        unit_price,
        tax_rate,
        discount: 0,
        reference: None,
    };
    CartInput {
        lines: vec![
            line("Oat milk 1 l", 2, 2495, 1200),
            line("Coffee 500 g", 1, 8990, 1200),
            line("Tote bag", 1, 2900, 2500),
        ],
    }
}

impl KioskBackend for Kiosks {
    fn kiosk_state(&self, device: Option<String>) -> app::backend::BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.authenticate(device.as_deref())?;
            Ok(self.state(&kiosk.id)?)
        })
    }

    fn kiosk_demo_basket(&self, device: Option<String>) -> app::backend::BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.authenticate(device.as_deref())?;
            if !self.demo() {
                return Err(AppError::Forbidden("the demo basket exists only on the simulator".into()));
            }
            Ok(self.put_cart(&kiosk.store, &kiosk.id, demo_basket())?)
        })
    }

    fn kiosk_pay(&self, device: Option<String>) -> app::backend::BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.authenticate(device.as_deref())?;
            Ok(self.pay(&kiosk.id).await?)
        })
    }

    fn kiosk_try_again(&self, device: Option<String>) -> app::backend::BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.authenticate(device.as_deref())?;
            Ok(self.try_again(&kiosk.id).await?)
        })
    }

    fn kiosk_reset(
        &self,
        device: Option<String>,
        session: u64,
        reason: ResetReason,
    ) -> app::backend::BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.authenticate(device.as_deref())?;
            let why = match reason {
                ResetReason::Cancel => "cancel",
                ResetReason::Idle => "idle",
            };
            Ok(self.reset(&kiosk.id, Some(session), why).await?)
        })
    }
}

// ----- HTTP -------------------------------------------------------------

pub fn routes() -> Router<Arc<Kiosks>> {
    Router::new()
        .route("/kiosk/events", get(kiosk_events))
        .route("/kiosk/{id}", get(enrol))
        .route("/api/v1/kiosks/{id}", get(api_state))
        .route("/api/v1/kiosks/{id}/cart", axum::routing::put(api_put_cart).delete(api_clear))
        .route("/api/v1/kiosks/{id}/events", get(api_events))
}

fn device_cookie(headers: &HeaderMap) -> Option<&str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|h| cookie_value(h, KIOSK_COOKIE))
}

fn forbidden(message: &str) -> Response {
    (StatusCode::FORBIDDEN, [(header::CACHE_CONTROL, "no-store")], message.to_string()).into_response()
}

/// Paths an enrolled kiosk's browser may reach: its own page and what the
/// page loads (the bundle; the simulator's Distribution Module in the
/// simulator). Nothing else: no seller view, no API, no other page.
fn kiosk_may_reach(path: &str) -> bool {
    path == "/kiosk"
        || path.starts_with("/kiosk/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path.starts_with(crate::web::SIMULATOR_PREFIX)
}

/// Every request: kiosk paths need the kiosk cookie (enrolment excepted), and
/// a browser carrying a kiosk cookie stays on the kiosk's own paths.
pub async fn gate(State(kiosks): State<Arc<Kiosks>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let device = device_cookie(request.headers());
    let enrolled = kiosks.authenticate(device).is_ok();
    let kiosk_path = path == "/kiosk" || path == "/kiosk/events" || path.starts_with("/kiosk/fn/");
    if kiosk_path && !enrolled {
        return forbidden("This screen is not an enrolled kiosk. Open /kiosk/<kiosk id>?key=<device key> once.");
    }
    if device.is_some() && enrolled && !kiosk_may_reach(path) {
        return forbidden("A kiosk may only show its own self-checkout page.");
    }
    next.run(request).await
}

#[derive(Deserialize)]
struct EnrolQuery {
    key: Option<String>,
}

/// `GET /kiosk/{id}?key=...`: once per kiosk screen. Sets the HttpOnly
/// cookie and sends the screen to `/kiosk`, so the key leaves the URL bar.
async fn enrol(State(kiosks): State<Arc<Kiosks>>, Path(id): Path<String>, Query(query): Query<EnrolQuery>) -> Response {
    let key = query.key.unwrap_or_default();
    // Cookie-safe keys only, so the cookie carries it as given.
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '"' | '\\'));
    let device = format!("{id}.{key}");
    if !plain || kiosks.authenticate(Some(&device)).is_err() {
        tracing::warn!(kiosk = %id, "kiosk enrolment refused: unknown kiosk or wrong key");
        return forbidden("Wrong kiosk id or device key.");
    }
    let secure = if kiosks.service.config().public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{KIOSK_COOKIE}={device}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}");
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/kiosk".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::REFERRER_POLICY, "no-referrer".to_string()),
        ],
    )
        .into_response()
}

/// `GET /kiosk/events`: the enrolled kiosk's own state, live.
async fn kiosk_events(State(kiosks): State<Arc<Kiosks>>, headers: HeaderMap) -> Response {
    let result = kiosks.authenticate(device_cookie(&headers)).map(|k| k.id.clone());
    match result.and_then(|id| kiosks.stream(&id, false)) {
        Ok(response) => response,
        Err(_) => forbidden("This screen is not an enrolled kiosk."),
    }
}

/// The kiosk for the self-checkout system, checked against its API key's store.
fn api_kiosk(kiosks: &Kiosks, headers: &HeaderMap, id: &str) -> Result<KioskConfig, ApiError> {
    let store_id = authenticate(&kiosks.service, headers)?;
    let kiosk = kiosks.config(id)?;
    if kiosk.store != store_id {
        return Err(KioskError::WrongStore(kiosk.id.clone()).into());
    }
    Ok(kiosk)
}

/// `GET /api/v1/kiosks/{id}`: the basket, the payment on screen, and the
/// last paid payment (kept after the screen resets).
async fn api_state(
    State(kiosks): State<Arc<Kiosks>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let kiosk = api_kiosk(&kiosks, &headers, &id)?;
    let view = kiosks.state(&kiosk.id)?;
    let last_paid = kiosks.slots().get(&kiosk.id).and_then(|s| s.last_paid.clone());
    let mut body = serde_json::to_value(&view).unwrap_or_default();
    body["last_paid"] = serde_json::to_value(last_paid).unwrap_or_default();
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CartBody {
    lines: Vec<CartLineInput>,
}

/// `PUT /api/v1/kiosks/{id}/cart`: the basket to show, same lines as a payment.
async fn api_put_cart(
    State(kiosks): State<Arc<Kiosks>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<KioskView>, ApiError> {
    let kiosk = api_kiosk(&kiosks, &headers, &id)?;
    let body: CartBody = parse_json(&body)?;
    Ok(Json(kiosks.put_cart(&kiosk.store, &kiosk.id, CartInput { lines: body.lines })?))
}

/// `DELETE /api/v1/kiosks/{id}/cart`: forget the shopper (as Cancel does).
async fn api_clear(
    State(kiosks): State<Arc<Kiosks>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<KioskView>, ApiError> {
    let kiosk = api_kiosk(&kiosks, &headers, &id)?;
    Ok(Json(kiosks.reset(&kiosk.id, None, "self-checkout system").await?))
}

/// `GET /api/v1/kiosks/{id}/events`: `kiosk` on every change, `paid` once per paid payment.
async fn api_events(
    State(kiosks): State<Arc<Kiosks>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let kiosk = api_kiosk(&kiosks, &headers, &id)?;
    Ok(kiosks.stream(&kiosk.id, true)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::storage::Storage;
    use crate::testing::TestKlarna;
    use axum::body::Body;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    /// A second store with its own key and kiosk, beside the shipped config.
    const SECOND_STORE: &str = r#"
[[stores]]
id = "malmo"
name = "Malmö"
country = "SE"
currency = "SEK"
locale = "sv-SE"
api_key = "malmo-api-key-123"
[stores.seller]
profile_id = "seller"
view_id = "seller"
[stores.kiosk]
profile_id = "consumer"
view_id = "consumer"

[[kiosks]]
id = "malmo-1"
store = "malmo"
key_sha256 = "a8d1eae7ef8e8ae5a0355913e1de50ce1db5f1449dd142b18bd9f18ab2e92a39"
"#;

    const LINES: &str = r#"{"lines":[{"name":"Bread","quantity":1,"unit_price":4590,"tax_rate":1200}]}"#;

    async fn kiosks() -> (Arc<Kiosks>, TestKlarna) {
        let klarna = TestKlarna::start().await;
        let text = format!("{}\n{SECOND_STORE}", include_str!("../../kassa.toml"));
        let env = [("KASSA__PUBLIC_URL".to_string(), "http://127.0.0.1:9".to_string())];
        let config = Config::parse(&text, &env).unwrap();
        let service =
            Arc::new(PaymentService::new(klarna.client(), Arc::new(config), Storage::in_memory().await.unwrap()));
        (Kiosks::start(service), klarna)
    }

    fn router(kiosks: &Arc<Kiosks>) -> Router {
        routes().with_state(kiosks.clone()).layer(axum::middleware::from_fn_with_state(kiosks.clone(), gate))
    }

    async fn call(
        router: &Router,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        cookie: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let mut request =
            axum::http::Request::builder().method(method).uri(uri).header("Content-Type", "application/json");
        if let Some(key) = auth {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let response = router.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn the_cart_api_validates_and_keeps_to_the_keys_store() {
        let (kiosks, klarna) = kiosks().await;
        let router = router(&kiosks);
        let dev = Some("kassa-dev-key");
        let (status, view) = call(&router, "PUT", "/api/v1/kiosks/kiosk-1/cart", dev, None, LINES).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["cart"]["order_amount"], 4590);
        let cases = [
            (
                r#"{"lines":[{"name":"A","quantity":0,"unit_price":100}]}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                "lines[0].quantity",
            ),
            (
                r#"{"lines":[{"name":"A","quantity":"1","unit_price":100}]}"#,
                StatusCode::BAD_REQUEST,
                "lines[0].quantity",
            ),
            (r#"{"lines":[],"till":3}"#, StatusCode::BAD_REQUEST, ""),
            (r#"{"lines":[]}"#, StatusCode::UNPROCESSABLE_ENTITY, "lines"),
        ];
        for (body, want, field) in cases {
            let (status, error) = call(&router, "PUT", "/api/v1/kiosks/kiosk-1/cart", dev, None, body).await;
            assert_eq!(status, want, "{body}: {error}");
            assert!(error["error"]["field"].as_str().unwrap_or("").starts_with(field), "{body}: {error}");
        }
        // Another store's key: not this kiosk's store.
        let malmo = Some("malmo-api-key-123");
        for (method, uri) in [
            ("GET", "/api/v1/kiosks/kiosk-1"),
            ("PUT", "/api/v1/kiosks/kiosk-1/cart"),
            ("GET", "/api/v1/kiosks/kiosk-1/events"),
        ] {
            let (status, error) = call(&router, method, uri, malmo, None, LINES).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {error}");
        }
        let (status, _) = call(&router, "GET", "/api/v1/kiosks/kiosk-1", Some("wrong-key-1234"), None, "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = call(&router, "GET", "/api/v1/kiosks/nowhere", dev, None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(klarna.hpp_sessions(), 0, "handing over a basket starts no payment");
    }

    #[tokio::test]
    async fn only_the_right_key_enrols_and_a_kiosk_stays_on_its_own_page() {
        let (kiosks, _klarna) = kiosks().await;
        let router = router(&kiosks);
        let request = |uri: &str| axum::http::Request::builder().uri(uri).body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request("/kiosk/kiosk-1?key=kiosk-dev-key-1")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/kiosk");
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http has no Secure cookie");
        for wrong in ["/kiosk/kiosk-1?key=kiosk-dev-key-2", "/kiosk/kiosk-1", "/kiosk/nowhere?key=kiosk-dev-key-1"] {
            assert_eq!(
                router.clone().oneshot(request(wrong)).await.unwrap().status(),
                StatusCode::FORBIDDEN,
                "{wrong}"
            );
        }
        let device = cookie.split(';').next().unwrap();
        assert_eq!(kiosks.authenticate(cookie_value(device, KIOSK_COOKIE)).unwrap().id, "kiosk-1");
        assert!(kiosks.authenticate(Some("kiosk-2.kiosk-dev-key-1")).is_err(), "a key works for its own kiosk only");
        assert!(kiosks.authenticate(Some("kiosk-1")).is_err());
        // With the kiosk's cookie: its own stream, and nothing else.
        let (status, _) = call(&router, "GET", "/api/v1/kiosks/kiosk-1", Some("kassa-dev-key"), Some(device), "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a kiosk's browser never reaches the API");
        let (status, _) = call(&router, "GET", "/kiosk/events", None, None, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the stream needs the cookie");
    }

    #[tokio::test]
    async fn paying_twice_starts_one_payment_and_a_reset_disables_it() {
        let (kiosks, klarna) = kiosks().await;
        kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).unwrap();
        let (a, b) = tokio::join!(kiosks.pay("kiosk-1"), kiosks.pay("kiosk-1"));
        assert_eq!(a.unwrap().payment.map(|p| p.id), b.unwrap().payment.map(|p| p.id));
        assert_eq!(klarna.hpp_sessions(), 1, "a double tap starts one payment");
        let payment = kiosks.state("kiosk-1").unwrap().payment.unwrap();
        let module = payment.distribution_module_url.clone().unwrap();
        assert!(module.contains("profile_id=consumer&view_id=consumer"), "{module}");
        assert!(
            kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).is_err(),
            "locked while paying"
        );

        let session = kiosks.state("kiosk-1").unwrap().session;
        // A late reset of an earlier shopper changes nothing.
        let kept = kiosks.reset("kiosk-1", Some(session + 7), "test").await.unwrap();
        assert!(kept.payment.is_some());
        let view = kiosks.reset("kiosk-1", Some(session), "test").await.unwrap();
        assert!(view.cart.is_none() && view.payment.is_none());
        assert_eq!(view.session, session + 1);
        let stored = kiosks.service.get("stockholm", &payment.id).await.unwrap();
        assert_eq!(stored.status, PaymentStatus::Disabled, "the link on the phone stops working");
    }

    #[tokio::test]
    async fn try_again_disables_the_old_link_and_paid_is_told_and_forgotten() {
        let (kiosks, klarna) = kiosks().await;
        kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).unwrap();
        let first = kiosks.pay("kiosk-1").await.unwrap().payment.unwrap();
        let second = kiosks.try_again("kiosk-1").await.unwrap().payment.unwrap();
        assert_ne!(first.id, second.id);
        assert_eq!(kiosks.service.get("stockholm", &first.id).await.unwrap().status, PaymentStatus::Disabled);

        let stored = kiosks.service.storage().get(&second.id).await.unwrap().unwrap();
        let session = stored.hpp_session_id.unwrap();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        kiosks.service.refresh(&second.id, crate::payments::Source::Poll).await.unwrap();
        let shown = crate::testing::eventually("the kiosk to show paid", || async {
            kiosks.state("kiosk-1").unwrap().payment.filter(|p| p.status == PaymentStatus::Completed)
        })
        .await;
        assert!(shown.klarna_reference.is_some());
        // reset_after_paid_seconds later the screen is empty; the API keeps the paid payment.
        crate::testing::eventually("the paid screen to reset", || async {
            kiosks.state("kiosk-1").unwrap().payment.is_none().then_some(())
        })
        .await;
        let last = kiosks.slots().get("kiosk-1").and_then(|s| s.last_paid.clone()).unwrap();
        assert_eq!(last.id, second.id);
    }
}
