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
    APP.run_and_check("42", &["--all"]);
}

#[test]
fn list_prints_every_class_and_task_with_tags() {
    APP.check_list();
}

#[test]
fn bad_command_lines_fail_cleanly() {
    APP.check_bad_command_lines();
}
