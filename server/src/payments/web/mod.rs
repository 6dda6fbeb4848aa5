//! The web checkout door: the merchant URLs Kassa gives Klarna when a
//! website redirects the shopper to the Hosted Payment Page, and what
//! happens when Klarna sends the shopper back.

mod arrival;
pub(crate) mod urls;

pub use arrival::{Arrival, ReturnQuery};
pub use urls::{merchant_urls, returns_to_shop, verified_outcome, Outcome, ShopReturnUrls};
