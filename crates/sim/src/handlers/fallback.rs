//! The answer for operations without a stateful handler: the operation's first success
//! status (or, for retired endpoints that declare none, its first declared status, e.g. 410)
//! with a body built from that response's schema.
//!
//! Bodies come from the parser's fake response generator. [`complete`] fills in required
//! fields that state-built bodies lack, using the smallest valid value ([`minimal_instance`]).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{json, Map, Value};

use milmove_parser::{rng_from_seed, BodyGen, Direction, NoHooks, Operation};

use super::Call;
use crate::api::json_response;

/// Answers an operation from its spec.
pub fn fallback(call: &Call<'_>) -> Response {
    let op = call.op;
    let status = op
        .responses
        .iter()
        .find(|s| s.starts_with('2'))
        .or_else(|| op.responses.iter().find(|s| s.as_str() != "default"))
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let code = status.as_str().to_string();
    let fake = call
        .spec
        .parser
        .fake_response(&op.path, &op.method, Some(&code), rand::random());
    match fake {
        Ok(mut body) if status != StatusCode::NO_CONTENT => {
            if let Ok(Some(schema)) =
                call.spec
                    .parser
                    .response_body(&op.path, &op.method, Some(&code))
            {
                crate::shape::marshal::marshal(&mut body, &schema, &schema);
            }
            json_response(status, &body)
        }
        _ => status.into_response(),
    }
}

/// The smallest instance of a resolved OpenAPI schema: required properties only, first enum
/// value, `null` for required nullable fields, format-conforming strings.
pub fn minimal_instance(schema: &Value, root: &Value, op: &Operation, depth: usize) -> Value {
    if depth > 24 {
        return Value::Null;
    }
    let Some(obj) = schema.as_object() else {
        return json!({});
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or("");
        let target = root.get("definitions").and_then(|d| d.get(name));
        return match target {
            Some(t) => minimal_instance(t, root, op, depth + 1),
            None => Value::Null,
        };
    }
    if obj.get("nullable") == Some(&Value::Bool(true)) && depth > 0 {
        return Value::Null;
    }
    if let Some(first) = obj
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let number_floor = || {
        let min = obj.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
        let exclusive = obj.get("exclusiveMinimum") == Some(&Value::Bool(true));
        if exclusive {
            min + 1.0
        } else {
            min
        }
    };
    match obj.get("type").and_then(Value::as_str) {
        Some("string") if obj.contains_key("pattern") => {
            // Only the parser's generator knows how to satisfy a pattern.
            let today = chrono::Utc::now().date_naive();
            let gen = BodyGen::compile(schema, Direction::Response, today, &NoHooks, op);
            gen.generate(&mut rng_from_seed(rand::random()), false, None)
        }
        Some("string") => json!(format_example(obj)),
        Some("integer") => json!(number_floor() as i64),
        Some("number") => json!(number_floor()),
        Some("boolean") => json!(false),
        Some("array") => {
            let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = obj.get("items").cloned().unwrap_or(json!({}));
            Value::Array(
                (0..min)
                    .map(|_| minimal_instance(&item, root, op, depth + 1))
                    .collect(),
            )
        }
        _ => {
            let mut out = Map::new();
            let props = obj.get("properties").and_then(Value::as_object);
            for name in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let prop = props
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or(json!({}));
                out.insert(
                    name.to_string(),
                    minimal_instance(&prop, root, op, depth + 1),
                );
            }
            Value::Object(out)
        }
    }
}

/// Fills in whatever `schema` requires and `value` lacks (recursively, following a
/// discriminator to the subtype named in the value), so bodies built from state always carry
/// every required field of the API they are answered in.
pub fn complete(value: &mut Value, schema: &Value, root: &Value, op: &Operation, depth: usize) {
    if depth > 24 {
        return;
    }
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or("");
        if let Some(t) = root.get("definitions").and_then(|d| d.get(name)) {
            complete(value, t, root, op, depth + 1);
        }
        return;
    }
    match value {
        Value::Array(items) => {
            if let Some(item_schema) = obj.get("items") {
                for item in items {
                    complete(item, item_schema, root, op, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            let props = obj.get("properties").and_then(Value::as_object);
            for name in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(name) {
                    let prop = props
                        .and_then(|p| p.get(name))
                        .cloned()
                        .unwrap_or(json!({}));
                    map.insert(
                        name.to_string(),
                        minimal_instance(&prop, root, op, depth + 1),
                    );
                }
            }
            if let Some(props) = props {
                // Walk the fields the value has (usually far fewer than the schema declares).
                for (name, v) in map.iter_mut() {
                    if let Some(prop) = props.get(name) {
                        complete(v, prop, root, op, depth + 1);
                    }
                }
            }
            let subtype = obj
                .get("discriminator")
                .and_then(|d| d.get("propertyName").or(Some(d)))
                .and_then(Value::as_str)
                .and_then(|prop| map.get(prop))
                .and_then(Value::as_str)
                .and_then(|name| obj.get("x-subtypes")?.get(name))
                .cloned();
            if let Some(sub) = subtype {
                complete(value, &sub, root, op, depth + 1);
            }
        }
        _ => {}
    }
}

fn format_example(obj: &Map<String, Value>) -> String {
    match obj.get("format").and_then(Value::as_str) {
        Some("uuid") => uuid::Uuid::new_v4().to_string(),
        Some("date") => chrono::Utc::now().date_naive().to_string(),
        Some("date-time") => crate::state::model::rfc3339(&chrono::Utc::now()),
        Some("email" | "x-email") => "sim@example.com".into(),
        Some("uri") => "https://example.com/".into(),
        _ => {
            let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            "x".repeat(min)
        }
    }
}
