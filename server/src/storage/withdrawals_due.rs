//! Withdrawals the store asked for that Klarna has not confirmed yet.

use super::{Storage, StorageError};
use crate::clock::now_millis;

impl Storage {
    pub async fn request_withdrawal(&self, payment_id: &str) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO withdrawals_due (payment_id, since) VALUES ($1, $2) ON CONFLICT (payment_id) DO NOTHING",
        )
        .bind(payment_id)
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_withdrawal(&self, payment_id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM withdrawals_due WHERE payment_id = $1").bind(payment_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Every withdrawal still due, oldest first.
    pub async fn withdrawals_due(&self) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar("SELECT payment_id FROM withdrawals_due ORDER BY since").fetch_all(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::tests::payment;

    #[tokio::test]
    async fn a_withdrawal_is_due_once_until_cleared() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("p-1")).await.unwrap();
            storage.request_withdrawal("p-1").await.unwrap();
            storage.request_withdrawal("p-1").await.unwrap();
            assert_eq!(storage.withdrawals_due().await.unwrap(), ["p-1"]);
            storage.clear_withdrawal("p-1").await.unwrap();
            assert!(storage.withdrawals_due().await.unwrap().is_empty());
        }
    }
}
