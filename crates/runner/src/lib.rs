//! milmove-runner: the generic load-test engine of milmove-load.
//!
//! It knows nothing of MilMove: it runs *user classes* made of async *tasks*, spawns users by
//! weight as Locust does, paces them with wait times or an arrival-rate schedule, records every
//! request in exact HDR histograms ([`stats`]) and writes Locust-compatible reports ([`report`])
//! checked against [`threshold`]s.
//!
//! # Writing a load test
//!
//! A task is an `async fn(&mut User<S>) -> TaskResult`, where `S` is the per-user state.
//! Registering a task with its weight (and tags) is one line of the [`UserClass`] builder:
//!
//! ```no_run
//! use milmove_runner::{run_cli, TaskResult, TaskSet, User, UserClass, Wait};
//! use milmove_runner::rand::RngExt;
//!
//! #[derive(Default)]
//! struct Session { move_id: Option<String> }
//!
//! async fn login(u: &mut User<Session>) -> TaskResult {
//!     let body = serde_json::json!({ "user": u.id() });
//!     let r = u.http.post("/login").json(&body).send().await;
//!     if !r.ok() { return Err(milmove_runner::TaskError::stop_user()); }
//!     Ok(())
//! }
//!
//! async fn list_moves(u: &mut User<Session>) -> TaskResult {
//!     let r = u.get("/moves").name("/moves").send().await;
//!     let ids: Vec<String> = r.json().unwrap_or_default();
//!     u.state.move_id = ids.first().cloned();
//!     Ok(())
//! }
//!
//! async fn get_move(u: &mut User<Session>) -> TaskResult {
//!     let Some(id) = u.state.move_id.clone() else { return Ok(()) };
//!     // Locust's catch_response: the task decides success or failure.
//!     let mut r = u.get(&format!("/moves/{id}")).name("/moves/{moveID}").catch_response().send().await;
//!     if r.status_code() == 404 { r.success(); } // a deleted move is fine here
//!     Ok(())
//! }
//!
//! async fn open_item(u: &mut User<Session>) -> TaskResult {
//!     let n: u32 = u.rng.random_range(1..=100);
//!     u.get(&format!("/items/{n}")).name("/items/{n}").send().await;
//!     Ok(())
//! }
//!
//! async fn done(u: &mut User<Session>) -> TaskResult {
//!     u.interrupt(); // back to the parent set
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     // A nested sequential set: runs its tasks in order until `interrupt`.
//!     let browse = TaskSet::sequential("browse").task(1, open_item).task(1, open_item).task(1, done);
//!     let office = UserClass::builder::<Session>("OfficeUser")
//!         .weight(3)
//!         .wait(Wait::between(1.0, 2.0))
//!         .on_start(login)
//!         .task(5, list_moves)                        // weight 5
//!         .tagged(2, ["moves", "read"], get_move)     // weight 2, tags
//!         .set(1, browse.tags(["browse"]))            // nested set, weight 1
//!         .build();
//!     run_cli(vec![office]) // every standard flag: -H -u -r -t --csv --json -T -E ...
//! }
//! ```
//!
//! * [`UserClass::builder`] / [`UserClass::with_state`]: name, `weight` or `fixed_count`,
//!   [`Wait`] (`between`, `constant`, `constant_pacing`, `constant_throughput`), `host`,
//!   `on_start`/`on_stop`, `task`/`tagged`/`with_task`/`set`, `tls(config)` for the class's
//!   rustls client configuration (mutual TLS, CA bundle), and `client(|b| ...)` to customise the
//!   class's one shared `reqwest::ClientBuilder` (which sends all its requests through reqwest).
//! * [`TaskSet::random`] / [`TaskSet::sequential`], nested with `set`; [`User::interrupt`] returns
//!   to the parent set. A set (or class) left with nothing runnable after `-T`/`-E` is reported
//!   once and skipped.
//! * Inside a task: [`User::http`] ([`HttpClient`]: `get`/`post`/... → [`Request`] with `name`,
//!   `json`, `header`, `catch_response` → [`Response`]), [`User::state`], [`User::rng`].
//!   Requests fail by default on connection/TLS errors, timeouts and 4xx/5xx. Cookies are per
//!   user (no jar until the first `Set-Cookie`), connections and TLS are shared per class.
//!   Return [`TaskError::stop_user`] to stop a user; other errors are recorded as exceptions.
//!
//! # Running
//!
//! * [`run_cli`] parses the standard flags ([`RunnerArgs`], Locust's names; environment
//!   variables `MILMOVE_LOAD_*`; `--config` TOML; precedence file < env < command line) and
//!   runs headless. Apps with their own flags flatten [`RunnerArgs`] (`#[command(flatten)]`)
//!   and call [`run_with_args`].
//! * [`Runner`] is the library entry with live control (`set_users`, `stop`, `stop_now`,
//!   `status`, `stats`), for tests and embedding.
//! * [`control::TestController`] is the one control API the web UI, the console loop and
//!   metrics use ([`control::LocalController`] wraps a `Runner`; a cluster master implements it
//!   too). [`run_with_extensions`] serves the web UI (unless `--headless`) through the
//!   [`control::Extensions`] an app passes in (e.g. from `milmove-ui`).
//! * Distributed runs (crate `milmove-cluster`): [`distribute`] shares users out over workers
//!   as Locust does; [`ShareRunner`] runs a worker's per-class counts, changeable live;
//!   [`StatsHub::take_delta`](stats::StatsHub::take_delta) and
//!   [`StatsHub::apply_delta`](stats::StatsHub::apply_delta) carry exact statistics to the
//!   master.
//! * Load shapes: `--stages 10:5:30s,50:10:2m` ([`Stages`]) or any [`LoadShape`].
//! * Open model: `--arrival-rate N` starts N iterations per second on a fixed schedule (users
//!   claim slots with one atomic increment); response times are also recorded from the
//!   intended start, so stalls are not hidden by coordinated omission.
//! * Ending: `-t` run time, Ctrl-C (graceful; a second Ctrl-C cuts at once), or the shape's
//!   end; `--stop-timeout` lets tasks in flight finish first. Every end writes the reports.
//!   Exit codes: 0; `--exit-code-on-error` (default 1) if requests failed; 3 if a threshold
//!   failed; 2 for configuration/report errors.
//! * [`Hooks`]: test start, test stop, and a listener for every request record.

