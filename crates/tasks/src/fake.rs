//! Fake request bodies from the MilMove parsers (crate `milmove-parser`, with its MilMove hooks), drawn from each user's
//! own random generator; tasks pass only the fields their flow decides as overrides.

use milmove_runner::User;
use serde_json::Value;

use crate::apis::Api;
use crate::context::MilMoveUser;
use crate::error::TasksError;

/// A fake body for `path` (template, without the base path) and `method` of `api`, with
/// `overrides` merged in; `require_all` includes every optional field.
pub fn fake_body(
    u: &mut User<MilMoveUser>,
    api: Api,
    path: &str,
    method: &str,
    overrides: Value,
    require_all: bool,
) -> Result<Value, TasksError> {
    let overrides = (!is_empty_object(&overrides)).then_some(&overrides);
    u.state
        .shared
        .apis
        .fake_request(api, path, method, overrides, require_all, &mut u.rng)
        .map_err(|e| TasksError::Fake {
            method: method.to_uppercase(),
            path: format!("{}{path}", api.base_path()),
            message: e.to_string(),
        })
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(serde_json::Map::is_empty) || value.is_null()
}
