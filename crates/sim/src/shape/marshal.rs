//! Writing a body as MilMove's go-swagger structs would: [`marshal`] walks a JSON value with
//! its resolved response schema (go-swagger form, see `milmove_parser::goswagger`) and
//!
//! - leaves out properties the schema does not declare (a Go struct has no field for them),
//!   unless the object takes `additionalProperties`;
//! - leaves out an optional `omitempty` property (every optional non-array property unless it
//!   says `x-omitempty: false`) whose value is empty for its Go type: `null` always; for
//!   value types also `""` (plain and enum strings, uuids), `0`, `false` and an empty map
//!   (pointers, objects, dates and date-times are only empty when `null`);
//! - leaves out an optional array that is `null` (a nil slice), and follows a discriminator
//!   to the subtype the value names.
//!
//! State-built and generated bodies both pass through it, so neither carries a `null` or an
//! empty string MilMove would never send.

use serde_json::{Map, Value};

use milmove_parser::goswagger::POINTER_MARK;

/// Rewrites `value` in place as go-swagger would write it for `schema` (`root` holds the
/// `definitions` of recursive parts).
pub fn marshal(value: &mut Value, schema: &Value, root: &Value) {
    walk(value, schema, root, 0);
}

fn walk(value: &mut Value, schema: &Value, root: &Value, depth: usize) {
    if depth > 32 {
        return;
    }
    let Some(schema) = resolve(schema, root) else {
        return;
    };
    match value {
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for v in items {
                    walk(v, item, root, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            let schema = subtype(schema, map).unwrap_or(schema);
            object(map, schema, root, depth);
        }
        _ => {}
    }
}

/// Follows a `{"$ref": "#/definitions/Name"}` stub (recursive parts) to its definition.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next()?;
            root.get("definitions")?.get(name)
        }
        None => Some(schema),
    }
}

/// The subtype schema a discriminated value names.
fn subtype<'a>(schema: &'a Value, map: &Map<String, Value>) -> Option<&'a Value> {
    let discriminator = schema.get("discriminator")?;
    let prop = discriminator
        .get("propertyName")
        .or(Some(discriminator))?
        .as_str()?;
    let name = map.get(prop)?.as_str()?;
    schema.get("x-subtypes")?.get(name)
}

fn object(map: &mut Map<String, Value>, schema: &Value, root: &Value, depth: usize) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        if let Some(extra) = schema.get("additionalProperties").filter(|s| s.is_object()) {
            for v in map.values_mut() {
                walk(v, extra, root, depth + 1);
            }
        }
        return;
    };
    let extra = schema.get("additionalProperties");
    let takes_extra = matches!(extra, Some(Value::Bool(true)) | Some(Value::Object(_)));
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    map.retain(|name, v| {
        let Some(prop) = props.get(name) else {
            if let Some(extra @ Value::Object(_)) = extra {
                walk(v, extra, root, depth + 1);
            }
            // A required name without a declared schema (some MilMove subtypes list one)
            // is kept: the response would be invalid without it.
            return takes_extra || required.contains(&name.as_str());
        };
        walk(v, prop, root, depth + 1);
        required.contains(&name.as_str()) || !omitted(v, prop, root)
    });
}

/// Whether go-swagger leaves an optional property with this value out.
fn omitted(v: &Value, prop: &Value, root: &Value) -> bool {
    let prop = resolve(prop, root).unwrap_or(prop);
    let is_array = prop.get("type").and_then(Value::as_str) == Some("array");
    let omitempty = prop
        .get("x-omitempty")
        .and_then(Value::as_bool)
        .unwrap_or(!is_array);
    if v.is_null() {
        // Unless omitempty is off and null is allowed, a nil pointer or slice is left out
        // (for arrays MilMove writes `null`, which its own schema refuses: leave it out).
        return prop.get("nullable") != Some(&Value::Bool(true)) || omitempty;
    }
    if !omitempty || is_pointer(prop) {
        return false;
    }
    match v {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Whether go-swagger generates a pointer (or a struct) for the property, so only nil is
/// empty: nullable ones, objects, and `date`/`date-time` (structs in `strfmt`).
fn is_pointer(prop: &Value) -> bool {
    let flag = |k: &str| prop.get(k) == Some(&Value::Bool(true));
    flag("nullable")
        || flag(POINTER_MARK)
        || prop.get("properties").is_some()
        || prop.get("x-subtypes").is_some()
        || matches!(
            prop.get("format").and_then(Value::as_str),
            Some("date" | "date-time")
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "required": ["id", "maybe"], "properties": {
            "id": {"type": "string", "format": "uuid"},
            "maybe": {"type": "string", "nullable": true},
            "email": {"type": "string", "pattern": "@"},
            "count": {"type": "integer"},
            "flag": {"type": "boolean"},
            "pointer": {"type": "string", POINTER_MARK: true},
            "explicit": {"type": "string", "x-omitempty": false},
            "when": {"type": "string", "format": "date"},
            "list": {"type": "array", "items": {"type": "object", "properties": {
                "a": {"type": "string"}}}},
            "address": {"type": "object", "properties": {"street2": {"type": "string"}}},
            "node": {"$ref": "#/definitions/Node"}
        }, "definitions": {"Node": {"type": "object", "properties": {"name": {"type": "string"}}}}})
    }

    #[test]
    fn empty_optional_values_and_unknown_fields_are_left_out() {
        let s = schema();
        let mut v = json!({"id": "", "maybe": null, "email": "", "count": 0, "flag": false,
            "pointer": "", "explicit": "", "when": null, "list": null, "unknown": 1,
            "address": {"street2": null, "extra": true},
            "node": {"name": "", "other": 2}});
        marshal(&mut v, &s, &s);
        assert_eq!(
            v,
            json!({"id": "", "maybe": null, "pointer": "", "explicit": "",
                   "address": {}, "node": {}})
        );
        let mut kept = json!({"count": 3, "flag": true, "list": [{"a": "", "b": 1}]});
        marshal(&mut kept, &s, &s);
        assert_eq!(kept, json!({"count": 3, "flag": true, "list": [{}]}));
    }

    #[test]
    fn a_discriminator_selects_the_subtype_schema() {
        let s = json!({"type": "object", "discriminator": {"propertyName": "modelType"},
            "properties": {"modelType": {"type": "string"}, "id": {"type": "string"}},
            "x-subtypes": {"Sit": {"type": "object", "properties": {
                "modelType": {"type": "string"}, "id": {"type": "string"},
                "reason": {"type": "string"}}}}});
        let mut v = json!({"modelType": "Sit", "id": "1", "reason": "r", "junk": 1});
        marshal(&mut v, &s, &s);
        assert_eq!(v, json!({"modelType": "Sit", "id": "1", "reason": "r"}));
        let mut base = json!({"modelType": "Other", "id": "1", "reason": "r"});
        marshal(&mut base, &s, &s);
        assert_eq!(base, json!({"modelType": "Other", "id": "1"}));
    }
}
