//! End to end: `prime-load` headless against the in-process stand-in (`--host sim`, loopback
//! only), checked from its JSON summary: every task of every user class ran, the workflows
//! completed, and nothing failed unless a task declares it expected. Also `--all`, `--list`
//! and bad command lines.
//!
//! Needs the MilMove specs: set `MILMOVE_SWAGGER_DIR` (the tests that need them skip, saying
//! so, when it is unset).

use std::path::PathBuf;
use std::process::{Command, Output};

use milmove_tasks::app::{parse_args, select, AppKind};
use milmove_tasks::catalog::ClassSpec;
use milmove_tasks::coverage::check_summary;
use milmove_tasks::support::SHIPMENT_STATUS_EXPECTED_FAILURE;

const BIN: &str = env!("CARGO_BIN_EXE_prime-load");
const APP: AppKind = AppKind::Prime;
const APP_NAME: &str = "prime-load";
/// The classes this binary runs without `--all`.
const CLASSES: &[&str] = &["PrimeUser", "SupportUser", "PrimeWorkflowUser"];

/// Rows a task declares as expected failures. `update_mto_shipment_with_invalid_status`
/// asks for a transition MilMove refuses (422); the task records that 422 as a success, so
/// the row must in fact show no failure, but it is the one row allowed to.
const EXPECTED_FAILURES: &[(&str, &str)] = &[("PATCH", SHIPMENT_STATUS_EXPECTED_FAILURE)];

/// The spec directory, or `None` after saying loudly that the test is skipped.
fn swagger_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("MILMOVE_SWAGGER_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!(
                "\n*** SKIPPED {test}: MILMOVE_SWAGGER_DIR is not set; point it at the bundled \
                 MilMove specs to run the end-to-end tests ***\n"
            );
            None
        }
    }
}

/// Short, busy runs: many users, short waits, so every task runs in a few seconds.
const RUN_FLAGS: &[&str] = &[
    "--host",
    "sim",
    "--headless",
    "--only-summary",
    "-t",
    "20s",
    "--wait-time",
    "0.05-0.3",
    "--stop-timeout",
    "5s",
];

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("cannot start the binary")
}

/// Runs headless with `users` users (all started at once) and `extra` flags, and checks the
/// summary against the classes selected by the same command line.
fn run_and_check(users: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("summary.json");
    let mut args: Vec<&str> = RUN_FLAGS.to_vec();
    args.extend_from_slice(&["-u", users, "-r", users]);
    args.extend_from_slice(extra);
    let json_arg = json_path.to_str().unwrap();
    args.extend_from_slice(&["--json", json_arg]);
    let output = run(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // 0: clean; 1: some request failed (the report below says which). Anything else is not a
    // finished run.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{APP_NAME} {args:?} exited with {:?}\nstderr:\n{stderr}\nstdout:\n{stdout}",
        output.status
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("no JSON summary written"))
            .expect("the JSON summary does not parse");

    let mut argv = vec![APP_NAME];
    argv.extend_from_slice(extra);
    let selected = select(APP, &parse_args(APP, argv).unwrap());
    let classes: Vec<&ClassSpec> = selected.iter().map(|s| &s.spec).collect();
    for class in &classes {
        for (method, name) in &class.expected_failures {
            assert!(
                EXPECTED_FAILURES.contains(&(*method, *name)),
                "{} declares {method} {name} as an expected failure: name it in this test",
                class.name
            );
        }
    }
    let report = check_summary(&classes, &summary, EXPECTED_FAILURES).unwrap();
    eprintln!("{report}");
    assert!(report.is_clean(), "{APP_NAME} {args:?}:\n{report}");
}

#[test]
fn every_task_of_every_user_class_runs() {
    if swagger_dir("every_task_of_every_user_class_runs").is_none() {
        return;
    }
    let classes = select(APP, &parse_args(APP, [APP_NAME]).unwrap());
    let names: Vec<&str> = classes.iter().map(|s| s.spec.name).collect();
    assert_eq!(names, CLASSES);
    run_and_check("30", &[]);
}

#[test]
fn all_runs_every_milmove_user_from_one_command() {
    if swagger_dir("all_runs_every_milmove_user_from_one_command").is_none() {
        return;
    }
    let classes = select(APP, &parse_args(APP, [APP_NAME, "--all"]).unwrap());
    assert_eq!(classes.len(), 7, "--all selects every MilMove user class");
    run_and_check("42", &["--all"]);
}

#[test]
fn list_prints_every_class_and_task_with_tags() {
    let output = run(&["--list"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let selected = select(APP, &parse_args(APP, [APP_NAME]).unwrap());
    for s in &selected {
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
    let everyone = select(APP, &parse_args(APP, [APP_NAME, "--all"]).unwrap());
    for other in everyone.iter().filter(|s| !CLASSES.contains(&s.spec.name)) {
        let header = format!("{} (", other.spec.name);
        assert!(
            !text.contains(&header),
            "{} listed without --all",
            other.spec.name
        );
    }
}

#[test]
fn bad_command_lines_fail_cleanly() {
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
        let output = run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
