//! Every flag the deployment files pass (ECS commands, Kubernetes args, the Dockerfile's build and
//! default commands) is one the binary's `--help` lists.
//! The web UI, cluster, spec and metrics flags the files use all exist: a renamed or dropped
//! flag fails here, not in a deployment.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use milmove_deploy_check::dockerfile::{Command as DockerCommand, Dockerfile, Instruction};
use milmove_deploy_check::workspace::{binaries, debug_binary, repo_root};
use serde_json::Value;

/// (binary, flags) of every command line in the deployment files.
fn command_lines() -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for role in ["ui", "master", "worker"] {
        let path = repo_root().join(format!("ecs/{role}.json.tmpl"));
        let task: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for c in task["containerDefinitions"].as_array().unwrap() {
            let words: Vec<String> = c["command"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect();
            out.push((
                format!("ecs/{role}.json.tmpl"),
                words[0].clone(),
                words[1..].to_vec(),
            ));
        }
    }
    for file in ["master.yaml", "worker.yaml"] {
        let text =
            std::fs::read_to_string(repo_root().join("deploy/kubernetes").join(file)).unwrap();
        let doc: serde_yaml::Value =
            serde_yaml::from_str(text.split("\n---").next().unwrap()).unwrap();
        let args: Vec<String> = doc["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .collect();
        out.push((
            format!("deploy/kubernetes/{file}"),
            args[0].clone(),
            args[1..].to_vec(),
        ));
    }
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).unwrap();
    for stage in Dockerfile::parse(&text).unwrap().stages() {
        for line in &stage.instructions {
            let words: Vec<String> = match &line.instruction {
                Instruction::Run {
                    command: DockerCommand::Shell(t),
                    ..
                } => t.split_whitespace().map(str::to_string).collect(),
                Instruction::Cmd(DockerCommand::Exec(w)) => w.clone(),
                _ => continue,
            };
            if let Some(at) = words
                .iter()
                .position(|w| w.starts_with("/out/bin/") || *w == "milmove-load")
            {
                let bin = words[at].trim_start_matches("/out/bin/").to_string();
                out.push((
                    format!("Dockerfile:{}", line.number),
                    bin,
                    words[at + 1..].to_vec(),
                ));
            }
        }
    }
    out
}

#[test]
fn every_flag_in_the_deployment_files_is_in_the_help() {
    let packages: BTreeMap<String, String> = binaries()
        .into_iter()
        .flat_map(|(package, bins)| bins.into_iter().map(move |b| (b, package.clone())))
        .collect();
    let mut help: BTreeMap<String, String> = BTreeMap::new();
    let mut missing = BTreeSet::new();
    for (file, bin, args) in command_lines() {
        let package = packages
            .get(&bin)
            .unwrap_or_else(|| panic!("{file}: {bin} is not a binary"));
        let text = help.entry(bin.clone()).or_insert_with(|| {
            let out = Command::new(debug_binary(package, &bin))
                .arg("--help")
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).to_string()
        });
        for flag in args.iter().filter(|a| a.starts_with("--")) {
            let listed = text
                .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
                .any(|w| w == flag);
            if !listed {
                missing.insert(format!("{file}: {bin} {flag}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags no binary knows:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}
