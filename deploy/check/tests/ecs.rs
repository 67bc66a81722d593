//! The ECS templates: rendered by `scripts/codebuild --render` with sample values, validated as
//! `RegisterTaskDefinition` / `CreateService` inputs against botocore's ECS model and the Fargate
//! rules (with negative cases proving the validation bites), and checked against each other and
//! against the apps (secret names, ports, Service Connect names).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use milmove_deploy_check::ecs::{render, validate, MODES};
use milmove_deploy_check::fakes::describe;
use milmove_deploy_check::template::placeholders;
use milmove_deploy_check::tool;
use milmove_deploy_check::workspace::repo_root;
use serde_json::{json, Value};

const CHECK: &str = "ECS task definitions";
const PIP: &str = "pip install botocore==1.44.5";

fn python() -> Option<PathBuf> {
    tool::require_python(CHECK, &["botocore", "jmespath"], PIP)
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read JSON")).expect("JSON")
}

/// Every template rendered, as (role, task definition, service).
fn rendered(dir: &Path) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for (mode, roles) in MODES {
        let files = render(mode, &dir.join(mode)).expect("render");
        for role in *roles {
            let task = files
                .iter()
                .find(|f| f.ends_with(format!("{role}.json")))
                .expect("task definition rendered");
            let service = files
                .iter()
                .find(|f| f.ends_with(format!("service-{role}.json")))
                .expect("service rendered");
            out.push((role.to_string(), read(task), read(service)));
        }
    }
    out
}

#[test]
fn templates_use_the_old_placeholders_and_render_completely() {
    let dir = tempfile::tempdir().unwrap();
    for role in ["ui", "master", "worker"] {
        let text = std::fs::read_to_string(repo_root().join(format!("ecs/{role}.json.tmpl")))
            .expect("template");
        let found = placeholders(&text);
        for old in ["__ACCOUNTID__", "__REGION__", "__PARTITION__", "__IMAGE__"] {
            assert!(found.contains(old), "ecs/{role}.json.tmpl lacks {old}");
        }
        serde_json::from_str::<Value>(&text).expect("a template is JSON before rendering");
    }
    for (mode, _) in MODES {
        for file in render(mode, &dir.path().join(mode)).expect("render") {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                placeholders(&text).is_empty(),
                "{} keeps placeholders",
                file.display()
            );
            let service = file
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("service-");
            assert!(
                service || text.contains("arn:aws-us-gov:"),
                "partition filled in"
            );
            assert!(!service || text.contains("\"subnet-0aaa1111\",\"subnet-0bbb2222\""));
        }
    }
}

