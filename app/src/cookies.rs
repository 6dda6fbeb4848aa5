//! The cookies the app reads, and reading one out of a request. The server
//! sets them, so it shares these names and this parser.

/// The cookie holding `{kiosk id}.{device key}` (HttpOnly: page scripts never see it).
pub const KIOSK_COOKIE: &str = "kassa_kiosk";

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(key, _)| *key == name).map(|(_, v)| v)
}

/// The value of cookie `name` in any of a request's `Cookie` headers.
#[cfg(feature = "ssr")]
pub fn request_cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| cookie_value(header, name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_cookie_among_others() {
        let header = "a=1; kassa_kiosk=kiosk-1.secret-key;b=2";
        assert_eq!(super::cookie_value(header, "kassa_kiosk"), Some("kiosk-1.secret-key"));
        assert_eq!(super::cookie_value(header, "kassa"), None);
        assert_eq!(super::cookie_value("", "kassa_kiosk"), None);
    }
}
