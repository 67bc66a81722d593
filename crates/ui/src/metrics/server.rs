//! The metrics port (`--metrics-port`): `/metrics`, `/healthz` and `/readyz` without the web UI.
//! `/metrics` is guarded as the web UI is: loopback host names only without a login (DNS
//! rebinding), basic authentication with one; the probes stay open.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use milmove_runner::control::{
    BoxFuture, MetricsContext, MetricsFrontend, Readiness, TestController, WebServer,
};

use crate::{health, security};

struct MetricsState {
    ctl: Option<Arc<dyn TestController>>,
    readiness: Readiness,
    version: String,
    login: Option<(String, String)>,
}

type Shared = Arc<MetricsState>;

async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let allowed = match &state.login {
        Some((user, password)) => security::authorised(headers, user, password),
        None => {
            security::host_name(headers).is_some_and(|h| milmove_runner::config::is_loopback(&h))
        }
    };
    if allowed {
        return next.run(request).await;
    }
    if state.login.is_some() {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"milmove-load metrics\"",
            )],
            "authentication required\n",
        )
            .into_response();
    }
    (
        StatusCode::FORBIDDEN,
        "metrics are served to loopback host names only; give --metrics-login to serve others\n",
    )
        .into_response()
}

async fn metrics(State(state): State<Shared>) -> Response {
    health::metrics(
        state.ctl.clone(),
        state.readiness.clone(),
        state.version.clone(),
    )
    .await
}

async fn readyz(State(state): State<Shared>) -> Response {
    health::readyz(&state.readiness)
}

/// The metrics port's routes for `ctx` (for tests and [`MetricsServer`]).
pub fn metrics_router(ctx: MetricsContext) -> Router {
    let state: Shared = Arc::new(MetricsState {
        ctl: ctx.controller,
        readiness: ctx.readiness,
        version: ctx.version,
        login: ctx.options.login,
    });
    Router::new()
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// The runner's [`MetricsFrontend`] plug-in: serves [`metrics_router`] on
/// `--metrics-host`:`--metrics-port`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsServer;

impl MetricsFrontend for MetricsServer {
    fn serve(&self, ctx: MetricsContext) -> BoxFuture<'static, Result<WebServer, String>> {
        Box::pin(async move {
            let opts = ctx.options.clone();
            let bind = if opts.host.contains(':') && !opts.host.starts_with('[') {
                format!("[{}]:{}", opts.host, opts.port)
            } else {
                format!("{}:{}", opts.host, opts.port)
            };
            let listener = tokio::net::TcpListener::bind(&bind)
                .await
                .map_err(|e| format!("cannot serve metrics on {bind}: {e}"))?;
            let addr = listener
                .local_addr()
                .map_err(|e| format!("cannot read the metrics address: {e}"))?;
            let host = if addr.ip().is_unspecified() {
                opts.host.clone()
            } else if addr.is_ipv6() {
                format!("[{}]", addr.ip())
            } else {
                addr.ip().to_string()
            };
            let url = format!("http://{host}:{}/", addr.port());
            let app = metrics_router(ctx);
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
                if let Err(e) = served {
                    tracing::error!("metrics server failed: {e}");
                }
            });
            Ok(WebServer {
                url,
                shutdown: Box::new(move || {
                    let _ = tx.send(());
                }),
            })
        })
    }
}
