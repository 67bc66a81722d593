//! Hook points for customising fake data, the successor of the old parser's three
//! `_custom_*_validation` methods.

use serde_json::Value;

use crate::operation::Operation;
use crate::rng::FakeRng;

/// Where a field sits while its generator is compiled.
#[derive(Debug, Clone, Copy)]
pub struct FieldContext<'a> {
    /// The operation whose body is being compiled.
    pub operation: &'a Operation,
    /// Property names from the body root to this field's parent (array levels omitted).
    pub parents: &'a [String],
    /// The field's property name.
    pub name: &'a str,
}

/// Customises fake data. All methods have do-nothing defaults; implement the ones you need.
///
/// The two "before data" hooks run once per operation, when its generator is compiled, so
/// they cost nothing per request; the "after data" hook runs on every generated body.
pub trait FakeHooks: Send + Sync {
    /// Per endpoint body, before data: return a replacement for the resolved body schema
    /// (e.g. without the nested objects this endpoint cannot create).
    fn body_schema(&self, operation: &Operation, schema: &Value) -> Option<Value> {
        let _ = (operation, schema);
        None
    }

    /// Per field, before data: return a replacement for one property's schema
    /// (e.g. a tighter `maximum` for a weight).
    fn field_schema(&self, field: &FieldContext<'_>, schema: &Value) -> Option<Value> {
        let _ = (field, schema);
        None
    }

    /// Per request, after data: adjust a generated body (e.g. make item dimensions smaller
    /// than crate dimensions). `overrides` are the caller's overrides, already merged in;
    /// leave the fields they name alone.
    fn request(
        &self,
        operation: &Operation,
        body: &mut Value,
        overrides: Option<&Value>,
        rng: &mut FakeRng,
    ) {
        let _ = (operation, body, overrides, rng);
    }
}

/// Hooks that change nothing (what [`crate::ApiParser::fake_request`] uses).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl FakeHooks for NoHooks {}
