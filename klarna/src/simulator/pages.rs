//! What a shopper sees: the payment page at `redirect_url`, the QR image at
//! `qr_code_url`, and the Distribution Module at `standalone_url`.

use super::distribution::DistributionInput;
use super::state::{ConsumerAction, HppSession, KpSession};
use super::{qr, ActionRefused, Channel, Simulator, View};
use crate::wire::{encode_query_value, ContactInformation, DistributionMethod, SessionStatus};
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/pay/{id}", get(payment_page))
        .route("/pay/{id}/qr", get(qr_image))
        // The confirmation's own form posts here too; this route would
        // otherwise shadow `/pay/{id}/{action}` for POST.
        .route("/pay/{id}/cancel", get(confirm_cancel).post(submit_cancel))
        .route("/pay/{id}/{action}", post(submit_action))
        .route("/distributions/{distribution_id}", get(distribution_module).post(send_from_module))
        .route("/", get(index))
        .route("/_sim/outbox.html", get(outbox_page))
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
.link{word-break:break-all}.error{color:#b00020}.sent{color:#0a6b2d}\
label{display:block;margin:.6rem 0}input{font-size:1rem;padding:.4rem;max-width:100%}";

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
    let body = format!("<h1>{}</h1><p class=\"error\">{}</p>", escape(title), escape(message));
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
    format!("{}.{:02} {}", minor / 100, (minor % 100).abs(), escape(&currency.to_uppercase()))
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

async fn submit_cancel(state: State<Simulator>, Path(id): Path<String>) -> Response {
    submit_action(state, Path((id, "cancel".to_string()))).await
}

async fn submit_action(State(sim): State<Simulator>, Path((id, action)): Path<(String, String)>) -> Response {
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

async fn qr_image(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
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

#[derive(Deserialize)]
struct ModuleQuery {
    profile_id: Option<String>,
    view_id: Option<String>,
}

/// The Distribution Module's SMS and e-mail forms.
#[derive(Deserialize)]
struct SendForm {
    method: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    phone_country: Option<String>,
}

/// The outcome shown above the module after a form was sent.
enum Notice {
    Sent(String),
    Refused(String),
}

async fn distribution_module(
    State(sim): State<Simulator>,
    Path(distribution_id): Path<String>,
    Query(query): Query<ModuleQuery>,
) -> Response {
    render_module(&sim, &distribution_id, &query, None)
}

async fn send_from_module(
    State(sim): State<Simulator>,
    Path(distribution_id): Path<String>,
    Query(query): Query<ModuleQuery>,
    Form(form): Form<SendForm>,
) -> Response {
    let profile = query.profile_id.as_deref().and_then(|id| sim.profile(id));
    let channel = match form.method.as_str() {
        "email" => Some(Channel::Email),
        "sms" => Some(Channel::Sms),
        _ => None,
    };
    let notice = match (profile, channel) {
        (Some(profile), Some(channel)) if profile.channels.contains(&channel) => {
            let session_id = sim.sessions().by_distribution.get(&distribution_id).cloned().unwrap_or_default();
            let input = DistributionInput {
                method: Some(form.method.clone()),
                contact_information: Some(ContactInformation {
                    email: form.email.clone(),
                    phone: form.phone.clone(),
                    phone_country: form.phone_country.clone(),
                    access_id: None,
                }),
            };
            match sim.distribute_link(&session_id, &input) {
                Ok(message) => Some(Notice::Sent(format!("Payment link sent to {}.", message.to))),
                Err(refusal) => Some(Notice::Refused(format!("Not sent: {} ({}).", refusal.message, refusal.code))),
            }
        }
        (Some(_), _) => Some(Notice::Refused("Not sent: this profile does not offer that channel.".into())),
        // An unknown profile gets its error page from the renderer.
        (None, _) => None,
    };
    render_module(&sim, &distribution_id, &query, notice)
}

fn render_module(sim: &Simulator, distribution_id: &str, query: &ModuleQuery, notice: Option<Notice>) -> Response {
    let profile_id = query.profile_id.clone().unwrap_or_default();
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
            &format!("Profile {profile_id:?} is for the {:?} view, not {:?}.", profile.view, view).to_lowercase(),
        );
    }
    let session_id = sim.sessions().by_distribution.get(distribution_id).cloned();
    let Some((session, kp)) = session_id.and_then(|id| find(sim, &id)) else {
        return expired_page();
    };
    if session.status.is_final() {
        return Html(page("Klarna", &payment_body(sim, &session, &kp))).into_response();
    }
    let link = sim.url(&format!("/pay/{}", session.id));
    let qr = sim.url(&format!("/pay/{}/qr", session.id));
    let (heading, hint) = match view {
        View::Seller => ("Send the payment link", "Ask the shopper to scan this code with their phone camera."),
        View::Consumer => ("Scan to pay with Klarna", "Point your phone's camera at the code to pay on your phone."),
    };
    let mut body = format!("<h1>{heading}</h1>");
    match notice {
        Some(Notice::Sent(text)) => body.push_str(&format!("<p class=\"sent\" role=\"status\">{}</p>", escape(&text))),
        Some(Notice::Refused(text)) => {
            body.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>", escape(&text)))
        }
        None => {}
    }
    if profile.channels.contains(&Channel::Qr) {
        body.push_str(&format!(
            "<p>{hint}</p><img class=\"qr\" src=\"{qr}\" alt=\"QR code for the payment link\" width=\"264\" height=\"264\">"
        ));
    }
    let action = sim.url(&format!(
        "/distributions/{}?profile_id={}&view_id={}",
        encode_query_value(distribution_id),
        encode_query_value(&profile_id),
        encode_query_value(query.view_id.as_deref().unwrap_or("")),
    ));
    let (sms_label, email_label) = match view {
        View::Seller => ("Send by SMS", "Send by e-mail"),
        View::Consumer => ("Text me the link", "E-mail me the link"),
    };
    if profile.channels.contains(&Channel::Sms) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{action}\" aria-label=\"SMS\">\
             <input type=\"hidden\" name=\"method\" value=\"sms\">\
             <label>Phone number <input name=\"phone\" type=\"tel\" autocomplete=\"tel\" required></label>\
             <label>Country <input name=\"phone_country\" value=\"{country}\" maxlength=\"2\" size=\"2\" required></label>\
             <button>{sms_label}</button></form>",
            country = escape(&kp.request.purchase_country.to_uppercase()),
        ));
    }
    if profile.channels.contains(&Channel::Email) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{action}\" aria-label=\"E-mail\">\
             <input type=\"hidden\" name=\"method\" value=\"email\">\
             <label>E-mail address <input name=\"email\" type=\"email\" autocomplete=\"email\" required></label>\
             <button>{email_label}</button></form>"
        ));
    }
    body.push_str(&format!(
        "<p class=\"note\">Payment link: <a class=\"link\" href=\"{link}\" target=\"_blank\" rel=\"noopener\">{link}</a></p>\
         <p class=\"note\">Total {}</p>",
        money(kp.request.order_amount, &kp.request.purchase_currency)
    ));
    Html(page("Klarna Distribution Module", &body)).into_response()
}

