//! HPP sessions: `/hpp/v1/sessions` and the Distribution Module's token.

use super::request::{bad_value, check_auth, idempotency_key, parse_body};
use crate::simulator::envelope::{klarna_error, not_found, Refusal};
use crate::simulator::state::{HppSession, IdempotentCall, HPP_LIFETIME};
use crate::simulator::Simulator;
use crate::wire::{
    CreateSessionRequest, CreateSessionResponse, DistributionModule, DistributionModuleToken, SessionResponse,
    SessionStatus,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;

pub async fn create_hpp_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    check_auth(&sim, &headers)?;
    let key = idempotency_key(&headers);
    let replayed = sim.sessions().replay(IdempotentCall::CreateHppSession, key.as_deref(), sim.clock().now());
    if let Some(answer) = replayed {
        return Ok(answer.into_response());
    }
    let request: CreateSessionRequest = parse_body(&body)?;
    let options = request.options.clone().unwrap_or_default();
    if options.payment_method_category.is_some() && options.payment_method_categories.is_some() {
        return Err(klarna_error(
            StatusCode::BAD_REQUEST,
            "BAD_VALUE",
            "Only one of options.payment_method_category and options.payment_method_categories may be set",
        ));
    }
    if let Some(profile) = &request.profile_id {
        if sim.profile(profile).is_none() {
            return Err(bad_value("profile_id"));
        }
    }
    let kp_id = kp_session_id(&request.payment_session_url).ok_or_else(|| bad_value("payment_session_url"))?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let kp = sessions
        .kp
        .get(&kp_id)
        .filter(|kp| now < kp.expires_at() && !kp.complete)
        .ok_or_else(|| not_found("Payment session has expired."))?;
    let session = HppSession {
        id: uuid::Uuid::new_v4().to_string(),
        kp_session_id: kp_id,
        distribution_id: uuid::Uuid::new_v4().to_string(),
        profile_id: request.profile_id.clone(),
        merchant_urls: request.merchant_urls.clone().unwrap_or_default(),
        place_order_mode: options.place_order_mode.unwrap_or_default(),
        channel: kp.channel(),
        status: SessionStatus::Waiting,
        updated_at: now,
        expires_at: kp.created_at + HPP_LIFETIME,
        authorization_token: None,
        order_id: None,
        klarna_reference: None,
    };
    let response = creation_response(&sim, &session);
    sessions.by_distribution.insert(session.distribution_id.clone(), session.id.clone());
    sessions.hpp.insert(session.id.clone(), session);
    let body = serde_json::to_value(&response).unwrap_or_default();
    sessions.remember(IdempotentCall::CreateHppSession, key.as_deref(), 201, body, now);
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

/// The KP session id in `https://<host>/payments/v1/sessions/<id>`. Any host
/// is accepted: Kassa may reach the simulator on loopback while it tells
/// phones another address.
fn kp_session_id(url: &str) -> Option<String> {
    let (prefix, id) = url.rsplit_once("/payments/v1/sessions/")?;
    let scheme_ok = prefix.starts_with("http://") || prefix.starts_with("https://");
    (scheme_ok && !id.is_empty() && !id.contains(['/', '?', '#'])).then(|| id.to_string())
}

fn standalone_url(sim: &Simulator, session: &HppSession) -> String {
    sim.url(&format!(
        "/distributions/{}?profile_id={{{{profile_id}}}}&view_id={{{{view_id}}}}",
        session.distribution_id
    ))
}

fn creation_response(sim: &Simulator, session: &HppSession) -> CreateSessionResponse {
    let id = &session.id;
    let standalone_url = standalone_url(sim, session);
    CreateSessionResponse {
        session_id: id.clone(),
        session_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}"))),
        redirect_url: Some(sim.url(&format!("/pay/{id}"))),
        qr_code_url: Some(sim.url(&format!("/pay/{id}/qr"))),
        distribution_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}/distribution"))),
        expires_at: Some(session.expires_at),
        manual_identification_check_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}/manual-id-check"))),
        distribution_module: Some(DistributionModule {
            token: Some(distribution_token(sim, &session.distribution_id, &standalone_url)),
            standalone_url: Some(standalone_url),
            generation_url: Some(sim.url(&format!("/hpp/v1/sessions/{id}/distribution-module/token"))),
        }),
    }
}

/// An unsigned JWT with the four claims of Klarna's real token.
fn distribution_token(sim: &Simulator, distribution_id: &str, iframe_url: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"none"}"#);
    let origin = {
        let base = &sim.config().public_base;
        let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
        base[..base[after_scheme..].find('/').map(|i| i + after_scheme).unwrap_or(base.len())].to_string()
    };
    let claims = serde_json::json!({
        "session_id": distribution_id,
        "iframe_url": iframe_url,
        "iframe_origin": origin,
        "event_url": sim.url("/_sim/events"),
    });
    format!("{header}.{}.", engine.encode(claims.to_string()))
}

/// Klarna's 404 for an HPP session it does not know or that expired.
pub fn session_not_found() -> Refusal {
    not_found("HPP session has expired or could not be found by provided id.")
}

fn live_session(sim: &Simulator, id: &str) -> Result<HppSession, Refusal> {
    let now = sim.clock().now();
    sim.sessions().live_hpp(id, now).cloned().ok_or_else(session_not_found)
}

pub async fn read_hpp_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<SessionResponse>, Refusal> {
    check_auth(&sim, &headers)?;
    Ok(Json(live_session(&sim, &id)?.to_response()))
}

pub async fn disable_hpp_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    live_session(&sim, &id)?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let session = sessions.hpp.get_mut(&id).ok_or_else(session_not_found)?;
    session.disable(now).map_err(|message| klarna_error(StatusCode::BAD_REQUEST, "INVALID_OPERATION", message))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn distribution_module_token(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<DistributionModuleToken>, Refusal> {
    check_auth(&sim, &headers)?;
    let session = live_session(&sim, &id)?;
    let standalone_url = standalone_url(&sim, &session);
    Ok(Json(DistributionModuleToken {
        token: Some(distribution_token(&sim, &session.distribution_id, &standalone_url)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_session_urls_name_a_kp_session() {
        assert_eq!(kp_session_id("https://api.playground.klarna.com/payments/v1/sessions/abc").as_deref(), Some("abc"));
        assert_eq!(kp_session_id("http://127.0.0.1:3000/klarna-sim/payments/v1/sessions/abc").as_deref(), Some("abc"));
        for bad in [
            "abc",
            "ftp://x/payments/v1/sessions/abc",
            "https://x/payments/v1/sessions/",
            "https://x/checkout/v3/orders/abc",
        ] {
            assert_eq!(kp_session_id(bad), None, "{bad}");
        }
    }
}
