//! Server-sent events: the server pushes every change, the browser
//! reconnects by itself, and the server sends the current state first on
//! every connect.

use crate::kiosk::KioskView;
use crate::model::PaymentView;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A listener that hands each event's JSON data, read as `T`, to `on_value`.
fn json_listener<T: DeserializeOwned>(on_value: impl Fn(T) + 'static) -> Closure<dyn FnMut(web_sys::MessageEvent)> {
    Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        if let Some(value) = event.data().as_string().and_then(|text| serde_json::from_str::<T>(&text).ok()) {
            on_value(value);
        }
    })
}

/// An open `EventSource` that hands each `payment` event to a callback and
/// keeps `connected` up to date (the browser retries a lost connection).
pub struct Stream {
    pub payment_id: String,
    source: web_sys::EventSource,
    _on_payment: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_open: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut()>,
}

impl Stream {
    pub fn open(
        url: &str,
        payment_id: String,
        on_update: impl Fn(PaymentView) + 'static,
        connected: RwSignal<bool>,
    ) -> Option<Stream> {
        let source = web_sys::EventSource::new(url).ok()?;
        let on_open = Closure::<dyn FnMut()>::new(move || connected.set(true));
        let on_error = Closure::<dyn FnMut()>::new(move || connected.set(false));
        source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref()).ok()?;
        source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref()).ok()?;
        let on_payment = json_listener(on_update);
        source.add_event_listener_with_callback("payment", on_payment.as_ref().unchecked_ref()).ok()?;
        Some(Stream { payment_id, source, _on_payment: on_payment, _on_open: on_open, _on_error: on_error })
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Follows `/kiosk/events` for the page's lifetime.
pub fn follow_kiosk(on_view: impl Fn(KioskView) + 'static) {
    let Ok(source) = web_sys::EventSource::new("/kiosk/events") else { return };
    let listener = json_listener(on_view);
    let _ = source.add_event_listener_with_callback("kiosk", listener.as_ref().unchecked_ref());
    // The kiosk page never leaves, so neither does its stream.
    listener.forget();
}
