//! What the script tests share: the Python with botocore the fakes need, the fake `aws`,
//! `docker` and session-manager-plugin, and the names of recorded calls.

#![allow(dead_code)]

use std::path::PathBuf;

use milmove_deploy_check::fakes::{Call, Fake, FakeTools};
use milmove_deploy_check::tool;

pub const CHECK: &str = "AWS scripts";

pub fn python() -> Option<PathBuf> {
    tool::require_python(
        CHECK,
        &["botocore", "jmespath"],
        "pip install botocore==1.44.5",
    )
}

pub fn fakes(python: &std::path::Path) -> FakeTools {
    FakeTools::new(
        python,
        &[Fake::Aws, Fake::Docker, Fake::SessionManagerPlugin],
    )
}

pub fn names(calls: &[Call]) -> Vec<String> {
    calls.iter().map(Call::name).collect()
}
