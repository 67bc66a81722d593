//! HTTP/1.1 on the wire for the direct path: write one request, read one response, over any
//! byte stream (plain TCP or TLS).
//!
//! Only what keep-alive request/response traffic needs: `Content-Length`, `chunked` and
//! read-until-close bodies, interim `1xx` responses, `Connection: close`, HTTP/1.0 peers.
//! Anything else is an `invalid response` (the request fails; the connection is dropped).
//! Every way an exchange can fail has its own text, so that a report tells a reset after the
//! request was sent from a connection closed before the response or a body cut short.

use super::head::{LazyHeaders, FEW_HEADERS, MAX_HEADERS};
use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest response head accepted (status line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// First read buffer size; grows as needed.
const READ_CHUNK: usize = 4096;
/// Interim (1xx) responses skipped at most before the final one.
const MAX_INTERIM: usize = 16;

/// A byte stream the wire protocol runs over.
pub(crate) trait WireStream: AsyncRead + AsyncWrite + Unpin {
    /// Called when a response is complete and the connection may be kept: prepares it for
    /// being idle, and says whether it can carry another request.
    fn settle(&mut self) -> bool;
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum WireError {
    /// Writing the request failed.
    Send(std::io::Error),
    /// The request was sent; the connection was reset before any byte of the response.
    ResetAfterSent,
    /// The request was sent; the connection was closed before any byte of the response.
    ClosedBeforeResponse,
    /// The response is not valid HTTP/1.x, or was cut short.
    Invalid(String),
    /// TLS failed (certificate, alert, bad record).
    Tls(rustls::Error),
    /// Any other I/O error.
    Io(std::io::Error),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Send(e) if is_reset(e) => {
                f.write_str("connection reset while sending the request")
            }
            WireError::Send(e) => write!(f, "connection error while sending the request: {e}"),
            WireError::ResetAfterSent => f.write_str("connection reset after the request was sent"),
            WireError::ClosedBeforeResponse => f.write_str("connection closed before the response"),
            WireError::Invalid(m) => write!(f, "invalid response: {m}"),
            WireError::Tls(e) => f.write_str(&super::tls::describe(e)),
            WireError::Io(e) => write!(f, "connection error: {e}"),
        }
    }
}

fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
    )
}

/// A close without TLS close_notify (rustls reports it as an error).
fn is_eof(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::UnexpectedEof && super::tls::rustls_error(e).is_none()
}

/// How much of the response had arrived when reading failed.
#[derive(Clone, Copy)]
enum Part {
    /// Nothing yet.
    Nothing,
    Head,
    Body,
}

/// The error for a failed read (`Ok(0)` reads are handled by the callers).
fn read_failed(e: std::io::Error, part: Part) -> WireError {
    if let Some(t) = super::tls::rustls_error(&e) {
        return WireError::Tls(t.clone());
    }
    let reset = is_reset(&e);
    // rustls reports a TCP close without a TLS close_notify as `UnexpectedEof`.
    let closed = e.kind() == ErrorKind::UnexpectedEof;
    match part {
        Part::Nothing if reset => WireError::ResetAfterSent,
        Part::Nothing if closed => WireError::ClosedBeforeResponse,
        Part::Head if reset => WireError::Invalid("connection reset inside the head".into()),
        Part::Head if closed => WireError::Invalid("connection closed inside the head".into()),
        Part::Body if reset => WireError::Invalid("connection reset inside the body".into()),
        Part::Body if closed => WireError::Invalid("connection closed inside the body".into()),
        _ => WireError::Io(e),
    }
}

/// A response read off the wire.
pub(crate) struct WireResponse {
    pub(crate) status: StatusCode,
    /// The headers, as a map only once asked for.
    pub(crate) headers: LazyHeaders,
    pub(crate) body: Bytes,
    /// Whether the head has a `Set-Cookie` header (the map is needed for the cookie jar).
    pub(crate) set_cookie: bool,
    /// Whether the connection may carry another request.
    pub(crate) keep_alive: bool,
}

