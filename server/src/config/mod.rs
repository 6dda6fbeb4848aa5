//! Kassa's configuration: `kassa.toml`, then `KASSA__…` environment
//! overrides, then checks that name the offending key.
//!
//! `types` holds the file's shapes, `env` the overrides, `checks` what a
//! configuration must satisfy, and `reload` what may change while running.

mod checks;
mod env;
mod live;
mod reload;
#[cfg(test)]
mod tests;
mod types;

pub use live::LiveConfig;
pub use reload::reload_refusal;
pub use types::{
    ApiKey, AssociateConfig, DatabaseUrl, Environment, KeyHash, KioskConfig, KlarnaConfig, LeaveButton,
    OperationsConfig, RegionName, SecurityConfig, StoreConfig, StoreTimeZone, ViewProfile, WebCheckoutConfig,
};

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

/// The key the default config ships for local development.
pub const DEV_API_KEY: &str = "kassa-dev-key";
/// The default config's second store's key; refused likewise.
pub const DEV_TELESALES_API_KEY: &str = "kassa-dev-key-telesales";
/// The kiosk device keys the default config ships (as hashes) for local
/// development; refused outside the simulator.
pub const DEV_KIOSK_KEYS: &[&str] = &["kiosk-dev-key-1", "kiosk-dev-key-2"];
/// The `/metrics` token the default config ships (as a hash); refused
/// outside the simulator.
pub const DEV_METRICS_TOKEN: &str = "kassa-dev-metrics";
/// The development sign-in the default config ships; refused outside the simulator.
pub const DEV_ASSOCIATE_PASSWORD: &str = "kassa-demo";

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where the SQLite database lives (created on first run).
    pub data_dir: PathBuf,
    /// PostgreSQL instead of SQLite in `data_dir`.
    pub database_url: Option<DatabaseUrl>,
    /// Where phones and Klarna reach Kassa, without a trailing slash.
    pub public_url: String,
    pub klarna: KlarnaConfig,
    pub stores: Vec<StoreConfig>,
    pub web_checkout: WebCheckoutConfig,
    /// Self-checkout kiosks, each belonging to one store.
    pub kiosks: Vec<KioskConfig>,
    pub security: SecurityConfig,
    pub operations: OperationsConfig,
}

/// The scheme, host and port of a URL (empty if it is not one).
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// Why the configuration was refused; the text names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the file, applies `KASSA__…` overrides from `env`, and checks it.
    pub fn load(path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Config::parse(&text, env).map_err(|ConfigError(why)| ConfigError(format!("{}: {why}", path.display())))
    }

    pub fn parse(text: &str, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError(e.to_string()))?;
        let mut document = toml::Value::Table(table);
        env::apply_overrides(&mut document, env)?;
        let file: types::ConfigFile = serde_path_to_error::deserialize(document).map_err(|e| {
            let path = e.path().to_string();
            ConfigError(format!("{path}: {}", e.into_inner()))
        })?;
        let config = file.resolve(env::klarna_credentials(env));
        config.check()?;
        Ok(config)
    }

    /// `public_url`'s scheme, host and port: where Kassa's pages come from.
    pub fn public_origin(&self) -> String {
        origin_of(&self.public_url)
    }

    pub fn store(&self, id: &str) -> Option<&StoreConfig> {
        self.stores.iter().find(|s| s.id == id)
    }

    pub fn kiosk(&self, id: &str) -> Option<&KioskConfig> {
        self.kiosks.iter().find(|k| k.id == id)
    }
}
