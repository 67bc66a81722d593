//! What the Dockerfile tests share: the parsed Dockerfile and `.dockerignore`, the build
//! context's files, the stages and their COPY and RUN lines.

#![allow(dead_code)]

use milmove_deploy_check::dockerfile::{Command, Copy, Dockerfile, Instruction, Stage};
use milmove_deploy_check::dockerignore::DockerIgnore;
use milmove_deploy_check::workspace::repo_root;

/// What the image ships, as issue 10 asks: the three apps and the stand-in.
pub const SHIPPED: [&str; 4] = ["prime-load", "office-load", "milmove-load", "milmove-sim"];

pub fn dockerfile() -> Dockerfile {
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).expect("Dockerfile");
    Dockerfile::parse(&text).expect("Dockerfile parses")
}

pub fn ignore() -> DockerIgnore {
    DockerIgnore::parse(
        &std::fs::read_to_string(repo_root().join(".dockerignore")).expect(".dockerignore"),
    )
}

pub fn context_files() -> Vec<String> {
    ignore()
        .context_files(&repo_root())
        .expect("walk the context")
}

pub fn builder(file: &Dockerfile) -> Stage {
    file.stage("builder").expect("a builder stage").clone()
}

pub fn runtime(file: &Dockerfile) -> Stage {
    let last = file.final_stage().clone();
    assert_eq!(
        last.name.as_deref(),
        Some("runtime"),
        "the last stage is the runtime"
    );
    last
}

pub fn copies(stage: &Stage) -> Vec<Copy> {
    stage
        .instructions
        .iter()
        .filter_map(|l| match &l.instruction {
            Instruction::Copy(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

pub fn shell_runs(stage: &Stage) -> Vec<String> {
    stage
        .instructions
        .iter()
        .filter_map(|l| match &l.instruction {
            Instruction::Run {
                command: Command::Shell(text),
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect()
}
