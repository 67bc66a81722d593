//! The typed error every fallible call of this crate returns.

use std::path::PathBuf;

/// Everything that can go wrong while loading a spec, querying it or generating data.
///
/// Unknown paths, methods, statuses and definitions name the closest existing ones, so a
/// typo in a load test is fixed from the message alone.
#[derive(Debug, thiserror::Error)]
pub enum ParserError {
    /// The spec file (or a file it refers to) could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating-system error.
        error: std::io::Error,
    },
    /// The spec could not be fetched from a URL.
    #[error("cannot fetch {url}: {message}")]
    Fetch {
        /// The URL that was requested.
        url: String,
        /// What went wrong (connection, status, body).
        message: String,
    },
    /// The text is not valid YAML or JSON.
    #[error("{file}:{line}:{column}: not valid YAML/JSON: {message}")]
    Syntax {
        /// The file (or `<string>` / a URL) holding the text.
        file: String,
        /// 1-based line of the error (0 when unknown).
        line: usize,
        /// 1-based column of the error (0 when unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The document parsed but is not a usable Swagger 2.0 / OpenAPI 3.0 spec.
    #[error("{file}: invalid spec at {location}: {message}")]
    InvalidSpec {
        /// The file (or `<string>` / a URL) holding the spec.
        file: String,
        /// A JSON pointer to the offending node (e.g. `/paths/~1moves/get`).
        location: String,
        /// What is wrong there.
        message: String,
    },
    /// A `$ref` points at nothing, or at a file that cannot be used.
    #[error("{file}: bad $ref {reference:?}: {message}")]
    BadRef {
        /// The file holding the reference.
        file: String,
        /// The reference text.
        reference: String,
        /// Why it cannot be followed.
        message: String,
    },
    /// No path template matches (HTTP 404 for a stand-in server).
    #[error("unknown path {path:?}{}", closest_hint(closest))]
    UnknownPath {
        /// The path that was asked for.
        path: String,
        /// The closest existing path templates, best first.
        closest: Vec<String>,
    },
    /// The path exists but not with this method (HTTP 405 for a stand-in server).
    #[error("method {method} not allowed on {path:?}; allowed: {}", allowed.join(", "))]
    UnknownMethod {
        /// The method that was asked for (upper case).
        method: String,
        /// The matching path template.
        path: String,
        /// The methods the path declares (upper case).
        allowed: Vec<String>,
    },
    /// The operation declares no such response status.
    #[error("{method} {path} declares no response {status:?}; declared: {}", declared.join(", "))]
    UnknownStatus {
        /// The method (upper case).
        method: String,
        /// The path template.
        path: String,
        /// The status asked for.
        status: String,
        /// The statuses the operation declares.
        declared: Vec<String>,
    },
    /// No definition (component schema) has this name.
    #[error("unknown definition {name:?}{}", closest_hint(closest))]
    UnknownDefinition {
        /// The name asked for.
        name: String,
        /// The closest existing names, best first.
        closest: Vec<String>,
    },
    /// A schema could not be turned into a validator or a generator.
    #[error("cannot compile schema for {context}: {message}")]
    Compile {
        /// Which operation / definition the schema belongs to.
        context: String,
        /// Why compilation failed.
        message: String,
    },
    /// A value could not be generated (e.g. contradictory constraints).
    #[error("cannot generate data for {context}: {message}")]
    Generate {
        /// Which operation / field.
        context: String,
        /// Why generation failed.
        message: String,
    },
}

impl ParserError {
    /// The HTTP status a stand-in server should answer for this error when it came from
    /// [`crate::ApiParser::match_route`]: 404 for an unknown path, 405 for a wrong method,
    /// `None` for anything else.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ParserError::UnknownPath { .. } => Some(404),
            ParserError::UnknownMethod { .. } => Some(405),
            _ => None,
        }
    }
}

fn closest_hint(closest: &[String]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", closest.join(", "))
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = ParserError> = std::result::Result<T, E>;
