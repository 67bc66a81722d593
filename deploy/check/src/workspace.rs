//! The repository: its root, its packages' binary targets (from `cargo metadata`), and the
//! binaries of a debug build for the tests that run them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (two folders above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// The `cargo` that runs this build (`CARGO`), else the one on `PATH`.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// Output of `cargo metadata --format-version 1` for the manifest at `manifest`.
pub fn metadata(manifest: &Path, extra: &[&str]) -> Result<serde_json::Value, String> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(manifest)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata {} failed: {}",
            extra.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

/// The binary targets of every workspace package: package name → binary names.
pub fn binaries() -> BTreeMap<String, Vec<String>> {
    let meta = metadata(&repo_root().join("Cargo.toml"), &["--no-deps"]).expect("cargo metadata");
    let mut out = BTreeMap::new();
    for package in meta["packages"].as_array().expect("packages") {
        let bins: Vec<String> = package["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .filter(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "bin"))
            })
            .map(|t| t["name"].as_str().expect("name").to_string())
            .collect();
        out.insert(package["name"].as_str().expect("name").to_string(), bins);
    }
    out
}

/// The workspace's target folder.
pub fn target_dir() -> PathBuf {
    let meta = metadata(&repo_root().join("Cargo.toml"), &["--no-deps"]).expect("cargo metadata");
    PathBuf::from(meta["target_directory"].as_str().expect("target_directory"))
}

/// The debug build of binary `bin` of package `package`, built now unless `cargo test
/// --workspace` already built it.
pub fn debug_binary(package: &str, bin: &str) -> PathBuf {
    let path = target_dir().join("debug").join(bin);
    if !path.exists() {
        let status = Command::new(cargo())
            .current_dir(repo_root())
            .args(["build", "--locked", "-p", package, "--bin", bin])
            .status()
            .expect("run cargo build");
        assert!(
            status.success(),
            "cargo build -p {package} --bin {bin} failed"
        );
    }
    path
}
