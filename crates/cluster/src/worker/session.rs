//! The worker's connection loop: connect (retrying), say hello, resend what was not
//! acknowledged, then serve the session until it ends; the heartbeat/delta ticker and the
//! master watchdog run beside it for the whole life of the worker.

use super::state::{Core, Worker};
use super::{ClassFactory, WorkerConfig, WorkerExit};
use crate::error::ClusterError;
use crate::proto::{pb, worker_msg, PROTOCOL_VERSION};
use crate::sysstat::CpuMeter;
use parking_lot::Mutex;
use pb::master_message::Kind as M;
use pb::worker_message::Kind as W;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

/// The error and its sources, on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

enum SessionEnd {
    /// Try again.
    Retry(String),
    Quit(String),
    Fatal(ClusterError),
}

pub(crate) async fn run(
    config: WorkerConfig,
    factory: ClassFactory,
) -> Result<WorkerExit, ClusterError> {
    let id = config.worker_id.clone().unwrap_or_else(|| {
        format!(
            "{}_{}_{:04x}",
            crate::local_host_name(),
            std::process::id(),
            rand::random::<u16>()
        )
    });
    let host_text = if config.master_host.contains(':') {
        format!("[{}]", config.master_host.trim_matches(['[', ']']))
    } else {
        config.master_host.clone()
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{host_text}:{}", config.master_port);
    let mut endpoint = Endpoint::from_shared(url.clone())
        .map_err(|e| ClusterError::Config(format!("invalid master address {url}: {}", chain(&e))))?
        .connect_timeout(config.connect_timeout)
        .tcp_nodelay(true);
    if let Some(tls) = &config.tls {
        endpoint = endpoint
            .tls_config(tls.client_config(config.master_host.trim_matches(['[', ']'])))
            .map_err(|e| ClusterError::Tls(chain(&e)))?;
    }
    let worker = Arc::new(Worker {
        core: Arc::new(Mutex::new(Core {
            id: id.clone(),
            seq: 0,
            unacked: VecDeque::new(),
            session: None,
            test: None,
            stopped: VecDeque::new(),
            last_master: Instant::now(),
            runs: 0,
            cpu: CpuMeter::new(),
        })),
        config,
        factory,
    });
    let background = spawn_background(worker.clone());
    tracing::info!("worker {id}: joining the master at {url}");
    let mut failures = 0u64;
    let result = loop {
        match session(&worker, &endpoint, &url).await {
            SessionEnd::Retry(why) => {
                worker
                    .config
                    .readiness
                    .set_not_ready(&format!("not connected to the master at {url}: {why}"));
                failures += 1;
                if failures == 1 || failures.is_multiple_of(10) {
                    tracing::warn!(
                        "master at {url}: {why}; retrying every {:.0} s",
                        worker.config.retry_interval.as_secs_f64()
                    );
                } else {
                    tracing::debug!("master at {url}: {why}");
                }
                tokio::time::sleep(worker.config.retry_interval).await;
            }
            SessionEnd::Quit(reason) => {
                worker.config.readiness.set_not_ready(&reason);
                break Ok(WorkerExit::Quit(reason));
            }
            SessionEnd::Fatal(e) => break Err(e),
        }
    };
    worker.quit().await;
    for t in background {
        t.abort();
    }
    result
}

fn spawn_background(worker: Arc<Worker>) -> Vec<tokio::task::JoinHandle<()>> {
    let ticker = {
        let worker = worker.clone();
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(worker.config.heartbeat_interval);
            let mut delta = tokio::time::interval(worker.config.delta_interval);
            delta.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = beat.tick() => {
                        let mut core = worker.core.lock();
                        let hb = core.heartbeat();
                        core.send(hb);
                    }
                    _ = delta.tick() => worker.core.lock().flush_delta(),
                }
            }
        })
    };
    let watchdog = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            worker.check_master();
        }
    });
    vec![ticker, watchdog]
}

