//! `scripts/codebuild`, run against fake `aws` and
//! `docker` executables that record their calls and answer like the real ones (botocore's
//! models check every option and request): the call sequence, the requests, `--dry-run`, and the
//! errors for a missing tool or variable. Plus shellcheck on every script.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use milmove_deploy_check::fakes::{describe, Call, Fake, FakeTools};
use milmove_deploy_check::workspace::repo_root;

mod script_common;
use milmove_deploy_check::tool;
use script_common::{fakes, names, python, CHECK};

const TAG: &str = "0123456789abcdef0123456789abcdef01234567";
const REPO: &str = "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/milmove-load";

/// A CodeBuild-like environment.
fn codebuild(fakes: &FakeTools, args: &[&str]) -> Command {
    let mut command = fakes.command("scripts/codebuild", args);
    command
        .env("AWS_REGION", "us-gov-west-1")
        .env("CODEBUILD_RESOLVED_SOURCE_VERSION", TAG)
        .env("FAKE_AWS_PARTITION", "aws-us-gov");
    command
}

#[test]
fn codebuild_ui_mode_builds_pushes_registers_and_updates_in_order() {
    let Some(python) = python() else { return };
    let fakes = fakes(&python);
    let output = codebuild(&fakes, &[])
        .env("FAKE_AWS_SERVICES", "milmove-load-ui")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let calls = fakes.calls();
    assert_eq!(
        names(&calls),
        [
            "aws sts get-caller-identity",
            "docker build",
            "aws ecr get-login-password",
            "docker login",
            "docker push",
            "aws ecs register-task-definition",
            "aws ecs describe-services",
            "aws ecs update-service",
        ]
    );
    assert!(calls.iter().all(|c| c.exit() == 0), "{calls:?}");
    let image = format!("{REPO}:{TAG}");

    let build = &calls[1];
    assert_eq!(build.option("--tag").as_deref(), Some(image.as_str()));
    assert_eq!(
        build.option("--build-arg").as_deref(),
        Some(format!("GIT_COMMIT={TAG}").as_str())
    );
    let context = PathBuf::from(build.argv().last().unwrap());
    assert_eq!(
        context.canonicalize().unwrap(),
        repo_root(),
        "the repository is the context"
    );

    // The registry password goes through standard input, never the command line.
    let login = &calls[3];
    assert!(login.argv().contains(&"--password-stdin".to_string()));
    assert_eq!(
        login.argv().last().map(String::as_str),
        Some("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com")
    );
    assert!(login.0["stdin_bytes"].as_u64().unwrap() > 0);
    assert_eq!(calls[4].argv(), ["push", image.as_str()]);

    let task = calls[5].params();
    assert_eq!(task["family"], "milmove-load-ui");
    assert_eq!(task["containerDefinitions"][0]["image"], image.as_str());
    assert!(
        task["executionRoleArn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws-us-gov:iam::123456789012:role/"),
        "partition and account from sts"
    );
    let update = calls[7].params();
    assert_eq!(update["cluster"], "loadtesting");
    assert_eq!(update["service"], "milmove-load-ui");
    assert_eq!(
        update["taskDefinition"],
        "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/milmove-load-ui:1",
        "the revision just registered"
    );
    assert_eq!(update["forceNewDeployment"], true);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("updated service milmove-load-ui"),
        "{stderr}"
    );
}

