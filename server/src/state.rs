//! The one state every handler and port shares: the services.

use crate::guard::FailureLimit;
use crate::kiosks::Kiosks;
use crate::payments::PaymentService;
use crate::sellers::Sellers;
use axum::extract::FromRef;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub payments: Arc<PaymentService>,
    pub kiosks: Arc<Kiosks>,
    pub sellers: Arc<Sellers>,
    /// Failed sign-ins, enrolments and API keys per client address.
    pub failures: Arc<FailureLimit>,
}

impl AppState {
    /// The services around one payment service (kiosks follow its events;
    /// sign-in reads the same database and configuration).
    pub fn new(payments: Arc<PaymentService>) -> AppState {
        let failures = Arc::new(FailureLimit::default());
        let sellers =
            Arc::new(Sellers::new(payments.storage().clone(), payments.live_config().clone(), failures.clone()));
        AppState { kiosks: Kiosks::start(payments.clone()), sellers, payments, failures }
    }

    /// Whether Kassa is reached over https (cookies then get `Secure`).
    pub fn https(&self) -> bool {
        self.payments.config().public_url.starts_with("https://")
    }
}

impl FromRef<AppState> for Arc<PaymentService> {
    fn from_ref(state: &AppState) -> Self {
        state.payments.clone()
    }
}

impl FromRef<AppState> for Arc<Kiosks> {
    fn from_ref(state: &AppState) -> Self {
        state.kiosks.clone()
    }
}

impl FromRef<AppState> for Arc<Sellers> {
    fn from_ref(state: &AppState) -> Self {
        state.sellers.clone()
    }
}
