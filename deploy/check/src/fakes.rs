//! Fake `aws` and `docker` executables (the Python programs in `py/`) on a `PATH` of their own,
//! recording every call, for running the AWS scripts without AWS or a Docker engine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::workspace::repo_root;

/// A folder with fake tools, their call log and the fake AWS state.
pub struct FakeTools {
    dir: tempfile::TempDir,
}

/// The fake tools a [`FakeTools`] can put on `PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fake {
    /// The AWS CLI (`py/fake_aws.py`).
    Aws,
    /// The docker client (`py/fake_docker.py`).
    Docker,
    /// The Session Manager plugin the AWS CLI needs for `ssm start-session` (does nothing).
    SessionManagerPlugin,
}

impl FakeTools {
    /// Puts the `fakes` in a new folder, run by `python` (which must have botocore and jmespath).
    pub fn new(python: &Path, fakes: &[Fake]) -> FakeTools {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        let py = repo_root().join("deploy/check/py");
        for fake in fakes {
            let (name, body) = match fake {
                Fake::Aws => (
                    "aws",
                    format!(
                        "exec '{}' '{}' \"$@\"",
                        python.display(),
                        py.join("fake_aws.py").display()
                    ),
                ),
                Fake::Docker => (
                    "docker",
                    format!(
                        "exec '{}' '{}' \"$@\"",
                        python.display(),
                        py.join("fake_docker.py").display()
                    ),
                ),
                Fake::SessionManagerPlugin => ("session-manager-plugin", "exit 0".to_string()),
            };
            write_executable(&bin.join(name), &format!("#!/bin/sh\n{body}\n"));
        }
        FakeTools { dir }
    }

    /// The folder of the fake executables.
    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// The call log.
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("calls.jsonl")
    }

    /// The fake AWS state file.
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("aws-state.json")
    }

    /// A scratch folder for the test's own files.
    pub fn scratch(&self) -> PathBuf {
        let dir = self.dir.path().join("scratch");
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    /// `bash script args...` with an empty environment but `HOME`, `PATH` (the fakes, then
    /// `/usr/bin:/bin`, so no real `aws` or `docker` is found) and the fakes' settings.
    pub fn command(&self, script: &str, args: &[&str]) -> Command {
        let mut command = Command::new("/bin/bash");
        command
            .arg(repo_root().join(script))
            .args(args)
            .current_dir(repo_root())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin().display()))
            .env("FAKE_LOG", self.log())
            .env("FAKE_STATE", self.state())
            .stdin(Stdio::null());
        command
    }

    /// Every call recorded so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        match std::fs::read_to_string(self.log()) {
            Ok(text) => text
                .lines()
                .map(|line| Call(serde_json::from_str(line).expect("a JSON call record")))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call(pub Value);

impl Call {
    /// `aws` or `docker`.
    pub fn tool(&self) -> &str {
        self.0["tool"].as_str().unwrap_or_default()
    }

    /// The arguments.
    pub fn argv(&self) -> Vec<String> {
        self.0["argv"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The tool and its first two arguments (`aws ecs update-service`, `docker push ...`), the
    /// call's name in a sequence.
    pub fn name(&self) -> String {
        let argv = self.argv();
        let words: Vec<&str> = argv
            .iter()
            .filter(|a| !a.starts_with("--"))
            .take(2)
            .map(String::as_str)
            .collect();
        match self.tool() {
            "docker" => format!("docker {}", argv.first().map(String::as_str).unwrap_or("")),
            tool => format!("{tool} {}", words.join(" ")),
        }
    }

    /// The request the fake AWS CLI resolved (options merged with `--cli-input-json`).
    pub fn params(&self) -> &Value {
        &self.0["params"]
    }

    /// The exit code the fake returned.
    pub fn exit(&self) -> i64 {
        self.0["exit"].as_i64().unwrap_or(-1)
    }

    /// The value after option `name`, if given.
    pub fn option(&self, name: &str) -> Option<String> {
        let argv = self.argv();
        argv.iter()
            .position(|a| a == name)
            .and_then(|i| argv.get(i + 1).cloned())
    }
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write fake");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod fake");
}

/// Output as text, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
