//! Server-sent event streams: one payment, a store's payments, a kiosk.
//! Each starts with the current state, so a reconnecting screen is right
//! at once, and keeps the connection alive through proxies.

use crate::kiosks::{KioskError, Kiosks};
use crate::payments::{PaymentError, PaymentService};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::kiosk::KioskView;
use domain::{PaymentStatus, PaymentView};
use futures::stream::{self, Stream, StreamExt};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

fn keep_alive<S>(stream: S) -> Response
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default().event(name).data(serde_json::to_string(value).unwrap_or_default())
}

/// One payment of a store: its state now, then every change; the stream
/// ends after a final state. The payment is read fast while it is open.
pub async fn payment_stream(
    service: Arc<PaymentService>,
    store_id: String,
    id: String,
) -> Result<Response, PaymentError> {
    let receiver = service.events().subscribe();
    let first = service.get(&store_id, &id).await?;
    struct Watch {
        service: Arc<PaymentService>,
        store_id: String,
        pending: Option<PaymentView>,
        done: bool,
        receiver: broadcast::Receiver<Arc<PaymentView>>,
        _guard: crate::payments::WatchGuard,
    }
    let watch = Watch { _guard: service.watch(&id), service, store_id, pending: Some(first), done: false, receiver };
    let events = stream::unfold(watch, move |mut watch| {
        let id = id.clone();
        async move {
            if watch.done {
                return None;
            }
            let view = match watch.pending.take() {
                Some(view) => view,
                None => loop {
                    match watch.receiver.recv().await {
                        Ok(view) if view.id == id => break (*view).clone(),
                        Ok(_) => continue,
                        // Fell behind: the state now says all that was missed.
                        Err(RecvError::Lagged(_)) => break watch.service.get(&watch.store_id, &id).await.ok()?,
                        Err(RecvError::Closed) => return None,
                    }
                },
            };
            watch.done = view.status.is_final();
            Some((Ok(json_event("payment", &view)), watch))
        }
    });
    Ok(keep_alive(events))
}

/// Every change to any of a store's payments; `resync` tells the client to
/// re-list after it missed some.
pub fn store_stream(store_id: String, receiver: broadcast::Receiver<Arc<PaymentView>>) -> Response {
    let events = stream::unfold(receiver, move |mut receiver| {
        let store_id = store_id.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(view) if view.store_id == store_id => {
                        return Some((Ok(json_event("payment", &*view)), receiver))
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => {
                        return Some((Ok(Event::default().event("resync").data("{}")), receiver))
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    keep_alive(events)
}

/// A kiosk's state now, then every change (`kiosk` events); with
/// `with_paid`, also one `paid` event per paid payment, for the
/// self-checkout system.
pub fn kiosk_stream(kiosks: &Kiosks, kiosk_id: &str, with_paid: bool) -> Result<Response, KioskError> {
    let receiver = kiosks.subscribe();
    let first: KioskView = kiosks.state(kiosk_id)?;
    let kiosk_id = first.kiosk_id.clone();
    let start = (Some(first), receiver, None::<String>);
    let events = stream::unfold(start, move |(pending, mut receiver, mut paid)| {
        let kiosk_id = kiosk_id.clone();
        async move {
            let view = match pending {
                Some(view) => view,
                None => loop {
                    match receiver.recv().await {
                        Ok(view) if view.kiosk_id == kiosk_id => break (*view).clone(),
                        Ok(_) | Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                },
            };
            let mut out = vec![Ok::<_, Infallible>(json_event("kiosk", &view))];
            let completed = view.payment.as_ref().filter(|p| p.status == PaymentStatus::Completed);
            if let (true, Some(payment)) = (with_paid, completed) {
                if paid.as_deref() != Some(payment.id.as_str()) {
                    paid = Some(payment.id.clone());
                    out.push(Ok(json_event("paid", payment)));
                }
            }
            Some((stream::iter(out), (None, receiver, paid)))
        }
    });
    Ok(keep_alive(events.flatten()))
}
