//! Associates signing in to a store: argon2 password hashes from config,
//! sessions in the database, an HttpOnly SameSite=Strict cookie.

use crate::config::StoreConfig;
use crate::storage::{now_millis, Storage, StorageError};
#[cfg(test)]
use argon2::password_hash::PasswordHash;
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "kassa_seller";
/// A working day and then some; signing in again after is fine.
const SESSION_HOURS: i64 = 12;

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

// The hashing lives in crypto.rs, shared with config's checks.
pub use crate::crypto::{hash_password, verify_password};

/// Checks the associate's password and opens a session. Returns the
/// cookie's token, which is only ever sent to that browser.
pub async fn sign_in(
    storage: &Storage,
    throttle: &SignInThrottle,
    store: &StoreConfig,
    name: &str,
    password: &str,
) -> Result<(String, SellerSession), AuthError> {
    let now = Instant::now();
    if let Some(wait) = throttle.wait(&store.id, name, now) {
        return Err(AuthError::TooManyAttempts { wait_seconds: wait.as_secs().max(1) });
    }
    let associate = store.associates.iter().find(|a| a.name.eq_ignore_ascii_case(name.trim()));
    // Verify against something even for an unknown name, so the time taken
    // does not reveal which names exist.
    let hash = associate.map(|a| a.password_hash.as_str()).unwrap_or(DUMMY_HASH);
    if !verify_password(password, hash) || associate.is_none() {
        throttle.failed(&store.id, name, now);
        return Err(AuthError::WrongCredentials);
    }
    throttle.succeeded(&store.id, name);
    let associate = associate.map(|a| a.name.clone()).unwrap_or_default();
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires = now_millis() + SESSION_HOURS * 3_600_000;
    storage.insert_seller_session(&token_hash(&token), &store.id, &associate, expires).await?;
    Ok((token, SellerSession { store_id: store.id.clone(), associate }))
}

/// The session the request's cookie belongs to, if any.
pub async fn session(storage: &Storage, headers: &HeaderMap) -> Result<Option<SellerSession>, StorageError> {
    let Some(token) = cookie_value(headers, COOKIE) else { return Ok(None) };
    Ok(storage
        .seller_session(&token_hash(&token))
        .await?
        .map(|(store_id, associate)| SellerSession { store_id, associate }))
}

pub async fn sign_out(storage: &Storage, headers: &HeaderMap) -> Result<(), StorageError> {
    if let Some(token) = cookie_value(headers, COOKIE) {
        storage.delete_seller_session(&token_hash(&token)).await?;
    }
    Ok(())
}

/// The `Set-Cookie` value for a new session (or, with `None`, one that
/// removes it). `Secure` whenever Kassa is reached over https.
pub fn set_cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(token) => {
            format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", SESSION_HOURS * 3600)
        }
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// An argon2id hash of a random string nobody knows, for unknown names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$7EYnCnPAVDiSCS6yhYxAOUvptgu+WNjKpFcwQyx3cQU";

/// Slows password guessing per store and name: the first few wrong
/// passwords cost nothing, then each further try waits, doubling from 30 s
/// to 15 min. A success clears it. Kept in memory: a restart forgives.
#[derive(Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<(String, String), Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Wrong passwords allowed before any wait (typos happen).
const FREE_FAILURES: u32 = 5;
const FIRST_WAIT: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Names tracked at most; older entries are dropped first (names are typed
/// by anyone, so the map must not grow without bound).
const MAX_TRACKED: usize = 10_000;

impl SignInThrottle {
    fn key(store: &str, name: &str) -> (String, String) {
        (store.to_string(), name.trim().to_lowercase())
    }

    /// How long this name must still wait before trying again, if at all.
    pub fn wait(&self, store: &str, name: &str, now: Instant) -> Option<Duration> {
        let failures = *self.lock().get(&Self::key(store, name))?;
        let extra = failures.count.checked_sub(FREE_FAILURES)?;
        let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(extra.min(10))).min(LONGEST_WAIT);
        wait.checked_sub(now.saturating_duration_since(failures.last)).filter(|left| !left.is_zero())
    }

    pub fn failed(&self, store: &str, name: &str, now: Instant) {
        let mut failures = self.lock();
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, f| now.saturating_duration_since(f.last) < LONGEST_WAIT);
        }
        let entry = failures.entry(Self::key(store, name)).or_insert(Failures { count: 0, last: now });
        entry.count += 1;
        entry.last = now;
    }

    pub fn succeeded(&self, store: &str, name: &str) {
        self.lock().remove(&Self::key(store, name));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Failures>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessing_waits_longer_and_longer_and_a_success_forgives() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait("s", "Anna", start), None);
            throttle.failed("s", "anna ", start);
        }
        // After five wrong passwords the next try waits, then longer each time.
        assert_eq!(throttle.wait("s", "ANNA", start), Some(FIRST_WAIT));
        assert_eq!(throttle.wait("s", "anna", start + FIRST_WAIT), None);
        throttle.failed("s", "anna", start + FIRST_WAIT);
        assert_eq!(throttle.wait("s", "anna", start + FIRST_WAIT), Some(FIRST_WAIT * 2));
        // Other names and stores are not affected.
        assert_eq!(throttle.wait("s", "bo", start), None);
        assert_eq!(throttle.wait("other", "anna", start), None);
        throttle.succeeded("s", "Anna");
        assert_eq!(throttle.wait("s", "anna", start + FIRST_WAIT), None);
    }

    #[test]
    fn the_wait_is_capped() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..40 {
            throttle.failed("s", "x", start);
        }
        assert_eq!(throttle.wait("s", "x", start), Some(LONGEST_WAIT));
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_behind_https() {
        let cookie = set_cookie(Some("abc"), true);
        assert!(cookie.starts_with("kassa_seller=abc;"));
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!set_cookie(Some("abc"), false).contains("Secure"));
        assert!(set_cookie(None, false).contains("Max-Age=0"));
    }

    #[test]
    fn reads_the_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; kassa_seller=tok; b=2".parse().unwrap());
        assert_eq!(cookie_value(&headers, COOKIE).as_deref(), Some("tok"));
        headers.insert(header::COOKIE, "kassa_seller=".parse().unwrap());
        assert_eq!(cookie_value(&headers, COOKIE), None);
    }
}
