//! The page's own browser storage.

/// Drops anything a page script may have kept for this shopper.
pub fn forget_browser_storage() {
    if let Some(window) = web_sys::window() {
        if let Ok(Some(storage)) = window.session_storage() {
            let _ = storage.clear();
        }
        if let Ok(Some(storage)) = window.local_storage() {
            let _ = storage.clear();
        }
    }
}
