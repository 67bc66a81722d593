//! Helpers shared by the integration tests that need the real MilMove specs.
#![allow(dead_code)]

use std::path::PathBuf;

/// The specs the conformance tests cover.
pub const SPECS: [&str; 7] = [
    "prime", "support", "ghc", "internal", "prime_v2", "prime_v3", "pptas",
];

/// The spec folder (`MILMOVE_SWAGGER_DIR` or found beside the checkout), or `None` after
/// printing a loud skip notice.
pub fn swagger_dir(test: &str) -> Option<PathBuf> {
    match milmove_parser::find_spec_dir(None) {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("SKIPPED: {test} needs the real MilMove specs: {e}");
            None
        }
    }
}
