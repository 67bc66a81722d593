//! Swagger 2.0 / OpenAPI 3.0 parser and fake-request generator for MilMove load tests —
//! the successor of the old suite's `APIParser` (prance + Faker).
//!
//! # Loading
//! [`ApiParser::from_file`], [`ApiParser::from_yaml_str`], [`ApiParser::from_url`] (with an
//! optional cache folder), [`ApiParser::from_server`] (`<api base>/swagger.yaml`). YAML or
//! JSON; a Swagger 2.0 document is upgraded to OpenAPI 3.0 ([`ApiParser::openapi`] gives the
//! `openapiv3` model, [`ApiParser::document`] the JSON); OpenAPI 3.0.x passes through.
//! Every `$ref` is resolved: local, other files by relative path (multi-file specs such as
//! MilMove's `source/*.yaml`; a Markdown target becomes its text), nested, with sibling keys
//! (`x-nullable`, `description`, `readOnly` beside `$ref` win), recursion-safe. Path- and
//! operation-level parameters are merged by (name, in). Bad input gives a [`ParserError`]
//! naming the file and location, never a panic.
//!
//! # Queries
//! - [`ApiParser::base_path`] (`/prime/v1`), [`ApiParser::source_text`] (serve it as
//!   `swagger.yaml`), [`ApiParser::operations`] ([`Operation`]: method, path template,
//!   operation id, tags, [`Parameter`]s, `has_json_body`, consumes, response statuses).
//! - [`ApiParser::match_route`]`(method, concrete_path)` → [`RouteMatch`] (operation + path
//!   parameters); [`ParserError::UnknownPath`] (404) or [`ParserError::UnknownMethod`] (405),
//!   see [`ParserError::http_status`].
//! - [`ApiParser::request_body`], [`ApiParser::response_body`] (status `None` = `"200"`,
//!   falls back to `default`), [`ApiParser::definition`]: fully resolved schemas
//!   (`nullable` instead of `x-nullable`, `allOf` merged, recursive parts as
//!   `{"$ref": "#/definitions/Name"}` plus a top-level `definitions`, discriminated bases
//!   with `x-subtypes`). Path arguments accept a template or a concrete path.
//!
//! # Validation
//! [`ApiParser::request_validator`], [`ApiParser::response_validator`] and
//! [`ApiParser::parameter_validators`] return compiled [`SchemaValidator`]s (`jsonschema`,
//! draft 2019-09, formats checked): `nullable` allows null, readOnly fields are not required
//! in requests, discriminator subtypes are checked with `if`/`then` on the discriminator
//! value. For raw path/query/header text use [`coerce_parameter`] first. Request `date-time`
//! and `date` values are checked as a go-swagger server parses them (go-openapi `strfmt`'s
//! layouts, see [`formats`]: `2024-01-11T02:01:01` without a zone is accepted). Swagger 2.0
//! response schemas follow go-swagger's `omitempty` rule: an optional nullable property is
//! left out, never `null`, unless it says `x-omitempty: false` ([`ApiParser::response_body`]).
//!
//! # Fake data
//! [`ApiParser::fake_request`]`(path, method, overrides, require_all, seed)` (or
//! `fake_request_with_rng` with a per-user [`FakeRng`]) and [`ApiParser::fake_response`].
//! Type, format (uuid, date, date-time, email/x-email, telephone, zip, cents, millicents,
//! edipi, int32/int64, float/double, uri, mime-type, binary), enum, pattern, bounds
//! (exclusive too), lengths, items, uniqueItems, nullable, additionalProperties, allOf,
//! oneOf/anyOf are honoured; readOnly fields are never sent; optional fields appear one time
//! in four unless `require_all`. A discriminated schema picks an existing subtype (enum
//! values without a definition are skipped with a warning, see [`BodyGen::warnings`]).
//! Values are MilMove-flavoured by field name where the schema allows (invented names,
//! `NXX-555-01XX` phones, `HHMMZ` times, TACs, CONUS postal codes, addresses, e-mails).
//! Output is deterministic for a seed and a [date anchor](ApiParser::with_date_anchor).
//!
//! Overrides are merged while generating: an object overrides field by field (a named field
//! is always generated — even an optional or readOnly one — and unknown fields are added),
//! an array overrides item by item (one generated item per override element), anything else
//! replaces the value; a discriminator value in an override selects that subtype.
//!
//! Generators are compiled once per operation and cached (`OnceLock`; or all up front with
//! [`ApiParser::compile_generators`]); generation is lock-free, so one `Arc<ApiParser>`
//! serves every user.
//!
//! # The MilMove specs: found or fetched
//! [`find_spec_dir`] finds a folder of MilMove specs (a flag, `MILMOVE_SWAGGER_DIR`, a
//! `mymove/swagger` or `shared/milmove-swagger/bundled` folder beside the checkout, the cache
//! of the pinned specs); [`resolve_spec_dir`] also downloads the pinned files ([`pinned`]:
//! transcom/mymove at one commit, each file's SHA-256 in the source) into the user's cache
//! (`$XDG_CACHE_HOME/milmove-load/specs/<commit>`) from GitHub or the mirror named by
//! `MILMOVE_SPECS_URL` (plain HTTP only to loopback; [`download`]), unless [`Fetch::Offline`];
//! [`fetch_specs`] pre-fetches them. A file that does not match its checksum is refused and
//! deleted; the errors name the three ways to supply the specs.
//!
//! # Hooks and the MilMove parsers
//! [`FakeHooks`] has the three hook points (per body and per field before data, per request
//! after data). [`HookedParser`] wraps a shared parser with hooks; [`PrimeApiParser`],
//! [`SupportApiParser`], [`GhcApiParser`], [`InternalApiParser`] apply the MilMove rules
//! (see [`milmove`]).
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use milmove_parser::{ApiParser, PrimeApiParser};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), milmove_parser::ParserError> {
//! let parser = Arc::new(ApiParser::from_yaml_str(r##"
//! swagger: "2.0"
//! info: {title: demo, version: "1"}
//! basePath: /demo/v1
//! paths:
//!   /things/{id}:
//!     parameters: [{name: id, in: path, required: true, type: string, format: uuid}]
//!     patch:
//!       consumes: [application/json]
//!       parameters: [{name: body, in: body, required: true, schema: {$ref: "#/definitions/Thing"}}]
//!       responses: {"200": {description: ok, schema: {$ref: "#/definitions/Thing"}}}
//! definitions:
//!   Thing:
//!     type: object
//!     required: [firstName, weight]
//!     properties:
//!       id: {type: string, format: uuid, readOnly: true}
//!       firstName: {type: string}
//!       weight: {type: integer, minimum: 1, x-nullable: true}
//!       note: {type: string, maxLength: 20}
//! "##)?);
//! assert_eq!(parser.base_path(), "/demo/v1");
//!
//! // Route matching for a stand-in server.
//! let m = parser.match_route("PATCH", "/things/42")?;
//! assert_eq!(m.operation.path, "/things/{id}");
//! assert_eq!(m.path_params, vec![("id".to_string(), "42".to_string())]);
//! assert_eq!(parser.match_route("GET", "/things/42").unwrap_err().http_status(), Some(405));
//!
//! // Fake bodies validate against the schema; overrides win; readOnly fields are not sent.
//! let body = parser.fake_request("/things/{id}", "patch", Some(&json!({"note": "hi"})), true, 7)?;
//! assert_eq!(body["note"], "hi");
//! assert!(body.get("id").is_none());
//! let validator = parser.request_validator("/things/{id}", "patch")?.expect("has a body");
//! assert!(validator.is_valid(&body));
//!
//! // Same seed, same body; the MilMove parsers add their rules on top.
//! let prime = PrimeApiParser::new(parser.clone());
//! assert_eq!(prime.fake_request("/things/{id}", "patch", None, false, 1)?,
//!            prime.fake_request("/things/{id}", "patch", None, false, 1)?);
//! let response = parser.fake_response("/things/{id}", "patch", None, 3)?;
//! assert!(parser.response_validator("/things/{id}", "patch", None)?.unwrap().is_valid(&response));
//! # Ok(()) }
//! ```

mod bundle;
mod cache;
mod closest;
pub mod download;
mod error;
mod fake;
pub mod formats;
pub mod goswagger;
mod hooked;
mod hooks;
mod jsonschema_form;
mod load;
mod merge;
pub mod milmove;
mod operation;
mod parser;
pub mod pinned;
mod pointer;
mod resolve;
mod rng;
mod route;
pub mod spec_dir;
mod upgrade;
mod validate;

pub use error::{ParserError, Result};
pub use fake::{rng_from_seed, BodyGen, FakeRng, Flavour};
pub use hooked::HookedParser;
pub use hooks::{FakeHooks, FieldContext, NoHooks};
pub use jsonschema_form::{to_json_schema, Direction};
pub use milmove::{GhcApiParser, InternalApiParser, PrimeApiParser, SupportApiParser};
pub use operation::{Operation, ParamLocation, Parameter};
pub use parser::ApiParser;
pub use route::RouteMatch;
pub use spec_dir::{
    fetch_specs, find_spec_dir, resolve_spec_dir, Fetch, SpecDirNotFound, SpecsError, SPEC_DIR_VAR,
};
pub use validate::{coerce_parameter, SchemaValidator};
