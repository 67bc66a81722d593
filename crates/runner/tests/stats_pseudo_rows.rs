//! Pseudo rows (`WORKFLOW`, `QUEUE`): kept in every per-row table, the CSV and the JSON, but
//! never in the aggregated row's request count, requests/s or failure ratio.

use std::time::{Duration, SystemTime};

use milmove_runner::report::console::final_summary;
use milmove_runner::report::csv::stats_csv;
use milmove_runner::report::json::{summary, RunMetadata};
use milmove_runner::stats::{is_pseudo_method, RequestRecord, StatsHub, PSEUDO_METHODS};
use milmove_runner::threshold::{evaluate, exit_code, Threshold};

fn hub() -> StatsHub {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/moves", 2_000).content_length(100));
    hub.record(RequestRecord::new("PATCH", "/moves/{id}", 4_000));
    hub.record(RequestRecord::new("WORKFLOW", "flow single-hhg", 9_000_000));
    hub.record(
        RequestRecord::new("WORKFLOW", "flow single-hhg", 8_000_000)
            .error("failed at step 2 (services counselor review): HTTP 409"),
    );
    hub.record(RequestRecord::new("QUEUE", "queue TOO", 30_000_000));
    hub.record(RequestRecord::new("QUEUE", "queue TOO", 50_000_000));
    hub
}

#[test]
fn pseudo_methods_are_workflow_and_queue() {
    assert_eq!(PSEUDO_METHODS, ["WORKFLOW", "QUEUE"]);
    assert!(is_pseudo_method("WORKFLOW") && is_pseudo_method("queue"));
    assert!(!is_pseudo_method("GET") && !is_pseudo_method("grpc") && !is_pseudo_method(""));
}

#[test]
fn aggregated_row_counts_only_requests() {
    let snap = hub().snapshot();
    assert_eq!(
        snap.total.num_requests, 2,
        "only GET and PATCH are requests"
    );
    assert_eq!(
        snap.total.num_failures, 0,
        "the failed workflow is not a request"
    );
    assert_eq!(snap.total.fail_ratio(), 0.0);
    assert_eq!(snap.total.raw.count(), 2);
    assert_eq!(
        snap.total.raw.max_us(),
        Some(4_000),
        "no workflow time in it"
    );
    assert_eq!(snap.total.total_content_length, 100);

    // Every row is still there with its own figures.
    assert_eq!(snap.entries.len(), 4);
    let flow = snap.entry(Some("WORKFLOW"), "flow single-hhg").unwrap();
    assert!(flow.is_pseudo());
    assert_eq!((flow.num_requests, flow.num_failures), (2, 1));
    let queue = snap.entry(Some("QUEUE"), "queue TOO").unwrap();
    assert_eq!(queue.num_requests, 2);
    assert_eq!(queue.raw.max_us(), Some(50_000_000));
    // Its failure is reported, and the run has errors.
    assert!(snap
        .errors
        .iter()
        .any(|e| e.method == "WORKFLOW" && e.error.starts_with("failed at step 2")));
    assert!(snap.has_errors());
    assert_eq!(exit_code(&[], &snap, 1), 1);
}

#[test]
fn successful_pseudo_rows_do_not_make_errors() {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/", 1_000));
    hub.record(RequestRecord::new("QUEUE", "queue TIO", 1_000_000));
    let snap = hub.snapshot();
    assert!(!snap.has_errors());
    assert_eq!(snap.total.num_requests, 1);
}

#[test]
fn pseudo_rows_are_in_the_csv_and_json_but_not_in_the_aggregated_figures() {
    let snap = hub().snapshot();
    let csv = stats_csv(&snap);
    assert!(csv.contains("\nQUEUE,queue TOO,2,0,"), "{csv}");
    assert!(csv.contains("\nWORKFLOW,flow single-hhg,2,1,"), "{csv}");
    assert!(csv.contains("\n,Aggregated,2,0,"), "{csv}");

    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let meta = RunMetadata {
        start_time: start,
        end_time: start + Duration::from_secs(10),
        host: "sim".into(),
        users: 5,
        end_reason: "run time reached".into(),
        cut_requests: 0,
        cut_users: 0,
    };
    let json = summary(&snap, &meta, &[]);
    assert_eq!(json["total"]["requests"], 2);
    assert_eq!(json["total"]["failures"], 0);
    let methods: Vec<&str> = json["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert!(methods.contains(&"QUEUE") && methods.contains(&"WORKFLOW"));

    let text = final_summary(&snap, &[]);
    assert!(text.contains("queue TOO") && text.contains("flow single-hhg"));
}

#[test]
fn thresholds_see_pseudo_rows_by_name_and_requests_on_the_aggregate() {
    let snap = hub().snapshot();
    let checks: Vec<Threshold> = [
        "QUEUE queue TOO:p95<60s",
        "fail_ratio<0.01",
        "requests<3",
        "WORKFLOW flow single-hhg:failures<1",
    ]
    .iter()
    .map(|t| t.parse().unwrap())
    .collect();
    let results = evaluate(&checks, &snap);
    let passed: Vec<bool> = results.iter().map(|r| r.passed).collect();
    assert_eq!(passed, [true, true, true, false], "{results:?}");
}
