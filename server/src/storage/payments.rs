//! The `payments` table and its history (`payment_events`).

use super::rows::{self, encode_problem};
use super::{Storage, StorageError};
use crate::clock::now_millis;
use domain::{CaptureStatus, Cart, Door, PaymentStatus, Problem};
use klarna::wire::{CreateSessionResponse, MerchantUrls, PlaceOrderMode};

/// A payment as stored, as typed values. Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPayment {
    pub id: String,
    pub store_id: String,
    pub door: Door,
    pub attempt_key: String,
    pub cart_ref: Option<String>,
    pub cart: Cart,
    pub place_order_mode: PlaceOrderMode,
    pub status: PaymentStatus,
    pub problem: Option<Problem>,
    pub kp_session_id: Option<String>,
    pub hpp_session_id: Option<String>,
    /// Klarna's answer to the HPP create (links, QR, Distribution Module).
    pub hpp: Option<CreateSessionResponse>,
    pub klarna_expires_at: Option<i64>,
    pub deadline_at: i64,
    pub klarna_updated_at: Option<i64>,
    pub authorization_token: Option<String>,
    pub order_id: Option<String>,
    pub klarna_reference: Option<String>,
    pub callback_secret_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Klarna `merchant_urls` without `status_update` (web checkout).
    pub return_urls: Option<MerchantUrls>,
    /// Kassa's capture of the placed order, where Kassa captures it.
    pub capture: Option<CaptureStatus>,
    /// What Klarna confirmed refunded (minor units); written with refunds.
    pub refunded_amount: i64,
}

/// What a compare-and-swap found.
#[derive(Clone, Debug, PartialEq)]
pub enum Updated {
    /// No such payment.
    Missing,
    /// The payment as it was: the decision changed nothing.
    Unchanged(StoredPayment),
    /// The payment as written.
    Changed(StoredPayment),
}

impl Updated {
    /// The payment as written, when it changed.
    pub fn changed(self) -> Option<StoredPayment> {
        match self {
            Updated::Changed(payment) => Some(payment),
            Updated::Missing | Updated::Unchanged(_) => None,
        }
    }
}

/// One entry of a payment's history.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusEvent {
    pub status: PaymentStatus,
    pub source: String,
    pub detail: Option<String>,
    pub at: i64,
}

impl Storage {
    /// Inserts a new payment with its first history entry. Returns `false`
    /// when another payment holds the same attempt key or live cart.
    pub async fn insert(&self, payment: &StoredPayment) -> Result<bool, StorageError> {
        self.insert_held(payment, None).await
    }

    /// [`Storage::insert`], the payment held for `instance` until `until`
    /// in the same transaction (see `payment_checks`): a creation is never
    /// seen unheld, so no other instance takes it for one cut off.
    pub async fn insert_created(
        &self,
        payment: &StoredPayment,
        instance: i64,
        until: i64,
    ) -> Result<bool, StorageError> {
        self.insert_held(payment, Some((instance, until))).await
    }

