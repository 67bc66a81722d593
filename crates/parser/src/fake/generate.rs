//! Running a compiled generator: one JSON value per call, overrides merged on the way.
//!
//! Overrides: an object overrides field by field (forcing the field to be generated, even a
//! skipped optional or readOnly one, and adding fields the schema does not know); an array
//! overrides item by item (one generated item per override element); anything else
//! replaces the generated value. A discriminator named in an override selects the subtype.

use rand::RngExt;
use serde_json::{Map, Number, Value};

use super::gen::{ArrayGen, DiscGen, Gen, ObjGen};
use super::FakeRng;

/// Depth past which optional fields are no longer generated (recursion guard).
const OPTIONAL_DEPTH: usize = 8;
/// Depth past which recursive references produce `null`.
const MAX_DEPTH: usize = 32;

pub(crate) struct Run<'a> {
    pub rng: &'a mut FakeRng,
    pub require_all: bool,
    pub defs: &'a [Gen],
    pub depth: usize,
}

impl Run<'_> {
    pub(crate) fn value(&mut self, gen: &Gen, ov: Option<&Value>) -> Value {
        match (gen, ov) {
            (_, Some(o @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)))) => {
                return o.clone();
            }
            (
                Gen::Object(_)
                | Gen::Discriminated(_)
                | Gen::Ref(_)
                | Gen::Nullable(_)
                | Gen::Choice(_)
                | Gen::All(_),
                _,
            ) => {}
            (Gen::Array(_), Some(Value::Array(_))) => {}
            (_, Some(o)) => return o.clone(),
            _ => {}
        }
        match gen {
            Gen::Any => Value::String("any".into()),
            Gen::Null => Value::Null,
            Gen::Const(v) => v.clone(),
            Gen::Enum(values) => values[self.rng.random_range(0..values.len())].clone(),
            Gen::Bool => Value::Bool(self.rng.random()),
            Gen::Int(g) => Value::Number(g.generate(self.rng).into()),
            Gen::Num(g) => {
                Number::from_f64(g.generate(self.rng)).map_or(Value::Null, Value::Number)
            }
            Gen::Str(g) => {
                let mut s = String::with_capacity(24);
                g.write(self.rng, &mut s);
                Value::String(s)
            }
            Gen::Array(a) => self.array(a, ov),
            Gen::Object(o) => Value::Object(self.object(o, ov)),
            Gen::Choice(alts) => {
                let i = self.rng.random_range(0..alts.len());
                self.value(&alts[i], ov)
            }
            Gen::All(parts) => {
                // Later parts (the referenced definitions) win over the merged rest.
                let mut acc = Value::Null;
                for part in parts.iter() {
                    match (&mut acc, self.value(part, ov)) {
                        (Value::Object(a), Value::Object(m)) => a.extend(m),
                        (Value::Null, v) => acc = v,
                        _ => {}
                    }
                }
                acc
            }
            Gen::Discriminated(d) => self.discriminated(d, ov),
            Gen::Nullable(inner) => {
                if ov.is_none() && !self.require_all && self.rng.random_ratio(1, 8) {
                    Value::Null
                } else {
                    self.value(inner, ov)
                }
            }
            Gen::Ref(i) => {
                if self.depth >= MAX_DEPTH {
                    return Value::Null;
                }
                self.depth += 1;
                let defs = self.defs;
                let v = self.value(&defs[*i], ov);
                self.depth -= 1;
                v
            }
        }
    }

    fn array(&mut self, a: &ArrayGen, ov: Option<&Value>) -> Value {
        self.depth += 1;
        let out = match ov {
            Some(Value::Array(items)) => {
                items.iter().map(|o| self.value(&a.item, Some(o))).collect()
            }
            _ => {
                let lo = if a.max >= 1 && (self.require_all || self.depth < OPTIONAL_DEPTH) {
                    a.min.max(1)
                } else {
                    a.min
                };
                let hi = a.max.min(lo + 2);
                let n = if hi > lo {
                    self.rng.random_range(lo..=hi)
                } else {
                    lo
                };
                let mut items: Vec<Value> = Vec::with_capacity(n);
                let mut tries = 0;
                while items.len() < n && tries < n * 8 + 8 {
                    tries += 1;
                    let v = self.value(&a.item, None);
                    if a.unique && items.contains(&v) {
                        continue;
                    }
                    items.push(v);
                }
                items
            }
        };
        self.depth -= 1;
        Value::Array(out)
    }

    pub(crate) fn object(&mut self, o: &ObjGen, ov: Option<&Value>) -> Map<String, Value> {
        let ov = ov.and_then(Value::as_object);
        let mut map = Map::with_capacity(o.fields.len());
        self.depth += 1;
        let optional_ok = self.depth < OPTIONAL_DEPTH;
        for f in &o.fields {
            let fov = ov.and_then(|m| m.get(&f.name));
            let include = fov.is_some()
                || (!f.skip
                    && (f.required
                        || (optional_ok && (self.require_all || self.rng.random_ratio(1, 4)))));
            if !include {
                continue;
            }
            let v = if f.skip {
                fov.cloned().unwrap_or(Value::Null)
            } else {
                self.value(&f.gen, fov)
            };
            map.insert(f.name.clone(), v);
        }
        if let Some(extra) = &o.additional {
            let n = if optional_ok {
                self.rng.random_range(1..=2)
            } else {
                0
            };
            for k in 0..n.max(o.min_properties) {
                map.insert(format!("key{}", k + 1), self.value(extra, None));
            }
        }
        if map.len() < o.min_properties {
            for f in o.fields.iter().filter(|f| !f.skip) {
                if map.len() >= o.min_properties {
                    break;
                }
                if map.contains_key(&f.name) {
                    continue;
                }
                map.insert(f.name.clone(), self.value(&f.gen, None));
            }
        }
        if let Some(ov) = ov {
            for (k, v) in ov {
                if !map.contains_key(k) {
                    map.insert(k.clone(), v.clone());
                }
            }
        }
        self.depth -= 1;
        map
    }

    fn discriminated(&mut self, d: &DiscGen, ov: Option<&Value>) -> Value {
        if d.variants.is_empty() {
            return self.value(&d.base, ov);
        }
        let wanted = ov.and_then(|o| o.get(&d.property)).and_then(Value::as_str);
        let i = wanted
            .and_then(|w| d.variants.iter().position(|(n, _)| n == w))
            .unwrap_or_else(|| self.rng.random_range(0..d.variants.len()));
        let (name, gen) = &d.variants[i];
        let mut v = self.value(gen, ov);
        if let Value::Object(m) = &mut v {
            if wanted.is_none() {
                m.insert(d.property.clone(), Value::String(name.clone()));
            }
        }
        v
    }
}
