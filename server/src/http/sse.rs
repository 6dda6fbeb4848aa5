//! Server-sent event streams: one payment, a store's payments, a kiosk.
//! Each starts with the current state (or, for a store, with `resync` when
//! the client says it saw earlier events), so a reconnecting screen is
//! right at once; every state event carries an id, and the first event says
//! how soon to reconnect; a comment every 15 s keeps the connection alive
//! through proxies, which are told to pass each event on at once.

use crate::events::Change;
use crate::kiosks::{KioskError, Kiosks};
use crate::payments::{PaymentError, PaymentService};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::kiosk::KioskView;
use domain::{PaymentStatus, PaymentView, RefundView};
use futures::stream::{self, Stream, StreamExt};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

/// The response for a stream, counted as open (`kassa_sse_streams_open`)
/// until the client leaves or the stream ends.
fn keep_alive<S>(name: &'static str, stream: S) -> Response
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    let open = crate::telemetry::OpenStream::new(name);
    let stream = stream.map(move |event| {
        let _counted = &open;
        event
    });
    let mut response = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    // Kassa runs behind a TLS proxy: nginx holds a response back until its
    // buffer fills unless told not to (a screen would show a status minutes
    // late), and a proxy that recompresses may batch events too.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform"));
    headers.insert(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"));
    response
}

/// How long a browser waits before reconnecting a dropped stream (its own
/// default is about 3 s; a till should be back sooner).
pub const RECONNECT_AFTER: Duration = Duration::from_secs(2);

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default().event(name).data(serde_json::to_string(value).unwrap_or_default())
}

/// A payment event, its id saying which state of which payment it carries.
fn payment_event(view: &PaymentView) -> Event {
    json_event("payment", view).id(format!("{}@{}", view.id, view.updated_at))
}

/// A refund event, its id saying which state of which refund it carries.
fn refund_event(refund: &RefundView) -> Event {
    json_event("refund", refund).id(format!("{}@{}", refund.id, refund.updated_at))
}

/// A kiosk event; the id names the server instance and revision, which
/// order a kiosk's states.
fn kiosk_event(view: &KioskView) -> Event {
    json_event("kiosk", view).id(format!("{}:{}", view.instance, view.revision))
}

/// The `Last-Event-ID` a reconnecting browser sends: it saw events before.
pub fn resumed(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("last-event-id")
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
        first: bool,
        done: bool,
        receiver: broadcast::Receiver<Arc<Change>>,
        _guard: crate::payments::WatchGuard,
    }
    let watch = Watch {
        _guard: service.watch(&id),
        service,
        store_id,
        pending: Some(first),
        first: true,
        done: false,
        receiver,
    };
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
                        // Changes may have been missed: the state now says all of them.
                        Ok(change) if *change == Change::Resync => {
                            break watch.service.get(&watch.store_id, &id).await.ok()?
                        }
                        Ok(change) => match change.payment() {
                            Some(view) if view.id == id => break view.clone(),
                            _ => continue,
                        },
                        // Fell behind: the state now says all that was missed.
                        Err(RecvError::Lagged(_)) => break watch.service.get(&watch.store_id, &id).await.ok()?,
                        Err(RecvError::Closed) => return None,
                    }
                },
            };
            watch.done = view.status.is_final();
            let first = watch.first;
            watch.first = false;
            let event = payment_event(&view);
            Some((Ok(if first { event.retry(RECONNECT_AFTER) } else { event }), watch))
        }
    });
    Ok(keep_alive("payment", events))
}

fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

