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
mod notices;
mod payment_checks;
mod payments;
mod refunds;
mod rows;
mod seller_sessions;
mod server_keys;
mod sign_in_failures;
mod unknown_links;
mod withdrawals_due;

pub use kiosk_screens::StoredKioskScreen;
pub use notices::Notices;
pub use payment_checks::ClaimedCheck;
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

/// This instance's session on the database (see [`Storage::hold_instance`]).
pub struct InstanceLock {
    // In a mutex only so the holder may be shared between threads; never used.
    _connection: Option<std::sync::Mutex<sqlx::AnyConnection>>,
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
    (12, include_str!("../../migrations/0012_payment_checks.sql")),
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
    /// PostgreSQL's URL, for the connection that listens for notices.
    url: Option<String>,
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
        let url = (backend == Backend::Postgres).then(|| url.to_string());
        let storage = Storage { pool, backend, url };
        storage.migrate().await?;
        Ok(storage)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Says "instance `id` is alive" for as long as the answer lives: on
    /// PostgreSQL an advisory lock on `id`, held by a connection of its own,
    /// which the server lets go when the process dies (however it dies), so
    /// other instances take its claims over at once (see
    /// [`Storage::release_claims_of_the_gone`]). SQLite: one process opens
    /// the file; nothing to hold.
    pub async fn hold_instance(&self, id: i64) -> Result<InstanceLock, StorageError> {
        if self.backend == Backend::Sqlite {
            return Ok(InstanceLock { _connection: None });
        }
        let mut connection = self.pool.acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock($1)").bind(id).execute(&mut connection).await?;
        Ok(InstanceLock { _connection: Some(std::sync::Mutex::new(connection)) })
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
    async fn a_gone_instances_claims_are_let_go_and_a_live_ones_are_kept() {
        for storage in backends().await.into_iter().filter(|s| s.backend() == Backend::Postgres) {
            for id in ["alive", "gone"] {
                storage.insert(&payment(id)).await.unwrap();
            }
            let (alive, gone) =
                (storage.hold_instance(1001).await.unwrap(), storage.hold_instance(1002).await.unwrap());
            let far = crate::clock::now_millis() + 600_000;
            storage.hold_check("alive", 1001, far).await.unwrap();
            storage.hold_check("gone", 1002, far).await.unwrap();
            assert_eq!(
                storage.release_claims_of_the_gone(crate::clock::now_millis()).await.unwrap(),
                0,
                "both sessions live"
            );
            drop(gone);
            let released = crate::testing::eventually("the gone session's lock to be let go", || async {
                let released = storage.release_claims_of_the_gone(crate::clock::now_millis()).await.unwrap();
                (released > 0).then_some(released)
            })
            .await;
            assert_eq!(released, 1);
            assert!(storage.try_claim_check("alive", 7, 1, far).await.unwrap().is_none(), "the live one keeps its own");
            assert!(storage.try_claim_check("gone", 7, 1, far).await.unwrap().is_some());
            drop(alive);
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
