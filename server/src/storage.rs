//! Persistence: every payment and every change to it, in SQLite (WAL).
//!
//! All SQL lives here and is kept portable (no SQLite-only functions in
//! queries), so a Postgres backend for several instances is a second
//! implementation of this module, not a rewrite of the rest.

use app::model::PaymentStatus;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Schema migrations, applied in order at start-up.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_payments.sql")),
    (2, include_str!("../migrations/0002_return_urls.sql")),
    (3, include_str!("../migrations/0003_seller_sessions.sql")),
];

#[derive(Debug, thiserror::Error)]
#[error("database: {0}")]
pub struct StorageError(#[from] sqlx::Error);

/// A payment as stored. Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPayment {
    pub id: String,
    pub store_id: String,
    pub origin: String,
    pub attempt_key: String,
    pub cart_ref: Option<String>,
    pub cart_json: String,
    pub currency: String,
    pub order_amount: i64,
    pub order_tax_amount: i64,
    pub place_order_mode: String,
    pub status: PaymentStatus,
    pub problem: Option<String>,
    pub kp_session_id: Option<String>,
    pub hpp_session_id: Option<String>,
    pub hpp_json: Option<String>,
    pub klarna_expires_at: Option<i64>,
    pub deadline_at: i64,
    pub klarna_updated_at: Option<i64>,
    pub authorization_token: Option<String>,
    pub order_id: Option<String>,
    pub klarna_reference: Option<String>,
    pub callback_secret_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// JSON of Klarna `merchant_urls` without `status_update` (web checkout).
    pub return_urls_json: Option<String>,
}

/// One entry of a payment's history.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusEvent {
    pub status: PaymentStatus,
    pub source: String,
    pub detail: Option<String>,
    pub at: i64,
}

/// What changes when Klarna (or the store) moves a payment on.
#[derive(Clone, Debug, Default)]
pub struct StatusChange {
    pub status: Option<PaymentStatus>,
    pub problem: Option<String>,
    pub klarna_updated_at: Option<i64>,
    pub authorization_token: Option<String>,
    pub order_id: Option<String>,
    pub klarna_reference: Option<String>,
}

#[derive(Clone)]
pub struct Storage {
    pool: SqlitePool,
}

