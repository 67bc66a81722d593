//! The protocol against a master in this process, through raw gRPC clients: version
//! refusals both ways, duplicates dropped, acknowledgements across reconnects, TLS.

use milmove_cluster::proto::{delta_to_pb, pb, PROTOCOL_VERSION};
use milmove_cluster::{
    run_worker, ClusterError, Master, MasterConfig, MasterTls, TestPlan, TestSettings,
    WorkerConfig, WorkerTls,
};
use milmove_runner::stats::{RequestRecord, StatsHub};
use milmove_runner::{DispatchClass, TaskResult, User, UserClass};
use pb::master_message::Kind as M;
use pb::worker_message::Kind as W;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

fn catalog() -> Vec<DispatchClass> {
    vec![DispatchClass {
        name: "Web".into(),
        weight: 1,
        fixed_count: None,
    }]
}

async fn master(config: MasterConfig) -> Master {
    Master::bind(
        MasterConfig {
            bind_port: 0,
            ..config
        },
        catalog(),
    )
    .await
    .unwrap()
}

fn hello(id: &str, version: u32) -> pb::WorkerMessage {
    pb::WorkerMessage {
        kind: Some(W::Hello(pb::Hello {
            protocol_version: version,
            worker_id: id.into(),
            host: "test".into(),
            token: String::new(),
            classes: vec!["Web".into()],
            pid: 1,
            last_sent_seq: 0,
        })),
    }
}

struct Raw {
    tx: mpsc::UnboundedSender<pb::WorkerMessage>,
    rx: tonic::Streaming<pb::MasterMessage>,
}

async fn join(port: u16, first: pb::WorkerMessage) -> Result<Raw, tonic::Status> {
    let mut client = pb::cluster_client::ClusterClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(first).unwrap();
    let resp = client.join(UnboundedReceiverStream::new(rx)).await?;
    Ok(Raw {
        tx,
        rx: resp.into_inner(),
    })
}

