//! `MasterController`: the runner's control API over a master, in one process with two
//! in-process workers against a counting server — start (refused without workers, and with an
//! unknown class), status and workers while running, edit, stop, the run's end and its facts;
//! the merged count equals the server's.

mod support;

use milmove_cluster::{
    run_worker, Master, MasterConfig, MasterControlOptions, MasterController, TestSettings,
    WorkerConfig,
};
use milmove_runner::control::ClassFactory as _;
use milmove_runner::control::{
    ClassChoice, ControlError, FixedClasses, Phase, StartParams, TestController, WorkerState,
};
use milmove_runner::{DispatchClass, RunConfig, TaskResult, User, UserClass};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::CountingServer;

async fn index(u: &mut User<()>) -> TaskResult {
    u.get("/r").name("/r").send().await;
    Ok(())
}

fn classes() -> Vec<UserClass> {
    let wait = milmove_runner::Wait::Constant(0.02);
    vec![
        UserClass::builder::<()>("Reader")
            .weight(3)
            .wait(wait)
            .task(1, index)
            .build(),
        UserClass::builder::<()>("Writer")
            .weight(1)
            .wait(wait)
            .task(1, index)
            .build(),
    ]
}

async fn until(what: &str, ok: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_controller_runs_a_test_as_a_local_one_would() {
    let server = CountingServer::start().await;
    let catalogue = FixedClasses::new(classes()).catalogue();
    let catalog: Vec<DispatchClass> = classes().iter().map(UserClass::dispatch_class).collect();
    let master = Master::bind(
        MasterConfig {
            bind_port: 0,
            ..Default::default()
        },
        catalog,
    )
    .await
    .unwrap();
    let ctl = MasterController::new(
        master.clone(),
        MasterControlOptions {
            catalogue,
            run: RunConfig {
                host: Some(server.url.clone()),
                users: 8,
                spawn_rate: 100.0,
                // Tasks in flight finish at the stop: none is cut, so the counts are exact.
                stop_timeout: Duration::from_secs(5),
                ..RunConfig::default()
            },
            stages: None,
            thresholds: vec!["fail_ratio<0.5".into()],
            heartbeat_liveness: Duration::from_secs(3),
        },
    );
    assert_eq!(ctl.status().phase, Phase::Ready);
    let refused = ctl.start(ctl.defaults()).await.unwrap_err();
    assert!(
        matches!(&refused, ControlError::State(m) if m.contains("no worker")),
        "{refused:?}"
    );
    let port = master.local_addr().port();
    for _ in 0..2 {
        let config = WorkerConfig {
            master_port: port,
            classes: vec!["Reader".into(), "Writer".into()],
            ..Default::default()
        };
        let factory = Arc::new(|_: &TestSettings| Ok(classes()));
        tokio::spawn(run_worker(config, factory));
    }
    until("two workers", || ctl.workers().len() == 2).await;
    assert!(ctl.workers().iter().all(|w| w.state == WorkerState::Ready));
    let unknown = StartParams {
        classes: vec![ClassChoice {
            name: "Nobody".into(),
            weight: 1,
        }],
        ..ctl.defaults()
    };
    assert!(matches!(
        ctl.start(unknown).await,
        Err(ControlError::BadInput(_))
    ));
    // Only the Reader class: its weight wins over the catalogue's default mix.
    let params = StartParams {
        classes: vec![ClassChoice {
            name: "Reader".into(),
            weight: 1,
        }],
        ..ctl.defaults()
    };
    ctl.start(params).await.unwrap();
    until("8 users running", || {
        let s = ctl.status();
        s.phase == Phase::Running && s.users == 8
    })
    .await;
    let status = ctl.status();
    assert_eq!(status.run_id, 1);
    assert_eq!(
        status.users_per_class,
        vec![("Reader".to_string(), 8), ("Writer".to_string(), 0)]
    );
    assert!(ctl.workers().iter().all(|w| w.users == 4));
    assert!(
        ctl.start(ctl.defaults()).await.is_err(),
        "one test at a time"
    );
    ctl.edit(4, 100.0).unwrap();
    until("4 users after the edit", || ctl.status().users == 4).await;
    until("requests merged", || {
        ctl.stats().snapshot().total.num_requests > 20
    })
    .await;
    ctl.stop();
    let outcome = ctl.wait_run_end().await.expect("an outcome");
    assert_eq!(outcome.reason, milmove_runner::EndReason::Stopped);
    assert_eq!(ctl.status().phase, Phase::Stopped);
    let info = ctl.run_info().unwrap();
    assert_eq!(info.end_reason.as_deref(), Some("stopped"));
    assert!(info.end_time.is_some());
    assert_eq!(info.thresholds.len(), 1);
    let total = ctl.stats().snapshot().total.num_requests;
    assert_eq!(
        total + info.cut_requests,
        server.count(),
        "merged == server's"
    );
    assert_eq!(ctl.missing_requests(), 0);
    master.shutdown("done").await;
}
