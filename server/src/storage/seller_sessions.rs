//! Signed-in associates, by the hash of their cookie's token.

use super::{Storage, StorageError};
use crate::clock::now_millis;
use sqlx::Row;

/// A session as stored: who, and the credential it was opened with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub store_id: String,
    pub associate: String,
    pub credential: String,
}

impl Storage {
    pub async fn insert_seller_session(
        &self,
        token_hash: &str,
        session: &StoredSession,
        expires_at: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO seller_sessions (token_hash, store_id, associate, credential, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(&session.store_id)
        .bind(&session.associate)
        .bind(&session.credential)
        .bind(now_millis())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An unexpired session.
    pub async fn seller_session(&self, token_hash: &str) -> Result<Option<StoredSession>, StorageError> {
        let row = sqlx::query(
            "SELECT store_id, associate, credential FROM seller_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_millis())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| session_from(&r)).transpose()?)
    }

    /// Every distinct (store, associate, credential) with a session, for a
    /// sweep after the config changed.
    pub async fn seller_session_owners(&self) -> Result<Vec<StoredSession>, StorageError> {
        let rows = sqlx::query("SELECT DISTINCT store_id, associate, credential FROM seller_sessions")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(session_from).collect::<Result<_, _>>()?)
    }

    /// Ends every session of one owner (an associate removed, or their
    /// password changed); answers how many ended.
    pub async fn delete_seller_sessions_of(&self, owner: &StoredSession) -> Result<u64, StorageError> {
        let done =
            sqlx::query("DELETE FROM seller_sessions WHERE store_id = $1 AND associate = $2 AND credential = $3")
                .bind(&owner.store_id)
                .bind(&owner.associate)
                .bind(&owner.credential)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    /// Ends a session, and sweeps every expired one.
    pub async fn delete_seller_session(&self, token_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM seller_sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn session_from(row: &super::Row) -> Result<StoredSession, sqlx::Error> {
    Ok(StoredSession {
        store_id: row.try_get("store_id")?,
        associate: row.try_get("associate")?,
        credential: row.try_get("credential")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(associate: &str, credential: &str) -> StoredSession {
        StoredSession { store_id: "s".into(), associate: associate.into(), credential: credential.into() }
    }

    #[tokio::test]
    async fn sessions_live_until_they_expire_or_end() {
        for storage in crate::storage::tests::backends().await {
            storage.insert_seller_session("t1", &owner("anna", "c1"), now_millis() + 60_000).await.unwrap();
            storage.insert_seller_session("t2", &owner("bo", "c2"), now_millis() - 1).await.unwrap();
            assert_eq!(storage.seller_session("t1").await.unwrap(), Some(owner("anna", "c1")));
            assert_eq!(storage.seller_session("t2").await.unwrap(), None, "expired");
            storage.delete_seller_session("t1").await.unwrap();
            assert_eq!(storage.seller_session("t1").await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn an_owners_sessions_end_together_and_only_theirs() {
        for storage in crate::storage::tests::backends().await {
            let later = now_millis() + 60_000;
            storage.insert_seller_session("t1", &owner("anna", "old"), later).await.unwrap();
            storage.insert_seller_session("t2", &owner("anna", "old"), later).await.unwrap();
            storage.insert_seller_session("t3", &owner("anna", "new"), later).await.unwrap();
            assert_eq!(storage.seller_session_owners().await.unwrap().len(), 2);
            assert_eq!(storage.delete_seller_sessions_of(&owner("anna", "old")).await.unwrap(), 2);
            assert_eq!(storage.seller_session("t1").await.unwrap(), None);
            assert_eq!(storage.seller_session("t3").await.unwrap(), Some(owner("anna", "new")));
        }
    }
}
