//! [`ApiParser`]: a loaded spec and its queries.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::closest::closest;
use crate::error::{ParserError, Result};
use crate::load::{fetch_text, parse_text, read_file};
use crate::operation::{deref, is_json, read_operations, Operation};
use crate::resolve::{find_subtypes, Resolver, Subtypes};
use crate::route::{RouteMatch, Router};

/// A loaded, resolved API spec. Cheap to query, `Send + Sync`: share one behind an `Arc`.
///
/// Schemas, validators and generators are built on first use per operation and cached
/// (lock-free reads through `OnceLock`); [`ApiParser::compile_generators`] builds every
/// request generator up front, [`ApiParser::compile_all`] also every request validator.
pub struct ApiParser {
    pub(crate) name: String,
    source: String,
    pub(crate) doc: Value,
    openapi: openapiv3::OpenAPI,
    base_path: String,
    pub(crate) operations: Vec<Operation>,
    router: Router,
    pub(crate) subtypes: Subtypes,
    pub(crate) cache: Vec<OpCache>,
    date_anchor: chrono::NaiveDate,
    /// String kinds chosen while compiling generators (compile time only).
    pub(crate) str_cache: crate::fake::StrCache,
    /// The source was Swagger 2.0: its response schemas are read with go-swagger's
    /// semantics ([`crate::goswagger`]).
    go_swagger: bool,
}

/// Per-operation lazily built artefacts.
pub(crate) struct OpCache {
    pub(crate) request: OnceLock<Option<Arc<Value>>>,
    pub(crate) responses: Vec<(String, OnceLock<Option<Arc<Value>>>)>,
    pub(crate) extra: crate::cache::OpExtras,
}

impl std::fmt::Debug for ApiParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiParser")
            .field("name", &self.name)
            .field("base_path", &self.base_path)
            .field("operations", &self.operations.len())
            .finish()
    }
}

