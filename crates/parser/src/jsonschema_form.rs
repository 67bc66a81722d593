//! Converting a resolved OpenAPI schema into plain JSON Schema (draft 2019-09) for the
//! `jsonschema` crate: `nullable` → `"null"` allowed, boolean `exclusiveMaximum` →
//! numeric, discriminator subtypes → `if`/`then` branches, readOnly fields not required in
//! requests.

use serde_json::{json, Map, Value};

/// Which way a body travels: requests never carry readOnly fields, so they are not required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client → server.
    Request,
    /// Server → client.
    Response,
}

/// The JSON Schema form of a resolved schema.
pub fn to_json_schema(schema: &Value, dir: Direction) -> Value {
    convert(schema, dir)
}

fn convert(schema: &Value, dir: Direction) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    let nullable = obj
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(r) = obj.get("$ref") {
        let stub = json!({ "$ref": r });
        return if nullable {
            json!({ "anyOf": [stub, { "type": "null" }] })
        } else {
            stub
        };
    }
    let mut out = Map::with_capacity(obj.len());
    for (k, v) in obj {
        match k.as_str() {
            "type" => {
                let t = match (v, nullable) {
                    (Value::String(t), true) => json!([t, "null"]),
                    _ => v.clone(),
                };
                out.insert(k.clone(), t);
            }
            "enum" => {
                let mut values = v.as_array().cloned().unwrap_or_default();
                if nullable && !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
                out.insert(k.clone(), Value::Array(values));
            }
            "exclusiveMaximum" | "exclusiveMinimum" => {
                if v.as_bool() == Some(true) {
                    let bound = if k == "exclusiveMaximum" {
                        "maximum"
                    } else {
                        "minimum"
                    };
                    if let Some(b) = obj.get(bound) {
                        out.insert(k.clone(), b.clone());
                    }
                } else if v.is_number() {
                    out.insert(k.clone(), v.clone());
                }
            }
            "maximum" | "minimum" => {
                let ex = if k == "maximum" {
                    "exclusiveMaximum"
                } else {
                    "exclusiveMinimum"
                };
                if obj.get(ex).and_then(Value::as_bool) != Some(true) {
                    out.insert(k.clone(), v.clone());
                }
            }
            "properties" | "patternProperties" | "definitions" => {
                let map = v.as_object().map(|m| {
                    m.iter()
                        .map(|(n, s)| (n.clone(), convert(s, dir)))
                        .collect::<Map<_, _>>()
                });
                out.insert(k.clone(), Value::Object(map.unwrap_or_default()));
            }
            "required" => {
                let props = obj.get("properties");
                let list: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|name| {
                        dir == Direction::Response
                            || !name
                                .as_str()
                                .and_then(|n| props?.get(n)?.get("readOnly")?.as_bool())
                                .unwrap_or(false)
                    })
                    .cloned()
                    .collect();
                if !list.is_empty() {
                    out.insert(k.clone(), Value::Array(list));
                }
            }
            "items" | "additionalProperties" | "not" => {
                let c = match v {
                    Value::Array(a) => Value::Array(a.iter().map(|s| convert(s, dir)).collect()),
                    other => convert(other, dir),
                };
                out.insert(k.clone(), c);
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = v
                    .as_array()
                    .map(|a| a.iter().map(|s| convert(s, dir)).collect());
                out.insert(k.clone(), Value::Array(list.unwrap_or_default()));
            }
            "maxLength" | "minLength" | "maxItems" | "minItems" | "uniqueItems" | "pattern"
            | "format" | "multipleOf" | "maxProperties" | "minProperties" | "const" => {
                out.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    if let (Some(prop), Some(Value::Object(subs))) = (discriminator(obj), obj.get("x-subtypes")) {
        let mut branches: Vec<Value> = out
            .get("allOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (name, sub) in subs {
            branches.push(json!({
                "if": { "type": "object", "properties": { prop: { "const": name } }, "required": [prop] },
                "then": convert(sub, dir),
            }));
        }
        out.insert("allOf".into(), Value::Array(branches));
    }
    if nullable && !out.contains_key("type") && !out.contains_key("enum") {
        // A nullable schema without a type: allow null beside whatever else it says.
        return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
    }
    Value::Object(out)
}

/// The discriminator property name (`discriminator: modelType` or `{propertyName: …}`).
pub fn discriminator(obj: &Map<String, Value>) -> Option<&str> {
    match obj.get("discriminator")? {
        Value::String(s) => Some(s),
        Value::Object(d) => d.get("propertyName")?.as_str(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_and_exclusive_bounds_convert() {
        let s =
            json!({"type": "integer", "nullable": true, "maximum": 5, "exclusiveMaximum": true});
        let j = to_json_schema(&s, Direction::Request);
        assert_eq!(
            j,
            json!({"type": ["integer", "null"], "exclusiveMaximum": 5})
        );
    }

    #[test]
    fn read_only_fields_are_not_required_in_requests() {
        let s = json!({"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}});
        assert_eq!(
            to_json_schema(&s, Direction::Request)["required"],
            json!(["name"])
        );
        assert_eq!(
            to_json_schema(&s, Direction::Response)["required"],
            json!(["id", "name"])
        );
    }
}
