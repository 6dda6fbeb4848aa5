//! The `payment_checks` table: when each open payment is next read from
//! Klarna, whether a screen watches it, and which instance holds it now.
//! Instances claim due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so a
//! payment is read by one instance at a time; a claim is a lease, so a dead
//! instance's payments are taken over. When to read next is the caller's
//! rule; this module only stores it.

use super::{Backend, Storage, StorageError};
use sqlx::Row;

/// A payment claimed for a check, with what its next schedule depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedCheck {
    pub payment_id: String,
    /// The back-off reached while nobody watched (ms).
    pub idle_ms: i64,
    /// Until when a screen watches it (Unix ms).
    pub watched_until: i64,
}

/// Keeps the earlier of two due times on an upsert.
const EARLIER_DUE: &str =
    "CASE WHEN excluded.due_at < payment_checks.due_at THEN excluded.due_at ELSE payment_checks.due_at END";

fn claimed(row: &super::Row) -> Result<ClaimedCheck, StorageError> {
    Ok(ClaimedCheck {
        payment_id: row.try_get("payment_id")?,
        idle_ms: row.try_get("idle_ms")?,
        watched_until: row.try_get("watched_until")?,
    })
}

/// The statement that holds a payment for `instance` until `until`, whoever
/// held it; also run in the transaction that records a new payment.
pub(super) fn hold(
    payment_id: &str,
    instance: i64,
    until: i64,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO payment_checks (payment_id, due_at, idle_ms, watched_until, claimed_by, claim_until) \
         VALUES ($1, $2, 0, 0, $3, $2) ON CONFLICT (payment_id) DO UPDATE SET claimed_by = $3, claim_until = $2, \
         due_at = $2",
    )
    .bind(payment_id)
    .bind(until)
    .bind(instance)
}

impl Storage {
    /// Follows a payment: read no later than `due_at` (an earlier time
    /// already set stands).
    pub async fn track_check(&self, payment_id: &str, due_at: i64, idle_ms: i64) -> Result<(), StorageError> {
        sqlx::query(&format!(
            "INSERT INTO payment_checks (payment_id, due_at, idle_ms, watched_until, claimed_by, claim_until) \
             VALUES ($1, $2, $3, 0, NULL, 0) ON CONFLICT (payment_id) DO UPDATE SET due_at = {EARLIER_DUE}"
        ))
        .bind(payment_id)
        .bind(due_at)
        .bind(idle_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Holds the payment for `instance` until `until`, whoever held it
    /// (a creation: nobody else may settle it meanwhile).
    pub async fn hold_check(&self, payment_id: &str, instance: i64, until: i64) -> Result<(), StorageError> {
        hold(payment_id, instance, until).execute(&self.pool).await?;
        Ok(())
    }

    /// Takes the payment for `instance` until `until` (not due again
    /// meanwhile) if nobody else holds it now; `None` while another live
    /// claim stands.
    pub async fn try_claim_check(
        &self,
        payment_id: &str,
        instance: i64,
        now: i64,
        until: i64,
    ) -> Result<Option<ClaimedCheck>, StorageError> {
        let row = sqlx::query(
            "INSERT INTO payment_checks (payment_id, due_at, idle_ms, watched_until, claimed_by, claim_until) \
             VALUES ($1, $4, 0, 0, $2, $4) ON CONFLICT (payment_id) DO UPDATE SET claimed_by = $2, claim_until = $4, \
             due_at = $4 WHERE payment_checks.claim_until < $3 OR payment_checks.claimed_by = $2 \
             RETURNING payment_id, idle_ms, watched_until",
        )
        .bind(payment_id)
        .bind(instance)
        .bind(now)
        .bind(until)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(claimed).transpose()
    }

    /// Lets the payment go if `instance` holds it (the next check is due as set).
    pub async fn release_check(&self, payment_id: &str, instance: i64) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE payment_checks SET claimed_by = NULL, claim_until = 0 WHERE payment_id = $1 AND claimed_by = $2",
        )
        .bind(payment_id)
        .bind(instance)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims up to `limit` payments due at `now` that nobody else holds,
    /// for `instance` until `until`; they are not due again meanwhile.
    pub async fn claim_due_checks(
        &self,
        instance: i64,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedCheck>, StorageError> {
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "UPDATE payment_checks SET claimed_by = $1, claim_until = $3, due_at = $3 WHERE payment_id IN \
             (SELECT payment_id FROM payment_checks WHERE due_at <= $2 AND (claim_until < $2 OR claimed_by = $1) \
             ORDER BY due_at LIMIT $4{skip_locked}) RETURNING payment_id, idle_ms, watched_until"
        ))
        .bind(instance)
        .bind(now)
        .bind(until)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(claimed).collect()
    }

