//! What a page wants in its answer's headers, handed to the server's header
//! layer through the request itself: the layer owns the Content Security
//! Policy, but the nonce it must name exists only inside Leptos's render.

use std::sync::{Arc, OnceLock};

/// Put into each request's extensions by the header layer, read back by it
/// once the answer has started.
#[derive(Clone, Debug, Default)]
pub struct ResponseHints(Arc<OnceLock<String>>);

impl ResponseHints {
    /// The nonce Leptos put on this page's inline scripts.
    pub fn nonce(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }

    pub fn record_nonce(&self, nonce: &str) {
        let _ = self.0.set(nonce.to_string());
    }

    /// Records the nonce in the current request's hints, if the header layer
    /// gave it some.
    pub fn set_nonce(nonce: &str) {
        let hints = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|request| request.extensions.get::<ResponseHints>().cloned());
        if let Some(hints) = hints {
            hints.record_nonce(nonce);
        }
    }
}
