//! Conformance: the real `KlarnaClient` against the simulator over loopback,
//! one test per documented behaviour (klarna-hpp.md and issue 3), faults
//! and retries included. No test asserts how long something took, only
//! what happened.

use base64::Engine;
use klarna::client::{ClientOptions, USER_AGENT};
use klarna::simulator::{CallbackOutcome, Endpoint, EndpointFaults, Faults, Simulator, SimulatorConfig};
use klarna::wire::{
    AcquiringChannel, CaptureRequest, ContactInformation, CreateOrderRequest, CreateSessionRequest,
    CreateSessionResponse, DistributionMethod, DistributionRequest, MerchantUrls, OrderLine, OrderStatus,
    PaymentSessionRequest, PaymentSessionStatus, PlaceOrderMode, RefundRequest, SessionOptions, SessionStatus,
    StatusCallback,
};
use klarna::{ApiBase, Credentials, KlarnaClient, KlarnaError, RetryPolicy};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USER: &str = "PK_test_kassa";
const PASSWORD: &str = "s3cret-shared";

async fn serve(listener: tokio::net::TcpListener, router: axum::Router) {
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
}

async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

/// Retries fast so the tests do not wait on backoff.
fn fast_retries() -> RetryPolicy {
    RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(40) }
}

fn client_for(base: &str, password: &str, timeout: Duration) -> KlarnaClient {
    KlarnaClient::new(
        &ApiBase::Custom(base.to_string()),
        Credentials::new(USER, password),
        ClientOptions { connect_timeout: Duration::from_secs(5), timeout },
    )
    .unwrap()
    .with_retry_policy(fast_retries())
}

struct Harness {
    sim: Simulator,
    base: String,
    client: KlarnaClient,
    http: reqwest::Client,
}

async fn start() -> Harness {
    start_with_timeout(Duration::from_secs(20)).await
}

async fn start_with_timeout(timeout: Duration) -> Harness {
    let (listener, base) = bind().await;
    let sim = Simulator::new(SimulatorConfig {
        username: USER.into(),
        password: PASSWORD.into(),
        public_base: base.clone(),
        profiles: SimulatorConfig::default_profiles(),
    });
    serve(listener, sim.router()).await;
    Harness {
        client: client_for(&base, PASSWORD, timeout),
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        sim,
        base,
    }
}

fn line(name: &str, quantity: i64, unit_price: i64, discount: i64, tax_rate: i64) -> OrderLine {
    let total = quantity * unit_price - discount;
    let tax = total - total * 10_000 / (10_000 + tax_rate);
    OrderLine {
        line_type: Some("physical".into()),
        reference: Some(format!("SKU-{name}")),
        name: name.into(),
        quantity,
        unit_price,
        tax_rate,
        total_amount: total,
        total_discount_amount: discount,
        total_tax_amount: tax,
    }
}

fn cart(channel: Option<AcquiringChannel>, locale: &str) -> PaymentSessionRequest {
    let lines = vec![line("Bike", 2, 10_000, 0, 2500), line("Helmet", 1, 1_500, 500, 2500)];
    PaymentSessionRequest {
        purchase_country: "SE".into(),
        purchase_currency: "SEK".into(),
        locale: Some(locale.into()),
        order_amount: lines.iter().map(|l| l.total_amount).sum(),
        order_tax_amount: Some(lines.iter().map(|l| l.total_tax_amount).sum()),
        order_lines: lines,
        acquiring_channel: channel,
        merchant_reference1: Some("store-1".into()),
        merchant_reference2: None,
    }
}

