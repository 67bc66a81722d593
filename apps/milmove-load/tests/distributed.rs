//! Distributed runs of the real app: child processes of `milmove-load` as one master and two
//! workers against a counting HTTP server on loopback. Headless: the master's merged JSON
//! report counts exactly the requests the server answered, and shows both workers. Web UI:
//! a test started through `/swarm` runs on the worker, `/stats/requests` lists it, `/stop`
//! stops it. A worker's `/readyz` (on `--metrics-port`) says whether it is connected to its
//! master. Every wait is for a condition, with a deadline.

#[path = "../../common/e2e.rs"]
mod e2e;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_milmove-load");

/// One child process at a time per test binary (several processes on a 2-core machine).
static SERIAL: Mutex<()> = Mutex::new(());

/// An HTTP/1.1 server answering `200 {}` to everything (keep-alive), counting requests.
struct CountingServer {
    url: String,
    count: Arc<AtomicU64>,
}

impl CountingServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let c = c.clone();
                std::thread::spawn(move || serve(stream, &c));
            }
        });
        Self { url, count }
    }

    fn requests(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, count: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::SeqCst);
        let reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process whose stdout lines are collected; killed when dropped.
struct Proc {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    fn spawn(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .env("MILMOVE_LOAD_LOGLEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                l.lock().unwrap().push(line);
            }
        });
        Self { child, lines }
    }

    fn wait_line(&self, prefix: &str, deadline: Instant) -> String {
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.starts_with(prefix))
            {
                return l.clone();
            }
            assert!(Instant::now() < deadline, "no line `{prefix}` in time");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_exit(&mut self, deadline: Instant) -> i32 {
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "process did not exit in time");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn worker(master_port: u16, host: &str) -> Proc {
    let port = master_port.to_string();
    Proc::spawn(&[
        "--worker",
        "--master-port",
        &port,
        "--host",
        host,
        "--wait-time",
        "0.05",
    ])
}

