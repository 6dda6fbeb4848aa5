//! Rows to typed values. A value that does not read back is an error that
//! names its column, never a silent default.

use super::Row;
use super::{StatusEvent, StorageError, StoredPayment};
use domain::{CaptureStatus, Door, PaymentStatus, Problem};
use klarna::wire::PlaceOrderMode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::Row as _;

pub(super) fn to_json<T: Serialize>(value: &T) -> String {
    // Kassa's own types always serialize; an empty string would read back as an error.
    serde_json::to_string(value).unwrap_or_default()
}

/// Problems are kept as their code in JSON.
pub(super) fn encode_problem(problem: &Problem) -> String {
    to_json(problem)
}

/// Text written before problems had codes reads as `Other`.
pub(super) fn decode_problem(text: &str) -> Problem {
    serde_json::from_str(text).unwrap_or_else(|_| Problem::Other { message: text.to_string() })
}

fn corrupt(id: &str, column: &'static str, detail: impl ToString) -> StorageError {
    StorageError::Corrupt { id: id.to_string(), column, detail: detail.to_string() }
}

fn json<T: DeserializeOwned>(id: &str, column: &'static str, text: &str) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| corrupt(id, column, e))
}

fn status(id: &str, text: &str) -> Result<PaymentStatus, StorageError> {
    PaymentStatus::parse(text).ok_or_else(|| corrupt(id, "status", format!("{text:?}")))
}

pub(super) fn payment(row: &Row) -> Result<StoredPayment, StorageError> {
    let id: String = row.try_get("id")?;
    let door: String = row.try_get("origin")?;
    let mode: String = row.try_get("place_order_mode")?;
    let cart: String = row.try_get("cart_json")?;
    let hpp: Option<String> = row.try_get("hpp_json")?;
    let return_urls: Option<String> = row.try_get("return_urls_json")?;
    let problem: Option<String> = row.try_get("problem")?;
    let capture: Option<String> = row.try_get("capture_status")?;
    Ok(StoredPayment {
        store_id: row.try_get("store_id")?,
        door: Door::parse(&door).ok_or_else(|| corrupt(&id, "origin", format!("{door:?}")))?,
        attempt_key: row.try_get("attempt_key")?,
        cart_ref: row.try_get("cart_ref")?,
        cart: json(&id, "cart_json", &cart)?,
        place_order_mode: PlaceOrderMode::parse(&mode)
            .ok_or_else(|| corrupt(&id, "place_order_mode", format!("{mode:?}")))?,
        status: status(&id, &row.try_get::<String, _>("status")?)?,
        problem: problem.as_deref().map(decode_problem),
        kp_session_id: row.try_get("kp_session_id")?,
        hpp_session_id: row.try_get("hpp_session_id")?,
        hpp: hpp.as_deref().map(|text| json(&id, "hpp_json", text)).transpose()?,
        klarna_expires_at: row.try_get("klarna_expires_at")?,
        deadline_at: row.try_get("deadline_at")?,
        klarna_updated_at: row.try_get("klarna_updated_at")?,
        authorization_token: row.try_get("authorization_token")?,
        order_id: row.try_get("order_id")?,
        klarna_reference: row.try_get("klarna_reference")?,
        callback_secret_hash: row.try_get("callback_secret_hash")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        return_urls: return_urls.as_deref().map(|text| json(&id, "return_urls_json", text)).transpose()?,
        refunded_amount: row.try_get("refunded_amount")?,
        capture: capture
            .map(|text| CaptureStatus::parse(&text).ok_or_else(|| corrupt(&id, "capture_status", format!("{text:?}"))))
            .transpose()?,
        id,
    })
}

pub(super) fn status_event(payment_id: &str, row: &Row) -> Result<StatusEvent, StorageError> {
    Ok(StatusEvent {
        status: status(payment_id, &row.try_get::<String, _>("status")?)?,
        source: row.try_get("source")?,
        detail: row.try_get("detail")?,
        at: row.try_get("at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_problems_round_trip_and_old_text_survives() {
        let refused = Problem::OrderRefused { klarna_code: "REJECTED".into() };
        assert_eq!(decode_problem(&encode_problem(&refused)), refused);
        assert_eq!(decode_problem("Not paid in time."), Problem::Other { message: "Not paid in time.".into() });
        assert_eq!(
            serde_json::to_value(Problem::NotPaidInTime).unwrap(),
            serde_json::json!({"code": "not_paid_in_time"})
        );
    }

    #[tokio::test]
    async fn an_unreadable_column_is_an_error_that_names_it() {
        let storage = super::super::Storage::in_memory().await.unwrap();
        storage.insert(&super::super::tests::payment("a")).await.unwrap();
        sqlx::query("UPDATE payments SET status = 'paid-ish' WHERE id = 'a'").execute(&storage.pool).await.unwrap();
        let error = storage.get("a").await.unwrap_err().to_string();
        assert!(error.contains("column status") && error.contains("paid-ish"), "{error}");
    }
}
