//! The operations of a spec: method, path template, parameters, body and responses.

use serde_json::Value;

use crate::resolve::Resolver;
use crate::upgrade::METHODS;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie (OpenAPI 3 only).
    Cookie,
    /// A field of a `multipart/form-data` or url-encoded body (Swagger 2 `formData`).
    FormData,
}

impl ParamLocation {
    /// The spec's name for the location (`path`, `query`, `header`, `cookie`, `formData`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
            ParamLocation::FormData => "formData",
        }
    }
}

/// One parameter of an operation (path and operation level already merged by (name, in)).
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The parameter name.
    pub name: String,
    /// Where it travels.
    pub location: ParamLocation,
    /// Whether the request must carry it.
    pub required: bool,
    /// Its resolved JSON schema (`nullable` kept as in the spec).
    pub schema: Value,
    /// Its description, if any.
    pub description: Option<String>,
    /// An array sent as repeated `name=…` pairs (Swagger 2.0 `collectionFormat: multi`,
    /// OpenAPI `explode: true`) rather than one comma-separated value.
    pub explode: bool,
}

/// One operation: a method on a path template.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// Path template without the base path, e.g. `/mto-shipments/{mtoShipmentID}`.
    pub path: String,
    /// The `operationId`, if the spec gives one.
    pub operation_id: Option<String>,
    /// The operation's summary line, if any.
    pub summary: Option<String>,
    /// Tags (MilMove groups endpoints by tag, e.g. `mtoShipment`).
    pub tags: Vec<String>,
    /// Parameters other than the body.
    pub parameters: Vec<Parameter>,
    /// Whether the request body is JSON.
    pub has_json_body: bool,
    /// Whether a request body is required.
    pub body_required: bool,
    /// Request content types (`application/json`, `multipart/form-data`, …).
    pub consumes: Vec<String>,
    /// Response content types.
    pub produces: Vec<String>,
    /// Declared response statuses (`200`, `201`, `422`, `default`, …) in spec order.
    pub responses: Vec<String>,
}

impl Operation {
    /// `METHOD path`, e.g. `POST /mto-shipments`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Reads every operation of an OpenAPI 3 document, in path order and method order.
pub fn read_operations(doc: &Value, resolver: &Resolver<'_>) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let merged = crate::upgrade::merge_params(&shared, &own);
            out.push(read_operation(doc, resolver, path, method, op, &merged));
        }
    }
    out
}

fn read_operation(
    doc: &Value,
    resolver: &Resolver<'_>,
    path: &str,
    method: &str,
    op: &Value,
    params: &[Value],
) -> Operation {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut parameters = Vec::new();
    for p in params {
        let p = deref(doc, p);
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("cookie") => ParamLocation::Cookie,
            _ => continue,
        };
        parameters.push(Parameter {
            name: p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            location,
            explode: p.get("explode").and_then(Value::as_bool).unwrap_or(false),
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            schema: resolver.resolve(p.get("schema").unwrap_or(&Value::Bool(true))),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .map(String::from),
        });
    }
    let body = op.get("requestBody").map(|b| deref(doc, b));
    let consumes: Vec<String> = body
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(form) = body.and_then(form_schema) {
        let form = resolver.resolve(form);
        let required = strings(form.get("required"));
        if let Some(props) = form.get("properties").and_then(Value::as_object) {
            for (name, schema) in props {
                parameters.push(Parameter {
                    name: name.clone(),
                    location: ParamLocation::FormData,
                    explode: false,
                    required: required.contains(name),
                    schema: schema.clone(),
                    description: schema
                        .get("description")
                        .and_then(Value::as_str)
                        .map(String::from),
                });
            }
        }
    }
    let responses: Vec<String> = op
        .get("responses")
        .and_then(Value::as_object)
        .map(|r| r.keys().filter(|k| !k.starts_with("x-")).cloned().collect())
        .unwrap_or_default();
    let mut produces: Vec<String> = Vec::new();
    for r in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        let r = deref(doc, r);
        for mt in r
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|c| c.keys())
        {
            if !produces.contains(mt) {
                produces.push(mt.clone());
            }
        }
    }
    Operation {
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        operation_id: op
            .get("operationId")
            .and_then(Value::as_str)
            .map(String::from),
        summary: op.get("summary").and_then(Value::as_str).map(String::from),
        tags: strings(op.get("tags")),
        parameters,
        has_json_body: consumes.iter().any(|c| is_json(c)),
        body_required: body
            .and_then(|b| b.get("required"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        consumes,
        produces,
        responses,
    }
}

/// Follows a `$ref` on a non-schema object (parameter, request body, response).
pub fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut cur = v;
    for _ in 0..16 {
        match cur.get("$ref").and_then(Value::as_str) {
            Some(r) => match crate::pointer::lookup_pointer(doc, r) {
                Some(t) => cur = t,
                None => return cur,
            },
            None => return cur,
        }
    }
    cur
}

fn form_schema(body: &Value) -> Option<&Value> {
    let content = body.get("content")?.as_object()?;
    if content.keys().any(|k| is_json(k)) {
        return None;
    }
    content
        .iter()
        .find(|(k, _)| k.contains("form"))
        .and_then(|(_, m)| m.get("schema"))
}

/// Whether a media type is JSON (`application/json`, `application/merge-patch+json`, …).
pub fn is_json(media_type: &str) -> bool {
    let mt = media_type.split(';').next().unwrap_or("").trim();
    mt == "application/json" || mt.ends_with("+json") || mt == "*/*"
}
