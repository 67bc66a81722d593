//! The lifecycle flags: which classes a command line runs (and as which roles), the flow mix,
//! and the `[app]` table of the `--config` file (config file < environment < command line).

use milmove_tasks::app::{parse_args, select, AppKind};
use milmove_tasks::flows::role::Role;

fn selected(kind: AppKind, args: &[&str]) -> Vec<(String, Option<Role>, u32)> {
    let mut argv = vec![kind.bin_name()];
    argv.extend_from_slice(args);
    select(kind, &parse_args(kind, argv).unwrap())
        .into_iter()
        .map(|s| (s.spec.name.to_string(), s.role, s.weight))
        .collect()
}

#[test]
fn single_domain_apps_keep_their_classes() {
    let office = selected(AppKind::Office, &[]);
    let names: Vec<&str> = office.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["ServicesCounselorUser", "TOOUser", "TIOUser"]);
    assert!(office.iter().all(|(_, role, _)| role.is_none()));
    let milmove = selected(AppKind::Milmove, &[]);
    assert_eq!(milmove, [("CustomerUser".to_string(), None, 1)]);
}

#[test]
fn lifecycle_runs_the_roles_its_flows_need() {
    let run = selected(AppKind::Milmove, &["--lifecycle"]);
    let roles: Vec<Role> = run.iter().map(|(_, r, _)| r.unwrap()).collect();
    assert_eq!(
        roles,
        [
            Role::Prime,
            Role::ServicesCounselor,
            Role::Too,
            Role::Tio,
            Role::Customer
        ]
    );
    // Without the payment flow no TIO is needed.
    let run = selected(
        AppKind::Milmove,
        &["--lifecycle", "--flows", "single-hhg,nts:2"],
    );
    assert!(run.iter().all(|(_, r, _)| *r != Some(Role::Tio)));
    // Any app can run it.
    assert_eq!(selected(AppKind::Prime, &["--lifecycle"]).len(), 5);
}

#[test]
fn all_runs_the_lifecycle_by_default_and_every_class() {
    let run = selected(AppKind::Office, &["--all"]);
    assert_eq!(run.len(), 7);
    let plain: Vec<&str> = run
        .iter()
        .filter(|(_, r, _)| r.is_none())
        .map(|(n, _, _)| n.as_str())
        .collect();
    assert_eq!(
        plain,
        ["PrimeWorkflowUser"],
        "the only class without a role"
    );
    let old = selected(AppKind::Office, &["--all", "--no-lifecycle"]);
    assert!(old.iter().all(|(_, r, _)| r.is_none()));
    assert_eq!(old.len(), 7);
}

#[test]
fn conflicting_lifecycle_flags_are_refused() {
    let err = parse_args(
        AppKind::Milmove,
        ["milmove-load", "--lifecycle", "--no-lifecycle"],
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot be used with"), "{err}");
}

#[test]
fn the_config_file_app_table_fills_what_the_command_line_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.toml");
    std::fs::write(
        &path,
        "users = 30\n[app]\nlifecycle = true\ntoo-user-weight = 3\nmax-flows = 40\n\
         flow-log = \"out/flows.jsonl\"\n[app.flows]\nhhg-payments = 2\nsingle-hhg = 1\n",
    )
    .unwrap();
    let config = path.to_str().unwrap();
    let args = parse_args(
        AppKind::Milmove,
        ["milmove-load", "--config", config, "--tio-user-weight", "5"],
    )
    .unwrap();
    assert!(args.lifecycle && args.lifecycle_mode());
    assert_eq!(args.too_user_weight, 3);
    assert_eq!(args.tio_user_weight, 5);
    assert_eq!(args.max_flows, 40);
    assert_eq!(args.flows, "hhg-payments:2,single-hhg:1");
    assert_eq!(
        args.flow_log.as_deref(),
        Some(std::path::Path::new("out/flows.jsonl"))
    );
    // The command line wins over the file.
    let args = parse_args(
        AppKind::Milmove,
        [
            "milmove-load",
            "--config",
            config,
            "--too-user-weight",
            "1",
            "--flows",
            "nts",
        ],
    )
    .unwrap();
    assert_eq!((args.too_user_weight, args.flows.as_str()), (1, "nts"));
}

#[test]
fn bad_app_keys_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            "[app]\ntoo-user-weight = -1\n",
            "too-user-weight: must be a whole number",
        ),
        ("[app]\nlifecyle = true\n", "lifecyle: unknown key"),
        ("[app]\nlifecycle = \"yes\"\n", "must be true or false"),
    ] {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let err = parse_args(
            AppKind::Milmove,
            ["milmove-load", "--config", path.to_str().unwrap()],
        )
        .unwrap_err();
        assert!(err.to_string().contains(expected), "{text}: {err}");
    }
}
