//! Test harness: a counting HTTP server, child processes of the demo binary with their output
//! collected line by line (with arrival times), a TCP proxy that can cut its connections, and
//! free loopback ports.

#![allow(dead_code)]

pub mod demo;

use std::io::{BufRead, BufReader};
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The demo binary (single process, master or worker).
pub const DEMO: &str = env!("CARGO_BIN_EXE_milmove-cluster-demo");

/// Child-process tests run one at a time (each runs several processes on a 2-core machine).
pub static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP server on loopback that counts every request and remembers when the last came.
pub struct CountingServer {
    pub url: String,
    count: Arc<AtomicU64>,
    /// Per client IP: requests and the latest arrival (ns after `epoch`).
    by_peer: Arc<Mutex<std::collections::HashMap<std::net::IpAddr, (u64, u64)>>>,
    /// Nanoseconds after `epoch` of the latest request.
    last_ns: Arc<AtomicU64>,
    epoch: Instant,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl CountingServer {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> Self {
        use axum::extract::{ConnectInfo, State};
        let by_peer = Arc::new(Mutex::new(std::collections::HashMap::new()));
        let count = Arc::new(AtomicU64::new(0));
        let last_ns = Arc::new(AtomicU64::new(0));
        let epoch = Instant::now();
        #[derive(Clone)]
        struct S {
            count: Arc<AtomicU64>,
            last_ns: Arc<AtomicU64>,
            epoch: Instant,
            by_peer: Arc<Mutex<std::collections::HashMap<std::net::IpAddr, (u64, u64)>>>,
        }
        async fn any(
            State(s): State<S>,
            ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
        ) -> &'static str {
            s.count.fetch_add(1, Ordering::SeqCst);
            let ns = s.epoch.elapsed().as_nanos() as u64;
            s.last_ns.fetch_max(ns, Ordering::SeqCst);
            let mut m = s.by_peer.lock().unwrap();
            let e = m.entry(peer.ip()).or_insert((0, 0));
            e.0 += 1;
            e.1 = e.1.max(ns);
            "ok"
        }
        let app = axum::Router::new().fallback(any).with_state(S {
            count: count.clone(),
            last_ns: last_ns.clone(),
            epoch,
            by_peer: by_peer.clone(),
        });
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self {
            url,
            count,
            by_peer,
            last_ns,
            epoch,
            shutdown: Some(tx),
        }
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Requests from `ip` and when the latest of them arrived.
    pub fn requests_from(&self, ip: std::net::IpAddr) -> (u64, Option<Instant>) {
        let m = self.by_peer.lock().unwrap();
        m.get(&ip).map_or((0, None), |&(n, ns)| {
            (n, Some(self.epoch + Duration::from_nanos(ns)))
        })
    }

    /// Requests per client IP (for failure messages).
    #[allow(dead_code)]
    pub fn per_peer(&self) -> Vec<(std::net::IpAddr, u64)> {
        let m = self.by_peer.lock().unwrap();
        m.iter().map(|(ip, &(n, _))| (*ip, n)).collect()
    }

    /// When the latest request arrived.
    pub fn last_request_at(&self) -> Option<Instant> {
        let ns = self.last_ns.load(Ordering::SeqCst);
        (ns > 0).then(|| self.epoch + Duration::from_nanos(ns))
    }
}

impl Drop for CountingServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A child process whose stdout and stderr lines are collected as they arrive.
pub struct Proc {
    pub name: String,
    child: Child,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Proc {
    pub fn spawn(name: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn_with(name, Command::new(DEMO).args(args), env)
    }

    /// Spawns `cmd` (e.g. `ip netns exec NS demo ...`).
    pub fn spawn_with(name: &str, cmd: &mut Command, env: &[(&str, &str)]) -> Self {
        cmd.env_remove("MILMOVE_LOAD_CLUSTER_TOKEN")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn the demo binary");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for pipe in [
            Box::new(out) as Box<dyn std::io::Read + Send>,
            Box::new(err),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push((Instant::now(), line));
                }
            });
        }
        Self {
            name: name.to_owned(),
            child,
            lines,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn output(&self) -> String {
        let l = self.lines.lock().unwrap();
        l.iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first line containing `needle`, with its arrival time.
    pub fn find(&self, needle: &str) -> Option<(Instant, String)> {
        let l = self.lines.lock().unwrap();
        l.iter().find(|(_, s)| s.contains(needle)).cloned()
    }

    /// Waits for a line containing `needle`.
    pub fn wait_line(&self, needle: &str, timeout: Duration) -> (Instant, String) {
        let until = Instant::now() + timeout;
        loop {
            if let Some(found) = self.find(needle) {
                return found;
            }
            assert!(
                Instant::now() < until,
                "{}: no line with `{needle}` within {timeout:?}; output:\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGINT (Ctrl-C).
    pub fn interrupt(&self) {
        // SAFETY: kill(2) with a pid this process spawned and a valid signal number.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for the exit, killing the process (and failing) after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let until = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_exit() {
                // Let the reader threads drain the pipes.
                std::thread::sleep(Duration::from_millis(50));
                return s;
            }
            if Instant::now() >= until {
                self.kill9();
                panic!(
                    "{} did not exit within {timeout:?}; output:\n{}",
                    self.name,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn assert_no_panic(&self) {
        let out = self.output();
        assert!(!out.contains("panicked"), "{} panicked:\n{out}", self.name);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy on loopback whose connections can be cut (the processes stay up).
pub struct CuttableProxy {
    pub port: u16,
    generation: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    pub async fn start(target_port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let generation = Arc::new(AtomicU64::new(0));
        let g = generation.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let g = g.clone();
                let mine = g.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target_port)).await
                    else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    let cut = async {
                        while g.load(Ordering::SeqCst) == mine {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    };
                    tokio::select! { _ = copy => {}, _ = cut => {} }
                });
            }
        });
        Self {
            port,
            generation,
            task,
        }
    }

    /// Drops every connection open now (new ones are accepted as before).
    pub fn cut(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a JSON file.
pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Arguments of a worker of the demo, connecting to `port`.
pub fn worker_args(port: u16) -> Vec<String> {
    vec!["--worker".into(), "--master-port".into(), port.to_string()]
}
