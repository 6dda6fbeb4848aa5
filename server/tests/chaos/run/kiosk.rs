//! The kiosk door: the self-checkout system's API and the screen's
//! server functions.

use super::*;

impl Lane {
    /// The kiosk's screen as its self-checkout system sees it.
    async fn kiosk_state(&self, state: &CartState) -> Option<Value> {
        let Door::Kiosk(kiosk) = state.plan.door else { return None };
        let response = self
            .http
            .get(format!("{}/api/v1/kiosks/kiosk-{kiosk}", self.kassa.url()))
            .bearer_auth(state.plan.store.api_key())
            .send()
            .await
            .ok()?;
        response.json().await.ok()
    }

    /// The self-checkout system hands over the basket if the screen has
    /// none, then the shopper taps Pay (twice at once on a double tap).
    pub(super) async fn kiosk_pay(
        &mut self,
        state: &mut CartState,
        double_tap: bool,
        report: &mut RunReport,
    ) -> String {
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
                .put(format!("{}/api/v1/kiosks/kiosk-{kiosk}/cart", self.kassa.url()))
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

    pub(super) async fn kiosk_call(&mut self, state: &mut CartState, call: &str, _report: &mut RunReport) -> String {
        let Door::Kiosk(kiosk) = state.plan.door else { unreachable!() };
        let answer = self.kiosk_fn(kiosk, call, &[]).await;
        format!("{call}: {}", self.kiosk_answer(state, answer))
    }

    /// The shopper leaves (Cancel): the screen forgets them; their phone
    /// keeps the link, which must stop working.
    pub(super) async fn kiosk_reset(&mut self, state: &mut CartState) -> String {
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
        let form: Vec<String> = form.iter().map(|(name, value)| format!("{name}={value}")).collect();
        self.server_fn(path, self.kiosk_cookies.get(&kiosk)?, form.join("&")).await
    }
}
