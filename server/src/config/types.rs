//! The shapes `kassa.toml` is read into, with their defaults. Secrets
//! (API keys, key hashes) never show in Debug.

use super::Config;
use crate::crypto;
use domain::LinkChannel;
use domain::{Country, Currency, Locale};
use klarna::wire::PlaceOrderMode;
use serde::Deserialize;
use std::{fmt, net::SocketAddr, path::PathBuf};

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

    /// Whether it is 64 hex digits, as `sha256sum` prints.
    pub(super) fn well_formed(&self) -> bool {
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
pub(super) struct WebCheckoutFile {
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

fn capture_after_order() -> bool {
    true
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
    /// The store's IANA time zone ("Europe/Stockholm"): its day for
    /// "today's payments" and the times its screens show. Defaults from the
    /// country where that has one zone.
    #[serde(default)]
    pub time_zone: Option<StoreTimeZone>,
    #[serde(default)]
    pub place_order_mode: PlaceOrderMode,
    /// With `place_order_mode` NONE or PLACE_ORDER: Kassa captures an order
    /// paid in the shop as soon as it is placed (the goods leave with the
    /// shopper). `false` when the store captures itself.
    #[serde(default = "capture_after_order")]
    pub capture_after_order: bool,
    /// An unpaid payment is withdrawn at Klarna after this long.
    #[serde(default = "default_payment_timeout")]
    pub payment_timeout_minutes: u32,
    /// The JSON API key in plain text: the simulator only.
    #[serde(default)]
    pub api_key: Option<ApiKey>,
    /// SHA-256 (hex) of the JSON API key: how a live config holds it.
    #[serde(default)]
    pub api_key_sha256: Option<KeyHash>,
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

/// An IANA time zone name that the bundled time zone database knows.
#[derive(Clone, Debug)]
pub struct StoreTimeZone {
    pub name: String,
    pub zone: jiff::tz::TimeZone,
}

impl<'de> Deserialize<'de> for StoreTimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StoreTimeZone, D::Error> {
        let name = String::deserialize(deserializer)?;
        let zone = jiff::tz::TimeZone::get(&name).map_err(|_| {
            serde::de::Error::custom(format!("{name:?} is not an IANA time zone such as \"Europe/Stockholm\""))
        })?;
        Ok(StoreTimeZone { name, zone })
    }
}

impl StoreConfig {
    /// The store's time zone: its own, or its country's only one. `None`
    /// only for a country with several zones and none set, which the checks
    /// refuse.
    pub fn zone(&self) -> Option<jiff::tz::TimeZone> {
        match &self.time_zone {
            Some(own) => Some(own.zone.clone()),
            None => jiff::tz::TimeZone::get(self.country.time_zone()?).ok(),
        }
    }

    /// Whether `given` is this store's API key (constant time either way).
    pub fn api_key_matches(&self, given: &str) -> bool {
        match (self.plain_api_key(), &self.api_key_sha256) {
            (Some(key), _) => key.matches(given),
            (None, Some(hash)) => hash.matches(given),
            (None, None) => false,
        }
    }

    /// The plain key, unless it is left empty (how an environment variable
    /// takes a file's development key away).
    pub(super) fn plain_api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref().filter(|key| !key.0.is_empty())
    }

    /// The key's SHA-256 however it is configured, to find two stores
    /// sharing one key.
    pub(super) fn api_key_digest(&self) -> Option<String> {
        match (self.plain_api_key(), &self.api_key_sha256) {
            (Some(key), _) => Some(crypto::sha256_hex(&key.0)),
            (None, Some(hash)) => Some(hash.0.to_ascii_lowercase()),
            (None, None) => None,
        }
    }
}

/// A store's JSON API key. Debug never shows it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct ApiKey(pub(super) String);

impl ApiKey {
    /// Compares in constant time, so timing reveals nothing of the key.
    pub fn matches(&self, given: &str) -> bool {
        crypto::constant_time_eq(&self.0, given)
    }
}

/// What operators reach: `[operations]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationsConfig {
    /// SHA-256 (hex) of the token `/metrics` asks for as
    /// `Authorization: Bearer`; without one, `/metrics` is off (404).
    #[serde(default)]
    pub metrics_token_sha256: Option<KeyHash>,
}

/// What the web pages and the network may do: `[security]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// Who may show Kassa's pages in a frame: CSP `frame-ancestors` sources.
    /// `'none'` unless a store embeds the till in its own system.
    #[serde(default = "default_frame_ancestors")]
    pub frame_ancestors: Vec<String>,
    /// Behind a reverse proxy: take the client's address from the last entry
    /// of `X-Forwarded-For` (the one the proxy added), not the connection.
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// Let the embedded simulator (demo password, development keys, an open
    /// control API) listen on an address other machines reach.
    #[serde(default)]
    pub allow_simulator_on_network: bool,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            frame_ancestors: default_frame_ancestors(),
            trust_forwarded_for: false,
            allow_simulator_on_network: false,
        }
    }
}

fn default_frame_ancestors() -> Vec<String> {
    vec!["'none'".to_string()]
}

/// A PostgreSQL URL; it may hold a password, so it never reaches a log.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseUrl([redacted])")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    listen: SocketAddr,
    #[serde(default = "default_data_dir")]
    data_dir: PathBuf,
    #[serde(default)]
    database_url: Option<DatabaseUrl>,
    #[serde(default)]
    public_url: Option<String>,
    klarna: KlarnaConfig,
    stores: Vec<StoreConfig>,
    #[serde(default)]
    web_checkout: WebCheckoutFile,
    #[serde(default)]
    kiosks: Vec<KioskConfig>,
    #[serde(default)]
    security: SecurityConfig,
    #[serde(default)]
    operations: OperationsConfig,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

impl ConfigFile {
    /// The file with its defaults filled in; credentials come from the
    /// environment, never from the file.
    pub(super) fn resolve(self, credentials: Option<klarna::Credentials>) -> Config {
        let public_url =
            self.public_url.unwrap_or_else(|| format!("http://{}", self.listen)).trim_end_matches('/').to_string();
        let web = self.web_checkout;
        let web_checkout = WebCheckoutConfig {
            demo_shop: web.demo_shop.unwrap_or(self.klarna.environment == Environment::Simulator),
            store: web.store.or_else(|| self.stores.first().map(|s| s.id.clone())).unwrap_or_default(),
            leave_button: web.leave_button.unwrap_or(LeaveButton::Back),
            disable_on_back: web.disable_on_back,
        };
        Config {
            listen: self.listen,
            data_dir: self.data_dir,
            database_url: self.database_url,
            public_url,
            klarna: KlarnaConfig { credentials, ..self.klarna },
            stores: self.stores,
            web_checkout,
            kiosks: self.kiosks,
            security: self.security,
            operations: self.operations,
        }
    }
}
