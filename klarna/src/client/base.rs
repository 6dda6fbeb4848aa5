//! Where the client connects and as whom: region hosts, base URL, credentials.

use std::fmt;

/// Klarna's regional API hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Eu,
    Na,
    Oc,
}

impl Region {
    pub fn parse(text: &str) -> Option<Region> {
        match text.to_ascii_lowercase().as_str() {
            "eu" => Some(Region::Eu),
            "na" => Some(Region::Na),
            "oc" => Some(Region::Oc),
            _ => None,
        }
    }

    fn host_suffix(self) -> &'static str {
        match self {
            Region::Eu => "",
            Region::Na => "-na",
            Region::Oc => "-oc",
        }
    }
}

/// Which Klarna the client talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiBase {
    Playground(Region),
    Production(Region),
    /// Any base URL, such as the simulator's.
    Custom(String),
}

impl ApiBase {
    pub fn url(&self) -> String {
        match self {
            ApiBase::Playground(region) => {
                format!("https://api{}.playground.klarna.com", region.host_suffix())
            }
            ApiBase::Production(region) => {
                format!("https://api{}.klarna.com", region.host_suffix())
            }
            ApiBase::Custom(url) => url.trim_end_matches('/').to_string(),
        }
    }
}

/// Klarna API credentials. Debug output never shows the password.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    password: String,
}

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials { username: username.into(), password: password.into() }
    }

    /// The secret itself; only for the HTTP layer and the embedded simulator.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"[redacted]").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_environment_and_region() {
        assert_eq!(ApiBase::Playground(Region::Eu).url(), "https://api.playground.klarna.com");
        assert_eq!(ApiBase::Playground(Region::Na).url(), "https://api-na.playground.klarna.com");
        assert_eq!(ApiBase::Production(Region::Oc).url(), "https://api-oc.klarna.com");
        assert_eq!(ApiBase::Custom("http://127.0.0.1:4010/".into()).url(), "http://127.0.0.1:4010");
    }

    #[test]
    fn credentials_never_show_the_password() {
        let shown = format!("{:?}", Credentials::new("PK123", "hunter2"));
        assert!(shown.contains("PK123") && !shown.contains("hunter2"), "{shown}");
    }
}
