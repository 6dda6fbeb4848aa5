//! One run: its plan's steps against a lane's Kassa and simulator, with
//! the checks that must hold the moment a step reports done.

mod kiosk;
mod screens;
mod seller;
mod shopper;
mod till;

use crate::kassa::Cluster;
use crate::plan::{CartPlan, Door, RunPlan, Shopper, Step, Store};
use crate::truth::{self, Truth};
use klarna::simulator::state::HppSession;
use screens::{watch, Screens};
use serde_json::{json, Value};
use server::storage::Storage;
use server::testing::TestKlarna;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A lane: one simulator and one Kassa process, running runs one by one.
pub struct Lane {
    pub klarna: TestKlarna,
    pub kassa: Cluster,
    pub storage: Storage,
    pub log: std::path::PathBuf,
    pub log_offset: u64,
    pub http: reqwest::Client,
    /// Each enrolled kiosk's cookie (`name=value`), by kiosk number.
    pub kiosk_cookies: HashMap<u8, String>,
    /// A signed-in associate's cookie, by store id.
    pub seller_cookies: HashMap<&'static str, String>,
}

/// What the harness knows of one cart, as a till would.
struct CartState {
    plan: CartPlan,
    cart_ref: String,
    /// Every attempt key used for the cart, oldest first.
    keys: Vec<String>,
    /// The sale each key belongs to. A seller's till has no cart reference:
    /// a start after a paid payment is the next shopper's sale.
    sale_of_key: BTreeMap<String, String>,
    sales: u32,
    /// Whether the current payment ended paid.
    current_paid: bool,
    /// The payment each key was answered with.
    answered: BTreeMap<String, String>,
    /// The payment on the till's screen.
    current: Option<String>,
    /// Whether the current key's payment ended, so the next start is a new attempt.
    current_ended: bool,
    /// A kiosk shopper's link after a reset: still on their phone.
    phone: Option<String>,
    /// Each payment's status in the last answer that named it.
    told: BTreeMap<String, String>,
    /// Payments an answer showed open, so a screen watches them (again).
    shown_open: BTreeSet<String>,
    /// Refund keys used for the cart, and the refund each was answered with.
    refunds: BTreeMap<String, Option<String>>,
}

impl CartState {
    /// A new attempt key for the cart; after a paid payment at a seller's
    /// till, for a new sale.
    fn new_key(&mut self, label: &str, cart: usize) {
        if self.plan.door == Door::Seller && self.current_paid {
            self.sales += 1;
            self.current_paid = false;
        }
        let key = format!("{label}-{cart}-{}", self.keys.len());
        self.sale_of_key.insert(key.clone(), format!("{}-sale-{}", self.cart_ref, self.sales));
        self.keys.push(key);
    }

    /// A start under `key` answered with payment `id`: one key, one
    /// payment, so every answer for a key must name the same one.
    fn answered_with(&mut self, key: &str, id: &str, status: &str, report: &mut RunReport) {
        if let Some(before) = self.answered.get(key).filter(|before| *before != id) {
            report.violations.push(format!("key {key} answered with {before} and then {id}"));
        }
        self.answered.insert(key.to_string(), id.to_string());
        self.current = Some(id.to_string());
        self.told.insert(id.to_string(), status.to_string());
        if !is_final(status) {
            self.shown_open.insert(id.to_string());
        }
        self.ended(status);
    }

    fn ended(&mut self, status: &str) {
        self.current_ended = is_final(status);
        self.current_paid = status == "completed";
    }
}

/// What a run did and found.
#[derive(Default)]
pub struct RunReport {
    pub payments: usize,
    pub kills: u32,
    pub violations: Vec<String>,
    pub trace: Vec<String>,
    /// Klarna faults the simulator injected, by kind.
    pub faults: BTreeMap<String, u64>,
}

