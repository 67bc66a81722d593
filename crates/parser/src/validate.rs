//! Compiled `jsonschema` validators for request bodies, response bodies and parameters.

use std::sync::Arc;

use serde_json::Value;

use crate::error::{ParserError, Result};
use crate::jsonschema_form::{to_json_schema, Direction};
use crate::operation::Parameter;
use crate::ApiParser;

/// A compiled validator for one schema, plus the JSON Schema it was compiled from.
pub struct SchemaValidator {
    validator: jsonschema::Validator,
    json_schema: Value,
}

impl std::fmt::Debug for SchemaValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaValidator")
            .field("json_schema", &self.json_schema)
            .finish()
    }
}

impl SchemaValidator {
    /// Compiles a resolved OpenAPI schema (as returned by [`ApiParser::request_body`]).
    pub fn compile(schema: &Value, direction: Direction, context: &str) -> Result<Self> {
        let json_schema = to_json_schema(schema, direction);
        let mut options = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .should_validate_formats(true)
            .with_format("date", crate::formats::is_date);
        if direction == Direction::Request {
            // What a go-swagger server accepts (strfmt's layouts); responses keep RFC 3339,
            // which is all a go-swagger server ever writes.
            options = options.with_format("date-time", crate::formats::is_request_date_time);
        }
        let validator = options
            .build(&json_schema)
            .map_err(|e| ParserError::Compile {
                context: context.to_string(),
                message: e.to_string(),
            })?;
        Ok(SchemaValidator {
            validator,
            json_schema,
        })
    }

    /// Whether `value` is valid.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator.is_valid(value)
    }

    /// `Ok(())` or every violation as `"<instance path>: <message>"`.
    pub fn validate(&self, value: &Value) -> std::result::Result<(), Vec<String>> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(value)
            .map(|e| format!("{}: {}", e.instance_path(), e))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The JSON Schema (draft 2019-09) this validator was compiled from.
    pub fn json_schema(&self) -> &Value {
        &self.json_schema
    }

    /// The underlying `jsonschema` validator.
    pub fn inner(&self) -> &jsonschema::Validator {
        &self.validator
    }
}

type Cached = std::result::Result<Option<Arc<SchemaValidator>>, String>;

fn from_cache(cached: &Cached, context: &str) -> Result<Option<Arc<SchemaValidator>>> {
    cached.clone().map_err(|message| ParserError::Compile {
        context: context.to_string(),
        message,
    })
}

impl ApiParser {
    /// The compiled validator of an operation's request body (`None`: no body).
    pub fn request_validator(
        &self,
        path: &str,
        method: &str,
    ) -> Result<Option<Arc<SchemaValidator>>> {
        let i = self.operation_index(path, method)?;
        let context = format!("{} request body", self.operations[i].label());
        let cached = self.cache[i].extra.request_validator.get_or_init(|| {
            let Some(schema) = self.request_body_at(i) else {
                return Ok(None);
            };
            SchemaValidator::compile(&schema, Direction::Request, &context)
                .map(|v| Some(Arc::new(v)))
                .map_err(|e| e.to_string())
        });
        from_cache(cached, &context)
    }

    /// The compiled validator of a response body (`status` `None` means `"200"`).
    pub fn response_validator(
        &self,
        path: &str,
        method: &str,
        status: Option<&str>,
    ) -> Result<Option<Arc<SchemaValidator>>> {
        let i = self.operation_index(path, method)?;
        let slot = self.response_slot(i, status.unwrap_or("200"))?;
        let context = format!(
            "{} response {}",
            self.operations[i].label(),
            self.cache[i].responses[slot].0
        );
        let cached = self.cache[i].extra.response_validators[slot].get_or_init(|| {
            let Some(schema) = self.response_body_at(i, slot) else {
                return Ok(None);
            };
            SchemaValidator::compile(&schema, Direction::Response, &context)
                .map(|v| Some(Arc::new(v)))
                .map_err(|e| e.to_string())
        });
        from_cache(cached, &context)
    }

    /// Builds, up front, every operation's resolved request schema, request generator and
    /// request validator (otherwise each is built on first use). Response artefacts stay
    /// lazy. Returns the first compile error.
    pub fn compile_all(&self) -> Result<()> {
        self.compile_generators()?;
        for (i, op) in self.operations.iter().enumerate() {
            if self.request_body_at(i).is_some() {
                self.request_validator(&op.path, &op.method)?;
            }
        }
        Ok(())
    }

    /// Builds, up front, every operation's resolved request schema and request generator
    /// (what fake data needs; validators stay lazy). Returns the first compile error.
    pub fn compile_generators(&self) -> Result<()> {
        for i in 0..self.operations.len() {
            if self.request_body_at(i).is_some() {
                self.request_generator_at(i)?;
            }
        }
        Ok(())
    }

    /// Validators for every parameter of an operation, in [`crate::Operation::parameters`]
    /// order. Check a raw text value with [`coerce_parameter`] first.
    pub fn parameter_validators(
        &self,
        path: &str,
        method: &str,
    ) -> Result<Arc<[Arc<SchemaValidator>]>> {
        let i = self.operation_index(path, method)?;
        let op = &self.operations[i];
        let cached = self.cache[i].extra.param_validators.get_or_init(|| {
            op.parameters
                .iter()
                .map(|p| {
                    let context = format!("{} parameter {}", op.label(), p.name);
                    SchemaValidator::compile(&p.schema, Direction::Request, &context).map(Arc::new)
                })
                .collect::<Result<Vec<_>>>()
                .map(Arc::from)
                .map_err(|e| e.to_string())
        });
        cached.clone().map_err(|message| ParserError::Compile {
            context: format!("{} parameters", op.label()),
            message,
        })
    }
}

/// Turns a parameter's raw text (from a path, query or header) into the JSON value its
/// schema describes: integers, numbers and booleans are parsed, arrays split on commas.
/// Text that does not parse stays a string (and then fails validation).
pub fn coerce_parameter(param: &Parameter, raw: &str) -> Value {
    coerce(&param.schema, raw)
}

fn coerce(schema: &Value, raw: &str) -> Value {
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or(""),
        _ => "",
    };
    match ty {
        "integer" => raw
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| raw.into()),
        "number" => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| raw.into(), Value::Number),
        "boolean" => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => raw.into(),
        },
        "array" => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            if raw.is_empty() {
                return Value::Array(vec![]);
            }
            Value::Array(raw.split(',').map(|part| coerce(items, part)).collect())
        }
        _ => Value::String(raw.to_string()),
    }
}
