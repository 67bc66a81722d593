//! The gRPC side of the master: accepts a worker's stream, checks its `Hello`, and feeds its
//! messages to the master's state.

use super::core::{Refusal, Shared};
use super::registry::Session;
use crate::proto::{pb, PROTOCOL_VERSION};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// How long a new connection may take to say `Hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct ClusterService {
    pub(crate) shared: Arc<Shared>,
}

type Outbound = UnboundedReceiverStream<Result<pb::MasterMessage, Status>>;

fn refuse(shared: &Shared, peer: &str, hello: &pb::Hello, why: Refusal) -> Status {
    let status = match why {
        Refusal::Version(theirs) => Status::failed_precondition(format!(
            "protocol version mismatch: the worker speaks version {theirs}, this master speaks \
             {PROTOCOL_VERSION}; run the same milmove-load version on master and workers"
        )),
        Refusal::Token => Status::permission_denied(
            "wrong or missing cluster token: give the worker the master's \
             MILMOVE_LOAD_CLUSTER_TOKEN",
        ),
        Refusal::Classes(missing) => Status::failed_precondition(format!(
            "the worker cannot run user class(es) {} that this master dispatches; start \
             workers with the same app and class flags as the master",
            missing.join(", ")
        )),
        Refusal::BadId => Status::invalid_argument("the worker id must be 1 to 256 characters"),
    };
    tracing::warn!(
        "refused worker `{}` from {peer}: {}",
        hello.worker_id,
        status.message()
    );
    let _ = shared.events.send(super::MasterEvent::WorkerRefused {
        peer: peer.to_owned(),
        reason: status.message().to_owned(),
    });
    status
}

#[tonic::async_trait]
impl pb::cluster_server::Cluster for ClusterService {
    type JoinStream = Outbound;

    async fn join(
        &self,
        request: Request<Streaming<pb::WorkerMessage>>,
    ) -> Result<Response<Self::JoinStream>, Status> {
        let peer = request
            .remote_addr()
            .map_or_else(|| "?".to_string(), |a| a.to_string());
        let mut inbound = request.into_inner();
        let first = tokio::time::timeout(HELLO_TIMEOUT, inbound.message())
            .await
            .map_err(|_| Status::deadline_exceeded("no Hello within 10 s"))?
            .map_err(|e| Status::invalid_argument(format!("unreadable first message: {e}")))?;
        let hello = match first.and_then(|m| m.kind) {
            Some(pb::worker_message::Kind::Hello(h)) => h,
            _ => {
                tracing::warn!("connection from {peer} did not start with Hello; refused");
                return Err(Status::invalid_argument("the first message must be Hello"));
            }
        };
        if let Err(why) = self.shared.check_hello(&hello) {
            return Err(refuse(&self.shared, &peer, &hello, why));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let close = Arc::new(Notify::new());
        let session_id = {
            let mut st = self.shared.state.lock();
            st.next_session += 1;
            st.next_session
        };
        self.shared.register(
            &hello,
            Session {
                id: session_id,
                tx,
                close: close.clone(),
            },
        );
        let shared = self.shared.clone();
        let worker = hello.worker_id.clone();
        tokio::spawn(async move {
            let why = loop {
                tokio::select! {
                    msg = inbound.message() => match msg {
                        Ok(Some(m)) => shared.handle(&worker, session_id, m),
                        Ok(None) => break "closed by the worker".to_string(),
                        Err(e) => break e.message().to_string(),
                    },
                    _ = close.notified() => break "closed by the master".to_string(),
                }
            };
            shared.session_ended(&worker, session_id, &why);
        });
        Ok(Response::new(UnboundedReceiverStream::new(rx)))
    }
}
