//! The MilMove APIs the tasks call, their specs (one [`ApiParser`] each) and fake bodies.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use milmove_parser::ApiParser;

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

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_path())
    }
}

/// The parsed specs of every [`Api`], loaded once and shared (`Arc`) by all users.
pub struct Apis {
    parsers: Vec<ApiParser>,
}

impl fmt::Debug for Apis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Apis")
            .field("apis", &self.parsers.len())
            .finish()
    }
}

impl Apis {
    /// Loads every spec from a directory of bundled specs (`prime.yaml`, `prime_v3.yaml`,
    /// `support.yaml`, `ghc.yaml`, `internal.yaml`).
    pub fn from_dir(dir: &Path) -> Result<Arc<Self>, TasksError> {
        let parsers = Api::ALL
            .iter()
            .map(|api| {
                let path = dir.join(api.spec_file());
                ApiParser::from_file(&path).map_err(|source| TasksError::Spec {
                    path: path.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Apis { parsers }))
    }

    /// The spec directory: `dir` if given, else `MILMOVE_SWAGGER_DIR`.
    pub fn resolve_dir(dir: Option<&Path>) -> Result<PathBuf, TasksError> {
        Ok(milmove_parser::find_spec_dir(dir)?)
    }

    /// The parser of one API.
    pub fn parser(&self, api: Api) -> &ApiParser {
        &self.parsers[api.index()]
    }
}
