//! Server-sent events that never go stale without saying so. The server
//! sends the current state first on every connect (a store stream says
//! `resync`), and the browser retries a dropped connection by itself. But a
//! browser gives up for good on any answer that is not a stream (a proxy's
//! 502 during a restart, a 401 once the session ended): then we open a new
//! one after a growing pause, and tell the page, which can check why.

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

type Listener = Closure<dyn FnMut(web_sys::MessageEvent)>;
type Handler = Closure<dyn FnMut()>;

/// The first pause after a refusal; it doubles up to `LONGEST_PAUSE`.
const FIRST_PAUSE_MS: f64 = 1_000.0;
const LONGEST_PAUSE_MS: f64 = 30_000.0;

/// What to open and what to do with it; `open` starts it.
pub struct LiveStream {
    url: String,
    connected: RwSignal<bool>,
    listeners: Vec<(&'static str, Listener)>,
    on_open: Box<dyn Fn()>,
    on_refused: Box<dyn Fn()>,
}

impl LiveStream {
    /// A stream from `url`; `connected` says whether it is up, so a screen
    /// can warn that what it shows may be out of date.
    pub fn new(url: impl Into<String>, connected: RwSignal<bool>) -> LiveStream {
        LiveStream {
            url: url.into(),
            connected,
            listeners: Vec::new(),
            on_open: Box::new(|| {}),
            on_refused: Box::new(|| {}),
        }
    }

    /// Hands each `name` event's JSON data, read as `T`, to `on_value`.
    pub fn on<T: DeserializeOwned>(mut self, name: &'static str, on_value: impl Fn(T) + 'static) -> LiveStream {
        let listener = Listener::new(move |event: web_sys::MessageEvent| {
            if let Some(value) = event.data().as_string().and_then(|text| serde_json::from_str::<T>(&text).ok()) {
                on_value(value);
            }
        });
        self.listeners.push((name, listener));
        self
    }

    /// Runs `on_signal` at each `name` event, whatever its data.
    pub fn on_signal(mut self, name: &'static str, on_signal: impl Fn() + 'static) -> LiveStream {
        self.listeners.push((name, Listener::new(move |_| on_signal())));
        self
    }

    /// Runs at every (re)connect: the moment to fetch what may have been missed.
    pub fn on_open(mut self, on_open: impl Fn() + 'static) -> LiveStream {
        self.on_open = Box::new(on_open);
        self
    }

    /// Runs when the server answered with something other than a stream.
    pub fn on_refused(mut self, on_refused: impl Fn() + 'static) -> LiveStream {
        self.on_refused = Box::new(on_refused);
        self
    }

    /// Connects; the stream lives until the handle is dropped.
    pub fn open(self) -> Live {
        let live = Rc::new(Connection {
            spec: self,
            source: RefCell::new(None),
            handlers: RefCell::new(None),
            refusals: Cell::new(0),
            pause: RefCell::new(None),
            ended: Cell::new(false),
        });
        connect(&live);
        Live(live)
    }
}

/// An open stream; dropping it closes the connection for good.
pub struct Live(Rc<Connection>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.ended.set(true);
        if let Some(source) = self.0.source.take() {
            source.close();
        }
        if let Some(pause) = self.0.pause.take() {
            pause.clear();
        }
    }
}

struct Connection {
    spec: LiveStream,
    source: RefCell<Option<web_sys::EventSource>>,
    /// `open` and `error` handlers of the current source (they hold only a
    /// weak reference, so a dropped `Live` is not kept alive by them).
    handlers: RefCell<Option<(Handler, Handler)>>,
    /// Refusals in a row, for the pause before the next try.
    refusals: Cell<u32>,
    pause: RefCell<Option<TimeoutHandle>>,
    ended: Cell<bool>,
}

fn connect(live: &Rc<Connection>) {
    if live.ended.get() {
        return;
    }
    let Ok(source) = web_sys::EventSource::new(&live.spec.url) else {
        return refused(live);
    };
    for (name, listener) in &live.spec.listeners {
        let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    }
    let (on_open, on_error) = (Rc::downgrade(live), Rc::downgrade(live));
    let on_open = Handler::new(move || {
        if let Some(live) = on_open.upgrade() {
            live.refusals.set(0);
            live.spec.connected.set(true);
            (live.spec.on_open)();
        }
    });
    let on_error = Handler::new(move || {
        let Some(live) = on_error.upgrade() else { return };
        live.spec.connected.set(false);
        // CONNECTING: the browser retries by itself. CLOSED: it gave up.
        let closed = live.source.borrow().as_ref().is_some_and(|s| s.ready_state() == web_sys::EventSource::CLOSED);
        if closed {
            refused(&live);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if let Some(old) = live.source.replace(Some(source)) {
        old.close();
    }
    live.handlers.replace(Some((on_open, on_error)));
}

/// The server would not stream: tell the page, and try again after a pause
/// that doubles with each refusal in a row (with jitter, so a store's
/// tablets do not all come back in the same instant after a restart).
fn refused(live: &Rc<Connection>) {
    if live.ended.get() {
        return;
    }
    if let Some(source) = live.source.take() {
        source.close();
    }
    let refusals = live.refusals.get();
    live.refusals.set(refusals.saturating_add(1));
    let pause = (FIRST_PAUSE_MS * 2f64.powi(refusals.min(8) as i32)).min(LONGEST_PAUSE_MS);
    let pause = pause * (0.75 + 0.5 * js_sys::Math::random());
    let weak: Weak<Connection> = Rc::downgrade(live);
    let handle = set_timeout_with_handle(
        move || {
            if let Some(live) = weak.upgrade() {
                connect(&live);
            }
        },
        Duration::from_millis(pause as u64),
    );
    live.pause.replace(handle.ok());
    (live.spec.on_refused)();
}
