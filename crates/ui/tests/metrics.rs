//! `/metrics`, `/healthz` and `/readyz` for real: on the web UI's port and on `--metrics-port`,
//! the text checked by `promtool check metrics`, and a real Prometheus server on loopback that
//! scrapes a running test and stores the same request count as the JSON summary.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use milmove_runner::control::FixedClasses;
use milmove_runner::{Hooks, RunnerArgs, Settings};
use support::tools::{free_port, require};
use support::{start_ui, target};

fn stopped(s: &serde_json::Value) -> bool {
    s["state"] == "stopped"
}

/// Samples of a Prometheus text: series (name and labels as written) → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse::<f64>().unwrap())
        })
        .collect()
}

/// Sum of the samples of `name` whose labels contain `filter`.
fn sum(samples: &BTreeMap<String, f64>, name: &str, filter: &str) -> f64 {
    samples
        .iter()
        .filter(|(k, _)| (k.starts_with(&format!("{name}{{")) || *k == name) && k.contains(filter))
        .map(|(_, v)| v)
        .sum()
}

/// Runs `promtool check metrics` on `text`; panics with its findings when it objects.
fn promtool_check(promtool: &std::path::Path, text: &str) {
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics objects:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_port_metrics_match_the_summary_and_pass_promtool() {
    let t = target().await;
    let ui = start_ui(&["--threshold", "p99<10s", "--threshold", "fail_ratio<0.01"]).await;
    for path in ["/healthz", "/readyz"] {
        let r = ui.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
    }
    // Before any test: the process facts and an empty run.
    let before = ui.get("/metrics").await;
    assert_eq!(before.status(), 200);
    assert!(before.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let before = samples(&before.text().await.unwrap());
    assert_eq!(before["milmove_load_run_state{state=\"ready\"}"], 1.0);
    assert_eq!(before["milmove_load_ready"], 1.0);
    let r = ui
        .post(
            "/swarm",
            &[
                ("user_count", "4"),
                ("spawn_rate", "100"),
                ("host", &t.url),
                ("run_time", "2s"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let running = ui
        .wait_state("running with requests", |s| {
            s["state"] == "running" && s["total"]["requests"].as_u64() > Some(10)
        })
        .await;
    let live = samples(&ui.get("/metrics").await.text().await.unwrap());
    assert_eq!(live["milmove_load_run_state{state=\"running\"}"], 1.0);
    assert!(
        sum(&live, "milmove_load_users", "class=") >= 1.0,
        "{running}"
    );
    ui.wait_state("run time over", stopped).await;
    let text = ui.get("/metrics").await.text().await.unwrap();
    let m = samples(&text);
    let summary = ui.json("/api/summary.json").await;
    assert_eq!(
        sum(&m, "milmove_load_requests_total", ""),
        summary["total"]["requests"].as_f64().unwrap()
    );
    assert_eq!(m["milmove_load_run_state{state=\"stopped\"}"], 1.0);
    for e in summary["endpoints"].as_array().unwrap() {
        let labels = format!(
            "method=\"{}\",name=\"{}\"",
            e["method"].as_str().unwrap(),
            e["name"]
                .as_str()
                .unwrap()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        );
        let get = |name: &str| -> f64 {
            *m.get(&format!("{name}{{{labels}}}"))
                .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{text}"))
        };
        assert_eq!(
            get("milmove_load_requests_total"),
            e["requests"].as_f64().unwrap()
        );
        assert_eq!(
            get("milmove_load_failures_total"),
            e["failures"].as_f64().unwrap()
        );
        assert_eq!(
            get("milmove_load_content_bytes_total"),
            e["content_length_total"].as_f64().unwrap()
        );
        assert_eq!(
            get("milmove_load_request_duration_seconds_count"),
            e["requests"].as_f64().unwrap()
        );
        let inf =
            m[&format!("milmove_load_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}}")];
        assert_eq!(inf, e["requests"].as_f64().unwrap());
    }
    // The failing class's 500s are failures; its broken task an exception.
    assert!(sum(&m, "milmove_load_failures_total", "") > 0.0);
    assert!(m["milmove_load_exceptions_total"] > 0.0);
    assert_eq!(
        m["milmove_load_threshold_passed{threshold=\"p99<10s\"}"],
        1.0
    );
    assert_eq!(
        m["milmove_load_threshold_passed{threshold=\"fail_ratio<0.01\"}"],
        0.0
    );
    if let Some(promtool) = require("web_port_metrics_match_the_summary", "promtool") {
        promtool_check(&promtool, &text);
    }
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    runner: RunnerArgs,
}

/// A headless session (`flags` after the runner's own) on the test classes.
fn headless(flags: &[&str]) -> tokio::task::JoinHandle<Result<i32, milmove_runner::RunnerError>> {
    let mut argv = vec!["test", "--headless", "--only-summary"];
    argv.extend_from_slice(flags);
    let settings = Settings::resolve(&Cli::try_parse_from(argv).unwrap().runner).unwrap();
    let ctl = milmove_runner::local_controller(
        &settings,
        FixedClasses::new(support::classes()),
        Hooks::default(),
    );
    tokio::spawn(milmove_runner::control::run_session(
        Arc::new(ctl),
        settings.output,
        milmove_ui::extensions(),
    ))
}

async fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_metrics_port_serves_metrics_and_probes_and_guards_metrics() {
    let t = target().await;
    let port = free_port();
    let port_text = port.to_string();
    let session = headless(&[
        "-H",
        &t.url,
        "-u",
        "3",
        "-r",
        "100",
        "-t",
        "3s",
        "--metrics-port",
        &port_text,
        "--metrics-login",
        "prom:s3cret",
    ]);
    wait_listening(port).await;
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for path in ["/healthz", "/readyz"] {
        let r = http
            .get(format!("{base}{path}"))
            .header("host", "pod-10-0-0-7.example")
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "{path} needs no login and no loopback name"
        );
    }
    let r = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401, "/metrics without the login");
    let r = http
        .get(format!("{base}/metrics"))
        .basic_auth("prom", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "/metrics with a wrong password");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = http
            .get(format!("{base}/metrics"))
            .basic_auth("prom", Some("s3cret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let m = samples(&r.text().await.unwrap());
        if sum(&m, "milmove_load_requests_total", "") > 0.0 {
            assert_eq!(m["milmove_load_users_target"], 3.0);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no request ever showed in /metrics"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let code = tokio::time::timeout(Duration::from_secs(30), session)
        .await
        .expect("the headless run did not end")
        .unwrap()
        .unwrap();
    assert_eq!(code, 1, "the test classes fail on purpose");
    // The endpoint ends with the session.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_port_without_login_serves_loopback_names_only() {
    let t = target().await;
    let port = free_port();
    let port_text = port.to_string();
    let session = headless(&[
        "-H",
        &t.url,
        "-u",
        "1",
        "-t",
        "2s",
        "--metrics-port",
        &port_text,
    ]);
    wait_listening(port).await;
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let r = http
        .get(&url)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "DNS rebinding: another host name");
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let _ = tokio::time::timeout(Duration::from_secs(30), session).await;
}

/// A Prometheus server on loopback; killed (and its data removed) when dropped.
struct Prometheus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(binary: &std::path::Path, target: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: \
                 milmove-load\n    metrics_path: /metrics\n    static_configs:\n      - targets: \
                 ['{target}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start prometheus");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// The values of an instant query (one per series), or `None` while Prometheus is not up.
    async fn query(&self, http: &reqwest::Client, promql: &str) -> Option<Vec<f64>> {
        let r = http
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", promql)])
            .send()
            .await
            .ok()?;
        let body: serde_json::Value = r.json().await.ok()?;
        assert_eq!(body["status"], "success", "{promql}: {body}");
        Some(
            body["data"]["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["value"][1].as_str().unwrap().parse().unwrap())
                .collect(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_test_and_stores_the_summary_count() {
    let test = "prometheus_scrapes_the_test_and_stores_the_summary_count";
    let Some(binary) = require(test, "prometheus") else {
        return;
    };
    let t = target().await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let ui = start_ui(&["--json", json.to_str().unwrap()]).await;
    let web = ui
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let prometheus = Prometheus::start(&binary, &web);
    let http = reqwest::Client::new();
    // Prometheus is up and has scraped us once (the `up` series is 1).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if prometheus.query(&http, "up{job=\"milmove-load\"}").await == Some(vec![1.0]) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus never scraped us:\n{}",
            prometheus.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = ui
        .post(
            "/swarm",
            &[
                ("user_count", "5"),
                ("spawn_rate", "100"),
                ("host", &t.url),
                ("run_time", "4s"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    ui.wait_state("run time over", stopped).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !json.exists() {
        assert!(Instant::now() < deadline, "no JSON summary");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let expected = summary["total"]["requests"].as_f64().unwrap();
    assert!(expected > 0.0);
    // Wait for a scrape taken after the end (the run state it stored is `stopped`); the counters
    // of that scrape are final.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = prometheus
            .query(&http, "milmove_load_run_state{state=\"stopped\"}")
            .await;
        if state == Some(vec![1.0]) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus never stored the stopped state:\n{}",
            prometheus.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = prometheus
        .query(
            &http,
            "sum(milmove_load_requests_total{method!~\"WORKFLOW|QUEUE\"})",
        )
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![expected],
        "Prometheus stored another request count than the summary"
    );
    let buckets = prometheus
        .query(
            &http,
            "sum(milmove_load_request_duration_seconds_bucket{le=\"+Inf\"})",
        )
        .await
        .unwrap();
    assert_eq!(buckets, vec![expected]);
    eprintln!("prometheus stored {expected} requests, as the JSON summary says");
}
