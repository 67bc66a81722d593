//! The pinned spec download against a loopback HTTP server serving copies of the real files
//! (read at test time from the spec folder; never the internet): the first fetch downloads
//! and verifies every file, the second uses what is there without the server, a corrupted
//! file is refused and deleted, and plain HTTP to a non-loopback host is refused before any
//! connection. Everything goes to temporary folders, never the user's cache.

mod common;
mod mirror;

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use milmove_parser::download::{fetch_pinned, DownloadError};
use milmove_parser::pinned::{verify_folder, MYMOVE_COMMIT, PINNED_SPECS};
use mirror::mirror;

fn quiet(_: &str) {}

#[test]
fn first_fetch_downloads_and_verifies_the_second_needs_no_server() {
    let Some(source) = common::swagger_dir("first_fetch_downloads_and_verifies") else {
        return;
    };
    let m = mirror(&source);
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("specs");
    let lines = Mutex::new(Vec::new());
    let progress = |l: &str| lines.lock().unwrap().push(l.to_string());
    assert_eq!(fetch_pinned(&m.base, &dir, &progress).unwrap(), dir);
    assert_eq!(m.hits.load(Ordering::SeqCst), PINNED_SPECS.len());
    verify_folder(&dir).expect("every file with its checksum");
    let said = lines.lock().unwrap().join("\n");
    assert!(said.contains("fetching the MilMove specs"), "{said}");
    assert!(said.contains("prime.yaml"), "{said}");
    // No partial file is left behind.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".yaml")), "{names:?}");
    // Second time: nothing to fetch, so not even a dead server matters.
    let dead = "http://127.0.0.1:9/mymove";
    assert_eq!(fetch_pinned(dead, &dir, &quiet).unwrap(), dir);
    assert_eq!(m.hits.load(Ordering::SeqCst), PINNED_SPECS.len());
}

#[test]
fn a_corrupted_download_is_refused_and_deleted() {
    let Some(source) = common::swagger_dir("a_corrupted_download_is_refused_and_deleted") else {
        return;
    };
    let m = mirror(&source);
    let key = format!("/mymove/{MYMOVE_COMMIT}/swagger/ghc.yaml");
    m.files
        .lock()
        .unwrap()
        .get_mut(&key)
        .unwrap()
        .extend_from_slice(b"\n# tampered\n");
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("specs");
    let err = fetch_pinned(&m.base, &dir, &quiet).unwrap_err();
    match &err {
        DownloadError::Checksum { url, expected, .. } => {
            assert!(url.ends_with("ghc.yaml"), "{err}");
            assert_eq!(expected, PINNED_SPECS[4].sha256);
        }
        other => panic!("expected a checksum error, got {other}"),
    }
    assert!(err.to_string().contains("deleted"), "{err}");
    assert!(!dir.join("ghc.yaml").exists(), "the bad file is not kept");
    assert!(!dir.join("ghc.yaml.partial").exists());
    // A bad copy already in the folder is replaced by a good one once the mirror is fixed.
    std::fs::write(dir.join("ghc.yaml"), "stale").unwrap();
    let good = std::fs::read(source.join("ghc.yaml")).unwrap();
    m.files.lock().unwrap().insert(key, good);
    fetch_pinned(&m.base, &dir, &quiet).unwrap();
    verify_folder(&dir).unwrap();
}

#[test]
fn failures_are_clear_and_plain_http_is_loopback_only() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("specs");
    let err = fetch_pinned("http://example.com/mymove", &dir, &quiet).unwrap_err();
    assert!(matches!(err, DownloadError::BadUrl { .. }), "{err}");
    assert!(err.to_string().contains("loopback"), "{err}");
    // A mirror without the files: the status is named.
    let empty = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/none", empty.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in empty.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let err = fetch_pinned(&base, &dir, &quiet).unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    // Nothing listening: a connection error, not a hang or a panic.
    let err = fetch_pinned("http://127.0.0.1:9/m", &dir, &quiet).unwrap_err();
    assert!(matches!(err, DownloadError::Fetch { .. }), "{err}");
}
