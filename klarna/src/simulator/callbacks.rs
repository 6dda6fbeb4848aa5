//! Status callbacks to `merchant_urls.status_update`, with Klarna's rule:
//! a 3 s timeout, then up to 3 retries a few seconds apart, same event id.

use super::state::{expand_placeholders, HppSession};
use crate::wire::StatusCallback;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);
const RETRIES: u32 = 3;
const RETRY_DELAY: Duration = Duration::from_secs(2);

pub struct Sender {
    http: reqwest::Client,
}

impl Sender {
    pub fn new() -> Sender {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent("Klarna-HPP-Simulator")
            .build()
            .unwrap_or_default();
        Sender { http }
    }

    /// Fires the callback for the session's current state in the background.
    pub fn send(&self, session: &HppSession) {
        let Some(url) = session.merchant_urls.status_update.as_deref() else {
            return;
        };
        let url = expand_placeholders(url, &session.id, None, None);
        let event = StatusCallback {
            event_id: uuid::Uuid::new_v4().to_string(),
            session: session.to_response(),
        };
        let http = self.http.clone();
        tokio::spawn(async move {
            for attempt in 0..=RETRIES {
                if attempt > 0 {
                    tokio::time::sleep(RETRY_DELAY).await;
                }
                match http.post(&url).json(&event).send().await {
                    Ok(response) if response.status().is_success() => return,
                    Ok(response) => tracing::debug!(
                        status = response.status().as_u16(),
                        attempt,
                        "status callback refused"
                    ),
                    Err(error) => {
                        tracing::debug!(error = %error.without_url(), attempt, "status callback failed")
                    }
                }
            }
            tracing::info!(event_id = %event.event_id, "status callback given up after {RETRIES} retries");
        });
    }
}
