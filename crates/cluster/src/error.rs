//! Errors of the cluster roles.

use std::net::SocketAddr;

/// What can go wrong in a master or a worker.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Bad settings (flags, TLS files, token rules).
    #[error("{0}")]
    Config(String),
    /// The master port could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// TLS material could not be read or used.
    #[error("cluster TLS: {0}")]
    Tls(String),
    /// The master refused this worker (wrong token, other protocol version, ...).
    #[error("the master at {master} refused this worker: {reason}")]
    Refused {
        /// The master's address.
        master: String,
        /// The master's words.
        reason: String,
    },
    /// The peer speaks another protocol version.
    #[error(
        "protocol version mismatch: this {role} speaks version {ours}, the {peer} speaks \
         {theirs}; run the same milmove-load version on master and workers"
    )]
    VersionMismatch {
        /// `master` or `worker` (this side).
        role: &'static str,
        /// `master` or `worker` (the other side).
        peer: &'static str,
        /// Our version.
        ours: u32,
        /// Theirs.
        theirs: u32,
    },
    /// Not enough workers came.
    #[error("{0}")]
    Workers(String),
    /// The engine refused a setting.
    #[error(transparent)]
    Runner(#[from] milmove_runner::RunnerError),
    /// The server failed while serving.
    #[error("master server on {addr}: {message}")]
    Serve {
        /// Where it listened.
        addr: SocketAddr,
        /// What failed.
        message: String,
    },
}