async fn session(worker: &Arc<Worker>, endpoint: &Endpoint, url: &str) -> SessionEnd {
    let config = &worker.config;
    let host = config.master_host.trim_matches(['[', ']']);
    if let Err(e) = tokio::net::lookup_host((host, config.master_port)).await {
        return SessionEnd::Retry(format!("cannot resolve the master host `{host}`: {e}"));
    }
    let channel: Channel = match endpoint.connect().await {
        Ok(c) => c,
        Err(e) => return SessionEnd::Retry(format!("cannot connect: {}", chain(&e))),
    };
    let mut client = pb::cluster_client::ClusterClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    let (tx, rx) = mpsc::unbounded_channel();
    let hello = {
        let core = worker.core.lock();
        pb::Hello {
            protocol_version: PROTOCOL_VERSION,
            worker_id: core.id.clone(),
            host: crate::local_host_name(),
            token: config.token.clone().unwrap_or_default(),
            classes: config.classes.clone(),
            pid: std::process::id(),
            last_sent_seq: core.seq,
        }
    };
    let _ = tx.send(worker_msg(W::Hello(hello)));
    let joined = tokio::time::timeout(
        config.master_timeout,
        client.join(UnboundedReceiverStream::new(rx)),
    )
    .await;
    let mut inbound = match joined {
        Err(_) => return SessionEnd::Retry("no answer to hello".into()),
        Ok(Ok(r)) => r.into_inner(),
        Ok(Err(status)) => {
            return match status.code() {
                Code::PermissionDenied
                | Code::Unauthenticated
                | Code::FailedPrecondition
                | Code::InvalidArgument => SessionEnd::Fatal(ClusterError::Refused {
                    master: url.to_owned(),
                    reason: status.message().to_owned(),
                }),
                _ => SessionEnd::Retry(format!(
                    "join failed: {} ({:?})",
                    status.message(),
                    status.code()
                )),
            }
        }
    };
    let welcome = match tokio::time::timeout(config.master_timeout, inbound.message()).await {
        Ok(Ok(Some(pb::MasterMessage {
            kind: Some(M::Welcome(w)),
        }))) => w,
        Ok(Ok(Some(_))) => {
            return SessionEnd::Retry("the master did not start with Welcome".into())
        }
        Ok(Ok(None)) => return SessionEnd::Retry("the master closed the stream".into()),
        Ok(Err(s)) => return SessionEnd::Retry(format!("stream error: {}", s.message())),
        Err(_) => return SessionEnd::Retry("no welcome from the master".into()),
    };
    if welcome.protocol_version != PROTOCOL_VERSION {
        return SessionEnd::Fatal(ClusterError::VersionMismatch {
            role: "worker",
            peer: "master",
            ours: PROTOCOL_VERSION,
            theirs: welcome.protocol_version,
        });
    }
    {
        let mut core = worker.core.lock();
        core.last_master = Instant::now();
        core.ack(welcome.acked_seq);
        for d in &core.unacked {
            let _ = tx.send(worker_msg(W::Delta(d.clone())));
        }
        let resent = core.unacked.len();
        for stopped in &core.stopped {
            let _ = tx.send(worker_msg(W::Stopped(stopped.clone())));
        }
        core.session = Some(tx);
        worker.config.readiness.set_ready();
        tracing::info!(
            "connected to the master {} as worker #{} ({resent} unacknowledged deltas resent)",
            welcome.master_id,
            welcome.worker_index
        );
    }
    let end = serve(worker, &mut inbound).await;
    worker.core.lock().session = None;
    end
}

async fn serve(
    worker: &Arc<Worker>,
    inbound: &mut tonic::Streaming<pb::MasterMessage>,
) -> SessionEnd {
    loop {
        let silent = worker.core.lock().last_master.elapsed();
        let left = worker.config.master_timeout.saturating_sub(silent);
        let msg = match tokio::time::timeout(left, inbound.message()).await {
            Err(_) => {
                return SessionEnd::Retry(format!(
                    "heard nothing for {:.1} s",
                    worker.config.master_timeout.as_secs_f64()
                ))
            }
            Ok(Ok(Some(m))) => m,
            Ok(Ok(None)) => return SessionEnd::Retry("the master closed the connection".into()),
            Ok(Err(s)) => return SessionEnd::Retry(format!("connection lost: {}", s.message())),
        };
        worker.core.lock().last_master = Instant::now();
        match msg.kind {
            Some(M::Share(s)) => {
                let prepared = match &worker.config.prepare {
                    Some(prepare) if worker.needs_runner(&s) => {
                        let params = s.params.clone().unwrap_or_default();
                        let built =
                            (prepare.0)(super::state::settings(&params, s.arrival_rate)).await;
                        // Heartbeats kept arriving while the classes were built.
                        worker.core.lock().last_master = Instant::now();
                        match built {
                            Ok(p) => Some(p),
                            Err(e) => {
                                tracing::error!(
                                    "cannot build the user classes of test {}: {e}",
                                    s.test_id
                                );
                                continue;
                            }
                        }
                    }
                    _ => None,
                };
                worker.share(s, prepared)
            }
            Some(M::Stop(s)) => worker.stop(&s),
            Some(M::Ack(a)) => worker.core.lock().ack(a.seq),
            Some(M::Reset(r)) => worker.reset(&r),
            Some(M::Quit(q)) => {
                tracing::info!("the master says quit: {}", q.reason);
                return SessionEnd::Quit(q.reason);
            }
            Some(M::Heartbeat(_)) | Some(M::Welcome(_)) | None => {}
        }
    }
}
