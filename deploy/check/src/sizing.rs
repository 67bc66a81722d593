//! The sizes of the ECS tasks and Kubernetes pods, from measured memory and CPU per user.
//!
//! Measured with the release build of `prime-load` (Prime and Support users over mutual TLS,
//! default wait 0.5–2 s) against a separate `milmove-sim` on the same 2-core machine, peak RSS
//! and CPU time from `/usr/bin/time -v` (commands in the README, "Running in AWS"):
//!
//! | users | peak RSS | requests | CPU | note |
//! |---|---|---|---|---|
//! | 1 | 36.9 MiB | — | — | the base: specs parsed, generators compiled |
//! | 1,000 | 76.4 MiB | 26,936 in 30 s | 7.46 s | target keeping up: 41 KiB and 277 µs of CPU per request |
//! | 3,000 | 695 MiB | 36,046 in 40 s | 30.6 s | target saturated (median 1.9 s): 225 KiB per user |
//!
//! An idle plain-HTTP user costs 2.4 KiB (README, `scripts/bench-idle-users`); the engine's goal
//! for a mutual-TLS user is 32 KiB. A load test is meant to push the target until it slows down,
//! and then every user holds a request, a connection and its TLS buffers, so the budget is the
//! saturated figure, rounded up, with headroom on top; CPU is budgeted from the measured cost per
//! request at the default think time, at most 75 % of the task's vCPUs.

/// Peak RSS with one user (36.9 MiB measured for `prime-load`; `--all` with the in-process
/// stand-in measured 92.9 MiB, of which ~32 MiB is the stand-in), rounded up for `--all` and
/// the master's merged statistics.
pub const BASE_MIB: f64 = 128.0;

/// Memory per user while the target keeps up (41 KiB measured): what a pod requests.
pub const ACTIVE_USER_KIB: f64 = 41.0;

/// Memory per user when the target is saturated (225 KiB measured), rounded up: the budget.
pub const SATURATED_USER_KIB: f64 = 256.0;

/// Headroom over the budget (allocator fragmentation, large responses, statistics rows).
pub const HEADROOM: f64 = 1.25;

/// Requests per user per second at the default wait of 0.5–2 s (0.98 measured).
pub const REQUESTS_PER_USER_S: f64 = 1.0;

/// CPU per request of a mutual-TLS MilMove user: fake body, TLS, JSON (277 µs measured).
pub const CPU_US_PER_REQUEST: f64 = 277.0;

/// Highest share of the CPUs the users may need, so the generator itself never queues.
pub const CPU_TARGET: f64 = 0.75;

/// Users one ECS task of a role is sized for (the master runs none).
pub fn users_per_task(role: &str) -> u64 {
    match role {
        "ui" => 10_000,
        "worker" => 5_000,
        "master" => 0,
        other => panic!("unknown role {other}"),
    }
}

/// Users one Kubernetes pod of a role is sized for.
pub fn users_per_pod(role: &str) -> u64 {
    match role {
        "worker" => 5_000,
        "master" => 0,
        other => panic!("unknown role {other}"),
    }
}

/// The memory budget (MiB) of a process running `users` users: a limit or a task size.
pub fn memory_mib(users: u64) -> f64 {
    (BASE_MIB + users as f64 * SATURATED_USER_KIB / 1024.0) * HEADROOM
}

/// The memory (MiB) `users` users need while the target keeps up: a pod's request.
pub fn expected_mib(users: u64) -> f64 {
    BASE_MIB + users as f64 * ACTIVE_USER_KIB / 1024.0
}

/// vCPUs `users` users use at the default think time.
pub fn expected_vcpu(users: u64) -> f64 {
    users as f64 * REQUESTS_PER_USER_S * CPU_US_PER_REQUEST / 1e6
}

/// vCPUs a task needs so `users` stay under [`CPU_TARGET`].
pub fn vcpu_budget(users: u64) -> f64 {
    expected_vcpu(users) / CPU_TARGET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_grow_with_users() {
        assert_eq!(memory_mib(0), BASE_MIB * HEADROOM);
        assert!((memory_mib(10_000) - 3285.0).abs() < 1.0);
        assert!(expected_mib(5_000) < memory_mib(5_000));
        assert!((vcpu_budget(10_000) - 3.69).abs() < 0.01);
    }
}
