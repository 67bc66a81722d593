//! The page, script and style, compiled into the binary (no CDN, no network, no Node.js).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::live::html_escape;
use crate::server::Shared;

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");

/// `GET /`: the page, with the base path, CSRF token and version filled in.
pub(crate) async fn index(State(state): State<Shared>) -> Response {
    let page = INDEX
        .replace("{{BASE}}", &html_escape(&state.options.base_path))
        .replace("{{CSRF}}", &state.csrf)
        .replace("{{VERSION}}", &html_escape(&state.version));
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

/// `GET /static/app.js`.
pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /static/app.css`.
pub(crate) async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}
