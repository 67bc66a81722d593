//! The per-user HTTP client wrapper.
//!
//! Every user class owns ONE `reqwest::Client` (connection pool, TLS configuration, timeouts),
//! built once and shared by all its users, and (for `http://` and `https://` requests to its
//! own host) a direct HTTP/1.1 path where each user keeps its own connection. Each user has a
//! [`HttpClient`] handle: the shared client, the user's own connection and cookie jar (none
//! until a cookie arrives), and the statistics sink. Requests are timed in microseconds from
//! just before sending until the whole body is read; content length is the number of body
//! bytes read.

mod conn;
mod cookies;
mod direct;
mod head;
mod request;
mod response;
mod tls;
mod wire;

pub use request::Request;
pub use response::Response;

pub(crate) use cookies::UserCookies;
pub(crate) use direct::Direct;

use crate::record::Sink;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;

/// What every user of one class shares: the client, the host and the statistics sink.
pub(crate) struct ClassHttp {
    pub(crate) client: reqwest::Client,
    /// Base URL without trailing slash (may be empty: then paths must be absolute URLs).
    pub(crate) host: String,
    /// `host` parsed once (`None` when empty or not a URL that can have paths), so a
    /// request's URL is the base with its path replaced instead of a full re-parse.
    pub(crate) base: Option<url::Url>,
    /// The direct HTTP/1.1 path for requests to `host` (see `direct.rs`).
    pub(crate) direct: Option<Direct>,
    /// The class's request timeout (for the failure text of a reqwest timeout).
    pub(crate) request_timeout: Option<Duration>,
    /// The class's connect timeout (likewise).
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) sink: Arc<Sink>,
}

/// The `user-agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("milmove-load/", env!("CARGO_PKG_VERSION"));

impl ClassHttp {
    /// `direct_allowed`: nothing reqwest-specific is configured for the class; `tls`: the
    /// class's own TLS configuration, if it gave one.
    pub(crate) fn new(
        client: reqwest::Client,
        host: String,
        sink: Arc<Sink>,
        settings: &ClientSettings,
        direct_allowed: bool,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Self {
        let base = url::Url::parse(&host)
            .ok()
            .filter(|u| !u.cannot_be_a_base() && u.fragment().is_none() && u.query().is_none());
        let direct = if direct_allowed {
            let tls = tls::class_config(tls, settings.insecure);
            Direct::for_class(base.as_ref(), USER_AGENT, settings, tls.as_ref())
        } else {
            None
        };
        Self {
            client,
            host,
            base,
            direct,
            request_timeout: settings.request_timeout,
            connect_timeout: settings.connect_timeout,
            sink,
        }
    }
}

/// The check the direct path makes before it writes a request to a kept-alive connection:
/// whether the server has closed `stream` (or sent something unasked). Public only for the
/// benchmark that measures its cost (`cargo bench -p milmove-runner --bench peer_check`).
#[doc(hidden)]
pub fn idle_connection_unusable(stream: &tokio::net::TcpStream) -> bool {
    conn::socket_has_news(stream)
}

/// The failure text of a request that did not complete within its timeout (both paths).
pub(crate) fn timeout_text(limit: Duration) -> String {
    format!(
        "timeout: no complete response within {}",
        humantime::format_duration(limit)
    )
}

/// The failure text of a connection not established within the connect timeout.
pub(crate) fn connect_timeout_text(limit: Duration) -> String {
    format!(
        "connection error: not connected within {}",
        humantime::format_duration(limit)
    )
}

/// The URL of `path` (`/a/b?q=1`) on `base` (`http://h:1/prefix`): the same URL that parsing
/// `base + path` gives, without re-parsing (and re-validating) the scheme and host.
pub(crate) fn join_path(base: &url::Url, path: &str) -> url::Url {
    let (rest, fragment) = match path.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (path, None),
    };
    let (p, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let prefix = base.path().trim_end_matches('/');
    let mut full = String::with_capacity(prefix.len() + p.len() + 1);
    full.push_str(prefix);
    if !p.starts_with('/') && !path.is_empty() {
        full.push('/');
    }
    full.push_str(p);
    let mut url = base.clone();
    url.set_path(&full);
    url.set_query(query);
    url.set_fragment(fragment);
    url
}

/// Connection settings shared by all users of a class (built into its one `reqwest::Client`).
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Whole-request timeout (default 60 s). A request exceeding it fails with `timeout`.
    pub request_timeout: Option<Duration>,
    /// TCP/TLS connect timeout (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// Idle pooled connections kept per host (default: unlimited, as reqwest).
    pub pool_max_idle_per_host: Option<usize>,
    /// Accept invalid TLS certificates (default false; `--insecure`). Applies to a class's
    /// own TLS configuration too: only its server-certificate check is replaced.
    pub insecure: bool,
    /// A kept-alive connection idle this long is closed rather than reused (default 50 s:
    /// below the usual server idle timeouts, 60 s for AWS load balancers and 75 s for
    /// nginx, so that the client, not the server, retires idle connections).
    pub idle_timeout: Option<Duration>,
}

