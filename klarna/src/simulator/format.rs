//! Text as the shopper reads it: HTML escaping and amounts.

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Minor units as `12.50 SEK`, on pages and in distributed messages.
pub fn money(minor: i64, currency: &str) -> String {
    format!("{}.{:02} {}", minor / 100, (minor % 100).abs(), escape(&currency.to_uppercase()))
}
