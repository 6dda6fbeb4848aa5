//! Associates signing in to a store: argon2 password hashes from config,
//! sessions in the database by the hash of their token, and a throttle
//! that slows password guessing. No HTTP here: the cookie is the caller's.

mod throttle;

pub use throttle::SignInThrottle;

use crate::clock::now_millis;
use crate::config::{AssociateConfig, Config, LiveConfig};
use crate::crypto::{random_hex, sha256_hex, verify_password};
use crate::guard::FailureLimit;
use crate::storage::{Storage, StorageError, StoredSession};
use domain::FieldErrors;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A working day and then some; signing in again after is fine.
pub const SESSION_HOURS: i64 = 12;

/// How long a sign-in waits for a turn at password hashing before it is
/// told to try again (a burst of sign-ins must not queue without end).
const HASHING_QUEUE: Duration = Duration::from_secs(10);

/// Who is at the till.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerSession {
    pub store_id: String,
    pub associate: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A name, password or store too long to be worth checking.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// Deliberately vague: which of store, name or password was wrong is
    /// not told.
    #[error("the store, name or password is wrong")]
    WrongCredentials,
    /// Too many wrong passwords for this name or from this client: wait
    /// before the next try.
    #[error("too many failed sign-ins; try again in {wait_seconds} s")]
    TooManyAttempts { wait_seconds: u64 },
    /// Every turn at password hashing is taken; try again shortly.
    #[error("too many sign-ins at once; try again in a few seconds")]
    Busy,
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
    failures: Arc<FailureLimit>,
    /// Turns at argon2, which runs on blocking threads: at most half the
    /// cores hash at once, so callbacks, the API and live streams keep theirs.
    hashing: Semaphore,
}

impl Sellers {
    pub fn new(storage: Storage, config: LiveConfig, failures: Arc<FailureLimit>) -> Sellers {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Sellers {
            throttle: SignInThrottle::new(storage.clone()),
            storage,
            config,
            failures,
            hashing: Semaphore::new((cores / 2).max(1)),
        }
    }