    async fn insert_held(&self, payment: &StoredPayment, hold: Option<(i64, i64)>) -> Result<bool, StorageError> {
        let mut tx = self.write_transaction().await?;
        let inserted = sqlx::query(
            "INSERT INTO payments (id, store_id, origin, attempt_key, cart_ref, cart_json, currency, order_amount, \
             order_tax_amount, place_order_mode, status, live, problem, kp_session_id, hpp_session_id, hpp_json, \
             klarna_expires_at, deadline_at, klarna_updated_at, authorization_token, order_id, klarna_reference, \
             callback_secret_hash, created_at, updated_at, return_urls_json) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&payment.id)
        .bind(&payment.store_id)
        .bind(payment.door.as_str())
        .bind(&payment.attempt_key)
        .bind(&payment.cart_ref)
        .bind(rows::to_json(&payment.cart))
        .bind(payment.cart.currency.code())
        .bind(payment.cart.order_amount.get() as i64)
        .bind(payment.cart.order_tax_amount.get() as i64)
        .bind(payment.place_order_mode.as_str())
        .bind(payment.status.as_str())
        .bind(live(payment.status))
        .bind(payment.problem.as_ref().map(encode_problem))
        .bind(&payment.kp_session_id)
        .bind(&payment.hpp_session_id)
        .bind(payment.hpp.as_ref().map(rows::to_json))
        .bind(payment.klarna_expires_at)
        .bind(payment.deadline_at)
        .bind(payment.klarna_updated_at)
        .bind(&payment.authorization_token)
        .bind(&payment.order_id)
        .bind(&payment.klarna_reference)
        .bind(&payment.callback_secret_hash)
        .bind(payment.created_at)
        .bind(payment.updated_at)
        .bind(payment.return_urls.as_ref().map(rows::to_json))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            insert_event(&mut tx, &payment.id, payment.status, "user", None, payment.created_at).await?;
            if let Some((instance, until)) = hold {
                super::payment_checks::hold(&payment.id, instance, until).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub async fn get(&self, id: &str) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query("SELECT * FROM payments WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| rows::payment(&r)).transpose()
    }

    pub async fn by_attempt(&self, store_id: &str, attempt_key: &str) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query("SELECT * FROM payments WHERE store_id = $1 AND attempt_key = $2")
            .bind(store_id)
            .bind(attempt_key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| rows::payment(&r)).transpose()
    }

    /// Gives a payment whose attempt key expired the retired name instead,
    /// so the key can start a new payment.
    pub async fn retire_attempt_key(&self, id: &str, retired: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE payments SET attempt_key = $1 WHERE id = $2")
            .bind(retired)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn live_for_cart(&self, store_id: &str, cart_ref: &str) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query("SELECT * FROM payments WHERE store_id = $1 AND cart_ref = $2 AND live = 1")
            .bind(store_id)
            .bind(cart_ref)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| rows::payment(&r)).transpose()
    }

    /// The newest completed payment for a cart created at or after `since`.
    pub async fn paid_for_cart(
        &self,
        store_id: &str,
        cart_ref: &str,
        since: i64,
    ) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query(
            "SELECT * FROM payments WHERE store_id = $1 AND cart_ref = $2 AND status = $3 AND created_at >= $4 \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(store_id)
        .bind(cart_ref)
        .bind(domain::PaymentStatus::Completed.as_str())
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| rows::payment(&r)).transpose()
    }

    /// Every payment whose capture Kassa has still to make, oldest first.
    pub async fn pending_captures(&self) -> Result<Vec<String>, StorageError> {
        let pending = sqlx::query_scalar("SELECT id FROM payments WHERE capture_status = $1 ORDER BY created_at")
            .bind(CaptureStatus::Pending.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(pending)
    }

    /// A store's payments created at or after `since` that are not final yet.
    pub async fn open_for_store(&self, store_id: &str, since: i64) -> Result<Vec<StoredPayment>, StorageError> {
        let rows = sqlx::query("SELECT * FROM payments WHERE live = 1 AND store_id = $1 AND created_at >= $2")
            .bind(store_id)
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::payment).collect()
    }

