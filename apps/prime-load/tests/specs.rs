//! The README's first command on a machine without a spec folder: `prime-load --host sim`
//! fetches the pinned specs into the user's cache (here a temporary `XDG_CACHE_HOME`) from
//! `MILMOVE_SPECS_URL` (here a loopback mirror of the real files, never the internet), runs,
//! and the next run uses the cache without any server. `--offline` with an empty cache fails
//! naming the three ways; `--fetch-specs` pre-fetches and prints the folder. Each child runs in
//! a temporary folder, so no spec folder is found beside it.

#[path = "../../common/e2e.rs"]
mod e2e;
#[path = "../../../crates/parser/tests/mirror/mod.rs"]
mod mirror;

use std::path::Path;
use std::process::{Command, Output};

use milmove_parser::pinned::{verify_folder, MYMOVE_COMMIT};

const BIN: &str = env!("CARGO_BIN_EXE_prime-load");

fn run(home: &Path, specs_url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(home)
        .env_remove("MILMOVE_SWAGGER_DIR")
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("MILMOVE_SPECS_URL", specs_url)
        .output()
        .expect("the binary runs")
}

const SHORT_RUN: &[&str] = &[
    "--host",
    "sim",
    "--headless",
    "--only-summary",
    "-u",
    "2",
    "-r",
    "2",
    "-t",
    "3s",
];

#[test]
fn the_first_run_fetches_the_specs_the_next_uses_the_cache() {
    let Some(source) = e2e::spec_dir_or_skip("the_first_run_fetches_the_specs") else {
        return;
    };
    let m = mirror::mirror(&source);
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &m.base, SHORT_RUN);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    assert!(err.contains("fetching the MilMove specs"), "{err}");
    assert_eq!(m.hits(), 6, "each pinned file fetched once");
    let cache = home
        .path()
        .join("cache/milmove-load/specs")
        .join(MYMOVE_COMMIT);
    verify_folder(&cache).unwrap();
    let out = run(home.path(), mirror::DEAD_MIRROR, SHORT_RUN);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    assert!(!err.contains("fetching"), "the cache is used: {err}");
}

#[test]
fn offline_without_specs_names_the_three_ways_and_fetch_specs_prefetches() {
    let home = tempfile::tempdir().unwrap();
    let mut args = SHORT_RUN.to_vec();
    args.push("--offline");
    let out = run(home.path(), mirror::DEAD_MIRROR, &args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "--swagger-dir",
        "MILMOVE_SPECS_URL",
        "--fetch-specs",
        "--offline",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let Some(source) = e2e::spec_dir_or_skip("fetch_specs_prefetches") else {
        return;
    };
    let m = mirror::mirror(&source);
    let out = run(home.path(), &m.base, &["--fetch-specs"]);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
    verify_folder(Path::new(&printed)).unwrap();
    assert!(printed.ends_with(MYMOVE_COMMIT), "{printed}");
}
