//! The payment page a shopper opens from the link or QR code, its actions
//! and result pages, and the QR image.

use super::layout::{error_page, expired_page, page};
use crate::simulator::format::{escape, money};
use crate::simulator::qr;
use crate::simulator::state::{ConsumerAction, HppSession, KpSession};
use crate::simulator::{ActionRefused, Simulator};
use crate::wire::SessionStatus;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// The session and its KP cart, if the session is still known and live.
pub fn find(sim: &Simulator, id: &str) -> Option<(HppSession, KpSession)> {
    let now = sim.clock().now();
    let sessions = sim.sessions();
    let hpp = sessions.live_hpp(id, now)?.clone();
    let kp = sessions.kp.get(&hpp.kp_session_id)?.clone();
    Some((hpp, kp))
}

fn cart_table(kp: &KpSession) -> String {
    let currency = &kp.request.purchase_currency;
    let rows: String = kp
        .request
        .order_lines
        .iter()
        .map(|line| {
            format!(
                "<tr><td>{} × {}</td><td class=\"num\">{}</td></tr>",
                line.quantity,
                escape(&line.name),
                money(line.total_amount, currency)
            )
        })
        .collect();
    format!(
        "<table aria-label=\"Your purchase\">{rows}<tr class=\"total\"><td>Total</td><td class=\"num\">{}</td></tr></table>",
        money(kp.request.order_amount, currency)
    )
}

pub async fn payment_page(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    let Some((session, _)) = find(&sim, &id) else {
        return expired_page();
    };
    if !session.status.is_final() {
        // Opening the link is what moves a session to IN_PROGRESS.
        let _ = sim.act(&id, ConsumerAction::Open);
    }
    let Some((session, kp)) = find(&sim, &id) else {
        return expired_page();
    };
    Html(page("Pay with Klarna", &payment_body(&sim, &session, &kp))).into_response()
}

pub fn payment_body(sim: &Simulator, session: &HppSession, kp: &KpSession) -> String {
    let id = &session.id;
    match session.status {
        SessionStatus::Completed => {
            return format!("<h1>Payment complete</h1><p>Thank you! You can close this page.</p>{}", cart_table(kp))
        }
        SessionStatus::Cancelled => return "<h1>Payment cancelled</h1><p>You cancelled this purchase.</p>".into(),
        SessionStatus::Disabled => {
            return "<h1>Link not valid</h1><p class=\"error\">The store has withdrawn this payment link.</p>".into()
        }
        _ => {}
    }
    let action = |name: &str| sim.url(&format!("/pay/{id}/{name}"));
    // Klarna shows Back when the merchant gave a back URL, Cancel otherwise.
    let leave = if session.merchant_urls.back.is_some() {
        format!("<form method=\"post\" action=\"{}\"><button>Go back to the store</button></form>", action("back"))
    } else {
        format!("<a class=\"button\" href=\"{}\">Cancel payment</a>", action("cancel"))
    };
    format!(
        "<h1>Pay with Klarna</h1>{cart}\
         <form method=\"post\" action=\"{pay}\"><button class=\"primary\">Pay {total}</button></form>\
         {leave}\
         <p class=\"note\">Simulator only: make Klarna refuse or fail this attempt.</p>\
         <form method=\"post\" action=\"{decline}\"><button>Simulate a decline</button></form>\
         <form method=\"post\" action=\"{error}\"><button>Simulate an error</button></form>",
        cart = cart_table(kp),
        pay = action("authorize"),
        total = money(kp.request.order_amount, &kp.request.purchase_currency),
        decline = action("decline"),
        error = action("error"),
    )
}

pub async fn confirm_cancel(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    if find(&sim, &id).is_none() {
        return expired_page();
    }
    let body = format!(
        "<h1>Cancel this payment?</h1><p>You will not be able to pay with this link afterwards.</p>\
         <form method=\"post\" action=\"{}\"><button class=\"primary\">Yes, cancel the payment</button></form>\
         <a class=\"button\" href=\"{}\">No, go back to paying</a>",
        sim.url(&format!("/pay/{id}/cancel")),
        sim.url(&format!("/pay/{id}"))
    );
    Html(page("Cancel payment", &body)).into_response()
}

pub async fn submit_cancel(state: State<Simulator>, Path(id): Path<String>) -> Response {
    submit_action(state, Path((id, "cancel".to_string()))).await
}

pub async fn submit_action(State(sim): State<Simulator>, Path((id, action)): Path<(String, String)>) -> Response {
    let Some(action) = ConsumerAction::parse(&action).filter(|a| *a != ConsumerAction::Open) else {
        return error_page(StatusCode::NOT_FOUND, "Not found", "Unknown action.");
    };
    match sim.act(&id, action) {
        Ok(outcome) => match outcome.redirect {
            Some(url) => Redirect::to(&url).into_response(),
            // No merchant URL: Klarna shows its own result page.
            None => Html(page("Klarna", &result_body(&sim, &id, &outcome.status))).into_response(),
        },
        Err(ActionRefused::NotFound) => expired_page(),
        Err(ActionRefused::NotAllowed(why)) => error_page(StatusCode::CONFLICT, "Not possible", &why),
    }
}

fn result_body(sim: &Simulator, id: &str, status: &SessionStatus) -> String {
    let again = format!("<a class=\"button\" href=\"{}\">Try again</a>", sim.url(&format!("/pay/{id}")));
    match status {
        SessionStatus::Completed => "<h1>Payment complete</h1><p>Thank you! You can close this page.</p>".into(),
        SessionStatus::Failed => {
            format!("<h1>Payment declined</h1><p>Klarna could not approve this purchase.</p>{again}")
        }
        SessionStatus::Cancelled => "<h1>Payment cancelled</h1><p>You cancelled this purchase.</p>".into(),
        SessionStatus::Back => format!("<h1>You left the payment</h1>{again}"),
        _ => format!("<h1>Something went wrong</h1><p>A technical error stopped the payment.</p>{again}"),
    }
}

pub async fn qr_image(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    if find(&sim, &id).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match qr::png(&sim.url(&format!("/pay/{id}"))) {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], bytes).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
