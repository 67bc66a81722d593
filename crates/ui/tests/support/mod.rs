//! Test harness: a loopback target server and a web UI session over a local controller.
#![allow(dead_code)]

pub mod browser;
pub mod tools;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use clap::Parser;
use milmove_runner::control::FixedClasses;
use milmove_runner::{Hooks, RunnerArgs, Settings, TaskResult, User, UserClass, Wait};

/// A target server on 127.0.0.1 counting requests.
pub struct Target {
    pub url: String,
    pub count: Arc<AtomicU64>,
}

pub async fn target() -> Target {
    let count = Arc::new(AtomicU64::new(0));
    let c1 = count.clone();
    let c2 = count.clone();
    let c3 = count.clone();
    let app = Router::new()
        .route(
            "/",
            get(move || async move {
                c1.fetch_add(1, Ordering::SeqCst);
                "hello"
            }),
        )
        .route(
            "/item/{n}",
            get(move |Path(n): Path<u32>| async move {
                c2.fetch_add(1, Ordering::SeqCst);
                format!("item {n}")
            }),
        )
        .route(
            "/fail",
            get(move || async move {
                c3.fetch_add(1, Ordering::SeqCst);
                (StatusCode::INTERNAL_SERVER_ERROR, "boom")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Target { url, count }
}

async fn index(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    Ok(())
}

async fn item(u: &mut User<()>) -> TaskResult {
    u.get("/item/7").name("/item/{n}").send().await;
    Ok(())
}

async fn hostile(u: &mut User<()>) -> TaskResult {
    u.get("/fail")
        .name("<img src=x onerror=alert(1)>")
        .send()
        .await;
    Ok(())
}

async fn broken(_u: &mut User<()>) -> TaskResult {
    Err(milmove_runner::TaskError::msg("task <b>broke</b>"))
}

/// The test classes: `WebUser` (/, /item), `FailingUser` (a 500 under a hostile name, and an
/// exception).
pub fn classes() -> Vec<UserClass> {
    vec![
        UserClass::builder::<()>("WebUser")
            .weight(3)
            .wait(Wait::constant(0.02))
            .task(3, index)
            .tagged(1, ["items"], item)
            .build(),
        UserClass::builder::<()>("FailingUser")
            .weight(1)
            .wait(Wait::constant(0.05))
            .task(1, hostile)
            .task(1, broken)
            .build(),
    ]
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    runner: RunnerArgs,
}

/// A running web UI session.
pub struct Ui {
    pub url: String,
    pub task: tokio::task::JoinHandle<Result<i32, milmove_runner::RunnerError>>,
    pub http: reqwest::Client,
}

impl Ui {
    pub fn at(&self, path: &str) -> String {
        let path = path.trim_start_matches('/');
        if path.is_empty() {
            self.url.clone()
        } else {
            format!("{}/{path}", self.url.trim_end_matches('/'))
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.at(path)).send().await.unwrap()
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.at(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Polls `/api/state` until `cond` holds (at most 30 s).
    pub async fn wait_state(
        &self,
        what: &str,
        cond: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        for _ in 0..600 {
            let s = self.json("/api/state").await;
            if cond(&s) {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never reached: {what}: {}", self.json("/api/state").await);
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a session with these flags (web UI on a free loopback port unless given).
pub async fn start_ui(flags: &[&str]) -> Ui {
    let mut argv = vec!["test", "--web-port", "0", "--stop-timeout", "2s"];
    argv.extend_from_slice(flags);
    let cli = Cli::try_parse_from(argv).unwrap();
    let settings = Settings::resolve(&cli.runner).unwrap();
    let ctl =
        milmove_runner::local_controller(&settings, FixedClasses::new(classes()), Hooks::default());
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let tx = std::sync::Mutex::new(Some(tx));
    let mut ext = milmove_ui::extensions();
    ext.on_listening = Some(Arc::new(move |url: &str| {
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send(url.to_string());
        }
    }));
    let task = tokio::spawn(milmove_runner::control::run_session(
        Arc::new(ctl),
        settings.output,
        ext,
    ));
    let url = tokio::time::timeout(Duration::from_secs(20), rx)
        .await
        .expect("the web UI did not start")
        .expect("the session ended before listening");
    Ui {
        url,
        task,
        http: reqwest::Client::new(),
    }
}

pub fn temp_prefix(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("out/run")
}

/// Whether a `/stats/requests` document says the test is stopped.
pub fn stopped(s: &serde_json::Value) -> bool {
    s["state"] == "stopped"
}
