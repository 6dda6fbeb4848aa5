//! Form posts from an island without the server-function client. A kiosk
//! tap needs only to know whether the server took it (the live stream brings
//! what changed), and the client with its error decoding would be a large
//! part of a small island's code.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The server's answer to a post: its HTTP status (0 when none came) and its
/// body, for the console.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Posts `fields` to `url` form-encoded, as a plain `<form>` does, but asks
/// for JSON, so a server function answers instead of redirecting.
pub async fn post_form(url: &str, fields: &[(&str, &str)]) -> Answer {
    let no_answer = |body: &str| Answer { status: 0, body: body.to_string() };
    let Some(window) = web_sys::window() else { return no_answer("no window") };
    let (Ok(form), Ok(headers)) = (web_sys::UrlSearchParams::new(), web_sys::Headers::new()) else {
        return no_answer("cannot build the request");
    };
    for (name, value) in fields {
        form.append(name, value);
    }
    let _ = headers.set("Accept", "application/json");
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&form);
    let response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(response) => response.unchecked_into::<web_sys::Response>(),
        Err(error) => return no_answer(&format!("{error:?}")),
    };
    let body = match response.text() {
        Ok(text) => JsFuture::from(text).await.ok().and_then(|text| text.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Answer { status: response.status(), body }
}

/// After a live stream was refused: posts to `check` and, if the server
/// answers `status` (signed out, no longer a kiosk), loads `page`; any other
/// answer (a proxy's 502 during a restart) leaves the stream to keep trying.
pub fn load_page_if_answered(check: &'static str, status: u16, page: &'static str) {
    leptos::task::spawn_local(async move {
        if post_form(check, &[]).await.status == status {
            super::load_page(page);
        }
    });
}
