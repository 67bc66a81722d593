//! Response schemas read as a go-swagger server writes them (Swagger 2.0 specs only).
//!
//! go-swagger generates a Go struct per schema and tags each property `omitempty` unless it
//! is required or says `x-omitempty: false` (arrays are the exception: they are not
//! `omitempty` by default). A nullable property (`x-nullable: true`, beside a `$ref` or as an
//! `allOf: [{$ref: …}, {x-nullable: true}]` part) becomes a pointer, and an `omitempty`
//! pointer that is nil is left out of the JSON, not written as `null`. So in what such a
//! server sends, `null` appears only where the property is nullable **and** required or
//! `x-omitempty: false`:
//!
//! | property | MilMove sends when unset |
//! |---|---|
//! | `allOf: [{$ref: Address}, {x-nullable: true}]` | nothing (the key is absent) |
//! | `{type: string, x-nullable: true}` | nothing |
//! | `{type: string, x-nullable: true, x-omitempty: false}` | `null` |
//! | `{$ref: X, x-nullable: true}`, required | `null` |
//!
//! [`response_form`] rewrites a resolved response schema accordingly (it drops `nullable`
//! from optional, omitted-when-empty properties and marks them [`POINTER_MARK`], since they
//! are still Go pointers: a non-nil empty value is written), so fake responses never carry
//! such a `null` and the response validators refuse one. OpenAPI 3 documents are left alone:
//! their `nullable` means what it says.

use serde_json::Value;

/// Marks a property [`response_form`] made non-nullable that go-swagger still generates as a
/// pointer (nil is left out; an empty non-nil value such as `""` is written).
pub const POINTER_MARK: &str = "x-go-pointer";

/// Rewrites a resolved schema (see the module documentation), recursively.
pub fn response_form(schema: &mut Value) {
    let Value::Object(obj) = schema else {
        return;
    };
    let required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            if !required.contains(name) && omitted_when_empty(prop) {
                if let Value::Object(p) = prop {
                    if p.shift_remove("nullable") == Some(Value::Bool(true)) {
                        p.insert(POINTER_MARK.into(), Value::Bool(true));
                    }
                }
            }
            response_form(prop);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = obj.get_mut(key) {
            match child {
                Value::Array(list) => list.iter_mut().for_each(response_form),
                other => response_form(other),
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(list)) = obj.get_mut(key) {
            list.iter_mut().for_each(response_form);
        }
    }
    for key in ["definitions", "x-subtypes"] {
        if let Some(Value::Object(map)) = obj.get_mut(key) {
            map.values_mut().for_each(response_form);
        }
    }
}

/// Whether go-swagger tags the property `omitempty`: `x-omitempty` when given, else every
/// non-array property.
fn omitted_when_empty(prop: &Value) -> bool {
    match prop.get("x-omitempty").and_then(Value::as_bool) {
        Some(explicit) => explicit,
        None => prop.get("type").and_then(Value::as_str) != Some("array"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_nullable_properties_are_omitted_not_null() {
        let mut s = json!({"type": "object", "required": ["kept"], "properties": {
            "tacType": {"type": "string", "enum": ["HHG", "NTS"], "nullable": true},
            "explicit": {"type": "string", "nullable": true, "x-omitempty": false},
            "kept": {"type": "object", "nullable": true, "properties": {
                "inner": {"type": "integer", "nullable": true}}},
            "list": {"type": "array", "nullable": true, "items": {"type": "object",
                "properties": {"deep": {"type": "string", "nullable": true}}}}
        }});
        response_form(&mut s);
        let p = &s["properties"];
        assert!(p["tacType"].get("nullable").is_none());
        assert_eq!(p["tacType"][POINTER_MARK], json!(true));
        assert_eq!(p["explicit"]["nullable"], json!(true));
        assert_eq!(p["kept"]["nullable"], json!(true), "required: null is sent");
        assert!(p["kept"]["properties"]["inner"].get("nullable").is_none());
        assert_eq!(
            p["list"]["nullable"],
            json!(true),
            "arrays are not omitempty"
        );
        assert!(p["list"]["items"]["properties"]["deep"]
            .get("nullable")
            .is_none());
    }

    #[test]
    fn subtypes_and_definitions_are_rewritten_too() {
        let mut s = json!({"type": "object",
            "x-subtypes": {"A": {"type": "object", "properties": {"a": {"type": "string", "nullable": true}}}},
            "definitions": {"N": {"type": "object", "properties": {"n": {"$ref": "#/definitions/N", "nullable": true}}}}});
        response_form(&mut s);
        assert!(s["x-subtypes"]["A"]["properties"]["a"]
            .get("nullable")
            .is_none());
        assert!(s["definitions"]["N"]["properties"]["n"]
            .get("nullable")
            .is_none());
    }
}
