//! A request being built: name grouping, `catch_response`, then `send().await`.

use super::cookies::CURRENT_JAR;
use super::direct::Sent;
use super::head::LazyHeaders;
use super::response::{Outcome, Pending, Response};
use super::HttpClient;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A request under construction. Finish it with [`Request::send`].
///
/// By default the request fails (in the statistics) on connection/TLS errors, timeouts and
/// 4xx/5xx statuses, and is recorded as soon as the body has been read. With
/// [`Request::catch_response`] the task decides: call [`Response::success`] or
/// [`Response::failure`]; the record is written when the response is dropped.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Request<'a> {
    http: &'a mut HttpClient,
    method: Method,
    builder: reqwest::RequestBuilder,
    name: Option<Cow<'static, str>>,
    catch: bool,
}

impl<'a> Request<'a> {
    pub(crate) fn new(http: &'a mut HttpClient, method: Method, path: &str) -> Self {
        let builder = if path.starts_with("http://") || path.starts_with("https://") {
            http.shared.client.request(method.clone(), path)
        } else if let Some(base) = &http.shared.base {
            let url = super::join_path(base, path);
            http.shared.client.request(method.clone(), url)
        } else {
            let host = &http.shared.host;
            let mut url = String::with_capacity(host.len() + path.len() + 1);
            url.push_str(host);
            if !path.starts_with('/') && !path.is_empty() {
                url.push('/');
            }
            url.push_str(path);
            http.shared.client.request(method.clone(), url)
        };
        Self {
            http,
            method,
            builder,
            name: None,
            catch: false,
        }
    }

    /// Group statistics under `name` (e.g. `/mto-shipments/{mtoShipmentID}`) instead of the path.
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Let the task mark success or failure itself (Locust's `catch_response=True`).
    pub fn catch_response(mut self) -> Self {
        self.catch = true;
        self
    }

    /// Add a header (invalid names or values make the request fail when sent).
    pub fn header<K, V>(mut self, key: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.builder = self.builder.header(key, value);
        self
    }

    /// Add several headers.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.builder = self.builder.headers(headers);
        self
    }

    /// Add query parameters (any `serde::Serialize` pairs or struct).
    pub fn query<T: serde::Serialize + ?Sized>(mut self, query: &T) -> Self {
        self.builder = self.builder.query(query);
        self
    }

    /// A JSON body (sets `Content-Type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.builder = self.builder.json(body);
        self
    }

    /// A URL-encoded form body.
    pub fn form<T: serde::Serialize + ?Sized>(mut self, form: &T) -> Self {
        self.builder = self.builder.form(form);
        self
    }

    /// A raw body.
    pub fn body(mut self, body: impl Into<reqwest::Body>) -> Self {
        self.builder = self.builder.body(body);
        self
    }

    /// A multipart form body.
    pub fn multipart(mut self, form: reqwest::multipart::Form) -> Self {
        self.builder = self.builder.multipart(form);
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer_auth(mut self, token: impl std::fmt::Display) -> Self {
        self.builder = self.builder.bearer_auth(token);
        self
    }

    /// A timeout for this request only (overrides the class's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.builder = self.builder.timeout(timeout);
        self
    }

    /// Change the underlying `reqwest::RequestBuilder` directly.
    pub fn with(
        mut self,
        f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Self {
        self.builder = f(self.builder);
        self
    }

    /// Send, read the whole body, record the result (unless `catch_response`), return the response.
    pub async fn send(self) -> Response {
        let Request {
            http,
            method,
            builder,
            name,
            catch,
        } = self;
        let shared = &http.shared;
        let lag = http.lag_us;
        let request = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                let name = name.unwrap_or(Cow::Borrowed("(invalid request)"));
                let error = format!("invalid request: {}", super::response::root_cause(&e));
                shared
                    .sink
                    .record(method.as_str(), &name, 0, lag, 0, Some(&error));
                return Response::from_outcome(Outcome::failed(error), 0, None);
            }
        };
        let name = name.unwrap_or_else(|| Cow::Owned(default_name(request.url())));
        let mut guard = InFlight::new(&shared.sink.cut_requests);
        let start = Instant::now();
        let direct = shared.direct.as_ref().filter(|d| {
            d.serves(request.url()) && request.body().is_none_or(|b| b.as_bytes().is_some())
        });
        let timeouts = Timeouts {
            request: request.timeout().copied().or(shared.request_timeout),
            connect: shared.connect_timeout,
        };
        let outcome = match direct {
            Some(d) => {
                let sent = d
                    .send(&mut http.conn, &mut http.jar, request, start, &guard.sent)
                    .await;
                match sent {
                    Sent::Done(outcome) => outcome,
                    Sent::Handoff(rest) => {
                        guard.sent.store(true, Ordering::Relaxed);
                        via_reqwest(&shared.client, &mut http.jar, rest, timeouts).await
                    }
                }
            }
            None => {
                // When reqwest writes the request is not known: count it as sent.
                guard.sent.store(true, Ordering::Relaxed);
                via_reqwest(&shared.client, &mut http.jar, request, timeouts).await
            }
        };
        guard.done();
        let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let corrected = lag.map(|l| us.saturating_add(l));
        if catch {
            let pending = Pending {
                sink: shared.sink.clone(),
                method,
                name,
                corrected,
            };
            Response::from_outcome(outcome, us, Some(pending))
        } else {
            shared.sink.record(
                method.as_str(),
                &name,
                us,
                corrected,
                outcome.content_length(),
                outcome.error.as_deref(),
            );
            Response::from_outcome(outcome, us, None)
        }
    }
}

