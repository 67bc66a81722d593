//! The HTTP client wrapper against a loopback server: name grouping, default failures,
//! catch_response, content length, per-user cookies (also across redirects), run-time and
//! stop-timeout ends where the server's count equals the reported count.

mod support;

use milmove_runner::{
    EndReason, Hooks, RunConfig, Runner, TaskError, TaskResult, User, UserClass, Wait,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn config(host: &str, users: usize, run_ms: u64) -> RunConfig {
    RunConfig {
        host: Some(host.to_string()),
        users,
        spawn_rate: 1000.0,
        run_time: Some(Duration::from_millis(run_ms)),
        seed: Some(3),
        ..RunConfig::default()
    }
}

async fn once(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    u.get("/item/7").name("/item/{n}").send().await;
    u.get("/item/8").name("/item/{n}").send().await;
    u.get("/status/404").send().await;
    u.get("/status/500").name("/status").send().await;
    let mut r = u
        .get("/status/404")
        .name("/caught")
        .catch_response()
        .send()
        .await;
    if r.status_code() == 404 {
        r.success();
    }
    drop(r);
    let mut r = u
        .get("/")
        .name("/caught-fail")
        .catch_response()
        .send()
        .await;
    if r.text() != "nope" {
        r.failure("unexpected body");
    }
    drop(r);
    u.get("http://127.0.0.1:9/").name("refused").send().await;
    Err(TaskError::stop_user())
}

#[tokio::test]
async fn names_failures_catch_response_and_content_length() {
    let server = support::start().await;
    let class = UserClass::builder::<()>("Once").task(1, once).build();
    let runner = Runner::start(
        config(&server.url, 1, 10_000),
        vec![class],
        Hooks::default(),
        None,
    )
    .unwrap();
    let outcome = runner.wait().await;
    assert_eq!(outcome.reason, EndReason::AllUsersStopped);
    let snap = runner.stats().snapshot();
    let get = |name: &str| {
        snap.entry(Some("GET"), name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(get("/").num_requests, 1);
    assert_eq!(get("/").num_failures, 0);
    assert_eq!(get("/").total_content_length, "hello world".len() as u64);
    assert_eq!(get("/item/{n}").num_requests, 2);
    assert_eq!(get("/status/404").num_failures, 1);
    assert_eq!(get("/status").num_failures, 1);
    assert_eq!(get("/caught").num_failures, 0);
    assert_eq!(get("/caught-fail").num_failures, 1);
    assert_eq!(get("refused").num_failures, 1);
    let errors: Vec<(&str, &str)> = snap
        .errors
        .iter()
        .map(|e| (e.name.as_str(), e.error.as_str()))
        .collect();
    assert!(
        errors.contains(&("/status/404", "HTTP 404 Not Found")),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("/status", "HTTP 500 Internal Server Error")),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("/caught-fail", "unexpected body")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(n, e)| *n == "refused" && e.starts_with("connection error")),
        "{errors:?}"
    );
    // Every request that reached the server was recorded (the refused one never did).
    assert_eq!(snap.total.num_requests, server.count() + 1);
}

async fn cookie_flow(u: &mut User<Arc<Mutex<Vec<String>>>>) -> TaskResult {
    let me = format!("user{}", u.id());
    if u.id().is_multiple_of(2) {
        u.get(&format!("/login/{me}")).name("/login").send().await;
        let r = u.get("/whoami").name("/whoami").send().await;
        u.state.lock().unwrap().push(format!("{me}={}", r.text()));
    } else {
        // Set-Cookie on a redirect hop must land in this user's jar too.
        let r = u
            .get(&format!("/redirect-login/{me}"))
            .name("/redirect-login")
            .send()
            .await;
        u.state.lock().unwrap().push(format!("{me}={}", r.text()));
    }
    let cookie = u.http.cookie(&format!("{}/", u.http.host()), "session");
    u.state
        .lock()
        .unwrap()
        .push(format!("{me}:jar={}", cookie.unwrap_or_default()));
    Err(TaskError::stop_user())
}

#[tokio::test]
async fn cookies_are_per_user_and_survive_redirects() {
    let server = support::start().await;
    let journal: Arc<Mutex<Vec<String>>> = Arc::default();
    let j = journal.clone();
    let class = UserClass::with_state("Cookies", move || j.clone())
        .task(1, cookie_flow)
        .build();
    let runner = Runner::start(
        config(&server.url, 6, 10_000),
        vec![class],
        Hooks::default(),
        None,
    )
    .unwrap();
    runner.wait().await;
    let mut log = journal.lock().unwrap().clone();
    log.sort();
    let mut expected = Vec::new();
    for id in 1..=6 {
        expected.push(format!("user{id}=session=user{id}"));
        expected.push(format!("user{id}:jar=user{id}"));
    }
    expected.sort();
    assert_eq!(log, expected);
}

async fn index_task(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    Ok(())
}

#[tokio::test]
async fn run_time_end_reports_what_the_server_counted() {
    let server = support::start().await;
    let class = UserClass::builder::<()>("Web")
        .wait(Wait::between(0.005, 0.02))
        .task(1, index_task)
        .build();
    let mut cfg = config(&server.url, 10, 1500);
    cfg.stop_timeout = Duration::from_secs(5);
    let started = Instant::now();
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    let outcome = runner.wait().await;
    assert_eq!(outcome.reason, EndReason::RunTime);
    assert!(started.elapsed() < Duration::from_secs(4));
    let reported = runner.stats().snapshot().total.num_requests;
    assert!(reported > 100, "only {reported} requests");
    assert_eq!(reported, server.count());
    assert_eq!(outcome.cut_requests, 0);
}

async fn slow_task(u: &mut User<u64>) -> TaskResult {
    let ms = u.state;
    u.get(&format!("/slow/{ms}")).name("/slow").send().await;
    Ok(())
}

#[tokio::test]
async fn stop_timeout_lets_tasks_in_flight_finish() {
    let server = support::start().await;
    let class = UserClass::with_state("Slow", || 400u64)
        .task(1, slow_task)
        .build();
    let mut cfg = config(&server.url, 5, 1000);
    cfg.stop_timeout = Duration::from_secs(3);
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    let outcome = runner.wait().await;
    let snap = runner.stats().snapshot();
    assert_eq!(outcome.cut_requests, 0);
    assert_eq!(snap.total.num_failures, 0);
    assert_eq!(snap.total.num_requests, server.count());
    // Ended at run time + at most one 400 ms request (plus scheduling slack).
    assert!(
        outcome.duration < Duration::from_millis(2500),
        "{:?}",
        outcome.duration
    );
}

#[tokio::test]
async fn stop_timeout_cuts_tasks_that_take_longer() {
    let server = support::start().await;
    let class = UserClass::with_state("Stuck", || 5_000u64)
        .task(1, slow_task)
        .build();
    let mut cfg = config(&server.url, 4, 500);
    cfg.stop_timeout = Duration::from_millis(500);
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    let outcome = runner.wait().await;
    assert!(
        outcome.duration < Duration::from_millis(2500),
        "{:?}",
        outcome.duration
    );
    assert_eq!(outcome.cut_users, 4);
    let reported = runner.stats().snapshot().total.num_requests;
    // The 4 requests reached the server but never completed: cut, counted apart.
    assert_eq!(server.count(), 4);
    assert_eq!(reported + outcome.cut_requests, server.count());
}
