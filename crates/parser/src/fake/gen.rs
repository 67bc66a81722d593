//! The compiled generator tree and its compiler (resolved schema → [`Gen`]).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::numbers::{IntGen, NumGen};
use super::strings::StrGen;
use crate::hooks::{FakeHooks, FieldContext};
use crate::jsonschema_form::{discriminator, Direction};
use crate::operation::Operation;

/// One compiled schema node.
pub(crate) enum Gen {
    Any,
    Null,
    Const(Value),
    Enum(Box<[Value]>),
    Bool,
    Int(IntGen),
    Num(NumGen),
    Str(StrGen),
    Array(Box<ArrayGen>),
    Object(Box<ObjGen>),
    Choice(Box<[Gen]>),
    /// Every part generated and the objects merged (an unmerged `allOf`).
    All(Box<[Gen]>),
    Discriminated(Box<DiscGen>),
    Nullable(Box<Gen>),
    /// A recursive definition, by index in [`BodyGen::defs`](super::BodyGen).
    Ref(usize),
}

pub(crate) struct ArrayGen {
    pub item: Gen,
    pub min: usize,
    pub max: usize,
    pub unique: bool,
}

pub(crate) struct Field {
    pub name: String,
    pub gen: Gen,
    pub required: bool,
    /// Never generated in this direction (readOnly in requests, writeOnly in responses).
    pub skip: bool,
}

pub(crate) struct ObjGen {
    pub fields: Vec<Field>,
    pub additional: Option<Gen>,
    pub min_properties: usize,
}

pub(crate) struct DiscGen {
    pub property: String,
    /// (subtype name, generator of the subtype's merged schema).
    pub variants: Vec<(String, Gen)>,
    /// Used when no subtype can be generated.
    pub base: Gen,
}

/// Compiles one resolved schema (and its recursive `definitions`).
pub(crate) struct Compiler<'a> {
    pub dir: Direction,
    pub anchor: i32,
    pub hooks: &'a dyn FakeHooks,
    pub operation: &'a Operation,
    pub definitions: Map<String, Value>,
    pub def_index: HashMap<String, usize>,
    pub defs: Vec<Gen>,
    pub warnings: Vec<String>,
    pub parents: Vec<String>,
}

