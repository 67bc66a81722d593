//! End to end: `prime-load` (Prime, Support and Prime workflow users) headless against the in-process stand-in (`--host sim`,
//! loopback only), checked from its JSON summary: every task of every user class ran, the
//! workflows completed, and nothing failed unless a task declares it expected. Also `--list`
//! and bad command lines. The harness is `apps/common/e2e.rs`.

#[path = "../../common/e2e.rs"]
mod e2e;

use e2e::{spec_dir_or_skip, App};
use milmove_tasks::app::AppKind;
use milmove_tasks::support::SHIPMENT_STATUS_EXPECTED_FAILURE;

/// Rows a task declares as expected failures. `update_mto_shipment_with_invalid_status`
/// asks for a transition MilMove refuses (422); the task records that 422 as a success, so
/// the row must in fact show no failure, but it is the one row allowed to.
const EXPECTED_FAILURES: &[(&str, &str)] = &[("PATCH", SHIPMENT_STATUS_EXPECTED_FAILURE)];

const APP: App = App {
    bin: env!("CARGO_BIN_EXE_prime-load"),
    kind: AppKind::Prime,
    classes: &["PrimeUser", "SupportUser", "PrimeWorkflowUser"],
    expected_failures: EXPECTED_FAILURES,
};

#[test]
fn every_task_of_every_user_class_runs() {
    if spec_dir_or_skip("every_task_of_every_user_class_runs").is_none() {
        return;
    }
    APP.check_own_classes();
    APP.run_and_check("30", &[]);
}

#[test]
fn all_runs_every_milmove_user_from_one_command() {
    if spec_dir_or_skip("all_runs_every_milmove_user_from_one_command").is_none() {
        return;
    }
    let everyone = milmove_tasks::app::select(
        APP.kind,
        &milmove_tasks::app::parse_args(APP.kind, ["prime-load", "--all"]).unwrap(),
    );
    assert_eq!(everyone.len(), 7, "--all selects every MilMove user class");
    // Each class on its own, as the old suite's `all` locustfile: every task runs.
    APP.run_and_check("42", &["--all", "--no-lifecycle"]);
}

#[test]
fn all_runs_the_lifecycle_flows_by_default() {
    if spec_dir_or_skip("all_runs_the_lifecycle_flows_by_default").is_none() {
        return;
    }
    // Every class but the Prime workflow (which has no role, and is run just above) plays
    // its role: the users stop once every flow completed, whatever the machine's speed.
    APP.run_lifecycle_and_check("36", &["--all", "--prime-workflow-user-weight", "0"]);
}

#[test]
fn list_prints_every_class_and_task_with_tags() {
    APP.check_list();
}

#[test]
fn bad_command_lines_fail_cleanly() {
    APP.check_bad_command_lines();
}

/// Endpoint rows (method, name) of a run's JSON summary.
fn endpoint_rows(summary: &serde_json::Value) -> Vec<(String, String)> {
    summary["endpoints"]
        .as_array()
        .expect("endpoints in the JSON summary")
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_string(),
                e["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Runs a short headless run with `filter` flags and returns its endpoint rows.
fn rows_of_filtered_run(filter: &[&str]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("summary.json");
    let mut args = vec![
        "--host",
        "sim",
        "--headless",
        "--only-summary",
        "-u",
        "6",
        "-r",
        "6",
        "-t",
        "4s",
        "--wait-time",
        "0.05-0.2",
        "--json",
        json_path.to_str().unwrap(),
    ];
    args.extend_from_slice(filter);
    let output = APP.run(&args);
    assert_eq!(output.status.code(), Some(0), "{filter:?}: {output:?}");
    let summary = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    endpoint_rows(&summary)
}

#[test]
fn tags_select_and_exclude_tasks() {
    if spec_dir_or_skip("tags_select_and_exclude_tasks").is_none() {
        return;
    }
    let only = rows_of_filtered_run(&["-T", "listMoves"]);
    assert_eq!(
        only,
        vec![("GET".to_string(), "/prime/v1/moves".to_string())],
        "-T listMoves runs only listMoves"
    );
    // The Support and Prime workflow classes carry the `support` tag: only Prime users run.
    let without_support = rows_of_filtered_run(&["-E", "support"]);
    assert!(
        without_support
            .iter()
            .all(|(method, name)| name.starts_with("/prime/") && method != "WORKFLOW"),
        "-E support leaves only the Prime users' rows: {without_support:?}"
    );
    assert!(!without_support.is_empty(), "the Prime users ran");
}
