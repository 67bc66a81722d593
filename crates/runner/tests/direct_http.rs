//! The direct HTTP/1.1 path against a hand-written server, over plain TCP and over TLS:
//! chunked bodies, `Connection: close`, HTTP/1.0 read-to-close bodies, a keep-alive
//! connection the server drops after answering (seen before the next request is written: it
//! goes on a fresh connection, sent once), invalid responses, a same-origin redirect that sets
//! a cookie, and a redirect to another origin (handed to reqwest, which uses the class's TLS
//! configuration and the user's cookies); and the same user code through `reqwest_only`
//! gives the same statistics, response headers and failure texts. (Faults at random, at
//! scale: `faults.rs`; TLS failures: `direct_tls.rs`.)

mod support;

use milmove_runner::rustls::ClientConfig;
use milmove_runner::{EndReason, Hooks, RunConfig, Runner, TaskError, TaskResult, User, UserClass};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::certs::{client_config, server_config, TestCa};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

struct RawServer {
    url: String,
    requests: Arc<AtomicU64>,
    connections: Arc<AtomicU64>,
}

/// Reads request heads and answers by path; counts requests and connections. `elsewhere`:
/// where `/elsewhere` redirects to.
async fn raw_server(tls: Option<TlsAcceptor>, elsewhere: Option<String>) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicU64::new(0));
    let connections = Arc::new(AtomicU64::new(0));
    let (r, c) = (requests.clone(), connections.clone());
    let elsewhere = Arc::new(elsewhere.unwrap_or_default());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let (r, elsewhere, tls) = (r.clone(), elsewhere.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    None => serve(stream, r, &elsewhere).await,
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(stream).await {
                            serve(s, r, &elsewhere).await;
                        }
                    }
                }
            });
        }
    });
    RawServer {
        url,
        requests,
        connections,
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    requests: Arc<AtomicU64>,
    elsewhere: &str,
) {
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
            // Keep-alive by the headers, but the server closes the connection right after.
            "/once" => ("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nonce".into(), true),
            "/garbage" => ("NOT HTTP AT ALL\r\n\r\n".into(), true),
            "/redirect" => (
                "HTTP/1.1 303 See Other\r\nlocation: /landing\r\nset-cookie: s=1; Path=/\r\ncontent-length: 0\r\n\r\n".into(),
                false,
            ),
            "/elsewhere" => (
                format!("HTTP/1.1 302 Found\r\nlocation: {elsewhere}/landing\r\ncontent-length: 0\r\n\r\n"),
                false,
            ),
            "/landing" => (
                format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{cookie}", cookie.len()),
                false,
            ),
            _ => ("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into(), false),
        };
        if stream.write_all(reply.as_bytes()).await.is_err() || stream.flush().await.is_err() {
            return;
        }
        if close {
            // A clean close: TLS close_notify, then FIN.
            let _ = stream.shutdown().await;
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
        "/elsewhere",
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

struct Tour {
    seen: Vec<String>,
    reported: u64,
    failures: u64,
    /// Requests both servers read.
    served: u64,
    /// Connections the class's own server accepted.
    conns: u64,
}

async fn run_tour(reqwest_only: bool, tls: bool) -> Tour {
    let ca = TestCa::new("tour CA");
    let (acceptor, client): (Option<TlsAcceptor>, Option<Arc<ClientConfig>>) = if tls {
        (
            Some(TlsAcceptor::from(server_config(&ca, None))),
            Some(client_config(&ca, None)),
        )
    } else {
        (None, None)
    };
    let other = raw_server(acceptor.clone(), None).await;
    let server = raw_server(acceptor, Some(other.url.clone())).await;
    let log: Log = Arc::default();
    let l2 = log.clone();
    let mut builder = UserClass::with_state("Tour", move || l2.clone()).task(1, tour);
    if reqwest_only {
        builder = builder.reqwest_only();
    }
    if let Some(c) = client {
        builder = builder.tls(c);
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
    Tour {
        seen,
        reported: snap.total.num_requests,
        failures: snap.total.num_failures,
        served: server.requests.load(Ordering::SeqCst) + other.requests.load(Ordering::SeqCst),
        conns: server.connections.load(Ordering::SeqCst),
    }
}

fn expected_tour() -> Vec<&'static str> {
    vec![
        r#"/chunked 200 hello world ["a", "b, c"]"#,
        "/once 200 once",
        "/ 200 ok",
        "/close 200 ok",
        "/http10 200 old body",
        "/garbage 0 invalid response",
        "/ 200 ok",
        "/redirect 200 s=1",
        // Another origin (same host, another port): the cookie (host-wide) goes along.
        "/elsewhere 200 s=1",
    ]
}

async fn check_direct_tour(tls: bool) {
    let t = run_tour(false, tls).await;
    assert_eq!(t.seen, expected_tour());
    assert_eq!((t.reported, t.failures), (9, 1));
    // Each redirect hop is one more request on a server, in the same recorded request.
    assert_eq!(t.served, 11);
    // New connections after: /once (closed), /close, /http10, /garbage.
    assert_eq!(t.conns, 5);
}

#[tokio::test]
async fn direct_path_handles_framing_closes_and_redirects() {
    check_direct_tour(false).await;
}

#[tokio::test]
async fn direct_tls_path_handles_framing_closes_and_redirects() {
    check_direct_tour(true).await;
}

#[tokio::test]
async fn reqwest_only_gives_the_same_results() {
    for tls in [false, true] {
        let direct = run_tour(false, tls).await;
        let t = run_tour(true, tls).await;
        // Same bodies, statuses and failure kinds.
        assert_eq!(t.seen, direct.seen, "tls: {tls}");
        assert_eq!((t.reported, t.failures, t.served), (9, 1, 11), "tls: {tls}");
    }
}
