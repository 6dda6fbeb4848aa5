//! Payments whose Klarna link may exist unseen (a creation that lost
//! Klarna's answer), until Kassa has learned and withdrawn it.

use super::{Storage, StorageError};
use crate::clock::now_millis;

impl Storage {
    pub async fn mark_link_unknown(&self, payment_id: &str) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO unknown_links (payment_id, since) VALUES (?, ?) ON CONFLICT (payment_id) DO NOTHING")
            .bind(payment_id)
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn link_unknown(&self, payment_id: &str) -> Result<bool, StorageError> {
        let found: Option<String> = sqlx::query_scalar("SELECT payment_id FROM unknown_links WHERE payment_id = ?")
            .bind(payment_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    pub async fn clear_link_unknown(&self, payment_id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM unknown_links WHERE payment_id = ?").bind(payment_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Every payment still marked, oldest first.
    pub async fn unknown_links(&self) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT payment_id FROM unknown_links ORDER BY since").fetch_all(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::payment;

    #[tokio::test]
    async fn a_mark_is_kept_once_until_cleared() {
        let storage = Storage::in_memory().await.unwrap();
        storage.insert(&payment("p-1")).await.unwrap();
        assert!(!storage.link_unknown("p-1").await.unwrap());
        storage.mark_link_unknown("p-1").await.unwrap();
        storage.mark_link_unknown("p-1").await.unwrap();
        assert!(storage.link_unknown("p-1").await.unwrap());
        assert_eq!(storage.unknown_links().await.unwrap(), ["p-1"]);
        storage.clear_link_unknown("p-1").await.unwrap();
        assert!(storage.unknown_links().await.unwrap().is_empty());
    }
}
