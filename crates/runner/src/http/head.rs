//! Response headers built on first use.
//!
//! The direct path reads what the exchange itself needs (framing, keep-alive) straight off the
//! raw head and keeps the head's bytes; the `HeaderMap` a task sees through
//! [`Response::headers`](crate::Response::headers) is only built if something asks for it.
//! Most load-test tasks never look at response headers, so most responses never pay for
//! the map (a name lookup, a shared buffer reference and a hash insert per header).

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::sync::OnceLock;

/// Response headers parsed without a heap buffer (more are parsed with one).
pub(crate) const FEW_HEADERS: usize = 24;
/// Most response headers accepted.
pub(crate) const MAX_HEADERS: usize = 256;

/// Response headers: a ready map, or a raw HTTP/1.x head turned into one on first use.
pub(crate) struct LazyHeaders {
    /// A complete, already validated response head (status line, headers, blank line).
    raw: Bytes,
    map: OnceLock<HeaderMap>,
}

impl LazyHeaders {
    /// Headers that are already a map.
    pub(crate) fn built(map: HeaderMap) -> Self {
        Self {
            raw: Bytes::new(),
            map: OnceLock::from(map),
        }
    }

    /// Headers of the response head `raw`, which the wire reader has parsed and accepted.
    pub(crate) fn raw(raw: Bytes) -> Self {
        Self {
            raw,
            map: OnceLock::new(),
        }
    }

    /// The headers as a map (built now if needed).
    pub(crate) fn get(&self) -> &HeaderMap {
        self.map.get_or_init(|| build(&self.raw))
    }
}

/// The header map of a response head. The head was parsed and its names and values checked
/// when it was read, so nothing is dropped here in practice; a header the map would refuse
/// is left out rather than failing a response that has already been accepted.
fn build(raw: &Bytes) -> HeaderMap {
    if raw.is_empty() {
        return HeaderMap::new();
    }
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    let mut many;
    let mut resp = httparse::Response::new(&mut few);
    let parsed = match resp.parse(raw) {
        Err(httparse::Error::TooManyHeaders) => {
            many = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
            resp = httparse::Response::new(&mut many);
            resp.parse(raw)
        }
        other => other,
    };
    if !matches!(parsed, Ok(httparse::Status::Complete(_))) {
        return HeaderMap::new();
    }
    let base = raw.as_ptr() as usize;
    let mut map = HeaderMap::with_capacity(resp.headers.len());
    for h in resp.headers.iter() {
        let Ok(name) = HeaderName::from_bytes(h.name.as_bytes()) else {
            continue;
        };
        let start = h.value.as_ptr() as usize - base;
        let value = raw.slice(start..start + h.value.len());
        if let Ok(value) = HeaderValue::from_maybe_shared(value) {
            map.append(name, value);
        }
    }
    map
}
