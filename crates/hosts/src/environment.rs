//! MilMove environments (`--host` values) and domains.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::HostError;

/// Where the load test sends its traffic: a MilMove environment, the stand-in, or a given URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// A MilMove server running on the developer's machine (`primelocal`, `officelocal`, ...).
    Local,
    /// The experimental AWS environment.
    Exp,
    /// An environment behind DoD-issued certificates (verified with a DoD CA bundle).
    Dod,
    /// The DP3 load-test environment (public certificates).
    Dp3,
    /// The in-process stand-in server (crate `milmove-sim`).
    Sim,
    /// Any full URL, used as given for every domain.
    Url(Url),
}

/// The names accepted by [`Environment::from_str`] besides a full URL.
pub const ENVIRONMENT_NAMES: [&str; 5] = ["local", "exp", "dod", "dp3", "sim"];

impl Environment {
    /// The short name (`local`, `exp`, `dod`, `dp3`, `sim`, or `url`).
    pub fn name(&self) -> &'static str {
        match self {
            Environment::Local => "local",
            Environment::Exp => "exp",
            Environment::Dod => "dod",
            Environment::Dp3 => "dp3",
            Environment::Sim => "sim",
            Environment::Url(_) => "url",
        }
    }

    /// The infix of the `MOVE_MIL_{ENV}_TLS_CERT` / `_KEY` variables, if the environment has one.
    pub fn env_var_infix(&self) -> Option<&'static str> {
        match self {
            Environment::Local => Some("LOCAL"),
            Environment::Exp => Some("EXP"),
            Environment::Dod => Some("DOD"),
            Environment::Dp3 => Some("DP3"),
            Environment::Sim | Environment::Url(_) => None,
        }
    }

    /// True for the deployed environments (`exp`, `dod`, `dp3`).
    pub fn is_deployed(&self) -> bool {
        matches!(self, Environment::Exp | Environment::Dod | Environment::Dp3)
    }
}

impl FromStr for Environment {
    type Err = HostError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "local" => return Ok(Environment::Local),
            "exp" => return Ok(Environment::Exp),
            "dod" => return Ok(Environment::Dod),
            "dp3" => return Ok(Environment::Dp3),
            "sim" => return Ok(Environment::Sim),
            _ => {}
        }
        if !trimmed.contains("://") {
            return Err(HostError::UnknownEnvironment {
                given: s.to_string(),
            });
        }
        let url = Url::parse(trimmed).map_err(|e| HostError::InvalidUrl {
            given: s.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HostError::InvalidUrl {
                given: s.to_string(),
                reason: format!("scheme `{}` is not http or https", url.scheme()),
            });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(HostError::InvalidUrl {
                given: s.to_string(),
                reason: "the URL has no host".to_string(),
            });
        }
        Ok(Environment::Url(url))
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Url(url) => f.write_str(url.as_str().trim_end_matches('/')),
            other => f.write_str(other.name()),
        }
    }
}

/// The MilMove application a user class talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// The Prime (and Support) APIs, reached over mutual TLS.
    Prime,
    /// The office (GHC) application.
    Office,
    /// The customer application (`my.move.mil`, internal API).
    Milmove,
}

impl Domain {
    /// Every domain, in a stable order.
    pub const ALL: [Domain; 3] = [Domain::Prime, Domain::Office, Domain::Milmove];

    /// The lower-case name (`prime`, `office`, `milmove`), as used in local host names.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Prime => "prime",
            Domain::Office => "office",
            Domain::Milmove => "milmove",
        }
    }

    /// The sub-domain of a deployed environment for browser (non-API) users.
    pub fn deployed_subdomain(self) -> &'static str {
        match self {
            Domain::Milmove => "my",
            Domain::Office => "office",
            Domain::Prime => "prime",
        }
    }
}

impl FromStr for Domain {
    type Err = HostError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "prime" => Ok(Domain::Prime),
            "office" => Ok(Domain::Office),
            "milmove" => Ok(Domain::Milmove),
            _ => Err(HostError::UnknownDomain {
                given: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
