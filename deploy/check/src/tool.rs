//! External tools the checks call (python3 with botocore, kubernetes-validate, shellcheck,
//! podman): found on `PATH`; when one is missing the check fails in CI (`CI=true`) and is
//! skipped loudly elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this is a CI run (`CI` set to `true` or `1`), where no check may be skipped.
pub fn in_ci() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true") | Ok("1")
    )
}

/// The first executable called `name` on `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Reports a missing requirement: panics in CI, prints `SKIPPED` to stderr otherwise.
pub fn missing(check: &str, what: &str, install: &str) {
    let message = format!("{check}: needs {what}, which is missing (install: {install})");
    if in_ci() {
        panic!("{message}; CI runs every deployment check");
    }
    // Straight to stderr, past the test harness's capture, so the skip is seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {message} ***\n");
}

/// `name` on `PATH`, or `None` after [`missing`] (which panics in CI).
pub fn require(check: &str, name: &str, install: &str) -> Option<PathBuf> {
    let found = find(name);
    if found.is_none() {
        missing(check, &format!("`{name}` on PATH"), install);
    }
    found
}

/// `python3` that can import every module in `modules`, or `None` after [`missing`].
pub fn require_python(check: &str, modules: &[&str], install: &str) -> Option<PathBuf> {
    let python = require(check, "python3", "apt-get install python3")?;
    let imports = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = Command::new(&python)
        .args(["-c", &imports])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Some(python)
    } else {
        missing(
            check,
            &format!("the Python modules {}", modules.join(", ")),
            install,
        );
        None
    }
}
