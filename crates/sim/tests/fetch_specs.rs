//! `milmove-sim` on a machine without a spec folder: it fetches the pinned specs into the
//! user's cache (here a temporary `XDG_CACHE_HOME`) from `MILMOVE_SPECS_URL` (here a loopback
//! mirror of the real files), starts from the cache the next time without any server,
//! refuses a corrupted download, and with `--offline` and an empty cache fails naming the
//! three ways to supply the specs. `--fetch-specs` pre-fetches and prints the folder. Each
//! child runs in a temporary folder (so no spec folder is found beside it), without
//! `MILMOVE_SWAGGER_DIR`, and is killed by the test that started it.

mod common;
#[path = "../../parser/tests/mirror/mod.rs"]
mod mirror;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use milmove_parser::pinned::{verify_folder, MYMOVE_COMMIT};

const BIN: &str = env!("CARGO_BIN_EXE_milmove-sim");

/// The binary in `home` (cwd and `XDG_CACHE_HOME=home/cache`), fetching from `specs_url`.
fn command(home: &Path, specs_url: &str) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(home)
        .env_remove("MILMOVE_SWAGGER_DIR")
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("MILMOVE_SPECS_URL", specs_url);
    c
}

fn cache_of(home: &Path) -> std::path::PathBuf {
    home.join("cache/milmove-load/specs").join(MYMOVE_COMMIT)
}

/// Starts the server and waits for its three URLs (then kills it); returns its stderr so far.
fn starts(mut c: Command) -> String {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut urls = 0;
    while urls < 3 {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) if line.contains("://") => urls += 1,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(urls, 3, "the stand-in did not start:\n{stderr}");
    stderr
}

fn run(mut c: Command) -> Output {
    c.output().expect("binary runs")
}

#[test]
fn first_start_downloads_into_the_cache_the_second_needs_no_server() {
    let Some(source) = common::spec_dir() else {
        return;
    };
    let m = mirror::mirror(&source);
    let home = tempfile::tempdir().unwrap();
    let said = starts(command(home.path(), &m.base));
    assert!(said.contains("fetching the MilMove specs"), "{said}");
    assert_eq!(m.hits(), 6);
    verify_folder(&cache_of(home.path())).expect("the cache holds the verified specs");
    // Again, with nothing listening at the mirror: the cache is enough, and it says nothing.
    let said = starts(command(home.path(), mirror::DEAD_MIRROR));
    assert!(!said.contains("fetching"), "{said}");
}

#[test]
fn fetch_specs_prefetches_and_prints_the_folder() {
    let Some(source) = common::spec_dir() else {
        return;
    };
    let m = mirror::mirror(&source);
    let home = tempfile::tempdir().unwrap();
    let mut c = command(home.path(), &m.base);
    c.arg("--fetch-specs");
    let out = run(c);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(Path::new(&printed), cache_of(home.path()));
    verify_folder(Path::new(&printed)).unwrap();
    // Into a folder of one's choice (what an image build copies around).
    let chosen = home.path().join("specs-for-image");
    let mut c = command(home.path(), &m.base);
    c.args(["--fetch-specs", "--swagger-dir"]).arg(&chosen);
    let out = run(c);
    assert!(out.status.success(), "{out:?}");
    verify_folder(&chosen).unwrap();
}

#[test]
fn a_corrupted_download_is_refused() {
    let Some(source) = common::spec_dir() else {
        return;
    };
    let m = mirror::mirror(&source);
    m.corrupt("support.yaml");
    let home = tempfile::tempdir().unwrap();
    let out = run(command(home.path(), &m.base));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("support.yaml has SHA-256"), "{err}");
    assert!(err.contains("refused"), "{err}");
    assert!(!cache_of(home.path()).join("support.yaml").exists());
}

#[test]
fn offline_with_an_empty_cache_names_the_three_ways() {
    let home = tempfile::tempdir().unwrap();
    let mut c = command(home.path(), mirror::DEAD_MIRROR);
    c.arg("--offline");
    let out = run(c);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "--offline",
        "--swagger-dir",
        "MILMOVE_SWAGGER_DIR",
        "MILMOVE_SPECS_URL",
        "--fetch-specs",
    ] {
        assert!(err.contains(needle), "{needle} missing:\n{err}");
    }
    assert!(
        err.contains(&cache_of(home.path()).display().to_string()),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // Without --offline but unreachable: the same three ways, and the reason.
    let out = run(command(home.path(), mirror::DEAD_MIRROR));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot fetch"), "{err}");
    assert!(err.contains("--fetch-specs"), "{err}");
}
