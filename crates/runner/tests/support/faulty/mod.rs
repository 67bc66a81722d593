//! A misbehaving HTTP/1.1 server on loopback, plain or over TLS, for fault tests.
//!
//! It reads each request completely (counting it), then draws a [`Behaviour`] at random: a
//! well-formed answer (several framings), a 5xx, a reset, a close, garbage, a broken chunked
//! or truncated body, a stall past the client's timeout, or closing a kept-alive connection
//! right after answering. It counts what it read and how it answered, so that a test can
//! hold a load test's report against what really happened on the server:
//! reported + cut == requests read, successes == well-formed answers, and each failure kind
//! == the misbehaviour that causes it.
//!
//! Closing after an answer is done the way that leaves no doubt about ordering: the answer
//! and the close (FIN, and for TLS the close_notify before it) leave in one TCP segment
//! (`TCP_CORK`), so a client that reads the answer can know the connection is closed before
//! it writes again. With [`FaultyOptions::idle_close`] the server also closes connections
//! that stay idle, as real servers do; a request that reaches such a connection after the
//! server closed it (a race no client can rule out: the close and the request cross on the
//! wire) is counted apart, as `arrived_after_close`, not as read.

mod behaviour;

// Not every test binary that includes `support` uses all of them.
#[allow(unused_imports)]
pub use behaviour::{classify, default_mix, Behaviour, Expect};

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How the server is set up.
pub struct FaultyOptions {
    /// Behaviours and their weights.
    pub mix: Vec<(Behaviour, u32)>,
    /// Seed of the per-connection random draws.
    pub seed: u64,
    /// Serve TLS with this configuration.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Close a kept-alive connection idle this long (as servers' idle timeouts do).
    pub idle_close: Option<Duration>,
    /// Use `localhost` instead of `127.0.0.1` in the URL (a DNS name: SNI is sent).
    pub localhost: bool,
}

impl Default for FaultyOptions {
    fn default() -> Self {
        Self {
            mix: default_mix(),
            seed: 7,
            tls: None,
            idle_close: None,
            localhost: false,
        }
    }
}

/// What the server saw and did.
#[derive(Default)]
pub struct Counts {
    /// Requests read completely (head and body).
    pub read: AtomicU64,
    /// Answers by behaviour.
    pub behaviours: Mutex<BTreeMap<Behaviour, u64>>,
    /// TCP connections accepted.
    pub connections: AtomicU64,
    /// Connections still being served.
    pub live: AtomicU64,
    /// TLS handshakes completed, and how many of them resumed a session.
    pub handshakes: AtomicU64,
    pub resumed: AtomicU64,
    /// TLS handshakes that failed (no/unknown client certificate, ...).
    pub handshake_failures: AtomicU64,
    /// SNI names received.
    pub sni: Mutex<Vec<String>>,
    /// Idle connections the server closed.
    pub idle_closes: AtomicU64,
    /// Connections on which a request arrived after the server had closed them when idle.
    pub arrived_after_close: AtomicU64,
}

impl Counts {
    /// Requests read.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::SeqCst)
    }

    /// Answers given per expected client outcome.
    pub fn expected(&self) -> BTreeMap<Expect, u64> {
        let mut out = BTreeMap::new();
        for (b, n) in self.behaviours.lock().unwrap().iter() {
            *out.entry(b.expect()).or_insert(0) += n;
        }
        out
    }

    /// Answers given with `behaviour`.
    pub fn of(&self, behaviour: Behaviour) -> u64 {
        self.behaviours
            .lock()
            .unwrap()
            .get(&behaviour)
            .copied()
            .unwrap_or(0)
    }
}

