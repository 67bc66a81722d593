//! The MilMove APIs the tasks call, their specs (one [`ApiParser`] each) and fake bodies.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use milmove_parser::{
    ApiParser, FakeHooks, FakeRng, GhcApiParser, HookedParser, InternalApiParser, ParserError,
    PrimeApiParser, SupportApiParser,
};
use serde_json::Value;

use crate::error::TasksError;

/// The environment variable naming the directory of the bundled MilMove specs.
pub const SWAGGER_DIR_VAR: &str = milmove_parser::SPEC_DIR_VAR;

/// One MilMove API used by the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// Prime API v1 (`/prime/v1`, prime.yaml).
    Prime,
    /// Prime API v3 (`/prime/v3`, prime_v3.yaml): create/update shipment since v1 retired them.
    PrimeV3,
    /// Support API (`/support/v1`, support.yaml).
    Support,
    /// Office (GHC) API (`/ghc/v1`, ghc.yaml).
    Ghc,
    /// Customer (internal) API (`/internal`, internal.yaml).
    Internal,
}

impl Api {
    /// Every API, in load order.
    pub const ALL: [Api; 5] = [
        Api::Prime,
        Api::PrimeV3,
        Api::Support,
        Api::Ghc,
        Api::Internal,
    ];

    /// The base path requests are sent under.
    pub fn base_path(self) -> &'static str {
        match self {
            Api::Prime => "/prime/v1",
            Api::PrimeV3 => "/prime/v3",
            Api::Support => "/support/v1",
            Api::Ghc => "/ghc/v1",
            Api::Internal => "/internal",
        }
    }

    /// The bundled spec's file name.
    pub fn spec_file(self) -> &'static str {
        match self {
            Api::Prime => "prime.yaml",
            Api::PrimeV3 => "prime_v3.yaml",
            Api::Support => "support.yaml",
            Api::Ghc => "ghc.yaml",
            Api::Internal => "internal.yaml",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_path())
    }
}

/// The parsed specs of every [`Api`], loaded once and shared (`Arc`) by all users. Each is
/// one of `milmove-parser`'s MilMove parsers, so fake bodies follow MilMove's rules (the
/// parser's hooks: matching city/state/postal code, item smaller than crate, end dates after
/// start dates, Support's `createMoveTaskOrder` without what it cannot create).
pub struct Apis {
    prime: PrimeApiParser,
    prime_v3: PrimeApiParser,
    support: SupportApiParser,
    ghc: GhcApiParser,
    internal: InternalApiParser,
}

impl fmt::Debug for Apis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Apis")
            .field("apis", &Api::ALL.len())
            .finish()
    }
}

impl Apis {
    /// Loads every spec from a directory of bundled specs (`prime.yaml`, `prime_v3.yaml`,
    /// `support.yaml`, `ghc.yaml`, `internal.yaml`).
    pub fn from_dir(dir: &Path) -> Result<Arc<Self>, TasksError> {
        fn load<H: FakeHooks + Default>(
            dir: &Path,
            api: Api,
        ) -> Result<HookedParser<H>, TasksError> {
            let path = dir.join(api.spec_file());
            HookedParser::from_file(&path).map_err(|source| TasksError::Spec { path, source })
        }
        Ok(Arc::new(Apis {
            prime: load(dir, Api::Prime)?,
            prime_v3: load(dir, Api::PrimeV3)?,
            support: load(dir, Api::Support)?,
            ghc: load(dir, Api::Ghc)?,
            internal: load(dir, Api::Internal)?,
        }))
    }

    /// The spec directory: `dir` if given, else `MILMOVE_SWAGGER_DIR`, a folder beside the
    /// checkout or the cache of the pinned specs, else the pinned specs downloaded into that
    /// cache (saying so on stderr).
    pub fn resolve_dir(dir: Option<&Path>) -> Result<PathBuf, TasksError> {
        Self::resolve_dir_with(dir, milmove_parser::Fetch::Allowed)
    }

    /// [`Apis::resolve_dir`], downloading only when `fetch` allows it (`--offline` does not).
    pub fn resolve_dir_with(
        dir: Option<&Path>,
        fetch: milmove_parser::Fetch,
    ) -> Result<PathBuf, TasksError> {
        let progress = |line: &str| eprintln!("{line}");
        Ok(milmove_parser::resolve_spec_dir(dir, fetch, &progress)?)
    }

    /// The parsed spec of one API (operations, schemas, validation).
    pub fn parser(&self, api: Api) -> &ApiParser {
        match api {
            Api::Prime => self.prime.parser(),
            Api::PrimeV3 => self.prime_v3.parser(),
            Api::Support => self.support.parser(),
            Api::Ghc => self.ghc.parser(),
            Api::Internal => self.internal.parser(),
        }
    }

    /// A fake request body for `path` (template, without the base path) and `method` of
    /// `api`, through that API's MilMove hooks, with `overrides` merged in (and left alone by
    /// the hooks); `require_all` includes every optional field.
    pub fn fake_request(
        &self,
        api: Api,
        path: &str,
        method: &str,
        overrides: Option<&Value>,
        require_all: bool,
        rng: &mut FakeRng,
    ) -> Result<Value, ParserError> {
        match api {
            Api::Prime => {
                self.prime
                    .fake_request_with_rng(path, method, overrides, require_all, rng)
            }
            Api::PrimeV3 => {
                self.prime_v3
                    .fake_request_with_rng(path, method, overrides, require_all, rng)
            }
            Api::Support => {
                self.support
                    .fake_request_with_rng(path, method, overrides, require_all, rng)
            }
            Api::Ghc => self
                .ghc
                .fake_request_with_rng(path, method, overrides, require_all, rng),
            Api::Internal => {
                self.internal
                    .fake_request_with_rng(path, method, overrides, require_all, rng)
            }
        }
    }
}