/// The default [`ClientSettings::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(50);

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            request_timeout: Some(Duration::from_secs(60)),
            connect_timeout: Some(Duration::from_secs(10)),
            pool_max_idle_per_host: None,
            insecure: false,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
        }
    }
}

/// A hook that customises a class's `reqwest::ClientBuilder` (e.g. `use_preconfigured_tls`).
pub type ClientHook =
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static>;

/// Build a class's shared client: defaults, the class's TLS configuration, then the class
/// hook, then the per-user cookie router (installed last so that it cannot be replaced by
/// accident).
pub(crate) fn build_client(
    settings: &ClientSettings,
    hook: Option<&ClientHook>,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut b = reqwest::Client::builder().user_agent(USER_AGENT);
    if let Some(t) = settings.request_timeout {
        b = b.timeout(t);
    }
    if let Some(t) = settings.connect_timeout {
        b = b.connect_timeout(t);
    }
    if let Some(n) = settings.pool_max_idle_per_host {
        b = b.pool_max_idle_per_host(n);
    }
    b = b.pool_idle_timeout(settings.idle_timeout);
    if settings.insecure {
        b = b.danger_accept_invalid_certs(true);
    }
    if let Some(config) = tls::class_config(tls, settings.insecure) {
        b = b.use_preconfigured_tls(rustls::ClientConfig::clone(&config));
    }
    if let Some(hook) = hook {
        b = hook(b);
    }
    b.cookie_provider(Arc::new(UserCookies)).build()
}

/// A user's HTTP client: `get`/`post`/... build a [`Request`]; `send().await` records it.
///
/// ```no_run
/// # use milmove_runner::{User, TaskResult};
/// async fn create(u: &mut User<String>) -> TaskResult {
///     // `http` and `state` are separate fields, so the state can feed the request.
///     let r = u.http.post("/moves").name("/moves").json(&u.state).send().await;
///     if r.ok() { u.state = r.text(); }
///     Ok(())
/// }
/// ```
pub struct HttpClient {
    pub(crate) shared: Arc<ClassHttp>,
    pub(crate) jar: Option<Box<Jar>>,
    /// The user's own connection for the direct path (none until the first such request).
    pub(crate) conn: Option<conn::Conn>,
    /// Arrival-rate mode: how late the current iteration started (µs), added to response times
    /// to give coordinated-omission-corrected figures.
    pub(crate) lag_us: Option<u64>,
}

impl HttpClient {
    pub(crate) fn new(shared: Arc<ClassHttp>) -> Self {
        Self {
            shared,
            jar: None,
            conn: None,
            lag_us: None,
        }
    }

