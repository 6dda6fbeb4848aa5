//! Which address a request comes from, for per-client limits: the
//! connection's peer, or behind a trusted proxy the address it appended to
//! `X-Forwarded-For` (the last entry: earlier ones are the client's to forge).

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

/// The request's client address, in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Without a connection (in-process tests) every request is one client.
const UNKNOWN: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

impl ClientAddress {
    pub fn of(request_extensions: &axum::http::Extensions) -> IpAddr {
        request_extensions.get::<ClientAddress>().map_or(UNKNOWN, |c| c.0)
    }
}

/// As an extractor: the address `remember` found (unknown without it).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(ClientAddress::of(&parts.extensions)))
    }
}

/// Said once per process: a proxy's header is there but not trusted.
static UNTRUSTED_PROXY_NOTED: AtomicBool = AtomicBool::new(false);

/// Puts [`ClientAddress`] on every request.
pub async fn remember(trust_forwarded_for: bool, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if !trust_forwarded_for
        && request.headers().contains_key("x-forwarded-for")
        && !UNTRUSTED_PROXY_NOTED.swap(true, Ordering::Relaxed)
    {
        // Behind a proxy every client would share its address, and with it
        // the waits after failed sign-ins.
        tracing::warn!(
            "requests carry X-Forwarded-For but security.trust_forwarded_for is off: if Kassa is behind a \
             reverse proxy, turn it on, or all clients share the proxy's address for the sign-in limits"
        );
    }
    let address = client_address(peer, request.headers(), trust_forwarded_for);
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = || {
        let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
        last.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    };
    match trust_forwarded_for.then(forwarded).flatten() {
        Some(address) => address,
        None => peer.unwrap_or(UNKNOWN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxys_entry_counts_only_when_the_proxy_is_trusted() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "1.1.1.1, 10.0.0.7".parse().unwrap());
        headers.append("x-forwarded-for", "198.51.100.4".parse().unwrap());
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(client_address(Some(peer), &headers, true), "198.51.100.4".parse::<IpAddr>().unwrap());
        assert_eq!(client_address(Some(peer), &headers, false), peer, "a client cannot name itself");
        assert_eq!(client_address(Some(peer), &HeaderMap::new(), true), peer);
        assert_eq!(client_address(None, &HeaderMap::new(), false), UNKNOWN);
    }
}
