//! Our own API beyond Locust's: the live stream (`/events`, Server-Sent Events: one JSON
//! document per tick, rendered once and shared by every viewer), `/api/*` JSON and control, and
//! the SVG charts (`/charts/*.svg`, drawn at most once per tick per distinct query).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::Stream;
use milmove_runner::report::json as json_report;
use milmove_runner::stats::TimelinePoint;
use milmove_runner::threshold::Metric;
use serde_json::{json, Value};

use crate::charts::{self, LatencyOptions, Series};
use crate::form::Fields;
use crate::live;
use crate::locust::{is_json, refusal, start_or_edit};
use crate::server::Shared;

/// Most charts kept rendered (distinct queries).
const CHART_CACHE: usize = 64;

/// The live JSON of the latest tick (cached per tick).
fn live_json(state: &Shared) -> Arc<str> {
    let tick = state.tick();
    let mut cache = state.live_cache.lock();
    if let Some((seq, json)) = cache.as_ref() {
        if *seq == tick.seq {
            return json.clone();
        }
    }
    let text: Arc<str> = live::state(&tick, tick.seq).to_string().into();
    *cache = Some((tick.seq, text.clone()));
    text
}

/// `GET /events`: a `state` event now and after every tick.
pub(crate) async fn events(
    State(state): State<Shared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.ticks.clone();
    let stream = futures::stream::unfold((state, rx, true), |(state, mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        rx.borrow_and_update();
        let json = live_json(&state);
        Some((
            Ok(Event::default().event("state").data(&*json)),
            (state, rx, false),
        ))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// `GET /api/state`: the same document as the stream, now.
pub(crate) async fn state(State(state): State<Shared>) -> Response {
    let tick = crate::locust::fresh_tick(&state);
    Json(live::state(&tick, state.tick().seq)).into_response()
}

/// `GET /api/config`: the start form's defaults and the class catalogue.
pub(crate) async fn config(State(state): State<Shared>) -> Response {
    let ctl = &state.ctl;
    let d = ctl.defaults();
    let catalogue = ctl.catalogue();
    let classes: Vec<Value> = catalogue
        .classes
        .iter()
        .map(|c| json!({"name": c.name, "weight": c.weight, "fixed_count": c.fixed_count}))
        .collect();
    Json(json!({
        "defaults": {
            "user_count": d.users,
            "spawn_rate": d.spawn_rate,
            "host": d.host,
            "run_time": d.run_time.map(humanize),
            "tags": d.tags,
            "exclude_tags": d.exclude_tags,
            "thresholds": d.thresholds,
            "arrival_rate": d.arrival_rate,
        },
        "classes": classes,
        "tags": catalogue.tags(),
        "version": state.version,
        "base_path": state.options.base_path,
    }))
    .into_response()
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    if d.subsec_millis() != 0 || s == 0 {
        return format!("{}s", d.as_secs_f64());
    }
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 {
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// `POST /api/start`: as `/swarm` but never edits (409 while running).
pub(crate) async fn start(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match Fields::parse(&body, is_json(&headers)) {
        Ok(f) => f,
        Err(m) => return refusal(StatusCode::BAD_REQUEST, &m),
    };
    if state.ctl.status().phase.is_active() {
        return refusal(
            StatusCode::CONFLICT,
            "a test is running: stop it (or edit it) first",
        );
    }
    start_or_edit(&state, &fields, false).await
}

/// `POST /api/edit`: users and spawn rate of the running test.
pub(crate) async fn edit(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    match Fields::parse(&body, is_json(&headers)) {
        Ok(fields) => start_or_edit(&state, &fields, true).await,
        Err(m) => refusal(StatusCode::BAD_REQUEST, &m),
    }
}

/// `POST /api/stop` (`?now=1`: cut tasks in flight).
pub(crate) async fn stop(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    if q.is_some_and(|q| q.contains("now=1")) {
        state.ctl.stop_now();
    } else {
        state.ctl.stop();
    }
    Json(json!({"success": true, "message": "Test stopped"})).into_response()
}

/// `POST /api/reset`.
pub(crate) async fn reset(State(state): State<Shared>) -> Response {
    state.ctl.reset_stats();
    Json(json!({"success": true, "message": "Statistics reset"})).into_response()
}

/// `GET /api/summary.json`: the `--json` summary of the current statistics.
pub(crate) async fn summary(State(state): State<Shared>) -> Response {
    let snap = state.ctl.stats().snapshot();
    let run = state.ctl.run_info();
    let results = live::evaluate(run.as_ref(), &snap);
    let meta = json_report::RunMetadata {
        start_time: run.as_ref().map_or(snap.start_time, |r| r.start_time),
        end_time: run
            .as_ref()
            .and_then(|r| r.end_time)
            .unwrap_or_else(SystemTime::now),
        host: run
            .as_ref()
            .map(|r| r.host_detail.clone())
            .unwrap_or_default(),
        users: run.as_ref().map_or(0, |r| r.params.users as u64),
        end_reason: run
            .as_ref()
            .and_then(|r| r.end_reason.clone())
            .unwrap_or_else(|| state.ctl.status().phase.as_str().to_string()),
        cut_requests: run.as_ref().map_or(0, |r| r.cut_requests),
        cut_users: run.as_ref().map_or(0, |r| r.cut_users),
    };
    let mut resp = Json(json_report::summary(&snap, &meta, &results)).into_response();
    if let Ok(v) = "attachment; filename=\"summary.json\"".parse() {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Query of the timeline and the charts.
#[derive(serde::Deserialize, Default)]
pub(crate) struct ChartQuery {
    /// Percentiles, comma-separated: `50,95,99,99.9,max`.
    p: Option<String>,
    /// `METHOD NAME` of one endpoint.
    endpoint: Option<String>,
    /// `auto`, `raw` or `corrected`.
    series: Option<String>,
    w: Option<u32>,
    h: Option<u32>,
}

fn endpoint_of(text: Option<&str>) -> Option<(String, String)> {
    let t = text?.trim();
    if t.is_empty() {
        return None;
    }
    Some(match t.split_once(' ') {
        Some((m, n)) => (m.to_string(), n.to_string()),
        None => (String::new(), t.to_string()),
    })
}

fn percentiles(text: Option<&str>) -> Result<Vec<f64>, String> {
    let Some(t) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(vec![0.5, 0.95, 0.99]);
    };
    let mut out = Vec::new();
    for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let q = if part.eq_ignore_ascii_case("max") {
            1.0
        } else {
            let pct: f64 = part.trim_start_matches(['p', 'P']).parse().map_err(|_| {
                format!("percentile `{part}` is not a number (use e.g. 50,95,99.9,max)")
            })?;
            if !(pct > 0.0 && pct <= 100.0) {
                return Err(format!("percentile `{part}` must be in (0, 100]"));
            }
            pct / 100.0
        };
        out.push(q);
    }
    if out.len() > 8 {
        return Err("at most 8 percentiles per chart".into());
    }
    Ok(out)
}

fn limits(state: &Shared, endpoint: Option<&(String, String)>) -> Vec<(String, f64)> {
    let Some(run) = state.ctl.run_info() else {
        return Vec::new();
    };
    run.thresholds
        .iter()
        .filter(|t| t.metric.is_time() && !matches!(t.metric, Metric::Min))
        .filter(|t| match (endpoint, &t.name) {
            (None, None) => true,
            (Some((m, n)), Some(name)) => {
                name == n
                    && t.method
                        .as_ref()
                        .is_none_or(|tm| tm.eq_ignore_ascii_case(m))
            }
            _ => false,
        })
        .map(|t| (t.expr.clone(), t.limit))
        .collect()
}

/// `GET /charts/{rps|latency|users}.svg`.
pub(crate) async fn chart(
    State(state): State<Shared>,
    Path(chart): Path<String>,
    Query(q): Query<ChartQuery>,
    RawQuery(raw): RawQuery,
) -> Response {
    let size = (
        q.w.unwrap_or(1000).clamp(300, 2400),
        q.h.unwrap_or(300).clamp(150, 1200),
    );
    let endpoint = endpoint_of(q.endpoint.as_deref());
    let version = state.tick().seq;
    let key = format!("{chart}?{}", raw.unwrap_or_default());
    if let Some((v, svg)) = state.chart_cache.lock().get(&key) {
        if *v == version {
            return svg_response(svg.as_str().to_string());
        }
    }
    let points = state.ctl.stats().timeline();
    let svg = match chart.as_str() {
        "rps.svg" => charts::rps_chart(&points, endpoint.as_ref(), size),
        "users.svg" => charts::users_chart(&points, size),
        "latency.svg" => {
            let percentiles = match percentiles(q.p.as_deref()) {
                Ok(p) => p,
                Err(m) => return (StatusCode::BAD_REQUEST, m).into_response(),
            };
            let series = match q.series.as_deref().unwrap_or("auto") {
                "auto" | "" => Series::Auto,
                "raw" => Series::Raw,
                "corrected" => Series::Corrected,
                other => {
                    return (
                        StatusCode::BAD_REQUEST,
                        format!("series `{other}`: use auto, raw or corrected"),
                    )
                        .into_response()
                }
            };
            let opts = LatencyOptions {
                percentiles,
                limits: limits(&state, endpoint.as_ref()),
                endpoint,
                series,
                size,
            };
            charts::latency_chart(&points, &opts)
        }
        _ => return not_found().await,
    };
    let svg = Arc::new(svg);
    {
        let mut cache = state.chart_cache.lock();
        if cache.len() >= CHART_CACHE {
            cache.clear();
        }
        cache.insert(key, (version, svg.clone()));
    }
    svg_response(svg.as_str().to_string())
}

fn svg_response(svg: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}

fn point_json(p: &TimelinePoint, endpoint: Option<&(String, String)>) -> Value {
    let row = match endpoint {
        None => Some(&p.total),
        Some((m, n)) => p.entry(m, n),
    };
    let lat = |l: Option<&milmove_runner::stats::IntervalLatency>| -> Value {
        l.map_or(Value::Null, |l| {
            let mut m = serde_json::Map::new();
            m.insert("count".into(), json!(l.count));
            m.insert("mean_ms".into(), json!(l.mean_us / 1000.0));
            for (q, us) in milmove_runner::stats::PERCENTILES_TO_REPORT
                .iter()
                .zip(l.percentiles_us)
            {
                m.insert(
                    format!("{}_ms", charts::percentile_label(*q)),
                    json!(us as f64 / 1000.0),
                );
            }
            Value::Object(m)
        })
    };
    let secs = p.seconds();
    json!({
        "start": live::time_text(p.start),
        "end": live::time_text(p.end),
        "seconds": secs,
        "users": p.user_count,
        "requests": row.map_or(0, |r| r.requests),
        "failures": row.map_or(0, |r| r.failures),
        "rps": row.map_or(0.0, |r| r.requests as f64 / secs),
        "fail_per_s": row.map_or(0.0, |r| r.failures as f64 / secs),
        "latency": lat(row.and_then(|r| r.raw.as_ref())),
        "corrected_latency": lat(row.and_then(|r| r.corrected.as_ref())),
    })
}

/// `GET /api/timeline?endpoint=METHOD%20NAME`: every interval's counts and true percentiles.
pub(crate) async fn timeline(State(state): State<Shared>, Query(q): Query<ChartQuery>) -> Response {
    let endpoint = endpoint_of(q.endpoint.as_deref());
    let stats = state.ctl.stats();
    let points: Vec<Value> = stats
        .timeline()
        .iter()
        .map(|p| point_json(p, endpoint.as_ref()))
        .collect();
    Json(json!({
        "samples_per_point": stats.timeline_factor(),
        "points": points,
    }))
    .into_response()
}

/// Query of `/api/logs`.
#[derive(serde::Deserialize)]
pub(crate) struct LogsQuery {
    since: Option<u64>,
}

/// `GET /api/logs?since=SEQ`: the last log lines (bounded buffer).
pub(crate) async fn logs(Query(q): Query<LogsQuery>) -> Response {
    let lines: Vec<Value> = milmove_runner::logs::recent()
        .since(q.since.unwrap_or(0))
        .into_iter()
        .map(|l| {
            json!({
                "seq": l.seq,
                "time": live::time_text(l.time),
                "level": l.level,
                "message": l.message,
            })
        })
        .collect();
    Json(json!({ "lines": lines })).into_response()
}

/// `GET /api/workers`.
pub(crate) async fn workers(State(state): State<Shared>) -> Response {
    Json(json!({
        "workers": live::workers(&state.ctl.workers()),
        "missing_requests": state.ctl.missing_requests(),
    }))
    .into_response()
}

/// Anything else: 404 with a message.
pub(crate) async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}
