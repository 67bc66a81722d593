//! The request pipeline shared by all listeners: fault knobs, client-certificate and session
//! authentication, CSRF, routing through the spec, validation, then a stateful handler or a
//! response generated from the spec.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, Request, StatusCode};

use crate::api::{Api, ApiError};
use crate::auth::csrf::{self, CsrfSecret};
use crate::auth::{devlocal, App, Session};
use crate::handlers::{self, Call};
use crate::http_util::{cookie, pair_value, parse_pairs};
use crate::SimState;

/// Largest request body accepted (uploads included).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// Mutual TLS: Prime and Support APIs.
    Mtls,
    /// Plain HTTP office app: ghc and internal APIs, devlocal login.
    Office,
    /// Plain HTTP customer app: internal API, devlocal login.
    Customer,
}

impl Listener {
    /// The browser app served besides the APIs (the mutual-TLS port also serves the
    /// customer app, as MilMove's single server does locally).
    fn app(self) -> App {
        match self {
            Listener::Office => App::Office,
            Listener::Mtls | Listener::Customer => App::Mil,
        }
    }

    fn serves(self, api: Api) -> bool {
        match self {
            Listener::Mtls => api.is_mtls() || api == Api::Internal,
            Listener::Office => matches!(api, Api::Ghc | Api::Internal),
            Listener::Customer => api == Api::Internal,
        }
    }
}

/// Handles one request.
pub async fn handle(
    sim: Arc<SimState>,
    listener: Listener,
    client_digest: Option<Arc<str>>,
    req: Request<Body>,
) -> Response {
    let knobs = *sim.knobs.read();
    let delay = knobs.delay(sim.started);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let mtls_api = Api::split(parts.uri.path()).filter(|(a, _)| a.is_mtls());
    if let (Listener::Mtls, Some((api, _))) = (listener, mtls_api) {
        // Mutual TLS: the handshake already required a certificate signed by our CA; MilMove
        // then looks its digest up among the allowed client certificates.
        let allowed = client_digest.is_some_and(|d| sim.allowed.contains(&d));
        if !allowed {
            return ApiError::new(StatusCode::UNAUTHORIZED, "unknown client certificate")
                .response(api);
        }
        if knobs.inject_error() {
            return injected(api);
        }
        return route(&sim, listener, None, &parts, &body).await;
    }
    let app = listener.app();
    // Browser apps: CSRF secret from the cookie, or a new one.
    let existing = cookie(&parts.headers, csrf::SECRET_COOKIE).and_then(CsrfSecret::from_cookie);
    let secret = existing.unwrap_or_else(CsrfSecret::generate);
    let masked = secret.masked();
    let mut response = if csrf::is_unsafe(&parts.method) && !csrf_ok(&existing, &parts, &body) {
        (StatusCode::FORBIDDEN, "Forbidden - CSRF token invalid\n").into_response()
    } else if let Some(r) = devlocal::handle(
        &sim,
        app,
        &parts.method,
        parts.uri.path(),
        &parts.headers,
        &body,
        &masked,
    ) {
        r
    } else if knobs.inject_error() && Api::split(parts.uri.path()).is_some() {
        injected(Api::split(parts.uri.path()).map_or(Api::Internal, |(a, _)| a))
    } else {
        let session = sim.sessions.from_headers(app, &parts.headers);
        route(&sim, listener, session, &parts, &body).await
    };
    let headers = response.headers_mut();
    if existing.is_none() {
        let v = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax",
            csrf::SECRET_COOKIE,
            secret.cookie_value()
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{}={masked}; Path=/", csrf::MASKED_COOKIE)) {
        headers.append(header::SET_COOKIE, v);
    }
    response
}

fn injected(api: Api) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "injected error (--error-rate)",
    )
    .response(api)
}

fn csrf_ok(secret: &Option<CsrfSecret>, parts: &http::request::Parts, body: &[u8]) -> bool {
    let Some(secret) = secret else {
        return false;
    };
    if let Some(token) = parts
        .headers
        .get(csrf::HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return secret.verify(token);
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let form = parse_pairs(std::str::from_utf8(body).unwrap_or(""));
        return pair_value(&form, csrf::FORM_FIELD).is_some_and(|t| secret.verify(t));
    }
    false
}

async fn route(
    sim: &SimState,
    listener: Listener,
    session: Option<Arc<Session>>,
    parts: &http::request::Parts,
    body: &[u8],
) -> Response {
    let path = parts.uri.path();
    let Some((api, rest)) = Api::split(path).filter(|(api, _)| listener.serves(*api)) else {
        // MilMove's office and milmove routers end with the single-page app's index for
        // every other GET/HEAD (`/sign-in`, `/moves/…`, even an API this app does not
        // mount); the Prime router has none.
        let browser = matches!(listener, Listener::Office | Listener::Customer);
        if browser && matches!(parts.method, Method::GET | Method::HEAD) {
            return crate::spa::index(&parts.method);
        }
        return (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
    };
    let Some(spec) = sim.specs.get(api) else {
        return ApiError::new(StatusCode::NOT_FOUND, "API not loaded").response(api);
    };
    if rest == "/swagger.yaml" && parts.method == Method::GET {
        let mut r = spec.parser.source_text().to_string().into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-yaml"),
        );
        return r;
    }
    if !api.is_mtls() && session.is_none() {
        return ApiError::new(StatusCode::UNAUTHORIZED, "no session").response(api);
    }
    let matched = match spec.parser.match_route(parts.method.as_str(), rest) {
        Ok(m) => m,
        Err(e) => return route_error(api, &e),
    };
    let op = matched.operation;
    let op_id = op.operation_id.as_deref().unwrap_or("");
    if let Some(s) = &session {
        if let Err(e) = handlers::roles::check(api, op_id, s) {
            return e.response(api);
        }
    }
    let query = parse_pairs(parts.uri.query().unwrap_or(""));
    let parsed = match spec.validate_request(op, &matched.path_params, &query, &parts.headers, body)
    {
        Ok(v) => v,
        Err(e) => return e.response(api),
    };
    let call = Call {
        api,
        spec,
        op,
        path_params: matched.path_params.clone(),
        query,
        headers: &parts.headers,
        body: parsed,
        raw_body: body,
        session,
    };
    let response = handlers::dispatch(sim, &call);
    match &sim.audit {
        Some(audit) => audit.check(api, spec, op, response).await,
        None => response,
    }
}

fn route_error(api: Api, e: &milmove_parser::ParserError) -> Response {
    let status = e
        .http_status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::NOT_FOUND);
    let mut response = ApiError::framework(status, e.to_string()).response(api);
    if let milmove_parser::ParserError::UnknownMethod { allowed, .. } = e {
        if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
            response.headers_mut().insert(header::ALLOW, v);
        }
    }
    response
}
