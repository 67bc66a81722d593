//! The MilMove APIs the stand-in serves, and their error bodies in MilMove's shapes.

use std::collections::BTreeMap;

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::{json, Value};

use crate::state::StateError;

/// One MilMove API (one spec, one base path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `/prime/v1` (prime.yaml)
    PrimeV1,
    /// `/prime/v2` (prime_v2.yaml)
    PrimeV2,
    /// `/prime/v3` (prime_v3.yaml)
    PrimeV3,
    /// `/support/v1` (support.yaml)
    Support,
    /// `/ghc/v1` (ghc.yaml)
    Ghc,
    /// `/internal` (internal.yaml)
    Internal,
}

impl Api {
    /// Every API.
    pub const ALL: [Api; 6] = [
        Api::PrimeV1,
        Api::PrimeV2,
        Api::PrimeV3,
        Api::Support,
        Api::Ghc,
        Api::Internal,
    ];

    /// Base path.
    pub fn base_path(self) -> &'static str {
        match self {
            Api::PrimeV1 => "/prime/v1",
            Api::PrimeV2 => "/prime/v2",
            Api::PrimeV3 => "/prime/v3",
            Api::Support => "/support/v1",
            Api::Ghc => "/ghc/v1",
            Api::Internal => "/internal",
        }
    }

    /// Spec file name inside the bundled spec directory.
    pub fn spec_file(self) -> &'static str {
        match self {
            Api::PrimeV1 => "prime.yaml",
            Api::PrimeV2 => "prime_v2.yaml",
            Api::PrimeV3 => "prime_v3.yaml",
            Api::Support => "support.yaml",
            Api::Ghc => "ghc.yaml",
            Api::Internal => "internal.yaml",
        }
    }

    /// Whether the API is served on the mutual-TLS listener.
    pub fn is_mtls(self) -> bool {
        matches!(
            self,
            Api::PrimeV1 | Api::PrimeV2 | Api::PrimeV3 | Api::Support
        )
    }

    /// Splits a request path into the API and the path below its base path.
    pub fn split(path: &str) -> Option<(Api, &str)> {
        Api::ALL.iter().find_map(|api| {
            let rest = path.strip_prefix(api.base_path())?;
            (rest.is_empty() || rest.starts_with('/')).then_some((*api, rest))
        })
    }
}

/// An error answer, rendered in the shape the API's spec declares.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Short title.
    pub title: String,
    /// Detail message.
    pub detail: String,
    /// Field → messages for 422 answers.
    pub invalid_fields: BTreeMap<String, Vec<String>>,
    /// Raised by the go-swagger framework itself (routing, content type, parameter binding)
    /// rather than by a handler: MilMove's `ServeCustomError` renders these as
    /// `{title, instance, detail}` in every API.
    pub framework: bool,
}

impl ApiError {
    /// An error with a status and detail; the title is the status reason.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            detail: detail.into(),
            invalid_fields: BTreeMap::new(),
            framework: false,
        }
    }

    /// An error raised by the go-swagger framework (unknown route, wrong method), with the
    /// title MilMove's `ServeCustomError` gives its status.
    pub fn framework(status: StatusCode, detail: impl Into<String>) -> Self {
        let mut e = Self::new(status, detail);
        e.framework = true;
        e.title = match status {
            StatusCode::NOT_FOUND => "Not Found Error".into(),
            StatusCode::METHOD_NOT_ALLOWED => "Method Not Allowed".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported Media Type".into(),
            other => other.canonical_reason().unwrap_or("Error").into(),
        };
        e
    }

    /// 415: the request body's media type is not one the operation consumes (go-openapi's
    /// `InvalidContentType` message, rendered by MilMove's `ServeCustomError`).
    pub fn unsupported_media_type(actual: &str, allowed: &[String]) -> Self {
        Self::framework(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "unsupported media type {actual:?}, only [{}] are allowed",
                allowed.join(" ")
            ),
        )
    }

    /// A 422 with invalid fields.
    pub fn validation(invalid_fields: BTreeMap<String, Vec<String>>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request payload is invalid",
        );
        e.title = "Validation Error".into();
        e.invalid_fields = invalid_fields;
        e
    }

    /// A 422 about one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(field.to_string(), vec![message.into()])]))
    }

    /// The JSON body for `api`.
    pub fn body(&self, api: Api) -> Value {
        let instance = uuid::Uuid::new_v4().to_string();
        let unprocessable = self.status == StatusCode::UNPROCESSABLE_ENTITY;
        if self.framework {
            return json!({"title": self.title, "instance": instance, "detail": self.detail});
        }
        match api {
            Api::Ghc if unprocessable => {
                let fields: serde_json::Map<String, Value> = self
                    .invalid_fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.join("; "))))
                    .collect();
                json!({"title": self.title, "detail": self.detail, "instance": instance,
                       "invalid_fields": fields})
            }
            Api::Ghc => json!({"message": format!("{}: {}", self.title, self.detail)}),
            _ if unprocessable => json!({"title": self.title, "detail": self.detail,
                "instance": instance, "invalidFields": self.invalid_fields}),
            _ => json!({"title": self.title, "detail": self.detail, "instance": instance}),
        }
    }

    /// The full response for `api`.
    pub fn response(&self, api: Api) -> Response {
        json_response(self.status, &self.body(api))
    }
}

impl From<StateError> for ApiError {
    fn from(e: StateError) -> Self {
        match &e {
            StateError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            StateError::PreconditionFailed(_) => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, e.to_string())
            }
            StateError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            StateError::Invalid { field, message } => ApiError::invalid(field, message.clone()),
        }
    }
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths_and_shapes_errors() {
        assert_eq!(
            Api::split("/prime/v3/mto-shipments"),
            Some((Api::PrimeV3, "/mto-shipments"))
        );
        assert_eq!(Api::split("/internal"), Some((Api::Internal, "")));
        assert_eq!(Api::split("/internalx"), None);
        let e = ApiError::invalid("body.weight", "must be positive");
        assert!(e.body(Api::Ghc)["invalid_fields"]["body.weight"].is_string());
        assert!(e.body(Api::PrimeV1)["invalidFields"]["body.weight"].is_array());
        let nf = ApiError::new(StatusCode::NOT_FOUND, "x");
        assert!(nf.body(Api::Ghc)["message"].is_string());
        assert!(nf.body(Api::Support)["instance"].is_string());
        let route = ApiError::framework(StatusCode::NOT_FOUND, "path /x was not found");
        assert_eq!(route.body(Api::Ghc)["title"], "Not Found Error");
    }
}
