//! What the hub writes about flows: the end-of-run lifecycle summary and the per-flow log lines.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::Ordering;

use serde_json::{json, Value};

use super::FlowHub;
use crate::flows::case::FlowCase;

impl FlowHub {
    pub(super) fn summary_text(&self, unfinished: &[(u64, u64)]) -> String {
        let mut out = String::from("Lifecycle flows\n");
        let _ = writeln!(
            out,
            "{:<18} {:>8} {:>10} {:>7} {:>20} {:>14}",
            "flow", "started", "completed", "failed", "waiting in a queue", "cut in a step"
        );
        for (i, meta) in self.flows.iter().enumerate() {
            let c = &self.counts[i];
            let _ = writeln!(
                out,
                "{:<18} {:>8} {:>10} {:>7} {:>20} {:>14}",
                meta.name,
                c.started.load(Ordering::Relaxed),
                c.completed.load(Ordering::Relaxed),
                c.failed.load(Ordering::Relaxed),
                unfinished[i].0,
                unfinished[i].1
            );
        }
        let mut failures: Vec<(String, u64)> = self
            .failures
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        failures.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if !failures.is_empty() {
            out.push_str("Failed flows (at which step, and why)\n");
            for (text, n) in failures {
                let _ = writeln!(out, "  {n:>6}  {text}");
            }
        }
        out
    }

    pub(super) fn log_case(&self, case: &FlowCase, outcome: &str, reason: Option<&str>) {
        if self.log.is_none() {
            return;
        }
        let meta = &self.flows[case.flow];
        let waits: Vec<Value> = case
            .waits
            .iter()
            .map(|(role, d)| json!({"role": role.label(), "ms": d.as_secs_f64() * 1000.0}))
            .collect();
        self.log_line(json!({
            "flow": meta.name,
            "outcome": outcome,
            "reason": reason,
            "steps_done": case.step,
            "steps": meta.steps.len(),
            "busy_ms": case.busy.as_secs_f64() * 1000.0,
            "end_to_end_ms": case.started.elapsed().as_secs_f64() * 1000.0,
            "queue_waits": waits,
            "move": case.data,
        }));
    }

    pub(super) fn log_line(&self, line: Value) {
        if let Some(log) = &self.log {
            let mut out = log.lock();
            let _ = writeln!(out, "{line}");
        }
    }
}