pub mod report;
pub mod stats;
pub mod threshold;

mod class;
mod cli;
pub mod config;
pub mod control;
mod error;
mod exec;
mod filter;
mod hooks;
pub mod http;
pub mod logs;
mod record;
mod shape;
mod task;
mod user;
mod wait;

pub use class::{UserClass, UserClassBuilder};
pub use cli::{
    end_reason_text, init_logging, local_controller, raise_open_file_limit, run_cli, run_settings,
    run_settings_with, run_with_args, run_with_extensions, CONFIG_ERROR_EXIT_CODE,
};
pub use config::{RunnerArgs, Settings};
pub use error::{RunnerError, TaskError, TaskResult};
pub use exec::dispatch::{distribute, DispatchClass, Dispatcher, WorkerShare};
pub use exec::runner::{EndReason, RunConfig, RunOutcome, RunPhase, RunStatus, Runner};
pub use exec::share::{ShareRunner, ShareStatus};
pub use filter::TagFilter;
pub use hooks::{Hooks, TestHook, TestInfo};
pub use http::{ClientSettings, HttpClient, Request, Response};
pub use record::RequestListener;
pub use shape::{LoadShape, ShapeTick, Stage, Stages};
pub use task::{BoxTaskFuture, SetKind, Task, TaskFn, TaskSet};
pub use user::User;
pub use wait::Wait;

/// The `rand` crate this engine uses (for [`User::rng`]).
pub use rand;
/// The `reqwest` crate this engine uses (client builder hooks, methods, headers).
pub use reqwest;
/// The `rustls` crate this engine uses (the client configuration of [`UserClassBuilder::tls`]).
pub use rustls;

/// A deterministic fast random generator (the type of [`User::rng`]), for tests and examples.
pub fn seeded_rng(seed: u64) -> rand::rngs::SmallRng {
    use rand::SeedableRng;
    rand::rngs::SmallRng::seed_from_u64(seed)
}
