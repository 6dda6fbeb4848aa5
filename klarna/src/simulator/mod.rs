//! An offline stand-in for Klarna's playground.
//!
//! It serves Klarna's API paths (Basic auth, the same bodies, status codes
//! and error envelope), the pages a shopper sees (payment page, QR image,
//! Distribution Module), and a control API under `/_sim` for tests. Mount
//! [`Simulator::router`] anywhere: at the root of its own port, or under a
//! prefix inside Kassa. `public_base` must be the URL it is reachable at,
//! because Klarna's responses carry absolute URLs.

mod api;
mod callbacks;
mod config;
mod control;
mod distribution;
mod envelope;
pub mod faults;
mod format;
mod outbox;
mod pages;
mod qr;
pub mod state;

pub use callbacks::{CallbackOutcome, CallbackRecord};
pub use config::{Channel, Profile, SimulatorConfig, View};
pub use faults::{CallbackFaults, Endpoint, EndpointFaults, Faults};
pub use outbox::OutboxMessage;
pub use state::PlacedOrder;

use axum::Router;
use distribution::DistributionInput;
use envelope::Refusal;
use state::{Authorization, AuthorizationState, Clock, Sessions};
use std::sync::{Arc, Mutex, MutexGuard};

/// The simulator; clones share one state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    sessions: Mutex<Sessions>,
    clock: Clock,
    callbacks: callbacks::Sender,
    faults: Mutex<faults::FaultState>,
}

impl Simulator {
    pub fn new(mut config: SimulatorConfig) -> Simulator {
        config.public_base = config.public_base.trim_end_matches('/').to_string();
        Simulator {
            inner: Arc::new(Inner {
                config,
                sessions: Mutex::default(),
                clock: Clock::default(),
                callbacks: callbacks::Sender::new(),
                faults: Mutex::default(),
            }),
        }
    }

    /// Klarna's API, the shopper's pages and the `/_sim` control API.
    pub fn router(&self) -> Router {
        Router::new().merge(api::routes(self)).merge(pages::routes()).merge(control::routes()).with_state(self.clone())
    }

    /// Ids of every HPP session created so far, for tests and tools.
    pub fn hpp_session_ids(&self) -> Vec<String> {
        self.sessions().hpp.keys().cloned().collect()
    }

    /// Every HPP session as the simulator holds it, each with the merchant's
    /// own reference for it (its KP session's `merchant_reference1`): the
    /// record a test checks a merchant's against.
    pub fn hpp_sessions_by_reference(&self) -> Vec<(Option<String>, state::HppSession)> {
        let sessions = self.sessions();
        sessions
            .hpp
            .values()
            .map(|hpp| {
                let reference =
                    sessions.kp.get(&hpp.kp_session_id).and_then(|kp| kp.request.merchant_reference1.clone());
                (reference, hpp.clone())
            })
            .collect()
    }

    /// Whether a shopper could still pay this HPP session now.
    pub fn is_payable(&self, session: &state::HppSession) -> bool {
        !session.status.is_final() && !session.is_expired(self.clock().now())
    }

    /// Faults injected since the last reset, by kind ("503", "429",
    /// "timeout", ...).
    pub fn injected_by_kind(&self) -> std::collections::BTreeMap<String, u64> {
        self.fault_state().injected_by_kind.clone()
    }

    /// Orders placed so far, by the merchant or (PLACE_ORDER, CAPTURE_ORDER)
    /// by Klarna, oldest first.
    pub fn orders(&self) -> Vec<PlacedOrder> {
        self.sessions().orders.clone()
    }

