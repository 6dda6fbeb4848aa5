//! Notices between instances on one PostgreSQL (`LISTEN` / `NOTIFY` on one
//! channel): a short text saying what changed, sent when the change is
//! committed. SQLite has one instance: nothing is sent, nothing heard.

use super::{Backend, Storage, StorageError};
use sqlx::postgres::PgListener;

/// The one channel Kassa's instances talk on.
const CHANNEL: &str = "kassa_changes";

/// Notices from the other instances, as they come.
pub struct Notices(PgListener);

impl Notices {
    /// The next notice; `None` when the connection was lost (notices may
    /// have been missed; listen again).
    pub async fn next(&mut self) -> Result<Option<String>, StorageError> {
        Ok(self.0.try_recv().await?.map(|notice| notice.payload().to_string()))
    }
}

/// The notice a payment's committed change sends, from the database itself
/// (instance 0): every instance reads it again, the committing one too,
/// whose screens were told already and are not told twice.
pub fn payment_changed(payment_id: &str) -> String {
    format!("0 payment {payment_id}")
}

impl Storage {
    /// Notifies within `tx`: PostgreSQL delivers it when (and only if) the
    /// transaction commits.
    pub(super) async fn notify_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        notice: &str,
    ) -> Result<(), StorageError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(notice).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Tells every instance listening (this one too).
    pub async fn notify(&self, notice: &str) -> Result<(), StorageError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(notice).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Starts hearing notices (`None` on SQLite: nobody else to hear).
    pub async fn listen(&self) -> Result<Option<Notices>, StorageError> {
        let Some(url) = &self.url else { return Ok(None) };
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Notices(listener)))
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::tests::backends;
    use crate::storage::Backend;

    #[tokio::test]
    async fn a_notice_reaches_every_listener_on_postgresql_and_sqlite_has_none() {
        for storage in backends().await {
            let listening = storage.listen().await.unwrap();
            if storage.backend() == Backend::Sqlite {
                assert!(listening.is_none());
                storage.notify("1 payment p").await.unwrap();
                continue;
            }
            let mut notices = listening.unwrap();
            storage.notify("1 payment p").await.unwrap();
            let heard = tokio::time::timeout(std::time::Duration::from_secs(5), notices.next()).await;
            assert_eq!(heard.unwrap().unwrap().as_deref(), Some("1 payment p"));
        }
    }
}
