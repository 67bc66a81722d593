//! The axum application: shared state, routes, middleware, listening.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use milmove_runner::control::{
    BoxFuture, HtmlReporter, TestController, Tick, WebContext, WebFrontend, WebOptions, WebServer,
};
use parking_lot::Mutex;
use tokio::sync::watch;

use crate::{api, assets, health, locust, security};

/// Everything the handlers share.
pub(crate) struct UiState {
    pub(crate) ctl: Arc<dyn TestController>,
    pub(crate) ticks: watch::Receiver<Arc<Tick>>,
    pub(crate) options: WebOptions,
    /// Anti-CSRF token embedded in the page and required on the page's POSTs.
    pub(crate) csrf: String,
    pub(crate) csv: Option<(PathBuf, bool)>,
    pub(crate) html: Option<Arc<dyn HtmlReporter>>,
    pub(crate) command_line: String,
    pub(crate) version: String,
    /// The state behind `/readyz`.
    pub(crate) readiness: milmove_runner::control::Readiness,
    /// The live JSON of the latest tick, rendered once and shared by every viewer.
    pub(crate) live_cache: Mutex<Option<(u64, Arc<str>)>>,
    /// Rendered charts by query, with the tick they were drawn for.
    pub(crate) chart_cache: Mutex<HashMap<String, (u64, Arc<String>)>>,
}

impl UiState {
    /// The latest tick.
    pub(crate) fn tick(&self) -> Arc<Tick> {
        self.ticks.borrow().clone()
    }
}

pub(crate) type Shared = Arc<UiState>;

fn new_token() -> String {
    let bytes: [u8; 24] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn metrics(
    axum::extract::State(s): axum::extract::State<Shared>,
) -> axum::response::Response {
    health::metrics(Some(s.ctl.clone()), s.readiness.clone(), s.version.clone()).await
}

async fn readyz(axum::extract::State(s): axum::extract::State<Shared>) -> axum::response::Response {
    health::readyz(&s.readiness)
}

/// The application for `ctx` (routes nested under the base path), for tests and [`serve`].
pub fn router(ctx: WebContext) -> Router {
    let state: Shared = Arc::new(UiState {
        ctl: ctx.controller,
        ticks: ctx.ticks,
        options: ctx.options,
        csrf: new_token(),
        csv: ctx.csv,
        html: ctx.html,
        command_line: ctx.command_line,
        version: ctx.version,
        readiness: ctx.readiness,
        live_cache: Mutex::new(None),
        chart_cache: Mutex::new(HashMap::new()),
    });
    let inner = Router::new()
        .route("/", get(assets::index))
        .route("/static/app.js", get(assets::script))
        .route("/static/app.css", get(assets::style))
        // Locust's API.
        .route("/swarm", post(locust::swarm))
        .route("/stop", post(locust::stop))
        .route("/stats/reset", post(locust::reset))
        .route("/stats/requests", get(locust::stats_requests))
        .route("/stats/requests/csv", get(locust::stats_csv))
        .route("/stats/requests_full_history/csv", get(locust::history_csv))
        .route("/stats/failures/csv", get(locust::failures_csv))
        .route("/exceptions", get(locust::exceptions))
        .route("/exceptions/csv", get(locust::exceptions_csv))
        .route("/tasks", get(locust::tasks))
        .route("/stats/report", get(locust::report))
        // Our own API.
        .route("/events", get(api::events))
        .route("/api/state", get(api::state))
        .route("/api/config", get(api::config))
        .route("/api/start", post(api::start))
        .route("/api/edit", post(api::edit))
        .route("/api/stop", post(api::stop))
        .route("/api/reset", post(api::reset))
        .route("/api/summary.json", get(api::summary))
        .route("/api/timeline", get(api::timeline))
        .route("/api/logs", get(api::logs))
        .route("/api/workers", get(api::workers))
        .route("/charts/{chart}", get(api::chart))
        .route("/metrics", get(metrics))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        // Probes: open (no login, any host name), they reveal only up / ready.
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(readyz))
        .with_state(state.clone());
    let base = state.options.base_path.clone();
    if base.is_empty() {
        inner
    } else {
        let target = base.clone();
        Router::new().nest(&base, inner).route(
            &format!("{base}/"),
            get(move || async move { axum::response::Redirect::permanent(&target) }),
        )
    }
}

/// Binds `ctx.options` and serves until the returned server's `shutdown` is called.
pub async fn serve(ctx: WebContext) -> Result<WebServer, String> {
    let opts = ctx.options.clone();
    let bind = if opts.host.contains(':') && !opts.host.starts_with('[') {
        format!("[{}]:{}", opts.host, opts.port)
    } else {
        format!("{}:{}", opts.host, opts.port)
    };
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("cannot serve the web UI on {bind}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the web UI's address: {e}"))?;
    let shown_host = if addr.ip().is_unspecified() {
        opts.host.clone()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let path = if opts.base_path.is_empty() {
        "/"
    } else {
        opts.base_path.as_str()
    };
    let url = format!("http://{shown_host}:{}{path}", addr.port());
    let app = router(ctx);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            tracing::error!("web UI server failed: {e}");
        }
    });
    Ok(WebServer {
        url,
        shutdown: Box::new(move || {
            let _ = tx.send(());
        }),
    })
}

/// The runner's [`WebFrontend`] plug-in.
#[derive(Debug, Clone, Copy, Default)]
pub struct UiFrontend;

impl WebFrontend for UiFrontend {
    fn serve(&self, ctx: WebContext) -> BoxFuture<'static, Result<WebServer, String>> {
        Box::pin(serve(ctx))
    }
}
