//! The `sign_in_failures` table: wrong passwords at the till's sign-in, by
//! a hash of what they are counted by, so every instance sees the same
//! count. How long a name then waits is the caller's rule.

use super::{Storage, StorageError};

impl Storage {
    /// How many wrong passwords in a row and when the last came (Unix ms).
    pub async fn sign_in_failures(&self, key_hash: &str) -> Result<Option<(i64, i64)>, StorageError> {
        Ok(sqlx::query_as("SELECT failures, last_at FROM sign_in_failures WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Counts one more wrong password, and forgets counts whose last came
    /// before `stale_before` (so the table holds only recent guessing).
    pub async fn sign_in_failed(&self, key_hash: &str, now: i64, stale_before: i64) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE last_at < $1").bind(stale_before).execute(&self.pool).await?;
        sqlx::query(
            "INSERT INTO sign_in_failures (key_hash, failures, last_at) VALUES ($1, 1, $2) \
             ON CONFLICT (key_hash) DO UPDATE SET failures = sign_in_failures.failures + 1, last_at = $2",
        )
        .bind(key_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn sign_in_succeeded(&self, key_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key_hash = $1").bind(key_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Counts held now (for tests of the bound).
    pub async fn sign_in_failures_held(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures").fetch_one(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::tests::backends;

    #[tokio::test]
    async fn failures_add_up_until_a_success_and_stale_ones_are_forgotten() {
        for storage in backends().await {
            for at in [10, 20, 30] {
                storage.sign_in_failed("k", at, 0).await.unwrap();
            }
            assert_eq!(storage.sign_in_failures("k").await.unwrap(), Some((3, 30)));
            storage.sign_in_failed("other", 40, 0).await.unwrap();
            storage.sign_in_succeeded("k").await.unwrap();
            assert_eq!(storage.sign_in_failures("k").await.unwrap(), None);
            storage.sign_in_failed("new", 1_000, 500).await.unwrap();
            assert_eq!(storage.sign_in_failures_held().await.unwrap(), 1, "the stale count is gone");
        }
    }
}