    /// Ends `instance`'s check: the next one is due at `due_at`, after a
    /// back-off of `idle_ms`, or sooner if asked for during the check (a
    /// callback). Nothing if another instance holds it now; set all the
    /// same if nobody does (another task here let it go meanwhile).
    pub async fn finish_check(
        &self,
        payment_id: &str,
        instance: i64,
        due_at: i64,
        idle_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE payment_checks SET due_at = CASE WHEN due_at < claim_until AND due_at < $3 THEN due_at \
             ELSE $3 END, idle_ms = $4, claimed_by = NULL, claim_until = 0 \
             WHERE payment_id = $1 AND (claimed_by = $2 OR claimed_by IS NULL)",
        )
        .bind(payment_id)
        .bind(instance)
        .bind(due_at)
        .bind(idle_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The payment ended: nobody follows it any more.
    pub async fn forget_check(&self, payment_id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM payment_checks WHERE payment_id = $1").bind(payment_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Screens watch these payments until `until`; each is read by `due_by`
    /// at the latest.
    pub async fn watch_checks(&self, payment_ids: &[String], until: i64, due_by: i64) -> Result<(), StorageError> {
        // Bounded statements: a busy instance watches thousands at once.
        for chunk in payment_ids.chunks(200) {
            let list: Vec<String> = (0..chunk.len()).map(|n| format!("${}", n + 3)).collect();
            let sql = format!(
                "UPDATE payment_checks SET watched_until = $1, \
                 due_at = CASE WHEN due_at > $2 THEN $2 ELSE due_at END WHERE payment_id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(until).bind(due_by);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Every open payment without a row gets one, due at `now`: payments
    /// from before the table existed. (A creation's row is written with
    /// its payment, and held before a failed one is taken up again.)
    pub async fn adopt_open_payments(&self, now: i64, idle_ms: i64) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "INSERT INTO payment_checks (payment_id, due_at, idle_ms, watched_until, claimed_by, claim_until) \
             SELECT id, $1, $2, 0, NULL, 0 FROM payments WHERE live = 1 \
             AND NOT EXISTS (SELECT 1 FROM payment_checks WHERE payment_checks.payment_id = payments.id)",
        )
        .bind(now)
        .bind(idle_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Lets go every claim of an instance that is gone, due at `now` unless
    /// a check was set for a time within the claim (a grace): on
    /// SQLite every claim (one process uses the file, and it is starting);
    /// on PostgreSQL those of instances whose database session ended (their
    /// lock is free).
    pub async fn release_claims_of_the_gone(&self, now: i64) -> Result<u64, StorageError> {
        let release = "UPDATE payment_checks SET due_at = CASE WHEN due_at < claim_until THEN due_at ELSE $1 END, \
                       claimed_by = NULL, claim_until = 0 WHERE claimed_by";
        if self.backend == Backend::Sqlite {
            let done = sqlx::query(&format!("{release} IS NOT NULL")).bind(now).execute(&self.pool).await?;
            return Ok(done.rows_affected());
        }
        let holders: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT claimed_by FROM payment_checks WHERE claimed_by IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        let mut connection = self.pool.acquire().await?;
        let mut released = 0;
        for holder in holders {
            // Free only when the holder's session is gone; taken here for a moment.
            let gone: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(holder).fetch_one(&mut *connection).await?;
            if !gone {
                continue;
            }
            let done = sqlx::query(&format!("{release} = $2")).bind(now).bind(holder).execute(&mut *connection).await?;
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(holder).execute(&mut *connection).await?;
            released += done.rows_affected();
        }
        Ok(released)
    }

    /// A payment's schedule: when it is due, its back-off, who holds it.
    #[cfg(test)]
    pub async fn check_of(&self, payment_id: &str) -> Result<Option<(i64, i64, Option<i64>)>, StorageError> {
        Ok(sqlx::query_as("SELECT due_at, idle_ms, claimed_by FROM payment_checks WHERE payment_id = $1")
            .bind(payment_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// How many payments are followed, by every instance.
    pub async fn checks_count(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM payment_checks").fetch_one(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::tests::{backends, payment};

    const A: i64 = 11;
    const B: i64 = 22;

    #[tokio::test]
    async fn a_due_payment_is_claimed_by_one_instance_until_its_lease_ends() {
        for storage in backends().await {
            for id in ["p1", "p2"] {
                assert!(storage.insert(&payment(id)).await.unwrap());
            }
            storage.track_check("p1", 100, 10_000).await.unwrap();
            storage.track_check("p2", 500, 10_000).await.unwrap();
            let a = storage.claim_due_checks(A, 200, 30_200, 10).await.unwrap();
            assert_eq!(a.iter().map(|c| c.payment_id.as_str()).collect::<Vec<_>>(), ["p1"]);
            assert!(storage.claim_due_checks(B, 200, 30_200, 10).await.unwrap().is_empty(), "held by A");
            assert!(
                storage.try_claim_check("p1", B, 200, 30_200).await.unwrap().is_none(),
                "B may not place its order"
            );
            assert!(storage.try_claim_check("p1", A, 200, 30_200).await.unwrap().is_some(), "A holds it already");
            // A dies: once its lease ends B takes p1, and p2 is due by then too.
            let b = storage.claim_due_checks(B, 30_201, 60_000, 10).await.unwrap();
            assert_eq!(b.len(), 2, "{b:?}");
            // A's late finish changes nothing that B holds.
            storage.finish_check("p1", A, 1, 1).await.unwrap();
            assert!(storage.claim_due_checks(A, 30_300, 60_000, 10).await.unwrap().is_empty());
            storage.finish_check("p1", B, 40_000, 20_000).await.unwrap();
            let again = storage.claim_due_checks(A, 40_000, 70_000, 10).await.unwrap();
            assert_eq!((again[0].payment_id.as_str(), again[0].idle_ms), ("p1", 20_000));
        }
    }

    #[tokio::test]
    async fn tracking_only_brings_a_check_forward_and_watching_marks_it() {
        for storage in backends().await {
            storage.insert(&payment("p")).await.unwrap();
            storage.track_check("p", 1_000, 10_000).await.unwrap();
            storage.track_check("p", 9_000, 10_000).await.unwrap();
            assert!(storage.claim_due_checks(A, 999, 2_000, 10).await.unwrap().is_empty());
            storage.watch_checks(&["p".to_string()], 50_000, 500).await.unwrap();
            let claimed = storage.claim_due_checks(A, 500, 2_000, 10).await.unwrap();
            assert_eq!((claimed.len(), claimed[0].watched_until), (1, 50_000));
            storage.forget_check("p").await.unwrap();
            assert_eq!(storage.checks_count().await.unwrap(), 0);
            assert_eq!(storage.adopt_open_payments(7, 10_000).await.unwrap(), 1, "an open payment without a row");
            assert_eq!(storage.adopt_open_payments(7, 10_000).await.unwrap(), 0, "once");
        }
    }

    #[tokio::test]
    async fn claims_race_and_each_due_payment_goes_to_one_instance() {
        for storage in backends().await {
            for n in 0..40 {
                let id = format!("p{n}");
                storage.insert(&payment(&id)).await.unwrap();
                storage.track_check(&id, 0, 10_000).await.unwrap();
            }
            let claims = (0..8).map(|instance| {
                let storage = storage.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    for _ in 0..10 {
                        mine.extend(storage.claim_due_checks(instance, 10, 100_000, 3).await.unwrap());
                    }
                    mine
                })
            });
            let mut all: Vec<String> = Vec::new();
            for claim in claims {
                all.extend(claim.await.unwrap().into_iter().map(|c| c.payment_id));
            }
            all.sort();
            let total = all.len();
            all.dedup();
            assert_eq!((total, all.len()), (40, 40), "every payment claimed exactly once");
        }
    }
}