    /// A request with any method; `path` is appended to the host unless it is an absolute URL.
    pub fn request(&mut self, method: Method, path: &str) -> Request<'_> {
        Request::new(self, method, path)
    }

    /// `GET path`.
    pub fn get(&mut self, path: &str) -> Request<'_> {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&mut self, path: &str) -> Request<'_> {
        self.request(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(&mut self, path: &str) -> Request<'_> {
        self.request(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(&mut self, path: &str) -> Request<'_> {
        self.request(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(&mut self, path: &str) -> Request<'_> {
        self.request(Method::DELETE, path)
    }

    /// `HEAD path`.
    pub fn head(&mut self, path: &str) -> Request<'_> {
        self.request(Method::HEAD, path)
    }

    /// Whether this user holds its own kept-alive connection (the direct path keeps one per
    /// user between requests; requests through reqwest use the class's shared pool).
    pub fn has_own_connection(&self) -> bool {
        self.conn.is_some()
    }

    /// The class's base URL (from the class or `--host`), without trailing slash.
    pub fn host(&self) -> &str {
        &self.shared.host
    }

    /// The shared `reqwest::Client`, for anything the wrapper does not cover. Requests sent
    /// through it directly are neither recorded nor given this user's cookies.
    pub fn raw_client(&self) -> &reqwest::Client {
        &self.shared.client
    }

    /// The `Cookie` header this user would send to `url` (`None` if no cookie applies).
    pub fn cookie_header(&self, url: &str) -> Option<String> {
        let url = url::Url::parse(url).ok()?;
        let value = self.jar.as_ref()?.cookies(&url)?;
        value.to_str().ok().map(str::to_owned)
    }

    /// The value of this user's cookie `name` for `url`, if any.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let header = self.cookie_header(url)?;
        header.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// Add a cookie (`Set-Cookie` syntax, e.g. `"session=abc; Path=/"`) for `url`.
    pub fn add_cookie(&mut self, set_cookie: &str, url: &str) -> Result<(), url::ParseError> {
        let url = url::Url::parse(url)?;
        self.jar
            .get_or_insert_with(Default::default)
            .add_cookie_str(set_cookie, &url);
        Ok(())
    }

    /// Forget all of this user's cookies.
    pub fn clear_cookies(&mut self) {
        self.jar = None;
    }

    /// Record a measurement made outside the wrapper (e.g. another protocol), as Locust's
    /// `request` event. `error: None` is a success.
    pub fn record(
        &self,
        method: &str,
        name: &str,
        response_time: Duration,
        content_length: u64,
        error: Option<&str>,
    ) {
        let us = u64::try_from(response_time.as_micros()).unwrap_or(u64::MAX);
        let corrected = self.lag_us.map(|lag| us.saturating_add(lag));
        self.shared
            .sink
            .record(method, name, us, corrected, content_length, error);
    }
}

#[cfg(test)]
mod tests {
    use super::join_path;

    /// What `Request::new` built before: the host string plus the path, fully parsed.
    fn parsed(host: &str, path: &str) -> url::Url {
        let sep = if !path.starts_with('/') && !path.is_empty() {
            "/"
        } else {
            ""
        };
        url::Url::parse(&format!("{host}{sep}{path}")).unwrap()
    }

    #[test]
    fn joined_urls_equal_fully_parsed_ones() {
        let hosts = [
            "http://127.0.0.1:8080",
            "https://prime.example.mil",
            "http://[::1]:9000/api/v1",
            "http://user:pw@example.com/prefix",
        ];
        let paths = [
            "",
            "/",
            "/item/17",
            "item/17",
            "/moves?locator=ABC123&limit=5",
            "?page=2",
            "/a b/%41/é",
            "/q?x=a b&y=é",
            "/x#frag",
            "/x?y=1#frag",
            "/a/./b/../c",
            "//double",
        ];
        for host in hosts {
            let base = url::Url::parse(host).unwrap();
            for path in paths {
                assert_eq!(
                    join_path(&base, path).as_str(),
                    parsed(host, path).as_str(),
                    "{host} + {path}"
                );
            }
        }
    }
}