impl Compiler<'_> {
    pub(crate) fn compile(&mut self, schema: &Value, name: &str) -> Gen {
        let Value::Object(obj) = schema else {
            return if schema == &Value::Bool(false) {
                Gen::Null
            } else {
                Gen::Any
            };
        };
        let nullable = obj
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || type_list(obj).contains(&"null");
        let gen = self.compile_inner(obj, name);
        if nullable && !matches!(gen, Gen::Null) {
            Gen::Nullable(Box::new(gen))
        } else {
            gen
        }
    }

    fn compile_inner(&mut self, obj: &Map<String, Value>, name: &str) -> Gen {
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.reference(r);
        }
        if let Some(c) = obj.get("const") {
            return Gen::Const(c.clone());
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            let values: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
            return if values.is_empty() {
                Gen::Null
            } else {
                Gen::Enum(values.into())
            };
        }
        if let (Some(prop), Some(Value::Object(subs))) = (discriminator(obj), obj.get("x-subtypes"))
        {
            return self.discriminated(obj, prop.to_string(), subs, name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(alts)) = obj.get(key) {
                let alts: Vec<Gen> = alts.iter().map(|a| self.compile(a, name)).collect();
                if !alts.is_empty() {
                    return Gen::Choice(alts.into());
                }
            }
        }
        if let Some(Value::Array(parts)) = obj.get("allOf") {
            // What is left of an `allOf` after resolving: parts that could not be merged
            // (references to recursive definitions). Generate each, plus the merged rest.
            let mut rest = obj.clone();
            rest.shift_remove("allOf");
            let mut gens = Vec::with_capacity(parts.len() + 1);
            if SHAPE_KEYS.iter().any(|k| rest.contains_key(*k)) {
                gens.push(self.compile_inner(&rest, name));
            }
            gens.extend(parts.iter().map(|p| self.compile(p, name)));
            return match gens.len() {
                0 => Gen::Any,
                1 => gens.pop().unwrap_or(Gen::Any),
                _ => Gen::All(gens.into()),
            };
        }
        let ty = type_list(obj)
            .into_iter()
            .find(|t| *t != "null")
            .or_else(|| infer_type(obj));
        match ty {
            Some("integer") => Gen::Int(IntGen::compile(obj, name)),
            Some("number") => Gen::Num(NumGen::compile(obj, name)),
            Some("boolean") => Gen::Bool,
            Some("string") => Gen::Str(StrGen::compile(
                &Value::Object(obj.clone()),
                name,
                self.anchor,
            )),
            Some("array") => {
                let item = obj.get("items").map_or(Gen::Any, |i| self.compile(i, name));
                let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = obj
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .map_or(usize::MAX, |m| m as usize);
                let unique = obj
                    .get("uniqueItems")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                Gen::Array(Box::new(ArrayGen {
                    item,
                    min,
                    max: max.max(min),
                    unique,
                }))
            }
            Some("object") => Gen::Object(Box::new(self.object(obj))),
            Some("null") => Gen::Null,
            _ => Gen::Any,
        }
    }

    fn reference(&mut self, r: &str) -> Gen {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        if let Some(&i) = self.def_index.get(&name) {
            return Gen::Ref(i);
        }
        let Some(schema) = self.definitions.get(&name).cloned() else {
            self.warnings.push(format!("unresolvable reference {r}"));
            return Gen::Any;
        };
        let i = self.defs.len();
        self.defs.push(Gen::Any);
        self.def_index.insert(name.clone(), i);
        let gen = self.compile(&schema, &name);
        self.defs[i] = gen;
        Gen::Ref(i)
    }

    pub(crate) fn object(&mut self, obj: &Map<String, Value>) -> ObjGen {
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (prop, schema) in props {
                let ctx = FieldContext {
                    operation: self.operation,
                    parents: &self.parents,
                    name: prop,
                };
                let replaced = self.hooks.field_schema(&ctx, schema);
                let schema = replaced.as_ref().unwrap_or(schema);
                let flag = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
                let skip = match self.dir {
                    Direction::Request => flag("readOnly"),
                    Direction::Response => flag("writeOnly"),
                };
                self.parents.push(prop.clone());
                let gen = if skip {
                    Gen::Null
                } else {
                    self.compile(schema, prop)
                };
                self.parents.pop();
                fields.push(Field {
                    name: prop.clone(),
                    gen,
                    required: required.contains(&prop.as_str()),
                    skip,
                });
            }
        }
        // Required names without a property schema (real specs have them): any value does.
        for name in &required {
            if fields.iter().any(|f| f.name == *name) {
                continue;
            }
            let gen = Gen::Str(StrGen::compile(
                &Value::Object(Map::new()),
                name,
                self.anchor,
            ));
            fields.push(Field {
                name: name.to_string(),
                gen,
                required: true,
                skip: false,
            });
        }
        let additional = match obj.get("additionalProperties") {
            Some(Value::Object(a)) if fields.is_empty() => {
                Some(self.compile(&Value::Object(a.clone()), "value"))
            }
            _ => None,
        };
        let min_properties = obj
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        ObjGen {
            fields,
            additional,
            min_properties,
        }
    }

    fn discriminated(
        &mut self,
        obj: &Map<String, Value>,
        property: String,
        subs: &Map<String, Value>,
        name: &str,
    ) -> Gen {
        let listed: Option<Vec<&str>> = obj
            .get("properties")
            .and_then(|p| p.get(&property))
            .and_then(|p| p.get("enum"))
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(Value::as_str).collect());
        if let Some(listed) = &listed {
            for value in listed.iter().filter(|v| !subs.contains_key(**v)) {
                self.warnings.push(format!(
                    "{} {}: discriminator {property:?} lists {value:?}, which no definition extends; skipped",
                    self.operation.method, self.operation.path
                ));
            }
        }
        let mut variants = Vec::new();
        for (sub_name, sub) in subs {
            if listed
                .as_ref()
                .is_some_and(|l| !l.contains(&sub_name.as_str()))
            {
                self.warnings.push(format!(
                    "{} {}: subtype {sub_name:?} is not in the {property:?} enum; skipped",
                    self.operation.method, self.operation.path
                ));
                continue;
            }
            variants.push((sub_name.clone(), self.compile(sub, name)));
        }
        let mut base = obj.clone();
        base.shift_remove("discriminator");
        base.shift_remove("x-subtypes");
        let base = self.compile_inner(&base, name);
        Gen::Discriminated(Box::new(DiscGen {
            property,
            variants,
            base,
        }))
    }
}

/// Keys that give a schema a shape of its own (beside an unmerged `allOf`).
const SHAPE_KEYS: [&str; 7] = [
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "const",
];

fn type_list(obj: &Map<String, Value>) -> Vec<&str> {
    match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn infer_type(obj: &Map<String, Value>) -> Option<&'static str> {
    if obj.contains_key("properties") || obj.contains_key("additionalProperties") {
        Some("object")
    } else if obj.contains_key("items") {
        Some("array")
    } else if obj.contains_key("pattern")
        || obj.contains_key("format")
        || obj.contains_key("minLength")
    {
        Some("string")
    } else if obj.contains_key("minimum") || obj.contains_key("maximum") {
        Some("number")
    } else {
        None
    }
}
