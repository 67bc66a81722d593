//! Thresholds (`--threshold EXPR`, repeatable) evaluated against the final statistics.
//!
//! Grammar: `[ENDPOINT:]METRIC OP VALUE[UNIT]`
//!
//! * `ENDPOINT` (optional): `METHOD NAME` (`GET /moves`) or just `NAME` (any method); without
//!   it the aggregated row is used. The name may itself contain `:`.
//! * `METRIC`: `pNN` (any percentile, e.g. `p95`, `p99.9`, also `p(95)`), `avg`, `min`, `max`,
//!   `median`/`med`, `fail_ratio` (0..1, or `1%`), `rps`, `fail_rps`, `requests`, `failures`.
//! * `OP`: `<`, `<=`, `>`, `>=`.
//! * Time values take a unit `us`/`µs`, `ms`, `s` or `m` (ms when omitted, as in Locust).
//!
//! Latency metrics use the primary series ([`EntrySnapshot::primary`]): corrected for
//! coordinated omission when corrected samples exist. A threshold on a latency of an endpoint
//! without requests fails (a typo in a name never passes silently).
//!
//! ```
//! use milmove_runner::threshold::{evaluate, Threshold};
//! use milmove_runner::stats::{RequestRecord, StatsHub};
//!
//! let hub = StatsHub::default();
//! hub.record(RequestRecord::new("GET", "/moves", 120_000));
//! let t: Threshold = "GET /moves:p95<300ms".parse().unwrap();
//! let results = evaluate(&[t], &hub.snapshot());
//! assert!(results[0].passed);
//! assert!("p95<<3".parse::<Threshold>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use crate::stats::{EntrySnapshot, StatsSnapshot};

/// Exit code when at least one threshold is violated.
pub const THRESHOLD_EXIT_CODE: i32 = 3;

/// What a threshold measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// A percentile, as a fraction (0.95 for `p95`).
    Percentile(f64),
    /// Mean response time.
    Avg,
    /// Minimum response time.
    Min,
    /// Maximum response time.
    Max,
    /// Failures / requests.
    FailRatio,
    /// Requests per second over the run.
    Rps,
    /// Failures per second over the run.
    FailRps,
    /// Number of requests.
    Requests,
    /// Number of failures.
    Failures,
}

impl Metric {
    /// True for metrics measured in time (limits stored in µs).
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Metric::Percentile(_) | Metric::Avg | Metric::Min | Metric::Max
        )
    }
}

/// Comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Op::Lt => observed < limit,
            Op::Le => observed <= limit,
            Op::Gt => observed > limit,
            Op::Ge => observed >= limit,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A parsed threshold expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The expression as given.
    pub expr: String,
    /// Method of the endpoint (`None`: any method).
    pub method: Option<String>,
    /// Name of the endpoint (`None`: the aggregated row).
    pub name: Option<String>,
    /// What is measured.
    pub metric: Metric,
    /// How it is compared.
    pub op: Op,
    /// The limit: µs for time metrics, a fraction for `fail_ratio`, per second or a count.
    pub limit: f64,
}

/// Why a threshold expression was rejected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ThresholdError {
    /// Nothing was given.
    #[error("empty threshold expression")]
    Empty,
    /// No `<`, `<=`, `>` or `>=`.
    #[error("threshold `{0}`: expected an operator (<, <=, > or >=), e.g. `p95<500ms`")]
    NoOperator(String),
    /// Unknown metric name.
    #[error("threshold `{expr}`: unknown metric `{metric}` (use pNN, avg, min, max, median, fail_ratio, rps, fail_rps, requests or failures)")]
    UnknownMetric {
        /// The expression.
        expr: String,
        /// The metric text.
        metric: String,
    },
    /// The value could not be read.
    #[error("threshold `{expr}`: bad value `{value}`: {reason}")]
    BadValue {
        /// The expression.
        expr: String,
        /// The value text.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// An endpoint prefix without a name.
    #[error("threshold `{0}`: empty endpoint before `:`")]
    EmptyEndpoint(String),
}

fn parse_metric(expr: &str, text: &str) -> Result<Metric, ThresholdError> {
    let m = text.trim().to_ascii_lowercase();
    let unknown = || ThresholdError::UnknownMetric {
        expr: expr.to_owned(),
        metric: text.trim().to_owned(),
    };
    Ok(match m.as_str() {
        "avg" | "mean" => Metric::Avg,
        "min" => Metric::Min,
        "max" => Metric::Max,
        "med" | "median" => Metric::Percentile(0.5),
        "fail_ratio" | "fail_rate" | "failure_ratio" | "error_rate" => Metric::FailRatio,
        "rps" | "requests/s" => Metric::Rps,
        "fail_rps" | "failures/s" => Metric::FailRps,
        "requests" | "count" => Metric::Requests,
        "failures" | "fails" => Metric::Failures,
        _ => {
            let digits = m.strip_prefix('p').ok_or_else(unknown)?;
            let digits = digits
                .strip_prefix('(')
                .and_then(|d| d.strip_suffix(')'))
                .unwrap_or(digits);
            let pct: f64 = digits.parse().map_err(|_| unknown())?;
            if !(pct > 0.0 && pct <= 100.0) {
                return Err(ThresholdError::BadValue {
                    expr: expr.to_owned(),
                    value: text.trim().to_owned(),
                    reason: "a percentile must be in (0, 100]".to_owned(),
                });
            }
            Metric::Percentile(pct / 100.0)
        }
    })
}

