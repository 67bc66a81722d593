//! Task-set behaviour: tag filtering, sequential order, nested sets and interrupt, stop_user,
//! exceptions. No HTTP: tasks log their names into a shared journal.

use milmove_runner::{
    Hooks, RunConfig, Runner, RunnerError, TagFilter, TaskError, TaskResult, TaskSet, User,
    UserClass, Wait,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Journal = Arc<Mutex<Vec<&'static str>>>;

struct Log(Journal);

impl Log {
    fn push(&self, s: &'static str) {
        self.0.lock().unwrap().push(s);
    }
}

async fn a(u: &mut User<Log>) -> TaskResult {
    u.state.push("a");
    Ok(())
}
async fn b(u: &mut User<Log>) -> TaskResult {
    u.state.push("b");
    Ok(())
}
async fn c(u: &mut User<Log>) -> TaskResult {
    u.state.push("c");
    Ok(())
}
async fn leave(u: &mut User<Log>) -> TaskResult {
    u.state.push("leave");
    u.interrupt();
    Ok(())
}
async fn enter(u: &mut User<Log>) -> TaskResult {
    u.state.push("enter");
    Ok(())
}
async fn exit(u: &mut User<Log>) -> TaskResult {
    u.state.push("exit");
    Ok(())
}
async fn quit(u: &mut User<Log>) -> TaskResult {
    u.state.push("quit");
    Err(TaskError::stop_user())
}
async fn broken(u: &mut User<Log>) -> TaskResult {
    u.state.push("broken");
    Err(TaskError::msg("boom"))
}

fn config(users: usize, ms: u64, tags: TagFilter) -> RunConfig {
    RunConfig {
        users,
        spawn_rate: 1000.0,
        run_time: Some(Duration::from_millis(ms)),
        tags,
        seed: Some(1),
        ..RunConfig::default()
    }
}

fn tags(include: &[&str], exclude: &[&str]) -> TagFilter {
    TagFilter::new(
        include.iter().map(|s| s.to_string()),
        exclude.iter().map(|s| s.to_string()),
    )
}

async fn run(classes: Vec<UserClass>, cfg: RunConfig) -> Result<(), RunnerError> {
    let runner = Runner::start(cfg, classes, Hooks::default(), None)?;
    runner.wait().await;
    Ok(())
}

fn tagged_class(journal: &Journal) -> UserClass {
    let j = journal.clone();
    UserClass::with_state("Tagged", move || Log(j.clone()))
        .wait(Wait::constant(0.001))
        .tagged(1, ["read"], a)
        .tagged(1, ["write"], b)
        .task(1, c)
        .build()
}

fn seen(journal: &Journal) -> Vec<&'static str> {
    let mut v = journal.lock().unwrap().clone();
    v.sort_unstable();
    v.dedup();
    v
}

#[tokio::test]
async fn tags_include_exclude_and_exclude_wins() {
    for (inc, exc, expected) in [
        (&[][..], &[][..], vec!["a", "b", "c"]),
        (&["read"][..], &[][..], vec!["a"]),
        (&[][..], &["read"][..], vec!["b", "c"]),
        (&["read", "write"][..], &["write"][..], vec!["a"]),
    ] {
        let journal: Journal = Arc::default();
        run(vec![tagged_class(&journal)], config(2, 150, tags(inc, exc)))
            .await
            .unwrap();
        assert_eq!(seen(&journal), expected, "tags {inc:?} exclude {exc:?}");
    }
}

#[tokio::test]
async fn set_tags_are_inherited_and_empty_classes_are_skipped() {
    let journal: Journal = Arc::default();
    let j = journal.clone();
    let inner = TaskSet::random("inner")
        .task(1, b)
        .task(1, leave)
        .tags(["admin"]);
    let with_set = UserClass::with_state("WithSet", move || Log(j.clone()))
        .task(1, a)
        .set(1, inner)
        .build();
    let j2 = journal.clone();
    let never = UserClass::with_state("Never", move || Log(j2.clone()))
        .tagged(1, ["other"], c)
        .build();
    run(vec![with_set, never], config(4, 150, tags(&["admin"], &[])))
        .await
        .unwrap();
    // Only the tagged set's tasks ran; `a` (untagged) and the class with nothing runnable not.
    assert_eq!(seen(&journal), vec!["b", "leave"]);
}

