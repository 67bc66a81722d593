//! TLS client settings per environment → one shared `Arc<rustls::ClientConfig>`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};

use crate::environment::Environment;
use crate::error::TlsError;
use crate::identity::{
    default_local_tls_dirs, env_var_names, parse_certificates, read_pem_file, ClientIdentity,
    DEVLOCAL_CERT_FILE, DEVLOCAL_KEY_FILE,
};
use crate::verifier::AcceptAnyServerCert;

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// No check of the server certificate (default for `local`, as the old suite).
    Off,
    /// The public web roots (webpki-roots), plus any CA given (default for `dp3`, `exp`, URLs).
    PublicRoots,
    /// Only the CA bundle given (default for `dod` and `sim`); building fails without one.
    CaBundle,
}

/// Where the client identity comes from.
#[derive(Clone)]
enum IdentitySource {
    /// Environment variables, then (local only) the devlocal files.
    Automatic,
    /// Given PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// Given PEM text, already parsed.
    Memory(ClientIdentity),
    /// No client certificate.
    Disabled,
}

/// An environment-variable lookup (replaceable for tests and custom secret stores).
type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// TLS settings of one environment; [`TlsSettings::build`] makes the shared client config.
///
/// Defaults per environment:
///
/// | environment | server verification | client identity (first found) |
/// |---|---|---|
/// | `local` | off | `MOVE_MIL_LOCAL_TLS_CERT`/`_KEY`, then `devlocal-mtls.cer`/`.key` in the local TLS dir |
/// | `exp` | public roots (+ CA bundle if given) | `MOVE_MIL_EXP_TLS_CERT`/`_KEY` |
/// | `dod` | CA bundle (`ca_bundle_file`, `ca_pem` or `MOVE_MIL_DOD_CA_BUNDLE`) | `MOVE_MIL_DOD_TLS_CERT`/`_KEY` |
/// | `dp3` | public roots (+ CA bundle if given) | `MOVE_MIL_DP3_TLS_CERT`/`_KEY` |
/// | `sim` | the stand-in's CA PEM (`ca_pem`) | given PEM |
/// | URL | public roots (+ CA bundle if given) | given files or PEM |
///
/// Certificates and keys are read into memory and never written anywhere.
#[derive(Clone)]
pub struct TlsSettings {
    env: Environment,
    identity: IdentitySource,
    require_identity: bool,
    local_tls_dir: Option<PathBuf>,
    verification: Option<Verification>,
    ca_pem: Vec<u8>,
    ca_files: Vec<PathBuf>,
    http2: bool,
    lookup: Lookup,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let identity = match &self.identity {
            IdentitySource::Automatic => "automatic".to_string(),
            IdentitySource::Files { cert, key } => {
                format!("files {} + {}", cert.display(), key.display())
            }
            IdentitySource::Memory(_) => "in memory".to_string(),
            IdentitySource::Disabled => "none".to_string(),
        };
        f.debug_struct("TlsSettings")
            .field("env", &self.env)
            .field("identity", &identity)
            .field("require_identity", &self.require_identity)
            .field("verification", &self.verification())
            .field("ca_files", &self.ca_files)
            .finish_non_exhaustive()
    }
}

impl TlsSettings {
    /// The defaults for `env` (see the table above); reads process environment variables.
    pub fn for_environment(env: &Environment) -> Self {
        TlsSettings {
            env: env.clone(),
            identity: IdentitySource::Automatic,
            require_identity: false,
            local_tls_dir: None,
            verification: None,
            ca_pem: Vec::new(),
            ca_files: Vec::new(),
            http2: false,
            lookup: Arc::new(|name| std::env::var(name).ok()),
        }
    }

    /// Reads the client identity from these PEM files.
    pub fn client_identity_files(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.identity = IdentitySource::Files {
            cert: cert.into(),
            key: key.into(),
        };
        self
    }

    /// Uses this in-memory client identity (e.g. the stand-in's dev certificate).
    pub fn client_identity(mut self, identity: ClientIdentity) -> Self {
        self.identity = IdentitySource::Memory(identity);
        self
    }

    /// Sends no client certificate.
    pub fn without_client_identity(mut self) -> Self {
        self.identity = IdentitySource::Disabled;
        self
    }

    /// Fails [`build`](Self::build) when no client identity is found (mutual-TLS users).
    pub fn require_client_identity(mut self, required: bool) -> Self {
        self.require_identity = required;
        self
    }

