//! Live status of the till's payment: it follows server-sent events.

use crate::browser::Stream;
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
