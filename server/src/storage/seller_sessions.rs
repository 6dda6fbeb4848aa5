//! Signed-in associates, by the hash of their cookie's token.

use super::{Storage, StorageError};
use crate::clock::now_millis;
use sqlx::Row;

impl Storage {
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
        Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get("store_id")?, r.try_get("associate")?))).transpose()?)
    }

    /// Ends a session, and sweeps every expired one.
    pub async fn delete_seller_session(&self, token_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM seller_sessions WHERE token_hash = ? OR expires_at <= ?")
            .bind(token_hash)
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sessions_live_until_they_expire_or_end() {
        let storage = Storage::in_memory().await.unwrap();
        storage.insert_seller_session("t1", "s", "anna", now_millis() + 60_000).await.unwrap();
        storage.insert_seller_session("t2", "s", "bo", now_millis() - 1).await.unwrap();
        assert_eq!(storage.seller_session("t1").await.unwrap(), Some(("s".into(), "anna".into())));
        assert_eq!(storage.seller_session("t2").await.unwrap(), None, "expired");
        storage.delete_seller_session("t1").await.unwrap();
        assert_eq!(storage.seller_session("t1").await.unwrap(), None);
    }
}
