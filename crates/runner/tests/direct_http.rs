//! The direct HTTP/1.1 path against a hand-written server: chunked bodies, `Connection:
//! close`, HTTP/1.0 read-to-close bodies, a keep-alive connection the server drops (the
//! request is sent again on a fresh one), invalid responses; and the same user code through
//! `reqwest_only` gives the same statistics and response headers.

use milmove_runner::{EndReason, Hooks, RunConfig, Runner, TaskError, TaskResult, User, UserClass};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct RawServer {
    url: String,
    requests: Arc<AtomicU64>,
    connections: Arc<AtomicU64>,
}

/// Reads request heads and answers by path; counts requests and connections.
async fn raw_server() -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicU64::new(0));
    let connections = Arc::new(AtomicU64::new(0));
    let (r, c) = (requests.clone(), connections.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, r.clone()));
        }
    });
    RawServer {
        url,
        requests,
        connections,
    }
}

async fn serve(mut stream: TcpStream, requests: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        buf.drain(..head_end);
        requests.fetch_add(1, Ordering::SeqCst);
        let path = head.split(' ').nth(1).unwrap_or("/").to_string();
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("cookie: "))
            .unwrap_or("")
            .to_string();
        let (reply, close): (String, bool) = match path.as_str() {
            "/chunked" => (
                "HTTP/1.1 200 OK\r\nX-Multi: a\r\ntransfer-encoding: chunked\r\nx-multi: b, c\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".into(),
                false,
            ),
            "/close" => (
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".into(),
                true,
            ),
            "/http10" => ("HTTP/1.0 200 OK\r\n\r\nold body".into(), true),
            // Keep-alive by the headers, but the server drops the connection right after.
            "/once" => ("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nonce".into(), true),
            "/garbage" => ("NOT HTTP AT ALL\r\n\r\n".into(), true),
            "/redirect" => (
                "HTTP/1.1 303 See Other\r\nlocation: /landing\r\nset-cookie: s=1; Path=/\r\ncontent-length: 0\r\n\r\n".into(),
                false,
            ),
            "/landing" => (
                format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{cookie}", cookie.len()),
                false,
            ),
            _ => ("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into(), false),
        };
        if stream.write_all(reply.as_bytes()).await.is_err() || close {
            return;
        }
    }
}

type Log = Arc<Mutex<Vec<String>>>;

async fn tour(u: &mut User<Log>) -> TaskResult {
    let mut seen = Vec::new();
    for path in [
        "/chunked",
        "/once",
        "/",
        "/close",
        "/http10",
        "/garbage",
        "/",
        "/redirect",
    ] {
        let r = u.get(path).send().await;
        // Response headers, as a task sees them (repeated names keep every value in order).
        let multi: Vec<&str> = r
            .headers()
            .get_all("x-multi")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        let multi = if multi.is_empty() {
            String::new()
        } else {
            format!(" {multi:?}")
        };
        seen.push(format!(
            "{path} {} {}{multi}",
            r.status_code(),
            r.error().map_or_else(
                || r.text(),
                |e| e.split(':').next().unwrap_or("").to_string()
            )
        ));
    }
    u.state.lock().unwrap().extend(seen);
    Err(TaskError::stop_user())
}

async fn run_tour(reqwest_only: bool) -> (Vec<String>, u64, u64, u64, u64) {
    let server = raw_server().await;
    let log: Log = Arc::default();
    let l2 = log.clone();
    let mut builder = UserClass::with_state("Tour", move || l2.clone()).task(1, tour);
    if reqwest_only {
        builder = builder.reqwest_only();
    }
    let cfg = RunConfig {
        host: Some(server.url.clone()),
        users: 1,
        spawn_rate: 100.0,
        run_time: Some(Duration::from_secs(10)),
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![builder.build()], Hooks::default(), None).unwrap();
    let outcome = runner.wait().await;
    assert_eq!(outcome.reason, EndReason::AllUsersStopped);
    let snap = runner.stats().snapshot();
    let seen = log.lock().unwrap().clone();
    (
        seen,
        snap.total.num_requests,
        snap.total.num_failures,
        server.requests.load(Ordering::SeqCst),
        server.connections.load(Ordering::SeqCst),
    )
}

#[tokio::test]
async fn direct_path_handles_framing_closes_and_redirects() {
    let (seen, reported, failures, served, conns) = run_tour(false).await;
    assert_eq!(
        seen,
        vec![
            r#"/chunked 200 hello world ["a", "b, c"]"#,
            "/once 200 once",
            "/ 200 ok",
            "/close 200 ok",
            "/http10 200 old body",
            "/garbage 0 request failed",
            "/ 200 ok",
            "/redirect 200 s=1",
        ]
    );
    assert_eq!(reported, 8);
    assert_eq!(failures, 1);
    // The redirect hop is one more request on the server, in the same recorded request.
    assert_eq!(served, 9);
    // New connections after: /once (dropped), /close, /http10, /garbage.
    assert_eq!(conns, 5);
}

#[tokio::test]
async fn reqwest_only_gives_the_same_results() {
    let (direct, ..) = run_tour(false).await;
    let (seen, reported, failures, served, _) = run_tour(true).await;
    // Same bodies and statuses; only the wording of the one invalid response may differ.
    let strip = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|l| !l.starts_with("/garbage"))
            .cloned()
            .collect()
    };
    assert_eq!(strip(&seen), strip(&direct));
    assert_eq!((reported, failures, served), (8, 1, 9));
}
