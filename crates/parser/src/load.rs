//! Reading spec text (file, string, URL) and parsing YAML or JSON into `serde_json::Value`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{ParserError, Result};

/// Parses YAML or JSON text. `name` is used in error messages.
///
/// YAML mapping keys that are not strings (e.g. an unquoted `200:` response code) become
/// strings; anchors and merge keys (`<<:`) are applied.
pub fn parse_text(text: &str, name: &str) -> Result<Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(text).map_err(|e| ParserError::Syntax {
            file: name.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        });
    }
    // Fast path: straight into JSON values (keys such as `200:` arrive as text). Merge
    // keys, tags and anything unusual take the general path below, which also reports
    // errors with their location.
    if !text.contains("<<") {
        if let Ok(value) = serde_yaml::from_str::<Value>(text) {
            return Ok(value);
        }
    }
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        ParserError::Syntax {
            file: name.to_string(),
            line,
            column,
            message: e.to_string(),
        }
    })?;
    yaml.apply_merge().map_err(|e| ParserError::Syntax {
        file: name.to_string(),
        line: 0,
        column: 0,
        message: e.to_string(),
    })?;
    yaml_to_json(yaml, name, &mut String::new())
}

fn yaml_to_json(yaml: serde_yaml::Value, name: &str, at: &mut String) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                out.push(yaml_to_json(item, name, at)?);
                at.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(mapping) => {
            let mut out = Map::with_capacity(mapping.len());
            for (k, v) in mapping {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    _ => {
                        return Err(ParserError::InvalidSpec {
                            file: name.to_string(),
                            location: at.clone(),
                            message: "mapping key is not a scalar".into(),
                        })
                    }
                };
                let len = at.len();
                at.push('/');
                at.push_str(&escape_pointer(&key));
                let value = yaml_to_json(v, name, at)?;
                at.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, name, at)?,
    })
}

/// Escapes one JSON-pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Reads a file to a string, mapping failures to [`ParserError::Io`].
pub fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|error| ParserError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Fetches `url` with `client`; when `cache_dir` is given, a cached copy is used if present
/// and a fresh download is stored there.
pub async fn fetch_text(
    client: &reqwest::Client,
    url: &str,
    cache_dir: Option<&Path>,
) -> Result<String> {
    let cache_file = cache_dir.map(|dir| dir.join(cache_name(url)));
    if let Some(file) = &cache_file {
        if let Ok(text) = std::fs::read_to_string(file) {
            return Ok(text);
        }
    }
    let fetch_err = |message: String| ParserError::Fetch {
        url: url.to_string(),
        message,
    };
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| fetch_err(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fetch_err(format!("HTTP status {status}")));
    }
    let text = response
        .text()
        .await
        .map_err(|e| fetch_err(e.to_string()))?;
    if let (Some(file), Some(dir)) = (&cache_file, cache_dir) {
        std::fs::create_dir_all(dir).map_err(|error| ParserError::Io {
            path: dir.to_path_buf(),
            error,
        })?;
        std::fs::write(file, &text).map_err(|error| ParserError::Io {
            path: file.clone(),
            error,
        })?;
    }
    Ok(text)
}

/// A file name for a cached URL: the URL with every non-alphanumeric character replaced.
pub fn cache_name(url: &str) -> PathBuf {
    let mut name: String = url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !name.ends_with("yaml") && !name.ends_with("json") {
        name.push_str(".yaml");
    }
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_numeric_keys_become_strings() {
        let v = parse_text("responses:\n  200:\n    description: ok\n", "t").unwrap();
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn json_is_parsed_and_errors_carry_location() {
        assert_eq!(parse_text("{\"a\": 1}", "t").unwrap()["a"], 1);
        match parse_text("a: [1,\n  b: }", "spec.yaml") {
            Err(ParserError::Syntax { file, line, .. }) => {
                assert_eq!(file, "spec.yaml");
                assert!(line >= 1);
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn merge_keys_are_applied() {
        let v = parse_text("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", "t").unwrap();
        assert_eq!(v["other"]["x"], 1);
    }

    #[test]
    fn cache_names_are_flat() {
        assert_eq!(
            cache_name("http://h:8/prime/v1/swagger.yaml"),
            PathBuf::from("http___h_8_prime_v1_swagger_yaml")
        );
    }
}
