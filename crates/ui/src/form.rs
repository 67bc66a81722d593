//! Reading the start/edit form (`POST /swarm`, `/api/start`, `/api/edit`): Locust's field
//! names (`user_count`, `spawn_rate`, `host`, `run_time`, `user_classes`) plus ours (`weight.CLASS`,
//! `tags`, `exclude_tags`, `thresholds`, `arrival_rate`). Every bad value is a message for a 400.

use milmove_runner::config::parse_duration;
use milmove_runner::control::{ClassChoice, StartParams};

/// Weight placeholder of a class chosen without a weight: the catalogue's weight applies.
pub(crate) const DEFAULT_WEIGHT: u32 = u32::MAX;

/// The fields of a form body, in order (repeated keys kept).
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parses an urlencoded body, or a JSON object (values: strings, numbers, string lists).
    pub(crate) fn parse(body: &[u8], json: bool) -> Result<Self, String> {
        if !json {
            return Ok(Self(
                url::form_urlencoded::parse(body)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| format!("the JSON body does not parse: {e}"))?;
        let obj = value.as_object().ok_or("the JSON body must be an object")?;
        let mut out = Vec::new();
        for (k, v) in obj {
            match v {
                serde_json::Value::Array(items) => {
                    for item in items {
                        out.push((k.clone(), scalar(item)));
                    }
                }
                serde_json::Value::Object(map) => {
                    for (name, w) in map {
                        out.push((format!("{k}.{name}"), scalar(w)));
                    }
                }
                other => out.push((k.clone(), scalar(other))),
            }
        }
        Ok(Self(out))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split([',', '\n']).map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The users and spawn rate of an edit.
    pub(crate) fn edit(&self, defaults: (usize, f64)) -> Result<(usize, f64), String> {
        let users = match self.get("user_count") {
            Some(v) if !v.is_empty() => users(v)?,
            _ => defaults.0,
        };
        let rate = match self.get("spawn_rate") {
            Some(v) if !v.is_empty() => spawn_rate(v)?,
            _ => defaults.1,
        };
        Ok((users, rate))
    }

    /// The start parameters, over `defaults`.
    pub(crate) fn start(&self, defaults: &StartParams) -> Result<StartParams, String> {
        let mut p = defaults.clone();
        if let Some(v) = self.get("user_count").filter(|v| !v.is_empty()) {
            p.users = users(v)?;
            if p.users == 0 {
                return Err("user_count must be at least 1".into());
            }
        }
        if let Some(v) = self.get("spawn_rate").filter(|v| !v.is_empty()) {
            p.spawn_rate = spawn_rate(v)?;
        }
        if let Some(v) = self.get("host").filter(|v| !v.is_empty()) {
            p.host = v.to_string();
        }
        if let Some(v) = self.get("run_time") {
            p.run_time = if v.is_empty() {
                None
            } else {
                Some(parse_duration(v).map_err(|e| format!("run_time: {e}"))?)
            };
        }
        if let Some(v) = self.get("arrival_rate") {
            p.arrival_rate = if v.is_empty() {
                None
            } else {
                let r: f64 = v
                    .parse()
                    .map_err(|_| format!("arrival_rate `{v}` is not a number"))?;
                if !(r > 0.0 && r.is_finite()) {
                    return Err(format!("arrival_rate must be > 0, got {v}"));
                }
                Some(r)
            };
        }
        if self.0.iter().any(|(k, _)| k == "tags") {
            p.tags = self.all("tags");
        }
        if self.0.iter().any(|(k, _)| k == "exclude_tags") {
            p.exclude_tags = self.all("exclude_tags");
        }
        if self.0.iter().any(|(k, _)| k == "thresholds") {
            p.thresholds = self
                .0
                .iter()
                .filter(|(k, _)| k == "thresholds")
                .flat_map(|(_, v)| v.split([';', '\n']).map(|s| s.trim().to_string()))
                .filter(|s| !s.is_empty())
                .collect();
        }
        let chosen = self.all("user_classes");
        let mut classes = Vec::new();
        for name in &chosen {
            let weight = match self.get(&format!("weight.{name}")) {
                Some(w) if !w.is_empty() => w
                    .parse::<u32>()
                    .map_err(|_| format!("weight of {name}: `{w}` is not a whole number ≥ 0"))?,
                _ => DEFAULT_WEIGHT,
            };
            classes.push(ClassChoice {
                name: name.clone(),
                weight,
            });
        }
        // Weights given without `user_classes`: those classes with those weights.
        if chosen.is_empty() {
            for (k, v) in &self.0 {
                if let Some(name) = k.strip_prefix("weight.") {
                    let weight = v.trim().parse::<u32>().map_err(|_| {
                        format!("weight of {name}: `{v}` is not a whole number ≥ 0")
                    })?;
                    classes.push(ClassChoice {
                        name: name.to_string(),
                        weight,
                    });
                }
            }
        }
        if !classes.is_empty() {
            p.classes = classes;
        }
        Ok(p)
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn users(v: &str) -> Result<usize, String> {
    v.parse::<usize>()
        .map_err(|_| format!("user_count `{v}` is not a whole number ≥ 0 (e.g. 10)"))
}

fn spawn_rate(v: &str) -> Result<f64, String> {
    let r: f64 = v
        .parse()
        .map_err(|_| format!("spawn_rate `{v}` is not a number (e.g. 5 or 0.5)"))?;
    if !(r > 0.0 && r.is_finite()) {
        return Err(format!("spawn_rate must be > 0, got {v}"));
    }
    Ok(r)
}
