//! [`HookedParser`]: an [`ApiParser`] plus [`FakeHooks`], with its own generator cache.

use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::error::Result;
use crate::fake::{no_body, rng_from_seed, BodyGen, FakeRng};
use crate::hooks::FakeHooks;
use crate::jsonschema_form::Direction;
use crate::ApiParser;

/// A shared [`ApiParser`] whose fake requests go through hooks `H`.
///
/// Every query of [`ApiParser`] is available through `Deref`; `fake_request*` and
/// `request_generator` use the hooks. Generators are compiled once per operation (with the
/// "before data" hooks applied) and cached lock-free; the type is `Send + Sync`.
pub struct HookedParser<H> {
    parser: Arc<ApiParser>,
    hooks: H,
    gens: Box<[OnceLock<Option<Arc<BodyGen>>>]>,
}

impl<H> std::fmt::Debug for HookedParser<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookedParser")
            .field("parser", &self.parser)
            .finish_non_exhaustive()
    }
}

impl<H: FakeHooks + Default> HookedParser<H> {
    /// Wraps a shared parser with the default hooks of `H`.
    pub fn new(parser: Arc<ApiParser>) -> Self {
        Self::with_hooks(parser, H::default())
    }

    /// Loads a spec file and wraps it.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self::new(Arc::new(ApiParser::from_file(path)?)))
    }
}

impl<H: FakeHooks> HookedParser<H> {
    /// Wraps a shared parser with the given hooks.
    pub fn with_hooks(parser: Arc<ApiParser>, hooks: H) -> Self {
        let gens = parser
            .operations()
            .iter()
            .map(|_| OnceLock::new())
            .collect();
        HookedParser {
            parser,
            hooks,
            gens,
        }
    }

    /// The wrapped parser.
    pub fn parser(&self) -> &Arc<ApiParser> {
        &self.parser
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// The compiled (hooked) request generator of an operation.
    pub fn request_generator(&self, path: &str, method: &str) -> Result<Arc<BodyGen>> {
        self.generator_at(self.parser.operation_index(path, method)?)
    }

    fn generator_at(&self, i: usize) -> Result<Arc<BodyGen>> {
        let op = &self.parser.operations()[i];
        let cell = self.gens[i].get_or_init(|| {
            let schema = self.parser.request_body_at(i)?;
            let anchor = self.parser.date_anchor();
            Some(Arc::new(BodyGen::compile_cached(
                &schema,
                Direction::Request,
                anchor,
                &self.hooks,
                op,
                &self.parser.str_cache,
            )))
        });
        cell.clone().ok_or_else(|| no_body(op, "request"))
    }

    /// A fake request body, reproducible from `seed`, with the hooks applied
    /// (see [`ApiParser::fake_request`] for the arguments).
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

    /// Like [`HookedParser::fake_request`], drawing from a caller's RNG.
    pub fn fake_request_with_rng(
        &self,
        path: &str,
        method: &str,
        overrides: Option<&Value>,
        require_all: bool,
        rng: &mut FakeRng,
    ) -> Result<Value> {
        let i = self.parser.operation_index(path, method)?;
        let gen = self.generator_at(i)?;
        let mut body = gen.generate(rng, require_all, overrides);
        self.hooks
            .request(&self.parser.operations()[i], &mut body, overrides, rng);
        Ok(body)
    }
}

impl<H> Deref for HookedParser<H> {
    type Target = ApiParser;

    fn deref(&self) -> &ApiParser {
        &self.parser
    }
}
