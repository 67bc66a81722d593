//! The end-to-end harness shared by the three binaries' tests (each includes this file with
//! `#[path]`): run the binary headless against the in-process stand-in (`--host sim`, loopback
//! only) and check its JSON summary against the catalog; check `--list` and bad command lines.
//!
//! Needs the MilMove specs (`MILMOVE_SWAGGER_DIR`, or found beside the checkout): the tests
//! that need them skip, saying so loudly, when there are none — except in CI (`CI` set), where
//! a missing spec folder fails them.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};

use milmove_tasks::app::{parse_args, select, AppKind};
use milmove_tasks::catalog::ClassSpec;
use milmove_tasks::coverage::check_summary;
use milmove_tasks::flows::catalog;
use milmove_tasks::flows::check::check_lifecycle;

/// One binary under test.
pub struct App {
    /// Path of the built binary (`env!("CARGO_BIN_EXE_…")`).
    pub bin: &'static str,
    /// Which app it is.
    pub kind: AppKind,
    /// The classes it runs without `--all`.
    pub classes: &'static [&'static str],
    /// Rows (method, name) a task declares as expected failures, named by the test.
    pub expected_failures: &'static [(&'static str, &'static str)],
}

/// The spec folder, or `None` after saying loudly that `test` is skipped (a failure in CI).
pub fn spec_dir_or_skip(test: &str) -> Option<PathBuf> {
    match milmove_parser::find_spec_dir(None) {
        Ok(dir) => Some(dir),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test} needs the real MilMove specs in CI: {e}"
            );
            // Straight to stderr: the test harness captures `eprintln!` of passing tests.
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {test}: {e} ***\n");
            None
        }
    }
}

/// Every response the stand-in sent during a run validated against its operation's response
/// schema (read with go-swagger's semantics), and there were responses to check.
pub fn check_audit(path: &std::path::Path) {
    let text = std::fs::read(path).expect("the stand-in wrote no response audit");
    let audit: milmove_sim::AuditReport =
        serde_json::from_slice(&text).expect("the response audit does not parse");
    eprintln!(
        "stand-in responses checked against the spec: {}",
        audit.checked
    );
    assert!(audit.checked > 0, "no response was audited");
    assert_eq!(
        audit.violations, 0,
        "{} of {} stand-in responses do not match their operation's spec:\n{:#?}",
        audit.violations, audit.checked, audit.samples
    );
}

/// Short, busy runs: many users, short waits, so every task runs in a few seconds.
const RUN_FLAGS: &[&str] = &[
    "--host",
    "sim",
    "--headless",
    "--only-summary",
    "--wait-time",
    "0.05-0.3",
    "--stop-timeout",
    "5s",
];