impl Raw {
    /// The next message of a kind `pick` accepts (others are skipped).
    async fn next<T>(&mut self, mut pick: impl FnMut(M) -> Option<T>) -> T {
        let fut = async {
            loop {
                let m = self.rx.message().await.unwrap().unwrap();
                if let Some(t) = m.kind.and_then(&mut pick) {
                    return t;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), fut)
            .await
            .expect("message in time")
    }

    fn delta(&self, seq: u64, test_id: u64, requests: u64) {
        let hub = StatsHub::default();
        for i in 0..requests {
            hub.record(RequestRecord::new("GET", "/", 100 + i));
        }
        let d = delta_to_pb(&hub.take_delta("raw"));
        self.tx
            .send(pb::WorkerMessage {
                kind: Some(W::Delta(pb::Delta {
                    seq,
                    test_id,
                    epoch: 0,
                    stats: Some(d),
                })),
            })
            .unwrap();
    }
}

#[tokio::test]
async fn a_worker_of_another_version_is_refused_clearly() {
    let m = master(MasterConfig::default()).await;
    let err = join(m.local_addr().port(), hello("old", PROTOCOL_VERSION + 1))
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assert!(
        err.message().contains("protocol version mismatch")
            && err
                .message()
                .contains(&format!("speaks version {}", PROTOCOL_VERSION + 1)),
        "{}",
        err.message()
    );
    // Something that is no Hello at all.
    let hb = pb::WorkerMessage {
        kind: Some(W::Heartbeat(Default::default())),
    };
    let err = join(m.local_addr().port(), hb)
        .await
        .err()
        .expect("refused");
    assert!(err.message().contains("first message must be Hello"));
    m.shutdown("done").await;
}

/// A fake master that welcomes with another protocol version.
struct OtherVersion;

#[tonic::async_trait]
impl pb::cluster_server::Cluster for OtherVersion {
    type JoinStream = UnboundedReceiverStream<Result<pb::MasterMessage, tonic::Status>>;
    async fn join(
        &self,
        _: tonic::Request<tonic::Streaming<pb::WorkerMessage>>,
    ) -> Result<tonic::Response<Self::JoinStream>, tonic::Status> {
        let (tx, rx) = mpsc::unbounded_channel();
        let welcome = pb::Welcome {
            protocol_version: PROTOCOL_VERSION + 7,
            ..Default::default()
        };
        tx.send(Ok(pb::MasterMessage {
            kind: Some(M::Welcome(welcome)),
        }))
        .unwrap();
        std::mem::forget(tx);
        Ok(tonic::Response::new(UnboundedReceiverStream::new(rx)))
    }
}

async fn index(u: &mut User<()>) -> TaskResult {
    u.get("/").send().await;
    Ok(())
}

fn factory() -> milmove_cluster::ClassFactory {
    Arc::new(|_: &TestSettings| Ok(vec![UserClass::builder::<()>("Web").task(1, index).build()]))
}

#[tokio::test]
async fn a_master_of_another_version_is_refused_by_the_worker() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(pb::cluster_server::ClusterServer::new(OtherVersion))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let config = WorkerConfig {
        master_port: port,
        classes: vec!["Web".into()],
        ..Default::default()
    };
    let err = tokio::time::timeout(Duration::from_secs(20), run_worker(config, factory()))
        .await
        .expect("the worker gives up at once")
        .unwrap_err();
    assert!(matches!(err, ClusterError::VersionMismatch { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("this worker speaks version {PROTOCOL_VERSION}"))
            && text.contains(&format!("the master speaks {}", PROTOCOL_VERSION + 7)),
        "{text}"
    );
}

#[tokio::test]
async fn resent_deltas_are_applied_once_and_acknowledged() {
    let m = master(MasterConfig::default()).await;
    let port = m.local_addr().port();
    let mut w = join(port, hello("w1", PROTOCOL_VERSION)).await.unwrap();
    let welcome = w
        .next(|k| if let M::Welcome(x) = k { Some(x) } else { None })
        .await;
    assert_eq!(welcome.acked_seq, 0);
    let test_id = m
        .start(&TestPlan {
            users: 3,
            spawn_rate: 1.0,
            ..Default::default()
        })
        .unwrap();
    let share = w
        .next(|k| if let M::Share(x) = k { Some(x) } else { None })
        .await;
    assert_eq!(share.test_id, test_id);
    assert_eq!(share.users_by_class["Web"], 3);
    w.delta(1, test_id, 5);
    w.delta(2, test_id, 7);
    w.delta(2, test_id, 7); // a resend
    let mut acked = 0;
    while acked < 2 {
        acked = w
            .next(|k| if let M::Ack(a) = k { Some(a.seq) } else { None })
            .await;
    }
    // A deltas of another test does not count.
    w.delta(3, test_id + 5, 11);
    while acked < 3 {
        acked = w
            .next(|k| if let M::Ack(a) = k { Some(a.seq) } else { None })
            .await;
    }
    drop(w);
    // Reconnect: the welcome says what was applied, so only newer deltas are resent.
    let mut w = join(port, hello("w1", PROTOCOL_VERSION)).await.unwrap();
    let welcome = w
        .next(|k| if let M::Welcome(x) = k { Some(x) } else { None })
        .await;
    assert_eq!(welcome.acked_seq, 3);
    w.delta(2, test_id, 7); // stale resend after the reconnect: dropped
    w.delta(4, test_id, 1);
    while acked < 4 {
        acked = w
            .next(|k| if let M::Ack(a) = k { Some(a.seq) } else { None })
            .await;
    }
    assert_eq!(m.stats().snapshot().total.num_requests, 5 + 7 + 1);
    let info = &m.workers()[0];
    assert_eq!(info.duplicates_dropped, 2);
    assert_eq!(info.requests_reported, 13);
    m.shutdown("done").await;
}

#[tokio::test]
async fn the_token_is_checked() {
    let m = master(MasterConfig {
        token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    let mut h = hello("w", PROTOCOL_VERSION);
    let err = join(m.local_addr().port(), h.clone()).await.err().unwrap();
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    if let Some(W::Hello(x)) = h.kind.as_mut() {
        x.token = "s3cret".into();
    }
    assert!(join(m.local_addr().port(), h).await.is_ok());
    m.shutdown("done").await;
}

#[tokio::test]
async fn master_and_worker_talk_over_tls() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    let m = master(MasterConfig {
        tls: Some(MasterTls::from_pem(cert.pem(), key.serialize_pem())),
        ..Default::default()
    })
    .await;
    let config = WorkerConfig {
        master_host: "localhost".into(),
        master_port: m.local_addr().port(),
        tls: Some(WorkerTls::from_pem(ca.pem(), None)),
        classes: vec!["Web".into()],
        ..Default::default()
    };
    let worker = tokio::spawn(run_worker(config, factory()));
    m.wait_for_workers(1, Some(Duration::from_secs(20)))
        .await
        .expect("the TLS worker joins");
    // A worker trusting another CA never joins.
    let other_key = rcgen::KeyPair::generate().unwrap();
    let mut other = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    other.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other = other.self_signed(&other_key).unwrap();
    let config = WorkerConfig {
        master_host: "localhost".into(),
        master_port: m.local_addr().port(),
        tls: Some(WorkerTls::from_pem(other.pem(), None)),
        classes: vec!["Web".into()],
        worker_id: Some("untrusting".into()),
        ..Default::default()
    };
    let stranger = tokio::spawn(run_worker(config, factory()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(m.worker_count(), 1);
    m.shutdown("done").await;
    let exit = tokio::time::timeout(Duration::from_secs(10), worker).await;
    assert!(matches!(exit, Ok(Ok(Ok(_)))), "{exit:?}");
    stranger.abort();
}

#[tokio::test]
async fn a_busy_worker_is_warned_about_once_and_missing_workers_time_out() {
    let m = master(MasterConfig::default()).await;
    let err = m
        .wait_for_workers(2, Some(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("only 0 of 2 expected workers"),
        "{err}"
    );
    let mut events = m.events();
    let w = join(m.local_addr().port(), hello("hot", PROTOCOL_VERSION))
        .await
        .unwrap();
    for cpu in [95.0, 97.0, 50.0, 99.0] {
        w.tx.send(pb::WorkerMessage {
            kind: Some(W::Heartbeat(pb::WorkerHeartbeat {
                cpu_percent: cpu,
                memory_bytes: 123 << 20,
                ..Default::default()
            })),
        })
        .unwrap();
    }
    let mut warnings = 0;
    let until = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Ok(e)) = tokio::time::timeout_at(until, events.recv()).await {
        if let milmove_cluster::MasterEvent::CpuHigh { id, cpu_percent } = e {
            assert_eq!(id, "hot");
            assert!(cpu_percent > 90.0);
            warnings += 1;
        }
    }
    assert_eq!(warnings, 1, "warned once per worker");
    let info = &m.workers()[0];
    assert_eq!(info.memory_bytes, 123 << 20);
    assert_eq!(info.cpu_percent, 99.0);
    m.shutdown("done").await;
}
