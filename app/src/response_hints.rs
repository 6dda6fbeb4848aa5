//! What a page or server function wants in its answer's headers, handed to
//! the server's header layer through the request itself. Leptos's
//! `ResponseOptions` now and then lost its headers (seen in browser runs as
//! a page without its CSP nonce, and as a 302 without `Location`, while the
//! status survived), so the headers that matter travel this way as well.

use std::sync::{Arc, OnceLock};

/// Put into each request's extensions by the header layer, read back by it
/// once the answer has started.
#[derive(Clone, Debug, Default)]
pub struct ResponseHints(Arc<Hints>);

#[derive(Debug, Default)]
struct Hints {
    nonce: OnceLock<String>,
    location: OnceLock<String>,
}

impl ResponseHints {
    /// The nonce Leptos put on this page's inline scripts.
    pub fn nonce(&self) -> Option<&str> {
        self.0.nonce.get().map(String::as_str)
    }

    /// Where a redirect of this answer points.
    pub fn location(&self) -> Option<&str> {
        self.0.location.get().map(String::as_str)
    }

    /// The current request's hints, if the header layer gave it some.
    fn current() -> Option<ResponseHints> {
        leptos::prelude::use_context::<http::request::Parts>()?.extensions.get::<ResponseHints>().cloned()
    }

    pub fn record_nonce(&self, nonce: &str) {
        let _ = self.0.nonce.set(nonce.to_string());
    }

    pub fn record_location(&self, path: &str) {
        let _ = self.0.location.set(path.to_string());
    }

    /// Records the nonce in the current request's hints.
    pub fn set_nonce(nonce: &str) {
        if let Some(hints) = Self::current() {
            hints.record_nonce(nonce);
        }
    }

    /// Records where the current request's answer redirects.
    pub fn set_location(path: &str) {
        if let Some(hints) = Self::current() {
            hints.record_location(path);
        }
    }
}