    /// A store's payments whose Klarna reference or id is `text`, or whose
    /// order amount is `amount`: newest first, at most `limit`.
    pub async fn find(
        &self,
        store_id: &str,
        text: &str,
        amount: Option<i64>,
        limit: i64,
    ) -> Result<Vec<StoredPayment>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM payments WHERE store_id = $1 AND (klarna_reference = $2 OR id = $3 OR order_amount = $4) \
             ORDER BY created_at DESC LIMIT $5",
        )
        .bind(store_id)
        .bind(text)
        .bind(text)
        // No amount: one no order can have.
        .bind(amount.unwrap_or(-1))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::payment).collect()
    }

    /// Every payment that is not final yet, oldest first.
    pub async fn open_payments(&self) -> Result<Vec<StoredPayment>, StorageError> {
        let rows =
            sqlx::query("SELECT * FROM payments WHERE live = 1 ORDER BY created_at").fetch_all(&self.pool).await?;
        rows.iter().map(rows::payment).collect()
    }

    /// A store's payments created at or after `since`, newest first.
    pub async fn list(&self, store_id: &str, since: i64, limit: i64) -> Result<Vec<StoredPayment>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM payments WHERE store_id = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT $3",
        )
        .bind(store_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::payment).collect()
    }

    /// Records the KP session of a payment being created.
    /// One page of a store's payments created at or after `since`, newest
    /// first (ties by id), after the payment `after` if given: at most
    /// `limit` of them.
    pub async fn list_page(
        &self,
        store_id: &str,
        since: i64,
        after: Option<&StoredPayment>,
        limit: i64,
    ) -> Result<Vec<StoredPayment>, StorageError> {
        // Without a cursor, one past every row: the same query serves both.
        let (after_at, after_id) = after.map_or((i64::MAX, ""), |p| (p.created_at, p.id.as_str()));
        let rows = sqlx::query(
            "SELECT * FROM payments WHERE store_id = $1 AND created_at >= $2 \
             AND (created_at < $3 OR (created_at = $4 AND id < $5) OR $6 = '') \
             ORDER BY created_at DESC, id DESC LIMIT $7",
        )
        .bind(store_id)
        .bind(since)
        .bind(after_at)
        .bind(after_at)
        .bind(after_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::payment).collect()
    }

    /// How many payments a store has created at or after `since`.
    pub async fn count_since(&self, store_id: &str, since: i64) -> Result<i64, StorageError> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE store_id = $1 AND created_at >= $2")
            .bind(store_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    pub async fn record_kp_session(&self, id: &str, kp_session_id: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE payments SET kp_session_id = $1, updated_at = $2 WHERE id = $3")
            .bind(kp_session_id)
            .bind(now_millis())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the HPP session of a payment being created: its id, Klarna's
    /// answer and when Klarna lets it expire.
    pub async fn record_hpp_session(&self, id: &str, hpp: &CreateSessionResponse) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE payments SET hpp_session_id = $1, hpp_json = $2, \
             klarna_expires_at = COALESCE($3, klarna_expires_at), updated_at = $4 WHERE id = $5",
        )
        .bind(&hpp.session_id)
        .bind(rows::to_json(hpp))
        .bind(hpp.expires_at.map(crate::clock::millis))
        .bind(now_millis())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_callback_secret_hash(&self, id: &str, hash: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE payments SET callback_secret_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Compare-and-swap: reads the payment under the write lock, lets
    /// `decide` compute what it becomes, and writes that when it differs.
    /// A status change is added to the history with its `source`. The
    /// answer carries the payment as it stands afterwards, so no second
    /// read is needed.
    pub async fn update<F>(&self, id: &str, source: &str, decide: F) -> Result<Updated, StorageError>
    where
        F: FnOnce(&StoredPayment) -> Option<StoredPayment>,
    {
        let mut tx = self.write_transaction().await?;
        let read = format!("SELECT * FROM payments WHERE id = $1{}", self.for_update());
        let Some(current) =
            sqlx::query(&read).bind(id).fetch_optional(&mut *tx).await?.map(|r| rows::payment(&r)).transpose()?
        else {
            return Ok(Updated::Missing);
        };
        let Some(next) = decide(&current).filter(|next| *next != current) else {
            return Ok(Updated::Unchanged(current));
        };
        sqlx::query(
            "UPDATE payments SET status = $1, live = $2, problem = $3, klarna_updated_at = $4, authorization_token = $5, \
             order_id = $6, klarna_reference = $7, capture_status = $8, updated_at = $9 WHERE id = $10",
        )
        .bind(next.status.as_str())
        .bind(live(next.status))
        .bind(next.problem.as_ref().map(encode_problem))
        .bind(next.klarna_updated_at)
        .bind(&next.authorization_token)
        .bind(&next.order_id)
        .bind(&next.klarna_reference)
        .bind(next.capture.map(CaptureStatus::as_str))
        .bind(next.updated_at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if next.status != current.status {
            let detail = next.problem.as_ref().map(encode_problem);
            insert_event(&mut tx, id, next.status, source, detail.as_deref(), next.updated_at).await?;
        }
        // Told to every instance with the commit itself: a crash right after
        // it loses no instance's screens the change.
        self.notify_in(&mut tx, &super::notices::payment_changed(id)).await?;
        tx.commit().await?;
        Ok(Updated::Changed(next))
    }

    pub async fn history(&self, id: &str) -> Result<Vec<StatusEvent>, StorageError> {
        let rows =
            sqlx::query("SELECT status, source, detail, at FROM payment_events WHERE payment_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| rows::status_event(id, row)).collect()
    }
}

/// Mirrors "not final" into a column, for the one-live-payment-per-cart index.
fn live(status: PaymentStatus) -> i64 {
    i64::from(!status.is_final())
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    status: PaymentStatus,
    source: &str,
    detail: Option<&str>,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO payment_events (payment_id, status, source, detail, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(status.as_str())
        .bind(source)
        .bind(detail)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::payment_with as payment;
    use super::*;

    /// Writes `status` whatever the payment holds (the rules are the caller's).
    async fn set(storage: &Storage, id: &str, status: PaymentStatus, source: &str) -> Option<StoredPayment> {
        storage.update(id, source, |current| Some(StoredPayment { status, ..current.clone() })).await.unwrap().changed()
    }

    #[tokio::test]
    async fn one_payment_per_attempt_key_and_per_live_cart() {
        for storage in crate::storage::tests::backends().await {
            assert!(storage.insert(&payment("a", "k1", Some("cart"))).await.unwrap());
            assert!(!storage.insert(&payment("b", "k1", None)).await.unwrap(), "same key");
            assert!(!storage.insert(&payment("c", "k2", Some("cart"))).await.unwrap(), "same live cart");
            set(&storage, "a", PaymentStatus::Cancelled, "user").await.unwrap();
            assert!(storage.insert(&payment("d", "k3", Some("cart"))).await.unwrap(), "cart free again");
            assert_eq!(storage.live_for_cart("s", "cart").await.unwrap().unwrap().id, "d");
        }
    }

    #[tokio::test]
    async fn updates_write_typed_values_and_record_status_changes_only() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("a", "k", None)).await.unwrap();
            assert!(set(&storage, "a", PaymentStatus::Waiting, "poll").await.is_none(), "no change, no write");
            let paid = storage
                .update("a", "callback", |current| {
                    Some(StoredPayment {
                        status: PaymentStatus::Completed,
                        order_id: Some("order-1".into()),
                        problem: Some(Problem::OrderRefused { klarna_code: "X".into() }),
                        updated_at: 7,
                        ..current.clone()
                    })
                })
                .await
                .unwrap()
                .changed()
                .unwrap();
            assert_eq!(storage.get("a").await.unwrap().unwrap(), paid);
            assert!(storage.open_payments().await.unwrap().is_empty());
            let history: Vec<(PaymentStatus, String)> =
                storage.history("a").await.unwrap().into_iter().map(|e| (e.status, e.source)).collect();
            assert_eq!(
                history,
                [(PaymentStatus::Waiting, "user".to_string()), (PaymentStatus::Completed, "callback".to_string())]
            );
            assert_eq!(storage.update("nobody", "poll", |p| Some(p.clone())).await.unwrap(), Updated::Missing);
        }
    }

    #[tokio::test]
    async fn sessions_are_recorded_and_read_back() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("a", "k", None)).await.unwrap();
            storage.record_kp_session("a", "kp-1").await.unwrap();
            let hpp = CreateSessionResponse {
                session_id: "hpp-1".into(),
                redirect_url: Some("https://pay.example/hpp-1".into()),
                expires_at: Some(time::OffsetDateTime::from_unix_timestamp(1_000).unwrap()),
                ..Default::default()
            };
            storage.record_hpp_session("a", &hpp).await.unwrap();
            let stored = storage.get("a").await.unwrap().unwrap();
            assert_eq!(stored.kp_session_id.as_deref(), Some("kp-1"));
            assert_eq!(stored.hpp_session_id.as_deref(), Some("hpp-1"));
            assert_eq!(stored.hpp, Some(hpp));
            assert_eq!(stored.klarna_expires_at, Some(1_000_000));
        }
    }

    #[tokio::test]
    async fn concurrent_updates_of_one_payment_take_turns() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("a", "k", None)).await.unwrap();
            // Each update reads the count and writes it plus one: a lost
            // update (two reading the same count) would leave fewer.
            let bump = |storage: Storage| async move {
                let next = |current: &StoredPayment| {
                    Some(StoredPayment { updated_at: current.updated_at + 1, ..current.clone() })
                };
                storage.update("a", "poll", next).await.unwrap()
            };
            let all: Vec<_> = (0..20).map(|_| tokio::spawn(bump(storage.clone()))).collect();
            for one in all {
                one.await.unwrap();
            }
            assert_eq!(storage.get("a").await.unwrap().unwrap().updated_at, 1 + 20, "{:?}", storage.backend());
        }
    }

    #[tokio::test]
    async fn survives_reopening_the_file() {
        let dir = std::env::temp_dir().join(format!("kassa-storage-{}", uuid::Uuid::new_v4()));
        {
            let storage = Storage::open(&dir).await.unwrap();
            storage.insert(&payment("a", "k", None)).await.unwrap();
        }
        let storage = Storage::open(&dir).await.unwrap();
        assert_eq!(storage.by_attempt("s", "k").await.unwrap().unwrap().id, "a");
        let _ = std::fs::remove_dir_all(dir);
    }
}
