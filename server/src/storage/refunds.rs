//! The `refunds` table, and the payment's confirmed total beside it.

use super::rows::{decode_problem, encode_problem};
use super::{Storage, StorageError};
use crate::clock::now_millis;
use domain::{Problem, RefundLine, RefundStatus};
use sqlx::Row;

/// A refund as stored. Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRefund {
    pub id: String,
    pub payment_id: String,
    /// The caller's key for this refund: the same key is the same refund.
    pub request_key: String,
    pub amount: i64,
    /// The items given back; empty for a refund of an amount.
    pub lines: Vec<RefundLine>,
    pub reference: Option<String>,
    pub requested_by: String,
    pub status: RefundStatus,
    pub problem: Option<Problem>,
    pub klarna_refund_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What recording a new refund found.
#[derive(Clone, Debug, PartialEq)]
pub enum RefundRecorded<E> {
    Inserted(StoredRefund),
    /// The payment already has a refund under this key.
    Existing(StoredRefund),
    /// The plan refused it, given the payment's earlier refunds.
    Refused(E),
}

fn refund(row: &super::Row) -> Result<StoredRefund, StorageError> {
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let problem: Option<String> = row.try_get("problem")?;
    let lines: String = row.try_get("lines")?;
    let corrupt = |column, detail| StorageError::Corrupt { id: id.clone(), column, detail };
    Ok(StoredRefund {
        lines: serde_json::from_str(&lines).map_err(|e| corrupt("lines", e.to_string()))?,
        payment_id: row.try_get("payment_id")?,
        request_key: row.try_get("request_key")?,
        amount: row.try_get("amount")?,
        reference: row.try_get("reference")?,
        requested_by: row.try_get("requested_by")?,
        status: RefundStatus::parse(&status).ok_or_else(|| corrupt("status", format!("{status:?}")))?,
        problem: problem.as_deref().map(decode_problem),
        klarna_refund_id: row.try_get("klarna_refund_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        id,
    })
}

impl Storage {
    /// Records a new pending refund of a payment, unless `key` already
    /// made one: `plan` sees the payment's earlier refunds and makes the
    /// refund or refuses it. Read, planned and written under the write
    /// lock, so two refunds at once cannot both take what is left.
    pub async fn record_refund<E>(
        &self,
        payment_id: &str,
        key: &str,
        plan: impl FnOnce(&[StoredRefund]) -> Result<StoredRefund, E>,
    ) -> Result<RefundRecorded<E>, StorageError> {
        let mut tx = self.write_transaction().await?;
        // The payment's row is the lock refunds of one payment take turns on.
        let lock = format!("SELECT id FROM payments WHERE id = $1{}", self.for_update());
        sqlx::query(&lock).bind(payment_id).execute(&mut *tx).await?;
        let rows = sqlx::query("SELECT * FROM refunds WHERE payment_id = $1 ORDER BY created_at, id")
            .bind(payment_id)
            .fetch_all(&mut *tx)
            .await?;
        let earlier = rows.iter().map(refund).collect::<Result<Vec<_>, _>>()?;
        if let Some(existing) = earlier.iter().find(|refund| refund.request_key == key) {
            return Ok(RefundRecorded::Existing(existing.clone()));
        }
        let new = match plan(&earlier) {
            Ok(new) => new,
            Err(refused) => return Ok(RefundRecorded::Refused(refused)),
        };
        let lines = serde_json::to_string(&new.lines).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO refunds (id, payment_id, request_key, amount, lines, reference, requested_by, status, \
             problem, klarna_refund_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9, $10)",
        )
        .bind(&new.id)
        .bind(payment_id)
        .bind(key)
        .bind(new.amount)
        .bind(lines)
        .bind(&new.reference)
        .bind(&new.requested_by)
        .bind(RefundStatus::Pending.as_str())
        .bind(new.created_at)
        .bind(new.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RefundRecorded::Inserted(new))
    }

    /// Ends a pending refund: refunded (its amount joins the payment's
    /// refunded total in the same write) or refused. `None` when it was
    /// not pending any more.
    pub async fn finish_refund(
        &self,
        id: &str,
        status: RefundStatus,
        klarna_refund_id: Option<&str>,
        problem: Option<&Problem>,
    ) -> Result<Option<StoredRefund>, StorageError> {
        let mut tx = self.write_transaction().await?;
        let now = now_millis();
        let ended = sqlx::query(
            "UPDATE refunds SET status = $1, klarna_refund_id = $2, problem = $3, updated_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(status.as_str())
        .bind(klarna_refund_id)
        .bind(problem.map(encode_problem))
        .bind(now)
        .bind(id)
        .bind(RefundStatus::Pending.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !ended {
            return Ok(None);
        }
        let row = sqlx::query("SELECT * FROM refunds WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let refund = refund(&row)?;
        if status == RefundStatus::Refunded {
            sqlx::query("UPDATE payments SET refunded_amount = refunded_amount + $1, updated_at = $2 WHERE id = $3")
                .bind(refund.amount)
                .bind(now)
                .bind(&refund.payment_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(refund))
    }

    pub async fn refund(&self, id: &str) -> Result<Option<StoredRefund>, StorageError> {
        let row = sqlx::query("SELECT * FROM refunds WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(refund).transpose()
    }

    /// A payment's refunds, oldest first.
    pub async fn refunds_of(&self, payment_id: &str) -> Result<Vec<StoredRefund>, StorageError> {
        let rows = sqlx::query("SELECT * FROM refunds WHERE payment_id = $1 ORDER BY created_at, id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(refund).collect()
    }

    /// Every refund Klarna has not confirmed or refused yet.
    pub async fn pending_refunds(&self) -> Result<Vec<String>, StorageError> {
        let pending = sqlx::query_scalar("SELECT id FROM refunds WHERE status = $1 ORDER BY created_at")
            .bind(RefundStatus::Pending.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::payment_with as payment;
    use super::*;

    #[tokio::test]
    async fn refunds_asked_at_once_never_take_more_than_is_left() {
        for storage in crate::storage::tests::backends().await {
            storage.insert(&payment("p", "k", None)).await.unwrap();
            // Ten refunds of 30 at once against 100: the plan sees the
            // refunds before it, so three fit and seven are refused.
            let ask = |storage: Storage, n: usize| async move {
                let key = format!("r-{n}");
                let plan = |earlier: &[StoredRefund]| {
                    let held: i64 = earlier.iter().map(|r| r.amount).sum();
                    if held + 30 <= 100 {
                        Ok(crate::storage::tests::pending_refund("p", &key, 30))
                    } else {
                        Err(())
                    }
                };
                storage.record_refund("p", &key, plan).await.unwrap()
            };
            let all: Vec<_> = (0..10).map(|n| tokio::spawn(ask(storage.clone(), n))).collect();
            let mut made = Vec::new();
            for (n, one) in all.into_iter().enumerate() {
                if matches!(one.await.unwrap(), RefundRecorded::Inserted(_)) {
                    made.push(format!("r-{n}"));
                }
            }
            assert_eq!(made.len(), 3, "{:?}", storage.backend());
            let again = storage.record_refund("p", &made[0], |_| Err::<StoredRefund, ()>(())).await.unwrap();
            assert!(matches!(again, RefundRecorded::Existing(_)), "a key's refund is found before any plan");
            assert_eq!(storage.refunds_of("p").await.unwrap().len(), 3);
        }
    }
}