#[tokio::test]
async fn nothing_runnable_is_an_error_not_a_spin() {
    let journal: Journal = Arc::default();
    let err = run(
        vec![tagged_class(&journal)],
        config(2, 100, tags(&["nope"], &[])),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RunnerError::NothingToRun(_)), "{err}");
    assert!(journal.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sequential_set_runs_in_order() {
    let journal: Journal = Arc::default();
    let j = journal.clone();
    let class = UserClass::with_state("Seq", move || Log(j.clone()))
        .tasks(
            TaskSet::sequential("steps")
                .task(1, a)
                .task(5, b)
                .task(1, c),
        )
        .wait(Wait::constant(0.001))
        .build();
    run(vec![class], config(1, 150, TagFilter::default()))
        .await
        .unwrap();
    let log = journal.lock().unwrap().clone();
    assert!(log.len() >= 6, "{log:?}");
    for (i, name) in log.iter().enumerate() {
        assert_eq!(*name, ["a", "b", "c"][i % 3], "position {i} in {log:?}");
    }
}

#[tokio::test]
async fn interrupt_returns_to_the_parent() {
    let journal: Journal = Arc::default();
    let j = journal.clone();
    let nested = TaskSet::sequential("nested")
        .on_start(enter)
        .on_stop(exit)
        .task(1, b)
        .task(1, c)
        .task(1, leave);
    // Parent is sequential too, so the expected journal is exact.
    let parent = TaskSet::sequential("parent").task(1, a).set(1, nested);
    let class = UserClass::with_state("Nested", move || Log(j.clone()))
        .tasks(parent)
        .wait(Wait::constant(0.001))
        .build();
    run(vec![class], config(1, 200, TagFilter::default()))
        .await
        .unwrap();
    let log = journal.lock().unwrap().clone();
    let cycle = ["a", "enter", "b", "c", "leave", "exit"];
    assert!(log.len() >= 2 * cycle.len(), "{log:?}");
    // The last cycle may be cut by the end of the run (then `exit` still runs).
    let full = log.len() - log.len() % cycle.len();
    for (i, name) in log[..full].iter().enumerate() {
        assert_eq!(*name, cycle[i % cycle.len()], "position {i} in {log:?}");
    }
}

#[tokio::test]
async fn stop_user_stops_only_that_user_and_errors_become_exceptions() {
    let journal: Journal = Arc::default();
    let j = journal.clone();
    let class = UserClass::with_state("Quitter", move || Log(j.clone()))
        .tasks(
            TaskSet::sequential("s")
                .task(1, broken)
                .task(1, quit)
                .task(1, a),
        )
        .build();
    let runner = Runner::start(
        config(3, 150, TagFilter::default()),
        vec![class],
        Hooks::default(),
        None,
    )
    .unwrap();
    runner.wait().await;
    let log = journal.lock().unwrap().clone();
    // Each of the 3 users: broken, quit, then nothing more (`a` never runs).
    assert_eq!(log.iter().filter(|s| **s == "quit").count(), 3, "{log:?}");
    assert!(!log.contains(&"a"));
    let snap = runner.stats().snapshot();
    assert_eq!(snap.exceptions.len(), 1);
    assert_eq!(snap.exceptions[0].count, 3);
    assert_eq!(snap.exceptions[0].message, "boom");
}

async fn heavy(u: &mut User<Log>) -> TaskResult {
    weighted_step(u, "a")
}
async fn light(u: &mut User<Log>) -> TaskResult {
    weighted_step(u, "b")
}
fn weighted_step(u: &mut User<Log>, name: &'static str) -> TaskResult {
    let mut log = u.state.0.lock().unwrap();
    if log.len() >= 4000 {
        return Err(TaskError::stop_user());
    }
    log.push(name);
    Ok(())
}

#[tokio::test]
async fn random_set_follows_weights() {
    // One user, fixed seed, 4000 choices: the count does not depend on timing.
    let journal: Journal = Arc::default();
    let j = journal.clone();
    let class = UserClass::with_state("Weighted", move || Log(j.clone()))
        .task(3, heavy)
        .task(1, light)
        .build();
    run(vec![class], config(1, 20_000, TagFilter::default()))
        .await
        .unwrap();
    let log = journal.lock().unwrap().clone();
    assert_eq!(log.len(), 4000);
    let share = log.iter().filter(|s| **s == "a").count() as f64 / 4000.0;
    // Expected 0.75; the standard deviation over 4000 draws is 0.007.
    assert!(
        (0.72..=0.78).contains(&share),
        "share of the weight-3 task = {share}"
    );
}
