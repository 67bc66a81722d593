//! Checking a run's JSON summary (`--json FILE`) against the catalog: did every task of every
//! class run, did the workflows complete, and did anything fail that was not expected?
//!
//! The end-to-end tests of the three apps use this, so the list of tasks they check comes from
//! the same catalog the classes are built from (and `--list` prints): a new task is checked as
//! soon as it is added. A task "ran" when the request its catalog entry names
//! ([`TaskSpec::request`](crate::catalog::TaskSpec::request)) has at least one record; a
//! workflow "completed" when its `WORKFLOW` record has at least one success.
//!
//! ```
//! use milmove_tasks::classes;
//! use milmove_tasks::coverage::check_summary;
//! use serde_json::json;
//!
//! let tio = classes::tio_user();
//! // A summary where nothing ran: every TIO task is reported missing.
//! let summary = json!({ "endpoints": [], "failures": [], "exceptions": [] });
//! let report = check_summary(&[&tio], &summary, &[]).unwrap();
//! assert_eq!(report.missing.len(), tio.all_tasks().count());
//! assert!(!report.is_clean());
//! ```

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::catalog::ClassSpec;
use crate::workflows::WORKFLOW_METHOD;

/// A request as the statistics name it: (method, name).
pub type RequestKey = (String, String);

/// The JSON summary does not have the shape the runner writes.
#[derive(Debug, thiserror::Error)]
#[error("not a run summary: {0}")]
pub struct SummaryError(String);

/// One endpoint row of the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests recorded (successes and failures).
    pub requests: u64,
    /// Failures among them.
    pub failures: u64,
}

/// What [`check_summary`] found. Empty problem lists mean the run covered everything cleanly.
#[derive(Debug, Clone, Default)]
pub struct CoverageReport {
    /// Tasks whose request was never recorded, as `Class::task (METHOD name)`.
    pub missing: Vec<String>,
    /// Workflows without a single successful iteration, as `Class::task (name)`.
    pub workflows_not_completed: Vec<String>,
    /// Rows with failures that no one declared as expected, with the failure messages.
    pub unexpected_failures: Vec<String>,
    /// Task errors (the runner's `exceptions`).
    pub exceptions: Vec<String>,
    /// Successful iterations of each workflow, by name (for the test's log).
    pub workflows_completed: Vec<(String, u64)>,
}

impl CoverageReport {
    /// Whether nothing is missing, every workflow completed and nothing failed unexpectedly.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.workflows_not_completed.is_empty()
            && self.unexpected_failures.is_empty()
            && self.exceptions.is_empty()
    }
}

impl fmt::Display for CoverageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sections = [
            ("tasks that never ran", &self.missing),
            (
                "workflows that never completed",
                &self.workflows_not_completed,
            ),
            ("unexpected failures", &self.unexpected_failures),
            ("task errors", &self.exceptions),
        ];
        let mut clean = true;
        for (title, items) in sections {
            if items.is_empty() {
                continue;
            }
            clean = false;
            writeln!(f, "{title}:")?;
            for item in items {
                writeln!(f, "  - {item}")?;
            }
        }
        if clean {
            writeln!(
                f,
                "every task ran, every workflow completed, no unexpected failure"
            )?;
        }
        for (name, count) in &self.workflows_completed {
            writeln!(f, "workflow `{name}`: {count} completed iteration(s)")?;
        }
        Ok(())
    }
}

/// Checks `summary` (the runner's `--json` output) against `classes`. `expected_failures` are
/// the (method, name) rows allowed to have failures.
pub fn check_summary(
    classes: &[&ClassSpec],
    summary: &Value,
    expected_failures: &[(&str, &str)],
) -> Result<CoverageReport, SummaryError> {
    let rows = endpoint_counts(summary)?;
    let mut report = CoverageReport::default();
    for class in classes {
        for (_, task) in class.all_tasks() {
            let (method, name) = task.request;
            let counts = rows
                .get(&(method.to_string(), name.to_string()))
                .copied()
                .unwrap_or_default();
            let label = format!("{}::{} ({method} {name})", class.name, task.name);
            if counts.requests == 0 {
                report.missing.push(label);
                continue;
            }
            if method == WORKFLOW_METHOD {
                let completed = counts.requests - counts.failures.min(counts.requests);
                if completed == 0 {
                    report.workflows_not_completed.push(label);
                }
                report
                    .workflows_completed
                    .push((name.to_string(), completed));
            }
        }
    }
    report.unexpected_failures = unexpected_failures(summary, expected_failures)?;
    report.exceptions = task_errors(summary)?;
    Ok(report)
}

/// Rows of `summary` with failures that are not in `expected_failures`, each with its count
/// and the failure messages.
pub fn unexpected_failures(
    summary: &Value,
    expected_failures: &[(&str, &str)],
) -> Result<Vec<String>, SummaryError> {
    let rows = endpoint_counts(summary)?;
    let messages = failure_messages(summary)?;
    let mut failed: Vec<(&RequestKey, &Counts)> =
        rows.iter().filter(|(_, c)| c.failures > 0).collect();
    failed.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::new();
    for ((method, name), counts) in failed {
        let allowed = expected_failures
            .iter()
            .any(|(m, n)| m == method && n == name);
        if allowed {
            continue;
        }
        let why = messages
            .get(&(method.clone(), name.clone()))
            .map(|m| m.join("; "))
            .unwrap_or_default();
        out.push(format!(
            "{method} {name}: {} of {} failed: {why}",
            counts.failures, counts.requests
        ));
    }
    Ok(out)
}

