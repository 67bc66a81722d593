//! Live control (change users while running), load shapes (stages), arrival-rate mode,
//! `--reset-stats`, and the request hook.

mod support;

use milmove_runner::stats::RequestRecord;
use milmove_runner::{
    EndReason, Hooks, RunConfig, RunPhase, Runner, Stages, TaskResult, User, UserClass, Wait,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn idle(u: &mut User<()>) -> TaskResult {
    let _ = u;
    Ok(())
}

fn idle_class() -> UserClass {
    UserClass::builder::<()>("Idle")
        .wait(Wait::constant(0.05))
        .task(1, idle)
        .build()
}

async fn wait_for(runner: &Runner, users: usize, phase: RunPhase) {
    for _ in 0..200 {
        let s = runner.status();
        if s.users == users && s.phase == phase {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "runner never reached {users} users / {phase:?}: {:?}",
        runner.status()
    );
}

#[tokio::test]
async fn users_can_be_changed_while_running() {
    let cfg = RunConfig {
        users: 3,
        spawn_rate: 1000.0,
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![idle_class()], Hooks::default(), None).unwrap();
    wait_for(&runner, 3, RunPhase::Running).await;
    assert_eq!(runner.stats().user_count(), 3);
    runner.set_users(12, 1000.0);
    wait_for(&runner, 12, RunPhase::Running).await;
    assert_eq!(runner.stats().user_count(), 12);
    runner.set_users(5, 1000.0);
    wait_for(&runner, 5, RunPhase::Running).await;
    assert_eq!(runner.stats().user_count(), 5);
    assert!(!runner.is_finished());
    runner.stop();
    let outcome = runner.wait().await;
    assert_eq!(outcome.reason, EndReason::Stopped);
    assert_eq!(runner.status().phase, RunPhase::Stopped);
    assert_eq!(runner.stats().user_count(), 0);
}

#[tokio::test]
async fn spawn_rate_paces_the_ramp() {
    let cfg = RunConfig {
        users: 10,
        spawn_rate: 20.0,
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![idle_class()], Hooks::default(), None).unwrap();
    tokio::time::sleep(Duration::from_millis(240)).await;
    let mid = runner.status().users;
    // 20 users/s for ~0.24 s: about 4–5 users, certainly not all 10 and not none.
    assert!((2..=7).contains(&mid), "{mid} users after 240 ms");
    wait_for(&runner, 10, RunPhase::Running).await;
    runner.stop_now();
    assert_eq!(runner.wait().await.reason, EndReason::StoppedNow);
}

#[tokio::test]
async fn stages_drive_users_and_end_the_test() {
    let stages: Stages = "4:1000:300ms,8:1000:300ms,2:1000:300ms".parse().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let runner = Runner::start(
        RunConfig::default(),
        vec![idle_class()],
        Hooks::default(),
        Some(Box::new(stages)),
    )
    .unwrap();
    let s2 = seen.clone();
    let watcher = {
        let runner = runner.clone();
        tokio::spawn(async move {
            while !runner.is_finished() {
                s2.lock().unwrap().push(runner.status().users);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let outcome = runner.wait().await;
    watcher.await.unwrap();
    assert_eq!(outcome.reason, EndReason::ShapeEnded);
    assert!(outcome.duration >= Duration::from_millis(900));
    assert!(
        outcome.duration < Duration::from_millis(2000),
        "{:?}",
        outcome.duration
    );
    let seen = seen.lock().unwrap().clone();
    for n in [4, 8, 2] {
        assert!(seen.contains(&n), "never at {n} users: {seen:?}");
    }
    let first8 = seen.iter().position(|&n| n == 8).unwrap();
    let first4 = seen.iter().position(|&n| n == 4).unwrap();
    let last2 = seen.iter().rposition(|&n| n == 2).unwrap();
    assert!(first4 < first8 && first8 < last2, "{seen:?}");
}

#[test]
fn stages_parse_errors_are_clear() {
    assert!("10:5"
        .parse::<Stages>()
        .unwrap_err()
        .contains("USERS:SPAWN_RATE:DURATION"));
    assert!("x:5:10s"
        .parse::<Stages>()
        .unwrap_err()
        .contains("not a user count"));
    assert!("10:5:soon"
        .parse::<Stages>()
        .unwrap_err()
        .contains("duration"));
    assert!("10:0:10s".parse::<Stages>().unwrap_err().contains("> 0"));
}

async fn slow_get(u: &mut User<()>) -> TaskResult {
    u.get("/slow/100").name("/slow").send().await;
    Ok(())
}

#[tokio::test]
async fn arrival_rate_keeps_the_schedule_and_corrects_latency() {
    let server = support::start().await;
    let class = UserClass::builder::<()>("Open").task(1, slow_get).build();
    // 40 iterations/s of a 100 ms request, but only 2 users: at most 20/s can be served, so
    // iterations queue up and their latency from the intended start grows.
    let cfg = RunConfig {
        host: Some(server.url.clone()),
        users: 2,
        arrival_rate: Some(40.0),
        run_time: Some(Duration::from_millis(1000)),
        stop_timeout: Duration::from_secs(2),
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    let outcome = runner.wait().await;
    let snap = runner.stats().snapshot();
    let e = snap.entry(Some("GET"), "/slow").unwrap();
    let raw_max = e.raw.max_us().unwrap();
    let corrected = e.corrected.as_ref().expect("corrected series");
    assert_eq!(corrected.count(), e.num_requests);
    assert!(raw_max < 400_000, "raw max {raw_max} µs");
    // After ~1 s the backlog is ~0.5 s deep: corrected figures show it, raw ones do not.
    assert!(
        corrected.max_us().unwrap() > 300_000,
        "corrected max {:?}",
        corrected.max_us()
    );
    assert!(outcome.iterations.unwrap() >= e.num_requests);
    assert_eq!(server.count(), e.num_requests);
}

#[tokio::test]
async fn arrival_rate_with_enough_users_matches_the_rate() {
    let server = support::start().await;
    let class = UserClass::builder::<()>("Open").task(1, slow_get).build();
    let cfg = RunConfig {
        host: Some(server.url.clone()),
        users: 20,
        arrival_rate: Some(50.0),
        run_time: Some(Duration::from_millis(1000)),
        stop_timeout: Duration::from_secs(2),
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    runner.wait().await;
    let snap = runner.stats().snapshot();
    let e = snap.entry(Some("GET"), "/slow").unwrap();
    // 50/s for 1 s: exactly iterations 0..=49 are due before the end.
    assert_eq!(e.num_requests, 50);
    let corrected = e.corrected.as_ref().unwrap();
    // Enough users: corrected ≈ raw (a few ms of scheduling slack at most).
    assert!(corrected.max_us().unwrap() < e.raw.max_us().unwrap() + 30_000);
}

async fn get_index(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    Ok(())
}

#[tokio::test]
async fn request_hook_sees_every_record_and_test_hooks_fire() {
    let server = support::start().await;
    let seen = Arc::new(AtomicU64::new(0));
    let starts = Arc::new(AtomicU64::new(0));
    let stops = Arc::new(AtomicU64::new(0));
    let (s1, s2, s3) = (seen.clone(), starts.clone(), stops.clone());
    let hooks = Hooks::default()
        .on_request(move |_| {
            s1.fetch_add(1, Ordering::Relaxed);
        })
        .on_test_start(move |_| {
            s2.fetch_add(1, Ordering::Relaxed);
        })
        .on_test_stop(move |info| {
            s3.fetch_add(1, Ordering::Relaxed);
            // A hook can record rows of its own (here: a pseudo row, kept out of the total).
            info.stats
                .record(RequestRecord::new("QUEUE", "left at stop", 5));
        });
    let class = UserClass::builder::<()>("Hooked")
        .wait(Wait::constant(0.01))
        .task(1, get_index)
        .build();
    let cfg = RunConfig {
        host: Some(server.url.clone()),
        users: 3,
        spawn_rate: 100.0,
        run_time: Some(Duration::from_millis(400)),
        stop_timeout: Duration::from_secs(2),
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![class], hooks, None).unwrap();
    runner.wait().await;
    let snap = runner.stats().snapshot();
    let total = snap.total.num_requests;
    assert!(total > 10);
    assert_eq!(seen.load(Ordering::Relaxed), total);
    assert_eq!(starts.load(Ordering::Relaxed), 1);
    assert_eq!(stops.load(Ordering::Relaxed), 1);
    let left = snap.entry(Some("QUEUE"), "left at stop").unwrap();
    assert_eq!(left.num_requests, 1);
}

#[tokio::test]
async fn reset_stats_after_ramp_up() {
    let server = support::start().await;
    let class = UserClass::builder::<()>("Reset")
        .wait(Wait::constant(0.01))
        .task(1, get_index)
        .build();
    let cfg = RunConfig {
        host: Some(server.url.clone()),
        users: 4,
        spawn_rate: 10.0,
        run_time: Some(Duration::from_millis(600)),
        stop_timeout: Duration::from_secs(2),
        reset_stats: true,
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    runner.wait().await;
    let total = runner.stats().snapshot().total.num_requests;
    // The ramp takes ~0.3 s at 10 users/s; requests made during it are not reported.
    assert!(total > 0);
    assert!(total < server.count(), "{total} vs {}", server.count());
}
