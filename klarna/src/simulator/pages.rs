//! What a shopper sees: the payment page at `redirect_url`, the QR image at
//! `qr_code_url`, and the Distribution Module at `standalone_url`.

use super::state::{ConsumerAction, HppSession, KpSession};
use super::{qr, ActionRefused, Channel, Simulator, View};
use crate::wire::SessionStatus;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/pay/{id}", get(payment_page))
        .route("/pay/{id}/qr", get(qr_image))
        .route("/pay/{id}/cancel", get(confirm_cancel))
        .route("/pay/{id}/{action}", post(submit_action))
        .route("/distributions/{distribution_id}", get(distribution_module))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#fff;color:#17120f}\
main{max-width:28rem;margin:0 auto;padding:1.5rem}\
header{background:#ffb3c7;padding:1rem 1.5rem;font-weight:700;font-size:1.25rem}\
table{width:100%;border-collapse:collapse}td{padding:.4rem 0;border-bottom:1px solid #eee}\
td.num{text-align:right}.total td{font-weight:700;border:none}\
button,.button{display:block;width:100%;min-height:3rem;margin:.6rem 0;border-radius:.5rem;border:1px solid #17120f;\
font-size:1.05rem;background:#fff;color:#17120f;cursor:pointer;text-align:center;text-decoration:none;line-height:3rem}\
button.primary{background:#17120f;color:#fff}.note{color:#5f5a57;font-size:.9rem}\
img.qr{display:block;width:min(18rem,80vw);height:auto;margin:1rem auto;image-rendering:pixelated}\
.link{word-break:break-all}.error{color:#b00020}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><header>Klarna <span class=\"note\">(simulator)</span></header><main>{body}</main></body></html>",
        title = escape(title)
    )
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"error\">{}</p>",
        escape(title),
        escape(message)
    );
    (status, Html(page(title, &body))).into_response()
}

fn expired_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Link not valid",
        "This payment link has expired or does not exist. Ask the store for a new one.",
    )
}

/// The session and its KP cart, if the session is still known and live.
fn find(sim: &Simulator, id: &str) -> Option<(HppSession, KpSession)> {
    let now = sim.clock().now();
    let sessions = sim.sessions();
    let hpp = sessions.hpp.get(id).filter(|s| !s.is_expired(now))?.clone();
    let kp = sessions.kp.get(&hpp.kp_session_id)?.clone();
    Some((hpp, kp))
}

pub(super) fn money(minor: i64, currency: &str) -> String {
    format!(
        "{}.{:02} {}",
        minor / 100,
        (minor % 100).abs(),
        escape(&currency.to_uppercase())
    )
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

async fn payment_page(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
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

fn payment_body(sim: &Simulator, session: &HppSession, kp: &KpSession) -> String {
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
        format!(
            "<form method=\"post\" action=\"{}\"><button>Go back to the store</button></form>",
            action("back")
        )
    } else {
        format!(
            "<a class=\"button\" href=\"{}\">Cancel payment</a>",
            action("cancel")
        )
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

async fn confirm_cancel(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
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

async fn submit_action(
    State(sim): State<Simulator>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
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
        Err(ActionRefused::NotAllowed(why)) => {
            error_page(StatusCode::CONFLICT, "Not possible", &why)
        }
    }
}

fn result_body(sim: &Simulator, id: &str, status: &SessionStatus) -> String {
    let again = format!(
        "<a class=\"button\" href=\"{}\">Try again</a>",
        sim.url(&format!("/pay/{id}"))
    );
    match status {
        SessionStatus::Completed => {
            "<h1>Payment complete</h1><p>Thank you! You can close this page.</p>".into()
        }
        SessionStatus::Failed => format!(
            "<h1>Payment declined</h1><p>Klarna could not approve this purchase.</p>{again}"
        ),
        SessionStatus::Cancelled => {
            "<h1>Payment cancelled</h1><p>You cancelled this purchase.</p>".into()
        }
        SessionStatus::Back => format!("<h1>You left the payment</h1>{again}"),
        _ => format!(
            "<h1>Something went wrong</h1><p>A technical error stopped the payment.</p>{again}"
        ),
    }
}

async fn qr_image(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    if find(&sim, &id).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match qr::png(&sim.url(&format!("/pay/{id}"))) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Deserialize)]
struct ModuleQuery {
    profile_id: Option<String>,
    view_id: Option<String>,
}

async fn distribution_module(
    State(sim): State<Simulator>,
    Path(distribution_id): Path<String>,
    Query(query): Query<ModuleQuery>,
) -> Response {
    let profile_id = query.profile_id.unwrap_or_default();
    let Some(profile) = sim.profile(&profile_id).cloned() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Unknown profile",
            &format!("There is no Distribution Module profile {profile_id:?}. Check the profile_id in the store's configuration."),
        );
    };
    let view = match query.view_id.as_deref() {
        Some("seller") => View::Seller,
        Some("consumer") => View::Consumer,
        other => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Unknown view",
                &format!(
                    "view_id {:?} is not a Distribution Module view; use seller or consumer.",
                    other.unwrap_or("")
                ),
            )
        }
    };
    if view != profile.view {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Wrong view for profile",
            &format!(
                "Profile {profile_id:?} is for the {:?} view, not {:?}.",
                profile.view, view
            )
            .to_lowercase(),
        );
    }
    let session_id = sim
        .sessions()
        .by_distribution
        .get(&distribution_id)
        .cloned();
    let Some((session, kp)) = session_id.and_then(|id| find(&sim, &id)) else {
        return expired_page();
    };
    if session.status.is_final() {
        return Html(page("Klarna", &payment_body(&sim, &session, &kp))).into_response();
    }
    let link = sim.url(&format!("/pay/{}", session.id));
    let qr = sim.url(&format!("/pay/{}/qr", session.id));
    let (heading, hint) = match view {
        View::Seller => (
            "Send the payment link",
            "Ask the shopper to scan this code with their phone camera.",
        ),
        View::Consumer => (
            "Scan to pay with Klarna",
            "Point your phone's camera at the code to pay on your phone.",
        ),
    };
    let mut body = format!("<h1>{heading}</h1>");
    if profile.channels.contains(&Channel::Qr) {
        body.push_str(&format!(
            "<p>{hint}</p><img class=\"qr\" src=\"{qr}\" alt=\"QR code for the payment link\" width=\"264\" height=\"264\">"
        ));
    }
    body.push_str(&format!(
        "<p class=\"note\">Payment link: <a class=\"link\" href=\"{link}\" target=\"_blank\" rel=\"noopener\">{link}</a></p>\
         <p class=\"note\">Total {}</p>",
        money(kp.request.order_amount, &kp.request.purchase_currency)
    ));
    Html(page("Klarna Distribution Module", &body)).into_response()
}
