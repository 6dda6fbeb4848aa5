//! The Distribution Module at `standalone_url`: the QR code and the SMS
//! and e-mail forms a profile offers, in the seller or consumer view.

use super::layout::{error_page, expired_page, page};
use super::payment::{find, payment_body};
use crate::simulator::config::{Channel, View};
use crate::simulator::distribution::DistributionInput;
use crate::simulator::format::{escape, money};
use crate::simulator::Simulator;
use crate::wire::{encode_query_value, ContactInformation};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ModuleQuery {
    profile_id: Option<String>,
    view_id: Option<String>,
}

/// The Distribution Module's SMS and e-mail forms.
#[derive(Deserialize)]
pub struct SendForm {
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

pub async fn show(
    State(sim): State<Simulator>,
    Path(distribution_id): Path<String>,
    Query(query): Query<ModuleQuery>,
) -> Response {
    render_module(&sim, &distribution_id, &query, None)
}

pub async fn send(
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
