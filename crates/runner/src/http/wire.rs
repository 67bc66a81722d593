//! HTTP/1.1 on the wire for the direct path: write one request, read one response.
//!
//! Only what plain `http://` keep-alive traffic needs: `Content-Length`, `chunked` and
//! read-until-close bodies, `Connection: close`, HTTP/1.0 peers. Anything else is an error
//! that the caller reports like reqwest's (the request fails; the connection is dropped).

use super::head::{LazyHeaders, FEW_HEADERS, MAX_HEADERS};
use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest response head accepted (status line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// First read buffer size; grows as needed.
const READ_CHUNK: usize = 4096;

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum WireError {
    /// The peer closed (or reset) the connection before the first byte of the response.
    ClosedBeforeResponse(std::io::Error),
    /// Any other I/O error.
    Io(std::io::Error),
    /// The response is not valid HTTP/1.x.
    Invalid(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::ClosedBeforeResponse(e) => {
                write!(f, "connection closed before message completed: {e}")
            }
            WireError::Io(e) => write!(f, "{e}"),
            WireError::Invalid(m) => write!(f, "invalid HTTP response: {m}"),
        }
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

/// Write `request` and read the response to `method`.
pub(crate) async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    method: &Method,
) -> Result<WireResponse, WireError> {
    stream
        .write_all(request)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset => {
                WireError::ClosedBeforeResponse(e)
            }
            _ => WireError::Io(e),
        })?;
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let Head { raw, scanned } = read_head(stream, &mut buf).await?;
    let status = scanned.status;
    let no_body = *method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let mut keep_alive = scanned.keep_alive;
    let body = if no_body {
        Bytes::new()
    } else if scanned.chunked {
        read_chunked(stream, &mut buf).await?
    } else if let Some(len) = scanned.content_length {
        let len = len.map_err(|()| WireError::Invalid("bad content-length".into()))?;
        read_exact_body(stream, &mut buf, len).await?
    } else {
        keep_alive = false;
        read_to_close(stream, &mut buf).await?
    };
    if !buf.is_empty() {
        // Bytes after the response: the connection's framing cannot be trusted any more.
        keep_alive = false;
    } else if keep_alive {
        // The response is complete and an HTTP/1.1 server sends nothing unasked: forget the
        // read readiness left from this response, so the next response is awaited through
        // the reactor at once instead of first trying a read that can only block. (A later
        // close by the server is a new readiness event, which this does not clear.)
        let _ = stream.try_io(tokio::io::Interest::READABLE, || {
            Err::<(), _>(std::io::ErrorKind::WouldBlock.into())
        });
    }
    Ok(WireResponse {
        status,
        headers: LazyHeaders::raw(raw),
        set_cookie: scanned.set_cookie,
        body,
        keep_alive,
    })
}

async fn fill(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<usize, WireError> {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(buf.capacity().max(READ_CHUNK));
    }
    stream.read_buf(buf).await.map_err(WireError::Io)
}

async fn read_head(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<Head, WireError> {
    loop {
        match stream.read_buf(buf).await {
            Ok(0) if buf.is_empty() => {
                return Err(WireError::ClosedBeforeResponse(
                    std::io::ErrorKind::UnexpectedEof.into(),
                ))
            }
            Ok(0) => {
                return Err(WireError::Invalid(
                    "connection closed inside the head".into(),
                ))
            }
            Ok(_) => {}
            Err(e) if buf.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Err(WireError::ClosedBeforeResponse(e))
            }
            Err(e) => return Err(WireError::Io(e)),
        }
        if let Some(head) = parse_head(buf)? {
            return Ok(head);
        }
        if buf.len() > MAX_HEAD {
            return Err(WireError::Invalid(
                "response head larger than 64 KiB".into(),
            ));
        }
        if buf.capacity() == buf.len() {
            buf.reserve(READ_CHUNK);
        }
    }
}

/// What the exchange needs from a response head, read without building a header map.
struct Scanned {
    status: StatusCode,
    /// Head length in bytes.
    len: usize,
    /// The first `Content-Length` value, if any (`Err`: not a number).
    content_length: Option<Result<usize, ()>>,
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
            if content_length.is_none() {
                content_length = Some(
                    visible_ascii(h.value)
                        .and_then(|s| s.trim().parse::<usize>().ok())
                        .ok_or(()),
                );
            }
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
    Ok(Ok(Some(Scanned {
        status,
        len,
        content_length,
        chunked,
        keep_alive: !close && !close_seen,
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

async fn read_exact_body(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    len: usize,
) -> Result<Bytes, WireError> {
    if buf.len() < len {
        buf.reserve(len - buf.len());
    }
    while buf.len() < len {
        if stream.read_buf(buf).await.map_err(WireError::Io)? == 0 {
            return Err(WireError::Invalid(
                "connection closed inside the body".into(),
            ));
        }
    }
    Ok(buf.split_to(len).freeze())
}

async fn read_to_close(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<Bytes, WireError> {
    while fill(stream, buf).await? > 0 {}
    Ok(buf.split().freeze())
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<Bytes, WireError> {
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
                    if fill(stream, buf).await? == 0 {
                        return Err(WireError::Invalid(
                            "connection closed inside a chunk".into(),
                        ));
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
                } else if fill(stream, buf).await? == 0 {
                    return Err(WireError::Invalid("connection closed in trailers".into()));
                }
            }
        }
        while buf.len() < size + 2 {
            if fill(stream, buf).await? == 0 {
                return Err(WireError::Invalid(
                    "connection closed inside a chunk".into(),
                ));
            }
        }
        body.extend_from_slice(&buf[..size]);
        if &buf[size..size + 2] != b"\r\n" {
            return Err(WireError::Invalid("chunk not followed by CRLF".into()));
        }
        let _ = buf.split_to(size + 2);
    }
}
