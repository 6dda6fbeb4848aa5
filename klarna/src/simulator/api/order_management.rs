//! Order Management: `/ordermanagement/v1/orders/{order_id}` (read),
//! `.../captures` and `.../refunds`, each answering 201 with the new
//! resource in `Location` and honouring `Klarna-Idempotency-Key`.

use super::request::{check_auth, idempotency_key, parse_body};
use crate::simulator::envelope::{klarna_error, Refusal};
use crate::simulator::state::{IdempotentCall, OmRefusal, PlacedOrder, Sessions};
use crate::simulator::Simulator;
use crate::wire::{CaptureRequest, OrderRead, RefundRequest};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

fn no_such_order() -> Refusal {
    klarna_error(StatusCode::NOT_FOUND, "NO_SUCH_ORDER", "The order does not exist.")
}

fn refused((code, message): OmRefusal) -> Refusal {
    klarna_error(StatusCode::FORBIDDEN, code, message)
}

fn positive(amount: i64, field: &str) -> Result<(), Refusal> {
    if amount > 0 {
        Ok(())
    } else {
        Err(klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", format!("{field} must be a positive amount.")))
    }
}

/// Order lines sent with a refund: each line's total is quantity × unit
/// price − discount, and together they make the refunded amount.
fn lines_add_up(lines: &[crate::wire::OrderLine], amount: i64) -> Result<(), Refusal> {
    let bad = |message: String| Err(klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", message));
    for (index, line) in lines.iter().enumerate() {
        if line.quantity * line.unit_price - line.total_discount_amount != line.total_amount {
            return bad(format!("order_lines[{index}].total_amount does not match quantity, unit_price and discount."));
        }
    }
    let total: i64 = lines.iter().map(|line| line.total_amount).sum();
    if !lines.is_empty() && total != amount {
        return bad(format!("The order lines add up to {total}, not to refunded_amount {amount}."));
    }
    Ok(())
}

pub async fn read_order(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Result<Json<OrderRead>, Refusal> {
    check_auth(&sim, &headers)?;
    let mut sessions = sim.sessions();
    Ok(Json(sessions.order_mut(&order_id).ok_or_else(no_such_order)?.read()))
}

/// One capture or refund: the key's first answer again, or the change.
fn create(
    sim: &Simulator,
    headers: &HeaderMap,
    order_id: &str,
    call: IdempotentCall,
    change: impl FnOnce(&mut PlacedOrder, time::OffsetDateTime) -> Result<String, OmRefusal>,
) -> Result<Response, Refusal> {
    let key = idempotency_key(headers);
    let now = sim.clock().now();
    let mut sessions = sim.sessions();
    if let Some(answer) = sessions.replay(call, key.as_deref(), now) {
        return Ok(answer.into_response());
    }
    let order = sessions.order_mut(order_id).ok_or_else(no_such_order)?;
    let id = change(order, now).map_err(refused)?;
    let kind = if call == IdempotentCall::Capture { "captures" } else { "refunds" };
    let location = format!("/ordermanagement/v1/orders/{order_id}/{kind}/{id}");
    Sessions::remember_created(&mut sessions, call, key.as_deref(), &location, now);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

pub async fn capture(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    check_auth(&sim, &headers)?;
    let request: CaptureRequest = parse_body(&body)?;
    positive(request.captured_amount, "captured_amount")?;
    create(&sim, &headers, &order_id, IdempotentCall::Capture, |order, now| order.capture(request.captured_amount, now))
}

pub async fn refund(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    check_auth(&sim, &headers)?;
    let request: RefundRequest = parse_body(&body)?;
    positive(request.refunded_amount, "refunded_amount")?;
    let order_lines = request.order_lines.unwrap_or_default();
    lines_add_up(&order_lines, request.refunded_amount)?;
    create(&sim, &headers, &order_id, IdempotentCall::Refund, |order, now| {
        order.refund(request.refunded_amount, request.reference.clone(), order_lines, now)
    })
}
