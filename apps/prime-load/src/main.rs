//! `prime-load`: Prime, Support and Prime workflow users against the MilMove Prime and Support APIs.
//!
//! `--host` takes `local`, `exp`, `dod`, `dp3`, a URL, or `sim` (the default): the stand-in
//! MilMove server started in-process on free loopback ports with its own certificates.
//! Without `--headless` it serves the web UI on http://127.0.0.1:8089 (`--web-host`,
//! `--web-port`). Run `prime-load --help` for every flag and `prime-load --list` for the user classes and tasks.

use std::process::ExitCode;

use milmove_tasks::app::{self, AppKind};

#[path = "../../common/start_sim.rs"]
mod start_sim;

fn main() -> ExitCode {
    app::main_with(
        AppKind::Prime,
        Box::new(|dir| Box::pin(start_sim::start_sim(dir))),
        milmove_cluster::with_cluster(milmove_ui::extensions_with_version(env!(
            "CARGO_PKG_VERSION"
        ))),
    )
}
