//! The ECS templates of `ecs/`, rendered the way `scripts/codebuild` renders them (by running it
//! with `--render`), and their validation against the ECS API model (`py/ecs_validate.py`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::workspace::repo_root;

/// Sample values for every placeholder: a GovCloud account, as MilMove's.
pub const SAMPLE_ENV: &[(&str, &str)] = &[
    ("AWS_REGION", "us-gov-west-1"),
    ("AWS_ACCOUNT_ID", "123456789012"),
    ("AWS_PARTITION", "aws-us-gov"),
    ("IMAGE_TAG", "0123456789abcdef0123456789abcdef01234567"),
    ("ECS_SUBNETS", "subnet-0aaa1111,subnet-0bbb2222"),
    ("ECS_SECURITY_GROUPS", "sg-0ccc3333"),
];

/// The deployment modes of `scripts/codebuild` and the task definitions each registers.
pub const MODES: &[(&str, &[&str])] = &[("ui", &["ui"]), ("cluster", &["master", "worker"])];

/// Runs `scripts/codebuild --render out --mode mode` with [`SAMPLE_ENV`]; returns the files it
/// wrote (task definitions, then services).
pub fn render(mode: &str, out: &Path) -> Result<Vec<PathBuf>, String> {
    let output = Command::new("/bin/bash")
        .arg(repo_root().join("scripts/codebuild"))
        .args(["--render"])
        .arg(out)
        .args(["--mode", mode])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(SAMPLE_ENV.iter().copied())
        .output()
        .map_err(|e| format!("cannot run scripts/codebuild: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "scripts/codebuild --render failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(PathBuf::from)
        .collect())
}

/// Runs `py/ecs_validate.py operation files...` with `python`.
pub fn validate(python: &Path, operation: &str, files: &[PathBuf]) -> Output {
    Command::new(python)
        .arg(repo_root().join("deploy/check/py/ecs_validate.py"))
        .arg(operation)
        .args(files)
        .output()
        .expect("run ecs_validate.py")
}