#[test]
fn codebuild_cluster_mode_creates_missing_services_master_first() {
    let Some(python) = python() else { return };
    let fakes = fakes(&python);
    let output = codebuild(&fakes, &["--mode", "cluster", "--workers", "4", "--wait"])
        .env("ECS_SUBNETS", "subnet-0aaa1111,subnet-0bbb2222")
        .env("ECS_SECURITY_GROUPS", "sg-0ccc3333")
        .env("DOCKER_USERNAME", "milmove")
        .env("DOCKER_PASSWORD", "hub-password")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let calls = fakes.calls();
    assert_eq!(
        names(&calls),
        [
            "aws sts get-caller-identity",
            "docker login",
            "docker build",
            "aws ecr get-login-password",
            "docker login",
            "docker push",
            "aws ecs register-task-definition",
            "aws ecs register-task-definition",
            "aws ecs describe-services",
            "aws ecs create-service",
            "aws ecs describe-services",
            "aws ecs create-service",
            "aws ecs wait",
        ]
    );
    // Docker Hub login first (base image pulls), with the password on standard input.
    assert_eq!(
        calls[1].argv(),
        ["login", "--username", "milmove", "--password-stdin"]
    );
    assert_eq!(calls[1].0["stdin_bytes"], "hub-password".len());
    assert!(!calls
        .iter()
        .any(|c| c.argv().iter().any(|a| a.contains("hub-password"))));

    assert_eq!(calls[6].params()["family"], "milmove-load-master");
    assert_eq!(calls[7].params()["family"], "milmove-load-worker");
    let master = calls[9].params();
    assert_eq!(master["serviceName"], "milmove-load-master");
    assert_eq!(
        master["taskDefinition"],
        "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/milmove-load-master:1"
    );
    assert_eq!(
        master["networkConfiguration"]["awsvpcConfiguration"]["subnets"],
        serde_json::json!(["subnet-0aaa1111", "subnet-0bbb2222"])
    );
    assert_eq!(master["cluster"], "loadtesting");
    let worker = calls[11].params();
    assert_eq!(worker["serviceName"], "milmove-load-worker");
    assert_eq!(
        worker["desiredCount"], 4,
        "--workers overrides the template's count"
    );
    assert_eq!(
        calls[12].params()["services"],
        serde_json::json!(["milmove-load-master", "milmove-load-worker"])
    );

    // A second run updates the services now there, onto revision 2.
    let again = codebuild(&fakes, &["--mode", "cluster"]).output().unwrap();
    assert!(again.status.success(), "{}", describe(&again));
    let calls = fakes.calls();
    let updates: Vec<&Call> = calls
        .iter()
        .filter(|c| c.name() == "aws ecs update-service")
        .collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0].params()["service"], "milmove-load-master");
    assert!(updates[0].params()["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with("milmove-load-master:2"));
    assert!(
        updates[1].params().get("desiredCount").is_none(),
        "without --workers the count is left as it is"
    );
}

#[test]
fn codebuild_dry_run_prints_the_same_commands_and_runs_none() {
    let Some(python) = python() else { return };
    let fakes = fakes(&python);
    let output = codebuild(&fakes, &["--dry-run", "--mode", "cluster", "--wait"])
        .env("AWS_ACCOUNT_ID", "123456789012")
        .env("AWS_PARTITION", "aws-us-gov")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert!(fakes.calls().is_empty(), "a dry run calls nothing");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed: Vec<&str> = stdout.lines().collect();
    let starts = [
        "docker build --build-arg GIT_COMMIT=",
        "aws ecr get-login-password --region us-gov-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-gov-west-1.amazonaws.com",
        "docker push 123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/milmove-load:",
        "aws ecs register-task-definition --region us-gov-west-1 --cli-input-json file://",
        "aws ecs register-task-definition --region us-gov-west-1 --cli-input-json file://",
        "aws ecs describe-services --region us-gov-west-1 --cluster loadtesting --services milmove-load-master",
        "aws ecs update-service --region us-gov-west-1 --cluster loadtesting --service milmove-load-master",
        "aws ecs describe-services --region us-gov-west-1 --cluster loadtesting --services milmove-load-worker",
        "aws ecs update-service --region us-gov-west-1 --cluster loadtesting --service milmove-load-worker",
        "aws ecs wait services-stable --region us-gov-west-1 --cluster loadtesting --services milmove-load-master milmove-load-worker",
    ];
    assert_eq!(printed.len(), starts.len(), "{stdout}");
    for (line, start) in printed.iter().zip(starts) {
        assert!(
            line.starts_with(start),
            "`{line}` should start with `{start}`"
        );
    }
    // The rendered task definitions are kept for inspection.
    let file = printed[3]
        .split_whitespace()
        .find_map(|w| w.strip_prefix("file://"))
        .unwrap();
    let task: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(task["family"], "milmove-load-master");
    std::fs::remove_dir_all(PathBuf::from(file).parent().unwrap()).unwrap();
}

#[test]
fn codebuild_reports_missing_tools_variables_and_failures_clearly() {
    let Some(python) = python() else { return };

    let no_docker = FakeTools::new(&python, &[Fake::Aws]);
    let output = codebuild(&no_docker, &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("'docker' is not on PATH"));
    assert!(
        no_docker.calls().is_empty(),
        "nothing is called before the checks"
    );

    let no_aws = FakeTools::new(&python, &[Fake::Docker]);
    let output = codebuild(&no_aws, &[]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("'aws' is not on PATH"));

    let fakes = fakes(&python);
    let output = fakes.command("scripts/codebuild", &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("AWS_REGION is not set"));

    for (args, message) in [
        (&["--mode", "both"][..], "--mode must be ui or cluster"),
        (
            &["--workers", "many"][..],
            "--workers must be a whole number",
        ),
        (&["--frobnicate"][..], "unknown argument '--frobnicate'"),
    ] {
        let output = codebuild(&fakes, args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(message),
            "{args:?}"
        );
    }

    let output = codebuild(&fakes, &[])
        .env("DOCKER_USERNAME", "only-half")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("set both DOCKER_USERNAME and DOCKER_PASSWORD"));

    // A service that does not exist cannot be created without its network.
    let output = codebuild(&fakes, &[]).output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("set ECS_SUBNETS and ECS_SECURITY_GROUPS")
    );

    // Failures of the tools stop the script (set -e) before anything is deployed.
    let fakes = self::fakes(&python);
    let output = codebuild(&fakes, &[])
        .env("FAKE_DOCKER_FAIL", "push")
        .env("FAKE_AWS_SERVICES", "milmove-load-ui")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("denied"));
    assert_eq!(names(&fakes.calls()).last().unwrap(), "docker push");

    let fakes = self::fakes(&python);
    let output = codebuild(&fakes, &[])
        .env("FAKE_AWS_NO_CREDENTIALS", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Unable to locate credentials"));
    assert_eq!(names(&fakes.calls()), ["aws sts get-caller-identity"]);
}