fn parse_value(expr: &str, metric: Metric, text: &str) -> Result<f64, ThresholdError> {
    let t = text.trim();
    let bad = |reason: &str| ThresholdError::BadValue {
        expr: expr.to_owned(),
        value: t.to_owned(),
        reason: reason.to_owned(),
    };
    let split = t
        .find(|c: char| {
            !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')
        })
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad("not a number"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(bad("must be a finite number ≥ 0"));
    }
    let unit = unit.trim();
    if metric.is_time() {
        let factor = match unit {
            "" | "ms" => 1_000.0,
            "us" | "µs" => 1.0,
            "s" => 1_000_000.0,
            "m" | "min" => 60_000_000.0,
            _ => return Err(bad("time unit must be us, ms, s or m")),
        };
        Ok(n * factor)
    } else if metric == Metric::FailRatio {
        match unit {
            "" if n <= 1.0 => Ok(n),
            "" => Err(bad(
                "a ratio is between 0 and 1 (or write a percentage like 1%)",
            )),
            "%" => Ok(n / 100.0),
            _ => Err(bad(
                "fail_ratio takes a plain ratio (0.01) or a percentage (1%)",
            )),
        }
    } else if unit.is_empty() || (matches!(metric, Metric::Rps | Metric::FailRps) && unit == "/s") {
        Ok(n)
    } else {
        Err(bad("this metric takes a plain number"))
    }
}

impl FromStr for Threshold {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expr = s.trim();
        if expr.is_empty() {
            return Err(ThresholdError::Empty);
        }
        let pos = expr
            .find(['<', '>'])
            .ok_or_else(|| ThresholdError::NoOperator(expr.to_owned()))?;
        let (lhs, rest) = expr.split_at(pos);
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else {
            (Op::Gt, rest.get(1..).unwrap_or(""))
        };
        if value.contains(['<', '>', '=']) {
            return Err(ThresholdError::NoOperator(expr.to_owned()));
        }
        let (endpoint, metric_text) = match lhs.rsplit_once(':') {
            Some((e, m)) => (Some(e.trim()), m),
            None => (None, lhs),
        };
        let metric = parse_metric(expr, metric_text)?;
        let limit = parse_value(expr, metric, value)?;
        let (method, name) = match endpoint {
            None => (None, None),
            Some("") => return Err(ThresholdError::EmptyEndpoint(expr.to_owned())),
            Some(e) => match e.split_once(char::is_whitespace) {
                Some((m, n)) if !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()) => {
                    (Some(m.to_owned()), Some(n.trim().to_owned()))
                }
                _ => (None, Some(e.to_owned())),
            },
        };
        Ok(Threshold {
            expr: expr.to_owned(),
            method,
            name,
            metric,
            op,
            limit,
        })
    }
}

/// The outcome of one threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdResult {
    /// The threshold.
    pub threshold: Threshold,
    /// The observed value (same unit as `limit`), `None` if there was nothing to measure.
    pub observed: Option<f64>,
    /// True if the threshold holds.
    pub passed: bool,
}

fn observe(metric: Metric, e: &EntrySnapshot) -> Option<f64> {
    let p = e.primary();
    match metric {
        Metric::Percentile(q) => p.percentile_us(q).map(|v| v as f64),
        Metric::Avg => p.mean_us(),
        Metric::Min => p.min_us().map(|v| v as f64),
        Metric::Max => p.max_us().map(|v| v as f64),
        Metric::FailRatio => Some(e.fail_ratio()),
        Metric::Rps => Some(e.total_rps),
        Metric::FailRps => Some(e.total_fail_per_sec),
        Metric::Requests => Some(e.num_requests as f64),
        Metric::Failures => Some(e.num_failures as f64),
    }
}

/// Evaluates every threshold against `snap`.
pub fn evaluate(thresholds: &[Threshold], snap: &StatsSnapshot) -> Vec<ThresholdResult> {
    thresholds
        .iter()
        .map(|t| {
            let entry = match &t.name {
                None => Some(&snap.total),
                Some(name) => snap.entry(t.method.as_deref(), name),
            };
            let observed = entry.and_then(|e| observe(t.metric, e));
            let passed = observed.is_some_and(|v| t.op.holds(v, t.limit));
            ThresholdResult {
                threshold: t.clone(),
                observed,
                passed,
            }
        })
        .collect()
}

/// The process exit code: [`THRESHOLD_EXIT_CODE`] if a threshold failed, else
/// `exit_code_on_error` if any request failed or any exception was recorded (Locust's
/// `--exit-code-on-error`, default 1), else 0.
pub fn exit_code(
    results: &[ThresholdResult],
    snap: &StatsSnapshot,
    exit_code_on_error: i32,
) -> i32 {
    if results.iter().any(|r| !r.passed) {
        THRESHOLD_EXIT_CODE
    } else if snap.has_errors() {
        exit_code_on_error
    } else {
        0
    }
}

/// Formats a value of `metric` for people (`123.456 ms`, `1.20%`, `85.3/s`).
pub fn format_value(metric: Metric, v: f64) -> String {
    match metric {
        m if m.is_time() => format!("{:.3} ms", v / 1000.0),
        Metric::FailRatio => format!("{:.4} ({:.2}%)", v, v * 100.0),
        Metric::Rps | Metric::FailRps => format!("{v:.2}/s"),
        _ => format!("{v:.0}"),
    }
}

impl fmt::Display for ThresholdResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.threshold;
        let verdict = if self.passed { "PASS" } else { "FAIL" };
        let observed = match self.observed {
            Some(v) => format_value(t.metric, v),
            None => "no requests".to_owned(),
        };
        write!(
            f,
            "{verdict} {} (observed {observed}, limit {} {})",
            t.expr,
            t.op.text(),
            format_value(t.metric, t.limit)
        )
    }
}
