//! The loaded specs and request validation against them, through the parser's compiled
//! validators (the same ones tests use to check responses).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use http::HeaderMap;
use milmove_parser::{coerce_parameter, ApiParser, Operation, ParamLocation, SchemaValidator};
use serde_json::{Map, Value};

use crate::api::{Api, ApiError};
use crate::SimError;

/// One loaded spec.
pub struct Spec {
    /// Which API.
    pub api: Api,
    /// The parsed spec (routes, schemas, validators).
    pub parser: ApiParser,
}

/// Validation errors as `field → messages` (dotted instance path under `prefix`), at most 20.
pub fn field_errors(
    validator: &SchemaValidator,
    instance: &Value,
    prefix: &str,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Fast path: most requests are valid, and a yes/no check is cheaper than collecting errors.
    if validator.inner().is_valid(instance) {
        return out;
    }
    for error in validator.inner().iter_errors(instance).take(20) {
        let pointer = error.instance_path().to_string();
        let dotted = pointer.trim_start_matches('/').replace('/', ".");
        let key = if dotted.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{dotted}")
        };
        out.entry(key).or_default().push(error.to_string());
    }
    out
}

impl Spec {
    /// Loads `<dir>/<api.spec_file()>`.
    pub fn load(dir: &Path, api: Api) -> Result<Spec, SimError> {
        let path = dir.join(api.spec_file());
        let parser = ApiParser::from_file(&path)
            .map_err(|e| SimError::Spec(format!("{}: {e}", path.display())))?;
        Ok(Spec { api, parser })
    }

    /// The compiled response validator for an operation and status (`None`: no body).
    pub fn response_validator(&self, op: &Operation, status: u16) -> Option<Arc<SchemaValidator>> {
        let code = status.to_string();
        self.parser
            .response_validator(&op.path, &op.method, Some(&code))
            .ok()
            .flatten()
    }

    /// Validates a request's parameters and body; returns the parsed JSON body.
    pub fn validate_request(
        &self,
        op: &Operation,
        path_params: &[(String, String)],
        query: &[(String, String)],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<Value>, ApiError> {
        check_content_type(op, headers, body)?;
        let mut invalid: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let params = collect_params(op, path_params, query, headers, body, &mut invalid);
        if !params.is_empty() {
            if let Ok(validators) = self.parser.parameter_validators(&op.path, &op.method) {
                for (p, v) in op.parameters.iter().zip(validators.iter()) {
                    if let Some(value) = params.get(&p.name) {
                        invalid.extend(field_errors(v, value, &p.name));
                    }
                }
            }
        }
        let mut parsed = None;
        if op.has_json_body {
            let is_blank = body.iter().all(u8::is_ascii_whitespace);
            if is_blank && op.body_required {
                invalid.insert("body".into(), vec!["body is required".into()]);
            } else if !is_blank {
                match serde_json::from_slice::<Value>(body) {
                    Ok(value) => {
                        let validator = self.parser.request_validator(&op.path, &op.method);
                        if let Ok(Some(v)) = validator {
                            invalid.extend(field_errors(&v, &value, "body"));
                        }
                        parsed = Some(value);
                    }
                    Err(e) => {
                        invalid.insert("body".into(), vec![format!("body is not valid JSON: {e}")]);
                    }
                }
            }
        }
        if invalid.is_empty() {
            Ok(parsed)
        } else {
            Err(ApiError::validation(invalid))
        }
    }
}

/// go-swagger's content negotiation: a request that has a body must use a media type the
/// operation consumes (none declared: anything goes); a missing `Content-Type` counts as
/// `application/octet-stream`. 415 otherwise.
fn check_content_type(op: &Operation, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    if body.is_empty() || op.consumes.is_empty() {
        return Ok(());
    }
    let header = headers
        .get(http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let actual = match header.trim() {
        "" => "application/octet-stream".to_string(),
        text => text
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    };
    let allowed = op.consumes.iter().any(|c| {
        let c = c.to_ascii_lowercase();
        c == actual
            || c == "*/*"
            || c.strip_suffix("/*")
                .is_some_and(|major| actual.split('/').next() == Some(major))
    });
    if allowed {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(&actual, &op.consumes))
    }
}

/// The raw value of a query parameter as go-swagger binds it: the last occurrence (`name` or
/// `name[]`), or every occurrence joined for a `multi` array; an empty value of an optional
/// parameter counts as absent.
pub fn query_value(query: &[(String, String)], name: &str, multi: bool) -> Option<String> {
    let bracketed = format!("{name}[]");
    let mut values = query
        .iter()
        .filter(|(k, _)| *k == name || *k == bracketed)
        .map(|(_, v)| v.as_str());
    let value = if multi {
        let all: Vec<&str> = values.filter(|v| !v.is_empty()).collect();
        all.join(",")
    } else {
        values.next_back()?.to_string()
    };
    (!value.is_empty()).then_some(value)
}

fn collect_params(
    op: &Operation,
    path_params: &[(String, String)],
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
    invalid: &mut BTreeMap<String, Vec<String>>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for p in &op.parameters {
        let raw: Option<String> = match p.location {
            ParamLocation::Path => path_params
                .iter()
                .find(|(k, _)| *k == p.name)
                .map(|(_, v)| v.clone()),
            ParamLocation::Query => {
                let multi =
                    p.schema.get("type").and_then(Value::as_str) == Some("array") && p.explode;
                query_value(query, &p.name, multi)
            }
            ParamLocation::Header => headers
                .get(p.name.as_str())
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            ParamLocation::Cookie => crate::http_util::cookie(headers, &p.name).map(String::from),
            ParamLocation::FormData => {
                let needle = format!("name=\"{}\"", p.name);
                let present = body.windows(needle.len()).any(|w| w == needle.as_bytes());
                if p.required && !present {
                    invalid
                        .entry(p.name.clone())
                        .or_default()
                        .push(format!("{} in formData is required", p.name));
                }
                continue;
            }
        };
        match raw {
            Some(value) => {
                out.insert(p.name.clone(), coerce_parameter(p, &value));
            }
            None if p.required => {
                invalid.entry(p.name.clone()).or_default().push(format!(
                    "{} in {} is required",
                    p.name,
                    p.location.as_str()
                ));
            }
            None => {}
        }
    }
    out
}

/// All loaded specs.
pub struct Specs {
    entries: Vec<(Api, Arc<Spec>)>,
}

impl Specs {
    /// Loads every API's spec from `dir` (in parallel: start-up time matters for `--host sim`).
    pub fn load(dir: &Path) -> Result<Specs, SimError> {
        let loaded: Vec<Result<Spec, SimError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = Api::ALL
                .iter()
                .map(|api| scope.spawn(move || Spec::load(dir, *api)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(SimError::Spec("spec loader panicked".into())))
                })
                .collect()
        });
        let mut entries = Vec::new();
        for spec in loaded {
            let spec = spec?;
            entries.push((spec.api, Arc::new(spec)));
        }
        Ok(Specs { entries })
    }

    /// The spec of an API.
    pub fn get(&self, api: Api) -> Option<&Arc<Spec>> {
        self.entries.iter().find(|(a, _)| *a == api).map(|(_, s)| s)
    }
}
