//! Browser-only helpers. They compile into the server build too, but are
//! only called from effects and event handlers, which run in the browser.

mod attempt_key;
mod clock;
mod events;
mod form_value;
mod post;
mod storage;

pub use attempt_key::new_attempt_key;
pub use clock::{now, parse_time, ticking_clock};
pub use events::{Live, LiveStream};
pub use form_value::bind_value;
pub use post::{load_page_if_answered, post_form};
pub use storage::forget_browser_storage;

/// A full page load of `url` (so the next page starts with new cookies).
pub fn load_page(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}
