//! Live status: every change to a payment is broadcast here, and server-sent
//! event streams per payment and per store read from it.

use app::model::PaymentView;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Fan-out of payment updates to every open stream.
#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Arc<PaymentView>>,
}

impl Default for EventHub {
    fn default() -> Self {
        // A slow stream that falls this far behind re-reads the current state.
        let (sender, _) = broadcast::channel(4096);
        EventHub { sender }
    }
}

impl EventHub {
    pub fn publish(&self, view: PaymentView) {
        // No subscribers is fine: nobody is watching.
        let _ = self.sender.send(Arc::new(view));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<PaymentView>> {
        self.sender.subscribe()
    }
}

fn event(view: &PaymentView) -> Event {
    Event::default().event("payment").data(serde_json::to_string(view).unwrap_or_default())
}

/// Something that says a stream is still being watched (dropped when the
/// client goes away).
pub type WatchGuard = Box<dyn Send + 'static>;

/// One payment's stream: its current state first, then every change, and
/// the stream ends after a final state. `reload` fetches the current state
/// after the stream fell behind.
pub fn payment_stream<F, Fut>(
    first: PaymentView,
    receiver: broadcast::Receiver<Arc<PaymentView>>,
    guard: WatchGuard,
    reload: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<PaymentView>> + Send,
{
    struct Watch<F> {
        id: String,
        pending: Option<PaymentView>,
        done: bool,
        receiver: broadcast::Receiver<Arc<PaymentView>>,
        reload: F,
        _guard: WatchGuard,
    }
    let watch = Watch { id: first.id.clone(), pending: Some(first), done: false, receiver, reload, _guard: guard };
    let stream = stream::unfold(watch, |mut watch| async move {
        if watch.done {
            return None;
        }
        let view = match watch.pending.take() {
            Some(view) => view,
            None => loop {
                match watch.receiver.recv().await {
                    Ok(view) if view.id == watch.id => break (*view).clone(),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => break (watch.reload)().await?,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            },
        };
        watch.done = view.status.is_final();
        Some((Ok(event(&view)), watch))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// A store's stream: every change to any of its payments.
pub fn store_stream(
    store_id: String,
    receiver: broadcast::Receiver<Arc<PaymentView>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = stream::unfold(receiver, move |mut receiver| {
        let store_id = store_id.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(view) if view.store_id == store_id => return Some((Ok(event(&view)), receiver)),
                    Ok(_) => continue,
                    // Tell the client to re-list; it missed updates.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        return Some((Ok(Event::default().event("resync").data("{}")), receiver))
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
