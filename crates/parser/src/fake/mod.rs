//! Fake data: compiled per-operation generators and the [`ApiParser`] entry points.

mod flavour;
mod gen;
mod generate;
mod numbers;
mod strings;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use flavour::Flavour;
use gen::{Compiler, Gen};
use generate::Run;
pub(crate) use strings::StrCache;

use crate::error::{ParserError, Result};
use crate::hooks::{FakeHooks, NoHooks};
use crate::jsonschema_form::Direction;
use crate::operation::Operation;
pub use crate::rng::{rng_from_seed, FakeRng};
use crate::ApiParser;

/// A compiled generator for one body schema. Immutable; generation takes only an RNG.
pub struct BodyGen {
    root: Gen,
    defs: Vec<Gen>,
    warnings: Vec<String>,
}

impl std::fmt::Debug for BodyGen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyGen")
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl BodyGen {
    /// Compiles a resolved schema for `operation`.
    pub fn compile(
        schema: &Value,
        direction: Direction,
        date_anchor: chrono::NaiveDate,
        hooks: &dyn FakeHooks,
        operation: &Operation,
    ) -> BodyGen {
        let cache = StrCache::default();
        Self::compile_cached(schema, direction, date_anchor, hooks, operation, &cache)
    }

    /// [`BodyGen::compile`] sharing the string kinds already chosen for the same spec.
    pub(crate) fn compile_cached(
        schema: &Value,
        direction: Direction,
        date_anchor: chrono::NaiveDate,
        hooks: &dyn FakeHooks,
        operation: &Operation,
        strings: &StrCache,
    ) -> BodyGen {
        use chrono::Datelike;
        let replaced = match direction {
            Direction::Request => hooks.body_schema(operation, schema),
            Direction::Response => None,
        };
        let schema = replaced.as_ref().unwrap_or(schema);
        let definitions = schema
            .get("definitions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(Map::new);
        let mut c = Compiler {
            dir: direction,
            anchor: date_anchor.num_days_from_ce(),
            hooks,
            operation,
            definitions,
            def_index: Default::default(),
            defs: Vec::new(),
            warnings: Vec::new(),
            parents: Vec::new(),
            strings,
        };
        let root = c.compile(schema, "");
        let mut warnings = c.warnings;
        warnings.sort();
        warnings.dedup();
        for w in &warnings {
            tracing::warn!("{w}");
        }
        BodyGen {
            root,
            defs: c.defs,
            warnings,
        }
    }

    /// Generates one value. `overrides` are merged in on the way (see the crate docs).
    pub fn generate(
        &self,
        rng: &mut FakeRng,
        require_all: bool,
        overrides: Option<&Value>,
    ) -> Value {
        Run {
            rng,
            require_all,
            defs: &self.defs,
            depth: 0,
        }
        .value(&self.root, overrides)
    }

    /// Problems met while compiling (e.g. a discriminator value without a definition).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

impl ApiParser {
    /// A fake request body for `path` (template or concrete) and `method`, reproducible
    /// from `seed`. `require_all` includes every optional field; `overrides` are merged in.
    pub fn fake_request(
        &self,
        path: &str,
        method: &str,
        overrides: Option<&Value>,
        require_all: bool,
        seed: u64,
    ) -> Result<Value> {
        self.fake_request_with_rng(
            path,
            method,
            overrides,
            require_all,
            &mut rng_from_seed(seed),
        )
    }

    /// Like [`ApiParser::fake_request`], drawing from a caller's RNG (one per user).
    pub fn fake_request_with_rng(
        &self,
        path: &str,
        method: &str,
        overrides: Option<&Value>,
        require_all: bool,
        rng: &mut FakeRng,
    ) -> Result<Value> {
        let i = self.operation_index(path, method)?;
        let gen = self.request_generator_at(i)?;
        Ok(gen.generate(rng, require_all, overrides))
    }

    /// The compiled request-body generator of an operation (built once, then cached).
    pub fn request_generator(&self, path: &str, method: &str) -> Result<Arc<BodyGen>> {
        self.request_generator_at(self.operation_index(path, method)?)
    }

    pub(crate) fn request_generator_at(&self, i: usize) -> Result<Arc<BodyGen>> {
        let cell = self.cache[i].extra.request_gen.get_or_init(|| {
            let schema = self.request_body_at(i)?;
            let op = &self.operations[i];
            Some(Arc::new(BodyGen::compile_cached(
                &schema,
                Direction::Request,
                self.date_anchor(),
                &NoHooks,
                op,
                &self.str_cache,
            )))
        });
        cell.clone()
            .ok_or_else(|| no_body(&self.operations[i], "request"))
    }

    /// A fake response body for a declared status (`None` means `"200"`), valid against
    /// that response's schema; readOnly fields are included.
    pub fn fake_response(
        &self,
        path: &str,
        method: &str,
        status: Option<&str>,
        seed: u64,
    ) -> Result<Value> {
        self.fake_response_with_rng(path, method, status, &mut rng_from_seed(seed))
    }

    /// Like [`ApiParser::fake_response`], drawing from a caller's RNG.
    pub fn fake_response_with_rng(
        &self,
        path: &str,
        method: &str,
        status: Option<&str>,
        rng: &mut FakeRng,
    ) -> Result<Value> {
        let i = self.operation_index(path, method)?;
        let slot = self.response_slot(i, status.unwrap_or("200"))?;
        let cell = self.cache[i].extra.response_gens[slot].get_or_init(|| {
            let schema = self.response_body_at(i, slot)?;
            let op = &self.operations[i];
            Some(Arc::new(BodyGen::compile_cached(
                &schema,
                Direction::Response,
                self.date_anchor(),
                &NoHooks,
                op,
                &self.str_cache,
            )))
        });
        let gen = cell
            .clone()
            .ok_or_else(|| no_body(&self.operations[i], "response"))?;
        Ok(gen.generate(rng, false, None))
    }
}

pub(crate) fn no_body(op: &Operation, what: &str) -> ParserError {
    ParserError::Generate {
        context: op.label(),
        message: format!("the operation declares no {what} body"),
    }
}
