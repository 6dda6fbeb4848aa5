//! What a running Kassa may take from a new configuration (`kill -HUP`).
//! Most settings apply at once; a few are bound at start-up or to
//! payments already under way.

use super::Config;

/// Why `new` cannot replace `old` without a restart, or `None` when it can.
/// `stores_with_open_payments` are the store ids of payments not yet ended:
/// those stores must stay, or their payments would lose their settings.
///
/// Refused, each naming the key: `listen` (the socket is bound),
/// `public_url` (Klarna holds callback URLs made with it), `data_dir` (the
/// database is open), and Klarna's `environment`, `region` and `base_url`
/// (the client and its sessions belong to one Klarna).
pub fn reload_refusal<S: AsRef<str>>(
    old: &Config,
    new: &Config,
    stores_with_open_payments: impl IntoIterator<Item = S>,
) -> Option<String> {
    if new.listen != old.listen {
        return Some("listen: changes only with a restart".into());
    }
    if new.public_url != old.public_url {
        return Some("public_url: changes only with a restart (Klarna holds the old callback URLs)".into());
    }
    if new.data_dir != old.data_dir {
        return Some("data_dir: changes only with a restart".into());
    }
    if new.database_url != old.database_url {
        return Some("database_url: changes only with a restart".into());
    }
    if new.klarna.environment != old.klarna.environment
        || new.klarna.region != old.klarna.region
        || new.klarna.base_url != old.klarna.base_url
    {
        return Some("klarna: the environment, region and base_url change only with a restart".into());
    }
    let orphan = stores_with_open_payments.into_iter().find(|store| new.store(store.as_ref()).is_none())?;
    Some(format!("stores: store {:?} has open payments; keep it until they have ended", orphan.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../../kassa.toml");

    fn config(overrides: &[(&str, &str)]) -> Config {
        let env: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::parse(FILE, &env).unwrap()
    }

    fn refusal(overrides: &[(&str, &str)], open: &[&str]) -> Option<String> {
        reload_refusal(&config(&[]), &config(overrides), open)
    }

    #[test]
    fn ordinary_changes_apply() {
        let changes = [("KASSA__STORES__0__NAME", "Kassa Lund"), ("KASSA__STORES__0__PAYMENT_TIMEOUT_MINUTES", "5")];
        assert_eq!(refusal(&changes, &["stockholm"]), None);
        assert_eq!(refusal(&[], &[]), None);
    }

    #[test]
    fn start_up_settings_are_refused_naming_the_key() {
        let cases = [
            ("KASSA__LISTEN", "127.0.0.1:1", "listen: changes only with a restart"),
            ("KASSA__PUBLIC_URL", "https://kassa.example.com", "public_url: changes only with a restart"),
            ("KASSA__DATA_DIR", "elsewhere", "data_dir: changes only with a restart"),
            ("KASSA__KLARNA__REGION", "na", "klarna: the environment, region and base_url"),
        ];
        for (name, value, why) in cases {
            let refused = refusal(&[(name, value)], &[]).unwrap_or_default();
            assert!(refused.starts_with(why), "{name}={value}: {refused:?}");
        }
        // A changed public_url that only differs by the default's slash is no change.
        assert_eq!(refusal(&[("KASSA__PUBLIC_URL", "http://127.0.0.1:3000/")], &[]), None);
    }

    #[test]
    fn klarna_environment_and_base_url_are_refused() {
        let old = config(&[]);
        let mut new = old.clone();
        new.klarna.environment = crate::config::Environment::Playground;
        assert!(reload_refusal(&old, &new, [""; 0]).is_some_and(|why| why.starts_with("klarna:")));
        let mut new = old.clone();
        new.klarna.base_url = Some("http://127.0.0.1:4010".into());
        assert!(reload_refusal(&old, &new, [""; 0]).is_some_and(|why| why.starts_with("klarna:")));
    }

    #[test]
    fn a_store_with_open_payments_must_stay() {
        let renamed = [
            ("KASSA__STORES__0__ID", "lund"),
            ("KASSA__KIOSKS__0__STORE", "lund"),
            ("KASSA__KIOSKS__1__STORE", "lund"),
        ];
        assert_eq!(
            refusal(&renamed, &["stockholm"]).as_deref(),
            Some("stores: store \"stockholm\" has open payments; keep it until they have ended")
        );
        // Without open payments the store may go.
        assert_eq!(refusal(&renamed, &[]), None);
        let owned: Vec<String> = vec!["stockholm".into()];
        assert!(reload_refusal(&config(&[]), &config(&renamed), &owned).is_some());
    }
}
