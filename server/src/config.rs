//! Kassa's configuration: `kassa.toml`, then `KASSA__…` environment
//! overrides, then checks that name the offending key.

use crate::crypto;
use app::model::LinkChannel;
use domain::{Country, Currency, Locale};
use klarna::wire::PlaceOrderMode;
use serde::Deserialize;
use std::{
    fmt,
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

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where the database lives (created on first run).
    pub data_dir: PathBuf,
    /// Where phones and Klarna reach Kassa, without a trailing slash.
    pub public_url: String,
    pub klarna: KlarnaConfig,
    pub stores: Vec<StoreConfig>,
    pub web_checkout: WebCheckoutConfig,
    /// Self-checkout kiosks, each belonging to one store.
    pub kiosks: Vec<KioskConfig>,
}

/// One self-checkout kiosk.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    pub id: String,
    /// The store it sells for (its `[stores.kiosk]` profile is used).
    pub store: String,
    /// SHA-256 (hex) of the device key: the config never holds the key itself.
    pub key_sha256: KeyHash,
    /// Without a touch for this long, the kiosk forgets the shopper.
    #[serde(default = "default_idle_seconds")]
    pub idle_seconds: u32,
    /// The "Paid, thank you" screen stays this long.
    #[serde(default = "default_reset_after_paid_seconds")]
    pub reset_after_paid_seconds: u32,
}

fn default_idle_seconds() -> u32 {
    90
}

fn default_reset_after_paid_seconds() -> u32 {
    8
}

/// The SHA-256 of a device key, as hex. Debug never shows it (a weak key
/// could be guessed from its hash).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct KeyHash(String);

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash([redacted])")
    }
}

impl KeyHash {
    /// Hashes the given key and compares in constant time.
    pub fn matches(&self, key: &str) -> bool {
        crypto::constant_time_eq(&self.0.to_ascii_lowercase(), &crypto::sha256_hex(key))
    }

    fn well_formed(&self) -> bool {
        self.0.len() == 64 && self.0.chars().all(|c| c.is_ascii_hexdigit())
    }
}

/// Web checkout: where shoppers come back to from Klarna's payment page,
/// and Kassa's own demo shop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebCheckoutConfig {
    /// Serve the demo shop at `/shop`.
    pub demo_shop: bool,
    /// The store the demo shop sells for.
    pub store: String,
    /// Which button Klarna's page offers to leave it.
    pub leave_button: LeaveButton,
    /// Disable the Klarna session when the shopper comes back by Back (or
    /// Cancel), instead of keeping it payable.
    pub disable_on_back: bool,
}

/// Klarna's payment page shows either a Back or a Cancel button, decided by
/// which of `merchant_urls.back` and `.cancel` is given; never both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveButton {
    Back,
    Cancel,
}

impl LeaveButton {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveButton::Back => "back",
            LeaveButton::Cancel => "cancel",
        }
    }
}

