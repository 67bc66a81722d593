//! Worker cost: CPU per request of a worker (through one master and one worker) side by side
//! with a single process running the same test, both against the same loopback server,
//! alternating, several rounds. Prints µs of CPU per request and their ratio.
//!
//! `cargo bench -p milmove-cluster --bench worker_cost` (env `ROUNDS`, `USERS`, `SECONDS`).

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const DEMO: &str = env!("CARGO_BIN_EXE_milmove-cluster-demo");

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU (user + system) of every child reaped so far.
fn children_cpu() -> Duration {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the zeroed struct it is pointed to.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, u.as_mut_ptr()) };
    // SAFETY: initialised by zeroing and by getrusage.
    let u = unsafe { u.assume_init() };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Waits for `child` and returns the CPU it used.
fn reap(mut child: Child) -> Duration {
    let before = children_cpu();
    let status = child.wait().unwrap();
    assert!(status.success() || status.code() == Some(1), "{status}");
    children_cpu() - before
}

fn requests(json: &std::path::Path) -> u64 {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    v["total"]["requests"].as_u64().unwrap()
}

fn demo(args: &[&str]) -> Child {
    Command::new(DEMO)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds = env("ROUNDS", 3);
    let users = env("USERS", 10).to_string();
    let seconds = format!("{}s", env("SECONDS", 8));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let served = Arc::new(AtomicU64::new(0));
    let url = {
        let served = served.clone();
        rt.block_on(async move {
            let app = axum::Router::new().fallback(move || {
                let served = served.clone();
                async move {
                    served.fetch_add(1, Ordering::Relaxed);
                    "ok"
                }
            });
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", l.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(l, app).await });
            url
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let common = |json: &str| -> Vec<String> {
        [
            "-H",
            &url,
            "-u",
            &users,
            "-r",
            "1000",
            "-t",
            &seconds,
            "--headless",
            "--only-summary",
            "--wait",
            "0",
            "--json",
            json,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let (mut single, mut worker, mut master) = (Vec::new(), Vec::new(), Vec::new());
    println!("round  single µs/req  worker µs/req  master µs/req  (requests single / distributed)");
    for round in 0..rounds {
        let json = dir.path().join("single.json");
        let args = common(json.to_str().unwrap());
        let cpu = reap(demo(&args.iter().map(String::as_str).collect::<Vec<_>>()));
        let n_single = requests(&json);
        single.push(cpu.as_secs_f64() * 1e6 / n_single as f64);

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        let w = demo(&["--worker", "--master-port", &port, "--wait", "0"]);
        let json = dir.path().join("dist.json");
        let mut args = common(json.to_str().unwrap());
        args.extend(["--master", "--master-bind-port", &port].map(String::from));
        let m = demo(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let m_cpu = reap(m);
        let w_cpu = reap(w);
        let n_dist = requests(&json);
        worker.push(w_cpu.as_secs_f64() * 1e6 / n_dist as f64);
        master.push(m_cpu.as_secs_f64() * 1e6 / n_dist as f64);
        println!(
            "{round:>5}  {:>13.2}  {:>13.2}  {:>13.3}  ({n_single} / {n_dist})",
            single[round as usize], worker[round as usize], master[round as usize]
        );
    }
    let (s, w, m) = (median(single), median(worker), median(master));
    println!(
        "median: single {s:.2} µs CPU/request, worker {w:.2} ({:+.1}% vs single; target within \
         5%), master {m:.3}; server answered {} requests",
        100.0 * (w / s - 1.0),
        served.load(Ordering::Relaxed)
    );
}
