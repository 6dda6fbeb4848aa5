//! The checks a parsed configuration must pass; each refusal names the
//! offending key, so the fix is obvious from the message.

use super::{
    Config, ConfigError, Environment, DEV_API_KEY, DEV_ASSOCIATE_PASSWORD, DEV_KIOSK_KEYS, DEV_METRICS_TOKEN,
    DEV_TELESALES_API_KEY,
};
use crate::crypto;

impl Config {
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: String| Err(ConfigError(format!("{key}: {why}")));
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return fail("public_url", "must start with http:// or https://".into());
        }
        let live = self.klarna.environment != Environment::Simulator;
        let on_network = !self.listen.ip().is_loopback();
        if !live && on_network && !self.security.allow_simulator_on_network {
            return fail(
                "listen",
                format!(
                    "{} is reachable from other machines, but the simulator signs in with a published demo \
                     password and development keys; listen on 127.0.0.1, or set \
                     security.allow_simulator_on_network = true for a demo on a trusted network",
                    self.listen
                ),
            );
        }
        if self.security.frame_ancestors.is_empty()
            || self.security.frame_ancestors.iter().any(|s| s.is_empty() || s.contains([';', ',', '\n', '\r']))
        {
            return fail(
                "security.frame_ancestors",
                "list CSP sources such as \"'none'\", \"'self'\" or \"https://pos.example.com\"".into(),
            );
        }
        if live && self.klarna.credentials.is_none() {
            return fail(
                "klarna.environment",
                format!(
                    "{} needs Klarna API credentials: set KLARNA_USERNAME and KLARNA_PASSWORD",
                    self.klarna.environment
                ),
            );
        }
        if let Some(url) = &self.klarna.base_url {
            if live {
                return fail("klarna.base_url", "is only for environment = \"simulator\"".into());
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return fail("klarna.base_url", "must start with http:// or https://".into());
            }
            if self.klarna.credentials.is_none() {
                return fail(
                    "klarna.base_url",
                    "an external simulator needs KLARNA_USERNAME and KLARNA_PASSWORD".into(),
                );
            }
        }
        if let Some(url) = &self.database_url {
            let url = url.expose();
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return fail(
                    "database_url",
                    "must be a PostgreSQL URL such as postgres://kassa@db.example/kassa".into(),
                );
            }
            if !live && self.klarna.base_url.is_none() {
                return fail(
                    "database_url",
                    "the embedded Klarna simulator keeps its sessions in one process; with PostgreSQL run the \
                     standalone one (kassa simulator) and set klarna.base_url, or use Klarna"
                        .into(),
                );
            }
        }
        if self.klarna.timeout_seconds == 0 || self.klarna.timeout_seconds > 120 {
            return fail("klarna.timeout_seconds", "must be from 1 to 120".into());
        }
        if self.stores.is_empty() {
            return fail("stores", "configure at least one store".into());
        }
        for (index, store) in self.stores.iter().enumerate() {
            let key = |field: &str| format!("stores[{index}].{field}");
            if !valid_id(&store.id) {
                return fail(&key("id"), "use 1 to 64 lower-case letters, digits or '-'".into());
            }
            if self.stores[..index].iter().any(|other| other.id == store.id) {
                return fail(&key("id"), format!("{:?} is used by two stores", store.id));
            }
            if store.name.trim().is_empty() {
                return fail(&key("name"), "must not be empty".into());
            }
            self.check_api_key(index, live)?;
            for (n, associate) in store.associates.iter().enumerate() {
                let key = |field: &str| format!("stores[{index}].associates[{n}].{field}");
                if associate.name.trim().is_empty() {
                    return fail(&key("name"), "must not be empty".into());
                }
                if associate.name.chars().count() > domain::sign_in::MAX_NAME_CHARS {
                    return fail(
                        &key("name"),
                        format!("must be at most {} characters", domain::sign_in::MAX_NAME_CHARS),
                    );
                }
                if !crypto::is_password_hash(&associate.password_hash) {
                    return fail(
                        &key("password_hash"),
                        "is not an argon2 hash; make one with `kassa hash-password`".into(),
                    );
                }
                if live && crypto::verify_password(DEV_ASSOCIATE_PASSWORD, &associate.password_hash) {
                    return fail(
                        &key("password_hash"),
                        format!("the development password is refused in {}", self.klarna.environment),
                    );
                }
            }
            if store.zone().is_none() {
                return fail(
                    &key("time_zone"),
                    format!(
                        "{} has more than one time zone; set the store's own, e.g. \"America/New_York\"",
                        store.country
                    ),
                );
            }
            if !(1..=2880).contains(&store.payment_timeout_minutes) {
                return fail(&key("payment_timeout_minutes"), "must be from 1 to 2880 (48 h)".into());
            }
            if store.seller.profile_id.trim().is_empty() || store.seller.view_id.trim().is_empty() {
                return fail(&key("seller"), "profile_id and view_id must not be empty".into());
            }
        }
        if self.store(&self.web_checkout.store).is_none() {
            return fail(
                "web_checkout.store",
                format!("{:?} is not one of the configured stores", self.web_checkout.store),
            );
        }
        self.check_kiosks(live)?;
        if let Some(token) = &self.operations.metrics_token_sha256 {
            if !token.well_formed() {
                return fail(
                    "operations.metrics_token_sha256",
                    "must be the SHA-256 of the token as 64 hex digits (printf %s TOKEN | sha256sum)".into(),
                );
            }
            if live && token.matches(DEV_METRICS_TOKEN) {
                return fail(
                    "operations.metrics_token_sha256",
                    format!(
                        "the development token is refused in {}; set KASSA__OPERATIONS__METRICS_TOKEN_SHA256",
                        self.klarna.environment
                    ),
                );
            }
        }
        Ok(())
    }

    /// One key per store, held as a hash outside the simulator, and no two
    /// stores sharing one (a key decides which store's payments it sees).
    fn check_api_key(&self, index: usize, live: bool) -> Result<(), ConfigError> {
        let store = &self.stores[index];
        let fail = |field: &str, why: String| Err(ConfigError(format!("stores[{index}].{field}: {why}")));
        match (store.plain_api_key(), &store.api_key_sha256) {
            (Some(_), Some(_)) => {
                return fail("api_key", "set either api_key or api_key_sha256, not both".into());
            }
            (None, None) => {
                return fail(
                    "api_key_sha256",
                    "is required: the SHA-256 of the store's API key (printf %s KEY | sha256sum)".into(),
                )
            }
            (Some(_), None) if live => {
                return fail(
                    "api_key",
                    format!(
                        "a plain key is refused in {}; set api_key_sha256 (printf %s KEY | sha256sum), e.g. \
                         KASSA__STORES__{index}__API_KEY_SHA256, and KASSA__STORES__{index}__API_KEY=\"\"",
                        self.klarna.environment
                    ),
                );
            }
            (Some(key), None) if key.0.len() < 12 => {
                return fail("api_key", "must be at least 12 characters".into());
            }
            (None, Some(hash)) if !hash.well_formed() => {
                return fail(
                    "api_key_sha256",
                    "must be the SHA-256 of the key as 64 hex digits (printf %s KEY | sha256sum)".into(),
                );
            }
            _ => {}
        }
        if live && [DEV_API_KEY, DEV_TELESALES_API_KEY].iter().any(|dev| store.api_key_matches(dev)) {
            return fail(
                "api_key_sha256",
                format!(
                    "the development key is refused in {}; set KASSA__STORES__{index}__API_KEY_SHA256",
                    self.klarna.environment
                ),
            );
        }
        let digest = store.api_key_digest();
        if let Some(other) = self.stores[..index].iter().position(|other| other.api_key_digest() == digest) {
            return fail(
                "api_key",
                format!(
                    "stores {:?} (stores[{other}]) and {:?} (stores[{index}]) have the same API key; give each \
                     store its own",
                    self.stores[other].id, store.id
                ),
            );
        }
        Ok(())
    }

    fn check_kiosks(&self, live: bool) -> Result<(), ConfigError> {
        let fail = |key: String, why: String| Err(ConfigError(format!("{key}: {why}")));
        for (index, kiosk) in self.kiosks.iter().enumerate() {
            let key = |field: &str| format!("kiosks[{index}].{field}");
            if !valid_id(&kiosk.id) {
                return fail(key("id"), "use 1 to 64 lower-case letters, digits or '-'".into());
            }
            if self.kiosks[..index].iter().any(|other| other.id == kiosk.id) {
                return fail(key("id"), format!("{:?} is used by two kiosks", kiosk.id));
            }
            match self.store(&kiosk.store) {
                None => return fail(key("store"), format!("{:?} is not one of the configured stores", kiosk.store)),
                // The seller's profile shows the link to an associate; a kiosk needs the consumer view.
                Some(store) if store.kiosk.is_none() => {
                    return fail(key("store"), format!("store {:?} has no [stores.kiosk] profile", kiosk.store))
                }
                Some(_) => {}
            }
            if !kiosk.key_sha256.well_formed() {
                return fail(
                    key("key_sha256"),
                    "must be the SHA-256 of the device key as 64 hex digits (printf %s KEY | sha256sum)".into(),
                );
            }
            if live && DEV_KIOSK_KEYS.iter().any(|dev| kiosk.key_sha256.matches(dev)) {
                return fail(
                    key("key_sha256"),
                    format!(
                        "the development kiosk key is refused in {}; set KASSA__KIOSKS__{index}__KEY_SHA256",
                        self.klarna.environment
                    ),
                );
            }
            if !(5..=3600).contains(&kiosk.idle_seconds) {
                return fail(key("idle_seconds"), "must be from 5 to 3600".into());
            }
            if !(1..=300).contains(&kiosk.reset_after_paid_seconds) {
                return fail(key("reset_after_paid_seconds"), "must be from 1 to 300".into());
            }
        }
        Ok(())
    }
}

/// Store and kiosk ids appear in URLs and file names: keep them plain.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
