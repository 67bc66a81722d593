//! Merging the parts of an `allOf` into one schema (the shape MilMove's generated code uses:
//! properties and `required` are joined, `nullable` / `readOnly` from any part apply).

use serde_json::{Map, Value};

/// Merges `parts` (already resolved) and then `own` (the schema's keys beside `allOf`).
///
/// Parts that cannot be merged (a reference to a recursive definition) are kept in a
/// remaining `allOf`.
pub fn merge_all_of(own: Map<String, Value>, parts: Vec<Value>) -> Value {
    let mut acc = Map::new();
    let mut leftover = Vec::new();
    for part in parts {
        match part {
            Value::Object(p) if !p.contains_key("$ref") => merge_into(&mut acc, p),
            Value::Bool(true) => {}
            other => leftover.push(other),
        }
    }
    merge_into(&mut acc, own);
    if !leftover.is_empty() {
        acc.insert("allOf".into(), Value::Array(leftover));
    }
    Value::Object(acc)
}

fn merge_into(acc: &mut Map<String, Value>, part: Map<String, Value>) {
    for (k, v) in part {
        match k.as_str() {
            "properties" => {
                let Value::Object(props) = v else { continue };
                let slot = acc
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Map::new()));
                let Some(existing) = slot.as_object_mut() else {
                    continue;
                };
                for (name, schema) in props {
                    let merged = match existing.shift_remove(&name) {
                        Some(Value::Object(old)) => match schema {
                            Value::Object(new) => merge_all_of(new, vec![Value::Object(old)]),
                            other => other,
                        },
                        _ => schema,
                    };
                    existing.insert(name, merged);
                }
            }
            "required" => {
                let slot = acc
                    .entry("required")
                    .or_insert_with(|| Value::Array(vec![]));
                if let (Some(list), Value::Array(new)) = (slot.as_array_mut(), v) {
                    for name in new {
                        if !list.contains(&name) {
                            list.push(name);
                        }
                    }
                }
            }
            "nullable" | "readOnly" | "writeOnly" => {
                let old = acc.get(&k).and_then(Value::as_bool).unwrap_or(false);
                acc.insert(k, Value::Bool(old || v.as_bool().unwrap_or(false)));
            }
            "enum" => {
                let merged = match (acc.get("enum"), &v) {
                    (Some(Value::Array(old)), Value::Array(new)) => {
                        let both: Vec<Value> =
                            old.iter().filter(|x| new.contains(x)).cloned().collect();
                        if both.is_empty() {
                            v
                        } else {
                            Value::Array(both)
                        }
                    }
                    _ => v,
                };
                acc.insert(k, merged);
            }
            "discriminator" | "x-subtypes" | "type" => {
                acc.entry(k).or_insert(v);
            }
            "minimum" | "minLength" | "minItems" | "minProperties" => {
                let keep_old = match (acc.get(&k).and_then(Value::as_f64), v.as_f64()) {
                    (Some(old), Some(new)) => old >= new,
                    _ => false,
                };
                if !keep_old {
                    acc.insert(k, v);
                }
            }
            "maximum" | "maxLength" | "maxItems" | "maxProperties" => {
                let keep_old = match (acc.get(&k).and_then(Value::as_f64), v.as_f64()) {
                    (Some(old), Some(new)) => old <= new,
                    _ => false,
                };
                if !keep_old {
                    acc.insert(k, v);
                }
            }
            _ => {
                acc.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_required_and_nullable_are_joined() {
        let parts = vec![
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}),
            json!({"properties": {"b": {"type": "integer"}}, "required": ["b"], "nullable": true}),
        ];
        let own = json!({"description": "d"});
        let merged = merge_all_of(own.as_object().cloned().unwrap(), parts);
        assert_eq!(merged["required"], json!(["a", "b"]));
        assert_eq!(merged["nullable"], json!(true));
        assert_eq!(merged["type"], json!("object"));
        assert_eq!(merged["properties"]["b"]["type"], json!("integer"));
        assert_eq!(merged["description"], json!("d"));
    }

    #[test]
    fn stricter_bounds_win_and_enums_intersect() {
        let parts = vec![
            json!({"minimum": 1, "maximum": 10, "enum": [1, 2, 3]}),
            json!({"minimum": 0, "maximum": 5, "enum": [2, 3, 4]}),
        ];
        let merged = merge_all_of(Map::new(), parts);
        assert_eq!(merged["minimum"], json!(1));
        assert_eq!(merged["maximum"], json!(5));
        assert_eq!(merged["enum"], json!([2, 3]));
    }
}
