//! For a person at the simulator: every session with links to its pages,
//! and the outbox.

use super::layout::page;
use crate::simulator::config::View;
use crate::simulator::format::escape;
use crate::simulator::state::HppSession;
use crate::simulator::Simulator;
use crate::wire::{encode_query_value, DistributionMethod};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

/// For a person: every session with links to its pages.
pub async fn index(State(sim): State<Simulator>) -> Response {
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
pub async fn outbox_page(State(sim): State<Simulator>) -> Response {
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
