//! `/healthz` (the process is up and serving) and `/readyz` (ready to take a test: the
//! runner's [`Readiness`] hook, which a cluster worker keeps "not ready" until it is connected
//! to its master). Both are plain text, unauthenticated (they reveal nothing else) and served on
//! the web UI's port and on `--metrics-port`, for container health checks and Kubernetes probes.
//! `/metrics` is rendered here too, for both ports.

use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use milmove_runner::control::{Readiness, TestController};

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /healthz`: 200 while the process serves.
pub(crate) async fn healthz() -> Response {
    text(StatusCode::OK, "ok\n".into())
}

/// `GET /readyz`: 200 `ready`, or 503 with the reason.
pub(crate) fn readyz(readiness: &Readiness) -> Response {
    match readiness.check() {
        Ok(()) => text(StatusCode::OK, "ready\n".into()),
        Err(reason) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        ),
    }
}

/// `GET /metrics`: the Prometheus text, rendered off the async threads (a snapshot merges
/// every shard's histograms).
pub(crate) async fn metrics(
    ctl: Option<Arc<dyn TestController>>,
    readiness: Readiness,
    version: String,
) -> Response {
    let rendered = tokio::task::spawn_blocking(move || {
        crate::metrics::render(ctl.as_ref(), &readiness, &version)
    })
    .await;
    match rendered {
        Ok(body) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("rendering the metrics failed: {e}\n"),
        ),
    }
}