fn order_for(cart: &PaymentSessionRequest) -> CreateOrderRequest {
    CreateOrderRequest {
        purchase_country: cart.purchase_country.clone(),
        purchase_currency: cart.purchase_currency.clone(),
        locale: cart.locale.clone(),
        order_amount: cart.order_amount,
        order_tax_amount: cart.order_tax_amount,
        order_lines: cart.order_lines.clone(),
        merchant_reference1: cart.merchant_reference1.clone(),
        merchant_reference2: None,
        auto_capture: Some(true),
    }
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn kp(&self, channel: Option<AcquiringChannel>, locale: &str) -> String {
        self.client.create_payment_session(&cart(channel, locale)).await.unwrap().session_id
    }

    async fn hpp(&self, kp_id: &str, mode: PlaceOrderMode, merchant_urls: MerchantUrls) -> CreateSessionResponse {
        let request = CreateSessionRequest {
            payment_session_url: self.client.payment_session_url(kp_id),
            merchant_urls: Some(merchant_urls),
            options: Some(SessionOptions { place_order_mode: Some(mode), ..Default::default() }),
            profile_id: None,
        };
        self.client.create_hpp_session(&request, None).await.unwrap()
    }

    /// A fresh in-store KP + HPP pair.
    async fn pair(&self, mode: PlaceOrderMode, urls: MerchantUrls) -> CreateSessionResponse {
        let kp = self.kp(Some(AcquiringChannel::InStore), "sv-SE").await;
        self.hpp(&kp, mode, urls).await
    }

    async fn act(&self, session_id: &str, action: &str) -> (u16, Value) {
        let response =
            self.http.post(self.url(&format!("/_sim/sessions/{session_id}/actions/{action}"))).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn status(&self, session_id: &str) -> SessionStatus {
        self.client.read_hpp_session(session_id).await.unwrap().status
    }

    async fn authorized(&self, mode: PlaceOrderMode) -> (CreateSessionResponse, String) {
        let session = self.pair(mode, MerchantUrls::default()).await;
        assert_eq!(self.act(&session.session_id, "open").await.0, 200);
        assert_eq!(self.act(&session.session_id, "authorize").await.0, 200);
        let read = self.client.read_hpp_session(&session.session_id).await.unwrap();
        let token = read.authorization_token.unwrap_or_default();
        (session, token)
    }

    async fn set_faults(&self, faults: Value) {
        let response = self.http.post(self.url("/_sim/faults")).json(&faults).send().await.unwrap();
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn rejected_code(error: KlarnaError, status: u16) -> String {
    match error {
        KlarnaError::Rejected { status: s, details } if s == status => details.error_code.unwrap_or_default(),
        other => panic!("expected a {status} rejection, got {other:?}"),
    }
}

// ---------------------------------------------------------------- KP ----

#[tokio::test]
async fn kp_sessions_are_created_read_and_updated() {
    let h = start().await;
    let created = h.client.create_payment_session(&cart(Some(AcquiringChannel::InStore), "sv-SE")).await.unwrap();
    assert!(!created.payment_method_categories.is_empty());
    let read = h.client.read_payment_session(&created.session_id).await.unwrap();
    assert_eq!(read.status, Some(PaymentSessionStatus::Incomplete));
    assert_eq!(read.order_amount, Some(21_000));
    assert_eq!(read.acquiring_channel.as_deref(), Some("IN_STORE"));
    assert!(read.expires_at.is_some());

    let mut smaller = cart(None, "sv-SE");
    smaller.order_lines.truncate(1);
    smaller.order_amount = smaller.order_lines[0].total_amount;
    smaller.order_tax_amount = Some(smaller.order_lines[0].total_tax_amount);
    h.client.update_payment_session(&created.session_id, &smaller).await.unwrap();
    let read = h.client.read_payment_session(&created.session_id).await.unwrap();
    assert_eq!(read.order_amount, Some(20_000));
    assert_eq!(read.order_lines.len(), 1);
    // The channel set at creation is remembered across an update.
    assert_eq!(read.acquiring_channel.as_deref(), Some("IN_STORE"));

    smaller.order_amount += 1;
    let error = h.client.update_payment_session(&created.session_id, &smaller).await.unwrap_err();
    assert_eq!(rejected_code(error, 400), "BAD_VALUE");
    assert!(matches!(h.client.read_payment_session("nope").await, Err(KlarnaError::NotFound(_))));
}

#[tokio::test]
async fn kp_channel_defaults_to_ecommerce() {
    let h = start().await;
    let kp = h.kp(None, "en-US").await;
    let read = h.client.read_payment_session(&kp).await.unwrap();
    assert_eq!(read.acquiring_channel.as_deref(), Some("ECOMMERCE"));
    let kp = h.kp(Some(AcquiringChannel::Telesales), "en-US").await;
    let read = h.client.read_payment_session(&kp).await.unwrap();
    assert_eq!(read.acquiring_channel.as_deref(), Some("TELESALES"));
}

#[tokio::test]
async fn kp_validation_names_the_bad_field() {
    let h = start().await;
    let refuse = |request: PaymentSessionRequest| {
        let client = h.client.clone();
        async move {
            match client.create_payment_session(&request).await {
                Err(KlarnaError::Rejected { status: 400, details }) => {
                    assert_eq!(details.error_code.as_deref(), Some("BAD_VALUE"));
                    assert!(details.correlation_id.is_some());
                    details.messages.join(" ")
                }
                other => panic!("expected 400, got {other:?}"),
            }
        }
    };
    let mut no_lines = cart(None, "en-US");
    no_lines.order_lines.clear();
    assert!(refuse(no_lines).await.contains("order_lines"));

    let mut too_many = cart(None, "en-US");
    too_many.order_lines = vec![line("Pin", 1, 100, 0, 0); 1001];
    too_many.order_amount = 100_100;
    too_many.order_tax_amount = Some(0);
    assert!(refuse(too_many).await.contains("order_lines"));
    let mut most = cart(None, "en-US");
    most.order_lines = vec![line("Pin", 1, 100, 0, 0); 1000];
    most.order_amount = 100_000;
    most.order_tax_amount = Some(0);
    h.client.create_payment_session(&most).await.unwrap();

    let mut bad_total = cart(None, "en-US");
    bad_total.order_lines[1].total_amount += 500; // ignores the discount
    bad_total.order_amount += 500;
    assert!(refuse(bad_total).await.contains("order_lines[1].total_amount"));

    let mut bad_tax = cart(None, "en-US");
    bad_tax.order_lines[0].total_tax_amount += 2;
    bad_tax.order_tax_amount = bad_tax.order_tax_amount.map(|t| t + 2);
    assert!(refuse(bad_tax).await.contains("order_lines[0].total_tax_amount"));
    // Within one of the formula is fine.
    let mut rounded = cart(None, "en-US");
    rounded.order_lines[0].total_tax_amount += 1;
    rounded.order_tax_amount = rounded.order_tax_amount.map(|t| t + 1);
    h.client.create_payment_session(&rounded).await.unwrap();

    let mut bad_sum = cart(None, "en-US");
    bad_sum.order_tax_amount = Some(1);
    assert!(refuse(bad_sum).await.contains("order_tax_amount"));
    let mut bad_amount = cart(None, "en-US");
    bad_amount.order_amount -= 1;
    assert!(refuse(bad_amount).await.contains("order_amount"));
    let mut bad_country = cart(None, "en-US");
    bad_country.purchase_country = "SWE".into();
    assert!(refuse(bad_country).await.contains("purchase_country"));
    let mut bad_locale = cart(None, "en-US");
    bad_locale.locale = Some("english".into());
    assert!(refuse(bad_locale).await.contains("locale"));
}

#[tokio::test]
async fn kp_sessions_live_48_hours() {
    let h = start().await;
    let kp = h.kp(None, "en-US").await;
    h.sim.advance_clock(Duration::from_secs(47 * 3600 + 1800));
    h.client.read_payment_session(&kp).await.unwrap();
    h.sim.advance_clock(Duration::from_secs(3600));
    assert!(matches!(h.client.read_payment_session(&kp).await, Err(KlarnaError::NotFound(_))));
}

// -------------------------------------------------------- Auth, errors ----

#[tokio::test]
async fn basic_auth_is_required() {
    let h = start().await;
    let wrong = client_for(&h.base, "wrong", Duration::from_secs(10));
    match wrong.create_payment_session(&cart(None, "en-US")).await {
        Err(KlarnaError::Credentials { status: 401, details }) => assert!(details.correlation_id.is_some()),
        other => panic!("{other:?}"),
    }
    let response = h.http.get(h.url("/hpp/v1/sessions/anything")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("klarna-correlation-id"));
    let body: Value = response.json().await.unwrap();
    assert!(body["error_code"].is_string());
    assert!(body["error_messages"].is_array());
    assert!(body["correlation_id"].is_string());
}

/// A stand-in for proxies and odd answers: what the client sends and how
/// it maps bodies that are not Klarna's envelope.
#[tokio::test]
async fn client_sends_user_agent_and_maps_odd_error_bodies() {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::any;
    let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let seen_by_server = seen.clone();
    let router = axum::Router::new().route(
        "/{*path}",
        any(move |axum::extract::Path(path): axum::extract::Path<String>, headers: HeaderMap| {
            let seen = seen_by_server.clone();
            async move {
                seen.lock().unwrap().push(headers);
                match path.as_str() {
                    "hpp/v1/sessions/empty-400" => (StatusCode::BAD_REQUEST, String::new()),
                    "hpp/v1/sessions/html-502" => (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>".to_string()),
                    "hpp/v1/sessions/forbidden" => (StatusCode::FORBIDDEN, String::new()),
                    "hpp/v1/sessions/conflict" => (
                        StatusCode::CONFLICT,
                        r#"{"error_code":"BAD_VALUE","error_messages":["x"],"correlation_id":"c9"}"#.to_string(),
                    ),
                    _ => (StatusCode::OK, "not json".to_string()),
                }
            }
        }),
    );
    let (listener, base) = bind().await;
    serve(listener, router).await;
    let client = client_for(&base, PASSWORD, Duration::from_secs(10));
    match client.read_hpp_session("empty-400").await {
        Err(KlarnaError::Rejected { status: 400, details }) => assert_eq!(details.error_code, None),
        other => panic!("{other:?}"),
    }
    assert!(matches!(client.read_hpp_session("html-502").await, Err(KlarnaError::Server { status: 502, .. })));
    assert!(matches!(client.read_hpp_session("forbidden").await, Err(KlarnaError::Credentials { status: 403, .. })));
    match client.read_hpp_session("conflict").await {
        Err(error @ KlarnaError::Conflict(_)) => {
            assert_eq!(error.error_code(), Some("BAD_VALUE"));
            assert!(error.associate_message().contains("c9"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(client.read_hpp_session("ok").await, Err(KlarnaError::InvalidResponse(_))));
    let seen = seen.lock().unwrap();
    // The 502 read was retried (reads are safe): 1 + 3 + 1 + 1 + 1 calls.
    assert_eq!(seen.len(), 7);
    let headers = &seen[0];
    assert_eq!(headers["user-agent"], USER_AGENT);
    assert!(USER_AGENT.starts_with("Kassa/"));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    assert_eq!(headers["authorization"], format!("Basic {basic}"));
}

#[tokio::test]
async fn unreachable_klarna_is_a_transport_error() {
    let (listener, base) = bind().await;
    drop(listener);
    let client = client_for(&base, PASSWORD, Duration::from_secs(5));
    let error = client.read_hpp_session("x").await.unwrap_err();
    assert!(matches!(error, KlarnaError::Transport(_)), "{error:?}");
    assert!(error.is_transient());
    assert!(error.associate_message().contains("connection"));
}

// --------------------------------------------------------------- HPP ----

#[tokio::test]
async fn hpp_create_returns_absolute_urls_and_47_hours() {
    let h = start().await;
    let before = time::OffsetDateTime::now_utc();
    let kp = h.kp(Some(AcquiringChannel::InStore), "sv-SE").await;
    let session = h.hpp(&kp, PlaceOrderMode::None, MerchantUrls::default()).await;
    let id = &session.session_id;
    assert_eq!(session.session_url.as_deref(), Some(h.url(&format!("/hpp/v1/sessions/{id}")).as_str()));
    assert_eq!(
        session.distribution_url.as_deref(),
        Some(h.url(&format!("/hpp/v1/sessions/{id}/distribution")).as_str())
    );
    for url in
        [session.redirect_url.clone(), session.qr_code_url.clone(), session.manual_identification_check_url.clone()]
    {
        assert!(url.unwrap().starts_with(&h.base));
    }
    let module = session.distribution_module.clone().unwrap();
    assert!(module.token.unwrap().ends_with('.'));
    assert!(module.generation_url.unwrap().starts_with(&h.base));
    let standalone = module.standalone_url.clone().unwrap();
    assert!(standalone.starts_with(&h.base) && standalone.contains("{{profile_id}}"));
    let expires = session.expires_at.unwrap();
    let after = time::OffsetDateTime::now_utc();
    assert!(expires >= before + time::Duration::hours(47) - time::Duration::seconds(1));
    assert!(expires <= after + time::Duration::hours(47));

    let read = h.client.read_hpp_session(id).await.unwrap();
    assert_eq!(read.status, SessionStatus::Waiting);
    assert_eq!(read.expires_at, Some(expires));
    assert_eq!(read.authorization_token, None);
    // A trailing slash is accepted on reads.
    let response =
        h.http.get(h.url(&format!("/hpp/v1/sessions/{id}/"))).basic_auth(USER, Some(PASSWORD)).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn hpp_create_tolerates_case_unknown_and_null_fields() {
    let h = start().await;
    let kp = h.kp(None, "en-US").await;
    let body = json!({
        "payment_session_url": h.client.payment_session_url(&kp),
        "merchant_urls": {"success": null, "privacy_policy": null, "terms": null},
        "options": {"place_order_mode": "capture_order", "purchase_type": "buy",
                    "payment_method_categories": ["pay_later"], "something_new": true},
        "profile_id": null,
        "future_field": {"x": 1}
    });
    let response =
        h.http.post(h.url("/hpp/v1/sessions")).basic_auth(USER, Some(PASSWORD)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: CreateSessionResponse = response.json().await.unwrap();
    h.act(&created.session_id, "open").await;
    h.act(&created.session_id, "authorize").await;
    let read = h.client.read_hpp_session(&created.session_id).await.unwrap();
    assert!(read.order_id.is_some(), "capture_order was understood");
}

#[tokio::test]
async fn hpp_create_refuses_both_category_options_and_dead_kp_sessions() {
    let h = start().await;
    let kp = h.kp(None, "en-US").await;
    let mut request = CreateSessionRequest {
        payment_session_url: h.client.payment_session_url(&kp),
        options: Some(SessionOptions {
            payment_method_category: Some("PAY_LATER".into()),
            payment_method_categories: Some(vec!["PAY_NOW".into()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let error = h.client.create_hpp_session(&request, None).await.unwrap_err();
    assert_eq!(rejected_code(error, 400), "BAD_VALUE");

    request.options = None;
    request.profile_id = Some("no-such-profile".into());
    let error = h.client.create_hpp_session(&request, None).await.unwrap_err();
    assert_eq!(rejected_code(error, 400), "BAD_VALUE");
    request.profile_id = Some("seller".into());
    h.client.create_hpp_session(&request, None).await.unwrap();
    request.profile_id = None;
    request.payment_session_url = h.client.payment_session_url("no-such-kp");
    assert!(matches!(h.client.create_hpp_session(&request, None).await, Err(KlarnaError::NotFound(_))));
    request.payment_session_url = "not a url".into();
    let error = h.client.create_hpp_session(&request, None).await.unwrap_err();
    assert_eq!(rejected_code(error, 400), "BAD_VALUE");
    // An expired KP session cannot get an HPP session.
    h.sim.advance_clock(Duration::from_secs(48 * 3600));
    request.payment_session_url = h.client.payment_session_url(&kp);
    assert!(matches!(h.client.create_hpp_session(&request, None).await, Err(KlarnaError::NotFound(_))));
}

#[tokio::test]
async fn hpp_create_replays_the_first_answer_for_an_idempotency_key() {
    let h = start().await;
    let kp = h.kp(None, "en-US").await;
    let request = CreateSessionRequest { payment_session_url: h.client.payment_session_url(&kp), ..Default::default() };
    let first = h.client.create_hpp_session(&request, Some("start-1")).await.unwrap();
    let again = h.client.create_hpp_session(&request, Some("start-1")).await.unwrap();
    assert_eq!(first, again);
    let other = h.client.create_hpp_session(&request, Some("start-2")).await.unwrap();
    assert_ne!(other.session_id, first.session_id);
    assert_eq!(h.sim.hpp_session_ids().len(), 2);
}

#[tokio::test]
async fn hpp_sessions_expire_after_47_hours() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    h.sim.advance_clock(Duration::from_secs(46 * 3600 + 3500));
    h.client.read_hpp_session(&session.session_id).await.unwrap();
    h.sim.advance_clock(Duration::from_secs(200));
    assert!(matches!(h.client.read_hpp_session(&session.session_id).await, Err(KlarnaError::NotFound(_))));
    assert_eq!(h.act(&session.session_id, "open").await.0, 404);
    let page = h.http.get(session.redirect_url.unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 404);
}

// ------------------------------------------------------ State machine ----

#[tokio::test]
async fn authorize_gives_a_token_in_mode_none() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let id = &session.session_id;
    let (status, body) = h.act(id, "authorize").await;
    assert_eq!(status, 409, "the page must be open first: {body}");
    let (status, body) = h.act(id, "open").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("IN_PROGRESS")));
    assert_eq!(h.status(id).await, SessionStatus::InProgress);
    let (status, body) = h.act(id, "authorize").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("COMPLETED")));
    let read = h.client.read_hpp_session(id).await.unwrap();
    assert_eq!(read.status, SessionStatus::Completed);
    assert!(read.authorization_token.is_some());
    assert_eq!((read.order_id, read.klarna_reference), (None, None));
}

#[tokio::test]
async fn authorize_places_the_order_in_place_and_capture_modes() {
    let h = start().await;
    for (mode, captured) in [(PlaceOrderMode::PlaceOrder, false), (PlaceOrderMode::CaptureOrder, true)] {
        let (session, token) = h.authorized(mode).await;
        assert_eq!(token, "", "no token with {mode:?}");
        let read = h.client.read_hpp_session(&session.session_id).await.unwrap();
        let order_id = read.order_id.unwrap();
        assert_eq!(read.klarna_reference.unwrap().len(), 8);
        let order = h.sim.orders().into_iter().find(|o| o.order_id == order_id).unwrap();
        assert_eq!(order.auto_capture, captured);
        assert_eq!(order.order_amount, 21_000);
        assert_eq!(order.authorization_token, None);
    }
}

#[tokio::test]
async fn decline_back_and_error_allow_a_retry() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let id = &session.session_id;
    for (action, status) in
        [("decline", SessionStatus::Failed), ("back", SessionStatus::Back), ("error", SessionStatus::Error)]
    {
        assert_eq!(h.act(id, "open").await.0, 200);
        assert_eq!(h.act(id, action).await.0, 200);
        assert_eq!(h.status(id).await, status, "{action}");
    }
    h.act(id, "open").await;
    assert_eq!(h.act(id, "authorize").await.0, 200);
    assert_eq!(h.status(id).await, SessionStatus::Completed);
}

#[tokio::test]
async fn cancel_is_final_in_store_and_back_on_ecommerce() {
    let h = start().await;
    let in_store = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    h.act(&in_store.session_id, "open").await;
    let (_, body) = h.act(&in_store.session_id, "cancel").await;
    assert_eq!(body["status"], "CANCELLED");
    assert_eq!(h.act(&in_store.session_id, "open").await.0, 409);
    assert_eq!(h.act(&in_store.session_id, "authorize").await.0, 409);

    let kp = h.kp(Some(AcquiringChannel::Ecommerce), "en-US").await;
    let online = h.hpp(&kp, PlaceOrderMode::None, MerchantUrls::default()).await;
    h.act(&online.session_id, "open").await;
    let (_, body) = h.act(&online.session_id, "cancel").await;
    assert_eq!(body["status"], "BACK");
    assert_eq!(h.act(&online.session_id, "open").await.0, 200);
}

#[tokio::test]
async fn disable_makes_a_session_unpayable() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let id = &session.session_id;
    h.act(id, "open").await;
    h.client.disable_hpp_session(id).await.unwrap();
    assert_eq!(h.status(id).await, SessionStatus::Disabled);
    assert_eq!(h.act(id, "open").await.0, 409);
    assert_eq!(h.act(id, "authorize").await.0, 409);
    assert!(matches!(h.client.disable_hpp_session("unknown").await, Err(KlarnaError::NotFound(_))));
    let (completed, _) = h.authorized(PlaceOrderMode::None).await;
    let error = h.client.disable_hpp_session(&completed.session_id).await.unwrap_err();
    assert!(matches!(error, KlarnaError::Rejected { status: 400, .. }), "{error:?}");
    let response = h.http.delete(h.url(&format!("/hpp/v1/sessions/{}", session.session_id))).send().await.unwrap();
    assert_eq!(response.status(), 401, "DELETE needs auth too");
}

#[tokio::test]
async fn control_api_refuses_unknown_actions_and_sessions() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    assert_eq!(h.act(&session.session_id, "dance").await.0, 404);
    assert_eq!(h.act("no-such-session", "open").await.0, 404);
    let response = h.http.post(h.url("/_sim/clock")).json(&json!({"advance_seconds": 60})).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["now"].is_string());
}

// ------------------------------------------------------ Merchant URLs ----

#[tokio::test]
async fn merchant_urls_get_placeholders_expanded() {
    let h = start().await;
    let urls = MerchantUrls {
        success: Some(
            "https://shop.test/ok?sid={{session_id}}&token={{authorization_token}}&enc=%7B%7Bsession_id%7D%7D".into(),
        ),
        failure: Some("https://shop.test/failed?sid={{session_id}}&token={{authorization_token}}".into()),
        back: Some("https://shop.test/back/%7b%7bsession_id%7d%7d".into()),
        ..Default::default()
    };
    let session = h.pair(PlaceOrderMode::None, urls.clone()).await;
    let id = session.session_id.clone();
    h.act(&id, "open").await;
    let (_, body) = h.act(&id, "back").await;
    assert_eq!(body["redirect_url"], format!("https://shop.test/back/{id}"));
    h.act(&id, "open").await;
    let (_, body) = h.act(&id, "decline").await;
    // The token placeholder is for the success URL only.
    assert_eq!(body["redirect_url"], format!("https://shop.test/failed?sid={id}&token={{{{authorization_token}}}}"));
    h.act(&id, "open").await;
    let (_, body) = h.act(&id, "authorize").await;
    let token = h.client.read_hpp_session(&id).await.unwrap().authorization_token.unwrap();
    assert_eq!(body["redirect_url"], format!("https://shop.test/ok?sid={id}&token={token}&enc={id}"));

    let ordered = h
        .pair(
            PlaceOrderMode::PlaceOrder,
            MerchantUrls { success: Some("https://shop.test/ok?order={{order_id}}".into()), ..Default::default() },
        )
        .await;
    h.act(&ordered.session_id, "open").await;
    let (_, body) = h.act(&ordered.session_id, "authorize").await;
    let order_id = h.client.read_hpp_session(&ordered.session_id).await.unwrap().order_id.unwrap();
    assert_eq!(body["redirect_url"], format!("https://shop.test/ok?order={order_id}"));
}

// ---------------------------------------------------------- Callbacks ----

/// Receives status callbacks; answers 500 to the first `fail_first` POSTs.
#[derive(Clone, Default)]
struct Receiver {
    /// Every POST, failed ones included: (event, answered 2xx).
    posts: Arc<Mutex<Vec<(StatusCallback, bool)>>>,
    fail_first: Arc<AtomicU32>,
}

impl Receiver {
    async fn start(fail_first: u32) -> (Receiver, String) {
        let receiver = Receiver::default();
        receiver.fail_first.store(fail_first, Ordering::SeqCst);
        let state = receiver.clone();
        let router = axum::Router::new().route(
            "/callback/{session_id}",
            axum::routing::post(
                move |axum::extract::Path(sid): axum::extract::Path<String>,
                      axum::Json(event): axum::Json<StatusCallback>| {
                    let state = state.clone();
                    async move {
                        assert_eq!(sid, event.session.session_id, "placeholder expanded");
                        let fail = state
                            .fail_first
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        state.posts.lock().unwrap().push((event, !fail));
                        if fail {
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            axum::http::StatusCode::OK
                        }
                    }
                },
            ),
        );
        let (listener, base) = bind().await;
        serve(listener, router).await;
        (receiver, format!("{base}/callback/{{{{session_id}}}}"))
    }

    fn posts(&self) -> Vec<(StatusCallback, bool)> {
        self.posts.lock().unwrap().clone()
    }

    fn delivered(&self) -> Vec<StatusCallback> {
        self.posts().into_iter().filter(|(_, ok)| *ok).map(|(e, _)| e).collect()
    }
}

fn with_callback(url: &str) -> MerchantUrls {
    MerchantUrls { status_update: Some(url.to_string()), ..Default::default() }
}

#[tokio::test]
async fn callbacks_follow_every_shopper_change() {
    let h = start().await;
    let (receiver, url) = Receiver::start(0).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    let id = &session.session_id;
    for action in ["open", "decline", "open", "authorize"] {
        h.act(id, action).await;
    }
    wait_until("four callbacks", || receiver.delivered().len() == 4).await;
    let mut statuses: Vec<SessionStatus> = receiver.delivered().iter().map(|e| e.session.status.clone()).collect();
    statuses.sort_by_key(|s| s.to_string());
    let mut expected =
        vec![SessionStatus::InProgress, SessionStatus::Failed, SessionStatus::InProgress, SessionStatus::Completed];
    expected.sort_by_key(|s| s.to_string());
    assert_eq!(statuses, expected);
    let completed = receiver.delivered().into_iter().find(|e| e.session.status == SessionStatus::Completed).unwrap();
    assert!(completed.session.authorization_token.is_some());
    let ids: std::collections::HashSet<String> = receiver.delivered().into_iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), 4, "each change has its own event id");
    // The merchant's DELETE is not a shopper change: no callback.
    let other = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    h.client.disable_hpp_session(&other.session_id).await.unwrap();
    assert!(h.sim.callbacks().iter().all(|r| r.session_id != other.session_id));
}

#[tokio::test]
async fn callbacks_are_retried_with_the_same_event_id() {
    let h = start().await;
    let (receiver, url) = Receiver::start(2).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    h.act(&session.session_id, "open").await;
    wait_until("a delivered callback", || receiver.delivered().len() == 1).await;
    let posts = receiver.posts();
    assert_eq!(posts.len(), 3, "two refused, then accepted");
    assert!(posts.iter().all(|(e, _)| e.event_id == posts[0].0.event_id));
    wait_until("the log to say delivered", || h.sim.callbacks()[0].outcome == CallbackOutcome::Delivered).await;
    assert_eq!(h.sim.callbacks()[0].attempts, 3);
}

/// A merchant that answers after Klarna's 3 s gets the event again.
#[tokio::test]
async fn callbacks_time_out_after_three_seconds_and_are_retried() {
    let h = start().await;
    let posts: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = posts.clone();
    let router = axum::Router::new().route(
        "/slow",
        axum::routing::post(move |axum::Json(event): axum::Json<StatusCallback>| {
            let seen = seen.clone();
            async move {
                let first = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(event.event_id);
                    seen.len() == 1
                };
                if first {
                    tokio::time::sleep(Duration::from_secs(6)).await;
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let (listener, base) = bind().await;
    serve(listener, router).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&format!("{base}/slow"))).await;
    h.act(&session.session_id, "open").await;
    wait_until("delivery", || h.sim.callbacks()[0].outcome == CallbackOutcome::Delivered).await;
    let posts = posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0], posts[1]);
}

#[tokio::test]
async fn callbacks_give_up_after_three_retries() {
    let h = start().await;
    let (receiver, url) = Receiver::start(100).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    h.act(&session.session_id, "open").await;
    wait_until("giving up", || h.sim.callbacks()[0].outcome == CallbackOutcome::GaveUp).await;
    assert_eq!(receiver.posts().len(), 4, "one call and three retries");
}

#[tokio::test]
async fn callback_fault_drop() {
    let h = start().await;
    let (receiver, url) = Receiver::start(0).await;
    h.set_faults(json!({"callbacks": {"drop_next": 1}})).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    h.act(&session.session_id, "open").await;
    h.act(&session.session_id, "authorize").await;
    wait_until("the second event", || receiver.delivered().len() == 1).await;
    let log = h.sim.callbacks();
    assert_eq!(log[0].outcome, CallbackOutcome::Dropped);
    assert_eq!(log[0].attempts, 0);
    assert!(receiver.posts().iter().all(|(e, _)| e.event_id != log[0].event_id));
    assert_eq!(receiver.delivered()[0].session.status, SessionStatus::Completed);
}

#[tokio::test]
async fn callback_fault_duplicate() {
    let h = start().await;
    let (receiver, url) = Receiver::start(0).await;
    h.set_faults(json!({"callbacks": {"duplicate": true}})).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    h.act(&session.session_id, "open").await;
    wait_until("two copies", || receiver.delivered().len() == 2).await;
    let delivered = receiver.delivered();
    assert_eq!(delivered[0], delivered[1], "same event, same id");
}

#[tokio::test]
async fn callback_fault_delay() {
    let h = start().await;
    let (receiver, url) = Receiver::start(0).await;
    h.set_faults(json!({"callbacks": {"delay_ms": 1500}})).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    let acted = Instant::now();
    h.act(&session.session_id, "open").await;
    wait_until("the delayed event", || receiver.delivered().len() == 1).await;
    // A lower bound only: a busy machine makes it later, never earlier.
    assert!(acted.elapsed() >= Duration::from_millis(1500));
}

#[tokio::test]
async fn callback_fault_reorder() {
    let h = start().await;
    let (receiver, url) = Receiver::start(0).await;
    h.set_faults(json!({"callbacks": {"reorder": true}})).await;
    let session = h.pair(PlaceOrderMode::None, with_callback(&url)).await;
    h.act(&session.session_id, "open").await;
    h.act(&session.session_id, "authorize").await;
    wait_until("both events", || receiver.delivered().len() == 2).await;
    let order: Vec<SessionStatus> = receiver.delivered().into_iter().map(|e| e.session.status).collect();
    assert_eq!(order, [SessionStatus::Completed, SessionStatus::InProgress], "the later event overtakes the earlier");
}

// ------------------------------------------------------- Distribution ----

fn email(address: &str) -> DistributionRequest {
    DistributionRequest {
        method: DistributionMethod::Email,
        contact_information: ContactInformation { email: Some(address.into()), ..Default::default() },
        template: None,
    }
}

fn sms(phone: &str, country: &str) -> DistributionRequest {
    DistributionRequest {
        method: DistributionMethod::Sms,
        contact_information: ContactInformation {
            phone: Some(phone.into()),
            phone_country: Some(country.into()),
            ..Default::default()
        },
        template: Some("INSTORE_PURCHASE".into()),
    }
}

#[tokio::test]
async fn distribution_sends_localised_messages_to_the_outbox() {
    let h = start().await;
    for (locale, word) in [("sv-SE", "Betala"), ("de-DE", "Bezahlen"), ("en-GB", "Pay")] {
        let kp = h.kp(Some(AcquiringChannel::InStore), locale).await;
        let session = h.hpp(&kp, PlaceOrderMode::None, MerchantUrls::default()).await;
        h.client.distribute(&session.session_id, &email("shopper@example.com")).await.unwrap();
        h.client.distribute(&session.session_id, &sms("+46 70 000 21 23", "se")).await.unwrap();
        let sent: Vec<_> = h.sim.outbox().into_iter().filter(|m| m.hpp_session_id == session.session_id).collect();
        assert_eq!(sent.len(), 2);
        for message in &sent {
            assert_eq!(message.link, session.redirect_url.clone().unwrap());
            assert!(message.text.contains(word), "{locale}: {}", message.text);
            assert!(message.text.contains(&message.link));
            assert!(message.text.contains("210.00 SEK"));
        }
        assert_eq!(sent[0].method, DistributionMethod::Email);
        assert!(sent[0].subject.is_some());
        assert_eq!(sent[1].phone_country.as_deref(), Some("SE"));
    }
    let json: Vec<Value> = h.http.get(h.url("/_sim/outbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(json.len(), 6);
    assert_eq!(json[0]["method"], "email");
    assert_eq!(json[0]["to"], "shopper@example.com");
    let page = h.http.get(h.url("/_sim/outbox.html")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(json[0]["link"].as_str().unwrap()));
}

#[tokio::test]
async fn distribution_validates_contact_data() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let id = &session.session_id;
    let cases = [
        (
            DistributionRequest {
                method: DistributionMethod::Email,
                contact_information: ContactInformation::default(),
                template: None,
            },
            "MISSING_CONTACT_DATA",
        ),
        (email("not-an-address"), "CONSTRAINT_VIOLATION"),
        (
            DistributionRequest {
                method: DistributionMethod::Sms,
                contact_information: ContactInformation { phone: Some("0700212345".into()), ..Default::default() },
                template: None,
            },
            "MISSING_CONTACT_DATA",
        ),
        (sms("12", "SE"), "CONSTRAINT_VIOLATION"),
        (sms("0700212345", "Sweden"), "CONSTRAINT_VIOLATION"),
        (sms("0700212345", "JP"), "UNSUPPORTED_COUNTRY"),
    ];
    for (request, code) in cases {
        let error = h.client.distribute(id, &request).await.unwrap_err();
        assert_eq!(rejected_code(error, 400), code, "{request:?}");
    }
    assert!(h.sim.outbox().is_empty());
    assert!(matches!(h.client.distribute("unknown", &email("a@b.se")).await, Err(KlarnaError::NotFound(_))));
    h.client.disable_hpp_session(id).await.unwrap();
    let error = h.client.distribute(id, &email("a@b.se")).await.unwrap_err();
    assert!(matches!(error, KlarnaError::Rejected { status: 400, .. }));
    assert!(h.sim.outbox().is_empty());
}

#[tokio::test]
async fn distribution_module_token_is_minted() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let token = h.client.distribution_module_token(&session.session_id).await.unwrap().token.unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let standalone = session.distribution_module.unwrap().standalone_url.unwrap();
    assert_eq!(claims["iframe_url"], standalone.as_str());
    assert!(standalone.contains(claims["session_id"].as_str().unwrap()));
    assert!(claims["iframe_origin"].as_str().unwrap() == h.base);
    assert!(matches!(h.client.distribution_module_token("unknown").await, Err(KlarnaError::NotFound(_))));
}

// --------------------------------------------------------- Place order ----

#[tokio::test]
async fn place_order_from_an_authorization() {
    let h = start().await;
    let (session, token) = h.authorized(PlaceOrderMode::None).await;
    let order = h.client.place_order(&token, &order_for(&cart(None, "sv-SE")), "order-key-1").await.unwrap();
    assert_eq!(order.fraud_status.as_deref(), Some("ACCEPTED"));
    let placed = h.sim.orders();
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].order_id, order.order_id);
    assert_eq!(placed[0].authorization_token.as_deref(), Some(token.as_str()));
    assert_eq!(placed[0].idempotency_key.as_deref(), Some("order-key-1"));
    assert_eq!(placed[0].order_amount, 21_000);
    assert_eq!(placed[0].hpp_session_id.as_deref(), Some(session.session_id.as_str()));
    let json: Vec<Value> = h.http.get(h.url("/_sim/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(json[0]["order_id"], order.order_id.as_str());
    // Placing the order closes the KP session.
    let kp_id = placed[0].kp_session_id.clone();
    let kp = h.client.read_payment_session(&kp_id).await.unwrap();
    assert_eq!(kp.status, Some(PaymentSessionStatus::Complete));
}

#[tokio::test]
async fn place_order_replays_for_the_same_key_and_is_single_use() {
    let h = start().await;
    let (_, token) = h.authorized(PlaceOrderMode::None).await;
    let body = order_for(&cart(None, "sv-SE"));
    let first = h.client.place_order(&token, &body, "k1").await.unwrap();
    let replay = h.client.place_order(&token, &body, "k1").await.unwrap();
    assert_eq!(first, replay);
    assert_eq!(h.sim.orders().len(), 1);
    assert!(matches!(h.client.place_order(&token, &body, "k2").await, Err(KlarnaError::NotFound(_))));
    assert_eq!(h.sim.orders().len(), 1);
}

#[tokio::test]
async fn place_order_refuses_a_different_cart() {
    let h = start().await;
    let (_, token) = h.authorized(PlaceOrderMode::None).await;
    let mut body = order_for(&cart(None, "sv-SE"));
    body.order_lines.truncate(1);
    body.order_amount = body.order_lines[0].total_amount;
    body.order_tax_amount = Some(body.order_lines[0].total_tax_amount);
    match h.client.place_order(&token, &body, "k1").await {
        Err(error @ KlarnaError::Conflict(_)) => {
            assert!(error.associate_message().contains("new payment"))
        }
        other => panic!("{other:?}"),
    }
    assert!(h.sim.orders().is_empty());
    // The right cart still works afterwards (the 409 was not remembered).
    h.client.place_order(&token, &order_for(&cart(None, "sv-SE")), "k2").await.unwrap();
}

#[tokio::test]
async fn authorization_tokens_live_60_minutes() {
    let h = start().await;
    let (_, token) = h.authorized(PlaceOrderMode::None).await;
    h.sim.advance_clock(Duration::from_secs(61 * 60));
    assert!(matches!(
        h.client.place_order(&token, &order_for(&cart(None, "sv-SE")), "k").await,
        Err(KlarnaError::NotFound(_))
    ));
    let (_, fresh) = h.authorized(PlaceOrderMode::None).await;
    h.sim.advance_clock(Duration::from_secs(59 * 60));
    h.client.place_order(&fresh, &order_for(&cart(None, "sv-SE")), "k2").await.unwrap();
}

#[tokio::test]
async fn cancelled_authorizations_cannot_place_orders() {
    let h = start().await;
    let (_, token) = h.authorized(PlaceOrderMode::None).await;
    h.client.cancel_authorization(&token).await.unwrap();
    assert!(matches!(
        h.client.place_order(&token, &order_for(&cart(None, "sv-SE")), "k").await,
        Err(KlarnaError::NotFound(_))
    ));
    assert!(matches!(h.client.cancel_authorization("unknown-token").await, Err(KlarnaError::NotFound(_))));
}

// ------------------------------------------------- Faults and retries ----

#[tokio::test]
async fn reads_are_retried_through_5xx() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    h.set_faults(json!({"endpoints": {"hpp_read": {"fail_next": 2}}})).await;
    h.client.read_hpp_session(&session.session_id).await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::HppRead), 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    h.set_faults(json!({"endpoints": {"hpp_read": {"fail_next": 5, "status": 502}}})).await;
    match h.client.read_hpp_session(&session.session_id).await {
        Err(error @ KlarnaError::Server { status: 502, .. }) => {
            assert_eq!(error.error_code(), Some("INTERNAL_SERVER_ERROR"));
            assert!(error.correlation_id().is_some());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.sim.call_count(Endpoint::HppRead), 3);
}

#[tokio::test]
async fn deletes_are_retried() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let faults = Faults {
        endpoints: [(Endpoint::HppDisable, EndpointFaults { fail_next: 1, ..Default::default() })].into(),
        ..Default::default()
    };
    h.sim.set_faults(faults).unwrap();
    h.client.disable_hpp_session(&session.session_id).await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::HppDisable), 2);
    assert_eq!(h.status(&session.session_id).await, SessionStatus::Disabled);
}

