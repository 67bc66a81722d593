//! External tools of the metrics tests (Debian's `prometheus` package: `promtool` and the
//! server). Missing outside CI: the test says so loudly and skips; with `CI` set it fails.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;

/// The tool's path, or `None` (after a loud notice) outside CI when it is not installed.
pub fn require(test: &str, tool: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test} needs `{tool}` in CI (.ci/run installs Debian's prometheus package)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED {test}: `{tool}` not installed (apt-get install prometheus) ***\n"
        );
    }
    found
}

/// A free loopback port (bound and released: the caller binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