    /// The directory holding `devlocal-mtls.cer`/`.key` for `local` (default: a sibling
    /// `mymove/config/tls` checkout, see [`default_local_tls_dirs`]).
    pub fn local_tls_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.local_tls_dir = Some(dir.into());
        self
    }

    /// The server-certificate verification in effect (the environment's default unless set).
    pub fn verification(&self) -> Verification {
        self.verification.unwrap_or(match self.env {
            Environment::Local => Verification::Off,
            Environment::Dod | Environment::Sim => Verification::CaBundle,
            Environment::Exp | Environment::Dp3 | Environment::Url(_) => Verification::PublicRoots,
        })
    }

    /// Sets the server-certificate verification (overriding the environment's default).
    pub fn with_verification(mut self, verification: Verification) -> Self {
        self.verification = Some(verification);
        self
    }

    /// Trusts the CA certificates in this PEM text (kept in memory).
    pub fn ca_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.ca_pem.extend_from_slice(pem.as_ref());
        self.ca_pem.push(b'\n');
        self
    }

    /// Trusts the CA certificates in this PEM file.
    pub fn ca_bundle_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Offers HTTP/2 through ALPN (default: HTTP/1.1 only, one connection per user as Locust).
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }

    /// Replaces the environment-variable lookup (tests, custom secret stores).
    pub fn env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = Arc::new(lookup);
        self
    }

    /// Finds the client identity as configured; `Ok(None)` when there is none.
    pub fn resolve_identity(&self) -> Result<Option<ClientIdentity>, TlsError> {
        match &self.identity {
            IdentitySource::Disabled => Ok(None),
            IdentitySource::Memory(identity) => Ok(Some(identity.clone())),
            IdentitySource::Files { cert, key } => ClientIdentity::from_files(cert, key).map(Some),
            IdentitySource::Automatic => {
                if let Some(infix) = self.env.env_var_infix() {
                    if let Some(identity) = ClientIdentity::from_env_vars(infix, &*self.lookup)? {
                        return Ok(Some(identity));
                    }
                }
                if self.env != Environment::Local {
                    return Ok(None);
                }
                for dir in self.local_dirs() {
                    let (cert, key) = (dir.join(DEVLOCAL_CERT_FILE), dir.join(DEVLOCAL_KEY_FILE));
                    if cert.is_file() && key.is_file() {
                        return ClientIdentity::from_files(&cert, &key).map(Some);
                    }
                }
                Ok(None)
            }
        }
    }

    /// Builds the client configuration once (ring provider); share the `Arc` between users.
    pub fn build(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?;
        let builder = match self.verification() {
            Verification::Off => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert::new(provider))),
            Verification::PublicRoots => {
                let mut roots =
                    RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                self.add_given_cas(&mut roots)?;
                builder.with_root_certificates(roots)
            }
            Verification::CaBundle => {
                let mut roots = RootCertStore::empty();
                self.add_given_cas(&mut roots)?;
                if roots.is_empty() {
                    return Err(TlsError::MissingCa {
                        environment: self.env.to_string(),
                        hint:
                            "give a CA bundle (PEM) with a CA-bundle file, in-memory PEM, or the \
                               MOVE_MIL_DOD_CA_BUNDLE variable (PEM text or a path)"
                                .to_string(),
                    });
                }
                builder.with_root_certificates(roots)
            }
        };
        let mut config = match self.resolve_identity()? {
            Some(identity) => {
                let (certs, key) = identity.into_parts();
                builder.with_client_auth_cert(certs, key)?
            }
            None if self.require_identity => {
                return Err(TlsError::MissingClientIdentity {
                    environment: self.env.to_string(),
                    hint: self.identity_hint(),
                })
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = if self.http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(Arc::new(config))
    }

    fn local_dirs(&self) -> Vec<PathBuf> {
        match &self.local_tls_dir {
            Some(dir) => vec![dir.clone()],
            None => default_local_tls_dirs(),
        }
    }

    fn add_given_cas(&self, roots: &mut RootCertStore) -> Result<(), TlsError> {
        let mut pems: Vec<(Vec<u8>, String)> = Vec::new();
        if !self.ca_pem.iter().all(u8::is_ascii_whitespace) {
            pems.push((self.ca_pem.clone(), "in-memory CA PEM".to_string()));
        }
        for path in &self.ca_files {
            pems.push((
                read_pem_file(path, "CA bundle")?,
                path.display().to_string(),
            ));
        }
        if self.env == Environment::Dod {
            if let Some(value) =
                (self.lookup)("MOVE_MIL_DOD_CA_BUNDLE").filter(|v| !v.trim().is_empty())
            {
                if value.contains("-----BEGIN") {
                    pems.push((value.into_bytes(), "MOVE_MIL_DOD_CA_BUNDLE".to_string()));
                } else {
                    let path = Path::new(value.trim());
                    pems.push((
                        read_pem_file(path, "CA bundle")?,
                        path.display().to_string(),
                    ));
                }
            }
        }
        for (pem, origin) in pems {
            for cert in parse_certificates(&pem, "CA certificate", &origin)? {
                roots.add(cert).map_err(|e| TlsError::InvalidPem {
                    what: "CA certificate",
                    origin: origin.clone(),
                    reason: e.to_string(),
                })?;
            }
        }
        Ok(())
    }

    fn identity_hint(&self) -> String {
        let vars = self
            .env
            .env_var_infix()
            .map(|infix| {
                let (cert, key) = env_var_names(infix);
                format!("set {cert} and {key} (PEM text)")
            })
            .unwrap_or_else(|| "give a client certificate and key (PEM)".to_string());
        if self.env == Environment::Local {
            let searched: Vec<String> = self
                .local_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            format!(
                "{vars}, or put {DEVLOCAL_CERT_FILE} and {DEVLOCAL_KEY_FILE} in one of: {} \
                 (a sibling mymove checkout, MYMOVE_DIR, or a configured TLS directory)",
                searched.join(", ")
            )
        } else {
            vars
        }
    }
}

/// Plugs a shared client config into a reqwest client builder (`use_preconfigured_tls`).
///
/// The config is cloned shallowly (its internals are reference-counted).
pub fn apply_to_reqwest(
    builder: reqwest::ClientBuilder,
    config: &Arc<ClientConfig>,
) -> reqwest::ClientBuilder {
    builder.use_preconfigured_tls(ClientConfig::clone(config))
}
