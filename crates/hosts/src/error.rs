//! Error types of the crate.

use std::path::PathBuf;

/// Errors from parsing environment / domain names and building host names.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HostError {
    /// The `--host` value is neither a known environment nor a full URL.
    #[error(
        "unknown host `{given}`: expected one of local, exp, dod, dp3, sim, \
         or a full URL such as https://example.com"
    )]
    UnknownEnvironment {
        /// The value that was given.
        given: String,
    },
    /// A value that looked like a URL could not be parsed.
    #[error("invalid host URL `{given}`: {reason}")]
    InvalidUrl {
        /// The value that was given.
        given: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The domain name is not one of the known MilMove domains.
    #[error("unknown domain `{given}`: expected one of prime, office, milmove")]
    UnknownDomain {
        /// The value that was given.
        given: String,
    },
    /// The local protocol is neither `http` nor `https`.
    #[error("unknown protocol `{given}`: expected one of http, https")]
    UnknownProtocol {
        /// The value that was given.
        given: String,
    },
    /// `BASE_DOMAIN` (or the configured base domain) is not a usable host name.
    #[error("invalid base domain `{given}`: expected a host name such as loadtest.dp3.us")]
    InvalidBaseDomain {
        /// The value that was given.
        given: String,
    },
    /// The `sim` environment was asked for before the stand-in's URLs were known.
    #[error(
        "the `sim` environment has no URLs yet: start the stand-in server and pass its \
         URLs with HostResolver::with_sim"
    )]
    SimNotStarted,
}

/// Errors from loading certificates and building the TLS client configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {what} from {path}: {source}")]
    ReadFile {
        /// What the file should hold ("client certificate", "CA bundle", ...).
        what: &'static str,
        /// The path that was read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// PEM text held no usable item of the expected kind, or was malformed.
    #[error("invalid PEM for {what} ({origin}): {reason}")]
    InvalidPem {
        /// What the PEM should hold.
        what: &'static str,
        /// Where the PEM came from (a path or an environment variable name; never its content).
        origin: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Only one of the certificate / key environment variables was set.
    #[error("environment variable {missing} is not set, but {present} is: set both or neither")]
    HalfIdentityInEnv {
        /// The variable that is set.
        present: String,
        /// The variable that is missing.
        missing: String,
    },
    /// A client certificate is required (mutual TLS) but none was found.
    #[error("no client certificate for mutual TLS in environment `{environment}`: {hint}")]
    MissingClientIdentity {
        /// The environment name.
        environment: String,
        /// How to provide one (searched paths, variable names).
        hint: String,
    },
    /// Certificate verification needs CA certificates that were not provided.
    #[error("no CA certificates for environment `{environment}`: {hint}")]
    MissingCa {
        /// The environment name.
        environment: String,
        /// How to provide them.
        hint: String,
    },
    /// rustls rejected the configuration (for example a key that does not match the certificate).
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
}
