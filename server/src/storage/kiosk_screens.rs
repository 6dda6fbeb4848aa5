//! The `kiosk_screens` table: what each kiosk shows (its basket, the
//! payment on screen, the shopper's session and the screen's revision), so
//! a restart shows the same screen. The payments themselves live in
//! `payments`.

use super::{Storage, StorageError};
use crate::clock::now_millis;
use sqlx::Row;

/// A kiosk's screen as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredKioskScreen {
    pub kiosk_id: String,
    /// The basket's id (its payment attempts are keyed by it) and the
    /// basket as the self-checkout system sent it (JSON).
    pub cart: Option<(String, String)>,
    pub attempt: i64,
    pub payment_id: Option<String>,
    /// The last payment the kiosk took, for the self-checkout system.
    pub last_paid_id: Option<String>,
    pub session: i64,
    pub revision: i64,
}

impl Storage {
    /// Saves a kiosk's screen, unless a later revision of it is saved
    /// already: saves may land out of order, the newest one stays.
    pub async fn save_kiosk_screen(&self, screen: &StoredKioskScreen) -> Result<(), StorageError> {
        let (cart_id, cart_json) = screen.cart.clone().unzip();
        sqlx::query(
            "INSERT INTO kiosk_screens (kiosk_id, cart_id, cart_json, attempt, payment_id, last_paid_id, session, \
             revision, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (kiosk_id) DO UPDATE SET cart_id = excluded.cart_id, cart_json = excluded.cart_json, \
             attempt = excluded.attempt, payment_id = excluded.payment_id, last_paid_id = excluded.last_paid_id, \
             session = excluded.session, revision = excluded.revision, updated_at = excluded.updated_at \
             WHERE kiosk_screens.revision < excluded.revision",
        )
        .bind(&screen.kiosk_id)
        .bind(cart_id)
        .bind(cart_json)
        .bind(screen.attempt)
        .bind(&screen.payment_id)
        .bind(&screen.last_paid_id)
        .bind(screen.session)
        .bind(screen.revision)
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every kiosk screen saved.
    pub async fn kiosk_screens(&self) -> Result<Vec<StoredKioskScreen>, StorageError> {
        let rows = sqlx::query("SELECT * FROM kiosk_screens ORDER BY kiosk_id").fetch_all(&self.pool).await?;
        rows.iter().map(screen).collect()
    }

    /// One kiosk's saved screen.
    pub async fn kiosk_screen(&self, kiosk_id: &str) -> Result<Option<StoredKioskScreen>, StorageError> {
        let row = sqlx::query("SELECT * FROM kiosk_screens WHERE kiosk_id = $1")
            .bind(kiosk_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(screen).transpose()
    }
}

fn screen(row: &super::Row) -> Result<StoredKioskScreen, StorageError> {
    let cart_id: Option<String> = row.try_get("cart_id")?;
    let cart_json: Option<String> = row.try_get("cart_json")?;
    Ok(StoredKioskScreen {
        kiosk_id: row.try_get("kiosk_id")?,
        cart: cart_id.zip(cart_json),
        attempt: row.try_get("attempt")?,
        payment_id: row.try_get("payment_id")?,
        last_paid_id: row.try_get("last_paid_id")?,
        session: row.try_get("session")?,
        revision: row.try_get("revision")?,
    })
}
