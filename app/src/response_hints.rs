//! What a page wants in its answer's headers, handed to the server's header
//! layer through the request itself: the layer owns the Content Security
//! Policy, but what the page runs is known only inside Leptos's render.

use std::sync::{Arc, OnceLock};

/// What a rendered page runs, for its Content Security Policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageScripts {
    /// The app's script, and inline scripts carrying this nonce.
    Nonce(String),
    /// Nothing at all (the sign-in page).
    None,
    /// Nothing at all, and its form's answer may send the browser on to
    /// Klarna's payment page (the demo shop's cart).
    NoneFormToKlarna,
}

/// Put into each request's extensions by the header layer, read back by it
/// once the answer has started.
#[derive(Clone, Debug, Default)]
pub struct ResponseHints(Arc<OnceLock<PageScripts>>);

impl ResponseHints {
    /// What this page runs, if the answer is a page.
    pub fn page_scripts(&self) -> Option<&PageScripts> {
        self.0.get()
    }

    pub fn record(&self, scripts: PageScripts) {
        let _ = self.0.set(scripts);
    }

    /// Records what the page being rendered runs in the current request's
    /// hints, if the header layer gave it some.
    pub fn set_page_scripts(scripts: PageScripts) {
        let hints = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|request| request.extensions.get::<ResponseHints>().cloned());
        if let Some(hints) = hints {
            hints.record(scripts);
        }
    }
}
