//! Turning a schema with local `$ref`s into a self-contained resolved schema.
//!
//! Every reference is inlined; sibling keys beside a `$ref` (`nullable`, `description`,
//! `readOnly`, …) override the target's; `x-nullable` becomes `nullable`; `allOf` is merged.
//! A reference met again while it is being inlined (a recursive schema) becomes
//! `{"$ref": "#/definitions/Name"}` and `Name` is added under the result's top-level
//! `definitions`, so the result stays finite and is valid JSON Schema.
//!
//! A schema with a `discriminator` gets `x-subtypes`: `{subtype name: resolved subtype}` for
//! every definition that extends it through `allOf`.

use std::collections::{HashMap, HashSet};

use indexmap::IndexSet;
use serde_json::{Map, Value};

use crate::merge::merge_all_of;
use crate::pointer::{lookup_pointer, ref_name};

/// Subtypes by base reference: `#/components/schemas/Base` → `[(name, reference)]`.
pub type Subtypes = HashMap<String, Vec<(String, String)>>;

/// Finds the subtypes of every discriminated schema in an OpenAPI 3 document.
pub fn find_subtypes(doc: &Value) -> Subtypes {
    let mut out = Subtypes::new();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (name, schema) in schemas {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            continue;
        };
        for part in parts {
            let Some(r) = part.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let is_base = lookup_pointer(doc, r).is_some_and(|b| b.get("discriminator").is_some());
            if is_base {
                let own = format!("#/components/schemas/{}", crate::load::escape_pointer(name));
                out.entry(r.to_string())
                    .or_default()
                    .push((name.clone(), own));
            }
        }
    }
    out
}

/// Resolves schemas of one document.
pub struct Resolver<'a> {
    doc: &'a Value,
    subtypes: &'a Subtypes,
}

struct Ctx {
    stack: Vec<String>,
    recursive: IndexSet<String>,
    no_subtypes: HashSet<String>,
}

impl<'a> Resolver<'a> {
    /// A resolver over `doc` (OpenAPI 3 with local references only).
    pub fn new(doc: &'a Value, subtypes: &'a Subtypes) -> Self {
        Resolver { doc, subtypes }
    }

    /// The resolved form of `schema`.
    pub fn resolve(&self, schema: &Value) -> Value {
        let mut ctx = Ctx {
            stack: Vec::new(),
            recursive: IndexSet::new(),
            no_subtypes: HashSet::new(),
        };
        let mut out = self.walk(schema, &mut ctx);
        let mut defs = Map::new();
        let mut i = 0;
        while let Some(r) = ctx.recursive.get_index(i).cloned() {
            ctx.stack = vec![r.clone()];
            let target = lookup_pointer(self.doc, &r)
                .cloned()
                .unwrap_or(Value::Bool(true));
            let resolved = self.walk(&target, &mut ctx);
            defs.insert(ref_name(&r).to_string(), resolved);
            i += 1;
        }
        if !defs.is_empty() {
            if let Value::Object(obj) = &mut out {
                obj.insert("definitions".into(), Value::Object(defs));
            }
        }
        out
    }

    fn walk(&self, schema: &Value, ctx: &mut Ctx) -> Value {
        let Value::Object(obj) = schema else {
            return schema.clone();
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.follow(r, obj, ctx);
        }
        let mut out = Map::with_capacity(obj.len());
        let mut all_of = None;
        for (k, v) in obj {
            let walked = match (k.as_str(), v) {
                ("properties" | "patternProperties" | "definitions", Value::Object(m)) => {
                    Value::Object(
                        m.iter()
                            .map(|(n, s)| (n.clone(), self.walk(s, ctx)))
                            .collect(),
                    )
                }
                ("items" | "additionalProperties" | "not", _) => match v {
                    Value::Array(a) => Value::Array(a.iter().map(|s| self.walk(s, ctx)).collect()),
                    other => self.walk(other, ctx),
                },
                ("allOf", Value::Array(a)) => {
                    all_of = Some(a.iter().map(|s| self.walk(s, ctx)).collect::<Vec<_>>());
                    continue;
                }
                ("anyOf" | "oneOf", Value::Array(a)) => {
                    Value::Array(a.iter().map(|s| self.walk(s, ctx)).collect())
                }
                ("x-nullable", _) => {
                    out.insert("nullable".into(), v.clone());
                    continue;
                }
                _ => v.clone(),
            };
            out.insert(k.clone(), walked);
        }
        match all_of {
            Some(parts) => merge_all_of(out, parts),
            None => Value::Object(out),
        }
    }

