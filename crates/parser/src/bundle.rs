//! Joining a multi-file spec into one document whose `$ref`s are all local.
//!
//! A `$ref` to another file is handled the way MilMove's bundler does it:
//! - in a schema position (under `definitions`, `components/schemas` or a `schema` key) the
//!   target is hoisted into the definitions under its definition name (or the file stem) and
//!   the reference becomes local, so recursive schemas stay finite;
//! - elsewhere (paths, parameters, responses, tags) the target is inlined, sibling keys win;
//! - a target that is not YAML/JSON (e.g. a Markdown description) becomes its text.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{ParserError, Result};
use crate::load::{parse_text, read_file};
use crate::pointer::lookup_pointer;

/// Returns `doc` with every external `$ref` bundled in. `root_path` is the file `doc` came
/// from (relative references are resolved against its folder); without it, an external
/// reference is an error.
pub fn bundle(doc: Value, root_path: Option<&Path>, name: &str) -> Result<Value> {
    if !has_external_ref(&doc) {
        return Ok(doc);
    }
    let Some(root_path) = root_path else {
        return Err(ParserError::BadRef {
            file: name.to_string(),
            reference: first_external_ref(&doc).unwrap_or_default(),
            message: "a spec loaded from a string or URL cannot refer to other files".into(),
        });
    };
    let defs_key: &[&str] = if doc.get("swagger").is_some() {
        &["definitions"]
    } else {
        &["components", "schemas"]
    };
    let root_file = normalize(root_path);
    let mut b = Bundler {
        root_file: root_file.clone(),
        defs_prefix: format!("#/{}/", defs_key.join("/")),
        files: HashMap::new(),
        hoisted: HashMap::new(),
        used_names: HashSet::new(),
        new_defs: Vec::new(),
        stack: Vec::new(),
        sections: Vec::new(),
    };
    b.files.insert(root_file.clone(), doc.clone());
    // Definitions that are a bare external reference keep their name.
    let existing = defs_key
        .iter()
        .try_fold(&doc, |v, k| v.get(*k))
        .and_then(Value::as_object);
    if let Some(defs) = existing {
        for (def_name, def) in defs {
            b.used_names.insert(def_name.clone());
            if let Some(r) = def.get("$ref").and_then(Value::as_str) {
                if !r.starts_with('#') {
                    let target = b.target(&root_file, r)?;
                    b.hoisted.insert(target, def_name.clone());
                }
            }
        }
    }
    let mut out = b.walk(&doc, &root_file, false, 0)?;
    let swagger2 = defs_key.len() == 1;
    for (section, stem, value) in std::mem::take(&mut b.sections) {
        let slot = if swagger2 {
            out.as_object_mut().map(|o| {
                o.entry(section)
                    .or_insert_with(|| Value::Object(Map::new()))
            })
        } else {
            out.as_object_mut()
                .map(|o| {
                    o.entry("components")
                        .or_insert_with(|| Value::Object(Map::new()))
                })
                .and_then(Value::as_object_mut)
                .map(|c| {
                    c.entry(section)
                        .or_insert_with(|| Value::Object(Map::new()))
                })
        };
        if let Some(Value::Object(map)) = slot {
            map.entry(stem).or_insert(value);
        }
    }
    let new_defs = std::mem::take(&mut b.new_defs);
    if !new_defs.is_empty() {
        let mut slot = &mut out;
        for key in defs_key {
            let obj = match slot {
                Value::Object(obj) => obj,
                _ => break,
            };
            slot = obj
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        if let Value::Object(defs) = slot {
            defs.extend(new_defs);
        }
    }
    Ok(out)
}

struct Bundler {
    root_file: PathBuf,
    defs_prefix: String,
    files: HashMap<PathBuf, Value>,
    hoisted: HashMap<(PathBuf, String), String>,
    used_names: HashSet<String>,
    new_defs: Vec<(String, Value)>,
    stack: Vec<(PathBuf, String)>,
    /// Inlined responses/parameters, also registered by file stem (`section`, name, value).
    sections: Vec<(&'static str, String, Value)>,
}

impl Bundler {
    fn walk(&mut self, v: &Value, file: &Path, in_schema: bool, depth: usize) -> Result<Value> {
        match v {
            Value::Array(items) => items
                .iter()
                .map(|i| self.walk(i, file, in_schema, depth + 1))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array),
            Value::Object(obj) => {
                if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
                    let in_definitions_slot = depth == 2 && file == self.root_file;
                    return self.follow(obj, r, file, in_schema, in_definitions_slot);
                }
                let mut out = Map::with_capacity(obj.len());
                for (k, child) in obj {
                    if !in_schema && (k == "responses" || k == "parameters") && depth > 0 {
                        let section = if k == "responses" {
                            "responses"
                        } else {
                            "parameters"
                        };
                        out.insert(
                            k.clone(),
                            self.walk_section(child, file, section, depth + 1)?,
                        );
                        continue;
                    }
                    let root_defs = depth == 0
                        && file == self.root_file
                        && (k == "definitions" || k == "components");
                    let child_schema = in_schema || k == "schema" || root_defs;
                    out.insert(k.clone(), self.walk(child, file, child_schema, depth + 1)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Walks a `responses` map or `parameters` list, remembering inlined external targets
    /// so that `#/responses/<stem>` style references to them also resolve (as the bundler
    /// MilMove uses does).
    fn walk_section(
        &mut self,
        v: &Value,
        file: &Path,
        section: &'static str,
        depth: usize,
    ) -> Result<Value> {
        let one = |b: &mut Self, item: &Value| -> Result<Value> {
            let walked = b.walk(item, file, false, depth + 1)?;
            if let Some(r) = item.get("$ref").and_then(Value::as_str) {
                if !r.starts_with('#') {
                    let stem = Path::new(r.split('#').next().unwrap_or(r))
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned());
                    if let Some(stem) = stem {
                        b.sections.push((section, stem, walked.clone()));
                    }
                }
            }
            Ok(walked)
        };
        match v {
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, item) in map {
                    out.insert(k.clone(), one(self, item)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .iter()
                .map(|i| one(self, i))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array),
            other => self.walk(other, file, false, depth),
        }
    }

    fn follow(
        &mut self,
        obj: &Map<String, Value>,
        r: &str,
        file: &Path,
        in_schema: bool,
        definitions_slot: bool,
    ) -> Result<Value> {
        let mut siblings = Map::new();
        for (k, v) in obj.iter().filter(|(k, _)| k.as_str() != "$ref") {
            siblings.insert(k.clone(), self.walk(v, file, in_schema, 3)?);
        }
        if r.starts_with('#') && file == self.root_file {
            let mut out = Map::new();
            out.insert("$ref".into(), Value::String(r.to_string()));
            out.extend(siblings);
            return Ok(Value::Object(out));
        }
        let target = self.target(file, r)?;
        if !is_structured(&target.0) {
            let text = read_file(&target.0)?;
            return Ok(Value::String(text));
        }
        let content = self.content(&target, file, r)?;
        if in_schema && !definitions_slot {
            let name = match self.hoisted.get(&target) {
                Some(name) => name.clone(),
                None => {
                    let name = self.fresh_name(&target);
                    self.hoisted.insert(target.clone(), name.clone());
                    let walked = self.walk(&content, &target.0, true, 3)?;
                    self.new_defs.push((name.clone(), walked));
                    name
                }
            };
            let mut out = Map::new();
            out.insert(
                "$ref".into(),
                Value::String(format!("{}{name}", self.defs_prefix)),
            );
            out.extend(siblings);
            return Ok(Value::Object(out));
        }
        if self.stack.contains(&target) {
            return Err(ParserError::BadRef {
                file: file.display().to_string(),
                reference: r.to_string(),
                message: "reference cycle outside a schema".into(),
            });
        }
        self.stack.push(target.clone());
        let walked = self.walk(&content, &target.0, in_schema, 3);
        self.stack.pop();
        let mut walked = walked?;
        if let Value::Object(w) = &mut walked {
            w.extend(siblings);
        }
        Ok(walked)
    }

    fn target(&self, file: &Path, r: &str) -> Result<(PathBuf, String)> {
        let (path_part, fragment) = r.split_once('#').unwrap_or((r, ""));
        let path = if path_part.is_empty() {
            file.to_path_buf()
        } else {
            let dir = file.parent().unwrap_or_else(|| Path::new("."));
            normalize(&dir.join(path_part))
        };
        Ok((path, fragment.to_string()))
    }

    fn content(&mut self, target: &(PathBuf, String), file: &Path, r: &str) -> Result<Value> {
        if !self.files.contains_key(&target.0) {
            let text = read_file(&target.0)?;
            let parsed = parse_text(&text, &target.0.display().to_string())?;
            self.files.insert(target.0.clone(), parsed);
        }
        let doc = self.files.get(&target.0);
        doc.and_then(|d| lookup_pointer(d, &target.1))
            .cloned()
            .ok_or_else(|| ParserError::BadRef {
                file: file.display().to_string(),
                reference: r.to_string(),
                message: format!("nothing at {:?} in {}", target.1, target.0.display()),
            })
    }

    fn fresh_name(&mut self, target: &(PathBuf, String)) -> String {
        let base = target
            .1
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| {
                target
                    .0
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "Schema".to_string());
        let mut name = base.clone();
        let mut n = 2;
        while self.used_names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used_names.insert(name.clone());
        name
    }
}

fn is_structured(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Lexically normalises a path (`a/b/../c` → `a/c`) without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn has_external_ref(v: &Value) -> bool {
    first_external_ref(v).is_some()
}

fn first_external_ref(v: &Value) -> Option<String> {
    match v {
        Value::Object(obj) => {
            if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
                if !r.starts_with('#') {
                    return Some(r.to_string());
                }
            }
            obj.values().find_map(first_external_ref)
        }
        Value::Array(items) => items.iter().find_map(first_external_ref),
        _ => None,
    }
}