    /// Messages "sent" by distribution, oldest first.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.sessions().outbox.clone()
    }

    /// Every status callback event and what became of it, oldest first.
    pub fn callbacks(&self) -> Vec<CallbackRecord> {
        self.inner.callbacks.log()
    }

    /// An HPP session as read-session would return it, expired or not.
    pub fn hpp_session(&self, id: &str) -> Option<crate::wire::SessionResponse> {
        self.sessions().hpp.get(id).map(|s| s.to_response())
    }

    /// Replaces the fault configuration (counters of calls are kept).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        self.fault_state().faults = faults;
        Ok(())
    }

    /// Back to no faults; the call counts restart too.
    pub fn reset_faults(&self) {
        *self.fault_state() = faults::FaultState::default();
    }

    /// The fault configuration as it stands (counters used up so far).
    pub fn faults(&self) -> Faults {
        self.fault_state().faults.clone()
    }

    /// How many calls an endpoint has had since the last reset, faulty ones
    /// included ([`Endpoint::All`]: every endpoint).
    pub fn call_count(&self, endpoint: Endpoint) -> u64 {
        let state = self.fault_state();
        match endpoint {
            Endpoint::All => state.calls.values().sum(),
            e => state.calls.get(&e).copied().unwrap_or(0),
        }
    }

    /// Moves the simulator's clock forward (as `POST /_sim/clock`).
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.clock().advance(time::Duration::try_from(by).unwrap_or(time::Duration::MAX));
    }

    fn fault_state(&self) -> MutexGuard<'_, faults::FaultState> {
        self.inner.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        // A panic elsewhere must not take the whole simulator down.
        self.inner.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.config().profiles.iter().find(|p| p.id == id)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config().public_base)
    }

    /// Applies a shopper's action and, on a change, sends the status callback.
    fn act(&self, session_id: &str, action: state::ConsumerAction) -> Result<ActionOutcome, ActionRefused> {
        let now = self.clock().now();
        let mut sessions = self.sessions();
        let session = sessions.live_hpp_mut(session_id, now).ok_or(ActionRefused::NotFound)?;
        let before = session.status.clone();
        let destination = session.apply(action, now).map_err(ActionRefused::NotAllowed)?;
        let session = session.clone();
        if action == state::ConsumerAction::Authorize {
            if let Some(token) = &session.authorization_token {
                sessions.authorizations.insert(
                    token.clone(),
                    Authorization {
                        kp_session_id: session.kp_session_id.clone(),
                        hpp_session_id: session.id.clone(),
                        issued_at: now,
                        state: AuthorizationState::Open,
                    },
                );
            }
            if let Some(kp) = sessions.kp.get_mut(&session.kp_session_id) {
                // Klarna's order placement closes the KP session; with mode
                // NONE the merchant's place-order call does.
                if let Some(order_id) = &session.order_id {
                    kp.complete = true;
                    let order = PlacedOrder {
                        order_id: order_id.clone(),
                        authorization_token: None,
                        idempotency_key: None,
                        kp_session_id: kp.id.clone(),
                        hpp_session_id: Some(session.id.clone()),
                        order_amount: kp.request.order_amount,
                        purchase_currency: kp.request.purchase_currency.clone(),
                        auto_capture: session.place_order_mode == crate::wire::PlaceOrderMode::CaptureOrder,
                        placed_at: now,
                        captures: Vec::new(),
                        refunds: Vec::new(),
                    }
                    .captured_at_placement();
                    sessions.orders.push(order);
                }
            }
        }
        drop(sessions);
        if session.status != before {
            let plan = self.fault_state().callback_plan();
            self.inner.callbacks.send(&session, plan);
        }
        Ok(ActionOutcome {
            redirect: destination.and_then(|d| session.merchant_url(d)),
            status: session.status.clone(),
        })
    }

    /// Sends the payment link (API and Distribution Module alike).
    fn distribute_link(&self, session_id: &str, input: &DistributionInput) -> Result<OutboxMessage, Refusal> {
        let now = self.clock().now();
        let link = self.url(&format!("/pay/{session_id}"));
        distribution::send(&mut self.sessions(), session_id, input, now, link)
    }
}

struct ActionOutcome {
    status: crate::wire::SessionStatus,
    redirect: Option<String>,
}

enum ActionRefused {
    NotFound,
    NotAllowed(String),
}

/// Runs the simulator alone, serving Klarna's paths at the root.
pub async fn serve(listener: tokio::net::TcpListener, config: SimulatorConfig) -> std::io::Result<()> {
    axum::serve(listener, Simulator::new(config).router()).await
}
