//! Locust's HTTP API, kept: the same paths, form fields and JSON keys, so scripts and CI jobs
//! that drive Locust drive this unchanged. CSV downloads are written by the runner's own CSV
//! writer, so they are byte-identical to what `--csv` writes for the same snapshot.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use milmove_runner::control::{ControlError, Phase, StartParams, TestController};
use milmove_runner::report::csv as csv_report;
use serde_json::json;

use crate::form::{Fields, DEFAULT_WEIGHT};
use crate::live;
use crate::server::Shared;

/// A 400 (or 409) with Locust's `{"success": false, "message": …}`.
pub(crate) fn refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"success": false, "message": message}))).into_response()
}

pub(crate) fn control_error(e: &ControlError) -> Response {
    match e {
        ControlError::BadInput(m) => refusal(StatusCode::BAD_REQUEST, m),
        ControlError::State(m) => refusal(StatusCode::CONFLICT, m),
    }
}

pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Catalogue weights for classes chosen without one.
pub(crate) fn apply_default_weights(ctl: &dyn TestController, params: &mut StartParams) {
    let catalogue = ctl.catalogue();
    for c in &mut params.classes {
        if c.weight == DEFAULT_WEIGHT {
            c.weight = catalogue.class(&c.name).map_or(1, |k| k.weight.max(1));
        }
    }
}

/// Starts a test from a form, or edits the running one (Locust: `/swarm` while running changes
/// the user count and spawn rate).
pub(crate) async fn start_or_edit(state: &Shared, fields: &Fields, edit_only: bool) -> Response {
    let ctl = &state.ctl;
    let status = ctl.status();
    if matches!(status.phase, Phase::Spawning | Phase::Running) {
        let rate = if status.spawn_rate.is_finite() {
            status.spawn_rate
        } else {
            1.0
        };
        let (users, spawn_rate) = match fields.edit((status.target, rate)) {
            Ok(v) => v,
            Err(m) => return refusal(StatusCode::BAD_REQUEST, &m),
        };
        return match ctl.edit(users, spawn_rate) {
            Ok(()) => Json(json!({
                "success": true,
                "message": format!("Swarming started: {users} users at {spawn_rate} users/s"),
                "host": status.host,
            }))
            .into_response(),
            Err(e) => control_error(&e),
        };
    }
    if edit_only {
        return refusal(StatusCode::CONFLICT, "no test is running");
    }
    if status.phase == Phase::Stopping {
        return refusal(
            StatusCode::CONFLICT,
            "the test is still stopping; start again once it has stopped",
        );
    }
    let mut params = match fields.start(&ctl.defaults()) {
        Ok(p) => p,
        Err(m) => return refusal(StatusCode::BAD_REQUEST, &m),
    };
    apply_default_weights(&**ctl, &mut params);
    let host = params.host.clone();
    match ctl.start(params).await {
        Ok(()) => Json(json!({
            "success": true,
            "message": "Swarming started",
            "host": host,
        }))
        .into_response(),
        Err(e) => control_error(&e),
    }
}

/// `POST /swarm`.
pub(crate) async fn swarm(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match Fields::parse(&body, is_json(&headers)) {
        Ok(fields) => start_or_edit(&state, &fields, false).await,
        Err(m) => refusal(StatusCode::BAD_REQUEST, &m),
    }
}

/// `POST /stop`.
pub(crate) async fn stop(State(state): State<Shared>) -> Response {
    state.ctl.stop();
    Json(json!({"success": true, "message": "Test stopped"})).into_response()
}

/// `POST /stats/reset`.
pub(crate) async fn reset(State(state): State<Shared>) -> Response {
    state.ctl.reset_stats();
    "ok".into_response()
}

/// A fresh tick (so API reads see the latest statistics, not the last second's).
pub(crate) fn fresh_tick(state: &Shared) -> milmove_runner::control::Tick {
    let seq = state.tick().seq;
    milmove_runner::control::session::make_tick(&*state.ctl, seq, None)
}

