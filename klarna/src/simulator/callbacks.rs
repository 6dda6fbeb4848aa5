//! Status callbacks to `merchant_urls.status_update`, with Klarna's rule:
//! a 3 s timeout, then up to 3 retries a few seconds apart, same event id.
//! Fault injection may drop, duplicate, delay or reorder events.

use super::faults::CallbackPlan;
use super::state::{expand_placeholders, HppSession};
use crate::wire::{SessionStatus, StatusCallback};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);
const RETRIES: u32 = 3;
const RETRY_DELAY: Duration = Duration::from_secs(2);
/// A reordered event waits at most this long for a successor.
const REORDER_HOLD: Duration = Duration::from_secs(5);

/// What became of one event, for tests and the index page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallbackRecord {
    pub event_id: String,
    pub session_id: String,
    pub status: SessionStatus,
    pub outcome: CallbackOutcome,
    /// POSTs made so far (duplicates included).
    pub attempts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// Not yet answered with a 2xx; still trying.
    Pending,
    Delivered,
    /// Dropped by fault injection: never sent.
    Dropped,
    /// No 2xx after every retry.
    GaveUp,
}

struct Event {
    url: String,
    body: StatusCallback,
    duplicate: bool,
    delay: Duration,
}

#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    log: Arc<Mutex<Vec<CallbackRecord>>>,
    /// An event held back by the reorder fault.
    held: Arc<Mutex<Option<Event>>>,
}

impl Sender {
    pub fn new() -> Sender {
        let http =
            reqwest::Client::builder().timeout(TIMEOUT).user_agent("Klarna-HPP-Simulator").build().unwrap_or_default();
        Sender { http, log: Arc::default(), held: Arc::default() }
    }

    pub fn log(&self) -> Vec<CallbackRecord> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Fires the callback for the session's current state in the background.
    pub fn send(&self, session: &HppSession, plan: CallbackPlan) {
        let Some(url) = session.merchant_urls.status_update.as_deref() else {
            return;
        };
        let body = StatusCallback { event_id: uuid::Uuid::new_v4().to_string(), session: session.to_response() };
        let outcome = match plan {
            CallbackPlan::Drop => CallbackOutcome::Dropped,
            CallbackPlan::Deliver { .. } => CallbackOutcome::Pending,
        };
        self.record(CallbackRecord {
            event_id: body.event_id.clone(),
            session_id: session.id.clone(),
            status: session.status.clone(),
            outcome,
            attempts: 0,
        });
        let CallbackPlan::Deliver { duplicate, delay, reorder } = plan else {
            return;
        };
        let event = Event { url: expand_placeholders(url, &session.id, None, None), body, duplicate, delay };
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner()).take();
        match held {
            // This event overtakes the held one, which follows once this
            // one is through.
            Some(earlier) => {
                let sender = self.clone();
                tokio::spawn(async move {
                    sender.deliver_all(&event).await;
                    sender.deliver_all(&earlier).await;
                });
            }
            None if reorder => {
                let event_id = event.body.event_id.clone();
                *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(event);
                let sender = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(REORDER_HOLD).await;
                    let mut held = sender.held.lock().unwrap_or_else(|e| e.into_inner());
                    if held.as_ref().map(|e| &e.body.event_id) == Some(&event_id) {
                        let event = held.take();
                        drop(held);
                        if let Some(event) = event {
                            sender.spawn(event);
                        }
                    }
                });
            }
            None => self.spawn(event),
        }
    }

    fn spawn(&self, event: Event) {
        let sender = self.clone();
        tokio::spawn(async move { sender.deliver_all(&event).await });
    }

    /// The event after its delay, twice if duplicated.
    async fn deliver_all(&self, event: &Event) {
        tokio::time::sleep(event.delay).await;
        let copies = if event.duplicate { 2 } else { 1 };
        for _ in 0..copies {
            self.deliver(event).await;
        }
    }

    async fn deliver(&self, event: &Event) {
        let event_id = &event.body.event_id;
        for attempt in 0..=RETRIES {
            if attempt > 0 {
                tokio::time::sleep(RETRY_DELAY).await;
            }
            self.update(event_id, |r| r.attempts += 1);
            match self.http.post(&event.url).json(&event.body).send().await {
                Ok(response) if response.status().is_success() => {
                    self.update(event_id, |r| r.outcome = CallbackOutcome::Delivered);
                    return;
                }
                Ok(response) => {
                    tracing::debug!(status = response.status().as_u16(), attempt, "status callback refused")
                }
                Err(error) => {
                    tracing::debug!(error = %error.without_url(), attempt, "status callback failed")
                }
            }
        }
        self.update(event_id, |r| {
            if r.outcome == CallbackOutcome::Pending {
                r.outcome = CallbackOutcome::GaveUp
            }
        });
        tracing::info!(%event_id, "status callback given up after {RETRIES} retries");
    }

    fn record(&self, record: CallbackRecord) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(record);
    }

    fn update(&self, event_id: &str, change: impl FnOnce(&mut CallbackRecord)) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(record) = log.iter_mut().find(|r| r.event_id == event_id) {
            change(record);
        }
    }
}
