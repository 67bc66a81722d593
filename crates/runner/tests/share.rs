//! ShareRunner: per-class user counts set and changed live, a changeable arrival rate, and
//! deltas taken while it runs that add up to what the server saw.

mod support;

use milmove_runner::{Hooks, RunConfig, RunPhase, ShareRunner, TaskResult, User, UserClass, Wait};
use std::collections::BTreeMap;
use std::time::Duration;

async fn index(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    Ok(())
}

fn classes() -> Vec<UserClass> {
    ["Alpha", "Beta"]
        .into_iter()
        .map(|n| {
            UserClass::builder::<()>(n)
                .wait(Wait::constant(0.02))
                .task(1, index)
                .build()
        })
        .collect()
}

fn counts(a: usize, b: usize) -> BTreeMap<String, usize> {
    BTreeMap::from([("Alpha".to_string(), a), ("Beta".to_string(), b)])
}

async fn wait_for(share: &ShareRunner, users: &[usize]) {
    for _ in 0..500 {
        let s = share.status();
        if s.users_by_class == users && s.phase == RunPhase::Running {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never reached {users:?}: {:?}", share.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_class_counts_change_live_and_deltas_add_up() {
    let server = support::start().await;
    let config = RunConfig {
        host: Some(server.url.clone()),
        stop_timeout: Duration::from_secs(5),
        ..RunConfig::default()
    };
    let share = ShareRunner::start(config, classes(), Hooks::default(), 1_000).unwrap();
    assert_eq!(share.classes(), ["Alpha", "Beta"]);
    share.set_share(&counts(3, 2), 0.0, None).unwrap();
    wait_for(&share, &[3, 2]).await;
    assert_eq!(share.stats().user_count(), 5);
    let mut delta_total = 0;
    tokio::time::sleep(Duration::from_millis(200)).await;
    delta_total += share.stats().take_delta("w").num_requests();
    share.set_share(&counts(1, 4), 100.0, None).unwrap();
    wait_for(&share, &[1, 4]).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    delta_total += share.stats().take_delta("w").num_requests();
    let err = share
        .set_share(&BTreeMap::from([("Gamma".to_string(), 1)]), 1.0, None)
        .unwrap_err();
    assert!(err.to_string().contains("Gamma"), "{err}");
    share.stop();
    let outcome = share.wait().await;
    assert_eq!(outcome.cut_requests, 0);
    assert_eq!(share.status().phase, RunPhase::Stopped);
    delta_total += share.stats().take_delta("w").num_requests();
    assert!(delta_total > 0);
    assert_eq!(delta_total, server.count());
    assert_eq!(share.stats().snapshot().total.num_requests, server.count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ramp_keeps_classes_interleaved_at_the_spawn_rate() {
    let config = RunConfig {
        host: Some("http://127.0.0.1:9".into()),
        ..RunConfig::default()
    };
    let idle = |name: &str| {
        async fn nothing(_: &mut User<()>) -> TaskResult {
            Ok(())
        }
        UserClass::builder::<()>(name)
            .wait(Wait::constant(10.0))
            .task(1, nothing)
            .build()
    };
    let share = ShareRunner::start(
        config,
        vec![idle("Alpha"), idle("Beta")],
        Hooks::default(),
        1,
    )
    .unwrap();
    let mut status = share.watch_status();
    share.set_share(&counts(10, 10), 40.0, None).unwrap();
    let started = std::time::Instant::now();
    let mut worst_gap = 0usize;
    loop {
        let s = status.borrow_and_update().clone();
        worst_gap = worst_gap.max(s.users_by_class[0].abs_diff(s.users_by_class[1]));
        if s.users() == 20 {
            break;
        }
        tokio::time::timeout(Duration::from_secs(10), status.changed())
            .await
            .expect("ramp finished")
            .unwrap();
    }
    // 20 users at 40/s: about half a second, never all of one class first.
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert!(worst_gap <= 1, "classes drifted apart by {worst_gap}");
    share.stop_now();
    share.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrival_rate_share_changes_live() {
    let server = support::start().await;
    let config = RunConfig {
        host: Some(server.url.clone()),
        arrival_rate: Some(20.0),
        ..RunConfig::default()
    };
    let share = ShareRunner::start(config, classes(), Hooks::default(), 1).unwrap();
    share.set_share(&counts(4, 0), 0.0, Some(20.0)).unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let slow = share.stats().take_delta("w").num_requests();
    share.set_share(&counts(4, 0), 0.0, Some(200.0)).unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let fast = share.stats().take_delta("w").num_requests();
    share.stop();
    share.wait().await;
    assert!((10..=30).contains(&slow), "{slow} iterations at 20/s");
    assert!(
        fast > 3 * slow,
        "{fast} iterations at 200/s vs {slow} at 20/s"
    );
}
