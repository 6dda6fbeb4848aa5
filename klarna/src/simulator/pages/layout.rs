//! The page shell every simulator page shares, and its error pages.

use crate::simulator::format::escape;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#fff;color:#17120f}\
main{max-width:28rem;margin:0 auto;padding:1.5rem}\
header{background:#ffb3c7;padding:1rem 1.5rem;font-weight:700;font-size:1.25rem}\
table{width:100%;border-collapse:collapse}td{padding:.4rem 0;border-bottom:1px solid #eee}\
td.num{text-align:right}.total td{font-weight:700;border:none}\
button,.button{display:block;width:100%;min-height:3rem;margin:.6rem 0;border-radius:.5rem;border:1px solid #17120f;\
font-size:1.05rem;background:#fff;color:#17120f;cursor:pointer;text-align:center;text-decoration:none;line-height:3rem}\
button.primary{background:#17120f;color:#fff}.note{color:#5f5a57;font-size:.9rem}\
img.qr{display:block;width:min(18rem,80vw);height:auto;margin:1rem auto;image-rendering:pixelated}\
.link{word-break:break-all}.error{color:#b00020}.sent{color:#0a6b2d}\
label{display:block;margin:.6rem 0}input{font-size:1rem;padding:.4rem;max-width:100%}";

pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><header>Klarna <span class=\"note\">(simulator)</span></header><main>{body}</main></body></html>",
        title = escape(title)
    )
}

pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!("<h1>{}</h1><p class=\"error\">{}</p>", escape(title), escape(message));
    (status, Html(page(title, &body))).into_response()
}

pub fn expired_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Link not valid",
        "This payment link has expired or does not exist. Ask the store for a new one.",
    )
}
