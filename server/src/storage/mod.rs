//! Persistence: rows to typed values and back, and compare-and-swap under
//! the write lock. No rules live here: what a change may do is decided by
//! the caller's closure (see [`Storage::update`]).
//!
//! All SQL is portable (no SQLite-only functions in queries), so a
//! PostgreSQL backend for several instances is a second pool behind the
//! same methods, not a rewrite of the rest.

mod callback_events;
mod kiosk_screens;
mod payments;
mod refunds;
mod rows;
mod seller_sessions;
mod server_keys;
mod unknown_links;
mod withdrawals_due;

pub use kiosk_screens::StoredKioskScreen;
pub use payments::{StatusEvent, StoredPayment, Updated};
pub use refunds::{RefundRecorded, StoredRefund};
pub use seller_sessions::StoredSession;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Schema migrations, applied in order at start-up.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_payments.sql")),
    (2, include_str!("../../migrations/0002_return_urls.sql")),
    (3, include_str!("../../migrations/0003_seller_sessions.sql")),
    (4, include_str!("../../migrations/0004_server_keys.sql")),
    (5, include_str!("../../migrations/0005_unknown_links.sql")),
    (6, include_str!("../../migrations/0006_withdrawals_due.sql")),
    (7, include_str!("../../migrations/0007_session_credential.sql")),
    (8, include_str!("../../migrations/0008_capture_status.sql")),
    (9, include_str!("../../migrations/0009_refunds.sql")),
    (10, include_str!("../../migrations/0010_refund_lines.sql")),
    (11, include_str!("../../migrations/0011_kiosk_screens.sql")),
];

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value that does not read back as its type: a bug or a
    /// hand-edited database, never silently replaced by a default.
    #[error("database: payment {id}: column {column} holds an unreadable value ({detail})")]
    Corrupt { id: String, column: &'static str, detail: String },
}

#[derive(Clone)]
pub struct Storage {
    pool: SqlitePool,
}

impl Storage {
    /// Opens (creating if needed) `kassa.db` in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StorageError::Database(sqlx::Error::Io(e)))?;
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

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<Storage, StorageError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection: every connection to :memory: is its own database.
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        let storage = Storage { pool };
        storage.migrate().await?;
        Ok(storage)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection: the database stops answering.
    #[cfg(test)]
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs raw SQL: tests break the database on purpose with it.
    #[cfg(test)]
    pub async fn execute_for_test(&self, sql: &str) -> Result<(), StorageError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// A transaction that takes the write lock at once. A deferred one that
    /// reads first fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT)
    /// when another writer committed meanwhile, e.g. a status callback and a
    /// shopper's return reading the same payment; this one waits instead.
    async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StorageError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
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
                .bind(crate::clock::now_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// A payment row to start tests from.
#[cfg(test)]
pub(crate) mod tests {
    use super::StoredPayment;
    use domain::{Cart, CartInput, CartLineInput, Currency, Door, PaymentStatus};
    use klarna::wire::PlaceOrderMode;

    /// A waiting payment of store "s" with an HPP session.
    pub fn payment(id: &str) -> StoredPayment {
        payment_with(id, &format!("key-{id}"), None)
    }

    pub fn payment_with(id: &str, key: &str, cart_ref: Option<&str>) -> StoredPayment {
        let input = CartInput {
            lines: vec![CartLineInput { name: "Tea".into(), quantity: 1, unit_price: 100, ..Default::default() }],
        };
        StoredPayment {
            id: id.into(),
            store_id: "s".into(),
            door: Door::Api,
            attempt_key: key.into(),
            cart_ref: cart_ref.map(str::to_string),
            cart: Cart::validate(&input, Currency::parse("SEK").unwrap()).unwrap(),
            place_order_mode: PlaceOrderMode::None,
            status: PaymentStatus::Waiting,
            problem: None,
            kp_session_id: None,
            hpp_session_id: Some("hpp".into()),
            hpp: None,
            klarna_expires_at: None,
            deadline_at: 0,
            klarna_updated_at: None,
            authorization_token: None,
            order_id: None,
            klarna_reference: None,
            callback_secret_hash: "h".into(),
            created_at: 1,
            updated_at: 1,
            return_urls: None,
            capture: None,
            refunded_amount: 0,
        }
    }
}
