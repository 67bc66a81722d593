//! A loopback mirror of `raw.githubusercontent.com/transcom/mymove` serving copies of the
//! pinned spec files (read at test time from the spec folder; never the internet), shared by
//! the tests of the spec download (the parser's, and the binaries' through `#[path]`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use milmove_parser::pinned::{MYMOVE_COMMIT, PINNED_SPECS};

/// A loopback mirror of `raw.githubusercontent.com/transcom/mymove` for the pinned files.
pub struct Mirror {
    /// `http://127.0.0.1:PORT/mymove`.
    pub base: String,
    /// Requests served.
    pub hits: Arc<AtomicUsize>,
    /// Files served, by URL path (replace one to corrupt it).
    pub files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

/// Starts a mirror serving copies of the specs in `source`.
pub fn mirror(source: &Path) -> Mirror {
    let mut files = HashMap::new();
    for spec in PINNED_SPECS {
        let bytes = std::fs::read(source.join(spec.file_name())).expect("a pinned spec");
        files.insert(
            format!("/mymove/{MYMOVE_COMMIT}/swagger/{}", spec.file_name()),
            bytes,
        );
    }
    let files = Arc::new(Mutex::new(files));
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/mymove", listener.local_addr().unwrap());
    let (served, counter) = (files.clone(), hits.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok() && line.trim() != "" {
                line.clear();
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let path = request_line.split_whitespace().nth(1).unwrap_or("");
            let body = served.lock().unwrap().get(path).cloned();
            let (status, body) = match body {
                Some(b) => ("200 OK", b),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    Mirror { base, hits, files }
}

impl Mirror {
    /// Requests served so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Appends bytes to one served file, so its checksum no longer matches.
    pub fn corrupt(&self, file_name: &str) {
        let key = format!("/mymove/{MYMOVE_COMMIT}/swagger/{file_name}");
        if let Some(bytes) = self.files.lock().unwrap().get_mut(&key) {
            bytes.extend_from_slice(b"\n# tampered\n");
        }
    }
}

/// A base URL where nothing listens (port 9, discard).
pub const DEAD_MIRROR: &str = "http://127.0.0.1:9/mymove";
