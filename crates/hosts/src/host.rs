//! Host names: environment × domain × API-ness → base URL, as the old Locust suite built them.

use std::fmt;
use std::str::FromStr;

use crate::environment::{Domain, Environment};
use crate::error::HostError;

/// The default base domain of deployed environments (overridden by `BASE_DOMAIN`).
pub const DEFAULT_BASE_DOMAIN: &str = "loadtest.dp3.us";

/// The environment variable that overrides [`DEFAULT_BASE_DOMAIN`].
pub const BASE_DOMAIN_VAR: &str = "BASE_DOMAIN";

/// The protocol a user class uses on a local MilMove server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Plain HTTP.
    Http,
    /// HTTPS (TLS).
    Https,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        })
    }
}

impl FromStr for Protocol {
    type Err = HostError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "http" => Ok(Protocol::Http),
            "https" => Ok(Protocol::Https),
            _ => Err(HostError::UnknownProtocol {
                given: s.to_string(),
            }),
        }
    }
}

/// The protocol and port a user class uses when the environment is `local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalHost {
    /// `http` or `https`.
    pub protocol: Protocol,
    /// The TCP port.
    pub port: u16,
}

impl LocalHost {
    /// Prime and Support users: `https`, port 9443.
    pub const PRIME: LocalHost = LocalHost {
        protocol: Protocol::Https,
        port: 9443,
    };
    /// Office and customer users: `http`, port 8080.
    pub const HTTP: LocalHost = LocalHost {
        protocol: Protocol::Http,
        port: 8080,
    };

    /// The default local settings of a domain (prime → https 9443, office/milmove → http 8080).
    pub fn default_for(domain: Domain) -> LocalHost {
        match domain {
            Domain::Prime => LocalHost::PRIME,
            Domain::Office | Domain::Milmove => LocalHost::HTTP,
        }
    }
}

/// The base URLs of a running stand-in server (see `milmove_sim::SimHandle`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimHosts {
    /// The mutual-TLS listener (Prime and Support APIs).
    pub mtls_url: String,
    /// The office listener (GHC API, office sessions).
    pub office_url: String,
    /// The customer listener (internal API, customer sessions).
    pub customer_url: String,
}

/// Builds host names; holds the base domain of deployed environments and, once started, the
/// stand-in's URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostResolver {
    base_domain: String,
    sim: Option<SimHosts>,
}

impl Default for HostResolver {
    fn default() -> Self {
        HostResolver {
            base_domain: DEFAULT_BASE_DOMAIN.to_string(),
            sim: None,
        }
    }
}

impl HostResolver {
    /// A resolver whose base domain is `BASE_DOMAIN` if set (and not empty), else the default.
    pub fn from_env() -> Result<Self, HostError> {
        match std::env::var(BASE_DOMAIN_VAR) {
            Ok(value) if !value.trim().is_empty() => {
                HostResolver::default().with_base_domain(&value)
            }
            _ => Ok(HostResolver::default()),
        }
    }

    /// Uses `base_domain` for deployed environments (e.g. `loadtest.dp3.us`).
    pub fn with_base_domain(mut self, base_domain: &str) -> Result<Self, HostError> {
        let trimmed = base_domain.trim().trim_matches('.');
        let valid = !trimmed.is_empty()
            && trimmed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(HostError::InvalidBaseDomain {
                given: base_domain.to_string(),
            });
        }
        self.base_domain = trimmed.to_ascii_lowercase();
        Ok(self)
    }

    /// Uses the stand-in's URLs for the `sim` environment.
    pub fn with_sim(mut self, sim: SimHosts) -> Self {
        self.sim = Some(sim);
        self
    }

    /// The base domain of deployed environments.
    pub fn base_domain(&self) -> &str {
        &self.base_domain
    }

    /// The base URL (no trailing slash) for a user class.
    ///
    /// - `local`: `{protocol}://{domain}local:{port}` from `local`;
    /// - `exp`/`dod`/`dp3`: `https://{sub}.{base_domain}`, `sub` = `api` when `is_api`, else
    ///   `my` (milmove), `office` or `prime`;
    /// - `sim`: the stand-in's mutual-TLS URL for API users and prime, else its office or
    ///   customer URL;
    /// - a URL: itself, without a trailing slash.
    pub fn host(
        &self,
        env: &Environment,
        domain: Domain,
        is_api: bool,
        local: LocalHost,
    ) -> Result<String, HostError> {
        match env {
            Environment::Local => Ok(format!(
                "{}://{}local:{}",
                local.protocol,
                domain.name(),
                local.port
            )),
            Environment::Exp | Environment::Dod | Environment::Dp3 => {
                let sub = if is_api {
                    "api"
                } else {
                    domain.deployed_subdomain()
                };
                Ok(format!("https://{sub}.{}", self.base_domain))
            }
            Environment::Sim => {
                let sim = self.sim.as_ref().ok_or(HostError::SimNotStarted)?;
                let url = if is_api || domain == Domain::Prime {
                    &sim.mtls_url
                } else if domain == Domain::Office {
                    &sim.office_url
                } else {
                    &sim.customer_url
                };
                Ok(url.trim_end_matches('/').to_string())
            }
            Environment::Url(url) => Ok(url.as_str().trim_end_matches('/').to_string()),
        }
    }
}

/// The base URL for a user class with the default resolver ([`HostResolver::from_env`]).
///
/// The `sim` environment needs the stand-in's URLs: use [`HostResolver::with_sim`] instead.
pub fn host_for(
    env: &Environment,
    domain: Domain,
    is_api: bool,
    local: LocalHost,
) -> Result<String, HostError> {
    HostResolver::from_env()?.host(env, domain, is_api, local)
}
