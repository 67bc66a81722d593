//! The Docker build context, checked without a Docker engine: every path the Dockerfile copies
//! is in the repository and sent (after `.dockerignore`), no key or certificate is sent, and
//! the copied context is a complete workspace with a current lock file.

mod dockerfile_common;

use std::path::{Path, PathBuf};

use dockerfile_common::{builder, context_files, copies, dockerfile, ignore};
use milmove_deploy_check::dockerfile::Instruction;
use milmove_deploy_check::workspace::{self, repo_root};

#[test]
fn every_context_path_copied_exists_and_is_sent() {
    let files = context_files();
    for stage in dockerfile().stages() {
        for copy in copies(stage).iter().filter(|c| c.from.is_none()) {
            assert!(!copy.add, "COPY, not ADD (no remote URLs or archives)");
            for source in &copy.sources {
                assert!(
                    repo_root().join(source).exists(),
                    "COPY {source}: not in the repository"
                );
                let sent = files
                    .iter()
                    .filter(|f| *f == source || f.starts_with(&format!("{source}/")))
                    .count();
                assert!(sent > 0, "COPY {source}: left out by .dockerignore");
                // Every file git tracks there is sent (build output and caches may be left out).
                let left_out: Vec<String> = tracked(source)
                    .into_iter()
                    .filter(|f| !files.contains(f))
                    .collect();
                assert!(
                    left_out.is_empty(),
                    "COPY {source}: .dockerignore drops {left_out:?}"
                );
            }
        }
    }
}

/// The files git tracks under `path` (relative to the repository root).
fn tracked(path: &str) -> Vec<String> {
    let output = std::process::Command::new("git")
        .args(["ls-files", "--", path])
        .current_dir(repo_root())
        .output()
        .expect("git ls-files");
    assert!(output.status.success(), "git ls-files {path}");
    let files: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(!files.is_empty(), "git tracks nothing under {path}");
    files
}

#[test]
fn the_build_context_keeps_secrets_out() {
    let ignore = ignore();
    for path in [
        ".git/config",
        "target/release/milmove-load",
        "crates/hosts/tests/client.pem",
        "crates/sim/devlocal-mtls.key",
        "apps/prime-load/dp3.cer",
        "crates/tasks/.env",
        "out/prime_stats.csv",
        "README.md",
    ] {
        assert!(
            ignore.is_excluded(path),
            "{path} must stay out of the build context"
        );
    }
    for file in context_files() {
        for ext in [".pem", ".key", ".cer", ".crt", ".p12"] {
            assert!(!file.ends_with(ext), "{file} would be sent to the builder");
        }
    }
}

/// Copies the files of the builder's context COPYs into `dir`, as the builder's WORKDIR sees them.
fn stage_builder_context(dir: &Path) {
    let files = context_files();
    let file = dockerfile();
    let workdir = builder(&file)
        .instructions
        .iter()
        .find_map(|l| match &l.instruction {
            Instruction::Workdir(w) => Some(w.clone()),
            _ => None,
        })
        .expect("a WORKDIR");
    for copy in copies(&builder(&file)).iter().filter(|c| c.from.is_none()) {
        let dest = if copy.dest.starts_with('/') {
            PathBuf::from(&copy.dest)
                .strip_prefix(&workdir)
                .expect("copied under the WORKDIR")
                .to_path_buf()
        } else {
            PathBuf::from(&copy.dest)
        };
        let into_dir = copy.dest.ends_with('/') || copy.sources.len() > 1;
        for source in &copy.sources {
            for file in files
                .iter()
                .filter(|f| *f == source || f.starts_with(&format!("{source}/")))
            {
                let target = if file == source {
                    if into_dir {
                        dest.join(Path::new(source).file_name().unwrap())
                    } else {
                        dest.clone()
                    }
                } else {
                    dest.join(file.strip_prefix(&format!("{source}/")).unwrap())
                };
                let target = dir.join(target);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(repo_root().join(file), target).unwrap();
            }
        }
    }
}

#[test]
fn the_copied_context_is_a_complete_workspace_with_a_current_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    stage_builder_context(dir.path());
    // Resolves every member and checks Cargo.lock, as `cargo build --locked` will.
    let target = dir.path().join("target");
    let meta = workspace::metadata(
        &dir.path().join("Cargo.toml"),
        &[
            "--locked",
            "--offline",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
        ],
    )
    .map_err(|e| e.replace(&target.display().to_string(), "target"))
    .expect("the copied workspace resolves with --locked");
    assert!(meta["workspace_members"].as_array().unwrap().len() >= 8);

    // Files the sources pull in at compile time are in the copy too.
    let mut pulled = 0;
    for file in walk_all(dir.path()) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for marker in ["include_bytes!(\"", "include_str!(\"", "#[path = \""] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let path = &rest[..rest.find('"').unwrap()];
                if path.contains("env!") || path.contains('{') {
                    continue;
                }
                // Both are relative to the folder of the file that names them.
                let base = file.parent().unwrap();
                assert!(
                    base.join(path).exists(),
                    "{} pulls in {path}, which the image build does not copy",
                    file.strip_prefix(dir.path()).unwrap().display()
                );
                pulled += 1;
            }
        }
    }
    assert!(pulled > 0, "static/test.pdf and apps/common are pulled in");
}

fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}
