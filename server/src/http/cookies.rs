//! The kiosk's device cookie, written in the app's one cookie format
//! (reading goes through `app::cookies::request_cookie`).

use app::cookies::{CookieChange, KIOSK_COOKIE};

/// The enrolled kiosk's device cookie (`{id}.{key}`), kept for a year.
pub fn kiosk_cookie(device: &str, secure: bool) -> String {
    CookieChange::set(KIOSK_COOKIE, device, 31_536_000, secure).header_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kiosk_cookie_is_http_only_strict_for_a_year() {
        let cookie = kiosk_cookie("kiosk-1.key", false);
        assert!(cookie.starts_with("kassa_kiosk=kiosk-1.key; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"));
        assert!(kiosk_cookie("kiosk-1.key", true).ends_with("; Secure"));
    }
}
