//! The browser's clock. The server never reads it: what it renders must not
//! depend on a time the browser would see differently.

use leptos::prelude::*;

/// The browser clock in Unix ms; `None` during SSR.
pub fn now() -> Option<f64> {
    #[cfg(feature = "hydrate")]
    {
        Some(js_sys::Date::now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The browser's clock in Unix milliseconds, ticking every second; `None`
/// during SSR and before hydration, so the server never renders a guess.
pub fn ticking_clock() -> ReadSignal<Option<f64>> {
    let (now, set_now) = signal(None::<f64>);
    Effect::new(move |_| {
        set_now.set(Some(js_sys::Date::now()));
        let handle =
            set_interval_with_handle(move || set_now.set(Some(js_sys::Date::now())), std::time::Duration::from_secs(1))
                .ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    });
    now
}

/// Unix milliseconds of an RFC 3339 time, read by the browser.
pub fn parse_time(rfc3339: &str) -> Option<f64> {
    let millis = js_sys::Date::parse(rfc3339);
    (!millis.is_nan()).then_some(millis)
}