impl Lane {
    pub async fn run(&mut self, plan: &RunPlan) -> RunReport {
        let mut report = RunReport::default();
        let mut carts: Vec<CartState> = plan
            .carts
            .iter()
            .enumerate()
            .map(|(i, cart)| CartState {
                plan: cart.clone(),
                cart_ref: format!("{}-cart-{i}", plan.label),
                keys: Vec::new(),
                sale_of_key: BTreeMap::new(),
                sales: 0,
                current_paid: false,
                answered: BTreeMap::new(),
                current: None,
                current_ended: false,
                phone: None,
                told: BTreeMap::new(),
                shown_open: BTreeSet::new(),
                refunds: BTreeMap::new(),
            })
            .collect();
        let run_started = now_millis() - 1;
        for cart in &carts {
            if let Door::Kiosk(kiosk) = cart.plan.door {
                // A new shopper: whatever the last run left on the screen goes.
                let _ = self
                    .http
                    .delete(format!("{}/api/v1/kiosks/kiosk-{kiosk}/cart", self.kassa.url()))
                    .bearer_auth(cart.plan.store.api_key())
                    .send()
                    .await;
            }
        }
        let screens: Screens = Arc::default();
        let mut watchers: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
        for planned in &plan.steps {
            report.trace.push(format!("step: {planned}"));
            let outcome = match planned.kill_after_ms {
                None => self.step(&planned.step, &mut carts, &plan.label, &mut report).await,
                Some(ms) => {
                    let outcome = tokio::select! {
                        outcome = self.step(&planned.step, &mut carts, &plan.label, &mut report) => outcome,
                        _ = tokio::time::sleep(Duration::from_millis(ms)) => "cut off by SIGKILL".to_string(),
                    };
                    self.kassa.kill_and_restart().await;
                    report.kills += 1;
                    outcome
                }
            };
            report.trace.push(format!("  -> {outcome}"));
            if let Some(status) = self.kassa.exited_by_itself() {
                report.violations.push(format!("kassa exited by itself ({status})"));
                self.kassa.kill_and_restart().await;
            }
            // Watch every payment the tills know of, as their screens do; a
            // screen whose stream ended on a failed creation watches again
            // when a retry under the key answers with the payment alive.
            for cart in &mut carts {
                for id in cart.told.keys() {
                    let ended = watchers.get(id).is_some_and(|w| w.is_finished());
                    let shown_open = cart.shown_open.remove(id);
                    if !watchers.contains_key(id) || (ended && shown_open) {
                        let key = cart.plan.store.api_key();
                        let screen = watch(self.kassa.url(), key, id.clone(), screens.clone());
                        watchers.insert(id.clone(), tokio::spawn(screen));
                    }
                }
            }
            self.check_one_payable_per_cart(&carts, run_started, &mut report).await;
        }
        let payments = self.known_payments(&carts, run_started).await;
        report.payments = payments.len();
        self.quiet_down(&payments, &mut report).await;
        let truth = Truth::gather(&self.klarna, &self.storage, &payments).await;
        report.violations.extend(truth::check(&truth));
        report.violations.extend(self.check_screens(&payments, &screens).await);
        for (_, watcher) in watchers {
            watcher.abort();
        }
        let (crashes, offset) = crate::kassa::crashes_in_log(&self.log, self.log_offset);
        self.log_offset = offset;
        report.violations.extend(crashes.into_iter().map(|line| format!("kassa crashed: {line}")));
        // A broken promise seen at several steps is told once.
        let mut seen = BTreeSet::new();
        report.violations.retain(|violation| seen.insert(violation.clone()));
        report
    }

