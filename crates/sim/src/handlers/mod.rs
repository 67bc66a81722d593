//! Operation handlers. Load-test endpoints get stateful handlers; every other operation is
//! answered by [`fallback`] with a body generated from its response schema.

mod downloads;
mod fallback;
mod ghc;
mod internal;
pub mod lookup;
mod prime;
pub mod roles;
mod support;
mod uploads;

use std::sync::Arc;

use axum::response::Response;
use http::{HeaderMap, StatusCode};
use milmove_parser::Operation;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::api::{json_response, Api, ApiError};
use crate::auth::Session;
use crate::validate::Spec;
use crate::SimState;

pub use fallback::fallback;

/// A validated request, ready for a handler.
pub struct Call<'a> {
    /// The API.
    pub api: Api,
    /// Its spec.
    pub spec: &'a Spec,
    /// The operation.
    pub op: &'a Operation,
    /// Path parameters.
    pub path_params: Vec<(String, String)>,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// Parsed JSON body, if any.
    pub body: Option<Value>,
    /// Raw body bytes (uploads).
    pub raw_body: &'a [u8],
    /// Session (office/customer listeners).
    pub session: Option<Arc<Session>>,
}

/// A handler's outcome.
pub type Outcome = Result<Response, ApiError>;

impl Call<'_> {
    /// A path parameter.
    pub fn path(&self, name: &str) -> &str {
        self.path_params
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A path parameter as a UUID (422 if malformed).
    pub fn path_uuid(&self, name: &str) -> Result<Uuid, ApiError> {
        parse_uuid(self.path(name), name)
    }

    /// A query parameter as go-swagger binds it: the last value given; an empty value is
    /// absent.
    pub fn query(&self, name: &str) -> Option<String> {
        crate::validate::query_value(&self.query, name, false)
    }

    /// The `If-Match` header (422 when missing).
    pub fn if_match(&self) -> Result<&str, ApiError> {
        self.headers
            .get("If-Match")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::invalid("If-Match", "If-Match is required"))
    }

    /// The body as an object (empty when absent or not an object).
    pub fn body_map(&self) -> Map<String, Value> {
        match &self.body {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    }

    /// A string field of the body.
    pub fn body_str(&self, name: &str) -> Option<&str> {
        self.body.as_ref()?.get(name)?.as_str()
    }

    /// A JSON answer, completed with whatever the operation's response schema for `status`
    /// requires that the state-built body lacks, then written as go-swagger writes it (no
    /// undeclared fields, empty optional ones left out: [`crate::shape::marshal`]).
    pub fn reply(&self, status: StatusCode, mut body: Value) -> Outcome {
        let code = status.as_str().to_string();
        if let Ok(Some(schema)) =
            self.spec
                .parser
                .response_body(&self.op.path, &self.op.method, Some(&code))
        {
            fallback::complete(&mut body, &schema, &schema, self.op, 0);
            crate::shape::marshal::marshal(&mut body, &schema, &schema);
        }
        Ok(json_response(status, &body))
    }

    /// The session (401 when absent).
    pub fn session(&self) -> Result<&Session, ApiError> {
        self.session
            .as_deref()
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "no session"))
    }
}

/// Parses a UUID field (422 naming the field when malformed).
pub fn parse_uuid(text: &str, field: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::invalid(field, "must be a UUID"))
}

/// Runs the handler for the call's operation, or the spec-driven fallback.
pub fn dispatch(sim: &SimState, call: &Call<'_>) -> Response {
    let op_id = call.op.operation_id.as_deref().unwrap_or("");
    if sim.store.limits.max_moves != usize::MAX {
        lookup::mark_in_use(&sim.store, call);
    }
    let handled = match call.api {
        Api::PrimeV1 | Api::PrimeV2 | Api::PrimeV3 => prime::handle(sim, call, op_id),
        Api::Support => support::handle(sim, call, op_id),
        Api::Ghc => ghc::handle(sim, call, op_id),
        Api::Internal => internal::handle(sim, call, op_id),
    }
    .or_else(|| downloads::handle(sim, call, op_id));
    match handled {
        Some(Ok(response)) => response,
        Some(Err(e)) => e.response(call.api),
        None => match lookup::missing(&sim.store, call) {
            Some(e) => e.response(call.api),
            None => fallback(call),
        },
    }
}
