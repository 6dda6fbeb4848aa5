//! The HTML document around every app page, and how it starts the app's
//! code in the browser; and the document around a page that runs no script.

use crate::App;
use leptos::prelude::*;
use leptos_meta::MetaTags;

/// The files an app page loads, which the server works out once at start
/// (with `hash-files` their names carry hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageFiles {
    pub stylesheet: String,
    /// The start script (below) naming the bundle's JavaScript module
    /// (wasm-bindgen's glue) and its wasm: written once, not at every render.
    start: String,
}

impl PageFiles {
    pub fn new(stylesheet: String, script: &str, wasm: &str) -> PageFiles {
        let start = format!("{}({script:?}, {wasm:?});", include_str!("start_after_paint.js").trim_end());
        PageFiles { stylesheet, start }
    }
}

/// The document around every app page.
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

/// Loads and hydrates the app once the server-rendered page is painted.
///
/// In place of Leptos's `HydrationScripts`, which preloads the bundle and
/// (through the split manifest it provides) each view's chunks from the
/// head: a browser fetches those at high priority alongside the stylesheet,
/// so on a slow link about 400 KB of wasm delays a page that needs none of
/// it to be read or used. Without the manifest in context Leptos adds no
/// chunk preloads either; a view's chunks load when hydration reaches it.
#[component]
fn StartAfterFirstPaint(start: String) -> impl IntoView {
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
