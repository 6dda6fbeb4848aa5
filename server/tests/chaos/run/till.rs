//! The POS door (the JSON API), and the web shop through it.

use super::*;

impl Lane {
    pub(super) async fn start(
        &self,
        state: &mut CartState,
        double_tap: bool,
        retry: bool,
        report: &mut RunReport,
    ) -> String {
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
        let answers = self.post_keyed("/api/v1/payments", &key, &body, state.plan.store, double_tap, retry).await;
        let mut said = Vec::new();
        for answer in answers {
            match answer {
                Some((status @ (200 | 201), body)) if body["id"].is_string() => {
                    let (id, payment_status) =
                        (body["id"].as_str().unwrap_or(""), body["status"].as_str().unwrap_or("?"));
                    state.answered_with(&key, id, payment_status, report);
                    said.push(format!("{status} {id} {payment_status}"));
                }
                other => said.push(refused(other)),
            }
        }
        format!("start {key}: {}", said.join(", "))
    }

    /// Cancels the till's payment; a cancel reported done must leave no
    /// payable link behind, checked against Klarna's record at once.
    pub(super) async fn cancel(&self, state: &mut CartState, report: &mut RunReport) -> String {
        let Some(id) = state.current.clone() else { return "nothing to cancel".into() };
        let answer = self
            .http
            .delete(format!("{}/api/v1/payments/{id}", self.kassa.url()))
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

    /// Refunds the cart's payment through the API. One key, one refund:
    /// every answer for a key must name the same refund (Klarna's record
    /// is checked once the run quiets down).
    pub(super) async fn refund(
        &self,
        state: &mut CartState,
        whole: bool,
        double_tap: bool,
        retry: bool,
        report: &mut RunReport,
    ) -> String {
        let Some(id) = state.current.clone() else { return "nothing to refund".into() };
        let key = format!("{}-refund-{}", state.cart_ref, state.refunds.len());
        let body = if whole { json!({}) } else { json!({"amount": state.plan.unit_price}) };
        let path = format!("/api/v1/payments/{id}/refunds");
        let answers = self.post_keyed(&path, &key, &body, state.plan.store, double_tap, retry).await;
        let mut said = Vec::new();
        let mut made: Option<String> = None;
        for answer in answers {
            match answer {
                Some((status @ (200 | 201), body)) if body["id"].is_string() => {
                    let refund = body["id"].as_str().unwrap_or("");
                    if made.as_deref().is_some_and(|before| before != refund) {
                        report.violations.push(format!("refund key {key} answered with {made:?} and then {refund}"));
                    }
                    made = Some(refund.to_string());
                    said.push(format!("{status} {refund} {}", body["status"].as_str().unwrap_or("?")));
                }
                other => said.push(refused(other)),
            }
        }
        state.refunds.insert(key.clone(), made);
        format!("refund {id} {key}: {}", said.join(", "))
    }

    /// A POS's POST under an idempotency key, pressed once, twice at once
    /// (a double tap) and again after the answers (a retry): each answer's
    /// status and body, `None` where none came.
    async fn post_keyed(
        &self,
        path: &str,
        key: &str,
        body: &Value,
        store: Store,
        double_tap: bool,
        retry: bool,
    ) -> Vec<Option<(u16, Value)>> {
        let send = || async {
            let response = self
                .http
                .post(format!("{}{path}", self.kassa.url()))
                .bearer_auth(store.api_key())
                .header("Idempotency-Key", key)
                .json(body)
                .timeout(Duration::from_secs(30))
                .send()
                .await
                .ok()?;
            let status = response.status().as_u16();
            Some((status, response.json().await.unwrap_or(Value::Null)))
        };
        presses(double_tap, retry, send).await
    }
}

/// An answer that made nothing, as the trace shows it.
fn refused(answer: Option<(u16, Value)>) -> String {
    match answer {
        Some((status, body)) => format!("{status} {}", body["error"]["code"].as_str().unwrap_or("")),
        None => "no answer".to_string(),
    }
}