#[test]
fn rendered_templates_are_valid_ecs_api_inputs() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut tasks = Vec::new();
    let mut services = Vec::new();
    for (mode, _) in MODES {
        for file in render(mode, &dir.path().join(mode)).expect("render") {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("service-") {
                services.push(file);
            } else {
                tasks.push(file);
            }
        }
    }
    assert_eq!(tasks.len(), 3, "ui, master and worker task definitions");
    assert_eq!(services.len(), 3, "ui, master and worker services");
    for (operation, files) in [
        ("RegisterTaskDefinition", &tasks),
        ("CreateService", &services),
    ] {
        let output = validate(&python, operation, files);
        assert!(output.status.success(), "{}", describe(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(stdout.matches(": ok (").count(), files.len(), "{stdout}");
    }
}

/// A broken copy of a rendered input must be rejected with `expected` in the message.
fn assert_rejected(python: &Path, operation: &str, value: &Value, expected: &str, case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(&file, serde_json::to_string_pretty(value).unwrap()).unwrap();
    let output = validate(python, operation, &[file]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "{case}: accepted ({operation})\n{stdout}"
    );
    assert!(
        stdout.contains(expected),
        "{case}: expected `{expected}` in\n{stdout}"
    );
}

#[test]
fn the_validation_rejects_unknown_keys_wrong_types_missing_fields_and_bad_fargate_sizes() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let all = rendered(dir.path());
    let (_, task, service) = &all[0];

    type Edit = fn(&mut Value);
    let task_cases: &[(&str, Edit, &str)] = &[
        (
            "unknown top-level key",
            |t| t["cpuu"] = json!("256"),
            "Unknown parameter in input: \"cpuu\"",
        ),
        (
            "unknown container key",
            |t| t["containerDefinitions"][0]["imagee"] = json!("x"),
            "Unknown parameter in containerDefinitions[0]: \"imagee\"",
        ),
        (
            "unknown key in linuxParameters",
            |t| t["containerDefinitions"][0]["linuxParameters"]["initProcess"] = json!(true),
            "Unknown parameter in containerDefinitions[0].linuxParameters: \"initProcess\"",
        ),
        (
            "cpu as a number",
            |t| t["cpu"] = json!(2048),
            "Invalid type for parameter cpu",
        ),
        (
            "port as a string",
            |t| t["containerDefinitions"][0]["portMappings"][0]["containerPort"] = json!("4000"),
            "Invalid type for parameter containerDefinitions[0].portMappings[0].containerPort",
        ),
        (
            "essential as a string",
            |t| t["containerDefinitions"][0]["essential"] = json!("yes"),
            "Invalid type for parameter containerDefinitions[0].essential",
        ),
        (
            "command as a string",
            |t| t["containerDefinitions"][0]["command"] = json!("milmove-load --all"),
            "Invalid type for parameter containerDefinitions[0].command",
        ),
        (
            "no family",
            |t| {
                t.as_object_mut().unwrap().remove("family");
            },
            "Missing required parameter in input: \"family\"",
        ),
        (
            "no containers",
            |t| {
                t.as_object_mut().unwrap().remove("containerDefinitions");
            },
            "Missing required parameter in input: \"containerDefinitions\"",
        ),
        (
            "secret without valueFrom",
            |t| {
                t["containerDefinitions"][0]["secrets"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("valueFrom");
            },
            "Missing required parameter in containerDefinitions[0].secrets[0]: \"valueFrom\"",
        ),
        (
            "ulimit without hard limit",
            |t| {
                t["containerDefinitions"][0]["ulimits"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("hardLimit");
            },
            "Missing required parameter in containerDefinitions[0].ulimits[0]: \"hardLimit\"",
        ),
        (
            "memory not allowed with the cpu",
            |t| t["memory"] = json!("3000"),
            "is not allowed with cpu",
        ),
        (
            "not a Fargate cpu",
            |t| t["cpu"] = json!("3072"),
            "is not a Fargate size",
        ),
        (
            "bridge network on Fargate",
            |t| t["networkMode"] = json!("bridge"),
            "awsvpc",
        ),
        (
            "host port differs",
            |t| t["containerDefinitions"][0]["portMappings"][0]["hostPort"] = json!(80),
            "hostPort must equal containerPort",
        ),
        (
            "no image",
            |t| {
                t["containerDefinitions"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("image");
            },
            "image is required",
        ),
        (
            "nofile above Fargate's maximum",
            |t| t["containerDefinitions"][0]["ulimits"][0]["hardLimit"] = json!(2_000_000),
            "nofile above Fargate",
        ),
        (
            "secrets without an execution role",
            |t| {
                t.as_object_mut().unwrap().remove("executionRoleArn");
            },
            "need an executionRoleArn",
        ),
    ];
    for (case, edit, expected) in task_cases {
        let mut broken = task.clone();
        edit(&mut broken);
        assert_rejected(&python, "RegisterTaskDefinition", &broken, expected, case);
    }

    let service_cases: &[(&str, Edit, &str)] = &[
        (
            "unknown key",
            |s| s["desiredCounts"] = json!(1),
            "Unknown parameter in input: \"desiredCounts\"",
        ),
        (
            "count as a string",
            |s| s["desiredCount"] = json!("1"),
            "Invalid type for parameter desiredCount",
        ),
        (
            "no service name",
            |s| {
                s.as_object_mut().unwrap().remove("serviceName");
            },
            "Missing required parameter in input: \"serviceName\"",
        ),
        (
            "no subnets on Fargate",
            |s| s["networkConfiguration"]["awsvpcConfiguration"]["subnets"] = json!([]),
            "need networkConfiguration.awsvpcConfiguration.subnets",
        ),
    ];
    for (case, edit, expected) in service_cases {
        let mut broken = service.clone();
        edit(&mut broken);
        assert_rejected(&python, "CreateService", &broken, expected, case);
    }
}

fn container(task: &Value) -> &Value {
    let containers = task["containerDefinitions"].as_array().expect("containers");
    assert_eq!(containers.len(), 1, "one container per task");
    &containers[0]
}

fn command(task: &Value) -> Vec<String> {
    container(task)["command"]
        .as_array()
        .expect("command")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn secret_names(task: &Value) -> Vec<String> {
    container(task)["secrets"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| s["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn port(task: &Value, name: &str) -> Option<u64> {
    container(task)["portMappings"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
}

#[test]
fn tasks_match_the_apps_and_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let all = rendered(dir.path());
    let task = |role: &str| &all.iter().find(|(r, _, _)| r == role).unwrap().1;
    let service = |role: &str| &all.iter().find(|(r, _, _)| r == role).unwrap().2;

    for (role, task, service) in &all {
        let c = container(task);
        assert_eq!(task["family"], format!("milmove-load-{role}"));
        assert_eq!(service["taskDefinition"], task["family"]);
        assert_eq!(c["linuxParameters"]["initProcessEnabled"], true, "{role}");
        assert_eq!(c["logConfiguration"]["logDriver"], "awslogs", "{role}");
        assert_eq!(
            c["logConfiguration"]["options"]["awslogs-region"],
            "us-gov-west-1"
        );
        let nofile = c["ulimits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == "nofile")
            .expect("nofile ulimit");
        assert!(
            nofile["softLimit"].as_u64().unwrap() >= 65536,
            "{role}: nofile"
        );
        assert_eq!(
            service["enableExecuteCommand"], true,
            "{role}: port-forwarding needs ECS Exec"
        );
        assert!(
            c["image"]
                .as_str()
                .unwrap()
                .ends_with(":0123456789abcdef0123456789abcdef01234567"),
            "{role}: the image of this build"
        );

        let args = command(task);
        assert_eq!(args[0], "milmove-load", "{role}: runs an app of the image");
        let secrets = secret_names(task);
        // The certificate variables are the ones the app reads for its --host (masters build the
        // classes too); workers get theirs from the same environment as the master.
        let host =
            flag(&args, "--host").or_else(|| flag(&command(task_of(&all, "master")), "--host"));
        let env = milmove_hosts::Environment::from_str(&host.expect("a --host")).unwrap();
        let (cert, key) = milmove_hosts::env_var_names(env.env_var_infix().expect("deployed"));
        assert!(
            secrets.contains(&cert) && secrets.contains(&key),
            "{role}: {secrets:?}"
        );
        for s in container(task)["secrets"].as_array().unwrap() {
            assert!(
                s["valueFrom"].as_str().unwrap().starts_with(
                    "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/milmove-load/"
                ),
                "{role}: {s}"
            );
        }
        if flag(&args, "--web-host").is_some_and(|h| h != "127.0.0.1" && h != "localhost") {
            assert!(
                secrets.contains(&"MILMOVE_LOAD_WEB_LOGIN".to_string()),
                "{role}: the UI refuses a non-loopback address without a login"
            );
            let web = flag(&args, "--web-port")
                .expect("--web-port")
                .parse::<u64>()
                .unwrap();
            assert_eq!(port(task, "web"), Some(web), "{role}: web port mapped");
            assert_eq!(
                web, 4000,
                "{role}: the old suite's port, which the port-forward uses"
            );
        }
        if args.iter().any(|a| a == "--master" || a == "--worker") {
            assert!(
                secrets.contains(&"MILMOVE_LOAD_CLUSTER_TOKEN".to_string()),
                "{role}: cluster token"
            );
        }
    }

    // Workers reach the master through the Service Connect alias the master's service publishes.
    let master_args = command(task("master"));
    let bind_port: u64 = flag(&master_args, "--master-bind-port")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        flag(&master_args, "--master-bind-host").as_deref(),
        Some("0.0.0.0")
    );
    assert_eq!(port(task("master"), "cluster"), Some(bind_port));
    let connect = &service("master")["serviceConnectConfiguration"];
    assert_eq!(connect["enabled"], true);
    let published = &connect["services"][0];
    assert_eq!(
        published["portName"], "cluster",
        "a named port of the master task"
    );
    let alias = &published["clientAliases"][0];
    let worker_args = command(task("worker"));
    assert_eq!(
        flag(&worker_args, "--master-host").as_deref(),
        alias["dnsName"].as_str(),
        "workers name the master by its Service Connect alias"
    );
    assert_eq!(
        flag(&worker_args, "--master-port")
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        alias["port"].as_u64().unwrap()
    );
    assert_eq!(
        service("worker")["serviceConnectConfiguration"]["enabled"],
        true,
        "clients of Service Connect need it enabled too"
    );
    let metrics: u64 = flag(&worker_args, "--metrics-port")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(port(task("worker"), "metrics"), Some(metrics));
}

fn task_of<'a>(all: &'a [(String, Value, Value)], role: &str) -> &'a Value {
    &all.iter().find(|(r, _, _)| r == role).unwrap().1
}

#[test]
fn task_sizes_cover_the_measured_memory_per_user() {
    let dir = tempfile::tempdir().unwrap();
    for (role, task, _) in rendered(dir.path()) {
        let memory: u64 = task["memory"].as_str().unwrap().parse().unwrap();
        let users = milmove_deploy_check::sizing::users_per_task(&role);
        let needed = milmove_deploy_check::sizing::memory_mib(users);
        assert!(
            memory as f64 >= needed,
            "{role}: {memory} MiB for {users} users, the sizing needs {needed:.0} MiB"
        );
        let cpu: f64 = task["cpu"].as_str().unwrap().parse::<f64>().unwrap() / 1024.0;
        let vcpu = milmove_deploy_check::sizing::vcpu_budget(users);
        assert!(
            cpu >= vcpu,
            "{role}: {cpu} vCPU for {users} users, the sizing needs {vcpu:.2}"
        );
    }
}
