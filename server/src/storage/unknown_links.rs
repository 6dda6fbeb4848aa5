//! Payments whose Klarna link may exist unseen (a creation that lost
//! Klarna's answer), until a retry or Kassa itself has learned it. Taking
//! the note is the claim to act on it: one taker wins.

use super::rows::{decode_problem, encode_problem};
use super::{Storage, StorageError};
use crate::clock::now_millis;
use domain::Problem;

impl Storage {
    /// Notes the payment, with the problem it ends with if nobody retries.
    pub async fn mark_link_unknown(&self, payment_id: &str, problem: &Problem) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO unknown_links (payment_id, problem, since) VALUES ($1, $2, $3) ON CONFLICT (payment_id) DO NOTHING",
        )
        .bind(payment_id)
        .bind(encode_problem(problem))
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn link_unknown(&self, payment_id: &str) -> Result<bool, StorageError> {
        let found: Option<String> = sqlx::query_scalar("SELECT payment_id FROM unknown_links WHERE payment_id = $1")
            .bind(payment_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Removes the note and returns its problem, or `None` when there was
    /// none (or another task took it first).
    pub async fn take_link_unknown(&self, payment_id: &str) -> Result<Option<Problem>, StorageError> {
        let problem: Option<String> =
            sqlx::query_scalar("DELETE FROM unknown_links WHERE payment_id = $1 RETURNING problem")
                .bind(payment_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(problem.as_deref().map(decode_problem))
    }

    /// Every payment still noted, oldest first.
    pub async fn unknown_links(&self) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT payment_id FROM unknown_links ORDER BY since").fetch_all(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::payment;

    #[tokio::test]
    async fn a_note_is_kept_once_and_taken_once() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("p-1")).await.unwrap();
            assert!(!storage.link_unknown("p-1").await.unwrap());
            storage.mark_link_unknown("p-1", &Problem::RestartedBeforeLink).await.unwrap();
            storage.mark_link_unknown("p-1", &Problem::KlarnaUnreachable).await.unwrap();
            assert!(storage.link_unknown("p-1").await.unwrap());
            assert_eq!(storage.unknown_links().await.unwrap(), ["p-1"]);
            assert_eq!(storage.take_link_unknown("p-1").await.unwrap(), Some(Problem::RestartedBeforeLink));
            assert_eq!(storage.take_link_unknown("p-1").await.unwrap(), None, "taken once");
            assert!(storage.unknown_links().await.unwrap().is_empty());
        }
    }
}