/// For a person: every session with links to its pages.
async fn index(State(sim): State<Simulator>) -> Response {
    let now = sim.clock().now();
    let mut sessions: Vec<HppSession> = sim.sessions().hpp.values().cloned().collect();
    sessions.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
    let rows: String = sessions
        .iter()
        .map(|s| {
            let modules: String = sim
                .config()
                .profiles
                .iter()
                .map(|p| {
                    let view = match p.view {
                        View::Seller => "seller",
                        View::Consumer => "consumer",
                    };
                    format!(
                        " <a href=\"{}\">{}</a>",
                        sim.url(&format!(
                            "/distributions/{}?profile_id={}&view_id={view}",
                            s.distribution_id,
                            encode_query_value(&p.id)
                        )),
                        escape(&p.id)
                    )
                })
                .collect();
            format!(
                "<tr><td><code>{id}</code></td><td>{status}</td>\
                 <td><a href=\"{pay}\">pay</a> <a href=\"{pay}/qr\">qr</a>{modules}</td></tr>",
                id = escape(&s.id),
                status = if s.is_expired(now) { "EXPIRED".to_string() } else { escape(s.status.as_str()) },
                pay = sim.url(&format!("/pay/{}", s.id)),
            )
        })
        .collect();
    let body = format!(
        "<h1>Klarna simulator</h1>\
         <p><a href=\"{outbox}\">Outbox</a> · <a href=\"{orders}\">Orders (JSON)</a> · \
         <a href=\"{callbacks}\">Callbacks (JSON)</a> · <a href=\"{faults}\">Faults (JSON)</a></p>\
         <table aria-label=\"HPP sessions\"><tr><th>Session</th><th>Status</th><th>Pages</th></tr>{rows}</table>",
        outbox = sim.url("/_sim/outbox.html"),
        orders = sim.url("/_sim/orders"),
        callbacks = sim.url("/_sim/callbacks"),
        faults = sim.url("/_sim/faults"),
    );
    Html(page("Klarna simulator", &body)).into_response()
}

/// Messages the simulator "sent", newest first, with their links.
async fn outbox_page(State(sim): State<Simulator>) -> Response {
    let mut messages = sim.outbox();
    messages.reverse();
    let items: String = messages
        .iter()
        .map(|m| {
            format!(
                "<li><strong>{method} to {to}</strong> ({language})<br>{subject}{text}<br>\
                 <a class=\"link\" href=\"{link}\">{link}</a></li>",
                method = match m.method {
                    DistributionMethod::Email => "E-mail",
                    DistributionMethod::Sms => "SMS",
                    DistributionMethod::Token => "Klarna app",
                },
                to = escape(&m.to),
                language = escape(&m.language),
                subject = m.subject.as_deref().map(|s| format!("<em>{}</em><br>", escape(s))).unwrap_or_default(),
                text = escape(&m.text),
                link = escape(&m.link),
            )
        })
        .collect();
    let body = if items.is_empty() {
        "<h1>Outbox</h1><p>No messages sent yet.</p>".to_string()
    } else {
        format!("<h1>Outbox</h1><ul aria-label=\"Sent messages\">{items}</ul>")
    };
    Html(page("Outbox", &body)).into_response()
}
