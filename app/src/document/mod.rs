//! The HTML document around every app page, and how it starts the app's
//! code in the browser; and the document around a page that runs no script.

#[cfg(feature = "ssr")]
use crate::App;
#[cfg(feature = "ssr")]
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The files an app page loads, which the server works out once at start
/// (with `hash-files` their names carry hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageFiles {
    pub stylesheet: String,
    /// The start script (below) naming each bundle's JavaScript module
    /// (wasm-bindgen's glue), its wasm and its islands' chunks: written
    /// once, not at every render (and shared, not copied, by every render).
    start: Arc<str>,
}

/// One browser bundle (a cargo-leptos project's build): its JavaScript
/// module, its wasm, and each island it carries, by name, with its chunks
/// (`cargo leptos --split`; none for an island that is not lazy).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Bundle {
    pub script: String,
    pub wasm: String,
    pub islands: BTreeMap<String, Vec<String>>,
}

impl PageFiles {
    /// `bundles`: the first also starts islands no bundle names (one whose
    /// files the server could not read).
    pub fn new(stylesheet: String, bundles: &[Bundle]) -> PageFiles {
        let bundles = serde_json::to_string(bundles).expect("names and addresses serialize");
        let start = format!("{}({bundles});", include_str!("start_after_paint.js").trim_end());
        PageFiles { stylesheet, start: start.into() }
    }
}

/// The document around every app page.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions, files: PageFiles) -> impl IntoView {
    let PageFiles { stylesheet, start } = files;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link id="leptos" rel="stylesheet" href=stylesheet/>
                <AutoReload options/>
                <StartAfterFirstPaint start/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Loads the bundle once the server-rendered page is painted, and hydrates
/// the page's islands.
///
/// In place of Leptos's `HydrationScripts`, which preloads the bundle and
/// (through the split manifest it provides) each island's chunks from the
/// head: a browser fetches those at high priority alongside the stylesheet,
/// so on a slow link some 200-300 KB of wasm would delay a page that needs
/// none of it to be read or used. Without the manifest in context Leptos
/// adds no chunk preloads either.
#[cfg(feature = "ssr")]
#[component]
fn StartAfterFirstPaint(start: Arc<str>) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! { <script type="module" nonce=nonce>{start}</script> }
}

/// A whole page that runs no script (the sign-in, the shop's pages), in the
/// site's stylesheet (`stylesheet` is its address). `refresh` is a
/// `<meta http-equiv="refresh">` content: a page that reloads itself.
#[cfg(feature = "ssr")]
pub fn scriptless_document(
    lang: &str,
    title: String,
    stylesheet: &str,
    refresh: Option<String>,
    body: AnyView,
) -> String {
    view! {
        <!DOCTYPE html>
        <html lang=lang.to_string()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=stylesheet.to_string()/>
                <title>{title}</title>
                {refresh.map(|content| view! { <meta http-equiv="refresh" content=content/> })}
            </head>
            <body>{body}</body>
        </html>
    }
    .to_html()
}

#[cfg(test)]
mod tests {
    use super::{Bundle, PageFiles};

    #[test]
    fn the_start_script_names_each_bundles_files_and_its_islands_chunks() {
        let chunks = |names: &[&str]| names.iter().map(|name| format!("/pkg/{name}.wasm")).collect::<Vec<_>>();
        let seller = Bundle {
            script: "/pkg/k.js".into(),
            wasm: "/pkg/k.wasm".into(),
            islands: [
                ("till".to_string(), chunks(&["shared", "till"])),
                ("todays_payments".to_string(), chunks(&["payments"])),
            ]
            .into(),
        };
        let kiosk = Bundle { script: "/b/kiosk.js".into(), wasm: "/b/kiosk.wasm".into(), islands: Default::default() };
        let files = PageFiles::new("/pkg/k.css".into(), &[seller, kiosk]);
        assert!(
            files.start.ends_with(
                r#"([{"script":"/pkg/k.js","wasm":"/pkg/k.wasm","islands":{"till":["/pkg/shared.wasm","/pkg/till.wasm"],"todays_payments":["/pkg/payments.wasm"]}},{"script":"/b/kiosk.js","wasm":"/b/kiosk.wasm","islands":{}}]);"#
            ),
            "{}",
            files.start
        );
        assert!(PageFiles::new("/pkg/k.css".into(), &[]).start.ends_with("([]);"));
    }
}