/// Serialize a request head (and body) into one buffer.
pub(crate) fn encode_request(
    method: &Method,
    target: &str,
    host: &str,
    headers: &HeaderMap,
    extra: &[(&str, &[u8])],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let body_len = body.map_or(0, <[u8]>::len);
    let mut out = Vec::with_capacity(128 + target.len() + body_len + 40 * headers.len());
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if name == reqwest::header::HOST || name == reqwest::header::CONTENT_LENGTH {
            continue;
        }
        push_header(&mut out, name.as_str(), value.as_bytes());
    }
    for (name, value) in extra {
        push_header(&mut out, name, value);
    }
    let needs_length = body.is_some()
        || matches!(*method, Method::POST | Method::PUT | Method::PATCH)
        || headers.contains_key(reqwest::header::CONTENT_LENGTH);
    if needs_length {
        push_header(&mut out, "content-length", body_len.to_string().as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    if let Some(b) = body {
        out.extend_from_slice(b);
    }
    out
}

fn push_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Write `request` and read the response to `method`. `written` turns true just before the
/// request's bytes are handed to the stream (from then on the server may have read them).
pub(crate) async fn exchange<S: WireStream>(
    stream: &mut S,
    request: &[u8],
    method: &Method,
    written: &AtomicBool,
) -> Result<WireResponse, WireError> {
    written.store(true, Ordering::Relaxed);
    stream.write_all(request).await.map_err(send_failed)?;
    stream.flush().await.map_err(send_failed)?;
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut head = read_head(stream, &mut buf, Part::Nothing).await?;
    let mut interim = 0;
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    while head.scanned.status.is_informational()
        && head.scanned.status != StatusCode::SWITCHING_PROTOCOLS
    {
        interim += 1;
        if interim > MAX_INTERIM {
            return Err(WireError::Invalid(format!(
                "more than {MAX_INTERIM} interim (1xx) responses"
            )));
        }
        head = read_head(stream, &mut buf, Part::Head).await?;
    }
    let Head { raw, scanned } = head;
    let status = scanned.status;
    let no_body = *method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let mut keep_alive = scanned.keep_alive && status != StatusCode::SWITCHING_PROTOCOLS;
    let body = if no_body {
        Bytes::new()
    } else if scanned.chunked {
        read_chunked(stream, &mut buf).await?
    } else if let Some(len) = scanned.content_length {
        let len = len.map_err(WireError::Invalid)?;
        read_exact_body(stream, &mut buf, len).await?
    } else {
        keep_alive = false;
        read_to_close(stream, &mut buf).await?
    };
    // Bytes after the response: the connection's framing cannot be trusted any more.
    keep_alive = keep_alive && buf.is_empty() && stream.settle();
    Ok(WireResponse {
        status,
        headers: LazyHeaders::raw(raw),
        set_cookie: scanned.set_cookie,
        body,
        keep_alive,
    })
}

fn send_failed(e: std::io::Error) -> WireError {
    match super::tls::rustls_error(&e) {
        Some(t) => WireError::Tls(t.clone()),
        None => WireError::Send(e),
    }
}

/// Read more bytes into `buf` (`Ok(0)`: the peer closed).
async fn fill<S: WireStream>(
    stream: &mut S,
    buf: &mut BytesMut,
    part: Part,
) -> Result<usize, WireError> {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(buf.capacity().max(READ_CHUNK));
    }
    stream.read_buf(buf).await.map_err(|e| read_failed(e, part))
}

/// Read one response head. `part` is `Nothing` for the first head of a response (no byte of
/// it has arrived yet) and `Head` after an interim response.
async fn read_head<S: WireStream>(
    stream: &mut S,
    buf: &mut BytesMut,
    part: Part,
) -> Result<Head, WireError> {
    loop {
        if !buf.is_empty() {
            if let Some(head) = parse_head(buf)? {
                return Ok(head);
            }
            if buf.len() > MAX_HEAD {
                return Err(WireError::Invalid(
                    "response head larger than 64 KiB".into(),
                ));
            }
        }
        if buf.capacity() == buf.len() {
            buf.reserve(READ_CHUNK);
        }
        let so_far = if buf.is_empty() { part } else { Part::Head };
        match stream.read_buf(buf).await {
            Ok(0) => {
                return Err(match so_far {
                    Part::Nothing => WireError::ClosedBeforeResponse,
                    _ => WireError::Invalid("connection closed inside the head".into()),
                })
            }
            Ok(_) => {}
            Err(e) => return Err(read_failed(e, so_far)),
        }
    }
}

/// What the exchange needs from a response head, read without building a header map.
struct Scanned {
    status: StatusCode,
    /// Head length in bytes.
    len: usize,
    /// The `Content-Length` value, if any (`Err`: not a number, or several that disagree).
    content_length: Option<Result<usize, String>>,
    chunked: bool,
    keep_alive: bool,
    set_cookie: bool,
}

/// Parse a complete head off the front of `buf` (`None`: more bytes needed). The head's
/// bytes are kept as they are; a header map is built from them only if someone asks.
fn parse_head(buf: &mut BytesMut) -> Result<Option<Head>, WireError> {
    let scanned = {
        let bytes: &[u8] = buf;
        let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
        match scan(bytes, &mut few) {
            Err(httparse::Error::TooManyHeaders) => {
                let mut many = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
                scan(bytes, &mut many)
            }
            other => other,
        }
    };
    let Some(s) = scanned.map_err(|e| WireError::Invalid(e.to_string()))?? else {
        return Ok(None);
    };
    let raw = buf.split_to(s.len).freeze();
    Ok(Some(Head { raw, scanned: s }))
}

/// A complete head: its bytes and what was read from them.
struct Head {
    raw: Bytes,
    scanned: Scanned,
}

type ScanResult = Result<Result<Option<Scanned>, WireError>, httparse::Error>;

