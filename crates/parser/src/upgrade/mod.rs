//! Upgrading a Swagger 2.0 document to OpenAPI 3.0 (as a `serde_json::Value` shaped like
//! `openapiv3::OpenAPI`); OpenAPI 3.0.x documents pass through.
//!
//! Body and formData parameters become request bodies, `definitions` become
//! `components/schemas`, `x-nullable` becomes `nullable`, consumes/produces become content
//! types, a `discriminator` string becomes `{propertyName}`, `type: file` becomes a binary
//! string. Path-level parameters are merged into each operation by (name, in).

use serde_json::{json, Map, Value};

use crate::error::{ParserError, Result};
use crate::load::escape_pointer;

mod convert;
use crate::pointer::lookup_pointer;
pub use convert::convert_schema;
use convert::{
    body_request, convert_param, convert_response, convert_security, copy_extensions, form_request,
};

/// HTTP methods an OpenAPI path item may hold, in the order operations are listed.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Upgrades `doc` (named `file` in errors) to OpenAPI 3.0.
pub fn upgrade(doc: Value, file: &str) -> Result<Value> {
    let invalid = |location: &str, message: &str| ParserError::InvalidSpec {
        file: file.to_string(),
        location: location.to_string(),
        message: message.to_string(),
    };
    if !doc.is_object() {
        return Err(invalid("", "the document is not a mapping"));
    }
    if let Some(v) = doc.get("openapi") {
        return match v.as_str() {
            Some(s) if s.starts_with("3.0") => Ok(doc),
            _ => Err(invalid("/openapi", "only OpenAPI 3.0.x is supported")),
        };
    }
    match doc.get("swagger") {
        Some(Value::String(s)) if s == "2.0" => {}
        Some(Value::Number(n)) if n.as_f64() == Some(2.0) => {}
        _ => {
            return Err(invalid(
                "",
                "neither `swagger: \"2.0\"` nor `openapi: 3.0.x` is declared",
            ))
        }
    }
    let mut doc = doc;
    repair_schema_refs_to_responses(&mut doc, file);
    Upgrader { doc: &doc, file }.run()
}

/// Real specs contain `schema: {$ref: '#/responses/X'}` (a schema pointing at a response);
/// such a reference is replaced by that response's schema, with a warning.
fn repair_schema_refs_to_responses(doc: &mut Value, file: &str) {
    let responses = doc.get("responses").cloned().unwrap_or(Value::Null);
    fn walk(v: &mut Value, responses: &Value, file: &str) {
        match v {
            Value::Object(obj) => {
                for (k, child) in obj.iter_mut() {
                    if k == "schema" {
                        let target = child
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix("#/responses/"))
                            .map(String::from);
                        if let Some(name) = target {
                            let schema = responses.get(&name).and_then(|r| r.get("schema"));
                            tracing::warn!(
                                "{file}: a schema refers to response {name:?}; using that response's schema"
                            );
                            *child = schema.cloned().unwrap_or_else(|| json!({}));
                            continue;
                        }
                    }
                    walk(child, responses, file);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, responses, file)),
            _ => {}
        }
    }
    if let Some(paths) = doc.get_mut("paths") {
        walk(paths, &responses, file);
    }
}

struct Upgrader<'a> {
    doc: &'a Value,
    file: &'a str,
}