/// Every change to any of a store's payments (`payment`) and their refunds
/// (`refund`); `resync` tells the client to
/// re-list: after it fell behind, and first thing when it reconnects
/// (`resumed`), since changes while it was away were not kept for it.
pub fn store_stream(store_id: String, receiver: broadcast::Receiver<Arc<Change>>, resumed: bool) -> Response {
    let first = if resumed { resync() } else { Event::default().comment("live") };
    let events = stream::unfold(receiver, move |mut receiver| {
        let store_id = store_id.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(change) if change.store_id().is_none_or(|id| id == store_id) => {
                        let event = match &*change {
                            Change::Payment(view) => payment_event(view),
                            Change::Refund { refund, .. } => refund_event(refund),
                            Change::Resync => resync(),
                            Change::KioskSaved(_) => continue,
                        };
                        return Some((Ok(event), receiver));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => return Some((Ok(resync()), receiver)),
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    keep_alive("store", stream::once(async move { Ok(first.retry(RECONNECT_AFTER)) }).chain(events))
}

/// A kiosk's state now, then every change (`kiosk` events); with
/// `with_paid`, also one `paid` event per paid payment, for the
/// self-checkout system.
pub fn kiosk_stream(kiosks: Arc<Kiosks>, kiosk_id: &str, with_paid: bool) -> Result<Response, KioskError> {
    let receiver = kiosks.subscribe();
    let first: KioskView = kiosks.state(kiosk_id)?;
    let kiosk_id = first.kiosk_id.clone();
    let start = (Some(first), receiver, None::<String>, true);
    let events = stream::unfold(start, move |(pending, mut receiver, mut paid, first)| {
        let (kiosk_id, kiosks) = (kiosk_id.clone(), kiosks.clone());
        async move {
            let view = match pending {
                Some(view) => view,
                None => loop {
                    match receiver.recv().await {
                        Ok(view) if view.kiosk_id == kiosk_id => break (*view).clone(),
                        Ok(_) => continue,
                        // Fell behind: the state now says all that was missed.
                        Err(RecvError::Lagged(_)) => break kiosks.state(&kiosk_id).ok()?,
                        Err(RecvError::Closed) => return None,
                    }
                },
            };
            let event = kiosk_event(&view);
            let mut out = vec![Ok::<_, Infallible>(if first { event.retry(RECONNECT_AFTER) } else { event })];
            let completed = view.payment.as_ref().filter(|p| p.status == PaymentStatus::Completed);
            if let (true, Some(payment)) = (with_paid, completed) {
                if paid.as_deref() != Some(payment.id.as_str()) {
                    paid = Some(payment.id.clone());
                    out.push(Ok(json_event("paid", payment)));
                }
            }
            Some((stream::iter(out), (None, receiver, paid, false)))
        }
    });
    Ok(keep_alive("kiosk", events.flatten()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kiosks::tests::{state_with_second_store, LINES};
    use axum::body::Body;
    use domain::{Currency, MinorUnits};
    use http_body_util::BodyExt;

    /// The next event (or comment) of an endless stream, as the wire shows it.
    async fn next_event(body: &mut Body) -> String {
        let mut text = String::new();
        while !text.ends_with("\n\n") {
            let frame = tokio::time::timeout(Duration::from_secs(5), body.frame()).await.expect("an event in time");
            let data = frame.expect("the stream goes on").unwrap().into_data().unwrap();
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
        text
    }

    fn payment(id: &str, store_id: &str, updated_at: &str) -> PaymentView {
        PaymentView {
            id: id.into(),
            store_id: store_id.into(),
            status: PaymentStatus::Waiting,
            currency: Currency::parse("SEK").unwrap(),
            order_amount: MinorUnits(100),
            order_tax_amount: MinorUnits(0),
            distribution_module_url: None,
            redirect_url: None,
            qr_code_url: None,
            expires_at: None,
            order_id: None,
            klarna_reference: None,
            created_at: "2026-11-30T08:00:00Z".into(),
            updated_at: updated_at.into(),
            created_at_local: String::new(),
            updated_at_local: String::new(),
            expires_at_local: None,
            capture: None,
            refunded_amount: MinorUnits(0),
            problem: None,
        }
    }

    #[tokio::test]
    async fn the_store_stream_names_each_state_and_tells_a_returning_client_to_list_again() {
        let (sender, _) = broadcast::channel(8);
        let mut fresh = store_stream("stockholm".into(), sender.subscribe(), false).into_body();
        let mut back = store_stream("stockholm".into(), sender.subscribe(), true).into_body();
        assert_eq!(next_event(&mut fresh).await, ": live\nretry: 2000\n\n");
        assert_eq!(next_event(&mut back).await, "event: resync\ndata: {}\nretry: 2000\n\n");

        sender.send(Arc::new(Change::Payment(payment("p-other", "malmo", "2026-11-30T08:00:01Z")))).unwrap();
        sender.send(Arc::new(Change::Payment(payment("p-1", "stockholm", "2026-11-30T08:00:02Z")))).unwrap();
        for body in [&mut fresh, &mut back] {
            let event = next_event(body).await;
            assert!(
                event.starts_with("event: payment\ndata: {\"id\":\"p-1\""),
                "another store's payment is not sent: {event}"
            );
            assert!(event.ends_with("id: p-1@2026-11-30T08:00:02Z\n\n"), "{event}");
        }
        let refund: RefundView = serde_json::from_value(serde_json::json!({
            "id": "r-1", "payment_id": "p-1", "amount": 50, "reference": null, "status": "refunded",
            "requested_by": "anna", "created_at": "2026-11-30T08:00:03Z", "updated_at": "2026-11-30T08:00:04Z",
            "problem": null
        }))
        .unwrap();
        let other = RefundView { id: "r-other".into(), ..refund.clone() };
        sender.send(Arc::new(Change::Refund { store_id: "malmo".into(), refund: other })).unwrap();
        sender.send(Arc::new(Change::Refund { store_id: "stockholm".into(), refund })).unwrap();
        let event = next_event(&mut fresh).await;
        assert!(event.starts_with("event: refund\ndata: {\"id\":\"r-1\""), "not another store's: {event}");
        assert!(event.ends_with("id: r-1@2026-11-30T08:00:04Z\n\n"), "{event}");
    }

    #[tokio::test]
    async fn a_store_stream_that_falls_behind_says_resync() {
        let (sender, _) = broadcast::channel(2);
        let mut body = store_stream("stockholm".into(), sender.subscribe(), false).into_body();
        next_event(&mut body).await;
        for n in 0..5 {
            let view = payment(&format!("p-{n}"), "stockholm", "2026-11-30T08:00:02Z");
            sender.send(Arc::new(Change::Payment(view))).unwrap();
        }
        assert!(next_event(&mut body).await.starts_with("event: resync\n"));
        assert!(next_event(&mut body).await.contains("id: p-3@"), "then the changes it still holds");
    }

    #[tokio::test]
    async fn a_kiosk_stream_that_falls_behind_sends_the_state_now() {
        let (state, _klarna) = state_with_second_store().await;
        let kiosks = state.kiosks;
        let mut body = kiosk_stream(kiosks.clone(), "kiosk-1", false).unwrap().into_body();
        let first = next_event(&mut body).await;
        assert!(first.starts_with("event: kiosk\n") && first.contains("retry: 2000\n"), "{first}");
        // More changes than the hub keeps for a slow reader.
        for _ in 0..1100 {
            kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).await.unwrap();
        }
        let now = kiosks.state("kiosk-1").unwrap();
        let event = next_event(&mut body).await;
        let id = format!("id: {}:{}\n", now.instance, now.revision);
        assert!(event.contains(&id), "the latest revision, not an old one: {event}");
        assert!(!event.contains("retry:"), "{event}");
    }
}