impl<'de> Deserialize<'de> for LeaveButton {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<LeaveButton, D::Error> {
        // A list is read too, only to refuse "both" with a message that says why.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let names = match Raw::deserialize(deserializer)? {
            Raw::One(text) => text.split([',', ' ', '+']).filter(|s| !s.is_empty()).map(str::to_string).collect(),
            Raw::Many(names) => names,
        };
        let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let both = "Klarna's page shows either a Back or a Cancel button, so merchant_urls.back and \
                    merchant_urls.cancel cannot both be set; choose \"back\" or \"cancel\"";
        match names.as_slice() {
            _ if (has("back") && has("cancel")) || has("both") => Err(serde::de::Error::custom(both)),
            [one] if one.eq_ignore_ascii_case("back") => Ok(LeaveButton::Back),
            [one] if one.eq_ignore_ascii_case("cancel") => Ok(LeaveButton::Cancel),
            _ => Err(serde::de::Error::custom(format!("{names:?}: use \"back\" or \"cancel\""))),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WebCheckoutFile {
    /// Defaults to on with the simulator, off with real Klarna.
    #[serde(default)]
    demo_shop: Option<bool>,
    #[serde(default)]
    store: Option<String>,
    #[serde(default)]
    leave_button: Option<LeaveButton>,
    #[serde(default)]
    disable_on_back: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KlarnaConfig {
    pub environment: Environment,
    #[serde(default = "default_region")]
    pub region: RegionName,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// With `simulator`: use a simulator already running at this URL
    /// (`kassa simulator`) instead of the embedded one. Credentials then
    /// come from KLARNA_USERNAME / KLARNA_PASSWORD.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Read from KLARNA_USERNAME / KLARNA_PASSWORD, never from the file.
    #[serde(skip)]
    pub credentials: Option<klarna::Credentials>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Simulator,
    Playground,
    Production,
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Simulator => "simulator",
            Environment::Playground => "playground",
            Environment::Production => "production",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionName {
    Eu,
    Na,
    Oc,
}

impl RegionName {
    pub fn region(self) -> klarna::Region {
        match self {
            RegionName::Eu => klarna::Region::Eu,
            RegionName::Na => klarna::Region::Na,
            RegionName::Oc => klarna::Region::Oc,
        }
    }
}

fn default_region() -> RegionName {
    RegionName::Eu
}

fn default_timeout() -> u64 {
    20
}

fn default_payment_timeout() -> u32 {
    15
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub id: String,
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    pub locale: Locale,
    #[serde(default)]
    pub place_order_mode: PlaceOrderMode,
    /// An unpaid payment is withdrawn at Klarna after this long.
    #[serde(default = "default_payment_timeout")]
    pub payment_timeout_minutes: u32,
    pub api_key: ApiKey,
    pub seller: ViewProfile,
    /// Who may sign in to this store's seller view.
    #[serde(default)]
    pub associates: Vec<AssociateConfig>,
    /// The self-checkout kiosks' Distribution Module (consumer view).
    #[serde(default)]
    pub kiosk: Option<ViewProfile>,
}

/// An associate's sign-in: a name and an argon2 hash (`kassa hash-password`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociateConfig {
    pub name: String,
    pub password_hash: String,
}

/// The development sign-in the default config ships; refused outside the simulator.
pub const DEV_ASSOCIATE_PASSWORD: &str = "kassa-demo";

/// The Klarna Distribution Module profile and view one of Kassa's views uses.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewProfile {
    pub profile_id: String,
    pub view_id: String,
    /// Ways besides the Distribution Module this view may send the link.
    #[serde(default = "all_channels")]
    pub channels: Vec<LinkChannel>,
}

fn all_channels() -> Vec<LinkChannel> {
    vec![LinkChannel::Qr, LinkChannel::Sms, LinkChannel::Email]
}

/// A store's JSON API key. Debug never shows it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct ApiKey(String);

impl ApiKey {
    /// Compares in constant time, so timing reveals nothing of the key.
    pub fn matches(&self, given: &str) -> bool {
        crypto::constant_time_eq(&self.0, given)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: SocketAddr,
    #[serde(default = "default_data_dir")]
    data_dir: PathBuf,
    #[serde(default)]
    public_url: Option<String>,
    klarna: KlarnaConfig,
    stores: Vec<StoreConfig>,
    #[serde(default)]
    web_checkout: WebCheckoutFile,
    #[serde(default)]
    kiosks: Vec<KioskConfig>,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
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
        for (name, value) in env {
            if let Some(key) = name.strip_prefix("KASSA__") {
                apply_override(&mut document, key, value).map_err(|why| ConfigError(format!("{name}: {why}")))?;
            }
        }
        let file: ConfigFile = serde_path_to_error::deserialize(document).map_err(|e| {
            let path = e.path().to_string();
            ConfigError(format!("{path}: {}", e.into_inner()))
        })?;
        let credentials = match (env_value(env, "KLARNA_USERNAME"), env_value(env, "KLARNA_PASSWORD")) {
            (Some(user), Some(password)) => Some(klarna::Credentials::new(user, password)),
            _ => None,
        };
        let public_url =
            file.public_url.unwrap_or_else(|| format!("http://{}", file.listen)).trim_end_matches('/').to_string();
        let web = file.web_checkout;
        let web_checkout = WebCheckoutConfig {
            demo_shop: web.demo_shop.unwrap_or(file.klarna.environment == Environment::Simulator),
            store: web.store.or_else(|| file.stores.first().map(|s| s.id.clone())).unwrap_or_default(),
            leave_button: web.leave_button.unwrap_or(LeaveButton::Back),
            disable_on_back: web.disable_on_back,
        };
        let config = Config {
            listen: file.listen,
            data_dir: file.data_dir,
            public_url,
            klarna: KlarnaConfig { credentials, ..file.klarna },
            stores: file.stores,
            web_checkout,
            kiosks: file.kiosks,
        };
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: String| Err(ConfigError(format!("{key}: {why}")));
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return fail("public_url", "must start with http:// or https://".into());
        }
        let live = self.klarna.environment != Environment::Simulator;
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
        if self.klarna.timeout_seconds == 0 || self.klarna.timeout_seconds > 120 {
            return fail("klarna.timeout_seconds", "must be from 1 to 120".into());
        }
        if self.stores.is_empty() {
            return fail("stores", "configure at least one store".into());
        }
        for (index, store) in self.stores.iter().enumerate() {
            let key = |field: &str| format!("stores[{index}].{field}");
            let id_ok = !store.id.is_empty()
                && store.id.len() <= 64
                && store.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !id_ok {
                return fail(&key("id"), "use 1 to 64 lower-case letters, digits or '-'".into());
            }
            if self.stores[..index].iter().any(|other| other.id == store.id) {
                return fail(&key("id"), format!("{:?} is used by two stores", store.id));
            }
            if store.name.trim().is_empty() {
                return fail(&key("name"), "must not be empty".into());
            }
            if store.api_key.0.len() < 12 {
                return fail(&key("api_key"), "must be at least 12 characters".into());
            }
            if live && [DEV_API_KEY, DEV_TELESALES_API_KEY].iter().any(|dev| store.api_key.matches(dev)) {
                return fail(
                    &key("api_key"),
                    format!(
                        "the development key is refused in {}; set KASSA__STORES__{index}__API_KEY",
                        self.klarna.environment
                    ),
                );
            }
            for (n, associate) in store.associates.iter().enumerate() {
                let key = |field: &str| format!("stores[{index}].associates[{n}].{field}");
                if associate.name.trim().is_empty() {
                    return fail(&key("name"), "must not be empty".into());
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
        self.check_kiosks(live)
    }

    fn check_kiosks(&self, live: bool) -> Result<(), ConfigError> {
        let fail = |key: String, why: String| Err(ConfigError(format!("{key}: {why}")));
        for (index, kiosk) in self.kiosks.iter().enumerate() {
            let key = |field: &str| format!("kiosks[{index}].{field}");
            let id_ok = !kiosk.id.is_empty()
                && kiosk.id.len() <= 64
                && kiosk.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !id_ok {
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

    pub fn store(&self, id: &str) -> Option<&StoreConfig> {
        self.stores.iter().find(|s| s.id == id)
    }

    pub fn kiosk(&self, id: &str) -> Option<&KioskConfig> {
        self.kiosks.iter().find(|k| k.id == id)
    }
}

fn env_value(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter().find(|(key, _)| key == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
}

/// Sets `a__b__0__c` in the document. The value is read as TOML when it
/// parses (numbers, booleans) and as a plain string otherwise.
fn apply_override(document: &mut toml::Value, key: &str, raw: &str) -> Result<(), String> {
    let value = format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    let path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
    set_path(document, &path, value)
}

fn set_path(node: &mut toml::Value, path: &[String], value: toml::Value) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        *node = value;
        return Ok(());
    };
    let child = match node {
        toml::Value::Table(table) => table.entry(head.clone()).or_insert(toml::Value::Table(Default::default())),
        toml::Value::Array(items) => {
            let index: usize = head.parse().map_err(|_| format!("{head:?} is not an index into a list"))?;
            items.get_mut(index).ok_or(format!("there is no entry {index}"))?
        }
        _ => return Err(format!("{head:?} cannot be set inside a plain value")),
    };
    set_path(child, rest, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../kassa.toml");

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_shipped_config_runs_on_the_simulator() {
        let config = Config::parse(FILE, &[]).unwrap();
        assert_eq!(config.klarna.environment, Environment::Simulator);
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        let store = &config.stores[0];
        assert_eq!(store.currency.code(), "SEK");
        assert_eq!(store.seller.profile_id, "seller");
        assert!(store.api_key.matches(DEV_API_KEY));
        assert!(!format!("{config:?}").contains(DEV_API_KEY), "keys never show in Debug");
    }

    #[test]
    fn environment_overrides_reach_nested_and_listed_keys() {
        let config = Config::parse(
            FILE,
            &env(&[
                ("KASSA__LISTEN", "0.0.0.0:8080"),
                ("KASSA__KLARNA__TIMEOUT_SECONDS", "5"),
                ("KASSA__STORES__0__NAME", "Lund"),
                ("KASSA__STORES__0__SELLER__PROFILE_ID", "p-123"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.klarna.timeout_seconds, 5);
        assert_eq!(config.stores[0].name, "Lund");
        assert_eq!(config.stores[0].seller.profile_id, "p-123");
    }

    #[test]
    fn associates_need_real_argon2_hashes() {
        let err =
            Config::parse(FILE, &env(&[("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH", "hunter2")])).unwrap_err();
        assert!(err.to_string().contains("stores[0].associates[0].password_hash"), "{err}");
        assert!(!err.to_string().contains("hunter2") || err.to_string().contains("argon2"), "{err}");
        let config = Config::parse(FILE, &[]).unwrap();
        assert_eq!(config.stores[0].associates[0].name, "demo");
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = Config::parse(FILE, &env(&[("KASSA__STORES__0__CURRENCY", "SEKK")])).unwrap_err();
        assert!(err.to_string().contains("stores[0].currency"), "{err}");
        let err = Config::parse(FILE, &env(&[("KASSA__KLARNA__ENVIRONMENT", "staging")])).unwrap_err();
        assert!(err.to_string().contains("klarna.environment"), "{err}");
        let err = Config::parse(&FILE.replace("name = \"Kassa Demo Store\"\n", ""), &[]).unwrap_err();
        assert!(err.to_string().contains("stores[0]") && err.to_string().contains("name"), "{err}");
        let err = Config::parse(FILE, &env(&[("KASSA__STORES__0__ID", "Big Store")])).unwrap_err();
        assert!(err.to_string().contains("stores[0].id"), "{err}");
    }

    #[test]
    fn live_klarna_needs_credentials_and_a_real_key() {
        let playground = env(&[("KASSA__KLARNA__ENVIRONMENT", "playground")]);
        let err = Config::parse(FILE, &playground).unwrap_err();
        assert!(err.to_string().contains("KLARNA_USERNAME"), "{err}");
        let mut with_credentials = playground.clone();
        with_credentials.extend(env(&[("KLARNA_USERNAME", "PK1"), ("KLARNA_PASSWORD", "secret")]));
        let err = Config::parse(FILE, &with_credentials).unwrap_err();
        assert!(err.to_string().contains("stores[0].api_key"), "{err}");
        with_credentials.extend(env(&[("KASSA__STORES__0__API_KEY", "a-long-production-key")]));
        let err = Config::parse(FILE, &with_credentials).unwrap_err();
        assert!(err.to_string().contains("stores[0].associates[0].password_hash"), "{err}");
        let real_hash = crate::crypto::hash_password("a real password").unwrap();
        with_credentials.push(("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH".into(), real_hash.clone()));
        // The second (telesales) store's development key and password are refused too.
        let err = Config::parse(FILE, &with_credentials).unwrap_err();
        assert!(err.to_string().contains("stores[1].api_key"), "{err}");
        with_credentials.extend(env(&[("KASSA__STORES__1__API_KEY", "another-production-key")]));
        let err = Config::parse(FILE, &with_credentials).unwrap_err();
        assert!(err.to_string().contains("stores[1].associates[0].password_hash"), "{err}");
        with_credentials.push(("KASSA__STORES__1__ASSOCIATES__0__PASSWORD_HASH".into(), real_hash));
        let kiosk_key = "0f".repeat(32);
        with_credentials
            .extend(env(&[("KASSA__KIOSKS__0__KEY_SHA256", &kiosk_key), ("KASSA__KIOSKS__1__KEY_SHA256", &kiosk_key)]));
        let config = Config::parse(FILE, &with_credentials).unwrap();
        assert!(!format!("{config:?}").contains("secret"), "credentials never show in Debug");
        assert!(!config.web_checkout.demo_shop, "the demo shop is off with real Klarna unless enabled");
        let mut enabled = with_credentials.clone();
        enabled.extend(env(&[("KASSA__WEB_CHECKOUT__DEMO_SHOP", "true")]));
        assert!(Config::parse(FILE, &enabled).unwrap().web_checkout.demo_shop);
    }

    #[test]
    fn web_checkout_defaults_to_back_and_the_demo_shop_on_the_simulator() {
        let web = Config::parse(FILE, &[]).unwrap().web_checkout;
        assert_eq!(
            web,
            WebCheckoutConfig {
                demo_shop: true,
                store: "stockholm".into(),
                leave_button: LeaveButton::Back,
                disable_on_back: false
            }
        );
        let web = Config::parse(
            FILE,
            &env(&[("KASSA__WEB_CHECKOUT__LEAVE_BUTTON", "cancel"), ("KASSA__WEB_CHECKOUT__DISABLE_ON_BACK", "true")]),
        )
        .unwrap()
        .web_checkout;
        assert_eq!((web.leave_button, web.disable_on_back), (LeaveButton::Cancel, true));
    }

    #[test]
    fn back_and_cancel_together_are_refused_naming_the_key() {
        for both in ["both", "back,cancel", "[\"back\", \"cancel\"]"] {
            let err = Config::parse(FILE, &env(&[("KASSA__WEB_CHECKOUT__LEAVE_BUTTON", both)])).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("web_checkout.leave_button"), "{both}: {text}");
            assert!(text.contains("cannot both be set"), "{both}: {text}");
        }
        let file = FILE.replace("leave_button = \"back\"", "leave_button = [\"cancel\", \"back\"]");
        assert_ne!(file, FILE);
        let err = Config::parse(&file, &[]).unwrap_err();
        assert!(err.to_string().contains("web_checkout.leave_button"), "{err}");
        let err = Config::parse(FILE, &env(&[("KASSA__WEB_CHECKOUT__LEAVE_BUTTON", "exit")])).unwrap_err();
        assert!(err.to_string().contains("web_checkout.leave_button") && err.to_string().contains("\"back\""), "{err}");
        let err = Config::parse(FILE, &env(&[("KASSA__WEB_CHECKOUT__STORE", "nowhere")])).unwrap_err();
        assert!(err.to_string().contains("web_checkout.store"), "{err}");
    }

    #[test]
    fn kiosks_are_read_with_hashed_keys_and_defaults() {
        let config = Config::parse(FILE, &[]).unwrap();
        let kiosk = config.kiosk("kiosk-1").unwrap();
        assert_eq!((kiosk.store.as_str(), kiosk.idle_seconds, kiosk.reset_after_paid_seconds), ("stockholm", 90, 8));
        assert!(kiosk.key_sha256.matches("kiosk-dev-key-1"));
        assert!(!kiosk.key_sha256.matches("kiosk-dev-key-2"));
        assert!(!kiosk.key_sha256.matches(""));
        assert!(config.kiosk("kiosk-2").unwrap().key_sha256.matches("kiosk-dev-key-2"));
        assert!(!format!("{config:?}").contains("6667311464c4"), "key hashes never show in Debug");
        let config = Config::parse(FILE, &env(&[("KASSA__KIOSKS__0__IDLE_SECONDS", "30")])).unwrap();
        assert_eq!(config.kiosks[0].idle_seconds, 30);
    }

    #[test]
    fn bad_kiosks_name_their_key() {
        let cases = [
            ("KASSA__KIOSKS__0__ID", "Kiosk 1", "kiosks[0].id"),
            ("KASSA__KIOSKS__1__ID", "kiosk-1", "kiosks[1].id"),
            ("KASSA__KIOSKS__0__STORE", "nowhere", "kiosks[0].store"),
            ("KASSA__KIOSKS__0__KEY_SHA256", "kiosk-dev-key-1", "kiosks[0].key_sha256"),
            ("KASSA__KIOSKS__0__IDLE_SECONDS", "2", "kiosks[0].idle_seconds"),
            ("KASSA__KIOSKS__1__RESET_AFTER_PAID_SECONDS", "0", "kiosks[1].reset_after_paid_seconds"),
            ("KASSA__KIOSKS__0__IDLE_SECONDS", "\"soon\"", "kiosks[0].idle_seconds"),
        ];
        for (name, value, key) in cases {
            let err = Config::parse(FILE, &env(&[(name, value)])).unwrap_err();
            assert!(err.to_string().contains(key), "{name}={value}: {err}");
        }
        let without_profile = FILE.replace("[stores.kiosk]\nprofile_id = \"consumer\"\nview_id = \"consumer\"\n", "");
        assert_ne!(without_profile, FILE);
        let err = Config::parse(&without_profile, &[]).unwrap_err();
        assert!(err.to_string().contains("kiosks[0].store") && err.to_string().contains("[stores.kiosk]"), "{err}");
    }

    #[test]
    fn development_kiosk_keys_are_refused_with_real_klarna() {
        let real_hash = crate::crypto::hash_password("a real password").unwrap();
        let live = env(&[
            ("KASSA__KLARNA__ENVIRONMENT", "playground"),
            ("KLARNA_USERNAME", "PK1"),
            ("KLARNA_PASSWORD", "secret"),
            ("KASSA__STORES__0__API_KEY", "a-long-production-key"),
            ("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH", &real_hash),
            ("KASSA__STORES__1__API_KEY", "another-production-key"),
            ("KASSA__STORES__1__ASSOCIATES__0__PASSWORD_HASH", &real_hash),
        ]);
        let err = Config::parse(FILE, &live).unwrap_err();
        assert!(err.to_string().contains("kiosks[0].key_sha256"), "{err}");
        let mut fixed = live.clone();
        let other = "0f".repeat(32);
        fixed.extend(env(&[("KASSA__KIOSKS__0__KEY_SHA256", &other), ("KASSA__KIOSKS__1__KEY_SHA256", &other)]));
        Config::parse(FILE, &fixed).unwrap();
    }
}
