//! `scripts/aws-session-port-forward`, run against fake `aws` and session-manager-plugin
//! executables that record their calls and answer like the real ones: it finds the running UI
//! or master task and opens the port-forwarding session; `--dry-run`; clear errors.

mod script_common;

use milmove_deploy_check::fakes::{describe, Fake, FakeTools};
use script_common::{fakes, names, python};

#[test]
fn port_forward_finds_the_task_and_opens_the_session() {
    let Some(python) = python() else { return };
    let fakes = fakes(&python);
    let output = fakes
        .command(
            "scripts/aws-session-port-forward",
            &["--master", "--local-port", "8089"],
        )
        .env("AWS_REGION", "us-gov-west-1")
        .env(
            "FAKE_AWS_TASKS",
            r#"{"milmove-load-master": ["9f3e2d1c0b"]}"#,
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let calls = fakes.calls();
    assert_eq!(
        names(&calls),
        [
            "aws ecs list-tasks",
            "aws ecs describe-tasks",
            "aws ssm start-session"
        ]
    );
    assert_eq!(calls[0].params()["serviceName"], "milmove-load-master");
    assert_eq!(calls[0].params()["desiredStatus"], "RUNNING");
    assert_eq!(
        calls[1].params()["tasks"],
        serde_json::json!(["arn:aws:ecs:us-gov-west-1:123456789012:task/loadtesting/9f3e2d1c0b"])
    );
    let session = calls[2].params();
    assert_eq!(
        session["Target"],
        "ecs:loadtesting_9f3e2d1c0b_9f3e2d1c0b-3261458012"
    );
    assert_eq!(session["DocumentName"], "AWS-StartPortForwardingSession");
    assert_eq!(
        session["Parameters"],
        serde_json::json!({"portNumber": ["4000"], "localPortNumber": ["8089"]})
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Starting session"));
}

#[test]
fn port_forward_dry_run_and_errors() {
    let Some(python) = python() else { return };
    let fakes = fakes(&python);
    let output = fakes
        .command(
            "scripts/aws-session-port-forward",
            &["--dry-run", "--remote-port", "8089"],
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert!(fakes.calls().is_empty());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with(
        "aws ecs list-tasks --cluster loadtesting --service-name milmove-load-ui --desired-status RUNNING"
    ));
    assert!(lines[1].starts_with("aws ecs describe-tasks --cluster loadtesting --tasks "));
    assert!(lines[2].starts_with("aws ssm start-session --target ecs:loadtesting_"));
    assert!(lines[2].ends_with(r#"'{"portNumber":["8089"],"localPortNumber":["4000"]}'"#));

    let cases: [(&[Fake], &str, &[&str], &str); 4] = [
        (
            &[Fake::Aws],
            "{}",
            &[],
            "'session-manager-plugin' is not on PATH",
        ),
        (
            &[Fake::SessionManagerPlugin],
            "{}",
            &[],
            "'aws' is not on PATH",
        ),
        (
            &[Fake::Aws, Fake::SessionManagerPlugin],
            "{}",
            &[],
            "no running task in service milmove-load-ui",
        ),
        (
            &[Fake::Aws, Fake::SessionManagerPlugin],
            r#"{"milmove-load-ui": ["aaa", "bbb"]}"#,
            &[],
            "runs 2 tasks; pick one with --task ID: aaa bbb",
        ),
    ];
    for (tools, tasks, args, message) in cases {
        let fakes = FakeTools::new(&python, tools);
        let output = fakes
            .command("scripts/aws-session-port-forward", args)
            .env("AWS_REGION", "us-gov-west-1")
            .env("FAKE_AWS_TASKS", tasks)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{message}: {}",
            describe(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(message),
            "{message}: {}",
            describe(&output)
        );
    }
    let output = fakes
        .command(
            "scripts/aws-session-port-forward",
            &["--local-port", "70000"],
        )
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("'70000' is not a port number"));
}