/// The task errors (the runner's `exceptions`) of `summary`, as `message xCOUNT`.
pub fn task_errors(summary: &Value) -> Result<Vec<String>, SummaryError> {
    Ok(list(summary, "exceptions")?
        .iter()
        .map(|x| {
            format!(
                "{} x{}",
                x.get("message").and_then(Value::as_str).unwrap_or("?"),
                x.get("count").and_then(Value::as_u64).unwrap_or(0)
            )
        })
        .collect())
}

/// The summary's endpoint rows by (method, name).
pub fn endpoint_counts(summary: &Value) -> Result<HashMap<RequestKey, Counts>, SummaryError> {
    let mut rows = HashMap::new();
    for row in list(summary, "endpoints")? {
        let field = |key: &str| {
            row.get(key)
                .ok_or_else(|| SummaryError(format!("an endpoint row has no `{key}`")))
        };
        let method = field("method")?.as_str().unwrap_or_default().to_string();
        let name = field("name")?.as_str().unwrap_or_default().to_string();
        let counts = Counts {
            requests: field("requests")?.as_u64().unwrap_or(0),
            failures: field("failures")?.as_u64().unwrap_or(0),
        };
        rows.insert((method, name), counts);
    }
    Ok(rows)
}

fn list<'v>(summary: &'v Value, key: &str) -> Result<&'v Vec<Value>, SummaryError> {
    summary
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| SummaryError(format!("no `{key}` list")))
}

fn failure_messages(summary: &Value) -> Result<HashMap<RequestKey, Vec<String>>, SummaryError> {
    let mut messages: HashMap<RequestKey, Vec<String>> = HashMap::new();
    for failure in list(summary, "failures")? {
        let text = |key: &str| {
            failure
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let occurrences = failure.get("occurrences").and_then(Value::as_u64);
        messages
            .entry((text("method"), text("name")))
            .or_default()
            .push(format!("{} (x{})", text("error"), occurrences.unwrap_or(0)));
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes;
    use serde_json::json;

    /// A summary where every task of `class` sent its request `n` times, none failing.
    fn full_summary(class: &ClassSpec, n: u64) -> Value {
        let endpoints: Vec<Value> = class
            .all_tasks()
            .map(|(_, t)| {
                json!({"method": t.request.0, "name": t.request.1, "requests": n, "failures": 0})
            })
            .collect();
        json!({ "endpoints": endpoints, "failures": [], "exceptions": [] })
    }

    #[test]
    fn a_full_run_is_clean_and_counts_workflows() {
        let class = classes::prime_workflow_user();
        let report = check_summary(&[&class], &full_summary(&class, 3), &[]).unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.workflows_completed.len(), 2);
        assert!(report.workflows_completed.iter().all(|(_, n)| *n == 3));
    }

    #[test]
    fn a_task_without_records_is_missing() {
        let class = classes::support_user();
        let mut summary = full_summary(&class, 1);
        summary["endpoints"].as_array_mut().unwrap().remove(0);
        let report = check_summary(&[&class], &summary, &[]).unwrap();
        assert_eq!(report.missing.len(), 1, "{report}");
        assert!(report.missing[0].starts_with("SupportUser::"));
    }

    #[test]
    fn a_workflow_that_only_failed_did_not_complete() {
        let class = classes::customer_user();
        let mut summary = full_summary(&class, 2);
        for row in summary["endpoints"].as_array_mut().unwrap() {
            if row["method"] == WORKFLOW_METHOD {
                row["failures"] = json!(2);
            }
        }
        let report = check_summary(&[&class], &summary, &[]).unwrap();
        assert_eq!(report.workflows_not_completed.len(), 1, "{report}");
        assert_eq!(report.unexpected_failures.len(), 1, "{report}");
    }

    #[test]
    fn failures_are_allowed_only_where_expected() {
        let class = classes::tio_user();
        let mut summary = full_summary(&class, 4);
        let (method, name) = class.tasks[0].request;
        summary["endpoints"][0]["failures"] = json!(1);
        summary["failures"] = json!([
            {"method": method, "name": name, "error": "HTTP 500", "occurrences": 1}
        ]);
        let report = check_summary(&[&class], &summary, &[]).unwrap();
        assert_eq!(report.unexpected_failures.len(), 1);
        assert!(report.unexpected_failures[0].contains("HTTP 500"));
        let report = check_summary(&[&class], &summary, &[(method, name)]).unwrap();
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn task_errors_are_reported() {
        let class = classes::tio_user();
        let mut summary = full_summary(&class, 1);
        summary["exceptions"] = json!([{"count": 2, "message": "boom"}]);
        let report = check_summary(&[&class], &summary, &[]).unwrap();
        assert_eq!(report.exceptions, vec!["boom x2".to_string()]);
    }

    #[test]
    fn a_malformed_summary_is_an_error() {
        let class = classes::tio_user();
        assert!(check_summary(&[&class], &json!({}), &[]).is_err());
        let bad_row = json!({"endpoints": [{"method": "GET"}], "failures": [], "exceptions": []});
        assert!(check_summary(&[&class], &bad_row, &[]).is_err());
    }
}
