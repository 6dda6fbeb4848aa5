//! Reading and writing Kassa's cookies: all HttpOnly and SameSite=Strict,
//! `Secure` whenever Kassa is reached over https.

use crate::sellers::SESSION_HOURS;
use axum::http::HeaderMap;

/// The seller session cookie's name.
pub const SELLER_COOKIE: &str = "kassa_seller";
pub use app::cookies::KIOSK_COOKIE;

/// The value of cookie `name` among the request's `Cookie` headers; an
/// empty one (a cleared cookie) counts as none.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    app::cookies::request_cookie(headers, name).filter(|value| !value.is_empty())
}

fn cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

/// The `Set-Cookie` value for a new seller session (or, with `None`, one
/// that removes it).
pub fn seller_cookie(token: Option<&str>, secure: bool) -> String {
    match token {
        Some(token) => cookie(SELLER_COOKIE, token, SESSION_HOURS * 3600, secure),
        None => cookie(SELLER_COOKIE, "", 0, secure),
    }
}

/// The enrolled kiosk's device cookie (`{id}.{key}`), kept for a year.
pub fn kiosk_cookie(device: &str, secure: bool) -> String {
    cookie(KIOSK_COOKIE, device, 31_536_000, secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn cookies_are_http_only_strict_and_secure_behind_https() {
        let cookie = seller_cookie(Some("abc"), true);
        assert!(cookie.starts_with("kassa_seller=abc;"));
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!seller_cookie(Some("abc"), false).contains("Secure"));
        assert!(seller_cookie(None, false).contains("Max-Age=0"));
        assert!(kiosk_cookie("kiosk-1.key", false).starts_with("kassa_kiosk=kiosk-1.key; Path=/; HttpOnly"));
    }

    #[test]
    fn reads_the_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; kassa_seller=tok; b=2".parse().unwrap());
        assert_eq!(cookie_value(&headers, SELLER_COOKIE), Some("tok"));
        headers.insert(header::COOKIE, "kassa_seller=".parse().unwrap());
        assert_eq!(cookie_value(&headers, SELLER_COOKIE), None);
    }
}