impl ApiParser {
    /// Loads a spec file (YAML or JSON); relative `$ref`s to other files are followed.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = read_file(path)?;
        Self::build(text, path.display().to_string(), Some(path))
    }

    /// Loads a spec from YAML or JSON text (it may not refer to other files).
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        Self::build(text.to_string(), "<string>".to_string(), None)
    }

    /// Loads a spec from a URL. With `cache_dir`, a cached copy is used when present and a
    /// downloaded one is stored.
    pub async fn from_url(url: &str, cache_dir: Option<&Path>) -> Result<Self> {
        Self::from_url_with_client(&reqwest::Client::new(), url, cache_dir).await
    }

    /// Like [`ApiParser::from_url`] with a caller-built client (e.g. one with mutual TLS).
    pub async fn from_url_with_client(
        client: &reqwest::Client,
        url: &str,
        cache_dir: Option<&Path>,
    ) -> Result<Self> {
        let text = fetch_text(client, url, cache_dir).await?;
        Self::build(text, url.to_string(), None)
    }

    /// Loads the spec a running MilMove server serves at `<api_base>/swagger.yaml`
    /// (e.g. `https://primelocal:9443/prime/v1`).
    pub async fn from_server(client: &reqwest::Client, api_base: &str) -> Result<Self> {
        let url = format!("{}/swagger.yaml", api_base.trim_end_matches('/'));
        Self::from_url_with_client(client, &url, None).await
    }

    fn build(source: String, name: String, path: Option<&Path>) -> Result<Self> {
        let raw = parse_text(&source, &name)?;
        let go_swagger = raw.get("swagger").is_some();
        let bundled = crate::bundle::bundle(raw, path, &name)?;
        let doc = crate::upgrade::upgrade(bundled, &name)?;
        check_refs(&doc, &doc, &name, &mut String::new())?;
        use serde::Deserialize;
        let openapi =
            openapiv3::OpenAPI::deserialize(&doc).map_err(|e| ParserError::InvalidSpec {
                file: name.clone(),
                location: String::new(),
                message: format!("not a valid OpenAPI 3.0 document after upgrade: {e}"),
            })?;
        let base_path = base_path_of(&doc);
        let subtypes = find_subtypes(&doc);
        let operations = read_operations(&doc, &Resolver::new(&doc, &subtypes));
        let router = Router::new(&operations);
        let cache = operations
            .iter()
            .map(|op| OpCache {
                request: OnceLock::new(),
                responses: op
                    .responses
                    .iter()
                    .map(|s| (s.clone(), OnceLock::new()))
                    .collect(),
                extra: crate::cache::OpExtras::new(op.responses.len()),
            })
            .collect();
        let date_anchor = chrono::Utc::now().date_naive();
        Ok(ApiParser {
            name,
            source,
            doc,
            openapi,
            base_path,
            operations,
            router,
            subtypes,
            cache,
            date_anchor,
            str_cache: Default::default(),
            go_swagger,
        })
    }

    /// Sets the day fake dates are generated around (default: today, UTC). Dates are
    /// reproducible from a seed for a fixed anchor.
    pub fn with_date_anchor(mut self, anchor: chrono::NaiveDate) -> Self {
        self.date_anchor = anchor;
        self.str_cache = Default::default();
        for c in &mut self.cache {
            c.extra = crate::cache::OpExtras::new(c.responses.len());
        }
        self
    }

    /// The day fake dates are generated around.
    pub fn date_anchor(&self) -> chrono::NaiveDate {
        self.date_anchor
    }

    /// Where the spec came from (file path, URL or `<string>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The API's base path without a trailing slash (`/prime/v1`; empty for `/`).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The original spec text, as loaded (what a server serves as `swagger.yaml`).
    pub fn source_text(&self) -> &str {
        &self.source
    }

    /// The spec as an OpenAPI 3.0 model (Swagger 2.0 upgraded).
    pub fn openapi(&self) -> &openapiv3::OpenAPI {
        &self.openapi
    }

    /// The spec as an OpenAPI 3.0 JSON document (all references local).
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// Every operation, in path order then method order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation with this `operationId`.
    pub fn operation_by_id(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some(operation_id))
    }

    /// Matches a concrete request path (base path removed) to an operation.
    ///
    /// Errors: [`ParserError::UnknownPath`] (404) naming the closest templates, or
    /// [`ParserError::UnknownMethod`] (405) listing the allowed methods.
    pub fn match_route(&self, method: &str, path: &str) -> Result<RouteMatch<'_>> {
        self.router.find(&self.operations, method, path)
    }

    /// The index of the operation for a path template (or concrete path) and method.
    pub fn operation_index(&self, path: &str, method: &str) -> Result<usize> {
        let upper = method.to_ascii_uppercase();
        if let Some(i) = self
            .operations
            .iter()
            .position(|o| o.path == path && o.method == upper)
        {
            return Ok(i);
        }
        self.match_route(method, path).map(|m| m.index)
    }

    /// The operation for a path template (or concrete path) and method.
    pub fn operation(&self, path: &str, method: &str) -> Result<&Operation> {
        self.operation_index(path, method)
            .map(|i| &self.operations[i])
    }

    /// The resolved schema of the request body (JSON, or else the form fields), or `None`
    /// when the operation takes no body.
    pub fn request_body(&self, path: &str, method: &str) -> Result<Option<Arc<Value>>> {
        let i = self.operation_index(path, method)?;
        Ok(self.request_body_at(i))
    }

    pub(crate) fn request_body_at(&self, i: usize) -> Option<Arc<Value>> {
        self.cache[i]
            .request
            .get_or_init(|| {
                let op = self.op_json(i)?;
                let content = deref(&self.doc, op.get("requestBody")?).get("content")?;
                let content = content.as_object()?;
                let media = content
                    .iter()
                    .find(|(k, _)| is_json(k))
                    .or_else(|| content.iter().next())?
                    .1;
                Some(Arc::new(self.resolver().resolve(media.get("schema")?)))
            })
            .clone()
    }

    /// The resolved schema of a response (`status` like `"200"`; `None` means `"200"`), or
    /// `None` when that response has no body. Falls back to `default` when declared.
    ///
    /// For a Swagger 2.0 spec the schema is read as a go-swagger server writes it: an optional
    /// property that go-swagger omits when empty is not nullable (see [`crate::goswagger`]).
    pub fn response_body(
        &self,
        path: &str,
        method: &str,
        status: Option<&str>,
    ) -> Result<Option<Arc<Value>>> {
        let i = self.operation_index(path, method)?;
        let slot = self.response_slot(i, status.unwrap_or("200"))?;
        Ok(self.response_body_at(i, slot))
    }

    pub(crate) fn response_slot(&self, i: usize, status: &str) -> Result<usize> {
        let list = &self.cache[i].responses;
        list.iter()
            .position(|(s, _)| s == status)
            .or_else(|| list.iter().position(|(s, _)| s == "default"))
            .ok_or_else(|| ParserError::UnknownStatus {
                method: self.operations[i].method.clone(),
                path: self.operations[i].path.clone(),
                status: status.to_string(),
                declared: list.iter().map(|(s, _)| s.clone()).collect(),
            })
    }

    pub(crate) fn response_body_at(&self, i: usize, slot: usize) -> Option<Arc<Value>> {
        let (status, cell) = &self.cache[i].responses[slot];
        cell.get_or_init(|| {
            let r = deref(&self.doc, self.op_json(i)?.get("responses")?.get(status)?);
            let content = r.get("content")?.as_object()?;
            let media = content
                .iter()
                .find(|(k, _)| is_json(k))
                .or_else(|| content.iter().next())?
                .1;
            let mut schema = self.resolver().resolve(media.get("schema")?);
            if self.go_swagger {
                crate::goswagger::response_form(&mut schema);
            }
            Some(Arc::new(schema))
        })
        .clone()
    }

    /// Whether the spec was Swagger 2.0 (go-swagger's extensions and semantics apply).
    pub fn is_swagger2(&self) -> bool {
        self.go_swagger
    }

    /// The resolved schema of a definition (`components/schemas/<name>`).
    pub fn definition(&self, name: &str) -> Result<Value> {
        let schemas = self
            .doc
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        match schemas.and_then(|s| s.get(name)) {
            Some(_) => {
                let r = format!("#/components/schemas/{}", crate::load::escape_pointer(name));
                Ok(self.resolver().resolve(&serde_json::json!({ "$ref": r })))
            }
            None => Err(ParserError::UnknownDefinition {
                name: name.to_string(),
                closest: closest(
                    name,
                    schemas
                        .into_iter()
                        .flat_map(|s| s.keys().map(String::as_str)),
                ),
            }),
        }
    }

    /// Names of all definitions (`components/schemas`).
    pub fn definition_names(&self) -> Vec<&str> {
        let schemas = self
            .doc
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        schemas
            .into_iter()
            .flat_map(|s| s.keys().map(String::as_str))
            .collect()
    }

    pub(crate) fn resolver(&self) -> Resolver<'_> {
        Resolver::new(&self.doc, &self.subtypes)
    }

    fn op_json(&self, i: usize) -> Option<&Value> {
        let op = &self.operations[i];
        self.doc
            .get("paths")?
            .get(&op.path)?
            .get(op.method.to_ascii_lowercase())
    }
}

fn base_path_of(doc: &Value) -> String {
    let url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or("/");
    let path = match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("", |j| &url[i + 3 + j..]),
        None => url,
    };
    path.trim_end_matches('/').to_string()
}

/// Every `$ref` must be local and point at something; reports the first that does not.
fn check_refs(root: &Value, v: &Value, file: &str, at: &mut String) -> Result<()> {
    match v {
        Value::Object(obj) => {
            if let Some(r) = obj.get("$ref") {
                let ok = r.as_str().is_some_and(|r| {
                    r.starts_with('#') && crate::pointer::lookup_pointer(root, r).is_some()
                });
                if !ok {
                    return Err(ParserError::BadRef {
                        file: file.to_string(),
                        reference: r.as_str().map_or_else(|| r.to_string(), String::from),
                        message: format!("does not point at anything (at {at})"),
                    });
                }
            }
            for (k, child) in obj {
                if matches!(
                    k.as_str(),
                    "example" | "examples" | "x-examples" | "default" | "enum"
                ) {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&crate::load::escape_pointer(k));
                check_refs(root, child, file, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                check_refs(root, child, file, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
