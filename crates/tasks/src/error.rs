//! The crate's error type (setup errors; task failures are recorded by the runner).

use std::path::PathBuf;

/// Errors while preparing the MilMove user classes.
#[derive(Debug, thiserror::Error)]
pub enum TasksError {
    /// No spec directory was given, `MILMOVE_SWAGGER_DIR` is not set and none was found.
    #[error("{0} (flag: --swagger-dir)")]
    NoSpecDir(#[from] milmove_parser::SpecDirNotFound),
    /// No spec folder, and the pinned specs could not be fetched (or `--offline`).
    #[error("{0}")]
    Specs(#[from] milmove_parser::SpecsError),
    /// A spec could not be loaded.
    #[error("cannot load the MilMove spec {path}: {source}")]
    Spec {
        /// The spec file.
        path: PathBuf,
        /// The parser's error.
        source: milmove_parser::ParserError,
    },
    /// A fake request body could not be generated.
    #[error("cannot generate a fake {method} {path} body: {message}")]
    Fake {
        /// HTTP method.
        method: String,
        /// Path template.
        path: String,
        /// The parser's message.
        message: String,
    },
}
