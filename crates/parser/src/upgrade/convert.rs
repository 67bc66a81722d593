//! Conversion of single Swagger 2.0 objects (schemas, parameters, responses, security
//! schemes) to their OpenAPI 3.0 shapes.

use serde_json::{json, Map, Value};

use crate::load::escape_pointer;

const DATA_KEYS: [&str; 6] = [
    "example",
    "examples",
    "x-examples",
    "default",
    "enum",
    "const",
];

/// Copies the `x-` extension keys of `from` into `to`.
pub(super) fn copy_extensions(from: &Value, to: &mut Map<String, Value>) {
    if let Some(obj) = from.as_object() {
        for (k, v) in obj.iter().filter(|(k, _)| k.starts_with("x-")) {
            to.insert(k.clone(), v.clone());
        }
    }
}

/// Converts a Swagger 2.0 schema to an OpenAPI 3.0 one (recursively).
pub fn convert_schema(v: &Value) -> Value {
    match v {
        Value::Object(obj) => {
            let mut out = Map::with_capacity(obj.len());
            for (k, child) in obj {
                match k.as_str() {
                    "$ref" => {
                        let r = child.as_str().unwrap_or_default();
                        let r = r.replacen("#/definitions/", "#/components/schemas/", 1);
                        out.insert(k.clone(), Value::String(r));
                    }
                    "x-nullable" => {
                        out.insert("nullable".into(), child.clone());
                    }
                    "discriminator" if child.is_string() => {
                        out.insert(k.clone(), json!({ "propertyName": child }));
                    }
                    "type" if child == "file" => {
                        out.insert("type".into(), json!("string"));
                        out.insert("format".into(), json!("binary"));
                    }
                    _ if DATA_KEYS.contains(&k.as_str()) => {
                        out.insert(k.clone(), child.clone());
                    }
                    _ => {
                        out.insert(k.clone(), convert_schema(child));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(convert_schema).collect()),
        other => other.clone(),
    }
}

const PARAM_SCHEMA_KEYS: [&str; 17] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
];

pub(super) fn param_schema(p: &Value) -> Value {
    let mut schema = Map::new();
    if let Some(obj) = p.as_object() {
        for key in PARAM_SCHEMA_KEYS {
            if let Some(v) = obj.get(key) {
                schema.insert(key.into(), v.clone());
            }
        }
    }
    convert_schema(&Value::Object(schema))
}

pub(super) fn convert_param(p: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "name",
        "in",
        "description",
        "required",
        "deprecated",
        "allowEmptyValue",
    ] {
        if let Some(v) = p.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    copy_extensions(p, &mut out);
    if p.get("in").and_then(Value::as_str) == Some("path") {
        out.insert("required".into(), json!(true));
    }
    if let Some(cf) = p.get("collectionFormat").and_then(Value::as_str) {
        let explode = cf == "multi";
        out.insert("explode".into(), json!(explode));
        if p.get("in").and_then(Value::as_str) == Some("query") {
            let style = match cf {
                "ssv" => "spaceDelimited",
                "pipes" => "pipeDelimited",
                _ => "form",
            };
            out.insert("style".into(), json!(style));
        }
    }
    out.insert("schema".into(), param_schema(p));
    Value::Object(out)
}

pub(super) fn body_request(p: &Value, consumes: &[String]) -> Value {
    let schema = p
        .get("schema")
        .map(convert_schema)
        .unwrap_or_else(|| json!({}));
    let content: Map<String, Value> = consumes
        .iter()
        .map(|mt| (mt.clone(), json!({ "schema": schema })))
        .collect();
    let mut out = json!({
        "required": p.get("required").cloned().unwrap_or(json!(false)),
        "content": content,
    });
    if let Some(d) = p.get("description") {
        out["description"] = d.clone();
    }
    out
}

pub(super) fn form_request(form: &[Value], consumes: &[String]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in form {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let mut schema = param_schema(p);
        if let Some(d) = p.get("description") {
            schema["description"] = d.clone();
        }
        props.insert(name.to_string(), schema);
        if p.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(json!(name));
        }
    }
    let mut schema = json!({ "type": "object", "properties": props });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    let form_types: Vec<&String> = consumes.iter().filter(|mt| mt.contains("form")).collect();
    let mut content = Map::new();
    if form_types.is_empty() {
        content.insert("multipart/form-data".into(), json!({ "schema": schema }));
    }
    for mt in form_types {
        content.insert(mt.clone(), json!({ "schema": schema }));
    }
    json!({ "required": !required_empty(&schema), "content": content })
}

pub(super) fn required_empty(schema: &Value) -> bool {
    schema.get("required").is_none()
}

pub(super) fn convert_response(r: &Value, produces: &[String]) -> Value {
    let mut out = Map::new();
    let description = r.get("description").cloned().unwrap_or_else(|| json!(""));
    out.insert("description".into(), description);
    copy_extensions(r, &mut out);
    if let Some(headers) = r.get("headers").and_then(Value::as_object) {
        let h: Map<String, Value> = headers
            .iter()
            .map(|(k, v)| {
                let mut header = json!({ "schema": param_schema(v) });
                if let Some(d) = v.get("description") {
                    header["description"] = d.clone();
                }
                (k.clone(), header)
            })
            .collect();
        out.insert("headers".into(), Value::Object(h));
    }
    if let Some(schema) = r.get("schema") {
        let schema = convert_schema(schema);
        let content: Map<String, Value> = produces
            .iter()
            .map(|mt| {
                let mut media = json!({ "schema": schema });
                if let Some(ex) = r.pointer(&format!("/examples/{}", escape_pointer(mt))) {
                    media["example"] = ex.clone();
                }
                (mt.clone(), media)
            })
            .collect();
        out.insert("content".into(), Value::Object(content));
    }
    Value::Object(out)
}

pub(super) fn convert_security(s: &Value) -> Value {
    match s.get("type").and_then(Value::as_str) {
        Some("basic") => json!({ "type": "http", "scheme": "basic" }),
        Some("oauth2") => {
            let flow = match s.get("flow").and_then(Value::as_str) {
                Some("password") => "password",
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                _ => "implicit",
            };
            let mut f = json!({ "scopes": s.get("scopes").cloned().unwrap_or(json!({})) });
            for key in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = s.get(key) {
                    f[key] = v.clone();
                }
            }
            json!({ "type": "oauth2", "flows": { flow: f } })
        }
        _ => s.clone(),
    }
}
