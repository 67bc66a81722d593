//! Sending MilMove requests from tasks: JSON in and out, `If-Match`, CSRF, request names that
//! group IDs, and expected failures.

use std::borrow::Cow;

use milmove_runner::{Response, User};
use reqwest::Method;
use serde_json::Value;

use crate::context::MilMoveUser;
use crate::store::Claim;

/// The header MilMove reads the masked CSRF token from.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// A request to send: method, concrete path, the name it is recorded under (path template
/// with IDs grouped), an optional JSON body and `If-Match`.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    path: String,
    name: Cow<'static, str>,
    body: Option<Value>,
    if_match: Option<String>,
}

impl Call {
    /// A request; `name` is the statistics name, e.g. `/prime/v1/mto-shipments/{mtoShipmentID}`.
    pub fn new(
        method: Method,
        path: impl Into<String>,
        name: impl Into<Cow<'static, str>>,
    ) -> Self {
        Call {
            method,
            path: path.into(),
            name: name.into(),
            body: None,
            if_match: None,
        }
    }

    /// `GET`.
    pub fn get(path: impl Into<String>, name: impl Into<Cow<'static, str>>) -> Self {
        Call::new(Method::GET, path, name)
    }

    /// `POST`.
    pub fn post(path: impl Into<String>, name: impl Into<Cow<'static, str>>) -> Self {
        Call::new(Method::POST, path, name)
    }

    /// `PATCH`.
    pub fn patch(path: impl Into<String>, name: impl Into<Cow<'static, str>>) -> Self {
        Call::new(Method::PATCH, path, name)
    }

    /// `PUT`.
    pub fn put(path: impl Into<String>, name: impl Into<Cow<'static, str>>) -> Self {
        Call::new(Method::PUT, path, name)
    }

    /// A JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The `If-Match` header (the object's eTag).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// The statistics name.
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn send_raw(self, u: &mut User<MilMoveUser>) -> Response {
        let unsafe_method = !matches!(self.method, Method::GET | Method::HEAD);
        let csrf = u.state.csrf_token.clone().filter(|_| unsafe_method);
        let mut request = u
            .http
            .request(self.method, &self.path)
            .name(self.name)
            .catch_response()
            .header("Accept", "application/json");
        if let Some(token) = csrf {
            request = request.header(CSRF_HEADER, token);
        }
        if let Some(etag) = self.if_match {
            request = request.header("If-Match", etag);
        }
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        request.send().await
    }

    /// Sends; on a 2xx answer returns its JSON body (`Value::Null` when empty). A non-2xx
    /// answer, a transport error or a body that is not JSON is recorded as a failure and
    /// gives `None`.
    pub async fn send(self, u: &mut User<MilMoveUser>) -> Option<Value> {
        self.send_or_status(u).await.ok()
    }

    /// Sends an update of a claimed object: the server's new copy replaces it in the store.
    /// When the server says the copy is stale (412) or gone (404) — another actor changed it —
    /// the object is dropped from the store, so later tasks fetch it afresh instead of failing
    /// again on the same eTag.
    pub async fn send_update(self, u: &mut User<MilMoveUser>, claim: Claim<'_>) -> Option<Value> {
        match self.send_or_status(u).await {
            Ok(updated) => {
                claim.release(updated.clone());
                Some(updated)
            }
            Err(412 | 404) => {
                claim.discard();
                None
            }
            Err(_) => None,
        }
    }

    /// Like [`Call::send`], giving the status (0: no response) instead of `None` on failure.
    pub async fn send_or_status(self, u: &mut User<MilMoveUser>) -> Result<Value, u16> {
        let label = match &self.if_match {
            Some(etag) => format!("{} {} (If-Match {etag})", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        };
        let mut response = self.send_raw(u).await;
        if !response.ok() {
            log_failure(&label, &response);
            return Err(response.status_code());
        }
        if response.bytes().is_empty() {
            return Ok(Value::Null);
        }
        match response.json::<Value>() {
            Ok(value) => Ok(value),
            Err(e) => {
                response.failure(format!("response is not JSON: {e}"));
                Err(response.status_code())
            }
        }
    }

    /// Sends a request that must fail with `expected` (a task's declared expected failure, as
    /// the old suite's `check_response(..., "422")`): that status is recorded as a success,
    /// anything else as a failure. Returns whether the expected status came back.
    pub async fn send_expecting(self, u: &mut User<MilMoveUser>, expected: u16) -> bool {
        let mut response = self.send_raw(u).await;
        let status = response.status_code();
        if status == expected {
            response.success();
            true
        } else {
            response.failure(format!("expected HTTP {expected}, got {status}"));
            false
        }
    }
}

/// Logs a failed request at debug level (`-L debug`): status, error and the start of the body.
fn log_failure(label: &str, response: &Response) {
    if tracing::enabled!(tracing::Level::DEBUG) {
        let body = response.text();
        let cut = body.char_indices().nth(500).map_or(body.len(), |(i, _)| i);
        tracing::debug!(
            "{label}: {} ({}): {}",
            response.status_code(),
            response.error().unwrap_or_default(),
            &body[..cut]
        );
    }
}

/// The string field `key` of a JSON object (empty when missing).
pub fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Uploads the test PDF as the multipart field `file` (plus extra text fields); returns the
/// JSON body of a 2xx answer, as [`Call::send`].
pub async fn upload_pdf(
    u: &mut User<MilMoveUser>,
    path: &str,
    name: &'static str,
    fields: &[(&'static str, &'static str)],
) -> Option<Value> {
    let part = reqwest::multipart::Part::bytes(crate::context::TEST_PDF)
        .file_name("test.pdf")
        .mime_str("application/pdf")
        .ok()?;
    let mut form = reqwest::multipart::Form::new().part("file", part);
    for (key, value) in fields {
        form = form.text(*key, *value);
    }
    let csrf = u.state.csrf_token.clone();
    let mut request = u
        .http
        .post(path)
        .name(name)
        .catch_response()
        .header("Accept", "application/json")
        .multipart(form);
    if let Some(token) = csrf {
        request = request.header(CSRF_HEADER, token);
    }
    let mut response = request.send().await;
    if !response.ok() {
        return None;
    }
    match response.json::<Value>() {
        Ok(value) => Some(value),
        Err(e) => {
            response.failure(format!("response is not JSON: {e}"));
            None
        }
    }
}
