//! Accept loops for the three listeners. Each connection is served by hyper (HTTP/1.1 and
//! HTTP/2) in a task owned by the listener, so shutdown can end every connection at once.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::pipeline::{handle, Listener};
use crate::tls::sha256_hex;
use crate::SimState;

/// Serves plain HTTP (`tls` = None) or mutual TLS on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    kind: Listener,
    tls: Option<TlsAcceptor>,
    sim: Arc<SimState>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let sim = sim.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve_connection(TokioIo::new(stream), kind, None, sim).await,
                        Some(acceptor) => {
                            // A client without a certificate (or with one not signed by our
                            // CA) fails here: the handshake is refused.
                            let Ok(tls_stream) = acceptor.accept(stream).await else {
                                return;
                            };
                            let digest = tls_stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|certs| certs.first())
                                .map(|c| Arc::<str>::from(sha256_hex(c.as_ref())));
                            serve_connection(TokioIo::new(tls_stream), kind, digest, sim).await;
                        }
                    }
                });
            }
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<I>(
    io: TokioIo<I>,
    kind: Listener,
    digest: Option<Arc<str>>,
    sim: Arc<SimState>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let sim = sim.clone();
        let digest = digest.clone();
        async move {
            let req = req.map(axum::body::Body::new);
            Ok::<_, Infallible>(handle(sim, kind, digest, req).await)
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let _ = builder.serve_connection(io, service).await;
}
