//! What the environment adds to the file: `KASSA__…` variables override
//! any key (`KASSA__STORES__0__API_KEY`), and Klarna's credentials come
//! only from `KLARNA_USERNAME` / `KLARNA_PASSWORD`.

use super::ConfigError;

/// Applies every `KASSA__…` variable in `env` to the document, in order.
pub(super) fn apply_overrides(document: &mut toml::Value, env: &[(String, String)]) -> Result<(), ConfigError> {
    for (name, value) in env {
        if let Some(key) = name.strip_prefix("KASSA__") {
            apply_override(document, key, value).map_err(|why| ConfigError(format!("{name}: {why}")))?;
        }
    }
    Ok(())
}

/// Klarna's API credentials, when both variables are set and not empty.
pub(super) fn klarna_credentials(env: &[(String, String)]) -> Option<klarna::Credentials> {
    match (env_value(env, "KLARNA_USERNAME"), env_value(env, "KLARNA_PASSWORD")) {
        (Some(user), Some(password)) => Some(klarna::Credentials::new(user, password)),
        _ => None,
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

    fn document() -> toml::Value {
        toml::Value::Table("listen = \"x\"\n[[stores]]\nid = \"a\"\n".parse().unwrap())
    }

    #[test]
    fn values_are_typed_when_they_parse_as_toml() {
        let mut doc = document();
        apply_override(&mut doc, "KLARNA__TIMEOUT_SECONDS", "5").unwrap();
        apply_override(&mut doc, "STORES__0__NAME", "Lund").unwrap();
        apply_override(&mut doc, "STORES__0__ENABLED", "true").unwrap();
        assert_eq!(doc["klarna"]["timeout_seconds"], toml::Value::Integer(5));
        assert_eq!(doc["stores"][0]["name"], toml::Value::String("Lund".into()));
        assert_eq!(doc["stores"][0]["enabled"], toml::Value::Boolean(true));
    }

    #[test]
    fn bad_paths_say_why() {
        let mut doc = document();
        assert!(apply_override(&mut doc, "STORES__X__NAME", "a").unwrap_err().contains("not an index"));
        assert!(apply_override(&mut doc, "STORES__3__NAME", "a").unwrap_err().contains("no entry 3"));
        assert!(apply_override(&mut doc, "LISTEN__PORT", "1").unwrap_err().contains("plain value"));
    }

    #[test]
    fn credentials_need_both_variables() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert!(klarna_credentials(&env(&[("KLARNA_USERNAME", "PK1")])).is_none());
        assert!(klarna_credentials(&env(&[("KLARNA_USERNAME", "PK1"), ("KLARNA_PASSWORD", "")])).is_none());
        let both = klarna_credentials(&env(&[("KLARNA_USERNAME", "PK1"), ("KLARNA_PASSWORD", "s")])).unwrap();
        assert_eq!(both.username, "PK1");
    }
}
