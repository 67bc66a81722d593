//! What the misbehaving server can do, what a client must record for each, and the sorting of
//! a report's failure texts into those kinds.

use std::collections::BTreeMap;

/// How the server answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Behaviour {
    /// 200 with `Content-Length`, kept alive.
    WellFormed,
    /// 200, chunked, kept alive.
    Chunked,
    /// 200 written in small pieces with pauses, kept alive.
    Trickle,
    /// `100 Continue` and `103 Early Hints`, then 200, kept alive.
    Interim,
    /// 200 with `Connection: close`, then a clean close.
    ConnectionClose,
    /// An HTTP/1.0 answer whose body ends with the connection.
    Http10,
    /// 200 announcing keep-alive, then the connection is closed (answer and close together).
    CloseAfterAnswer,
    /// 500 or 503, well-formed, kept alive.
    ServerError,
    /// The connection is reset (RST) without a byte of answer.
    ResetAfterRead,
    /// The connection is closed (FIN, no close_notify) without a byte of answer.
    CloseWithoutAnswer,
    /// Bytes that are not HTTP, then a close.
    Garbage,
    /// A chunked body with a bad chunk-size line, then a close.
    BrokenChunked,
    /// `Content-Length: 100`, 10 bytes, then a close.
    TruncatedBody,
    /// Two different `Content-Length` headers.
    ConflictingLength,
    /// No answer at all, until the client gives up and closes.
    Stall,
}

/// What a client must record for a behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expect {
    /// A success.
    Success,
    /// `HTTP 5xx ...`.
    ServerError,
    /// `connection reset after the request was sent`.
    Reset,
    /// `connection closed before the response`.
    Closed,
    /// `invalid response: ...`.
    Invalid,
    /// `timeout: ...`.
    Timeout,
}

impl Behaviour {
    /// Every behaviour.
    pub const ALL: [Behaviour; 15] = [
        Behaviour::WellFormed,
        Behaviour::Chunked,
        Behaviour::Trickle,
        Behaviour::Interim,
        Behaviour::ConnectionClose,
        Behaviour::Http10,
        Behaviour::CloseAfterAnswer,
        Behaviour::ServerError,
        Behaviour::ResetAfterRead,
        Behaviour::CloseWithoutAnswer,
        Behaviour::Garbage,
        Behaviour::BrokenChunked,
        Behaviour::TruncatedBody,
        Behaviour::ConflictingLength,
        Behaviour::Stall,
    ];

    /// What the client must record.
    pub fn expect(self) -> Expect {
        match self {
            Behaviour::WellFormed
            | Behaviour::Chunked
            | Behaviour::Trickle
            | Behaviour::Interim
            | Behaviour::ConnectionClose
            | Behaviour::Http10
            | Behaviour::CloseAfterAnswer => Expect::Success,
            Behaviour::ServerError => Expect::ServerError,
            Behaviour::ResetAfterRead => Expect::Reset,
            Behaviour::CloseWithoutAnswer => Expect::Closed,
            Behaviour::Garbage
            | Behaviour::BrokenChunked
            | Behaviour::TruncatedBody
            | Behaviour::ConflictingLength => Expect::Invalid,
            Behaviour::Stall => Expect::Timeout,
        }
    }
}

/// The mix used by the fault tests: mostly well-formed, every misbehaviour present.
pub fn default_mix() -> Vec<(Behaviour, u32)> {
    vec![
        (Behaviour::WellFormed, 40),
        (Behaviour::Chunked, 5),
        (Behaviour::Trickle, 3),
        (Behaviour::Interim, 3),
        (Behaviour::ConnectionClose, 4),
        (Behaviour::Http10, 3),
        (Behaviour::CloseAfterAnswer, 8),
        (Behaviour::ServerError, 6),
        (Behaviour::ResetAfterRead, 8),
        (Behaviour::CloseWithoutAnswer, 4),
        (Behaviour::Garbage, 3),
        (Behaviour::BrokenChunked, 3),
        (Behaviour::TruncatedBody, 3),
        (Behaviour::ConflictingLength, 2),
        (Behaviour::Stall, 1),
    ]
}

/// A load test's failures, sorted into the kinds of [`Expect`]; a text of no known kind is
/// returned apart (a test fails on it).
pub fn classify<'a>(
    errors: impl IntoIterator<Item = (&'a str, u64)>,
) -> (BTreeMap<Expect, u64>, Vec<(String, u64)>) {
    let mut kinds = BTreeMap::new();
    let mut unknown = Vec::new();
    for (text, n) in errors {
        let kind = if text.starts_with("HTTP 5") {
            Some(Expect::ServerError)
        } else if text == "connection reset after the request was sent" {
            Some(Expect::Reset)
        } else if text == "connection closed before the response" {
            Some(Expect::Closed)
        } else if text.starts_with("invalid response: ") && text.len() > 18 {
            Some(Expect::Invalid)
        } else if text.starts_with("timeout: ") {
            Some(Expect::Timeout)
        } else {
            None
        };
        match kind {
            Some(k) => *kinds.entry(k).or_insert(0) += n,
            None => unknown.push((text.to_string(), n)),
        }
    }
    (kinds, unknown)
}