    fn follow(&self, r: &str, obj: &Map<String, Value>, ctx: &mut Ctx) -> Value {
        let siblings = obj.iter().filter(|(k, _)| k.as_str() != "$ref");
        if ctx.stack.iter().any(|s| s == r) {
            ctx.recursive.insert(r.to_string());
            let mut stub = Map::new();
            stub.insert(
                "$ref".into(),
                Value::String(format!("#/definitions/{}", ref_name(r))),
            );
            for (k, v) in siblings {
                let k = if k == "x-nullable" {
                    "nullable"
                } else {
                    k.as_str()
                };
                stub.insert(k.to_string(), v.clone());
            }
            return Value::Object(stub);
        }
        let Some(target) = lookup_pointer(self.doc, r) else {
            return Value::Bool(true);
        };
        ctx.stack.push(r.to_string());
        let mut resolved = self.walk(target, ctx);
        ctx.stack.pop();
        if target.get("discriminator").is_some() && !ctx.no_subtypes.contains(r) {
            if let Some(list) = self.subtypes.get(r) {
                let subtypes = self.expand_subtypes(r, list, ctx);
                if let Value::Object(o) = &mut resolved {
                    o.insert("x-subtypes".into(), Value::Object(subtypes));
                }
            }
        }
        if let Value::Object(o) = &mut resolved {
            for (k, v) in siblings {
                let k = if k == "x-nullable" {
                    "nullable"
                } else {
                    k.as_str()
                };
                o.insert(k.to_string(), self.walk(v, ctx));
            }
        }
        resolved
    }

    fn expand_subtypes(
        &self,
        base: &str,
        list: &[(String, String)],
        ctx: &mut Ctx,
    ) -> Map<String, Value> {
        let added = ctx.no_subtypes.insert(base.to_string());
        let mut out = Map::new();
        for (name, sref) in list {
            let Some(target) = lookup_pointer(self.doc, sref) else {
                continue;
            };
            ctx.stack.push(sref.clone());
            let mut sub = self.walk(target, ctx);
            ctx.stack.pop();
            if let Value::Object(o) = &mut sub {
                o.shift_remove("discriminator");
                o.shift_remove("x-subtypes");
            }
            out.insert(name.clone(), sub);
        }
        if added {
            ctx.no_subtypes.remove(base);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
            "Addr": {"type": "object", "properties": {"zip": {"type": "string"}}},
            "Base": {"type": "object", "discriminator": {"propertyName": "kind"},
                     "properties": {"kind": {"type": "string"}}, "required": ["kind"]},
            "Sub": {"allOf": [{"$ref": "#/components/schemas/Base"},
                              {"properties": {"x": {"type": "integer"}}}]}
        }}})
    }

    #[test]
    fn siblings_override_and_x_nullable_becomes_nullable() {
        let d = doc();
        let subs = find_subtypes(&d);
        let r = Resolver::new(&d, &subs);
        let out = r.resolve(
            &json!({"$ref": "#/components/schemas/Addr", "x-nullable": true,
                                    "description": "home"}),
        );
        assert_eq!(out["nullable"], json!(true));
        assert_eq!(out["description"], json!("home"));
        assert_eq!(out["properties"]["zip"]["type"], json!("string"));
    }

    #[test]
    fn recursion_becomes_definitions() {
        let d = doc();
        let subs = find_subtypes(&d);
        let out = Resolver::new(&d, &subs).resolve(&json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(
            out["properties"]["children"]["items"]["$ref"],
            json!("#/definitions/Node")
        );
        assert_eq!(
            out["definitions"]["Node"]["properties"]["children"]["items"]["$ref"],
            json!("#/definitions/Node")
        );
    }

    #[test]
    fn discriminated_bases_list_their_subtypes() {
        let d = doc();
        let subs = find_subtypes(&d);
        let out = Resolver::new(&d, &subs).resolve(&json!({"$ref": "#/components/schemas/Base"}));
        let sub = &out["x-subtypes"]["Sub"];
        assert_eq!(sub["properties"]["x"]["type"], json!("integer"));
        assert_eq!(sub["properties"]["kind"]["type"], json!("string"));
        assert!(sub.get("discriminator").is_none());
    }
}