#[tokio::test]
async fn posts_without_an_idempotency_key_are_not_retried() {
    let h = start().await;
    h.set_faults(json!({"endpoints": {"kp_create": {"fail_next": 1}}})).await;
    assert!(matches!(
        h.client.create_payment_session(&cart(None, "en-US")).await,
        Err(KlarnaError::Server { status: 503, .. })
    ));
    assert_eq!(h.sim.call_count(Endpoint::KpCreate), 1);
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    h.set_faults(json!({"endpoints": {"distribute": {"fail_next": 1}}})).await;
    assert!(h.client.distribute(&session.session_id, &email("a@b.se")).await.is_err());
    assert_eq!(h.sim.call_count(Endpoint::Distribute), 1);
}

#[tokio::test]
async fn posts_with_an_idempotency_key_are_retried() {
    let h = start().await;
    let kp = h.kp(None, "en-US").await;
    h.set_faults(json!({"endpoints": {"hpp_create": {"fail_next": 2}}})).await;
    let request = CreateSessionRequest { payment_session_url: h.client.payment_session_url(&kp), ..Default::default() };
    h.client.create_hpp_session(&request, Some("start-7")).await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::HppCreate), 3);
    assert_eq!(h.sim.hpp_session_ids().len(), 1);

    let (_, token) = h.authorized(PlaceOrderMode::None).await;
    h.set_faults(json!({"endpoints": {"place_order": {"fail_next": 1}}})).await;
    h.client.place_order(&token, &order_for(&cart(None, "sv-SE")), "order-7").await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::PlaceOrder), 2);
    assert_eq!(h.sim.orders().len(), 1);
}