/// The timeouts in effect for a request (for the failure texts of the reqwest path).
#[derive(Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) request: Option<Duration>,
    pub(crate) connect: Option<Duration>,
}

/// Send through the class's reqwest client, lending the user's cookie jar to it.
///
/// hyper can hand a request back unsent ("canceled": the pooled connection it was given
/// closed before the request was written). Such a request never left the client, so it is
/// sent now, once more, on another connection; it is still one request in the report. A
/// request that was written is never sent again.
async fn via_reqwest(
    client: &reqwest::Client,
    jar: &mut Option<Box<reqwest::cookie::Jar>>,
    request: reqwest::Request,
    timeouts: Timeouts,
) -> Outcome {
    use super::response::{describe_failure, never_sent, Phase};
    let exchange = CURRENT_JAR.scope(RefCell::new(jar.take()), async move {
        let unsent_copy = request.try_clone();
        let first = client.execute(request).await;
        let result = match (first, unsent_copy) {
            (Err(e), Some(copy)) if never_sent(&e) => client.execute(copy).await,
            (first, _) => first,
        };
        match result {
            Ok(mut resp) => {
                let status = resp.status();
                let headers = std::mem::take(resp.headers_mut());
                let url = resp.url().clone();
                match read_body(&mut resp).await {
                    Ok(body) => Outcome::received(status, LazyHeaders::built(headers), url, body),
                    Err(e) => Outcome::failed(describe_failure(&e, Phase::Body, timeouts)),
                }
            }
            Err(e) => Outcome::failed(describe_failure(&e, Phase::Head, timeouts)),
        }
    });
    let mut exchange = std::pin::pin!(exchange);
    let outcome = exchange.as_mut().await;
    *jar = exchange.as_mut().take_value().and_then(RefCell::into_inner);
    outcome
}

/// Read the whole body; a body in one chunk (the common case) is not copied.
async fn read_body(resp: &mut reqwest::Response) -> Result<bytes::Bytes, reqwest::Error> {
    let Some(first) = resp.chunk().await? else {
        return Ok(bytes::Bytes::new());
    };
    let Some(second) = resp.chunk().await? else {
        return Ok(first);
    };
    let mut all = bytes::BytesMut::with_capacity(first.len() + second.len());
    all.extend_from_slice(&first);
    all.extend_from_slice(&second);
    while let Some(more) = resp.chunk().await? {
        all.extend_from_slice(&more);
    }
    Ok(all.freeze())
}

/// The default statistics name: the URL's path and query.
fn default_name(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_string(),
    }
}

/// Counts requests that were cut (their future dropped) before completing, once the request
/// may have reached the server: a request cut while its connection was still being opened
/// was never sent, so the server has nothing to tell apart from the report.
struct InFlight<'c> {
    counter: &'c AtomicU64,
    done: bool,
    /// Whether request bytes were handed to a connection (set by the path that sends it).
    sent: AtomicBool,
}

impl<'c> InFlight<'c> {
    fn new(counter: &'c AtomicU64) -> Self {
        Self {
            counter,
            done: false,
            sent: AtomicBool::new(false),
        }
    }
    fn done(&mut self) {
        self.done = true;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done && self.sent.load(Ordering::Relaxed) {
            self.counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}