#[test]
fn headless_master_and_two_workers_count_every_request_the_server_saw() {
    if e2e::spec_dir_or_skip("headless_master_and_two_workers_count_every_request_the_server_saw")
        .is_none()
    {
        return;
    }
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = CountingServer::start();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let port = free_port();
    let port_text = port.to_string();
    let json_text = json.to_string_lossy().to_string();
    let workers = [worker(port, &server.url), worker(port, &server.url)];
    let mut master = Proc::spawn(&[
        "--master",
        "--master-bind-port",
        &port_text,
        "--expect-workers",
        "2",
        "--expect-workers-max-wait",
        "50",
        "--headless",
        "--only-summary",
        "--host",
        &server.url,
        "-u",
        "4",
        "-r",
        "4",
        "-t",
        "6s",
        "--wait-time",
        "0.05",
        "--json",
        &json_text,
        // Tasks in flight finish at the end: none is cut, so the counts are exact.
        "--stop-timeout",
        "10s",
        "--exit-code-on-error",
        "0",
    ]);
    let code = master.wait_exit(Instant::now() + Duration::from_secs(55));
    // The server's `{}` answers fail many checks: `--exit-code-on-error 0` keeps the code 0.
    assert_eq!(code, 0, "master exit code");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let total = report["total"]["requests"].as_u64().unwrap();
    let cut = report["run"]["cut_requests"].as_u64().unwrap();
    assert!(total > 0, "the workers made requests");
    assert_eq!(cut, 0, "no request cut at the end");
    assert_eq!(
        total,
        server.requests(),
        "every request the server answered is in the master's report"
    );
    let cluster = &report["cluster"];
    assert_eq!(cluster["worker_count"], 2);
    let per_worker: Vec<u64> = cluster["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["requests_reported"].as_u64().unwrap())
        .collect();
    assert_eq!(per_worker.len(), 2);
    assert!(
        per_worker.iter().all(|&n| n > 0),
        "both workers ran users: {per_worker:?}"
    );
    assert_eq!(per_worker.iter().sum::<u64>(), total);
    // The master tells its workers to quit once the test is over.
    for mut w in workers {
        assert_eq!(w.wait_exit(Instant::now() + Duration::from_secs(15)), 0);
    }
}

/// A blocking HTTP request to the web UI; returns the body.
fn http(url_base: &str, method: &str, path: &str, form: &str) -> String {
    let addr = url_base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    assert!(head.starts_with("HTTP/1.1 200"), "{method} {path}: {head}");
    body.to_string()
}

fn stats(url: &str) -> serde_json::Value {
    serde_json::from_str(&http(url, "GET", "/stats/requests", "")).unwrap()
}

fn wait_stats(url: &str, what: &str, ok: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let s = stats(url);
        if ok(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: last /stats/requests {s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn web_ui_master_starts_watches_and_stops_a_test_on_its_worker() {
    if e2e::spec_dir_or_skip("web_ui_master_starts_watches_and_stops_a_test_on_its_worker")
        .is_none()
    {
        return;
    }
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = CountingServer::start();
    let port = free_port();
    let port_text = port.to_string();
    let mut master = Proc::spawn(&[
        "--master",
        "--master-bind-port",
        &port_text,
        "--web-port",
        "0",
        "--host",
        &server.url,
        "--exit-code-on-error",
        "0",
    ]);
    let line = master.wait_line("Web UI: ", Instant::now() + Duration::from_secs(30));
    let url = line.trim_start_matches("Web UI: ").trim().to_string();
    let mut w = worker(port, &server.url);
    let joined = wait_stats(&url, "the worker joins", |s| s["worker_count"] == 1);
    assert_eq!(joined["state"], "ready");
    assert_eq!(joined["workers"][0]["state"], "ready");
    let form = format!("user_count=3&spawn_rate=10&host={}", server.url);
    let started = http(&url, "POST", "/swarm", &form);
    assert!(started.contains("\"success\":true"), "{started}");
    let running = wait_stats(&url, "three users run on the worker", |s| {
        s["user_count"] == 3
            && s["workers"][0]["user_count"] == 3
            && s["stats"]
                .as_array()
                .and_then(|a| a.last())
                .map(|t| t["num_requests"].as_u64().unwrap_or(0) > 0)
                == Some(true)
    });
    assert_eq!(running["worker_count"], 1);
    http(&url, "POST", "/stop", "");
    let stopped = wait_stats(&url, "the test stops", |s| s["state"] == "stopped");
    let total = stopped["stats"].as_array().unwrap().last().unwrap()["num_requests"]
        .as_u64()
        .unwrap();
    assert!(total > 0);
    assert!(total <= server.requests());
    // Ctrl-C on the master: it quits, and tells the worker to quit.
    let pid = master.child.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(sent.success());
    assert_eq!(
        master.wait_exit(Instant::now() + Duration::from_secs(20)),
        0
    );
    assert_eq!(w.wait_exit(Instant::now() + Duration::from_secs(15)), 0);
}

/// The status code and body of a `GET` (any status).
fn get(base: &str, path: &str) -> Option<(u16, String)> {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Waits until `GET path` answers `status`; returns the body.
fn wait_status(base: &str, path: &str, status: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got = get(base, path);
        if let Some((s, body)) = &got {
            if *s == status {
                return body.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{path}: wanted {status}, last {got:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_workers_readyz_follows_its_connection_to_the_master() {
    if e2e::spec_dir_or_skip("a_workers_readyz_follows_its_connection_to_the_master").is_none() {
        return;
    }
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = CountingServer::start();
    let port = free_port();
    let port_text = port.to_string();
    let metrics_port = free_port().to_string();
    let metrics = format!("http://127.0.0.1:{metrics_port}");
    // The worker starts first: alive, but not ready until it has joined a master.
    let mut worker = Proc::spawn(&[
        "--worker",
        "--master-port",
        &port_text,
        "--host",
        &server.url,
        "--metrics-port",
        &metrics_port,
    ]);
    wait_status(&metrics, "/healthz", 200);
    let reason = wait_status(&metrics, "/readyz", 503);
    assert!(reason.contains("not connected to the master"), "{reason}");

    let mut master = Proc::spawn(&[
        "--master",
        "--master-bind-port",
        &port_text,
        "--expect-workers",
        "1",
        "--expect-workers-max-wait",
        "50",
        "--headless",
        "--only-summary",
        "--host",
        &server.url,
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "4s",
        "--wait-time",
        "0.05",
        "--exit-code-on-error",
        "0",
    ]);
    wait_status(&metrics, "/readyz", 200);
    assert_eq!(
        master.wait_exit(Instant::now() + Duration::from_secs(55)),
        0
    );
    assert_eq!(
        worker.wait_exit(Instant::now() + Duration::from_secs(15)),
        0
    );
}