/// A running misbehaving server; stops when dropped.
pub struct FaultyServer {
    /// Base URL (`http://127.0.0.1:port` or `https://...`).
    pub url: String,
    /// The port.
    pub port: u16,
    /// What it saw.
    pub counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultyServer {
    /// Wait until every connection has been closed and fully served, so that the counts are
    /// final (the server's tasks may trail the client's last request a little).
    pub async fn quiesce(&self) {
        let start = std::time::Instant::now();
        while self.counts.live.load(Ordering::SeqCst) > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "connections still open on the server"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Start a server on a free loopback port.
pub async fn start(options: FaultyOptions) -> FaultyServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let host = if options.localhost {
        "localhost"
    } else {
        "127.0.0.1"
    };
    let url = format!("{scheme}://{host}:{port}");
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    let options = Arc::new(options);
    let task = tokio::spawn(async move {
        let mut index = 0u64;
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            index += 1;
            c.connections.fetch_add(1, Ordering::SeqCst);
            c.live.fetch_add(1, Ordering::SeqCst);
            let _ = tcp.set_nodelay(true);
            let fd = tcp.as_raw_fd();
            let rng = SmallRng::seed_from_u64(options.seed ^ index.wrapping_mul(0x9E37_79B9));
            let (c, options) = (c.clone(), options.clone());
            tokio::spawn(async move {
                let _live = Live(&c.live);
                match &options.tls {
                    None => serve(tcp, fd, rng, &c, &options).await,
                    Some(config) => {
                        let accepted = TlsAcceptor::from(config.clone()).accept(tcp).await;
                        let Ok(tls) = accepted else {
                            c.handshake_failures.fetch_add(1, Ordering::SeqCst);
                            return;
                        };
                        {
                            let session = tls.get_ref().1;
                            c.handshakes.fetch_add(1, Ordering::SeqCst);
                            if session.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
                                c.resumed.fetch_add(1, Ordering::SeqCst);
                            }
                            if let Some(name) = session.server_name() {
                                c.sni.lock().unwrap().push(name.to_string());
                            }
                        }
                        serve(tls, fd, rng, &c, &options).await;
                    }
                }
            });
        }
    });
    FaultyServer {
        url,
        port,
        counts,
        task,
    }
}

/// Counts a connection as live until dropped (however its task ends).
struct Live<'a>(&'a AtomicU64);

impl Drop for Live<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What reading the next request gave.
enum Next {
    Request,
    Closed,
    Idle,
}