#[test]
fn the_fake_aws_rejects_what_the_real_one_rejects() {
    let Some(python) = python() else { return };
    let fakes = fakes(&python);
    let run = |args: &[&str]| {
        let mut child = Command::new(fakes.bin().join("aws"))
            .args(args)
            .env("FAKE_LOG", fakes.log())
            .env("FAKE_STATE", fakes.state())
            .env("AWS_REGION", "us-gov-west-1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"").unwrap();
        child.wait_with_output().unwrap()
    };
    let output = run(&[
        "ecs",
        "update-service",
        "--cluster",
        "c",
        "--service",
        "s",
        "--force-new-deploy",
    ]);
    assert_eq!(output.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Unknown options: --force-new-deploy"));
    let output = run(&["ecs", "update-service", "--cluster", "c", "--service", "s"]);
    assert_eq!(output.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ServiceNotFoundException"));
    let output = run(&[
        "ecs",
        "list-tasks",
        "--cluster",
        "c",
        "--desired-status",
        "RUNNING",
        "--query",
        "taskArns",
        "--output",
        "text",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "",
        "no tasks: an empty line"
    );
}

#[test]
fn shellcheck_passes_on_every_script() {
    let Some(shellcheck) = tool::require(CHECK, "shellcheck", "apt-get install shellcheck") else {
        return;
    };
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(repo_root().join("scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.starts_with("#!/usr/bin/env bash") || t.starts_with("#!/bin/bash"))
                .unwrap_or(false)
        })
        .collect();
    scripts.push(repo_root().join(".ci/run"));
    scripts.sort();
    assert!(scripts.len() >= 3);
    // -x follows the scripts that source each other.
    let output = Command::new(shellcheck)
        .arg("-x")
        .args(&scripts)
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
}
