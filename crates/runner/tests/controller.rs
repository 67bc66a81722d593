//! The control API over a local run: start → edit → stop → new test (fresh statistics) →
//! reset, bad parameters, the catalogue, and the session loop's reports.

mod support;

use std::time::Duration;

use milmove_runner::control::{
    ClassChoice, ControlError, FixedClasses, LocalController, Phase, StartParams, TestController,
};
use milmove_runner::{Hooks, RunConfig, TaskResult, User, UserClass, Wait};

async fn index(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    Ok(())
}

async fn item(u: &mut User<()>) -> TaskResult {
    u.get("/item/1").name("/item/{n}").send().await;
    Ok(())
}

fn classes() -> Vec<UserClass> {
    vec![
        UserClass::builder::<()>("Reader")
            .weight(3)
            .wait(Wait::constant(0.01))
            .task(2, index)
            .tagged(1, ["items"], item)
            .build(),
        UserClass::builder::<()>("Other")
            .wait(Wait::constant(0.01))
            .task(1, index)
            .build(),
    ]
}

async fn wait_for(ctl: &LocalController, what: &str, f: impl Fn(&LocalController) -> bool) {
    for _ in 0..1000 {
        if f(ctl) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never {what}: {:?}", ctl.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_edit_stop_new_test_reset() {
    let server = support::start().await;
    let ctl = LocalController::new(
        FixedClasses::new(classes()),
        RunConfig::default(),
        Hooks::default(),
    );
    assert_eq!(ctl.status().phase, Phase::Ready);
    assert_eq!(ctl.status().run_id, 0);
    assert!(ctl.workers().is_empty());
    assert_eq!(ctl.missing_requests(), 0);
    let cat = ctl.catalogue();
    assert_eq!(cat.classes.len(), 2);
    assert_eq!(cat.classes[0].tasks.len(), 2);
    assert_eq!(cat.classes[0].tasks[1].tags, vec!["items".to_string()]);
    assert_eq!(cat.tags(), vec!["items".to_string()]);

    let params = StartParams {
        users: 4,
        spawn_rate: 100.0,
        host: server.url.clone(),
        ..StartParams::default()
    };
    ctl.start(params.clone()).await.unwrap();
    wait_for(&ctl, "running", |c| c.status().phase == Phase::Running).await;
    let s = ctl.status();
    assert_eq!(s.users, 4);
    assert_eq!(s.run_id, 1);
    assert_eq!(s.users_per_class.iter().map(|(_, n)| n).sum::<usize>(), 4);
    assert!(matches!(
        ctl.start(params.clone()).await,
        Err(ControlError::State(_))
    ));
    ctl.edit(7, 100.0).unwrap();
    wait_for(&ctl, "7 users", |c| c.status().users == 7).await;
    wait_for(&ctl, "requests", |c| {
        c.stats().snapshot().total.num_requests > 20
    })
    .await;
    let first_hub = ctl.stats();
    ctl.stop();
    ctl.wait_run_end().await.unwrap();
    assert_eq!(ctl.status().phase, Phase::Stopped);
    let info = ctl.run_info().unwrap();
    assert_eq!(info.end_reason.as_deref(), Some("stopped"));
    assert!(info.end_time.is_some());
    assert!(matches!(ctl.edit(3, 1.0), Err(ControlError::State(_))));
    let frozen = ctl.status().elapsed;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(ctl.status().elapsed, frozen, "elapsed freezes at the end");
    let old = first_hub.snapshot().total.num_requests;

    // A new test: only `Other`, fresh statistics; the old hub keeps its numbers.
    let mut second = params.clone();
    second.users = 2;
    second.classes = vec![ClassChoice {
        name: "Other".into(),
        weight: 1,
    }];
    ctl.start(second).await.unwrap();
    assert_eq!(ctl.status().run_id, 2);
    assert!(!std::sync::Arc::ptr_eq(&first_hub, &ctl.stats()));
    assert_eq!(first_hub.snapshot().total.num_requests, old);
    wait_for(&ctl, "run 2 requests", |c| {
        c.stats().snapshot().total.num_requests > 5
    })
    .await;
    let snap = ctl.stats().snapshot();
    assert!(
        snap.entry(Some("GET"), "/item/{n}").is_none(),
        "only Other runs"
    );
    assert_eq!(ctl.run_info().unwrap().params.classes.len(), 1);
    ctl.reset_stats();
    assert!(ctl.stats().snapshot().total.num_requests < 5);
    ctl.stop_now();
    ctl.wait_run_end().await.unwrap();
    assert_eq!(ctl.status().phase, Phase::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_are_refused_with_reasons() {
    let server = support::start().await;
    let ctl = LocalController::new(
        FixedClasses::new(classes()),
        RunConfig::default(),
        Hooks::default(),
    );
    let good = StartParams {
        users: 1,
        spawn_rate: 1.0,
        host: server.url.clone(),
        ..StartParams::default()
    };
    let cases: Vec<(StartParams, &str)> = vec![
        (
            StartParams {
                users: 0,
                ..good.clone()
            },
            "at least 1",
        ),
        (
            StartParams {
                spawn_rate: 0.0,
                ..good.clone()
            },
            "spawn rate",
        ),
        (
            StartParams {
                spawn_rate: f64::NAN,
                ..good.clone()
            },
            "spawn rate",
        ),
        (
            StartParams {
                classes: vec![ClassChoice {
                    name: "Ghost".into(),
                    weight: 1,
                }],
                ..good.clone()
            },
            "unknown user class `Ghost`",
        ),
        (
            StartParams {
                classes: vec![ClassChoice {
                    name: "Reader".into(),
                    weight: 0,
                }],
                ..good.clone()
            },
            "weight 0",
        ),
        (
            StartParams {
                host: "ftp://x".into(),
                ..good.clone()
            },
            "not an http",
        ),
        (
            StartParams {
                host: "http://no-such-host.invalid".into(),
                ..good.clone()
            },
            "does not resolve",
        ),
        (
            StartParams {
                thresholds: vec!["p95<<1".into()],
                ..good.clone()
            },
            "threshold",
        ),
        (
            StartParams {
                tags: vec!["nothing-has-this".into()],
                ..good.clone()
            },
            "nothing to run",
        ),
        (
            StartParams {
                arrival_rate: Some(-1.0),
                ..good.clone()
            },
            "arrival rate",
        ),
    ];
    for (p, want) in cases {
        match ctl.start(p.clone()).await {
            Err(ControlError::BadInput(m)) => assert!(m.contains(want), "{p:?}: {m}"),
            other => panic!("{p:?}: {other:?}"),
        }
        assert_eq!(ctl.status().phase, Phase::Ready);
    }
}
