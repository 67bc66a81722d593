//! Helpers shared by the integration tests that need the real MilMove specs.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The specs the conformance tests cover.
pub const SPECS: [&str; 7] = [
    "prime", "support", "ghc", "internal", "prime_v2", "prime_v3", "pptas",
];

/// The spec folder (`MILMOVE_SWAGGER_DIR` or found beside the checkout), or `None` after
/// printing a loud skip notice. In CI (`CI` set) a missing folder fails the test instead.
pub fn swagger_dir(test: &str) -> Option<PathBuf> {
    match milmove_parser::find_spec_dir(None) {
        Ok(dir) => Some(dir),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test} needs the real MilMove specs in CI: {e}"
            );
            // Straight to stderr: the test harness captures `eprintln!` of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test} needs the real MilMove specs: {e}"
            );
            None
        }
    }
}

pub mod specs;

/// Serves `body` at `path` over HTTP on loopback (404 elsewhere); counts requests.
pub fn serve(body: &'static str, path: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            counter.fetch_add(1, Ordering::SeqCst);
            let (status, text) = if req.starts_with(&format!("GET {path} ")) {
                ("200 OK", body)
            } else {
                ("404 Not Found", "")
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\ncontent-type: application/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (format!("http://{addr}"), hits)
}