    async fn step(&mut self, step: &Step, carts: &mut [CartState], label: &str, report: &mut RunReport) -> String {
        match step {
            Step::Start { cart, double_tap, .. } if matches!(carts[*cart].plan.door, Door::Kiosk(_)) => {
                self.kiosk_pay(&mut carts[*cart], *double_tap, report).await
            }
            Step::Cancel { cart } if matches!(carts[*cart].plan.door, Door::Kiosk(_)) => {
                self.kiosk_reset(&mut carts[*cart]).await
            }
            Step::NewLink { cart } if matches!(carts[*cart].plan.door, Door::Kiosk(_)) => {
                self.kiosk_call(&mut carts[*cart], "try_again", report).await
            }
            Step::Start { cart, double_tap, retry } if carts[*cart].plan.door == Door::Seller => {
                let state = &mut carts[*cart];
                if state.keys.is_empty() || state.current_ended {
                    state.new_key(label, *cart);
                    state.current_ended = false;
                }
                self.seller_start(state, *double_tap, *retry, report).await
            }
            Step::Cancel { cart } if carts[*cart].plan.door == Door::Seller => {
                self.seller_cancel(&mut carts[*cart], report).await
            }
            Step::NewLink { cart } if carts[*cart].plan.door == Door::Seller => {
                let state = &mut carts[*cart];
                state.new_key(label, *cart);
                self.seller_new_link(state, report).await
            }
            Step::Start { cart, double_tap, retry } => {
                let state = &mut carts[*cart];
                if state.keys.is_empty() || state.current_ended {
                    state.new_key(label, *cart);
                    state.current_ended = false;
                }
                self.start(state, *double_tap, *retry, report).await
            }
            Step::Cancel { cart } => self.cancel(&mut carts[*cart], report).await,
            Step::NewLink { cart } => {
                let state = &mut carts[*cart];
                let cancelled = self.cancel(state, report).await;
                if state.current.is_some() && !state.current_ended {
                    return format!("{cancelled}; no new link while the old one is not withdrawn");
                }
                state.new_key(label, *cart);
                state.current_ended = false;
                let started = self.start(state, false, false, report).await;
                format!("{cancelled}; {started}")
            }
            Step::Shopper { cart, action, web_return } => self.shopper(&carts[*cart], *action, *web_return).await,
            Step::Refund { cart, whole, double_tap, retry } => {
                self.refund(&mut carts[*cart], *whole, *double_tap, *retry, report).await
            }
            Step::Faults(faults) => {
                let faults = serde_json::from_value(faults.clone()).expect("the plan's faults parse");
                self.klarna.sim().set_faults(faults).expect("the plan's faults are valid");
                "set".into()
            }
            Step::Pause { ms } => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                "waited".into()
            }
            Step::Kill => {
                self.kassa.kill_and_restart().await;
                report.kills += 1;
                "killed and restarted".into()
            }
        }
    }

    /// Every payment the run's carts made, with its cart (Kassa's cart_ref)
    /// and store: the tills' and shops' by their attempt keys, the kiosks'
    /// as the kiosk payments of the store since the run began.
    async fn known_payments(&self, carts: &[CartState], since: i64) -> BTreeMap<String, (String, Store)> {
        let mut payments = BTreeMap::new();
        for cart in carts {
            let store = cart.plan.store;
            if let Door::Kiosk(_) = cart.plan.door {
                for stored in self.storage.list(store.id(), since, 1000).await.unwrap_or_default() {
                    if stored.door == domain::Door::Kiosk {
                        payments.insert(stored.id.clone(), (stored.cart_ref.clone().unwrap_or_default(), store));
                    }
                }
                continue;
            }
            for key in &cart.keys {
                if let Ok(Some(stored)) = self.storage.by_attempt(store.id(), key).await {
                    payments.insert(stored.id.clone(), (cart.sale_of_key[key].clone(), store));
                }
            }
        }
        payments
    }

    /// Never two payable links for one cart, at any step's end.
    async fn check_one_payable_per_cart(&self, carts: &[CartState], since: i64, report: &mut RunReport) {
        let sessions = self.klarna.sim().hpp_sessions_by_reference();
        let mut payable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (id, (cart_ref, _)) in self.known_payments(carts, since).await {
            for (reference, session) in &sessions {
                if reference.as_deref() == Some(id.as_str()) && self.klarna.sim().is_payable(session) {
                    payable.entry(cart_ref.clone()).or_default().insert(session.id.clone());
                }
            }
        }
        for (cart_ref, links) in payable {
            if links.len() > 1 {
                report.violations.push(format!("cart {cart_ref} has {} payable links: {links:?}", links.len()));
            }
        }
    }

    /// Klarna's HPP sessions for one payment (by the merchant reference
    /// Kassa gives it), as the simulator holds them.
    fn sessions_of(&self, payment_id: &str) -> Vec<HppSession> {
        let all = self.klarna.sim().hpp_sessions_by_reference();
        all.into_iter().filter(|(reference, _)| reference.as_deref() == Some(payment_id)).map(|(_, s)| s).collect()
    }

    /// A server function of the app (a form post), with the caller's cookie:
    /// its answer, or `{"error": ...}` when refused; `None` without one.
    async fn server_fn(&self, path: &str, cookie: &str, form: String) -> Option<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.kassa.url()))
            .header(reqwest::header::COOKIE, cookie)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .ok()?;
        let ok = response.status().is_success();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Some(if ok { body } else { json!({"error": body}) })
    }

    /// A withdrawal reported done leaves no payable link for the payment.
    fn check_withdrawn(&self, id: &str, why: &str, report: &mut RunReport) {
        for session in self.sessions_of(id) {
            if self.klarna.sim().is_payable(&session) {
                report.violations.push(format!("{why} for {id}, but its link {} is {}", session.id, session.status));
            }
        }
    }

    /// Faults off; then the store closes what is still open, as it would at
    /// the end of a day, and Klarna's late news is delivered. Every payment
    /// must end.
    async fn quiet_down(&mut self, payments: &BTreeMap<String, (String, Store)>, report: &mut RunReport) {
        report.faults = self.klarna.sim().injected_by_kind();
        self.klarna.sim().reset_faults();
        let deadline = std::time::Instant::now() + Duration::from_secs(40);
        loop {
            let mut open = Vec::new();
            for (id, (_, store)) in payments {
                let Ok(Some(stored)) = self.storage.get(id).await else { continue };
                if stored.capture == Some(domain::CaptureStatus::Pending) {
                    open.push(format!("{id} capture pending"));
                }
                for refund in self.storage.refunds_of(id).await.unwrap_or_default() {
                    if refund.status == domain::RefundStatus::Pending {
                        open.push(format!("{id} refund {} pending", refund.id));
                        // The POS asks again with the refund's key, as after a 5xx.
                        let _ = self
                            .http
                            .post(format!("{}/api/v1/payments/{id}/refunds", self.kassa.url()))
                            .bearer_auth(store.api_key())
                            .header("Idempotency-Key", &refund.request_key)
                            .json(&json!({"amount": refund.amount}))
                            .send()
                            .await;
                    }
                }
                if stored.status.is_final() {
                    // Ended, but a link Klarna made unseen is still to be withdrawn.
                    let unseen = self.sessions_of(id).iter().any(|s| self.klarna.sim().is_payable(s));
                    if unseen && stored.status != domain::PaymentStatus::Completed {
                        open.push(format!("{id} {} with a payable link", stored.status.as_str()));
                    }
                    continue;
                }
                open.push(format!("{id} {}", stored.status.as_str()));
                match self.sessions_of(id).into_iter().next() {
                    Some(session) if self.klarna.sim().is_payable(&session) => {
                        let _ = self
                            .http
                            .delete(format!("{}/api/v1/payments/{id}", self.kassa.url()))
                            .bearer_auth(store.api_key())
                            .send()
                            .await;
                    }
                    // Klarna's news is there to read: a status callback tells Kassa.
                    Some(session) => {
                        if let Some(url) = session.merchant_urls.status_update.as_deref() {
                            let event = format!("quiet-{}", uuid::Uuid::new_v4());
                            let _ = self.http.post(url).json(&json!({"event_id": event})).send().await;
                        }
                    }
                    None => {}
                }
            }
            if open.is_empty() {
                return;
            }
            if std::time::Instant::now() > deadline {
                report.violations.push(format!("left open after the run quieted down: {open:?}"));
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// The presses of one step: once, or twice at once on a double tap, then
/// once more after the answers on a retry.
async fn presses<F, Fut, T>(double_tap: bool, retry: bool, press: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut answers = Vec::new();
    if double_tap {
        let (a, b) = tokio::join!(press(), press());
        answers.extend([a, b]);
    } else {
        answers.push(press().await);
    }
    if retry {
        answers.push(press().await);
    }
    answers
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn is_final(status: &str) -> bool {
    matches!(status, "completed" | "cancelled" | "disabled" | "expired" | "failed")
}