/// httparse checks every header name (a token) and value (no control bytes but tab) as the
/// header map does, so the map built later from the same bytes accepts them all.
fn scan<'b>(bytes: &'b [u8], raw: &mut [httparse::Header<'b>]) -> ScanResult {
    let mut resp = httparse::Response::new(raw);
    let len = match resp.parse(bytes)? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(Ok(None)),
    };
    let code = resp.code.unwrap_or(0);
    let Ok(status) = StatusCode::from_u16(code) else {
        return Ok(Err(WireError::Invalid(format!("status code {code}"))));
    };
    let mut content_length = None;
    let mut chunked = false;
    let mut set_cookie = false;
    // HTTP/1.0 closes unless told otherwise; `close` anywhere wins.
    let mut close = resp.version != Some(1);
    let mut close_seen = false;
    for h in resp.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            let value = visible_ascii(h.value)
                .and_then(|s| s.trim().parse::<usize>().ok())
                .ok_or_else(|| "bad content-length".to_string());
            content_length = match (content_length, value) {
                (None, v) => Some(v),
                (Some(Ok(a)), Ok(b)) if a == b => Some(Ok(a)),
                (Some(Err(e)), _) | (_, Err(e)) => Some(Err(e)),
                (Some(Ok(_)), Ok(_)) => Some(Err("conflicting content-length headers".into())),
            };
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = chunked
                || visible_ascii(h.value).is_some_and(|v| {
                    v.split(',')
                        .any(|t| t.trim().eq_ignore_ascii_case("chunked"))
                });
        } else if name.eq_ignore_ascii_case(b"set-cookie") {
            set_cookie = true;
        } else if name.eq_ignore_ascii_case(b"connection") {
            let v = visible_ascii(h.value).unwrap_or("");
            for token in v.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close_seen = true;
                }
                if token.eq_ignore_ascii_case("keep-alive") {
                    close = false;
                }
            }
        }
    }
    // Both framings: chunked wins, and the connection is not reused (RFC 9112, 6.3).
    let ambiguous = chunked && content_length.is_some();
    Ok(Ok(Some(Scanned {
        status,
        len,
        content_length,
        chunked,
        keep_alive: !close && !close_seen && !ambiguous,
        set_cookie,
    })))
}

/// The value as text if it is visible ASCII (and tabs), as `HeaderValue::to_str` allows.
fn visible_ascii(v: &[u8]) -> Option<&str> {
    if v.iter().all(|&b| b == b'\t' || (32..127).contains(&b)) {
        std::str::from_utf8(v).ok()
    } else {
        None
    }
}

async fn read_exact_body<S: WireStream>(
    stream: &mut S,
    buf: &mut BytesMut,
    len: usize,
) -> Result<Bytes, WireError> {
    if buf.len() < len {
        buf.reserve(len - buf.len());
    }
    while buf.len() < len {
        let n = match stream.read_buf(buf).await {
            Ok(n) => n,
            // rustls: the TCP connection closed without a TLS close_notify.
            Err(e) if is_eof(&e) => 0,
            Err(e) => return Err(read_failed(e, Part::Body)),
        };
        if n == 0 {
            return Err(WireError::Invalid(format!(
                "connection closed inside the body ({} of {len} bytes)",
                buf.len()
            )));
        }
    }
    Ok(buf.split_to(len).freeze())
}

/// A body without length or chunks ends when the server closes the connection. Over TLS a
/// close without close_notify ends it as well (as most clients allow for such bodies).
async fn read_to_close<S: WireStream>(
    stream: &mut S,
    buf: &mut BytesMut,
) -> Result<Bytes, WireError> {
    loop {
        match fill(stream, buf, Part::Body).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(WireError::Invalid(m)) if m == "connection closed inside the body" => break,
            Err(e) => return Err(e),
        }
    }
    Ok(buf.split().freeze())
}

async fn read_chunked<S: WireStream>(
    stream: &mut S,
    buf: &mut BytesMut,
) -> Result<Bytes, WireError> {
    let closed = || WireError::Invalid("connection closed inside a chunk".into());
    let mut body = BytesMut::new();
    loop {
        // Chunk-size line.
        let size = loop {
            match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((used, size))) => {
                    let _ = buf.split_to(used);
                    break usize::try_from(size)
                        .map_err(|_| WireError::Invalid("chunk too large".into()))?;
                }
                Ok(httparse::Status::Partial) => {
                    if fill(stream, buf, Part::Body).await? == 0 {
                        return Err(closed());
                    }
                }
                Err(_) => return Err(WireError::Invalid("bad chunk size".into())),
            }
        };
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                if let Some(pos) = buf.windows(2).position(|w| w == b"\r\n") {
                    let line = buf.split_to(pos + 2);
                    if line.len() == 2 {
                        return Ok(body.freeze());
                    }
                } else if fill(stream, buf, Part::Body).await? == 0 {
                    return Err(WireError::Invalid("connection closed in trailers".into()));
                }
            }
        }
        while buf.len() < size + 2 {
            if fill(stream, buf, Part::Body).await? == 0 {
                return Err(closed());
            }
        }
        body.extend_from_slice(&buf[..size]);
        if &buf[size..size + 2] != b"\r\n" {
            return Err(WireError::Invalid("chunk not followed by CRLF".into()));
        }
        let _ = buf.split_to(size + 2);
    }
}
