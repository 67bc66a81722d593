//! End to end: `milmove-load` (customer users) headless against the in-process stand-in (`--host sim`,
//! loopback only), checked from its JSON summary: every task of every user class ran, the
//! workflows completed, and nothing failed unless a task declares it expected. Also `--list`
//! and bad command lines. The harness is `apps/common/e2e.rs`.

#[path = "../../common/e2e.rs"]
mod e2e;

use e2e::{spec_dir_or_skip, App};
use milmove_tasks::app::AppKind;

/// Rows a task declares as expected failures: none of these classes declares any.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

const APP: App = App {
    bin: env!("CARGO_BIN_EXE_milmove-load"),
    kind: AppKind::Milmove,
    classes: &["CustomerUser"],
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
fn list_prints_every_class_and_task_with_tags() {
    APP.check_list();
}

#[test]
fn bad_command_lines_fail_cleanly() {
    APP.check_bad_command_lines();
}
