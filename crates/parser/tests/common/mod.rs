//! Helpers shared by the integration tests that need the real MilMove specs.
#![allow(dead_code)]

use std::path::PathBuf;

/// The specs the conformance tests cover.
pub const SPECS: [&str; 7] = [
    "prime", "support", "ghc", "internal", "prime_v2", "prime_v3", "pptas",
];

/// `MILMOVE_SWAGGER_DIR`, or `None` after printing a loud skip notice.
pub fn swagger_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("MILMOVE_SWAGGER_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!("SKIPPED: MILMOVE_SWAGGER_DIR not set ({test} needs the real MilMove specs)");
            None
        }
    }
}

pub mod specs;
