//! CSV reports: Locust's headers (compared literally), row formatting, history, files.

use milmove_runner::report::csv::{
    exceptions_csv, failures_csv, history_rows, stats_csv, CsvReport,
};
use milmove_runner::stats::{RequestRecord, StatsConfig, StatsHub};

const LOCUST_STATS_HEADER: &str = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";
const LOCUST_HISTORY_HEADER: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size";
const LOCUST_FAILURES_HEADER: &str = "Method,Name,Error,Occurrences";
const LOCUST_EXCEPTIONS_HEADER: &str = "Count,Message,Traceback,Nodes";

fn hub() -> StatsHub {
    let hub = StatsHub::new(StatsConfig {
        full_history: true,
        ..StatsConfig::default()
    });
    for us in [1_000, 2_000, 3_000] {
        hub.record(RequestRecord::new("GET", "/", us).content_length(100));
    }
    hub.record(RequestRecord::new("POST", "/x", 500).error("HTTP 500, \"Internal\""));
    hub.record_exception("KeyError: 'id'", "line 1\nline 2");
    hub.set_user_count(3);
    hub
}

fn lines(text: &str) -> Vec<&str> {
    assert!(text.ends_with("\r\n"), "Python csv line terminator");
    text.trim_end_matches("\r\n").split("\r\n").collect()
}

#[test]
fn headers_equal_locusts() {
    let snap = hub().snapshot();
    assert_eq!(lines(&stats_csv(&snap))[0], LOCUST_STATS_HEADER);
    assert_eq!(lines(&failures_csv(&snap))[0], LOCUST_FAILURES_HEADER);
    assert_eq!(lines(&exceptions_csv(&snap))[0], LOCUST_EXCEPTIONS_HEADER);
    assert_eq!(
        milmove_runner::report::csv::history_header(),
        format!("{LOCUST_HISTORY_HEADER}\r\n")
    );
}

#[test]
fn stats_rows_are_formatted_like_locust() {
    let snap = hub().snapshot();
    let text = stats_csv(&snap);
    let rows = lines(&text);
    assert_eq!(rows.len(), 4, "{text}");
    let get: Vec<&str> = rows[1].split(',').collect();
    assert_eq!(get.len(), 22);
    assert_eq!(
        &get[..9],
        ["GET", "/", "3", "0", "2", "2.0", "1.0", "3.0", "100.0"]
    );
    assert!(
        get[9].parse::<f64>().unwrap() > 0.0,
        "Requests/s is a float: {}",
        get[9]
    );
    assert_eq!(get[10], "0.0");
    assert_eq!(get[11], "2", "50%");
    assert_eq!(get[21], "3", "100%");
    let post: Vec<&str> = rows[2].split(',').collect();
    // sub-millisecond median is clamped to the min/max float, as Locust does
    assert_eq!(
        &post[..9],
        ["POST", "/x", "1", "1", "0.5", "0.5", "0.5", "0.5", "0.0"]
    );
    assert!(rows[3].starts_with(",Aggregated,4,1,"), "{}", rows[3]);
}

#[test]
fn rows_without_requests_show_na_percentiles() {
    let hub = hub();
    hub.reset();
    let text = stats_csv(&hub.snapshot());
    let rows = lines(&text);
    assert_eq!(
        rows[1],
        "GET,/,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A"
    );
    assert!(rows
        .last()
        .unwrap()
        .starts_with(",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A"));
}

#[test]
fn failures_and_exceptions_are_quoted_like_python_csv() {
    let snap = hub().snapshot();
    assert_eq!(
        lines(&failures_csv(&snap))[1],
        "POST,/x,\"HTTP 500, \"\"Internal\"\"\",1"
    );
    let ex = exceptions_csv(&snap);
    assert!(
        ex.contains("1,KeyError: 'id',\"line 1\nline 2\",local\r\n"),
        "{ex}"
    );
}

#[test]
fn history_rows_follow_locusts_layout() {
    let hub = hub();
    let sample = hub.sample_history();
    let text = history_rows(&sample, false);
    let rows = lines(&text);
    assert_eq!(rows.len(), 1, "aggregated row only without full history");
    let f: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(f.len(), 24);
    assert_eq!(f[0], sample.timestamp.to_string());
    assert_eq!(&f[1..4], ["3", "", "Aggregated"]);
    for rate in &f[4..6] {
        let decimals = rate.split('.').nth(1).unwrap();
        assert_eq!(
            decimals.len(),
            6,
            "Requests/s printed with 6 decimals: {rate}"
        );
    }
    assert_eq!(&f[17..19], ["4", "1"]);
    assert_eq!(f[21], "0.5", "Total Min Response Time");
    assert_eq!(f[22], "3.0", "Total Max Response Time");

    let full = history_rows(&sample, true);
    let rows = lines(&full);
    assert_eq!(
        rows.len(),
        3,
        "one row per endpoint, then the aggregated row"
    );
    assert!(
        rows[0].contains(",GET,/,")
            && rows[1].contains(",POST,/x,")
            && rows[2].contains(",,Aggregated,")
    );
}

#[test]
fn csv_report_writes_four_files_and_appends_history() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("nested/run");
    let prefix = prefix.to_str().unwrap();
    let hub = hub();
    let mut report = CsvReport::create(prefix, false).unwrap();
    report.append_history(&hub.sample_history()).unwrap();
    report.append_history(&hub.sample_history()).unwrap();
    report.write_stats(&hub.snapshot()).unwrap();
    let read = |kind: &str| std::fs::read_to_string(format!("{prefix}_{kind}.csv")).unwrap();
    assert_eq!(lines(&read("stats")).len(), 4);
    assert_eq!(lines(&read("stats_history")).len(), 3);
    assert_eq!(lines(&read("stats_history"))[0], LOCUST_HISTORY_HEADER);
    assert_eq!(lines(&read("failures")).len(), 2);
    assert!(read("exceptions").starts_with(LOCUST_EXCEPTIONS_HEADER));
    assert!(!std::path::Path::new(&format!("{prefix}_stats.csv.tmp")).exists());
}

#[test]
fn csv_report_reports_unwritable_paths() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let prefix = file.join("run");
    let err = CsvReport::create(prefix.to_str().unwrap(), false).unwrap_err();
    assert!(err.to_string().contains("plain-file"), "{err}");
}
