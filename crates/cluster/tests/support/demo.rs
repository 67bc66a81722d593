//! Helpers of the end-to-end tests over the demo binary: its classes as the dispatcher sees
//! them, master and worker command lines, a test runtime.

use super::{worker_args, Proc};
use milmove_runner::{DispatchClass, Dispatcher};
use serde_json::Value;
use std::collections::BTreeMap;

/// The demo's classes as the dispatcher sees them (sorted by name inside the dispatcher).
pub fn demo_classes() -> Vec<DispatchClass> {
    let c = |name: &str, weight, fixed| DispatchClass {
        name: name.into(),
        weight,
        fixed_count: fixed,
    };
    vec![
        c("Reader", 3, None),
        c("Writer", 1, None),
        c("Admin", 1, Some(1)),
    ]
}

/// Per-class users of one process running `users` users.
pub fn single_process(users: usize) -> BTreeMap<String, u64> {
    let classes = demo_classes();
    let counts = Dispatcher::new(&classes).counts(users, classes.len());
    classes
        .iter()
        .zip(counts)
        .map(|(c, n)| (c.name.clone(), n as u64))
        .collect()
}

pub fn users_at_stop(json: &Value) -> BTreeMap<String, u64> {
    serde_json::from_value(json["cluster"]["users_by_class_at_stop"].clone()).unwrap()
}

pub fn master_args<'a>(port: &'a str, url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--master",
        "--master-bind-port",
        port,
        "-H",
        url,
        "--headless",
        "--only-summary",
        "--stop-timeout",
        "5s",
    ];
    v.extend_from_slice(extra);
    v
}

pub fn spawn_worker(name: &str, port: u16, extra: &[&str]) -> Proc {
    let mut args = worker_args(port);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Proc::spawn(name, &refs, &[])
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
