//! Klarna's callback event ids, so a duplicated callback does nothing twice.

use super::{Storage, StorageError};
use crate::clock::now_millis;

impl Storage {
    /// Remembers a callback's event id; `false` if it was seen before.
    pub async fn first_sight_of_event(&self, event_id: &str, payment_id: &str) -> Result<bool, StorageError> {
        let inserted = sqlx::query(
            "INSERT INTO callback_events (event_id, payment_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(event_id)
        .bind(payment_id)
        .bind(now_millis())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::payment_with as payment;

    #[tokio::test]
    async fn callback_events_are_seen_once() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("a", "k", None)).await.unwrap();
            assert!(storage.first_sight_of_event("e1", "a").await.unwrap());
            assert!(!storage.first_sight_of_event("e1", "a").await.unwrap());
            assert!(storage.first_sight_of_event("e2", "a").await.unwrap());
        }
    }
}