impl App {
    /// The binary's name.
    fn name(&self) -> &'static str {
        self.kind.bin_name()
    }

    /// The classes selected by a command line (the binary's name is added in front).
    fn selected(&self, args: &[&str]) -> Vec<milmove_tasks::app::Selected> {
        let mut argv = vec![self.name()];
        argv.extend_from_slice(args);
        select(self.kind, &parse_args(self.kind, argv).unwrap())
    }

    /// Runs the binary with `args` (never downloading the specs: tests use a folder found).
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(self.bin)
            .args(args)
            .env("MILMOVE_LOAD_OFFLINE", "true")
            .output()
            .expect("cannot start the binary")
    }

    /// Without `--all` the binary selects exactly its own classes, in order.
    pub fn check_own_classes(&self) {
        let names: Vec<&str> = self.selected(&[]).iter().map(|s| s.spec.name).collect();
        assert_eq!(names, self.classes);
    }

    /// Runs headless with `users` users (all started at once) and `extra` flags; the JSON
    /// summary, after checking the exit code.
    fn run_for_summary(&self, users: &str, run_time: &str, extra: &[&str]) -> serde_json::Value {
        let dir = tempfile::tempdir().unwrap();
        let json_path = dir.path().join("summary.json");
        let mut args: Vec<&str> = RUN_FLAGS.to_vec();
        args.extend_from_slice(&["-u", users, "-r", users, "-t", run_time]);
        args.extend_from_slice(extra);
        let json_arg = json_path.to_str().unwrap();
        args.extend_from_slice(&["--json", json_arg]);
        // Every response the stand-in sends is checked against its operation's spec.
        let audit_path = dir.path().join("audit.json");
        let output = Command::new(self.bin)
            .args(&args)
            .env("MILMOVE_LOAD_OFFLINE", "true")
            .env(milmove_sim::AUDIT_ENV, &audit_path)
            .output()
            .expect("cannot start the binary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        // 0: clean; 1: some request failed (the report below says which). Anything else is
        // not a finished run.
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{} {args:?} exited with {:?}\nstderr:\n{stderr}\nstdout:\n{stdout}",
            self.name(),
            output.status
        );
        let summary =
            serde_json::from_slice(&std::fs::read(&json_path).expect("no JSON summary written"))
                .expect("the JSON summary does not parse");
        check_audit(&audit_path);
        summary
    }

    /// Every class of `selected` declares only expected failures this test names.
    fn check_declared_failures(&self, classes: &[&ClassSpec]) {
        for class in classes {
            for (method, name) in &class.expected_failures {
                assert!(
                    self.expected_failures.contains(&(*method, *name)),
                    "{} declares {method} {name} as an expected failure: name it in this test",
                    class.name
                );
            }
        }
    }

    /// Runs headless with `users` users (all started at once) and `extra` flags, and checks
    /// the summary against the classes selected by the same command line: every task ran,
    /// every workflow completed, nothing failed but the declared expected failures.
    pub fn run_and_check(&self, users: &str, extra: &[&str]) {
        let summary = self.run_for_summary(users, "20s", extra);
        let selected = self.selected(extra);
        let classes: Vec<&ClassSpec> = selected.iter().map(|s| &s.spec).collect();
        self.check_declared_failures(&classes);
        let report = check_summary(&classes, &summary, self.expected_failures).unwrap();
        eprintln!("{report}");
        assert!(report.is_clean(), "{} {extra:?}:\n{report}", self.name());
    }

    /// Runs a lifecycle run (`extra` has `--lifecycle` or `--all`) until every flow of the
    /// default mix completed (`--complete-each-flow 1`: the users then stop; 5 minutes at
    /// most), and checks its summary: every flow completed with every step and queue
    /// recorded, every task of the classes that run on their own ran, nothing failed but the
    /// expected failures.
    pub fn run_lifecycle_and_check(&self, users: &str, extra: &[&str]) {
        let mut args = vec!["--complete-each-flow", "1"];
        args.extend_from_slice(extra);
        let summary = self.run_for_summary(users, "300s", &args);
        assert_eq!(
            summary["run"]["end_reason"], "all users stopped",
            "{}",
            summary["run"]
        );
        let selected = self.selected(extra);
        let classes: Vec<&ClassSpec> = selected.iter().map(|s| &s.spec).collect();
        self.check_declared_failures(&classes);
        let weights = catalog::parse_mix(catalog::DEFAULT_MIX).unwrap();
        let flows: Vec<_> = catalog::all()
            .iter()
            .zip(weights)
            .map(|(f, w)| f.meta(w))
            .collect();
        let report = check_lifecycle(&flows, &summary, self.expected_failures).unwrap();
        eprintln!("{report}");
        assert!(report.is_clean(), "{} {extra:?}:\n{report}", self.name());
        let on_their_own: Vec<&ClassSpec> = selected
            .iter()
            .filter(|s| s.role.is_none())
            .map(|s| &s.spec)
            .collect();
        let report = check_summary(&on_their_own, &summary, self.expected_failures).unwrap();
        assert!(report.is_clean(), "{} {extra:?}:\n{report}", self.name());
    }

    /// `--list` prints each own class with every task, its tags and its request, and no class
    /// of another binary.
    pub fn check_list(&self) {
        let output = self.run(&["--list"]);
        assert!(output.status.success(), "{output:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        for s in &self.selected(&[]) {
            // The class's section: its header line, then its indented task lines.
            let section: Vec<&str> = text
                .lines()
                .skip_while(|l| !l.starts_with(&format!("{} (", s.spec.name)))
                .skip(1)
                .take_while(|l| l.starts_with(' '))
                .collect();
            assert!(!section.is_empty(), "{} missing:\n{text}", s.spec.name);
            for (_, task) in s.spec.all_tasks() {
                let line = section
                    .iter()
                    .find(|l| l.split_whitespace().next() == Some(task.name.as_str()))
                    .unwrap_or_else(|| panic!("task {} missing:\n{text}", task.name));
                for tag in &task.tags {
                    assert!(line.contains(tag), "tag {tag} missing on: {line}");
                }
                assert!(line.contains(task.request.1), "request missing on: {line}");
            }
        }
        let everyone = self.selected(&["--all"]);
        for other in everyone
            .iter()
            .filter(|s| !self.classes.contains(&s.spec.name))
        {
            let header = format!("{} (", other.spec.name);
            assert!(
                !text.contains(&header),
                "{} listed without --all",
                other.spec.name
            );
        }
    }

    /// Bad flags and values exit with code 2 and a clear message, never a panic.
    pub fn check_bad_command_lines(&self) {
        let cases: &[(&[&str], &str)] = &[
            (&["--no-such-flag"], "unexpected argument"),
            (
                &["--host", "nowhere", "--headless", "-t", "1s"],
                "unknown host",
            ),
            (
                &["--host", "ftp://x", "--headless", "-t", "1s"],
                "invalid host URL",
            ),
            (&["-u", "lots"], "invalid value"),
            (
                &["--wait-time", "3-1", "--headless", "-t", "1s"],
                "--wait-time",
            ),
        ];
        for (args, expected) in cases {
            let output = self.run(args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(expected), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        }
    }
}
