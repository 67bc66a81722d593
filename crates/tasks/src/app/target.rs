//! Resolving `--host` into per-class base URLs and TLS configurations.

use std::sync::Arc;

use milmove_hosts::{
    ClientIdentity, Domain, Environment, HostResolver, LocalHost, SimHosts, TlsSettings,
    Verification,
};

use super::args::AppArgs;

/// What a running stand-in gives the apps: its URLs and in-memory certificates.
#[derive(Clone)]
pub struct SimTarget {
    /// The stand-in's listener URLs.
    pub hosts: SimHosts,
    /// The CA certificate (PEM) to verify its mutual-TLS listener.
    pub ca_pem: String,
    /// The dev client certificate (PEM) it accepts.
    pub client_cert_pem: String,
    /// The dev client key (PEM), kept in memory.
    pub client_key_pem: String,
}

impl std::fmt::Debug for SimTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTarget")
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

/// Hosts and TLS for one run, built once and shared by all classes.
pub struct Target {
    env: Environment,
    resolver: HostResolver,
    /// TLS for mutual-TLS classes (Prime, Support).
    mutual: Option<Arc<rustls::ClientConfig>>,
    /// TLS for browser classes (office, customer): verification only.
    plain: Option<Arc<rustls::ClientConfig>>,
}

impl Target {
    /// Builds hosts and TLS for `env`; `sim` must be given for [`Environment::Sim`].
    /// `needs_mutual` / `needs_plain` say which kinds of class will run.
    pub fn new(
        env: Environment,
        args: &AppArgs,
        sim: Option<&SimTarget>,
        needs_mutual: bool,
        needs_plain: bool,
    ) -> Result<Target, String> {
        let mut resolver = HostResolver::from_env().map_err(|e| e.to_string())?;
        if let Some(sim) = sim {
            resolver = resolver.with_sim(sim.hosts.clone());
        }
        let settings = base_settings(&env, args, sim)?;
        let mutual = if needs_mutual {
            let mut tls = settings.clone().require_client_identity(true);
            if let Some(sim) = sim {
                let identity = ClientIdentity::from_pem(
                    sim.client_cert_pem.as_bytes(),
                    sim.client_key_pem.as_bytes(),
                    "the stand-in's dev client certificate",
                )
                .map_err(|e| e.to_string())?;
                tls = tls.client_identity(identity);
            } else if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
                tls = tls.client_identity_files(cert, key);
            }
            Some(tls.build().map_err(|e| e.to_string())?)
        } else {
            None
        };
        let plain = if needs_plain {
            Some(
                settings
                    .without_client_identity()
                    .build()
                    .map_err(|e| e.to_string())?,
            )
        } else {
            None
        };
        Ok(Target {
            env,
            resolver,
            mutual,
            plain,
        })
    }

    /// The base URL of a class.
    pub fn host(&self, domain: Domain, is_api: bool) -> Result<String, String> {
        self.resolver
            .host(&self.env, domain, is_api, LocalHost::default_for(domain))
            .map_err(|e| e.to_string())
    }

    /// The TLS configuration of a class.
    pub fn tls(&self, mutual_tls: bool) -> Option<Arc<rustls::ClientConfig>> {
        if mutual_tls {
            self.mutual.clone()
        } else {
            self.plain.clone()
        }
    }
}

fn base_settings(
    env: &Environment,
    args: &AppArgs,
    sim: Option<&SimTarget>,
) -> Result<TlsSettings, String> {
    let mut tls = TlsSettings::for_environment(env);
    if let Some(dir) = &args.tls_dir {
        tls = tls.local_tls_dir(dir);
    }
    if let Some(bundle) = &args.ca_bundle {
        tls = tls.ca_bundle_file(bundle);
    }
    if let Some(sim) = sim {
        tls = tls.ca_pem(&sim.ca_pem);
    } else if *env == Environment::Sim {
        return Err("the stand-in is not running".to_string());
    }
    if args.runner.insecure {
        tls = tls.with_verification(Verification::Off);
    }
    Ok(tls)
}
