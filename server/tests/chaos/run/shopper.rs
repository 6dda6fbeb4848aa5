//! The shopper on Klarna's page, and their browser back to Kassa.

use super::*;

impl Lane {
    pub(super) async fn shopper(&self, state: &CartState, action: Shopper, web_return: bool) -> String {
        let Some(id) = state.current.as_ref().or(state.phone.as_ref()) else { return "no payment on screen".into() };
        let Some(session) = self.sessions_of(id).into_iter().next() else {
            return format!("{id} has no Klarna link yet");
        };
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
            if self.kassa.serves(url) {
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
}