/// Read one request (head and `Content-Length` body) into nothing; `buf` keeps what follows.
async fn read_request<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    idle: Option<Duration>,
) -> Next {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let read = s.read(&mut chunk);
        let n = match (idle, buf.is_empty()) {
            (Some(t), true) => match tokio::time::timeout(t, read).await {
                Ok(r) => r,
                Err(_) => return Next::Idle,
            },
            _ => read.await,
        };
        match n {
            Ok(0) | Err(_) => return Next::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return Next::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf.drain(..head_end + length);
    Next::Request
}

fn set_int_option(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) {
    // SAFETY: a valid descriptor (owned by the stream still alive) and an int option value.
    unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            std::ptr::addr_of!(value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// Make the next close a reset (RST) instead of a FIN.
fn reset_on_close(fd: RawFd) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid descriptor and a `linger` value.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            std::ptr::addr_of!(linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Hold what is written until the close, which then leaves with it in one segment.
fn cork(fd: RawFd) {
    set_int_option(fd, libc::IPPROTO_TCP, libc::TCP_CORK, 1);
}

const BODY: &str = r#"{"status":"APPROVED","locator":"ABC123"}"#;

fn ok_response(extra: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n{BODY}",
        BODY.len()
    )
}

async fn send<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> bool {
    s.write_all(bytes).await.is_ok() && s.flush().await.is_ok()
}

/// A clean close: TLS close_notify (if TLS) and FIN.
async fn close_cleanly<S: AsyncWrite + Unpin>(s: &mut S) {
    let _ = s.shutdown().await;
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    fd: RawFd,
    mut rng: SmallRng,
    counts: &Counts,
    options: &FaultyOptions,
) {
    let total: u32 = options.mix.iter().map(|(_, w)| w).sum();
    let mut buf = Vec::new();
    loop {
        match read_request(&mut s, &mut buf, options.idle_close).await {
            Next::Request => {}
            Next::Closed => return,
            Next::Idle => {
                counts.idle_closes.fetch_add(1, Ordering::SeqCst);
                close_cleanly(&mut s).await;
                // Anything arriving now crossed the close on the wire.
                let mut probe = [0u8; 1024];
                let late = tokio::time::timeout(Duration::from_millis(300), s.read(&mut probe));
                if let Ok(Ok(n)) = late.await {
                    if n > 0 {
                        counts.arrived_after_close.fetch_add(1, Ordering::SeqCst);
                    }
                }
                return;
            }
        }
        counts.read.fetch_add(1, Ordering::SeqCst);
        let mut pick = rng.random_range(0..total);
        let behaviour = options
            .mix
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|(b, _)| *b)
            .unwrap_or(Behaviour::WellFormed);
        *counts
            .behaviours
            .lock()
            .unwrap()
            .entry(behaviour)
            .or_insert(0) += 1;
        let keep = match behaviour {
            Behaviour::WellFormed => send(&mut s, ok_response("").as_bytes()).await,
            Behaviour::Chunked => {
                let (a, b) = BODY.split_at(10);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                    a.len(),
                    b.len()
                );
                send(&mut s, reply.as_bytes()).await
            }
            Behaviour::Trickle => {
                let reply = ok_response("x-trickle: yes\r\n");
                let bytes = reply.as_bytes();
                let mut ok = true;
                for piece in bytes.chunks(bytes.len() / 4 + 1) {
                    ok = ok && send(&mut s, piece).await;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                ok
            }
            Behaviour::Interim => {
                let reply = format!(
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n{}",
                    ok_response("")
                );
                send(&mut s, reply.as_bytes()).await
            }
            Behaviour::ConnectionClose => {
                if send(&mut s, ok_response("connection: close\r\n").as_bytes()).await {
                    close_cleanly(&mut s).await;
                }
                false
            }
            Behaviour::Http10 => {
                let reply =
                    format!("HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{BODY}");
                if send(&mut s, reply.as_bytes()).await {
                    close_cleanly(&mut s).await;
                }
                false
            }
            Behaviour::CloseAfterAnswer => {
                cork(fd);
                if send(&mut s, ok_response("").as_bytes()).await {
                    close_cleanly(&mut s).await;
                }
                false
            }
            Behaviour::ServerError => {
                let code = if rng.random_range(0..2) == 0 {
                    "500 Internal Server Error"
                } else {
                    "503 Service Unavailable"
                };
                let reply = format!(
                    "HTTP/1.1 {code}\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\noops"
                );
                send(&mut s, reply.as_bytes()).await
            }
            Behaviour::ResetAfterRead => {
                reset_on_close(fd);
                false
            }
            Behaviour::CloseWithoutAnswer => false,
            Behaviour::Garbage => {
                let _ = send(&mut s, b"SSH-2.0-OpenSSH_9.2 what is this\r\n\r\n").await;
                false
            }
            Behaviour::BrokenChunked => {
                let reply =
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz;\r\n";
                let _ = send(&mut s, reply.as_bytes()).await;
                false
            }
            Behaviour::TruncatedBody => {
                let reply = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789";
                let _ = send(&mut s, reply.as_bytes()).await;
                false
            }
            Behaviour::ConflictingLength => {
                let reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nokk";
                let _ = send(&mut s, reply.as_bytes()).await;
                false
            }
            Behaviour::Stall => {
                // Hold the connection (reading nothing it could answer) until the client
                // gives up; bounded, so the test cannot hang on it.
                let mut sink = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(60), async {
                    loop {
                        match s.read(&mut sink).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                    }
                })
                .await;
                false
            }
        };
        if !keep {
            return;
        }
    }
}
