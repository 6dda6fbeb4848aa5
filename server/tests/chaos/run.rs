//! One run: its plan's steps against a lane's Kassa and simulator, with
//! the checks that must hold the moment a step reports done.

use crate::kassa::Kassa;
use crate::plan::{CartPlan, Door, RunPlan, Shopper, Step, Store};
use crate::truth::{self, Truth};
use serde_json::{json, Value};
use server::storage::Storage;
use server::testing::TestKlarna;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A lane: one simulator and one Kassa process, running runs one by one.
pub struct Lane {
    pub klarna: TestKlarna,
    pub kassa: Kassa,
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

/// The last status each payment's live stream showed, by payment id.
type Screens = Arc<Mutex<HashMap<String, String>>>;

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
            })
            .collect();
        let run_started = now_millis() - 1;
        for cart in &carts {
            if let Door::Kiosk(kiosk) = cart.plan.door {
                // A new shopper: whatever the last run left on the screen goes.
                let _ = self
                    .http
                    .delete(format!("{}/api/v1/kiosks/kiosk-{kiosk}/cart", self.kassa.url))
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
                        let screen = watch(self.kassa.url.clone(), key, id.clone(), screens.clone());
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

    async fn start(&self, state: &mut CartState, double_tap: bool, retry: bool, report: &mut RunReport) -> String {
        let key = state.keys.last().unwrap().clone();
        let mut body = json!({
            "cart_ref": state.cart_ref,
            "lines": [{"name": "Chaos", "quantity": state.plan.quantity, "unit_price": state.plan.unit_price, "tax_rate": 2500}],
        });
        if state.plan.door == Door::Web {
            body["channel"] = json!("web");
            body["return_urls"] = json!({
                "success": "https://shop.example/thanks",
                "failure": "https://shop.example/declined",
                "back": "https://shop.example/cart",
            });
        }
        let send = || {
            self.http
                .post(format!("{}/api/v1/payments", self.kassa.url))
                .bearer_auth(state.plan.store.api_key())
                .header("Idempotency-Key", &key)
                .json(&body)
                .timeout(Duration::from_secs(30))
                .send()
        };
        let mut answers = Vec::new();
        if double_tap {
            let (a, b) = tokio::join!(send(), send());
            answers.extend([a, b]);
        } else {
            answers.push(send().await);
        }
        if retry {
            answers.push(send().await);
        }
        let mut said = Vec::new();
        for answer in answers {
            let Ok(response) = answer else {
                said.push("no answer".to_string());
                continue;
            };
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            match (status, body["id"].as_str()) {
                (200 | 201, Some(id)) => {
                    let payment_status = body["status"].as_str().unwrap_or("?");
                    state.answered_with(&key, id, payment_status, report);
                    said.push(format!("{status} {id} {payment_status}"));
                }
                _ => {
                    said.push(format!("{status} {}", body["error"]["code"].as_str().unwrap_or("")));
                }
            }
        }
        format!("start {key}: {}", said.join(", "))
    }

    /// Cancels the till's payment; a cancel reported done must leave no
    /// payable link behind, checked against Klarna's record at once.
    async fn cancel(&self, state: &mut CartState, report: &mut RunReport) -> String {
        let Some(id) = state.current.clone() else { return "nothing to cancel".into() };
        let answer = self
            .http
            .delete(format!("{}/api/v1/payments/{id}", self.kassa.url))
            .bearer_auth(state.plan.store.api_key())
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let Ok(response) = answer else { return format!("cancel {id}: no answer") };
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let payment_status = body["status"].as_str().unwrap_or("");
        if status == 409 && body["error"]["message"].as_str().is_some_and(|m| m.contains("already paid")) {
            state.ended("completed");
        }
        if status == 200 && is_final(payment_status) {
            state.ended(payment_status);
            if payment_status != "completed" {
                self.check_withdrawn(&id, &format!("cancel reported {payment_status}"), report);
            }
        }
        format!("cancel {id}: {status} {payment_status}{}", body["error"]["code"].as_str().unwrap_or(""))
    }

    async fn shopper(&self, state: &CartState, action: Shopper, web_return: bool) -> String {
        let Some(id) = state.current.as_ref().or(state.phone.as_ref()) else { return "no payment on screen".into() };
        let session = self
            .klarna
            .sim()
            .hpp_sessions_by_reference()
            .into_iter()
            .find(|(reference, _)| reference.as_deref() == Some(id.as_str()));
        let Some((_, session)) = session else { return format!("{id} has no Klarna link yet") };
        let sim = &self.klarna.base;
        let act = |action: &str| self.http.post(format!("{sim}/_sim/sessions/{}/actions/{action}", session.id)).send();
        // Every action but opening happens on an open page.
        if action != Shopper::Open && session.status.to_string() != "IN_PROGRESS" {
            let _ = act("open").await;
        }
        let Ok(response) = act(action.action()).await else { return "the simulator did not answer".into() };
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let mut said = format!("shopper {} on {}: {status} {}", action.action(), session.id, body["status"]);
        // The shopper's browser follows Klarna's redirect back to Kassa.
        if let (Door::Web, true, Some(url)) = (state.plan.door, web_return, body["redirect_url"].as_str()) {
            if url.starts_with(&self.kassa.url) {
                let no_redirects =
                    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
                let returned = no_redirects.get(url).timeout(Duration::from_secs(30)).send().await;
                said.push_str(&format!(
                    "; web return: {}",
                    returned.map(|r| r.status().as_u16().to_string()).unwrap_or("no answer".into())
                ));
            }
        }
        said
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

    /// The associate presses Start payment (twice at once on a double tap;
    /// again after the answer on a retry).
    async fn seller_start(
        &self,
        state: &mut CartState,
        double_tap: bool,
        retry: bool,
        report: &mut RunReport,
    ) -> String {
        let key = state.keys.last().unwrap().clone();
        let line = "cart[lines][0]";
        let form = format!(
            "attempt_key={key}&{line}[name]=Chaos&{line}[quantity]={}&{line}[unit_price]={}&{line}[tax_rate]=2500",
            state.plan.quantity, state.plan.unit_price
        );
        use leptos::server_fn::ServerFn;
        let path = app::server_fns::seller::StartPayment::PATH;
        let mut answers = Vec::new();
        if double_tap {
            let (a, b) = tokio::join!(self.seller_fn(state, path, &form), self.seller_fn(state, path, &form));
            answers.extend([a, b]);
        } else {
            answers.push(self.seller_fn(state, path, &form).await);
        }
        if retry {
            answers.push(self.seller_fn(state, path, &form).await);
        }
        let said: Vec<String> =
            answers.into_iter().map(|answer| self.seller_answer(state, &key, answer, report)).collect();
        format!("seller start {key}: {}", said.join(", "))
    }

    /// Cancel payment on the till; done means the link no longer pays.
    async fn seller_cancel(&self, state: &mut CartState, report: &mut RunReport) -> String {
        let Some(id) = state.current.clone() else { return "nothing to cancel".into() };
        use leptos::server_fn::ServerFn;
        let answer = self.seller_fn(state, app::server_fns::seller::CancelPayment::PATH, &format!("id={id}")).await;
        let status = answer.as_ref().and_then(|view| view["status"].as_str().map(str::to_string));
        if answer.as_ref().is_some_and(|view| view["error"]["Failed"]["code"] == "already_paid") {
            state.ended("completed");
        }
        if let Some(status) = &status {
            if is_final(status) {
                state.ended(status);
                if status != "completed" {
                    self.check_withdrawn(&id, &format!("seller cancel reported {status}"), report);
                }
            }
        }
        format!("seller cancel {id}: {}", status.unwrap_or_else(|| format!("{answer:?}")))
    }

    /// New link: the old link must be withdrawn before the new one exists.
    async fn seller_new_link(&self, state: &mut CartState, report: &mut RunReport) -> String {
        let Some(old) = state.current.clone() else { return "no payment to renew".into() };
        let key = state.keys.last().unwrap().clone();
        use leptos::server_fn::ServerFn;
        let path = app::server_fns::seller::RegeneratePayment::PATH;
        let answer = self.seller_fn(state, path, &format!("id={old}&attempt_key={key}")).await;
        if let Some(refusal) = answer.as_ref().map(|view| &view["error"]).filter(|e| !e.is_null()) {
            // Refused: nothing was started under the key, and the till stays
            // on the old payment (or, once it is paid, goes on to a new sale).
            state.keys.pop();
            if refusal["Failed"]["code"] == "already_paid" {
                state.ended("completed");
            }
        }
        let said = self.seller_answer(state, &key, answer, report);
        if state.current.as_deref() != Some(old.as_str()) {
            self.check_withdrawn(&old, "a new link was made", report);
        }
        format!("seller new link for {old} under {key}: {said}")
    }

    fn seller_answer(&self, state: &mut CartState, key: &str, answer: Option<Value>, report: &mut RunReport) -> String {
        let Some(view) = answer else { return "no answer".into() };
        match view["id"].as_str() {
            Some(id) => {
                let status = view["status"].as_str().unwrap_or("?");
                state.answered_with(key, id, status, report);
                format!("{id} {status}")
            }
            None => format!("refused: {view}"),
        }
    }

    /// A server function of the seller view, as the signed-in associate.
    async fn seller_fn(&self, state: &CartState, path: &str, form: &str) -> Option<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.kassa.url))
            .header(reqwest::header::COOKIE, self.seller_cookies.get(state.plan.store.id())?)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.to_string())
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
        for (reference, session) in self.klarna.sim().hpp_sessions_by_reference() {
            if reference.as_deref() == Some(id) && self.klarna.sim().is_payable(&session) {
                report.violations.push(format!("{why} for {id}, but its link {} is {}", session.id, session.status));
            }
        }
    }

    /// The kiosk's screen as its self-checkout system sees it.
    async fn kiosk_state(&self, state: &CartState) -> Option<Value> {
        let Door::Kiosk(kiosk) = state.plan.door else { return None };
        let response = self
            .http
            .get(format!("{}/api/v1/kiosks/kiosk-{kiosk}", self.kassa.url))
            .bearer_auth(state.plan.store.api_key())
            .send()
            .await
            .ok()?;
        response.json().await.ok()
    }

    /// The self-checkout system hands over the basket if the screen has
    /// none, then the shopper taps Pay (twice at once on a double tap).
    async fn kiosk_pay(&mut self, state: &mut CartState, double_tap: bool, report: &mut RunReport) -> String {
        let Door::Kiosk(kiosk) = state.plan.door else { unreachable!() };
        let view = self.kiosk_state(state).await.unwrap_or(Value::Null);
        let mut said = String::new();
        let paid_or_empty = view["cart"].is_null() || view["payment"]["status"].as_str().is_some_and(is_final);
        if paid_or_empty {
            let basket = json!({"lines": [{
                "name": "Chaos", "quantity": state.plan.quantity, "unit_price": state.plan.unit_price, "tax_rate": 2500,
            }]});
            let put = self
                .http
                .put(format!("{}/api/v1/kiosks/kiosk-{kiosk}/cart", self.kassa.url))
                .bearer_auth(state.plan.store.api_key())
                .json(&basket)
                .send()
                .await;
            said.push_str(&format!(
                "basket: {}; ",
                put.map(|r| r.status().as_u16().to_string()).unwrap_or("no answer".into())
            ));
        }
        if double_tap {
            let (a, b) = tokio::join!(self.kiosk_fn(kiosk, "pay", &[]), self.kiosk_fn(kiosk, "pay", &[]));
            let ids: Vec<Option<String>> = [&a, &b]
                .iter()
                .map(|v| v.as_ref().and_then(|v| v["payment"]["id"].as_str().map(str::to_string)))
                .collect();
            if let [Some(x), Some(y)] = ids.as_slice() {
                if x != y {
                    report.violations.push(format!("a double tap on kiosk-{kiosk} started {x} and {y}"));
                }
            }
            said.push_str(&self.kiosk_answer(state, a));
        } else {
            let answer = self.kiosk_fn(kiosk, "pay", &[]).await;
            said.push_str(&self.kiosk_answer(state, answer));
        }
        said
    }

    async fn kiosk_call(&mut self, state: &mut CartState, call: &str, _report: &mut RunReport) -> String {
        let Door::Kiosk(kiosk) = state.plan.door else { unreachable!() };
        let answer = self.kiosk_fn(kiosk, call, &[]).await;
        format!("{call}: {}", self.kiosk_answer(state, answer))
    }

    /// The shopper leaves (Cancel): the screen forgets them; their phone
    /// keeps the link, which must stop working.
    async fn kiosk_reset(&mut self, state: &mut CartState) -> String {
        let Door::Kiosk(kiosk) = state.plan.door else { unreachable!() };
        let view = self.kiosk_state(state).await.unwrap_or(Value::Null);
        let session = view["session"].as_u64().unwrap_or(0).to_string();
        let answer = self.kiosk_fn(kiosk, "reset", &[("session", &session), ("reason", "cancel")]).await;
        if answer.is_some() {
            state.phone = state.current.take().or(state.phone.take());
        }
        format!("reset: {}", self.kiosk_answer(state, answer))
    }

    fn kiosk_answer(&self, state: &mut CartState, answer: Option<Value>) -> String {
        let Some(view) = answer else { return "no answer".into() };
        match view["payment"]["id"].as_str() {
            Some(id) => {
                state.current = Some(id.to_string());
                let key = format!("kiosk-{id}");
                state.answered.insert(key, id.to_string());
                let status = view["payment"]["status"].as_str().unwrap_or("?");
                state.told.insert(id.to_string(), status.to_string());
                if !is_final(status) {
                    state.shown_open.insert(id.to_string());
                }
                format!("{id} {}", view["payment"]["status"].as_str().unwrap_or("?"))
            }
            None => format!("no payment ({})", view.get("error").map(|e| e.to_string()).unwrap_or("-".into())),
        }
    }

    /// Calls one of the kiosk screen's server functions with its cookie.
    async fn kiosk_fn(&self, kiosk: u8, call: &str, form: &[(&str, &str)]) -> Option<Value> {
        use leptos::server_fn::ServerFn;
        let path = match call {
            "pay" => app::server_fns::kiosk::KioskPay::PATH,
            "try_again" => app::server_fns::kiosk::KioskTryAgain::PATH,
            "reset" => app::server_fns::kiosk::KioskReset::PATH,
            other => panic!("no kiosk call {other}"),
        };
        let response = self
            .http
            .post(format!("{}{path}", self.kassa.url))
            .header(reqwest::header::COOKIE, self.kiosk_cookies.get(&kiosk)?)
            .form(form)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .ok()?;
        let ok = response.status().is_success();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Some(if ok { body } else { json!({"error": body}) })
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
                if stored.status.is_final() {
                    // Ended, but a link Klarna made unseen is still to be withdrawn.
                    let unseen = self.klarna.sim().hpp_sessions_by_reference().into_iter().any(|(reference, s)| {
                        reference.as_deref() == Some(id.as_str()) && self.klarna.sim().is_payable(&s)
                    });
                    if unseen && stored.status != domain::PaymentStatus::Completed {
                        open.push(format!("{id} {} with a payable link", stored.status.as_str()));
                    }
                    continue;
                }
                open.push(format!("{id} {}", stored.status.as_str()));
                let session = self
                    .klarna
                    .sim()
                    .hpp_sessions_by_reference()
                    .into_iter()
                    .find(|(reference, _)| reference.as_deref() == Some(id.as_str()));
                match session {
                    Some((_, session)) if self.klarna.sim().is_payable(&session) => {
                        let _ = self
                            .http
                            .delete(format!("{}/api/v1/payments/{id}", self.kassa.url))
                            .bearer_auth(store.api_key())
                            .send()
                            .await;
                    }
                    // Klarna's news is there to read: a status callback tells Kassa.
                    Some((_, session)) => {
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

    /// A screen that kept watching a payment shows where it ended.
    async fn check_screens(&self, payments: &BTreeMap<String, (String, Store)>, screens: &Screens) -> Vec<String> {
        let mut violations = Vec::new();
        for id in payments.keys() {
            let Ok(Some(stored)) = self.storage.get(id).await else { continue };
            let watched = screens.lock().unwrap().contains_key(id);
            if !watched {
                continue;
            }
            let wanted = stored.status.as_str();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let shown = screens.lock().unwrap().get(id).cloned().unwrap_or_default();
                if shown == wanted {
                    break;
                }
                if std::time::Instant::now() > deadline {
                    violations.push(format!("the screen watching {id} shows {shown:?}, not {wanted:?}"));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        violations
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn is_final(status: &str) -> bool {
    matches!(status, "completed" | "cancelled" | "disabled" | "expired" | "failed")
}

/// A screen: follows one payment's live stream, reconnecting after any
/// break (Kassa killed, restarted), and notes each status it shows.
async fn watch(url: String, api_key: &'static str, id: String, screens: Screens) {
    let http = reqwest::Client::new();
    loop {
        if let Ok(mut response) =
            http.get(format!("{url}/api/v1/payments/{id}/events")).bearer_auth(api_key).send().await
        {
            if response.status().is_success() {
                let mut buffer = String::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find('\n') {
                        let line: String = buffer.drain(..=end).collect();
                        if let Some(data) = line.trim_end().strip_prefix("data:") {
                            if let Ok(view) = serde_json::from_str::<Value>(data.trim()) {
                                if let Some(status) = view["status"].as_str() {
                                    screens.lock().unwrap().insert(id.clone(), status.to_string());
                                }
                            }
                        }
                    }
                }
                let shown = screens.lock().unwrap().get(&id).cloned().unwrap_or_default();
                if is_final(&shown) {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
