//! Reading the shipped kassa.toml with overrides, and the refusals that
//! name their key.

use super::*;

const FILE: &str = include_str!("../../../kassa.toml");

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
    assert!(store.api_key_matches(DEV_API_KEY));
    assert!(!format!("{config:?}").contains(DEV_API_KEY), "keys never show in Debug");
}

#[test]
fn environment_overrides_reach_nested_and_listed_keys() {
    let config = Config::parse(
        FILE,
        &env(&[
            ("KASSA__LISTEN", "0.0.0.0:8080"),
            ("KASSA__SECURITY__ALLOW_SIMULATOR_ON_NETWORK", "true"),
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
    let err = Config::parse(FILE, &env(&[("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH", "hunter2")])).unwrap_err();
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
    // A plain key is refused outside the simulator, however long: the config holds its hash.
    with_credentials.extend(env(&[("KASSA__STORES__0__API_KEY", "a-long-production-key")]));
    let err = Config::parse(FILE, &with_credentials).unwrap_err();
    assert!(err.to_string().contains("stores[0].api_key: a plain key is refused"), "{err}");
    let production_key = crate::crypto::sha256_hex("a-long-production-key");
    with_credentials
        .extend(env(&[("KASSA__STORES__0__API_KEY", "\"\""), ("KASSA__STORES__0__API_KEY_SHA256", &production_key)]));
    let err = Config::parse(FILE, &with_credentials).unwrap_err();
    assert!(err.to_string().contains("stores[0].associates[0].password_hash"), "{err}");
    let real_hash = crate::crypto::hash_password("a real password").unwrap();
    with_credentials.push(("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH".into(), real_hash.clone()));
    // The second (telesales) store's development key and password are refused too.
    let err = Config::parse(FILE, &with_credentials).unwrap_err();
    assert!(err.to_string().contains("stores[1].api_key"), "{err}");
    // Two stores may not share a key: it decides whose payments a request sees.
    with_credentials
        .extend(env(&[("KASSA__STORES__1__API_KEY", "\"\""), ("KASSA__STORES__1__API_KEY_SHA256", &production_key)]));
    let err = Config::parse(FILE, &with_credentials).unwrap_err();
    assert!(err.to_string().contains("\"stockholm\" (stores[0]) and \"telesales\" (stores[1])"), "{err}");
    let other_key = crate::crypto::sha256_hex("another-production-key");
    with_credentials.extend(env(&[("KASSA__STORES__1__API_KEY_SHA256", &other_key)]));
    let err = Config::parse(FILE, &with_credentials).unwrap_err();
    assert!(err.to_string().contains("stores[1].associates[0].password_hash"), "{err}");
    with_credentials.push(("KASSA__STORES__1__ASSOCIATES__0__PASSWORD_HASH".into(), real_hash));
    let kiosk_key = "0f".repeat(32);
    with_credentials
        .extend(env(&[("KASSA__KIOSKS__0__KEY_SHA256", &kiosk_key), ("KASSA__KIOSKS__1__KEY_SHA256", &kiosk_key)]));
    let err = Config::parse(FILE, &with_credentials).unwrap_err();
    assert!(err.to_string().contains("operations.metrics_token_sha256: the development token"), "{err}");
    with_credentials.extend(env(&[("KASSA__OPERATIONS__METRICS_TOKEN_SHA256", &"0e".repeat(32))]));
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
        ("KASSA__STORES__0__API_KEY", "\"\""),
        ("KASSA__STORES__0__API_KEY_SHA256", &"01".repeat(32)),
        ("KASSA__STORES__0__ASSOCIATES__0__PASSWORD_HASH", &real_hash),
        ("KASSA__STORES__1__API_KEY", "\"\""),
        ("KASSA__STORES__1__API_KEY_SHA256", &"02".repeat(32)),
        ("KASSA__STORES__1__ASSOCIATES__0__PASSWORD_HASH", &real_hash),
        ("KASSA__OPERATIONS__METRICS_TOKEN_SHA256", &"0e".repeat(32)),
    ]);
    let err = Config::parse(FILE, &live).unwrap_err();
    assert!(err.to_string().contains("kiosks[0].key_sha256"), "{err}");
    let mut fixed = live.clone();
    let other = "0f".repeat(32);
    fixed.extend(env(&[("KASSA__KIOSKS__0__KEY_SHA256", &other), ("KASSA__KIOSKS__1__KEY_SHA256", &other)]));
    Config::parse(FILE, &fixed).unwrap();
}

#[test]
fn api_keys_are_one_per_store_and_well_formed() {
    let err = Config::parse(FILE, &env(&[("KASSA__STORES__1__API_KEY", "kassa-dev-key")])).unwrap_err();
    assert!(err.to_string().contains("stores[1].api_key") && err.to_string().contains("same API key"), "{err}");
    // The same key, once plain and once as a hash, is still the same key.
    let hashed = crate::crypto::sha256_hex(DEV_API_KEY);
    let both = env(&[("KASSA__STORES__1__API_KEY", "\"\""), ("KASSA__STORES__1__API_KEY_SHA256", &hashed)]);
    assert!(Config::parse(FILE, &both).unwrap_err().to_string().contains("same API key"));
    let err = Config::parse(FILE, &env(&[("KASSA__STORES__0__API_KEY_SHA256", &"ab".repeat(32))])).unwrap_err();
    assert!(err.to_string().contains("not both"), "{err}");
    let err = Config::parse(FILE, &env(&[("KASSA__STORES__0__API_KEY", "\"\"")])).unwrap_err();
    assert!(err.to_string().contains("stores[0].api_key_sha256: is required"), "{err}");
    let short = env(&[("KASSA__STORES__0__API_KEY", "\"\""), ("KASSA__STORES__0__API_KEY_SHA256", "abc")]);
    assert!(Config::parse(FILE, &short).unwrap_err().to_string().contains("64 hex digits"));
    let fine = env(&[("KASSA__STORES__0__API_KEY", "\"\""), ("KASSA__STORES__0__API_KEY_SHA256", &"AB".repeat(32))]);
    let config = Config::parse(FILE, &fine).unwrap();
    assert!(!config.stores[0].api_key_matches(""), "an empty plain key is no key");
}

#[test]
fn the_simulator_stays_on_loopback_unless_allowed() {
    for listen in ["0.0.0.0:3000", "192.168.1.10:3000", "[::]:3000"] {
        let err = Config::parse(FILE, &env(&[("KASSA__LISTEN", listen)])).unwrap_err();
        assert!(err.to_string().contains("listen:") && err.to_string().contains("allow_simulator_on_network"), "{err}");
    }
    assert!(Config::parse(FILE, &env(&[("KASSA__LISTEN", "[::1]:3000")])).is_ok());
    let allowed = env(&[("KASSA__LISTEN", "0.0.0.0:3000"), ("KASSA__SECURITY__ALLOW_SIMULATOR_ON_NETWORK", "true")]);
    assert!(Config::parse(FILE, &allowed).is_ok());
}

#[test]
fn frame_ancestors_default_to_none_and_refuse_injection() {
    assert_eq!(Config::parse(FILE, &[]).unwrap().security.frame_ancestors, ["'none'"]);
    let shipped = "frame_ancestors = [\"'none'\"]";
    assert!(FILE.contains(shipped));
    let sneaky = FILE.replace(shipped, "frame_ancestors = [\"'self'; script-src *\"]");
    assert!(Config::parse(&sneaky, &[]).unwrap_err().to_string().contains("security.frame_ancestors"));
    let embedded = FILE.replace(shipped, "frame_ancestors = [\"https://pos.example.com\"]");
    assert_eq!(Config::parse(&embedded, &[]).unwrap().security.frame_ancestors, ["https://pos.example.com"]);
}

#[test]
fn a_postgresql_url_needs_a_simulator_of_its_own_and_never_shows() {
    let url = "postgres://kassa:s3cret-db-password@db.example/kassa";
    let external = [
        ("KASSA__DATABASE_URL", url),
        ("KASSA__KLARNA__BASE_URL", "http://127.0.0.1:4010"),
        ("KLARNA_USERNAME", "u"),
        ("KLARNA_PASSWORD", "p"),
    ];
    let config = Config::parse(FILE, &env(&external)).unwrap();
    assert_eq!(config.database_url.as_ref().map(DatabaseUrl::expose), Some(url));
    assert!(!format!("{config:?}").contains("s3cret"), "the database password never shows in Debug");

    let embedded = Config::parse(FILE, &env(&[("KASSA__DATABASE_URL", url)])).unwrap_err();
    assert!(embedded.to_string().contains("database_url: the embedded Klarna simulator"), "{embedded}");
    let mut not_postgres = external;
    not_postgres[0] = ("KASSA__DATABASE_URL", "mysql://db.example/kassa");
    let err = Config::parse(FILE, &env(&not_postgres)).unwrap_err();
    assert!(err.to_string().contains("database_url: must be a PostgreSQL URL"), "{err}");
    assert!(Config::parse(FILE, &[]).unwrap().database_url.is_none(), "SQLite in data_dir by default");
}