#[tokio::test]
async fn a_429_is_retried_for_any_call_after_klarnas_retry_after() {
    let h = start().await;
    // Klarna did nothing on a 429, so even a POST without a key may go again.
    h.set_faults(json!({"endpoints": {"kp_create": {"fail_next": 1, "status": 429, "retry_after_s": 1}}})).await;
    let patient =
        h.client.clone().with_retry_policy(RetryPolicy { max_delay: Duration::from_secs(2), ..fast_retries() });
    let started = std::time::Instant::now();
    patient.create_payment_session(&cart(None, "en-US")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    assert_eq!(h.sim.call_count(Endpoint::KpCreate), 2);

    // A pause longer than the policy holds a caller is handed back to it.
    h.set_faults(json!({"endpoints": {"kp_create": {"fail_next": 1, "status": 429, "retry_after_s": 30}}})).await;
    match h.client.create_payment_session(&cart(None, "en-US")).await {
        Err(error @ KlarnaError::RateLimited { .. }) => {
            assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
            assert_eq!(error.error_code(), Some("RATE_LIMITED"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.sim.call_count(Endpoint::KpCreate), 3);
}

#[tokio::test]
async fn injected_409_and_400_are_refusals_that_do_no_work() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    h.set_faults(json!({"endpoints": {"hpp_disable": {"fail_next": 1, "status": 409}}})).await;
    assert!(matches!(h.client.disable_hpp_session(&session.session_id).await, Err(KlarnaError::Conflict(_))));
    h.set_faults(json!({"endpoints": {"hpp_disable": {"fail_next": 1, "status": 400}}})).await;
    assert!(matches!(
        h.client.disable_hpp_session(&session.session_id).await,
        Err(KlarnaError::Rejected { status: 400, .. })
    ));
    assert_eq!(h.sim.call_count(Endpoint::HppDisable), 2, "refusals are not retried");
    assert_eq!(h.status(&session.session_id).await, SessionStatus::Waiting, "and the link still pays");
    // A 404 is no fault Klarna gives on demand: the config refuses it.
    assert!(h
        .sim
        .set_faults(serde_json::from_value(json!({"endpoints": {"hpp_read": {"status": 404}}})).unwrap())
        .is_err());
}

/// The answer is lost after Klarna did the work; the retry with the same
/// key gets the first answer instead of a second session.
#[tokio::test]
async fn a_lost_answer_is_a_timeout_and_the_keyed_retry_replays() {
    let h = start_with_timeout(Duration::from_secs(2)).await;
    let kp = h.kp(None, "en-US").await;
    h.set_faults(json!({
        "timeout_ms": 10000,
        "endpoints": {"hpp_create": {"timeout_next": 1}}
    }))
    .await;
    let request = CreateSessionRequest { payment_session_url: h.client.payment_session_url(&kp), ..Default::default() };
    let created = h.client.create_hpp_session(&request, Some("crash-safe")).await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::HppCreate), 2);
    assert_eq!(h.sim.hpp_session_ids(), vec![created.session_id]);
}

#[tokio::test]
async fn timeouts_without_a_key_surface_as_timeout() {
    let h = start_with_timeout(Duration::from_secs(1)).await;
    h.set_faults(json!({
        "timeout_ms": 10000,
        "endpoints": {"kp_create": {"timeout_rate": 1.0}}
    }))
    .await;
    let error = h.client.create_payment_session(&cart(None, "en-US")).await.unwrap_err();
    assert!(matches!(error, KlarnaError::Timeout), "{error:?}");
    assert_eq!(h.sim.call_count(Endpoint::KpCreate), 1);
}

#[tokio::test]
async fn error_rate_one_fails_every_call_and_reset_clears_it() {
    let h = start().await;
    h.set_faults(json!({"endpoints": {"all": {"error_rate": 1.0, "status": 500}}})).await;
    for _ in 0..3 {
        assert!(matches!(
            h.client.create_payment_session(&cart(None, "en-US")).await,
            Err(KlarnaError::Server { status: 500, .. })
        ));
    }
    let state: Value = h.http.get(h.url("/_sim/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["injected"]["kp_create"], 3);
    let reset = h.http.delete(h.url("/_sim/faults")).send().await.unwrap();
    assert_eq!(reset.status(), 204);
    h.client.create_payment_session(&cart(None, "en-US")).await.unwrap();
    assert_eq!(h.sim.faults(), Faults::default());
}

#[tokio::test]
async fn added_latency_slows_calls_down() {
    let h = start().await;
    h.set_faults(json!({"latency_ms": 300})).await;
    let started = Instant::now();
    h.client.create_payment_session(&cart(None, "en-US")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn bad_fault_configs_are_refused() {
    let h = start().await;
    for body in [
        json!({"endpoints": {"hpp_craete": {"fail_next": 1}}}),
        json!({"endpoints": {"hpp_create": {"error_rate": 1.5}}}),
        json!({"endpoints": {"hpp_create": {"status": 404}}}),
        json!({"latency": 5}),
    ] {
        let response = h.http.post(h.url("/_sim/faults")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
    }
}

// -------------------------------------------------------------- Pages ----

#[tokio::test]
async fn the_payment_page_takes_the_shopper_through_to_the_merchant() {
    let h = start().await;
    let session = h
        .pair(
            PlaceOrderMode::None,
            MerchantUrls { success: Some("https://shop.test/ok/{{session_id}}".into()), ..Default::default() },
        )
        .await;
    let page_url = session.redirect_url.clone().unwrap();
    let page = h.http.get(&page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Bike") && html.contains("210.00 SEK"));
    assert!(html.contains("Cancel payment"), "no back URL: Cancel");
    assert_eq!(h.status(&session.session_id).await, SessionStatus::InProgress);
    let confirm = h.http.get(format!("{page_url}/cancel")).send().await.unwrap().text().await.unwrap();
    assert!(confirm.contains("Yes, cancel"));
    let paid = h.http.post(format!("{page_url}/authorize")).send().await.unwrap();
    assert!(paid.status().is_redirection());
    assert_eq!(paid.headers()["location"], format!("https://shop.test/ok/{}", session.session_id));
    let again = h.http.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("Payment complete") && !again.contains("Pay 210"));
}

#[tokio::test]
async fn the_confirmed_cancel_on_the_payment_page_redirects_to_the_cancel_url() {
    let h = start().await;
    let session = h
        .pair(
            PlaceOrderMode::None,
            MerchantUrls { cancel: Some("https://shop.test/cancel/{{session_id}}".into()), ..Default::default() },
        )
        .await;
    let page_url = session.redirect_url.clone().unwrap();
    h.http.get(&page_url).send().await.unwrap();
    let cancelled = h.http.post(format!("{page_url}/cancel")).send().await.unwrap();
    assert!(cancelled.status().is_redirection(), "{}", cancelled.status());
    assert_eq!(cancelled.headers()["location"], format!("https://shop.test/cancel/{}", session.session_id));
    assert_eq!(h.status(&session.session_id).await, SessionStatus::Cancelled, "in store a cancel is final");
}

#[tokio::test]
async fn the_qr_code_is_a_png() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let response = h.http.get(session.qr_code_url.unwrap()).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn the_distribution_module_honours_profile_and_view() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let module = session.distribution_module.unwrap();
    let get = |url: String| {
        let http = h.http.clone();
        async move {
            let response = http.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, seller) = get(module.standalone_url_for("seller", "seller").unwrap()).await;
    assert_eq!(status, 200);
    assert!(seller.contains("class=\"qr\""));
    assert!(seller.contains("name=\"phone\"") && seller.contains("name=\"email\""));
    let (status, consumer) = get(module.standalone_url_for("consumer", "consumer").unwrap()).await;
    assert_eq!(status, 200);
    assert!(consumer.contains("name=\"phone\"") && !consumer.contains("name=\"email\""));
    let (status, unknown) = get(module.standalone_url_for("nope", "seller").unwrap()).await;
    assert_eq!(status, 400);
    assert!(unknown.contains("Unknown profile"));
    let (status, _) = get(module.standalone_url_for("seller", "consumer").unwrap()).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_distribution_module_forms_send_through_distribution() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let module = session.distribution_module.unwrap();
    let seller = module.standalone_url_for("seller", "seller").unwrap();
    let sent = h
        .http
        .post(&seller)
        .form(&[("method", "email"), ("email", "shopper@example.com")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sent.contains("sent to shopper@example.com"), "{sent}");
    let refused = h
        .http
        .post(&seller)
        .form(&[("method", "sms"), ("phone", "0700212345"), ("phone_country", "JP")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("UNSUPPORTED_COUNTRY"), "{refused}");
    // The consumer profile offers no e-mail.
    let consumer = module.standalone_url_for("consumer", "consumer").unwrap();
    let refused = h
        .http
        .post(&consumer)
        .form(&[("method", "email"), ("email", "shopper@example.com")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("does not offer"), "{refused}");
    let outbox = h.sim.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, "shopper@example.com");
}

#[tokio::test]
async fn the_index_page_lists_sessions() {
    let h = start().await;
    let session = h.pair(PlaceOrderMode::None, MerchantUrls::default()).await;
    let index = h.http.get(h.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(index.contains(&session.session_id));
    assert!(index.contains(&session.redirect_url.unwrap()));
    assert!(index.contains("WAITING"));
}

// ------------------------------------------------- Order Management ----

/// An order Klarna placed (PLACE_ORDER) from a paid session: its id.
async fn placed_order(h: &Harness, mode: PlaceOrderMode) -> String {
    let session = h.pair(mode, MerchantUrls::default()).await;
    assert_eq!(h.act(&session.session_id, "open").await.0, 200);
    assert_eq!(h.act(&session.session_id, "authorize").await.0, 200);
    h.client.read_hpp_session(&session.session_id).await.unwrap().order_id.expect("Klarna placed the order")
}

fn capture(amount: i64) -> CaptureRequest {
    CaptureRequest { captured_amount: amount, ..Default::default() }
}

fn refund(amount: i64, reference: &str) -> RefundRequest {
    RefundRequest { refunded_amount: amount, reference: Some(reference.into()), ..Default::default() }
}

#[tokio::test]
async fn orders_are_captured_and_refunded_by_klarnas_rules() {
    let h = start().await;
    let order_id = placed_order(&h, PlaceOrderMode::PlaceOrder).await;
    let read = h.client.read_order(&order_id).await.unwrap();
    assert_eq!(
        (read.status, read.order_amount, read.captured_amount, read.remaining_authorized_amount),
        (OrderStatus::Authorized, 21_000, 0, 21_000)
    );
    // Nothing captured, nothing to refund.
    let early = h.client.refund_order(&order_id, &refund(100, "r-0"), "refund-0").await.unwrap_err();
    assert_eq!(rejected_code(early, 403), "REFUND_NOT_ALLOWED");

    let first = h.client.capture_order(&order_id, &capture(10_000), "capture-1").await.unwrap();
    let read = h.client.read_order(&order_id).await.unwrap();
    assert_eq!(
        (read.status, read.captured_amount, read.remaining_authorized_amount),
        (OrderStatus::PartCaptured, 10_000, 11_000)
    );
    let over = h.client.capture_order(&order_id, &capture(11_001), "capture-2").await.unwrap_err();
    assert_eq!(rejected_code(over, 403), "CAPTURE_NOT_ALLOWED");
    let second = h.client.capture_order(&order_id, &capture(11_000), "capture-3").await.unwrap();
    assert_ne!(first, second);
    assert_eq!(h.client.read_order(&order_id).await.unwrap().status, OrderStatus::Captured);

    // Partial refunds add up to what was captured, and no further.
    h.client.refund_order(&order_id, &refund(5_000, "return-1"), "refund-1").await.unwrap();
    let too_much = h.client.refund_order(&order_id, &refund(16_001, "return-2"), "refund-2").await.unwrap_err();
    assert_eq!(rejected_code(too_much, 403), "REFUND_NOT_ALLOWED");
    h.client.refund_order(&order_id, &refund(16_000, "return-3"), "refund-3").await.unwrap();
    let read = h.client.read_order(&order_id).await.unwrap();
    assert_eq!((read.captured_amount, read.refunded_amount), (21_000, 21_000));
    let nothing_left = h.client.refund_order(&order_id, &refund(1, "return-4"), "refund-4").await.unwrap_err();
    assert_eq!(rejected_code(nothing_left, 403), "REFUND_NOT_ALLOWED");

    let zero = h.client.capture_order(&order_id, &capture(0), "capture-0").await.unwrap_err();
    assert_eq!(rejected_code(zero, 400), "BAD_VALUE");
    match h.client.read_order("no-such-order").await {
        Err(KlarnaError::NotFound(details)) => assert_eq!(details.error_code.as_deref(), Some("NO_SUCH_ORDER")),
        other => panic!("expected NO_SUCH_ORDER, got {other:?}"),
    }
    let json: Vec<Value> = h.http.get(h.url("/_sim/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(json[0]["captures"].as_array().unwrap().len(), 2);
    assert_eq!(json[0]["refunds"][0]["reference"], "return-1");
}

#[tokio::test]
async fn capture_order_mode_is_captured_in_full_at_once() {
    let h = start().await;
    let order_id = placed_order(&h, PlaceOrderMode::CaptureOrder).await;
    let read = h.client.read_order(&order_id).await.unwrap();
    assert_eq!(
        (read.status, read.captured_amount, read.remaining_authorized_amount),
        (OrderStatus::Captured, 21_000, 0)
    );
    let over = h.client.capture_order(&order_id, &capture(1), "capture-more").await.unwrap_err();
    assert_eq!(rejected_code(over, 403), "CAPTURE_NOT_ALLOWED");
    h.client.refund_order(&order_id, &refund(21_000, "whole"), "refund-whole").await.unwrap();
}

/// A refund naming order lines: each line's total must follow from its
/// quantity, price and discount, and the lines make the refunded amount.
#[tokio::test]
async fn a_refunds_order_lines_must_add_up_to_its_amount() {
    let h = start().await;
    let order_id = placed_order(&h, PlaceOrderMode::CaptureOrder).await;
    let line = |quantity: i64, discount: i64, total: i64| klarna::wire::OrderLine {
        name: "Shirt".into(),
        quantity,
        unit_price: 10_000,
        total_discount_amount: discount,
        total_amount: total,
        ..Default::default()
    };
    let with_lines = |amount: i64, lines| RefundRequest { order_lines: Some(lines), ..refund(amount, "return-lines") };
    let wrong_total = with_lines(9_999, vec![line(1, 0, 9_999)]);
    let refused = h.client.refund_order(&order_id, &wrong_total, "lines-1").await.unwrap_err();
    assert_eq!(rejected_code(refused, 400), "BAD_VALUE");
    let not_the_amount = with_lines(10_000, vec![line(1, 1, 9_999)]);
    let refused = h.client.refund_order(&order_id, &not_the_amount, "lines-2").await.unwrap_err();
    assert_eq!(rejected_code(refused, 400), "BAD_VALUE");
    h.client.refund_order(&order_id, &with_lines(9_999, vec![line(1, 1, 9_999)]), "lines-3").await.unwrap();
    let refunds = &h.sim.orders()[0].refunds;
    assert_eq!((refunds.len(), refunds[0].order_lines[0].total_discount_amount), (1, 1));
}

/// The refund is done but its answer lost: the keyed retry gets the first
/// refund back, and the shopper is refunded once.
#[tokio::test]
async fn a_refund_whose_answer_was_lost_is_made_once() {
    let h = start_with_timeout(Duration::from_secs(2)).await;
    let order_id = placed_order(&h, PlaceOrderMode::CaptureOrder).await;
    h.set_faults(json!({"timeout_ms": 10000, "endpoints": {"refund": {"timeout_next": 1}}})).await;
    let refund_id = h.client.refund_order(&order_id, &refund(7_000, "return-1"), "kassa-refund-1").await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::Refund), 2, "the first answer was lost, the retry replayed");
    let again = h.client.refund_order(&order_id, &refund(7_000, "return-1"), "kassa-refund-1").await.unwrap();
    assert_eq!(again, refund_id);
    let refunds = &h.sim.orders()[0].refunds;
    assert_eq!((refunds.len(), refunds[0].id.as_str(), refunds[0].amount), (1, refund_id.as_str(), 7_000));
}

#[tokio::test]
async fn a_busy_order_management_is_retried_after_its_retry_after() {
    let h = start().await;
    let order_id = placed_order(&h, PlaceOrderMode::PlaceOrder).await;
    h.set_faults(json!({"endpoints": {"capture": {"status": 429, "fail_next": 1, "retry_after_s": 0}}})).await;
    h.client.capture_order(&order_id, &capture(21_000), "capture-busy").await.unwrap();
    assert_eq!(h.sim.call_count(Endpoint::Capture), 2);
    assert_eq!(h.sim.orders()[0].captures.len(), 1);
}
