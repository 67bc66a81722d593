//! Unit tests of the flow hub: hand-overs, FIFO queues, the bound, rows, leftovers at the end,
//! owned moves.

use super::*;
use std::sync::Arc;

fn meta(name: &'static str, roles: &[(Role, &'static str)], weight: u32) -> FlowMeta {
    FlowMeta {
        name,
        shipments: &["HHG"],
        steps: roles
            .iter()
            .map(|(role, name)| StepMeta { role: *role, name })
            .collect(),
        weight,
    }
}

fn three_steps() -> FlowMeta {
    meta(
        "demo",
        &[(Role::Customer, "a"), (Role::Too, "b"), (Role::Prime, "c")],
        1,
    )
}

fn hub(max_flows: usize) -> (FlowHub, Arc<StatsHub>) {
    let config = HubConfig {
        max_flows,
        owned_moves: 2,
        complete_each: Some(2),
    };
    let hub = FlowHub::new(vec![three_steps()], config);
    let stats = Arc::new(StatsHub::default());
    hub.test_started(stats.clone());
    (hub, stats)
}

const MS: Duration = Duration::from_millis(10);

#[test]
fn a_flow_passes_from_role_to_role_and_records_every_row() {
    let (hub, stats) = hub(10);
    assert!(hub.admit());
    let case = hub.start(0);
    hub.finish_step(&*stats, case, MS, StepEnd::Done);
    assert_eq!(hub.queued(Role::Too), 1);
    assert!(hub.take(&*stats, Role::Prime).is_none());
    let case = hub.take(&*stats, Role::Too).unwrap();
    assert_eq!((case.step, case.waits.len()), (1, 1));
    hub.finish_step(&*stats, case, MS, StepEnd::Done);
    let case = hub.take(&*stats, Role::Prime).unwrap();
    hub.finish_step(&*stats, case, MS, StepEnd::Done);
    assert_eq!(hub.in_flight(), 0);
    assert_eq!(hub.completed(), [("demo", 1)]);
    assert!(!hub.done(), "two completions of each flow asked for");

    let snap = stats.snapshot();
    let count = |method: &str, name: &str| snap.entry(Some(method), name).map(|e| e.num_requests);
    for (i, (role, step)) in [(Role::Customer, "a"), (Role::Too, "b"), (Role::Prime, "c")]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            count("WORKFLOW", &step_row("demo", i, 3, role, step)),
            Some(1)
        );
    }
    assert_eq!(count("WORKFLOW", "flow demo"), Some(1));
    assert_eq!(count("WORKFLOW", "flow demo (end to end)"), Some(1));
    assert_eq!(count("QUEUE", "queue TOO"), Some(1));
    assert_eq!(count("QUEUE", "queue Prime"), Some(1));
    let flow = snap.entry(Some("WORKFLOW"), "flow demo").unwrap();
    assert!(
        flow.raw.min_us().unwrap() >= 30_000,
        "the steps' time, added up"
    );
    assert_eq!(snap.total.num_requests, 0, "no row is a request");
}

#[test]
fn queues_are_first_in_first_out() {
    let (hub, stats) = hub(10);
    let mut ids = Vec::new();
    for _ in 0..3 {
        assert!(hub.admit());
        let case = hub.start(0);
        ids.push(case.id);
        hub.finish_step(&*stats, case, MS, StepEnd::Done);
    }
    let taken: Vec<u64> = (0..3)
        .map(|_| hub.take(&*stats, Role::Too).unwrap().id)
        .collect();
    assert_eq!(taken, ids);
}

#[test]
fn the_bound_holds_until_a_flow_ends_and_failures_say_where_and_why() {
    let (hub, stats) = hub(2);
    assert!(hub.admit() && hub.admit());
    assert!(!hub.admit(), "two flows in flight at most");
    let first = hub.start(0);
    let _second = hub.start(0);
    hub.finish_step(&*stats, first, MS, StepEnd::Done);
    let first = hub.take(&*stats, Role::Too).unwrap();
    let why = "HTTP 409 from PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/status".to_string();
    hub.finish_step(&*stats, first, MS, StepEnd::Failed(why));
    assert!(hub.admit(), "the failed flow made room");

    let snap = stats.snapshot();
    let flow = snap.entry(Some("WORKFLOW"), "flow demo").unwrap();
    assert_eq!((flow.num_requests, flow.num_failures), (1, 1));
    let error = &snap
        .errors
        .iter()
        .find(|e| e.name == "flow demo")
        .unwrap()
        .error;
    assert_eq!(
        error,
        "failed at step 2/3 (TOO b): HTTP 409 from PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/status"
    );
    let step = snap.entry(Some("WORKFLOW"), "flow demo 2/3 TOO b").unwrap();
    assert_eq!(step.num_failures, 1);
    assert!(snap.has_errors());
}