    /// Checks the associate's password and opens a session. Returns the
    /// token for the cookie, which is only ever sent to that browser.
    /// `client` is the address the try came from: waits are per client, so
    /// someone guessing elsewhere never keeps the associate out.
    pub async fn sign_in(
        &self,
        store_id: &str,
        name: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<(String, SellerSession), AuthError> {
        domain::sign_in::check_sign_in(store_id, name, password).map_err(AuthError::Invalid)?;
        if let Some(wait) = self.failures.wait(client) {
            return Err(AuthError::TooManyAttempts { wait_seconds: wait.as_secs().max(1) });
        }
        let config = self.config.get();
        let Some(store) = config.store(store_id) else {
            self.failures.failed(client);
            return Err(AuthError::WrongCredentials);
        };
        if let Some(wait) = self.throttle.wait(&store.id, name, client, now_millis()).await? {
            return Err(AuthError::TooManyAttempts { wait_seconds: wait.as_secs().max(1) });
        }
        let associate = store.associates.iter().find(|a| a.name.eq_ignore_ascii_case(name.trim()));
        // Verify against something even for an unknown name, so the time taken
        // does not reveal which names exist.
        let hash = associate.map_or(DUMMY_HASH, |a| a.password_hash.as_str());
        let verified = self.verify(password, hash).await?;
        let Some(associate) = associate.filter(|_| verified) else {
            self.throttle.failed(&store.id, name, client, now_millis()).await?;
            self.failures.failed(client);
            return Err(AuthError::WrongCredentials);
        };
        self.throttle.succeeded(&store.id, name, client).await?;
        let token = random_hex(32);
        let expires = now_millis() + SESSION_HOURS * 3_600_000;
        let stored = StoredSession {
            store_id: store.id.clone(),
            associate: associate.name.clone(),
            credential: credential(associate),
        };
        self.storage.insert_seller_session(&sha256_hex(&token), &stored, expires).await?;
        Ok((token, SellerSession { store_id: stored.store_id, associate: stored.associate }))
    }

    /// argon2 on a blocking thread, one of a few at a time.
    async fn verify(&self, password: &str, hash: &str) -> Result<bool, AuthError> {
        let permit = tokio::time::timeout(HASHING_QUEUE, self.hashing.acquire())
            .await
            .map_err(|_| AuthError::Busy)?
            .map_err(|_| AuthError::Busy)?;
        let (password, hash) = (password.to_string(), hash.to_string());
        let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await;
        drop(permit);
        verified.map_err(|_| AuthError::Busy)
    }

    /// The session a token belongs to, while it lasts and its associate is
    /// still configured with the password it signed in with.
    pub async fn session(&self, token: &str) -> Result<Option<SellerSession>, StorageError> {
        let session = self.storage.seller_session(&sha256_hex(token)).await?;
        let config = self.config.get();
        Ok(session
            .filter(|s| still_valid(&config, s))
            .map(|s| SellerSession { store_id: s.store_id, associate: s.associate }))
    }

    /// Ends the sessions of associates removed from the config or whose
    /// password changed (after a reload); answers how many ended.
    pub async fn end_stale_sessions(&self) -> Result<u64, StorageError> {
        let config = self.config.get();
        let mut ended = 0;
        for owner in self.storage.seller_session_owners().await? {
            if !still_valid(&config, &owner) {
                ended += self.storage.delete_seller_sessions_of(&owner).await?;
            }
        }
        Ok(ended)
    }

    pub async fn sign_out(&self, token: &str) -> Result<(), StorageError> {
        self.storage.delete_seller_session(&sha256_hex(token)).await
    }
}

/// What a session remembers of the password it was opened with: a digest of
/// the configured hash, so a new password (a new hash) ends old sessions.
fn credential(associate: &AssociateConfig) -> String {
    sha256_hex(&associate.password_hash)
}

fn still_valid(config: &Config, session: &StoredSession) -> bool {
    config.store(&session.store_id).is_some_and(|store| {
        store.associates.iter().any(|a| a.name == session.associate && credential(a) == session.credential)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEV_ASSOCIATE_PASSWORD;

    const TABLET: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 20));
    const ELSEWHERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));

    fn demo_config(env: &[(String, String)]) -> Config {
        Config::parse(include_str!("../../../kassa.toml"), env).unwrap()
    }

    async fn sellers() -> Sellers {
        let config = LiveConfig::new(Arc::new(demo_config(&[])));
        Sellers::new(Storage::in_memory().await.unwrap(), config, Arc::default())
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash() {
        assert!(crate::crypto::is_password_hash(DUMMY_HASH));
    }

    #[tokio::test]
    async fn a_right_password_opens_a_session_that_only_its_token_finds() {
        let sellers = sellers().await;
        let (token, session) = sellers.sign_in("stockholm", " Demo ", DEV_ASSOCIATE_PASSWORD, TABLET).await.unwrap();
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
            let refused = sellers.sign_in(store, name, password, TABLET).await;
            assert!(matches!(refused, Err(AuthError::WrongCredentials)), "{store} {name}");
        }
    }

    #[tokio::test]
    async fn oversized_input_is_refused_by_field_before_any_hashing() {
        let sellers = sellers().await;
        let long_name = "n".repeat(1 << 20);
        match sellers.sign_in("stockholm", &long_name, "guess", ELSEWHERE).await {
            Err(AuthError::Invalid(errors)) => assert_eq!(errors.0[0].field, "name"),
            other => panic!("expected a field error, got {other:?}"),
        }
        match sellers.sign_in("stockholm", "demo", &"p".repeat(10_000), ELSEWHERE).await {
            Err(AuthError::Invalid(errors)) => assert_eq!(errors.0[0].field, "password"),
            other => panic!("expected a field error, got {other:?}"),
        }
        assert_eq!(sellers.storage.sign_in_failures_held().await.unwrap(), 0, "nothing was remembered of them");
    }

    #[tokio::test]
    async fn the_right_password_gets_in_on_the_tablet_while_a_guesser_waits() {
        let sellers = sellers().await;
        for _ in 0..6 {
            let _ = sellers.sign_in("stockholm", "demo", "guess", ELSEWHERE).await;
        }
        assert!(
            matches!(
                sellers.sign_in("stockholm", "demo", DEV_ASSOCIATE_PASSWORD, ELSEWHERE).await,
                Err(AuthError::TooManyAttempts { .. })
            ),
            "the guesser waits, even with the right password"
        );
        let (_, session) = sellers.sign_in("stockholm", "demo", DEV_ASSOCIATE_PASSWORD, TABLET).await.unwrap();
        assert_eq!(session.associate, "demo", "the associate's own tablet gets in during the name's wait");
    }

    #[tokio::test]
    async fn a_client_guessing_across_names_runs_out_of_tries() {
        let sellers = sellers().await;
        // Ten failures are free; the eleventh puts the client in a wait.
        for n in 0..11 {
            let refused = sellers.sign_in("stockholm", &format!("name-{n}"), "guess", ELSEWHERE).await;
            assert!(matches!(refused, Err(AuthError::WrongCredentials)), "{n}: {refused:?}");
        }
        let refused = sellers.sign_in("stockholm", "demo", DEV_ASSOCIATE_PASSWORD, ELSEWHERE).await;
        assert!(matches!(refused, Err(AuthError::TooManyAttempts { .. })), "{refused:?}");
        assert!(sellers.sign_in("stockholm", "demo", DEV_ASSOCIATE_PASSWORD, TABLET).await.is_ok());
    }

    #[tokio::test]
    async fn a_removed_associate_or_a_new_password_ends_the_session_at_once() {
        let sellers = sellers().await;
        let (token, _) = sellers.sign_in("stockholm", "demo", DEV_ASSOCIATE_PASSWORD, TABLET).await.unwrap();
        let (other, _) = sellers.sign_in("telesales", "demo", DEV_ASSOCIATE_PASSWORD, TABLET).await.unwrap();
        // A new password for stockholm's demo: its session ends on its next use.
        let new_hash = crate::crypto::hash_password("a new password").unwrap();
        let env = [("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH".to_string(), new_hash)];
        sellers.config.replace(demo_config(&env));
        assert_eq!(sellers.session(&token).await.unwrap(), None);
        assert!(sellers.session(&other).await.unwrap().is_some(), "telesales' demo is another associate");
        // The sweep after a reload removes the row too.
        assert_eq!(sellers.end_stale_sessions().await.unwrap(), 1);
        // Removed from the store: the session ends likewise.
        let mut removed = demo_config(&[]);
        removed.stores[1].associates.clear();
        sellers.config.replace(removed);
        assert_eq!(sellers.session(&other).await.unwrap(), None);
        assert_eq!(sellers.end_stale_sessions().await.unwrap(), 1);
    }
}
