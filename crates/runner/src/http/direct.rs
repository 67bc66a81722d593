//! The direct path for plain `http://` requests to the class's own host.
//!
//! reqwest sends every request through hyper's pool and a separate connection task (two task
//! wake-ups and a channel per request) and re-parses the URL. For plain HTTP/1.1 keep-alive
//! traffic, the bulk of a load test, each user instead keeps ONE connection of its own and
//! writes the request / reads the response inline in its task: no lock, no channel, no
//! second task. Behaviour matches the reqwest path: the same headers (`user-agent`,
//! `accept: */*`, the user's cookies), timeouts, up to 10 redirects (same-origin hops here;
//! a hop elsewhere is handed to reqwest), and failures described the same way.
//!
//! It is used only when nothing reqwest-specific is configured: no `client(...)` hook on the
//! class, no proxy in the environment, not disabled with
//! [`UserClassBuilder::reqwest_only`](crate::UserClassBuilder::reqwest_only); and per request
//! only for an `http://` URL on the class's host with no body or an in-memory one.

use super::response::Outcome;
use super::wire::{self, WireError, WireResponse};
use bytes::Bytes;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use url::{Position, Url};

/// A connection idle at least this long is checked for a close by the server before reuse.
const IDLE_CHECK_AFTER: Duration = Duration::from_secs(1);
/// Redirects followed at most (as reqwest's default policy).
const MAX_REDIRECTS: usize = 10;

/// Per class: where and how to connect.
#[derive(Debug)]
pub(crate) struct Direct {
    host: String,
    port: u16,
    /// `Host` header value (`host[:port]`).
    authority: String,
    user_agent: HeaderValue,
    request_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
}

/// One user's connection.
#[derive(Debug)]
pub(crate) struct Conn {
    stream: TcpStream,
    last_used: Instant,
}

/// What the direct path did with a request.
pub(crate) enum Sent {
    /// Finished (response or failure).
    Done(Outcome),
    /// A redirect left the class's host: reqwest finishes the request.
    Handoff(reqwest::Request),
}

impl Direct {
    /// The direct path for a class whose base URL is `base`, or `None` if it cannot apply.
    pub(crate) fn for_class(
        base: Option<&Url>,
        user_agent: &str,
        request_timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
    ) -> Option<Self> {
        let base = base?;
        if base.scheme() != "http" || proxy_configured() {
            return None;
        }
        let host = base.host_str()?.to_string();
        let port = base.port_or_known_default()?;
        let authority = match base.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let connect_host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Some(Self {
            host: connect_host,
            port,
            authority,
            user_agent: HeaderValue::from_str(user_agent).ok()?,
            request_timeout,
            connect_timeout,
        })
    }

    /// Whether `url` is plain HTTP on this class's host and port.
    pub(crate) fn serves(&self, url: &Url) -> bool {
        url.scheme() == "http"
            && url.port_or_known_default() == Some(self.port)
            && url
                .host_str()
                .is_some_and(|h| h.trim_start_matches('[').trim_end_matches(']') == self.host)
    }

    /// Send `request` (which [`serves`](Self::serves) accepted, body in memory or none),
    /// timed from `start` (the caller's clock reading when it began the request, also used
    /// for the connection's idle check and last use: no further clock reads per request).
    pub(crate) async fn send(
        &self,
        conn: &mut Option<Conn>,
        jar: &mut Option<Box<Jar>>,
        request: reqwest::Request,
        start: Instant,
    ) -> Sent {
        // A limit too far away to be an `Instant` is no limit.
        let deadline = request
            .timeout()
            .copied()
            .or(self.request_timeout)
            .and_then(|t| start.checked_add(t));
        let run = self.follow(conn, jar, request, start);
        match deadline {
            None => run.await,
            Some(d) => match tokio::time::timeout_at(d.into(), run).await {
                Ok(sent) => sent,
                Err(_) => {
                    // The exchange was cut in the middle: the connection is unusable.
                    *conn = None;
                    Sent::Done(Outcome::failed("timeout".to_string()))
                }
            },
        }
    }

