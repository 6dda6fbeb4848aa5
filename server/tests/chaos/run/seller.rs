//! The seller view's door: an associate's server functions.

use super::*;

impl Lane {
    /// The associate presses Start payment (twice at once on a double tap;
    /// again after the answer on a retry).
    pub(super) async fn seller_start(
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
        let answers = presses(double_tap, retry, || self.seller_fn(state, path, &form)).await;
        let said: Vec<String> =
            answers.into_iter().map(|answer| self.seller_answer(state, &key, answer, report)).collect();
        format!("seller start {key}: {}", said.join(", "))
    }

    /// Cancel payment on the till; done means the link no longer pays.
    pub(super) async fn seller_cancel(&self, state: &mut CartState, report: &mut RunReport) -> String {
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
    pub(super) async fn seller_new_link(&self, state: &mut CartState, report: &mut RunReport) -> String {
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
        self.server_fn(path, self.seller_cookies.get(state.plan.store.id())?, form.to_string()).await
    }
}
