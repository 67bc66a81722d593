//! The `milmove-sim` binary: it prints the URLs of the ports it picked, honours a given port,
//! writes the CA and dev client certificate with `--tls-dir` so an outside client can use the
//! mutual-TLS port, and rejects bad flags with a clear message. Everything on 127.0.0.1; each
//! child process is killed by the test that started it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::spec_dir;

const BIN: &str = env!("CARGO_BIN_EXE_milmove-sim");

/// Kills the child when dropped, so a failing assertion never leaves a server running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and returns it with the three printed URLs (mTLS, office, customer).
fn start(args: &[&str]) -> (Running, [String; 3]) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut urls = Vec::new();
    while urls.len() < 3 {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the binary prints its URLs within a minute");
        if let Some(url) = line.split_whitespace().last().filter(|w| w.contains("://")) {
            urls.push(url.to_string());
        }
    }
    let urls: [String; 3] = urls.try_into().unwrap();
    (running, urls)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn prints_urls_and_writes_tls_dir_for_outside_clients() {
    let Some(specs) = spec_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let office_port = free_port().to_string();
    let (_sim, [mtls, office, customer]) = start(&[
        "--spec-dir",
        specs.to_str().unwrap(),
        "--tls-dir",
        tls_dir.to_str().unwrap(),
        "--office-port",
        &office_port,
        "--seed-moves",
        "3",
        "--threads",
        "1",
    ]);
    assert!(mtls.starts_with("https://127.0.0.1:"), "{mtls}");
    assert_eq!(office, format!("http://127.0.0.1:{office_port}"));
    assert!(customer.starts_with("http://127.0.0.1:"), "{customer}");
    for name in [
        "ca.pem",
        "server.pem",
        "server.key",
        "client.pem",
        "client.key",
    ] {
        let text = std::fs::read_to_string(tls_dir.join(name)).unwrap();
        assert!(text.starts_with("-----BEGIN"), "{name}");
    }

    // An outside client built only from the written files reaches the Prime API.
    let read = |name: &str| std::fs::read(tls_dir.join(name)).unwrap();
    let mut identity = read("client.pem");
    identity.extend(read("client.key"));
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&read("ca.pem")).unwrap())
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let resp = client
        .get(format!("{mtls}/prime/v1/moves"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let moves: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(moves.as_array().map(Vec::len), Some(3));
    // Without the client certificate the handshake is refused.
    let anonymous = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&read("ca.pem")).unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    assert!(anonymous
        .get(format!("{mtls}/prime/v1/moves"))
        .send()
        .await
        .is_err());
    // The plain listeners answer too.
    for base in [&office, &customer] {
        let resp = reqwest::get(format!("{base}/devlocal-auth/login"))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{base}");
    }
}

#[test]
fn bad_flags_get_clear_errors() {
    let Some(specs) = spec_dir() else {
        return;
    };
    let specs = specs.to_str().unwrap().to_string();
    let cases: [(Vec<&str>, &str); 4] = [
        (vec!["--latency", "fast"], "fixed:50ms"),
        (vec!["--stall", "10s/1s"], "LENGTH/PERIOD"),
        (vec!["--error-rate", "1.5"], "between 0 and 1"),
        (
            vec!["--spec-dir", "/nonexistent-milmove-specs"],
            "prime.yaml",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = extra.clone();
        if !args.contains(&"--spec-dir") {
            args.extend(["--spec-dir", specs.as_str()]);
        }
        let out = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
