//! Test servers on 127.0.0.1: a small axum server that counts every request it receives
//! (here), a misbehaving one (`faulty`), and in-memory certificates for TLS (`certs`).

#![allow(dead_code)]

pub mod certs;
pub mod faulty;
pub mod quickstart;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The running server: its base URL and request counter.
pub struct TestServer {
    pub url: String,
    pub count: Arc<AtomicU64>,
    /// Delay (ms) added to `/` and `/item/{n}`; change it at any time.
    pub delay_ms: Arc<AtomicU64>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// Requests received so far (counted when the handler starts).
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Clone)]
struct Shared {
    count: Arc<AtomicU64>,
    delay_ms: Arc<AtomicU64>,
}

impl Shared {
    async fn arrive(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
        let ms = self.delay_ms.load(Ordering::SeqCst);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

async fn index(State(s): State<Shared>) -> &'static str {
    s.arrive().await;
    "hello world"
}

async fn item(State(s): State<Shared>, Path(n): Path<u32>) -> String {
    s.arrive().await;
    format!("item {n}")
}

async fn slow(State(s): State<Shared>, Path(ms): Path<u64>) -> &'static str {
    s.count.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "slow"
}

async fn status(State(s): State<Shared>, Path(code): Path<u16>) -> impl IntoResponse {
    s.count.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
        "status",
    )
}

async fn login(State(s): State<Shared>, Path(user): Path<String>) -> impl IntoResponse {
    s.count.fetch_add(1, Ordering::SeqCst);
    (
        [("set-cookie", format!("session={user}; Path=/"))],
        "logged in",
    )
}

async fn redirect_login(State(s): State<Shared>, Path(user): Path<String>) -> impl IntoResponse {
    s.count.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::FOUND,
        [
            ("set-cookie", format!("session={user}; Path=/")),
            ("location", "/whoami".to_string()),
        ],
        "",
    )
}

async fn whoami(State(s): State<Shared>, headers: HeaderMap) -> String {
    s.count.fetch_add(1, Ordering::SeqCst);
    headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Start the server on a free loopback port.
pub async fn start() -> TestServer {
    let count = Arc::new(AtomicU64::new(0));
    let delay_ms = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route("/", get(index))
        .route("/item/{n}", get(item))
        .route("/slow/{ms}", get(slow))
        .route("/status/{code}", get(status))
        .route("/login/{user}", get(login))
        .route("/redirect-login/{user}", get(redirect_login))
        .route("/whoami", get(whoami))
        .with_state(Shared {
            count: count.clone(),
            delay_ms: delay_ms.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    TestServer {
        url,
        count,
        delay_ms,
        shutdown: Some(tx),
    }
}
