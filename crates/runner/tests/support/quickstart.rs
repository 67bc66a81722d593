//! The quickstart example as a child process: building it, starting it, Ctrl-C, and reading
//! the reports it writes.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Path of the compiled quickstart example (built on demand when missing).
pub fn quickstart() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let debug_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = debug_dir.join("examples").join("quickstart");
    if !bin.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "milmove-runner", "--example", "quickstart"])
            .status()
            .expect("cargo build");
        assert!(status.success(), "building the quickstart example failed");
    }
    bin
}

pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(quickstart());
    cmd.args(args)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, _) in std::env::vars() {
        if k.starts_with("MILMOVE_LOAD_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

pub async fn finish(child: Child, limit: Duration) -> Output {
    tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("child did not exit in time")
        .expect("child output")
}

pub fn sigint(child: &Child) {
    let pid = child.id().expect("child pid").to_string();
    let ok = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill -INT failed");
}

pub fn json_total(path: &Path) -> (u64, serde_json::Value) {
    let text = std::fs::read_to_string(path).expect("json report");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    (v["total"]["requests"].as_u64().expect("total.requests"), v)
}

/// Request Count of the Aggregated row of PREFIX_stats.csv.
pub fn csv_total(prefix: &Path) -> u64 {
    let path = format!("{}_stats.csv", prefix.display());
    let text = std::fs::read_to_string(&path).expect("stats csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "Request Count")
        .expect("column");
    let row = lines
        .find(|l| l.contains(",Aggregated,"))
        .expect("Aggregated row");
    row.split(',').nth(col).unwrap().parse().unwrap()
}

pub async fn wait_for_requests(server: &super::TestServer, n: u64) {
    let start = Instant::now();
    while server.count() < n {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no traffic from the child"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
