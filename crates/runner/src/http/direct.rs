//! The direct path for `http://` and `https://` requests to the class's own host.
//!
//! reqwest sends every request through hyper's pool and a separate connection task (two task
//! wake-ups and a channel per request) and re-parses the URL. For HTTP/1.1 keep-alive
//! traffic, the bulk of a load test, each user instead keeps ONE connection of its own (plain
//! TCP, or TLS through rustls with the class's client configuration) and writes the request /
//! reads the response inline in its task: no lock, no channel, no second task. Behaviour
//! matches the reqwest path: the same headers (`user-agent`, `accept: */*`, the user's
//! cookies), timeouts, up to 10 redirects (same-origin hops here; a hop elsewhere is handed to
//! reqwest), and failures described the same way.
//!
//! Nothing is ever sent twice: before a request is written to a kept-alive connection, the
//! socket is asked whether the server has closed it (see [`Conn::peer_closed`]), and a
//! request that fails after it was written is recorded as failed, with what happened.
//!
//! It is used only when nothing reqwest-specific is configured: no `client(...)` hook on the
//! class, no proxy in the environment, no HTTP/2 offered in the class's TLS configuration, not
//! disabled with [`UserClassBuilder::reqwest_only`](crate::UserClassBuilder::reqwest_only);
//! and per request only for a URL on the class's scheme, host and port with no body or an
//! in-memory one.

use super::conn::Conn;
use super::response::Outcome;
use super::wire::{self, WireResponse};
use super::ClientSettings;
use bytes::Bytes;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use rustls::pki_types::ServerName;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use url::{Position, Url};

/// Redirects followed at most (as reqwest's default policy).
const MAX_REDIRECTS: usize = 10;

/// Per class: where and how to connect.
#[derive(Debug)]
pub(crate) struct Direct {
    /// `http` or `https`.
    scheme: &'static str,
    host: String,
    port: u16,
    /// `Host` header value (`host[:port]`).
    authority: String,
    user_agent: HeaderValue,
    request_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    tls: Option<DirectTls>,
}

/// TLS for the class's host: the connector (the class's shared client configuration, with its
/// session cache) and the name verified and sent as SNI.
struct DirectTls {
    connector: TlsConnector,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for DirectTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectTls")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
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
    /// `tls`: the class's TLS configuration (`--insecure` already applied), if it gave one.
    pub(crate) fn for_class(
        base: Option<&Url>,
        user_agent: &str,
        settings: &ClientSettings,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Option<Self> {
        let base = base?;
        let scheme = match base.scheme() {
            "http" => "http",
            "https" => "https",
            _ => return None,
        };
        if proxy_configured(scheme) {
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
        let tls = if scheme == "https" {
            let config = match tls {
                Some(c) => c.clone(),
                None => super::tls::default_config(settings.insecure).ok()?,
            };
            if !super::tls::direct_capable(&config) {
                return None;
            }
            Some(DirectTls {
                connector: TlsConnector::from(config),
                server_name: super::tls::server_name(&connect_host)?,
            })
        } else {
            None
        };
        Some(Self {
            scheme,
            host: connect_host,
            port,
            authority,
            user_agent: HeaderValue::from_str(user_agent).ok()?,
            request_timeout: settings.request_timeout,
            connect_timeout: settings.connect_timeout,
            idle_timeout: settings.idle_timeout,
            tls,
        })
    }

    /// Whether `url` is on this class's scheme, host and port.
    pub(crate) fn serves(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.port_or_known_default() == Some(self.port)
            && url
                .host_str()
                .is_some_and(|h| h.trim_start_matches('[').trim_end_matches(']') == self.host)
    }

    /// Send `request` (which [`serves`](Self::serves) accepted, body in memory or none),
    /// timed from `start` (the caller's clock reading when it began the request, also used
    /// as the connection's last use: no further clock reads per request). `written` turns
    /// true once request bytes were handed to a connection.
    pub(crate) async fn send(
        &self,
        conn: &mut Option<Conn>,
        jar: &mut Option<Box<Jar>>,
        request: reqwest::Request,
        start: Instant,
        written: &AtomicBool,
    ) -> Sent {
        // A limit too far away to be an `Instant` is no limit.
        let limit = request.timeout().copied().or(self.request_timeout);
        let deadline = limit.and_then(|t| start.checked_add(t));
        let run = self.follow(conn, jar, request, start, written);
        match (deadline, limit) {
            (Some(d), Some(limit)) => match tokio::time::timeout_at(d.into(), run).await {
                Ok(sent) => sent,
                Err(_) => {
                    // The exchange was cut in the middle: the connection is unusable.
                    *conn = None;
                    Sent::Done(Outcome::failed(super::timeout_text(limit)))
                }
            },
            _ => run.await,
        }
    }

    async fn follow(
        &self,
        conn: &mut Option<Conn>,
        jar: &mut Option<Box<Jar>>,
        mut request: reqwest::Request,
        start: Instant,
        written: &AtomicBool,
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
            let resp = match self.exchange(conn, &bytes, &method, start, written).await {
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

    /// One request/response on the user's connection. A kept-alive connection is reused only
    /// if it has been idle less than the idle timeout and the server has not closed it (asked
    /// of the socket right before writing); otherwise a new one is opened. A request that fails
    /// once written is never sent again: the failure is the result.
    ///
    /// `start` is when the request began; it is stored as the connection's last use. Idle
    /// times are then over-estimated by up to one request's duration, which can only retire
    /// a connection a little early, never keep one past the idle timeout.
    async fn exchange(
        &self,
        conn: &mut Option<Conn>,
        bytes: &[u8],
        method: &Method,
        start: Instant,
        written: &AtomicBool,
    ) -> Result<WireResponse, String> {
        if let Some(c) = conn.as_ref() {
            let idle_too_long = self
                .idle_timeout
                .is_some_and(|t| start.saturating_duration_since(c.last_used) >= t);
            if idle_too_long || c.peer_closed() {
                *conn = None;
            }
        }
        let mut current = match conn.take() {
            Some(c) => c,
            None => self.connect().await?,
        };
        match current.exchange(bytes, method, written).await {
            Ok(r) => {
                if r.keep_alive {
                    current.last_used = start;
                    *conn = Some(current);
                }
                Ok(r)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A new connection: TCP, then the TLS handshake for https, within the connect timeout.
    async fn connect(&self) -> Result<Conn, String> {
        let connecting = async {
            let stream = TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| format!("connection error: {e}"))?;
            // As reqwest: no Nagle delay on small requests.
            let _ = stream.set_nodelay(true);
            match &self.tls {
                None => Ok(Conn::plain(stream)),
                Some(tls) => tls
                    .connector
                    .connect(tls.server_name.clone(), stream)
                    .await
                    .map(Conn::tls)
                    .map_err(|e| handshake_failed(&e)),
            }
        };
        match self.connect_timeout {
            Some(t) => match tokio::time::timeout(t, connecting).await {
                Ok(r) => r,
                Err(_) => Err(super::connect_timeout_text(t)),
            },
            None => connecting.await,
        }
    }
}

/// The failure text of a TLS handshake that did not complete.
fn handshake_failed(e: &std::io::Error) -> String {
    if let Some(t) = super::tls::rustls_error(e) {
        return super::tls::describe(t);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            "TLS error: the server closed the connection during the handshake".into()
        }
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
            "TLS error: the connection was reset during the handshake".into()
        }
        _ => format!("connection error: {e}"),
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

/// Whether a proxy for `scheme` is configured in the environment (reqwest would use it).
fn proxy_configured(scheme: &str) -> bool {
    let vars: &[&str] = if scheme == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    vars.iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}
