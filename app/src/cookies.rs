//! The cookies Kassa uses, reading one out of a request, and the cookie
//! changes the server sends. The server sets them too, so it shares these
//! names, this parser and this format.

/// The cookie holding `{kiosk id}.{device key}` (HttpOnly: page scripts never see it).
pub const KIOSK_COOKIE: &str = "kassa_kiosk";
/// The associate's session token (HttpOnly).
pub const SELLER_COOKIE: &str = "kassa_seller";

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(key, _)| *key == name).map(|(_, v)| v)
}

/// The value of cookie `name` in any of a request's `Cookie` headers; an
/// empty one (a cleared cookie) counts as none.
#[cfg(feature = "ssr")]
pub fn request_cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| cookie_value(header, name))
        .filter(|value| !value.is_empty())
}

/// A cookie to set (or clear) in the browser. Every Kassa cookie is
/// HttpOnly and SameSite=Strict, and `Secure` whenever Kassa is reached
/// over https.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieChange {
    pub name: &'static str,
    pub value: String,
    pub max_age_seconds: i64,
    pub secure: bool,
}

impl CookieChange {
    pub fn set(name: &'static str, value: &str, max_age_seconds: i64, secure: bool) -> CookieChange {
        CookieChange { name, value: value.to_string(), max_age_seconds, secure }
    }

    pub fn clear(name: &'static str, secure: bool) -> CookieChange {
        CookieChange::set(name, "", 0, secure)
    }

    /// The `Set-Cookie` header's value.
    pub fn header_value(&self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            self.name, self.value, self.max_age_seconds
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_others() {
        let header = "a=1; kassa_kiosk=kiosk-1.secret-key;b=2";
        assert_eq!(cookie_value(header, "kassa_kiosk"), Some("kiosk-1.secret-key"));
        assert_eq!(cookie_value(header, "kassa"), None);
        assert_eq!(cookie_value("", "kassa_kiosk"), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_behind_https() {
        let cookie = CookieChange::set(SELLER_COOKIE, "abc", 60, true).header_value();
        assert!(cookie.starts_with("kassa_seller=abc;"));
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=60"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!CookieChange::set(SELLER_COOKIE, "abc", 60, false).header_value().contains("Secure"));
        assert!(CookieChange::clear(SELLER_COOKIE, false).header_value().contains("Max-Age=0"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn reads_the_cookie_among_others_and_an_empty_one_is_none() {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, "a=1; kassa_seller=tok; b=2".parse().unwrap());
        assert_eq!(request_cookie(&headers, SELLER_COOKIE), Some("tok"));
        headers.insert(http::header::COOKIE, "kassa_seller=".parse().unwrap());
        assert_eq!(request_cookie(&headers, SELLER_COOKIE), None);
    }
}
