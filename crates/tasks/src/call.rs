//! Sending MilMove requests from tasks: JSON in and out, `If-Match`, CSRF, request names that
//! group IDs, and expected failures.

use std::borrow::Cow;

use milmove_runner::{Response, User};
use reqwest::Method;
use serde_json::Value;

use crate::context::MilMoveUser;
use crate::refetch::Refetch;
use crate::store::Claim;

/// How many times [`Call::send_refetching`] refetches and resends an update after a 412.
pub const MAX_STALE_RETRIES: usize = 3;

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

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
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
    /// A stale copy (412, or 409 when the object moved on) is handled by
    /// [`Call::send_refetching`] with `refetch`; an object that is gone (404), or stale
    /// without a way to refetch it, is dropped from the store so later tasks do not fail again
    /// on the same eTag. Returns the updated object when the update went through.
    pub async fn send_update(
        self,
        u: &mut User<MilMoveUser>,
        claim: Claim<'_>,
        refetch: Option<Refetch>,
    ) -> Option<Value> {
        match self.send_refetching(u, refetch).await {
            Updated::Done(updated) => {
                claim.release(updated.clone());
                Some(updated)
            }
            Updated::NotNeeded(current) => {
                claim.release(current);
                None
            }
            Updated::Failed {
                current: Some(current),
                ..
            } => {
                claim.release(current);
                None
            }
            Updated::Failed {
                status: 404 | 412,
                current: None,
            } => {
                claim.discard();
                None
            }
            Updated::Failed { .. } => None,
        }
    }

    /// Sends an `If-Match` update; when MilMove answers 412 (stale eTag) or 409 (conflict)
    /// and `refetch` says how, does what a real client of its optimistic locking does:
    ///
    /// 1. fetches the current copy (recorded as `NAME (refetch after 412|409)`, so the number
    ///    of stale copies shows in the table);
    /// 2. if the current copy no longer needs the update (another actor already made it, e.g.
    ///    approved the shipment), stops: the 412/409 is recorded as a success, since the server
    ///    was right and the client recovered, and the current copy is returned;
    /// 3. after a 412, sends the update again with the current eTag, up to
    ///    [`MAX_STALE_RETRIES`] times (a busy object can change again between the refetch and
    ///    the retry). A 412 followed by a retry is recorded as a success; the last answer
    ///    decides, so one update that never got through is one failure;
    /// 4. a 409 on an object that still needs the update is a real conflict: a failure.
    ///
    /// Any other answer is recorded as [`Call::send`] does.
    pub async fn send_refetching(
        self,
        u: &mut User<MilMoveUser>,
        refetch: Option<Refetch>,
    ) -> Updated {
        let label = self.label();
        let template = self.clone();
        let mut response = self.send_raw(u).await;
        let mut current = None;
        for _ in 0..=MAX_STALE_RETRIES {
            let status = response.status_code();
            if response.ok() {
                return match parse_json(&mut response) {
                    Ok(value) => Updated::Done(value),
                    Err(status) => Updated::failed(status, current),
                };
            }
            log_failure(&label, &response);
            let refetch = match &refetch {
                Some(refetch) if matches!(status, 409 | 412) => refetch,
                _ => return Updated::failed(status, current),
            };
            let shared = u.state.shared.clone();
            let answer = refetch.call(status).send(u).await;
            let Some(fresh) = answer.as_ref().and_then(|a| refetch.pick(a)) else {
                response.failure(format!(
                    "HTTP {status}, and the refetch found no current copy"
                ));
                return Updated::failed(status, None);
            };
            if let Some(answer) = answer {
                refetch.store(&shared.stores, answer);
            }
            if !refetch.still_needed(&fresh) {
                response.success();
                return Updated::NotNeeded(fresh);
            }
            if status == 409 {
                return Updated::failed(status, Some(fresh));
            }
            let retry = template.clone().if_match(refetch.if_match_of(&fresh));
            current = Some(fresh);
            // This 412 was handled (refetched, retried): the retry's answer decides.
            response.success();
            drop(response);
            response = retry.send_raw(u).await;
        }
        let status = response.status_code();
        if !response.ok() {
            response.failure(format!(
                "HTTP {status}: still failing after {MAX_STALE_RETRIES} refetches and retries"
            ));
            return Updated::failed(status, current);
        }
        match parse_json(&mut response) {
            Ok(value) => Updated::Done(value),
            Err(status) => Updated::failed(status, current),
        }
    }

    fn label(&self) -> String {
        match &self.if_match {
            Some(etag) => format!("{} {} (If-Match {etag})", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

    /// Like [`Call::send`], giving the status (0: no response) instead of `None` on failure.
    pub async fn send_or_status(self, u: &mut User<MilMoveUser>) -> Result<Value, u16> {
        let label = self.label();
        let mut response = self.send_raw(u).await;
        if !response.ok() {
            log_failure(&label, &response);
            return Err(response.status_code());
        }
        parse_json(&mut response)
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

/// The outcome of [`Call::send_refetching`].
#[derive(Debug, Clone, PartialEq)]
pub enum Updated {
    /// The update went through: the server's new copy.
    Done(Value),
    /// Another actor already made the change: the current copy.
    NotNeeded(Value),
    /// The update failed (recorded as a failure).
    Failed {
        /// The last status (0: no response).
        status: u16,
        /// The current copy, when one was fetched.
        current: Option<Value>,
    },
}

impl Updated {
    /// The server's new copy, when the update went through.
    pub fn done(self) -> Option<Value> {
        match self {
            Updated::Done(value) => Some(value),
            _ => None,
        }
    }

    fn failed(status: u16, current: Option<Value>) -> Self {
        Updated::Failed { status, current }
    }
}

/// The JSON body of a 2xx answer (`Value::Null` when empty); a body that is not JSON is
/// recorded as a failure.
fn parse_json(response: &mut Response) -> Result<Value, u16> {
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