impl Upgrader<'_> {
    fn invalid(&self, location: &str, message: impl Into<String>) -> ParserError {
        ParserError::InvalidSpec {
            file: self.file.to_string(),
            location: location.to_string(),
            message: message.into(),
        }
    }

    fn run(&self) -> Result<Value> {
        let d = self.doc;
        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.0.3"));
        let info = d.get("info").cloned().unwrap_or_else(|| json!({}));
        let mut info = if info.is_object() { info } else { json!({}) };
        for (key, default) in [("title", ""), ("version", "")] {
            if info.get(key).and_then(Value::as_str).is_none() {
                info[key] = json!(default);
            }
        }
        out.insert("info".into(), info);
        out.insert("servers".into(), json!([{ "url": self.server_url() }]));
        for key in ["tags", "externalDocs", "security"] {
            if let Some(v) = d.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        copy_extensions(d, &mut out);
        let mut components = Map::new();
        if let Some(defs) = d.get("definitions").and_then(Value::as_object) {
            let schemas: Map<String, Value> = defs
                .iter()
                .map(|(k, v)| (k.clone(), convert_schema(v)))
                .collect();
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if let Some(sec) = d.get("securityDefinitions").and_then(Value::as_object) {
            let schemes: Map<String, Value> = sec
                .iter()
                .map(|(k, v)| (k.clone(), convert_security(v)))
                .collect();
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        out.insert("components".into(), Value::Object(components));
        let mut paths = Map::new();
        match d.get("paths") {
            Some(Value::Object(p)) => {
                for (path, item) in p {
                    let loc = format!("/paths/{}", escape_pointer(path));
                    paths.insert(path.clone(), self.path_item(item, &loc)?);
                }
            }
            None => {}
            Some(_) => return Err(self.invalid("/paths", "`paths` is not a mapping")),
        }
        out.insert("paths".into(), Value::Object(paths));
        Ok(Value::Object(out))
    }

    fn server_url(&self) -> String {
        let base = self
            .doc
            .get("basePath")
            .and_then(Value::as_str)
            .unwrap_or("/");
        match self.doc.get("host").and_then(Value::as_str) {
            Some(host) => {
                let scheme = self
                    .doc
                    .pointer("/schemes/0")
                    .and_then(Value::as_str)
                    .unwrap_or("https");
                format!("{scheme}://{host}{base}")
            }
            None => base.to_string(),
        }
    }

    fn path_item(&self, item: &Value, loc: &str) -> Result<Value> {
        let Some(item) = item.as_object() else {
            return Err(self.invalid(loc, "path item is not a mapping"));
        };
        let shared = self.params(item.get("parameters"), &format!("{loc}/parameters"))?;
        let mut out = Map::new();
        for (k, v) in item {
            if k.starts_with("x-") {
                out.insert(k.clone(), v.clone());
            }
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_loc = format!("{loc}/{method}");
            out.insert(method.into(), self.operation(op, &shared, &op_loc)?);
        }
        Ok(Value::Object(out))
    }

    /// Parameters with `$ref`s to `#/parameters/...` inlined.
    fn params(&self, list: Option<&Value>, loc: &str) -> Result<Vec<Value>> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let Some(list) = list.as_array() else {
            return Err(self.invalid(loc, "`parameters` is not a list"));
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let mut target = lookup_pointer(self.doc, r).cloned().ok_or_else(|| {
                        ParserError::BadRef {
                            file: self.file.to_string(),
                            reference: r.to_string(),
                            message: format!("no parameter there (at {loc}/{i})"),
                        }
                    })?;
                    merge_siblings(&mut target, p);
                    target
                }
                None => p.clone(),
            };
            if p.get("name").and_then(Value::as_str).is_none()
                || p.get("in").and_then(Value::as_str).is_none()
            {
                return Err(self.invalid(&format!("{loc}/{i}"), "parameter without name/in"));
            }
            out.push(p);
        }
        Ok(out)
    }

    fn operation(&self, op: &Value, shared: &[Value], loc: &str) -> Result<Value> {
        let Some(op_obj) = op.as_object() else {
            return Err(self.invalid(loc, "operation is not a mapping"));
        };
        let own = self.params(op.get("parameters"), &format!("{loc}/parameters"))?;
        let merged = merge_params(shared, &own);
        let mut out = Map::new();
        for (k, v) in op_obj {
            let keep = k.starts_with("x-")
                || matches!(
                    k.as_str(),
                    "tags" | "summary" | "description" | "operationId" | "deprecated" | "security"
                );
            if keep {
                out.insert(k.clone(), v.clone());
            }
        }
        let consumes = self.media_types(op, "consumes");
        let mut params = Vec::new();
        let mut form = Vec::new();
        for p in merged {
            match p.get("in").and_then(Value::as_str) {
                Some("body") => {
                    out.insert("requestBody".into(), body_request(&p, &consumes));
                    if let Some(name) = p.get("name") {
                        out.insert("x-codegen-request-body-name".into(), name.clone());
                    }
                }
                Some("formData") => form.push(p),
                _ => params.push(convert_param(&p)),
            }
        }
        if !form.is_empty() {
            out.insert("requestBody".into(), form_request(&form, &consumes));
        }
        if !params.is_empty() {
            out.insert("parameters".into(), Value::Array(params));
        }
        let produces = self.media_types(op, "produces");
        let mut responses = Map::new();
        if let Some(rs) = op.get("responses").and_then(Value::as_object) {
            for (status, r) in rs {
                if status.starts_with("x-") {
                    continue;
                }
                let r =
                    match r.get("$ref").and_then(Value::as_str) {
                        Some(reference) => lookup_pointer(self.doc, reference)
                            .cloned()
                            .ok_or_else(|| ParserError::BadRef {
                                file: self.file.to_string(),
                                reference: reference.to_string(),
                                message: format!("no response there (at {loc}/responses)"),
                            })?,
                        None => r.clone(),
                    };
                responses.insert(status.clone(), convert_response(&r, &produces));
            }
        }
        out.insert("responses".into(), Value::Object(responses));
        Ok(Value::Object(out))
    }

    fn media_types(&self, op: &Value, key: &str) -> Vec<String> {
        let list = op.get(key).or_else(|| self.doc.get(key));
        let types: Vec<String> = list
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if types.is_empty() {
            vec!["application/json".to_string()]
        } else {
            types
        }
    }
}

/// Merges path-level and operation-level parameters by (name, in); the operation wins.
pub fn merge_params(shared: &[Value], own: &[Value]) -> Vec<Value> {
    let key = |p: &Value| {
        (
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            p.get("in")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        )
    };
    let mut out: Vec<Value> = shared.to_vec();
    for p in own {
        match out.iter().position(|q| key(q) == key(p)) {
            Some(i) => out[i] = p.clone(),
            None => out.push(p.clone()),
        }
    }
    out
}

fn merge_siblings(target: &mut Value, reference: &Value) {
    if let (Some(t), Some(r)) = (target.as_object_mut(), reference.as_object()) {
        for (k, v) in r.iter().filter(|(k, _)| k.as_str() != "$ref") {
            t.insert(k.clone(), v.clone());
        }
    }
}