fn status_text(status: PaymentStatus) -> String {
    serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn parse_status(text: &str) -> PaymentStatus {
    serde_json::from_value(serde_json::Value::String(text.to_string())).unwrap_or(PaymentStatus::Failed)
}

/// Statuses that can still become paid; the rest are final.
fn is_live(status: PaymentStatus) -> bool {
    !status.is_final()
}

impl Storage {
    /// Opens (creating if needed) `kassa.db` in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StorageError(sqlx::Error::Io(e)))?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join("kassa.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL survives a process crash; FULL adds power-loss safety.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        let storage = Storage { pool };
        storage.migrate().await?;
        Ok(storage)
    }

    /// A transaction that takes the write lock at once. A deferred one that
    /// reads first fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT)
    /// when another writer committed meanwhile, e.g. a status callback and a
    /// shopper's return reading the same payment; this one waits instead.
    async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StorageError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<Storage, StorageError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection: every connection to :memory: is its own database.
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        let storage = Storage { pool };
        storage.migrate().await?;
        Ok(storage)
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS kassa_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM kassa_migrations WHERE version = ?")
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            let without_comments: String =
                sql.lines().map(|line| line.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
            for statement in without_comments.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO kassa_migrations (version, applied_at) VALUES (?, ?)")
                .bind(version)
                .bind(now_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Inserts a new payment with its first history entry. Returns `false`
    /// when another payment holds the same attempt key or live cart.
    pub async fn insert(&self, payment: &StoredPayment) -> Result<bool, StorageError> {
        let mut tx = self.write_transaction().await?;
        let inserted = sqlx::query(
            "INSERT INTO payments (id, store_id, origin, attempt_key, cart_ref, cart_json, currency, order_amount, \
             order_tax_amount, place_order_mode, status, live, problem, kp_session_id, hpp_session_id, hpp_json, \
             klarna_expires_at, deadline_at, klarna_updated_at, authorization_token, order_id, klarna_reference, \
             callback_secret_hash, created_at, updated_at, return_urls_json) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&payment.id)
        .bind(&payment.store_id)
        .bind(&payment.origin)
        .bind(&payment.attempt_key)
        .bind(&payment.cart_ref)
        .bind(&payment.cart_json)
        .bind(&payment.currency)
        .bind(payment.order_amount)
        .bind(payment.order_tax_amount)
        .bind(&payment.place_order_mode)
        .bind(status_text(payment.status))
        .bind(i64::from(is_live(payment.status)))
        .bind(&payment.problem)
        .bind(&payment.kp_session_id)
        .bind(&payment.hpp_session_id)
        .bind(&payment.hpp_json)
        .bind(payment.klarna_expires_at)
        .bind(payment.deadline_at)
        .bind(payment.klarna_updated_at)
        .bind(&payment.authorization_token)
        .bind(&payment.order_id)
        .bind(&payment.klarna_reference)
        .bind(&payment.callback_secret_hash)
        .bind(payment.created_at)
        .bind(payment.updated_at)
        .bind(&payment.return_urls_json)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            insert_event(&mut tx, &payment.id, payment.status, "user", None, payment.created_at).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub async fn get(&self, id: &str) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query("SELECT * FROM payments WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| from_row(&r)).transpose()
    }

    pub async fn by_attempt(&self, store_id: &str, attempt_key: &str) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query("SELECT * FROM payments WHERE store_id = ? AND attempt_key = ?")
            .bind(store_id)
            .bind(attempt_key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_row(&r)).transpose()
    }

    pub async fn live_for_cart(&self, store_id: &str, cart_ref: &str) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query("SELECT * FROM payments WHERE store_id = ? AND cart_ref = ? AND live = 1")
            .bind(store_id)
            .bind(cart_ref)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_row(&r)).transpose()
    }

    /// Every payment that is not final yet, oldest first.
    pub async fn open_payments(&self) -> Result<Vec<StoredPayment>, StorageError> {
        let rows =
            sqlx::query("SELECT * FROM payments WHERE live = 1 ORDER BY created_at").fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// A store's payments created at or after `since`, newest first.
    pub async fn list(&self, store_id: &str, since: i64, limit: i64) -> Result<Vec<StoredPayment>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM payments WHERE store_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?",
        )
        .bind(store_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Records the Klarna sessions of a payment being created.
    pub async fn record_sessions(
        &self,
        id: &str,
        kp_session_id: &str,
        hpp: Option<(&str, &str, Option<i64>)>,
    ) -> Result<(), StorageError> {
        let (hpp_id, hpp_json, expires) = match hpp {
            Some((id, json, expires)) => (Some(id), Some(json), expires),
            None => (None, None, None),
        };
        sqlx::query(
            "UPDATE payments SET kp_session_id = ?, hpp_session_id = COALESCE(?, hpp_session_id), \
             hpp_json = COALESCE(?, hpp_json), klarna_expires_at = COALESCE(?, klarna_expires_at), updated_at = ? \
             WHERE id = ?",
        )
        .bind(kp_session_id)
        .bind(hpp_id)
        .bind(hpp_json)
        .bind(expires)
        .bind(now_millis())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_callback_secret_hash(&self, id: &str, hash: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE payments SET callback_secret_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Applies a change unless the payment is already final, or Klarna's
    /// timestamp is older than the one applied last (a stale read). Returns
    /// the payment after the change, or `None` when nothing changed.
    pub async fn apply(
        &self,
        id: &str,
        change: &StatusChange,
        source: &str,
    ) -> Result<Option<StoredPayment>, StorageError> {
        let now = now_millis();
        let mut tx = self.write_transaction().await?;
        let Some(current) = sqlx::query("SELECT * FROM payments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| from_row(&r))
            .transpose()?
        else {
            return Ok(None);
        };
        // Final is final; a late or reordered report never reopens it.
        if current.status.is_final() {
            return Ok(None);
        }
        if let (Some(seen), Some(new)) = (current.klarna_updated_at, change.klarna_updated_at) {
            if new < seen {
                return Ok(None);
            }
        }
        let status = change.status.unwrap_or(current.status);
        let next = StoredPayment {
            status,
            problem: change.problem.clone().or(current.problem.clone()),
            klarna_updated_at: change.klarna_updated_at.or(current.klarna_updated_at),
            authorization_token: change.authorization_token.clone().or(current.authorization_token.clone()),
            order_id: change.order_id.clone().or(current.order_id.clone()),
            klarna_reference: change.klarna_reference.clone().or(current.klarna_reference.clone()),
            updated_at: if status != current.status { now } else { current.updated_at },
            ..current.clone()
        };
        if next == current {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE payments SET status = ?, live = ?, problem = ?, klarna_updated_at = ?, authorization_token = ?, \
             order_id = ?, klarna_reference = ?, updated_at = ? WHERE id = ?",
        )
        .bind(status_text(next.status))
        .bind(i64::from(is_live(next.status)))
        .bind(&next.problem)
        .bind(next.klarna_updated_at)
        .bind(&next.authorization_token)
        .bind(&next.order_id)
        .bind(&next.klarna_reference)
        .bind(next.updated_at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if next.status != current.status {
            insert_event(&mut tx, id, next.status, source, next.problem.as_deref(), now).await?;
        }
        tx.commit().await?;
        Ok(Some(next))
    }

    /// Re-opens a payment whose creation failed, for a retry with its key.
    pub async fn retry_creation(&self, id: &str) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE payments SET status = ?, live = 1, problem = NULL, updated_at = ? WHERE id = ? AND status = ? \
             AND hpp_session_id IS NULL",
        )
        .bind(status_text(PaymentStatus::Creating))
        .bind(now_millis())
        .bind(id)
        .bind(status_text(PaymentStatus::Failed))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Remembers a callback's event id; `false` if it was seen before.
    pub async fn first_sight_of_event(&self, event_id: &str, payment_id: &str) -> Result<bool, StorageError> {
        let inserted = sqlx::query(
            "INSERT INTO callback_events (event_id, payment_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(event_id)
        .bind(payment_id)
        .bind(now_millis())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    pub async fn insert_seller_session(
        &self,
        token_hash: &str,
        store_id: &str,
        associate: &str,
        expires_at: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO seller_sessions (token_hash, store_id, associate, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(store_id)
        .bind(associate)
        .bind(now_millis())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The store and associate of an unexpired session.
    pub async fn seller_session(&self, token_hash: &str) -> Result<Option<(String, String)>, StorageError> {
        let row =
            sqlx::query("SELECT store_id, associate FROM seller_sessions WHERE token_hash = ? AND expires_at > ?")
                .bind(token_hash)
                .bind(now_millis())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((r.try_get("store_id")?, r.try_get("associate")?))).transpose().map_err(StorageError)
    }

    pub async fn delete_seller_session(&self, token_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM seller_sessions WHERE token_hash = ? OR expires_at <= ?")
            .bind(token_hash)
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn history(&self, id: &str) -> Result<Vec<StatusEvent>, StorageError> {
        let rows =
            sqlx::query("SELECT status, source, detail, at FROM payment_events WHERE payment_id = ? ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusEvent {
                    status: parse_status(r.try_get::<String, _>("status")?.as_str()),
                    source: r.try_get("source")?,
                    detail: r.try_get("detail")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StorageError)
    }
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: &str,
    status: PaymentStatus,
    source: &str,
    detail: Option<&str>,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO payment_events (payment_id, status, source, detail, at) VALUES (?, ?, ?, ?, ?)")
        .bind(id)
        .bind(status_text(status))
        .bind(source)
        .bind(detail)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn from_row(row: &SqliteRow) -> Result<StoredPayment, StorageError> {
    let status: String = row.try_get("status")?;
    Ok(StoredPayment {
        id: row.try_get("id")?,
        store_id: row.try_get("store_id")?,
        origin: row.try_get("origin")?,
        attempt_key: row.try_get("attempt_key")?,
        cart_ref: row.try_get("cart_ref")?,
        cart_json: row.try_get("cart_json")?,
        currency: row.try_get("currency")?,
        order_amount: row.try_get("order_amount")?,
        order_tax_amount: row.try_get("order_tax_amount")?,
        place_order_mode: row.try_get("place_order_mode")?,
        status: parse_status(&status),
        problem: row.try_get("problem")?,
        kp_session_id: row.try_get("kp_session_id")?,
        hpp_session_id: row.try_get("hpp_session_id")?,
        hpp_json: row.try_get("hpp_json")?,
        klarna_expires_at: row.try_get("klarna_expires_at")?,
        deadline_at: row.try_get("deadline_at")?,
        klarna_updated_at: row.try_get("klarna_updated_at")?,
        authorization_token: row.try_get("authorization_token")?,
        order_id: row.try_get("order_id")?,
        klarna_reference: row.try_get("klarna_reference")?,
        callback_secret_hash: row.try_get("callback_secret_hash")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        return_urls_json: row.try_get("return_urls_json")?,
    })
}

pub fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(id: &str, key: &str, cart_ref: Option<&str>) -> StoredPayment {
        StoredPayment {
            id: id.into(),
            store_id: "s".into(),
            origin: "api".into(),
            attempt_key: key.into(),
            cart_ref: cart_ref.map(str::to_string),
            cart_json: "{}".into(),
            currency: "SEK".into(),
            order_amount: 100,
            order_tax_amount: 20,
            place_order_mode: "NONE".into(),
            status: PaymentStatus::Waiting,
            problem: None,
            kp_session_id: None,
            hpp_session_id: Some("hpp".into()),
            hpp_json: None,
            klarna_expires_at: None,
            deadline_at: 0,
            klarna_updated_at: None,
            authorization_token: None,
            order_id: None,
            klarna_reference: None,
            callback_secret_hash: "h".into(),
            created_at: 1,
            updated_at: 1,
            return_urls_json: None,
        }
    }

    fn to(status: PaymentStatus, klarna_at: i64) -> StatusChange {
        StatusChange { status: Some(status), klarna_updated_at: Some(klarna_at), ..Default::default() }
    }

    #[tokio::test]
    async fn one_payment_per_attempt_key_and_per_live_cart() {
        let storage = Storage::in_memory().await.unwrap();
        assert!(storage.insert(&payment("a", "k1", Some("cart"))).await.unwrap());
        assert!(!storage.insert(&payment("b", "k1", None)).await.unwrap(), "same key");
        assert!(!storage.insert(&payment("c", "k2", Some("cart"))).await.unwrap(), "same live cart");
        storage.apply("a", &to(PaymentStatus::Cancelled, 5), "user").await.unwrap();
        assert!(storage.insert(&payment("d", "k3", Some("cart"))).await.unwrap(), "cart free again");
        assert_eq!(storage.live_for_cart("s", "cart").await.unwrap().unwrap().id, "d");
    }

    #[tokio::test]
    async fn final_states_stick_and_stale_reads_are_ignored() {
        let storage = Storage::in_memory().await.unwrap();
        storage.insert(&payment("a", "k", None)).await.unwrap();
        assert!(storage.apply("a", &to(PaymentStatus::InProgress, 10), "poll").await.unwrap().is_some());
        // A read that started earlier but answered later says less.
        assert!(storage.apply("a", &to(PaymentStatus::Waiting, 5), "poll").await.unwrap().is_none());
        let done = storage.apply("a", &to(PaymentStatus::Completed, 20), "callback").await.unwrap().unwrap();
        assert_eq!(done.status, PaymentStatus::Completed);
        // A late IN_PROGRESS, even with a newer stamp, never reopens it.
        assert!(storage.apply("a", &to(PaymentStatus::InProgress, 30), "callback").await.unwrap().is_none());
        assert_eq!(storage.get("a").await.unwrap().unwrap().status, PaymentStatus::Completed);
        assert!(storage.open_payments().await.unwrap().is_empty());
        let history: Vec<(PaymentStatus, String)> =
            storage.history("a").await.unwrap().into_iter().map(|e| (e.status, e.source)).collect();
        assert_eq!(
            history,
            [
                (PaymentStatus::Waiting, "user".to_string()),
                (PaymentStatus::InProgress, "poll".to_string()),
                (PaymentStatus::Completed, "callback".to_string())
            ]
        );
    }

    #[tokio::test]
    async fn callback_events_are_seen_once() {
        let storage = Storage::in_memory().await.unwrap();
        storage.insert(&payment("a", "k", None)).await.unwrap();
        assert!(storage.first_sight_of_event("e1", "a").await.unwrap());
        assert!(!storage.first_sight_of_event("e1", "a").await.unwrap());
        assert!(storage.first_sight_of_event("e2", "a").await.unwrap());
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
