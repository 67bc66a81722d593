//! The master role: listens for workers, shares a test's users out over them (rebalancing when
//! one joins or is lost), merges their statistics deltas into one [`StatsHub`], and stops them
//! all however the test ends. It runs no users itself.
//!
//! [`Master`] is the library handle; [`crate::headless`] drives it from the command line.

mod core;
mod registry;
mod service;
mod status;
mod types;

pub use registry::{WorkerInfo, WorkerState};
pub use types::{
    MasterConfig, MasterEvent, MasterPhase, MasterStatus, TestPlan, DEFAULT_MASTER_PORT,
};

use crate::error::ClusterError;
use crate::proto::{master_msg, pb};
use core::{Shared, State, Test};
use milmove_runner::stats::StatsHub;
use milmove_runner::DispatchClass;
use parking_lot::Mutex;
use pb::master_message::Kind as M;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

/// A running master. Cheap to clone; every clone controls the same master.
#[derive(Clone)]
pub struct Master {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    shutdown: Arc<Mutex<Option<oneshot::Sender<()>>>>,
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Master {
    /// Listens on the configured address and starts serving workers. `catalog` lists the user
    /// classes (after the tag filter) with their weights, as the workers will run them.
    /// Must be called inside a tokio runtime.
    pub async fn bind(
        config: MasterConfig,
        catalog: Vec<DispatchClass>,
    ) -> Result<Self, ClusterError> {
        if config.token.as_deref().is_none_or(str::is_empty) && !is_loopback(&config.bind_host) {
            return Err(ClusterError::Config(format!(
                "the master would listen on {} without a cluster token: set \
                 MILMOVE_LOAD_CLUSTER_TOKEN (workers must present the same) or bind 127.0.0.1",
                config.bind_host
            )));
        }
        if catalog.is_empty() {
            return Err(ClusterError::Config("no user class to dispatch".into()));
        }
        let host = config.bind_host.trim_matches(['[', ']']).to_string();
        let listener = tokio::net::TcpListener::bind((host.as_str(), config.bind_port))
            .await
            .map_err(|source| ClusterError::Bind {
                addr: format!("{}:{}", config.bind_host, config.bind_port),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ClusterError::Bind {
            addr: format!("{}:{}", config.bind_host, config.bind_port),
            source,
        })?;
        let mut builder = tonic::transport::Server::builder();
        if let Some(tls) = &config.tls {
            builder = builder
                .tls_config(tls.server_config())
                .map_err(|e| ClusterError::Tls(e.to_string()))?;
        }
        let master_id = format!(
            "{}_{}_{:04x}",
            crate::local_host_name(),
            std::process::id(),
            rand::random::<u16>()
        );
        let shared = Arc::new(Shared {
            stats: Mutex::new(Arc::new(StatsHub::new(config.stats.clone()))),
            config,
            master_id,
            catalog,
            state: Mutex::new(State {
                workers: BTreeMap::new(),
                next_index: 0,
                next_session: 0,
                next_test: 1,
                last_stop_id: 0,
                test: None,
                cut_requests: 0,
                cut_users: 0,
            }),
            events: broadcast::channel(256).0,
            changed: watch::channel(0).0,
            shutting_down: std::sync::atomic::AtomicBool::new(false),
        });
        let service = pb::cluster_server::ClusterServer::new(service::ClusterService {
            shared: shared.clone(),
        })
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let server = builder
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stop_rx.await;
            });
        let mut tasks = vec![tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::error!("master server on {addr} failed: {e}");
            }
        })];
        let s = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut beat = tokio::time::interval(s.config.heartbeat_interval);
            let mut live = tokio::time::interval(Duration::from_millis(200));
            loop {
                tokio::select! {
                    _ = beat.tick() => s.heartbeat(),
                    _ = live.tick() => s.check_liveness(),
                }
            }
        }));
        tracing::info!("master listening on {addr} for workers");
        Ok(Self {
            shared,
            addr,
            tasks: Arc::new(Mutex::new(tasks)),
            shutdown: Arc::new(Mutex::new(Some(stop_tx))),
        })
    }

    /// The address the master listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A receiver that changes at every registry or test change (joins, losses, shares,
    /// stops).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.changed.subscribe()
    }

    /// The classes and default weights the master dispatches (its catalogue).
    pub fn catalog(&self) -> &[DispatchClass] {
        &self.shared.catalog
    }

    /// The merged statistics of the current (or last) test.
    pub fn stats(&self) -> Arc<StatsHub> {
        self.shared.stats.lock().clone()
    }

    /// Events (joins, losses, refusals, CPU warnings) from now on.
    pub fn events(&self) -> broadcast::Receiver<MasterEvent> {
        self.shared.events.subscribe()
    }

    /// Every worker ever registered, lost ones included, in order of arrival.
    pub fn workers(&self) -> Vec<WorkerInfo> {
        let st = self.shared.state.lock();
        let mut v: Vec<WorkerInfo> = st.workers.values().map(|w| w.info.clone()).collect();
        v.sort_by_key(|w| w.index);
        v
    }

    /// Workers that are not lost.
    pub fn worker_count(&self) -> usize {
        let st = self.shared.state.lock();
        st.workers.values().filter(|w| !w.is_lost()).count()
    }

    /// Waits until at least `n` workers are connected; with `max_wait`, gives up after it.
    pub async fn wait_for_workers(
        &self,
        n: usize,
        max_wait: Option<Duration>,
    ) -> Result<(), ClusterError> {
        let mut changed = self.shared.changed.subscribe();
        let deadline = max_wait.map(|d| Instant::now() + d);
        loop {
            let connected = {
                let st = self.shared.state.lock();
                st.workers
                    .values()
                    .filter(|w| w.session.is_some() && !w.is_lost())
                    .count()
            };
            if connected >= n {
                return Ok(());
            }
            let wait = changed.changed();
            match deadline {
                Some(d) => {
                    if tokio::time::timeout_at(d.into(), wait).await.is_err() {
                        return Err(ClusterError::Workers(format!(
                            "only {connected} of {n} expected workers connected within {:.0} s \
                             (--expect-workers-max-wait)",
                            max_wait.unwrap_or_default().as_secs_f64()
                        )));
                    }
                }
                None => {
                    let _ = wait.await;
                }
            }
        }
    }

    /// Starts a test on the workers (a new test gets fresh statistics). Returns its id.
    pub fn start(&self, plan: &TestPlan) -> Result<u64, ClusterError> {
        if let Some(r) = plan.arrival_rate {
            if !(r > 0.0 && r.is_finite()) {
                return Err(ClusterError::Config(format!(
                    "arrival rate must be > 0 iterations/s, got {r}"
                )));
            }
        }
        let classes = plan
            .classes
            .clone()
            .unwrap_or_else(|| self.shared.catalog.clone());
        if classes
            .iter()
            .all(|c| c.weight == 0 && c.fixed_count.is_none())
        {
            return Err(ClusterError::Config("no user class to dispatch".into()));
        }
        let hub = Arc::new(StatsHub::new(self.shared.config.stats.clone()));
        let mut st = self.shared.state.lock();
        if st.test.as_ref().is_some_and(|t| t.running) {
            return Err(ClusterError::Config(
                "a test is already running; stop it first".into(),
            ));
        }
        *self.shared.stats.lock() = hub;
        let id = st.next_test;
        st.next_test += 1;
        st.cut_requests = 0;
        st.cut_users = 0;
        for w in st.workers.values_mut() {
            w.info.requests_reported = 0;
            w.info.possibly_missing_requests = 0;
            w.info.deltas_applied = 0;
            w.recent.clear();
            w.last_share = None;
            w.stopped_stop_id = 0;
            w.stopped_runs.clear();
        }
        let params = pb::TestParams {
            host: plan.host.clone().unwrap_or_default(),
            tags: plan.tags.clone(),
            exclude_tags: plan.exclude_tags.clone(),
            seed: plan.seed,
            stop_timeout_s: plan.stop_timeout.as_secs_f64(),
            request_timeout_s: plan.request_timeout.map(|d| d.as_secs_f64()),
            connect_timeout_s: plan.connect_timeout.map(|d| d.as_secs_f64()),
            insecure: plan.insecure,
            first_user_id: 1,
        };
        // Arrival-rate mode starts its pool of users at once, as a single process does.
        let spawn_rate = if plan.arrival_rate.is_some() {
            0.0
        } else {
            plan.spawn_rate
        };
        st.test = Some(Test {
            id,
            params,
            users: plan.users,
            spawn_rate,
            arrival_rate: plan.arrival_rate,
            running: true,
            stop_id: 0,
            users_at_stop: BTreeMap::new(),
            epoch: 0,
            started: Instant::now(),
            classes,
        });
        let workers = st.workers.values().filter(|w| !w.is_lost()).count();
        tracing::info!(
            "test {id}: {} users at {} users/s over {workers} workers",
            plan.users,
            plan.spawn_rate
        );
        self.shared.rebalance(&mut st);
        drop(st);
        self.shared.bump();
        Ok(id)
    }

    /// Changes the user count and spawn rate of the running test (shares move live).
    pub fn set_users(&self, users: usize, spawn_rate: f64) {
        let mut st = self.shared.state.lock();
        if let Some(t) = st.test.as_mut().filter(|t| t.running) {
            t.users = users;
            if t.arrival_rate.is_none() {
                t.spawn_rate = spawn_rate;
            }
            self.shared.rebalance(&mut st);
        }
    }

    /// Zeroes the merged statistics; workers drop what they recorded before they heard of it.
    pub fn reset_stats(&self) {
        let mut st = self.shared.state.lock();
        let Some(t) = st.test.as_mut() else { return };
        t.epoch += 1;
        let msg = master_msg(M::Reset(pb::Reset {
            test_id: t.id,
            epoch: t.epoch,
        }));
        self.shared.stats.lock().reset();
        self.shared.broadcast(&st, &msg);
        for w in st.workers.values_mut() {
            w.info.requests_reported = 0;
            w.last_share = None;
        }
        self.shared.rebalance(&mut st);
    }

    /// Tells every worker to stop the test (`now`: cut tasks in flight at once) and waits up to
    /// `timeout` for each worker that is not lost to report its last figures. Returns the
    /// ids of the workers that did not report in time.
    pub async fn stop(&self, now: bool, timeout: Duration) -> Vec<String> {
        let (test_id, stop_id) = {
            let mut st = self.shared.state.lock();
            if st.test.is_none() {
                return Vec::new();
            }
            st.last_stop_id += 1;
            let stop_id = st.last_stop_id;
            let Some(t) = st.test.as_mut() else {
                return Vec::new();
            };
            t.stop_id = stop_id;
            let id = t.id;
            if t.running {
                t.running = false;
                let mut by_class = BTreeMap::new();
                for w in st.workers.values().filter(|w| !w.is_lost()) {
                    for (c, n) in &w.info.users_by_class {
                        *by_class.entry(c.clone()).or_insert(0) += n;
                    }
                }
                if let Some(t) = st.test.as_mut() {
                    t.users_at_stop = by_class;
                }
            }
            let msg = master_msg(M::Stop(pb::Stop {
                test_id: id,
                now,
                stop_id,
            }));
            self.shared.broadcast(&st, &msg);
            (id, stop_id)
        };
        self.shared.bump();
        let deadline = Instant::now() + timeout;
        let mut changed = self.shared.changed.subscribe();
        let mut resent = Instant::now();
        loop {
            let pending: Vec<String> = {
                let st = self.shared.state.lock();
                // A worker that reconnected after the stop was sent hears it again.
                if resent.elapsed() >= Duration::from_millis(500) {
                    let msg = master_msg(M::Stop(pb::Stop {
                        test_id,
                        now,
                        stop_id,
                    }));
                    for w in st.workers.values() {
                        if w.stopped_stop_id != stop_id {
                            if let Some(s) = &w.session {
                                s.send(msg.clone());
                            }
                        }
                    }
                    resent = Instant::now();
                }
                st.workers
                    .values()
                    .filter(|w| !w.is_lost() && w.stopped_stop_id != stop_id)
                    .map(|w| w.info.id.clone())
                    .collect()
            };
            if pending.is_empty() || Instant::now() >= deadline {
                if !pending.is_empty() {
                    tracing::warn!(
                        "{} workers did not report their end in time: {}",
                        pending.len(),
                        pending.join(", ")
                    );
                }
                return pending;
            }
            let _ = tokio::time::timeout(Duration::from_millis(500), changed.changed()).await;
        }
    }

    /// Users per class over the workers that were not lost, when the stop was sent.
    pub fn users_by_class_at_stop(&self) -> BTreeMap<String, u64> {
        let st = self.shared.state.lock();
        st.test
            .as_ref()
            .map(|t| t.users_at_stop.clone())
            .unwrap_or_default()
    }

    /// Tells every worker to quit (they stop their users first) and stops listening.
    pub async fn shutdown(&self, reason: &str) {
        self.shared
            .shutting_down
            .store(true, std::sync::atomic::Ordering::Relaxed);
        {
            let st = self.shared.state.lock();
            let msg = master_msg(M::Quit(pb::Quit {
                reason: reason.to_owned(),
            }));
            self.shared.broadcast(&st, &msg);
        }
        // Let the quit messages leave before the connections close.
        tokio::time::sleep(Duration::from_millis(200)).await;
        {
            let mut st = self.shared.state.lock();
            for w in st.workers.values_mut() {
                w.close_session();
            }
        }
        if let Some(tx) = self.shutdown.lock().take() {
            let _ = tx.send(());
        }
        let tasks: Vec<JoinHandle<()>> = self.tasks.lock().drain(..).collect();
        for t in tasks {
            t.abort();
        }
    }
}
