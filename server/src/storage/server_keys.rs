//! Installation-wide keys, made once at random on first use.

use super::{Storage, StorageError};
use crate::clock::now_millis;

impl Storage {
    /// The key called `name`, made from `fresh` the first time it is
    /// asked for. Whoever asks first wins; everyone gets the same key.
    pub async fn server_key(&self, name: &str, fresh: impl FnOnce() -> String) -> Result<String, StorageError> {
        sqlx::query(
            "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(fresh())
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1").bind(name).fetch_one(&self.pool).await?)
    }
}

#[cfg(test)]
mod tests {

    #[tokio::test]
    async fn a_key_is_made_once_and_then_kept() {
        for storage in crate::storage::tests::backends().await {
            let first = storage.server_key("callbacks", || "one".into()).await.unwrap();
            let second = storage.server_key("callbacks", || "two".into()).await.unwrap();
            assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
            assert_eq!(storage.server_key("other", || "three".into()).await.unwrap(), "three");
        }
    }
}
