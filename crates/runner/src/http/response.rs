//! The result of a request, with Locust-style `success()`/`failure()` marking.

use super::head::LazyHeaders;
use crate::error::TaskError;
use crate::record::Sink;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::borrow::Cow;
use std::sync::Arc;

/// What came back (or the error), before it is wrapped in a [`Response`].
pub(crate) struct Outcome {
    status: Option<StatusCode>,
    headers: LazyHeaders,
    url: Option<url::Url>,
    body: Bytes,
    pub(crate) error: Option<String>,
}

impl Outcome {
    pub(crate) fn received(
        status: StatusCode,
        headers: LazyHeaders,
        url: url::Url,
        body: Bytes,
    ) -> Self {
        let error = if status.is_client_error() || status.is_server_error() {
            Some(match status.canonical_reason() {
                Some(reason) => format!("HTTP {} {}", status.as_u16(), reason),
                None => format!("HTTP {}", status.as_u16()),
            })
        } else {
            None
        };
        Self {
            status: Some(status),
            headers,
            url: Some(url),
            body,
            error,
        }
    }

    pub(crate) fn failed(error: String) -> Self {
        Self {
            status: None,
            headers: LazyHeaders::built(HeaderMap::new()),
            url: None,
            body: Bytes::new(),
            error: Some(error),
        }
    }

    pub(crate) fn content_length(&self) -> u64 {
        self.body.len() as u64
    }
}

/// A `catch_response` record waiting for the task's verdict.
pub(crate) struct Pending {
    pub(crate) sink: Arc<Sink>,
    pub(crate) method: Method,
    pub(crate) name: Cow<'static, str>,
    pub(crate) corrected: Option<u64>,
}

/// A completed request: status, headers, the body (already read), timing and outcome.
///
/// For a request sent with [`catch_response`](crate::Request::catch_response), call
/// [`success`](Self::success) or [`failure`](Self::failure); the record is written when the
/// response is dropped (with the default verdict if neither was called).
pub struct Response {
    outcome: Outcome,
    response_time_us: u64,
    pending: Option<Pending>,
}

impl Response {
    pub(crate) fn from_outcome(
        outcome: Outcome,
        response_time_us: u64,
        pending: Option<Pending>,
    ) -> Self {
        Self {
            outcome,
            response_time_us,
            pending,
        }
    }

    /// The status, or `None` if no response arrived (connection/TLS error, timeout).
    pub fn status(&self) -> Option<StatusCode> {
        self.outcome.status
    }

    /// The numeric status, `0` if no response arrived (as Locust).
    pub fn status_code(&self) -> u16 {
        self.outcome.status.map_or(0, |s| s.as_u16())
    }

    /// Whether the request currently counts as a success.
    pub fn ok(&self) -> bool {
        self.outcome.error.is_none()
    }

    /// The failure text (e.g. `HTTP 404 Not Found`, `timeout`, `connection error: ...`).
    pub fn error(&self) -> Option<&str> {
        self.outcome.error.as_deref()
    }

    /// Response headers (empty if no response arrived).
    pub fn headers(&self) -> &HeaderMap {
        self.outcome.headers.get()
    }

    /// The final URL (after redirects), if a response arrived.
    pub fn url(&self) -> Option<&url::Url> {
        self.outcome.url.as_ref()
    }

    /// The body bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.outcome.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.outcome.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, TaskError> {
        serde_json::from_slice(&self.outcome.body).map_err(TaskError::from)
    }

    /// Response time in microseconds (send → body read).
    pub fn response_time_us(&self) -> u64 {
        self.response_time_us
    }

    /// Mark the request successful (only meaningful with `catch_response`).
    pub fn success(&mut self) {
        self.outcome.error = None;
    }

    /// Mark the request failed with `message` (only meaningful with `catch_response`).
    pub fn failure(&mut self, message: impl Into<String>) {
        self.outcome.error = Some(message.into());
    }
}

impl Drop for Response {
    fn drop(&mut self) {
        if let Some(p) = self.pending.take() {
            p.sink.record(
                p.method.as_str(),
                &p.name,
                self.response_time_us,
                p.corrected,
                self.outcome.content_length(),
                self.outcome.error.as_deref(),
            );
        }
    }
}

/// Where a reqwest request failed: before the response head arrived, or reading the body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Head,
    Body,
}

/// The innermost error of `e`'s source chain, as text.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut root = e;
    while let Some(s) = root.source() {
        root = s;
    }
    root.to_string()
}

/// `e` and its sources. An `io::Error`'s own `source` skips the error it wraps, so that one
/// is added by hand (it is where tokio-rustls puts a `rustls::Error`).
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(e);
    while let Some(cur) = next {
        out.push(cur);
        next = match cur
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => cur.source(),
        };
    }
    out
}

/// Whether hyper handed the request back without writing it (its connection closed first).
pub(crate) fn never_sent(e: &reqwest::Error) -> bool {
    chain(e)
        .iter()
        .filter_map(|c| c.downcast_ref::<hyper::Error>())
        .any(hyper::Error::is_canceled)
}

/// A short, groupable description of a reqwest failure, in the direct path's words: the
/// same event gives the same text whichever path a request took.
pub(crate) fn describe_failure(
    e: &reqwest::Error,
    phase: Phase,
    timeouts: super::request::Timeouts,
) -> String {
    use std::io::ErrorKind;
    if e.is_timeout() {
        if let (true, Some(c)) = (e.is_connect(), timeouts.connect) {
            return super::connect_timeout_text(c);
        }
        return timeouts
            .request
            .map_or_else(|| "timeout".to_string(), super::timeout_text);
    }
    let chain = chain(e);
    if let Some(t) = chain.iter().find_map(|c| c.downcast_ref::<rustls::Error>()) {
        return super::tls::describe(t);
    }
    let root = root_cause(e);
    if e.is_connect() {
        return format!("connection error: {root}");
    }
    if e.is_redirect() {
        return format!("redirect error: {root}");
    }
    if e.is_builder() {
        return format!("request error: {root}");
    }
    let io = chain
        .iter()
        .find_map(|c| c.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    let hyper = chain.iter().find_map(|c| c.downcast_ref::<hyper::Error>());
    let reset = matches!(
        io,
        Some(ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted)
    );
    let closed = hyper.is_some_and(hyper::Error::is_incomplete_message)
        || io == Some(ErrorKind::UnexpectedEof);
    match phase {
        Phase::Head if io == Some(ErrorKind::BrokenPipe) => {
            "connection reset while sending the request".into()
        }
        Phase::Head if reset => "connection reset after the request was sent".into(),
        Phase::Head if closed => "connection closed before the response".into(),
        Phase::Head if hyper.is_some_and(hyper::Error::is_canceled) => {
            "connection closed before the request was sent".into()
        }
        Phase::Head if hyper.is_some_and(hyper::Error::is_parse) => {
            format!("invalid response: {root}")
        }
        Phase::Head => format!("request failed: {root}"),
        Phase::Body if reset || io == Some(ErrorKind::BrokenPipe) => {
            "invalid response: connection reset inside the body".into()
        }
        Phase::Body if closed => "invalid response: connection closed inside the body".into(),
        Phase::Body => format!("invalid response: {root}"),
    }
}
