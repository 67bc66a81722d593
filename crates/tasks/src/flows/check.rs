//! Checking a lifecycle run's JSON summary: every flow of the mix completed at least once,
//! every step of it and every queue on its way was recorded, nothing failed that was not
//! expected. The app's end-to-end test uses it (the stand-in's own state is checked there).

use std::fmt;

use serde_json::Value;

use super::hub::{flow_end_to_end_row, flow_row, queue_row, step_row, FlowMeta, QUEUE_METHOD};
use crate::coverage::{endpoint_counts, task_errors, unexpected_failures, SummaryError};
use crate::workflows::WORKFLOW_METHOD;

/// What [`check_lifecycle`] found; empty problem lists mean a clean lifecycle run.
#[derive(Debug, Clone, Default)]
pub struct LifecycleReport {
    /// Rows that should have been recorded and were not (`METHOD name`).
    pub missing: Vec<String>,
    /// Flows and steps without a single success.
    pub not_completed: Vec<String>,
    /// Rows with failures no one declared as expected.
    pub unexpected_failures: Vec<String>,
    /// Task errors.
    pub exceptions: Vec<String>,
    /// Completed flows, by flow.
    pub completed: Vec<(String, u64)>,
}

impl LifecycleReport {
    /// Whether every flow completed with all its rows, and nothing failed unexpectedly.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.not_completed.is_empty()
            && self.unexpected_failures.is_empty()
            && self.exceptions.is_empty()
    }
}

impl fmt::Display for LifecycleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (title, items) in [
            ("rows never recorded", &self.missing),
            ("flows or steps that never succeeded", &self.not_completed),
            ("unexpected failures", &self.unexpected_failures),
            ("task errors", &self.exceptions),
        ] {
            if !items.is_empty() {
                writeln!(f, "{title}:")?;
                for item in items {
                    writeln!(f, "  - {item}")?;
                }
            }
        }
        if self.is_clean() {
            writeln!(
                f,
                "every flow completed, every step and queue recorded, no unexpected failure"
            )?;
        }
        for (flow, n) in &self.completed {
            writeln!(f, "flow `{flow}`: {n} completed")?;
        }
        Ok(())
    }
}

/// Checks `summary` for the flows with weight > 0 in `flows`.
pub fn check_lifecycle(
    flows: &[FlowMeta],
    summary: &Value,
    expected_failures: &[(&str, &str)],
) -> Result<LifecycleReport, SummaryError> {
    let rows = endpoint_counts(summary)?;
    let mut report = LifecycleReport::default();
    let successes = |method: &str, name: &str| {
        rows.get(&(method.to_string(), name.to_string()))
            .map(|c| c.requests.saturating_sub(c.failures))
    };
    for flow in flows.iter().filter(|f| f.weight > 0) {
        let mut wanted: Vec<(&str, String)> = vec![
            (WORKFLOW_METHOD, flow_row(flow.name)),
            (WORKFLOW_METHOD, flow_end_to_end_row(flow.name)),
        ];
        for (i, step) in flow.steps.iter().enumerate() {
            wanted.push((
                WORKFLOW_METHOD,
                step_row(flow.name, i, flow.steps.len(), step.role, step.name),
            ));
            if i > 0 {
                wanted.push((QUEUE_METHOD, queue_row(step.role)));
            }
        }
        for (method, name) in wanted {
            match successes(method, &name) {
                None => report.missing.push(format!("{method} {name}")),
                Some(0) => report.not_completed.push(format!("{method} {name}")),
                Some(_) => {}
            }
        }
        let completed = successes(WORKFLOW_METHOD, &flow_row(flow.name)).unwrap_or(0);
        report.completed.push((flow.name.to_string(), completed));
    }
    report.missing.sort();
    report.missing.dedup();
    report.unexpected_failures = unexpected_failures(summary, expected_failures)?;
    report.exceptions = task_errors(summary)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::catalog;
    use serde_json::json;

    fn metas() -> Vec<FlowMeta> {
        catalog::all().iter().map(|f| f.meta(1)).collect()
    }

    fn full(n: u64) -> Value {
        let mut endpoints = Vec::new();
        for flow in metas() {
            endpoints.push(json!({"method": "WORKFLOW", "name": flow_row(flow.name), "requests": n, "failures": 0}));
            endpoints.push(json!({"method": "WORKFLOW", "name": flow_end_to_end_row(flow.name), "requests": n, "failures": 0}));
            for (i, s) in flow.steps.iter().enumerate() {
                let name = step_row(flow.name, i, flow.steps.len(), s.role, s.name);
                endpoints.push(
                    json!({"method": "WORKFLOW", "name": name, "requests": n, "failures": 0}),
                );
                endpoints.push(json!({"method": "QUEUE", "name": queue_row(s.role), "requests": n, "failures": 0}));
            }
        }
        json!({"endpoints": endpoints, "failures": [], "exceptions": []})
    }

    #[test]
    fn a_full_lifecycle_run_is_clean() {
        let report = check_lifecycle(&metas(), &full(2), &[]).unwrap();
        assert!(report.is_clean(), "{report}");
        assert!(report.completed.iter().all(|(_, n)| *n == 2));
    }

    #[test]
    fn a_flow_that_never_completed_and_a_missing_queue_are_reported() {
        let mut summary = full(1);
        let rows = summary["endpoints"].as_array_mut().unwrap();
        rows.retain(|r| r["name"] != "queue TIO");
        for row in rows.iter_mut() {
            if row["name"] == "flow nts" {
                row["failures"] = json!(1);
            }
        }
        let report = check_lifecycle(&metas(), &summary, &[]).unwrap();
        assert_eq!(report.missing, ["QUEUE queue TIO"], "{report}");
        assert_eq!(report.not_completed, ["WORKFLOW flow nts"], "{report}");
        assert_eq!(report.unexpected_failures.len(), 1, "{report}");
    }
}
