//! The guard in front of every route:
//!
//! 1. **Host check** (DNS rebinding): without a login, only loopback host names
//!    (`localhost`, `127.x.x.x`, `[::1]`) are served — a page of another site that makes its
//!    name resolve to 127.0.0.1 gets a 403.
//! 2. **Basic authentication** when `--web-login USER:PASSWORD` is set (constant-time compare).
//! 3. **Cross-site refusal** for every state-changing request (POST): a request that carries an
//!    `Origin` must come from the page's own origin, and a browser request (one with `Origin`,
//!    `Referer` or `Sec-Fetch-Site`) must carry the page's CSRF token (`X-CSRF-Token` header or
//!    `csrf_token` form field). Scripts (curl, Python `requests`: no browser headers) keep working
//!    as they do against Locust.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use crate::server::Shared;

/// Name of the header carrying the CSRF token.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

/// Compares without stopping at the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn host_name(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default().to_string()
    } else {
        host.rsplit_once(':')
            .map_or(host, |(name, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    name
                } else {
                    host
                }
            })
            .to_string()
    };
    Some(name)
}

pub(crate) fn authorised(headers: &HeaderMap, user: &str, password: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!("{user}:{password}");
    constant_time_eq(&decoded, expected.as_bytes())
}

/// True when the request carries headers only browsers send.
fn from_browser(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN)
        || headers.contains_key(header::REFERER)
        || headers.contains_key("sec-fetch-site")
}

/// The origin the page is served from, as the browser names it.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

fn token_in_form(body: &[u8], token: &str) -> bool {
    url::form_urlencoded::parse(body)
        .any(|(k, v)| k == "csrf_token" && constant_time_eq(v.as_bytes(), token.as_bytes()))
}

/// The middleware.
pub(crate) async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let opts = &state.options;
    match &opts.login {
        None => {
            let ok = host_name(&headers).is_some_and(|h| milmove_runner::config::is_loopback(&h));
            if !ok {
                return plain(
                    StatusCode::FORBIDDEN,
                    "this web UI serves only loopback host names (localhost, 127.0.0.1, [::1]); \
                     start it with --web-login USER:PASSWORD to serve other names",
                );
            }
        }
        Some((user, password)) => {
            if !authorised(&headers, user, password) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [
                        (
                            header::WWW_AUTHENTICATE,
                            "Basic realm=\"milmove-load\", charset=\"UTF-8\"",
                        ),
                        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    ],
                    "authentication required",
                )
                    .into_response();
            }
        }
    }
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    if request.method() != Method::POST {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and POST are served",
        );
    }
    if !same_origin(&headers) {
        return plain(
            StatusCode::FORBIDDEN,
            "cross-site request refused: the Origin is not this web UI",
        );
    }
    let header_token = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| constant_time_eq(t.as_bytes(), state.csrf.as_bytes()));
    if header_token || !from_browser(&headers) {
        return next.run(request).await;
    }
    // A browser form without the header: the token may be a form field.
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(b) => b,
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
    };
    if !token_in_form(&bytes, &state.csrf) {
        return plain(
            StatusCode::FORBIDDEN,
            "cross-site request refused: missing or wrong CSRF token",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