/// A log writer the test can read back.
#[derive(Clone, Default)]
struct Sink(Arc<parking_lot::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn flows_left_at_the_end_are_counted_not_lost() {
    let log = Sink::default();
    let hub =
        FlowHub::new(vec![three_steps()], HubConfig::default()).with_log(Box::new(log.clone()));
    let stats = Arc::new(StatsHub::default());
    hub.test_started(stats.clone());
    // One flow waits for the TOO, one is cut in the TOO's step, one completed.
    for _ in 0..3 {
        assert!(hub.admit());
        let case = hub.start(0);
        hub.finish_step(&*stats, case, MS, StepEnd::Done);
    }
    let done = hub.take(&*stats, Role::Too).unwrap();
    hub.finish_step(&*stats, done, MS, StepEnd::Done);
    let done = hub.take(&*stats, Role::Prime).unwrap();
    hub.finish_step(&*stats, done, MS, StepEnd::Done);
    let mut cut = hub.take(&*stats, Role::Too).unwrap();
    hub.own(cut.data.flow_id, "move-of-the-cut-flow");
    cut.data.move_id = "move-of-the-cut-flow".into();
    drop(cut); // the user was cut at stop: its case is gone with it
    assert_eq!(hub.summary(), "", "no summary before the stop");

    hub.test_stopped(&stats);
    let snap = stats.snapshot();
    let count = |method: &str, name: &str| snap.entry(Some(method), name).map(|e| e.num_requests);
    assert_eq!(count("QUEUE", "queue TOO (still waiting at end)"), Some(1));
    assert_eq!(count("WORKFLOW", "flow demo (unfinished at end)"), Some(2));
    assert_eq!(count("WORKFLOW", "flow demo"), Some(1));
    assert!(!snap.has_errors(), "unfinished flows are not failures");
    assert_eq!(hub.in_flight(), 0);

    let summary = hub.summary();
    let line = summary.lines().find(|l| l.starts_with("demo")).unwrap();
    let numbers: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(numbers, ["demo", "3", "1", "0", "1", "1"], "{summary}");

    let text = String::from_utf8(log.0.lock().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["completed", "unfinished", "unfinished"]);
    assert!(lines
        .iter()
        .any(|l| l["move"]["move_id"] == "move-of-the-cut-flow"));
    assert!(lines[1]["reason"]
        .as_str()
        .unwrap()
        .contains("waiting for TOO"));
}

#[test]
fn owned_moves_are_kept_out_of_the_stores_and_bounded() {
    let hub = Arc::new(FlowHub::new(
        vec![three_steps()],
        HubConfig {
            max_flows: 10,
            owned_moves: 2,
            complete_each: None,
        },
    ));
    let keep_out = hub.exclusion();
    hub.own(0, "m1");
    for owned in [
        json!({"id": "m1"}),
        json!({"id": "s", "moveTaskOrderID": "m1"}),
        json!({"id": "p", "moveID": "m1"}),
    ] {
        assert!(keep_out(&owned), "{owned}");
    }
    assert!(!keep_out(&json!({"id": "m2", "moveTaskOrderID": "other"})));
    hub.own(0, "m2");
    hub.own(0, "m3");
    assert!(!hub.owns("m1"), "the oldest is forgotten beyond the bound");
    assert!(hub.owns("m2") && hub.owns("m3"));
}

#[test]
fn flows_are_picked_by_weight() {
    let flows = vec![
        meta("never", &[(Role::Customer, "a")], 0),
        meta("always", &[(Role::Customer, "a"), (Role::Tio, "b")], 3),
    ];
    let hub = FlowHub::new(flows, HubConfig::default());
    let mut rng = milmove_runner::seeded_rng(1);
    assert!((0..50).all(|_| hub.pick_flow(&mut rng) == Some(1)));
    assert_eq!(hub.roles_in_use(), [Role::Customer, Role::Tio]);
    let idle = FlowHub::new(
        vec![meta("x", &[(Role::Customer, "a")], 0)],
        HubConfig::default(),
    );
    assert_eq!(idle.pick_flow(&mut rng), None);
}

#[tokio::test]
async fn a_waiting_user_wakes_when_work_arrives() {
    let (hub, stats) = hub(10);
    let hub = Arc::new(hub);
    let waiter = {
        let hub = hub.clone();
        tokio::spawn(async move {
            hub.wait_for_work(Role::Too, Duration::from_secs(3600))
                .await
        })
    };
    tokio::task::yield_now().await;
    assert!(hub.admit());
    let case = hub.start(0);
    hub.finish_step(&*stats, case, MS, StepEnd::Done);
    tokio::time::timeout(Duration::from_secs(60), waiter)
        .await
        .expect("woken by the hand-over, not by its hour-long timeout")
        .unwrap();
    assert_eq!(hub.queued(Role::Too), 1);
}

#[test]
fn the_lifecycle_is_done_once_each_flow_completed_often_enough() {
    let flows = vec![
        meta("one", &[(Role::Customer, "a")], 1),
        meta("two", &[(Role::Customer, "a")], 1),
        meta("off", &[(Role::Customer, "a")], 0),
    ];
    let config = HubConfig {
        complete_each: Some(1),
        ..HubConfig::default()
    };
    let hub = FlowHub::new(flows, config);
    let stats = StatsHub::default();
    let finish = |flow| {
        assert!(hub.admit());
        let case = hub.start(flow);
        hub.finish_step(&stats, case, MS, StepEnd::Done);
    };
    finish(0);
    finish(0);
    assert!(!hub.done(), "`two` has not completed yet");
    finish(1);
    assert!(hub.done(), "`off` is not in the mix");
    assert!(!FlowHub::new(vec![three_steps()], HubConfig::default()).done());
}

#[test]
fn a_new_test_starts_its_counts_and_summary_from_zero() {
    let (hub, stats) = hub(10);
    for _ in 0..2 {
        assert!(hub.admit());
        let case = hub.start(0);
        hub.finish_step(&*stats, case, MS, StepEnd::Failed("boom".into()));
    }
    hub.test_stopped(&stats);
    assert!(hub.summary().contains("boom"), "{}", hub.summary());

    let second = Arc::new(StatsHub::default());
    hub.test_started(second.clone());
    assert_eq!(hub.summary(), "", "the last test's summary is gone");
    assert!(hub.admit());
    let case = hub.start(0);
    hub.finish_step(&*second, case, MS, StepEnd::Done);
    hub.test_stopped(&second);
    let summary = hub.summary();
    let line = summary.lines().find(|l| l.starts_with("demo")).unwrap();
    let numbers: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(numbers, ["demo", "1", "0", "0", "1", "0"], "{summary}");
    assert!(!summary.contains("boom"), "{summary}");
}
