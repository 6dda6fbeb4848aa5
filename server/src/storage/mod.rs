//! Persistence: rows to typed values and back, and compare-and-swap under
//! the write lock. No rules live here: what a change may do is decided by
//! the caller's closure (see [`Storage::update`]).
//!
//! One set of queries serves both backends: SQLite in `data_dir` (the
//! embedded default) and PostgreSQL (`database_url`), through sqlx's `Any`
//! driver with `$N` placeholders, which both accept. Where they differ
//! (how a write takes its lock, one table's id) [`Backend`] says.

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

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::path::Path;

/// The database Kassa keeps its state in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The advisory lock one Kassa holds on its PostgreSQL database.
const INSTANCE_LOCK: i64 = 0x006b_6173_7362;

/// This process's hold on the database (see [`Storage::hold_as_only_instance`]).
pub struct InstanceLock {
    _connection: Option<sqlx::AnyConnection>,
}

/// The advisory lock PostgreSQL instances migrate under.
const MIGRATION_LOCK: i64 = 0x006b_6173_7361;

/// PostgreSQL's own version of a migration, where SQLite's does not serve.
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../migrations/postgres/0001_payments.sql"))];

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
    pool: AnyPool,
    backend: Backend,
}

/// Row type of both backends.
pub(crate) type Row = AnyRow;

impl Storage {
    /// Opens (creating if needed) `kassa.db` in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StorageError::Database(sqlx::Error::Io(e)))?;
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("kassa.db").display());
        Storage::connect(&url, Backend::Sqlite, 8).await
    }

    /// Connects to PostgreSQL at `url` (`postgres://…`) and migrates it.
    pub async fn open_postgres(url: &str) -> Result<Storage, StorageError> {
        Storage::connect(url, Backend::Postgres, 16).await
    }

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<Storage, StorageError> {
        // One connection: every connection to :memory: is its own database.
        Storage::connect("sqlite::memory:", Backend::Sqlite, 1).await
    }

    async fn connect(url: &str, backend: Backend, connections: u32) -> Result<Storage, StorageError> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL + FULL survives a crash and a power loss; a
                        // writer waits for the lock rather than failing.
                        connection
                            .execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; \
                                 PRAGMA foreign_keys = ON",
                            )
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let storage = Storage { pool, backend };
        storage.migrate().await?;
        Ok(storage)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Holds the database for this process alone while the answer lives;
    /// `None` when another Kassa holds it. Several instances on one
    /// PostgreSQL need each payment claimed by one instance and changes
    /// pushed across instances, which Kassa does not do yet: so a second
    /// one is refused rather than let two trackers follow every payment.
    /// SQLite: one process opens the file; nothing to hold.
    pub async fn hold_as_only_instance(&self) -> Result<Option<InstanceLock>, StorageError> {
        if self.backend == Backend::Sqlite {
            return Ok(Some(InstanceLock { _connection: None }));
        }
        // Its own connection, closed (so the lock let go) when dropped.
        let mut connection = self.pool.acquire().await?.detach();
        let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(INSTANCE_LOCK)
            .fetch_one(&mut connection)
            .await?;
        Ok(held.then_some(InstanceLock { _connection: Some(connection) }))
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
    ///
    /// On PostgreSQL a write locks the rows it reads with [`Self::for_update`].
    async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StorageError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// What a read in a write transaction ends with to lock its rows until
    /// the commit: PostgreSQL's `FOR UPDATE`; SQLite's transaction holds the
    /// whole database already.
    fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        // Instances starting together migrate one at a time.
        let mut lock = match self.backend {
            Backend::Postgres => Some(self.pool.acquire().await?),
            Backend::Sqlite => None,
        };
        if let Some(connection) = lock.as_mut() {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut **connection).await?;
        }
        let migrated = self.apply_migrations().await;
        if let Some(connection) = lock.as_mut() {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut **connection).await?;
        }
        migrated
    }

    async fn apply_migrations(&self) -> Result<(), StorageError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS kassa_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, sql) in MIGRATIONS {
            let own = POSTGRES_MIGRATIONS.iter().find(|(v, _)| v == version).map(|(_, sql)| *sql);
            let sql = match (self.backend, own) {
                (Backend::Postgres, Some(own)) => own,
                _ => *sql,
            };
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM kassa_migrations WHERE version = $1")
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
            sqlx::query("INSERT INTO kassa_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(crate::clock::now_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// A payment row to start tests from, and the databases to run them on.
#[cfg(test)]
pub(crate) mod tests {
    use super::{Backend, Storage, StoredPayment};

    /// A fresh database of each backend: SQLite in memory, and PostgreSQL
    /// when `KASSA_TEST_DATABASE_URL` names a server Kassa may create
    /// databases on (`scripts/test.sh` starts one and sets
    /// `KASSA_TEST_POSTGRES=required`, so a missing one fails there).
    pub async fn backends() -> Vec<Storage> {
        let mut all = vec![Storage::in_memory().await.unwrap()];
        match std::env::var("KASSA_TEST_DATABASE_URL") {
            Ok(url) => all.push(crate::testing::fresh_postgres(&url).await),
            Err(_) if std::env::var("KASSA_TEST_POSTGRES").as_deref() == Ok("required") => {
                panic!("KASSA_TEST_POSTGRES=required but KASSA_TEST_DATABASE_URL is not set")
            }
            Err(_) => {}
        }
        all
    }

    #[tokio::test]
    async fn a_second_kassa_on_the_same_postgresql_is_refused_until_the_first_stops() {
        for storage in backends().await.into_iter().filter(|s| s.backend() == Backend::Postgres) {
            let first = storage.hold_as_only_instance().await.unwrap();
            assert!(first.is_some());
            assert!(storage.hold_as_only_instance().await.unwrap().is_none(), "a second instance is refused");
            drop(first);
            let again = crate::testing::eventually("the lock to be let go", || async {
                storage.hold_as_only_instance().await.unwrap()
            })
            .await;
            drop(again);
        }
    }

    use domain::{Cart, CartInput, CartLineInput, Currency, Door, PaymentStatus};
    use klarna::wire::PlaceOrderMode;

    /// A pending refund of `amount` under `key`, as a service records one.
    pub fn pending_refund(payment_id: &str, key: &str, amount: i64) -> super::StoredRefund {
        super::StoredRefund {
            id: uuid::Uuid::new_v4().to_string(),
            payment_id: payment_id.into(),
            request_key: key.into(),
            amount,
            lines: Vec::new(),
            reference: None,
            requested_by: "anna".into(),
            status: domain::RefundStatus::Pending,
            problem: None,
            klarna_refund_id: None,
            created_at: 1,
            updated_at: 1,
        }
    }

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