/// `GET /stats/requests`.
pub(crate) async fn stats_requests(State(state): State<Shared>) -> Response {
    Json(live::locust_stats(&fresh_tick(&state))).into_response()
}

fn csv_download(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn file_stem() -> String {
    chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string()
}

/// `GET /stats/requests/csv`: `PREFIX_stats.csv` of the current snapshot.
pub(crate) async fn stats_csv(State(state): State<Shared>) -> Response {
    let snap = state.ctl.stats().snapshot();
    csv_download(
        &format!("requests_{}.csv", file_stem()),
        csv_report::stats_csv(&snap),
    )
}

/// `GET /stats/requests_full_history/csv`: the `--csv` history file when one is written,
/// otherwise the history kept in memory (aggregated rows).
pub(crate) async fn history_csv(State(state): State<Shared>) -> Response {
    let name = format!("requests_full_history_{}.csv", file_stem());
    if let Some((prefix, _)) = &state.csv {
        let path = format!("{}_stats_history.csv", prefix.display());
        match tokio::fs::read_to_string(&path).await {
            Ok(text) => return csv_download(&name, text),
            Err(e) => tracing::warn!("cannot read {path}: {e}; serving the in-memory history"),
        }
    }
    let mut text = csv_report::history_header();
    for sample in state.ctl.stats().history() {
        text.push_str(&csv_report::history_rows(&sample, false));
    }
    csv_download(&name, text)
}

/// `GET /stats/failures/csv`.
pub(crate) async fn failures_csv(State(state): State<Shared>) -> Response {
    let snap = state.ctl.stats().snapshot();
    csv_download(
        &format!("failures_{}.csv", file_stem()),
        csv_report::failures_csv(&snap),
    )
}

/// `GET /exceptions`.
pub(crate) async fn exceptions(State(state): State<Shared>) -> Response {
    let snap = state.ctl.stats().snapshot();
    let list: Vec<_> = snap
        .exceptions
        .iter()
        .map(|x| {
            json!({
                "count": x.count,
                "msg": x.message,
                "traceback": x.traceback,
                "nodes": x.nodes.join(", "),
            })
        })
        .collect();
    Json(json!({ "exceptions": list })).into_response()
}

/// `GET /exceptions/csv`.
pub(crate) async fn exceptions_csv(State(state): State<Shared>) -> Response {
    let snap = state.ctl.stats().snapshot();
    csv_download(
        &format!("exceptions_{}.csv", file_stem()),
        csv_report::exceptions_csv(&snap),
    )
}

/// `GET /tasks`.
pub(crate) async fn tasks(State(state): State<Shared>) -> Response {
    Json(live::tasks(&state.ctl.catalogue(), &state.ctl.status())).into_response()
}

/// Query of `/stats/report`.
#[derive(serde::Deserialize)]
pub(crate) struct ReportQuery {
    download: Option<String>,
}

/// `GET /stats/report` (`?download=1` as an attachment): the HTML report of the current run.
pub(crate) async fn report(State(state): State<Shared>, Query(q): Query<ReportQuery>) -> Response {
    let Some(writer) = state.html.clone() else {
        return (StatusCode::NOT_FOUND, "no HTML report writer").into_response();
    };
    let stats = state.ctl.stats();
    let snap = stats.snapshot();
    let timeline = stats.timeline();
    let run = state.ctl.run_info();
    let results = live::evaluate(run.as_ref(), &snap);
    let catalogue = state.ctl.catalogue();
    let workers = state.ctl.workers();
    let input = milmove_runner::control::ReportInput {
        snapshot: &snap,
        timeline: &timeline,
        run: run.as_ref(),
        thresholds: &results,
        catalogue: &catalogue,
        workers: &workers,
        command_line: &state.command_line,
        version: &state.version,
    };
    let html = writer.render(&input);
    let mut headers = vec![(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string())];
    if q.download
        .is_some_and(|d| !d.is_empty() && d != "0" && d != "false")
    {
        headers.push((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"report_{}.html\"", file_stem()),
        ));
    }
    let mut resp = html.into_response();
    for (k, v) in headers {
        if let Ok(v) = v.parse() {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}