    async fn follow(
        &self,
        conn: &mut Option<Conn>,
        jar: &mut Option<Box<Jar>>,
        mut request: reqwest::Request,
        start: Instant,
    ) -> Sent {
        let mut method = request.method().clone();
        let mut url = request.url().clone();
        let mut headers = std::mem::take(request.headers_mut());
        let mut body: Option<Bytes> = request
            .body()
            .and_then(|b| b.as_bytes())
            .map(Bytes::copy_from_slice);
        for hop in 0..=MAX_REDIRECTS {
            if !self.serves(&url) {
                let mut next = reqwest::Request::new(method, url);
                *next.headers_mut() = headers;
                *next.body_mut() = body.map(reqwest::Body::from);
                *next.timeout_mut() = request.timeout().copied();
                return Sent::Handoff(next);
            }
            let cookie = if headers.contains_key(header::COOKIE) {
                None
            } else {
                jar.as_ref().and_then(|j| j.cookies(&url))
            };
            let none: &[u8] = &[];
            let mut extra: [(&str, &[u8]); 3] = [("", none); 3];
            let mut n = 0;
            if !headers.contains_key(header::USER_AGENT) {
                extra[n] = ("user-agent", self.user_agent.as_bytes());
                n += 1;
            }
            if !headers.contains_key(header::ACCEPT) {
                extra[n] = ("accept", b"*/*");
                n += 1;
            }
            if let Some(c) = &cookie {
                extra[n] = ("cookie", c.as_bytes());
                n += 1;
            }
            let extra = &extra[..n];
            let target = &url[Position::BeforePath..Position::AfterQuery];
            let bytes = wire::encode_request(
                &method,
                target,
                &self.authority,
                &headers,
                extra,
                body.as_deref(),
            );
            let resp = match self.exchange(conn, &bytes, &method, start).await {
                Ok(r) => r,
                Err(text) => return Sent::Done(Outcome::failed(text)),
            };
            if resp.set_cookie {
                let mut set_cookies = resp.headers.get().get_all(header::SET_COOKIE).iter();
                jar.get_or_insert_with(Default::default)
                    .set_cookies(&mut set_cookies, &url);
            }
            let next = redirect_target(&resp, &url);
            let Some(next) = next else {
                return Sent::Done(Outcome::received(resp.status, resp.headers, url, resp.body));
            };
            if hop == MAX_REDIRECTS {
                return Sent::Done(Outcome::failed(format!(
                    "redirect error: too many redirects ({MAX_REDIRECTS}) at {url}"
                )));
            }
            let status = resp.status;
            let to_get = status == StatusCode::SEE_OTHER
                || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                    && method == Method::POST);
            if to_get && method != Method::HEAD {
                method = Method::GET;
                body = None;
                for h in [
                    header::CONTENT_TYPE,
                    header::CONTENT_LENGTH,
                    header::CONTENT_ENCODING,
                    header::TRANSFER_ENCODING,
                ] {
                    headers.remove(h);
                }
            }
            if let Some(referer) = referer(&url) {
                headers.insert(header::REFERER, referer);
            }
            url = next;
        }
        Sent::Done(Outcome::failed("redirect error: too many redirects".into()))
    }

    /// One request/response on the user's connection: a connection the server closed while it
    /// was idle is replaced before sending; an idempotent request whose reused connection turns
    /// out closed before any response byte is sent once more on a fresh one.
    ///
    /// `start` is when the request began; it stands for "now" in the idle check and is stored
    /// as the connection's last use. Idle times are then over-estimated by up to one request's
    /// duration, which can only cause an extra (cheap) check, never skip a needed one.
    async fn exchange(
        &self,
        conn: &mut Option<Conn>,
        bytes: &[u8],
        method: &Method,
        start: Instant,
    ) -> Result<WireResponse, String> {
        if conn.as_ref().is_some_and(|c| {
            start.saturating_duration_since(c.last_used) >= IDLE_CHECK_AFTER
                && peer_closed(&c.stream)
        }) {
            *conn = None;
        }
        let reused = conn.is_some();
        let mut current = match conn.take() {
            Some(c) => c,
            None => self.connect().await?,
        };
        let mut result = wire::exchange(&mut current.stream, bytes, method).await;
        if reused && idempotent(method) && matches!(result, Err(WireError::ClosedBeforeResponse(_)))
        {
            current = self.connect().await?;
            result = wire::exchange(&mut current.stream, bytes, method).await;
        }
        match result {
            Ok(r) => {
                if r.keep_alive {
                    current.last_used = start;
                    *conn = Some(current);
                }
                Ok(r)
            }
            Err(e) => Err(format!("request failed: {e}")),
        }
    }

    async fn connect(&self) -> Result<Conn, String> {
        let connecting = TcpStream::connect((self.host.as_str(), self.port));
        let stream = match self.connect_timeout {
            Some(t) => match tokio::time::timeout(t, connecting).await {
                Ok(r) => r,
                Err(_) => return Err("timeout".to_string()),
            },
            None => connecting.await,
        }
        .map_err(|e| format!("connection error: {e}"))?;
        // As reqwest: no Nagle delay on small requests.
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            last_used: Instant::now(),
        })
    }
}

/// The URL a redirect response points to, if it is one reqwest would follow.
fn redirect_target(resp: &WireResponse, url: &Url) -> Option<Url> {
    let s = resp.status;
    if !matches!(
        s,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    ) {
        return None;
    }
    let location = resp.headers.get().get(header::LOCATION)?.to_str().ok()?;
    url.join(location).ok()
}

/// The `Referer` reqwest sends on a redirect: the URL without credentials and fragment.
fn referer(url: &Url) -> Option<HeaderValue> {
    let mut r = url.clone();
    let _ = r.set_username("");
    let _ = r.set_password(None);
    r.set_fragment(None);
    HeaderValue::from_str(r.as_str()).ok()
}

fn idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the server has closed (or written unexpectedly on) an idle connection.
fn peer_closed(stream: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    match stream.try_read(&mut probe) {
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
        Ok(_) => true,
    }
}

/// Whether a proxy is configured in the environment (reqwest would use it).
fn proxy_configured() -> bool {
    ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}
