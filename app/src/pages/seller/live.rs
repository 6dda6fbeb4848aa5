//! Live status in the browser: server-sent events and a ticking clock.

use crate::model::PaymentView;
use leptos::prelude::*;

/// Follows the shown payment over server-sent events until it is final.
/// Only the server's state moves the screen; the browser reconnects by
/// itself and the server sends the current state first on every connect.
/// `connected` says whether the stream is up, so the screen can warn that
/// what it shows may be out of date.
pub fn follow_while_open(payment: RwSignal<Option<PaymentView>>, connected: RwSignal<bool>) {
    // The effect keeps the open stream as its own value: effects run only in
    // the browser, so nothing browser-only is ever made during SSR.
    Effect::new(move |previous: Option<Option<Stream>>| {
        let previous = previous.flatten();
        let open = payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).map(|p| p.id.clone()));
        if previous.as_ref().map(|s| &s.payment_id) == open.as_ref() {
            return previous;
        }
        // Another payment, or none: close what was open.
        drop(previous);
        open.and_then(|id| {
            Stream::open(
                &format!("/seller/payments/{id}/events"),
                id,
                move |view| {
                    if payment.with_untracked(|p| p.as_ref().is_some_and(|p| p.id == view.id)) {
                        payment.set(Some(view));
                    }
                },
                connected,
            )
        })
    });
}

/// An open `EventSource` that hands each `payment` event to a callback and
/// keeps `connected` up to date (the browser retries a lost connection).
pub struct Stream {
    pub payment_id: String,
    source: web_sys::EventSource,
    _on_payment: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_open: wasm_bindgen::closure::Closure<dyn FnMut()>,
    _on_error: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Stream {
    pub fn open(
        url: &str,
        payment_id: String,
        on_update: impl Fn(PaymentView) + 'static,
        connected: RwSignal<bool>,
    ) -> Option<Stream> {
        use wasm_bindgen::JsCast;
        let source = web_sys::EventSource::new(url).ok()?;
        let on_open = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || connected.set(true));
        let on_error = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || connected.set(false));
        source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref()).ok()?;
        source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref()).ok()?;
        let on_payment = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let view = event.data().as_string().and_then(|text| serde_json::from_str::<PaymentView>(&text).ok());
                if let Some(view) = view {
                    on_update(view);
                }
            },
        );
        source.add_event_listener_with_callback("payment", on_payment.as_ref().unchecked_ref()).ok()?;
        Some(Stream { payment_id, source, _on_payment: on_payment, _on_open: on_open, _on_error: on_error })
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
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

/// "14:32" from milliseconds left (never negative).
pub fn minutes_seconds(millis: f64) -> String {
    let total = (millis.max(0.0) / 1000.0).ceil() as u64;
    let (hours, minutes, seconds) = (total / 3600, (total / 60) % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

/// Unix milliseconds of an RFC 3339 time, read by the browser.
pub fn parse_time(rfc3339: &str) -> Option<f64> {
    let millis = js_sys::Date::parse(rfc3339);
    (!millis.is_nan()).then_some(millis)
}

#[cfg(test)]
mod tests {
    #[test]
    fn countdown_text() {
        assert_eq!(super::minutes_seconds(872_000.0), "14:32");
        assert_eq!(super::minutes_seconds(1.0), "0:01");
        assert_eq!(super::minutes_seconds(-5.0), "0:00");
        assert_eq!(super::minutes_seconds(3_723_000.0), "1:02:03");
    }
}
