//! KP sessions: `/payments/v1/sessions`, and Klarna's checks on a cart.

use super::hpp::session_not_found;
use super::request::{bad_value, check_auth, parse_body};
use crate::simulator::envelope::{klarna_error, not_found, Refusal};
use crate::simulator::state::KpSession;
use crate::simulator::Simulator;
use crate::wire::{OrderLine, PaymentMethodCategory, PaymentSessionRequest, PaymentSessionResponse};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;

pub async fn create_payment_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PaymentSessionResponse>, Refusal> {
    check_auth(&sim, &headers)?;
    let request: PaymentSessionRequest = parse_body(&body)?;
    check_cart(&request)?;
    let id = uuid::Uuid::new_v4().to_string();
    let session = KpSession { id: id.clone(), request, created_at: sim.clock().now(), complete: false };
    sim.sessions().kp.insert(id.clone(), session);
    Ok(Json(PaymentSessionResponse {
        session_id: id.clone(),
        client_token: Some(format!("simulated-client-token-{id}")),
        payment_method_categories: ["pay_now", "pay_later", "pay_over_time"]
            .into_iter()
            .map(|identifier| PaymentMethodCategory { identifier: identifier.into(), name: None })
            .collect(),
    }))
}

pub async fn read_payment_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, Refusal> {
    check_auth(&sim, &headers)?;
    let now = sim.clock().now();
    let sessions = sim.sessions();
    let kp = sessions.kp.get(&id).filter(|kp| now < kp.expires_at()).ok_or_else(session_not_found)?;
    let mut body = serde_json::to_value(&kp.request).unwrap_or_default();
    body["status"] = if kp.complete { "complete" } else { "incomplete" }.into();
    // The default channel is reported, as Klarna remembers it.
    body["acquiring_channel"] = serde_json::to_value(kp.channel()).unwrap_or_default();
    body["expires_at"] =
        kp.expires_at().format(&time::format_description::well_known::Rfc3339).unwrap_or_default().into();
    Ok(Json(body))
}

pub async fn update_payment_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    let mut request: PaymentSessionRequest = parse_body(&body)?;
    check_cart(&request)?;
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    let kp = sessions
        .kp
        .get_mut(&id)
        .filter(|kp| now < kp.expires_at())
        .ok_or_else(|| not_found("Payment session not found or expired."))?;
    if kp.complete {
        return Err(klarna_error(
            StatusCode::NOT_FOUND,
            "SESSION_COMPLETED",
            "The payment session is complete and can no longer be updated.",
        ));
    }
    // The channel is fixed at creation unless the update names one.
    request.acquiring_channel = request.acquiring_channel.or(kp.request.acquiring_channel);
    kp.request = request;
    Ok(StatusCode::NO_CONTENT)
}

/// Klarna's 400 BAD_VALUE naming the first field that fails the checks.
pub fn check_cart(request: &PaymentSessionRequest) -> Result<(), Refusal> {
    validate_payment_session(request).map_err(|field| bad_value(&field))
}

/// Klarna's checks on a payment session: patterns, caps, and totals that add up.
/// Returns the path of the first bad field.
pub fn validate_payment_session(request: &PaymentSessionRequest) -> Result<(), String> {
    let letters = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_alphabetic());
    if !letters(&request.purchase_country, 2) {
        return Err("purchase_country".into());
    }
    if !letters(&request.purchase_currency, 3) {
        return Err("purchase_currency".into());
    }
    if let Some(locale) = &request.locale {
        if !locale.split('-').all(|part| letters(part, 2)) {
            return Err("locale".into());
        }
    }
    if request.order_lines.is_empty() || request.order_lines.len() > 1000 {
        return Err("order_lines".into());
    }
    for (index, line) in request.order_lines.iter().enumerate() {
        validate_order_line(line).map_err(|field| format!("order_lines[{index}].{field}"))?;
    }
    let amount: i64 = request.order_lines.iter().map(|l| l.total_amount).sum();
    let tax: i64 = request.order_lines.iter().map(|l| l.total_tax_amount).sum();
    if request.order_amount < 0 || request.order_amount != amount {
        return Err("order_amount".into());
    }
    if request.order_tax_amount.unwrap_or(0) != tax {
        return Err("order_tax_amount".into());
    }
    Ok(())
}

fn validate_order_line(line: &OrderLine) -> Result<(), &'static str> {
    const MAX: i64 = 200_000_000;
    let name_len = line.name.chars().count();
    if name_len == 0 || name_len > 255 {
        return Err("name");
    }
    if line.quantity < 0 {
        return Err("quantity");
    }
    if line.unit_price.abs() > MAX {
        return Err("unit_price");
    }
    if !(0..=10_000).contains(&line.tax_rate) {
        return Err("tax_rate");
    }
    if line.total_discount_amount < 0 {
        return Err("total_discount_amount");
    }
    let expected = line.quantity.checked_mul(line.unit_price).map(|gross| gross - line.total_discount_amount);
    if line.total_amount.abs() > MAX || expected != Some(line.total_amount) {
        return Err("total_amount");
    }
    let total = line.total_amount as f64;
    let exact_tax = total - total * 10_000.0 / (10_000.0 + line.tax_rate as f64);
    if (line.total_tax_amount as f64 - exact_tax).abs() > 1.0 {
        return Err("total_tax_amount");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64, unit_price: i64, tax_rate: i64, tax: i64) -> OrderLine {
        OrderLine {
            name: "Bike".into(),
            quantity,
            unit_price,
            tax_rate,
            total_amount: quantity * unit_price,
            total_tax_amount: tax,
            ..Default::default()
        }
    }

    fn request(lines: Vec<OrderLine>) -> PaymentSessionRequest {
        PaymentSessionRequest {
            purchase_country: "SE".into(),
            purchase_currency: "SEK".into(),
            locale: Some("sv-SE".into()),
            order_amount: lines.iter().map(|l| l.total_amount).sum(),
            order_tax_amount: Some(lines.iter().map(|l| l.total_tax_amount).sum()),
            order_lines: lines,
            ..Default::default()
        }
    }

    #[test]
    fn accepts_consistent_sessions() {
        assert_eq!(validate_payment_session(&request(vec![line(2, 10_000, 2500, 4_000)])), Ok(()));
    }

    #[test]
    fn names_the_first_bad_field() {
        let mut bad_tax = request(vec![line(1, 10_000, 2500, 2_500)]);
        assert_eq!(validate_payment_session(&bad_tax).unwrap_err(), "order_lines[0].total_tax_amount");
        bad_tax.order_lines[0].total_tax_amount = 2_000;
        bad_tax.order_amount += 1;
        assert_eq!(validate_payment_session(&bad_tax).unwrap_err(), "order_amount");
        let mut bad_currency = request(vec![line(1, 100, 0, 0)]);
        bad_currency.purchase_currency = "SE1".into();
        assert_eq!(validate_payment_session(&bad_currency).unwrap_err(), "purchase_currency");
        assert_eq!(validate_payment_session(&request(vec![])).unwrap_err(), "order_lines");
        let mut bad_total = request(vec![line(1, 100, 0, 0)]);
        bad_total.order_lines[0].total_amount = 99;
        bad_total.order_amount = 99;
        assert_eq!(validate_payment_session(&bad_total).unwrap_err(), "order_lines[0].total_amount");
    }
}
