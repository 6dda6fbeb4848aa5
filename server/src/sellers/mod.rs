//! Associates signing in to a store: argon2 password hashes from config,
//! sessions in the database by the hash of their token, and a throttle
//! that slows password guessing. No HTTP here: the cookie is the caller's.

mod throttle;

pub use throttle::SignInThrottle;

use crate::clock::now_millis;
use crate::config::LiveConfig;
use crate::crypto::{random_hex, sha256_hex, verify_password};
use crate::storage::{Storage, StorageError};
use std::time::Instant;

/// A working day and then some; signing in again after is fine.
pub const SESSION_HOURS: i64 = 12;

/// Who is at the till.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerSession {
    pub store_id: String,
    pub associate: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Deliberately vague: which of store, name or password was wrong is
    /// not told.
    #[error("the store, name or password is wrong")]
    WrongCredentials,
    /// Too many wrong passwords for this name: wait before the next try.
    #[error("too many failed sign-ins; try again in {wait_seconds} s")]
    TooManyAttempts { wait_seconds: u64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An argon2id hash of a random string nobody knows, for unknown names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$7EYnCnPAVDiSCS6yhYxAOUvptgu+WNjKpFcwQyx3cQU";

pub struct Sellers {
    storage: Storage,
    config: LiveConfig,
    throttle: SignInThrottle,
}

impl Sellers {
    pub fn new(storage: Storage, config: LiveConfig) -> Sellers {
        Sellers { storage, config, throttle: SignInThrottle::default() }
    }

    /// Checks the associate's password and opens a session. Returns the
    /// token for the cookie, which is only ever sent to that browser.
    pub async fn sign_in(
        &self,
        store_id: &str,
        name: &str,
        password: &str,
    ) -> Result<(String, SellerSession), AuthError> {
        let config = self.config.get();
        let store = config.store(store_id).ok_or(AuthError::WrongCredentials)?;
        let now = Instant::now();
        if let Some(wait) = self.throttle.wait(&store.id, name, now) {
            return Err(AuthError::TooManyAttempts { wait_seconds: wait.as_secs().max(1) });
        }
        let associate = store.associates.iter().find(|a| a.name.eq_ignore_ascii_case(name.trim()));
        // Verify against something even for an unknown name, so the time taken
        // does not reveal which names exist.
        let hash = associate.map(|a| a.password_hash.as_str()).unwrap_or(DUMMY_HASH);
        if !verify_password(password, hash) || associate.is_none() {
            self.throttle.failed(&store.id, name, now);
            return Err(AuthError::WrongCredentials);
        }
        self.throttle.succeeded(&store.id, name);
        let associate = associate.map(|a| a.name.clone()).unwrap_or_default();
        let token = random_hex(32);
        let expires = now_millis() + SESSION_HOURS * 3_600_000;
        self.storage.insert_seller_session(&sha256_hex(&token), &store.id, &associate, expires).await?;
        Ok((token, SellerSession { store_id: store.id.clone(), associate }))
    }

    /// The session a token belongs to, while it lasts and its store exists.
    pub async fn session(&self, token: &str) -> Result<Option<SellerSession>, StorageError> {
        let session = self.storage.seller_session(&sha256_hex(token)).await?;
        // A store removed from the config ends its sessions.
        Ok(session
            .filter(|(store_id, _)| self.config.get().store(store_id).is_some())
            .map(|(store_id, associate)| SellerSession { store_id, associate }))
    }

    pub async fn sign_out(&self, token: &str) -> Result<(), StorageError> {
        self.storage.delete_seller_session(&sha256_hex(token)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DEV_ASSOCIATE_PASSWORD};
    use std::sync::Arc;

    async fn sellers() -> Sellers {
        let config = Config::parse(include_str!("../../../kassa.toml"), &[]).unwrap();
        Sellers::new(Storage::in_memory().await.unwrap(), LiveConfig::new(Arc::new(config)))
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash() {
        assert!(crate::crypto::is_password_hash(DUMMY_HASH));
    }

    #[tokio::test]
    async fn a_right_password_opens_a_session_that_only_its_token_finds() {
        let sellers = sellers().await;
        let (token, session) = sellers.sign_in("stockholm", " Demo ", DEV_ASSOCIATE_PASSWORD).await.unwrap();
        assert_eq!((session.store_id.as_str(), session.associate.as_str()), ("stockholm", "demo"));
        assert_eq!(token.len(), 64);
        assert_eq!(sellers.session(&token).await.unwrap(), Some(session));
        assert_eq!(sellers.session("not-the-token").await.unwrap(), None);
        sellers.sign_out(&token).await.unwrap();
        assert_eq!(sellers.session(&token).await.unwrap(), None);
    }

    #[tokio::test]
    async fn wrong_store_name_or_password_look_the_same() {
        let sellers = sellers().await;
        for (store, name, password) in [
            ("nowhere", "demo", DEV_ASSOCIATE_PASSWORD),
            ("stockholm", "nobody", DEV_ASSOCIATE_PASSWORD),
            ("stockholm", "demo", "guess"),
        ] {
            let refused = sellers.sign_in(store, name, password).await;
            assert!(matches!(refused, Err(AuthError::WrongCredentials)), "{store} {name}");
        }
    }
}
