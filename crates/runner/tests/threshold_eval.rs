//! Threshold parsing, evaluation and exit codes.

use milmove_runner::stats::{RequestRecord, StatsHub};
use milmove_runner::threshold::{
    evaluate, exit_code, Metric, Op, Threshold, ThresholdError, THRESHOLD_EXIT_CODE,
};

fn parse(s: &str) -> Threshold {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn parses_the_documented_forms() {
    let t = parse("p95<500ms");
    assert_eq!(
        (t.metric, t.op, t.limit, t.name.clone()),
        (Metric::Percentile(0.95), Op::Lt, 500_000.0, None)
    );
    assert_eq!(parse("p99<1s").limit, 1_000_000.0);
    assert_eq!(parse("p99.9 <= 250").limit, 250_000.0, "ms by default");
    assert_eq!(parse("p(90)<20us").metric, Metric::Percentile(0.9));
    assert_eq!(parse("fail_ratio<0.01").limit, 0.01);
    assert_eq!(parse("fail_ratio<1%").limit, 0.01);
    let rps = parse("rps>100");
    assert_eq!(
        (rps.metric, rps.op, rps.limit),
        (Metric::Rps, Op::Gt, 100.0)
    );
    assert_eq!(parse("avg<2m").limit, 120_000_000.0);
    assert_eq!(parse("max>=1µs").op, Op::Ge);
    let e = parse("GET /moves:p95<300ms");
    assert_eq!(
        (e.method.as_deref(), e.name.as_deref()),
        (Some("GET"), Some("/moves"))
    );
    let n = parse("/a:b/{id}:median<10");
    assert_eq!(
        (n.method, n.name.as_deref(), n.metric),
        (None, Some("/a:b/{id}"), Metric::Percentile(0.5))
    );
}

#[test]
fn bad_expressions_give_clear_errors() {
    assert_eq!("  ".parse::<Threshold>(), Err(ThresholdError::Empty));
    let err = |s: &str| s.parse::<Threshold>().unwrap_err().to_string();
    assert!(err("p95 500ms").contains("expected an operator"));
    assert!(err("p95<<3").contains("expected an operator"));
    assert!(err("latency<3").contains("unknown metric `latency`"));
    assert!(err("p0<3").contains("(0, 100]"));
    assert!(err("p101<3").contains("(0, 100]"));
    assert!(err("p95<fast").contains("not a number"));
    assert!(err("p95<5kg").contains("time unit"));
    assert!(err("fail_ratio<2").contains("between 0 and 1"));
    assert!(err("rps>10ms").contains("plain number"));
    assert!(err(":p95<3").contains("empty endpoint"));
}

fn hub() -> StatsHub {
    let hub = StatsHub::default();
    for i in 1..=100u64 {
        hub.record(RequestRecord::new("GET", "/moves", i * 1_000));
    }
    hub.record(RequestRecord::new("POST", "/moves", 400_000).error("HTTP 500"));
    hub
}

#[test]
fn evaluation_reports_observed_values() {
    let snap = hub().snapshot();
    let ts: Vec<Threshold> = [
        "GET /moves:p95<300ms",
        "p95<50ms",
        "fail_ratio<0.02",
        "requests>=101",
        "POST /moves:max<1s",
        "GET /nope:p95<1s",
        "/moves:avg<60ms",
    ]
    .iter()
    .map(|s| parse(s))
    .collect();
    let r = evaluate(&ts, &snap);
    assert!(r[0].passed);
    let p95 = r[0].observed.unwrap();
    assert!(
        (95_000.0..=95_000.0 * 1.001).contains(&p95),
        "HDR: within 0.1 % above the exact value, got {p95}"
    );
    assert!(!r[1].passed, "aggregated p95 is 96 ms");
    assert!(r[2].passed, "1/101 < 0.02");
    assert!(r[3].passed);
    assert!(r[4].passed);
    assert_eq!(
        (r[5].passed, r[5].observed),
        (false, None),
        "unknown endpoint never passes"
    );
    assert!(
        r[6].passed,
        "name without method picks the first matching row (GET, avg 50.5 ms)"
    );
    assert!(
        r[1].to_string().starts_with("FAIL p95<50ms (observed 96.0"),
        "{}",
        r[1]
    );
    assert!(r[5].to_string().contains("no requests"));
}

#[test]
fn exit_codes_follow_locust_plus_thresholds() {
    let clean = StatsHub::default();
    clean.record(RequestRecord::new("GET", "/", 1));
    let clean = clean.snapshot();
    assert_eq!(exit_code(&[], &clean, 1), 0);

    let failing = hub().snapshot();
    assert_eq!(
        exit_code(&[], &failing, 1),
        1,
        "any failure → --exit-code-on-error (default 1)"
    );
    assert_eq!(
        exit_code(&[], &failing, 0),
        0,
        "--exit-code-on-error 0 disables it"
    );

    let with_exception = StatsHub::default();
    with_exception.record_exception("boom", "tb");
    assert_eq!(exit_code(&[], &with_exception.snapshot(), 2), 2);

    let violated = evaluate(&[parse("p95<1ms")], &failing);
    assert_eq!(exit_code(&violated, &failing, 0), THRESHOLD_EXIT_CODE);
    let held = evaluate(&[parse("p95<1s")], &clean);
    assert_eq!(exit_code(&held, &clean, 1), 0);
}
