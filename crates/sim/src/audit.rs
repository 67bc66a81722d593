//! The response audit (off by default): every response the stand-in sends for a spec
//! operation is checked against that operation's declared responses, read with go-swagger's
//! semantics (`x-nullable`, `x-omitempty`, `allOf`; see `milmove_parser::formats` and the
//! parser's response schemas), and every violation is counted and kept (the first
//! [`KEPT_VIOLATIONS`] in full).
//!
//! Checked for each response: the status is one the operation declares (or `default`); a
//! JSON body validates against that status's schema; a non-JSON success has a media type the
//! operation produces and, for a PDF, a `Content-Disposition`. Errors raised by the
//! go-swagger framework itself before an operation runs (unknown route, content type,
//! parameter validation, sessions) are rendered by MilMove's `ServeCustomError`, not by the
//! operation, and are not checked.
//!
//! Turn it on with [`crate::SimConfig::audit`] (`milmove-sim --audit-responses FILE`,
//! or the [`AUDIT_ENV`] variable read by the load-test apps' stand-in launcher): when the
//! stand-in stops, the report is written there as JSON. [`crate::SimHandle::audit`] reads it
//! in-process.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::response::Response;
use http::header;
use milmove_parser::Operation;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::api::Api;
use crate::validate::Spec;

/// The environment variable the load-test apps' stand-in launcher reads: a file to write the
/// response audit to (the audit is on when it is set).
pub const AUDIT_ENV: &str = "MILMOVE_SIM_AUDIT";

/// How many violations are kept in full (all are counted).
pub const KEPT_VIOLATIONS: usize = 200;

/// Largest body read back for checking.
const MAX_CHECKED_BODY: usize = 64 * 1024 * 1024;

/// One response that does not match its operation's declared responses.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Violation {
    /// `PrimeV1`, `Ghc`, …
    pub api: String,
    /// Upper-case method.
    pub method: String,
    /// The operation's path template.
    pub path: String,
    /// The operation id.
    pub operation_id: String,
    /// The status sent.
    pub status: u16,
    /// What is wrong (at most 5 messages).
    pub errors: Vec<String>,
}

/// What the audit saw so far.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AuditReport {
    /// Responses checked.
    pub checked: u64,
    /// Responses that did not match (all counted).
    pub violations: u64,
    /// The first violations, in full.
    pub samples: Vec<Violation>,
}

/// The running audit.
#[derive(Default)]
pub struct ResponseAudit {
    checked: AtomicU64,
    violations: AtomicU64,
    samples: Mutex<Vec<Violation>>,
}

impl ResponseAudit {
    /// Checks `response` (sent for `op` of `api`) and returns it unchanged.
    pub async fn check(
        &self,
        api: Api,
        spec: &Spec,
        op: &Operation,
        response: Response,
    ) -> Response {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_CHECKED_BODY)
            .await
            .unwrap_or_default();
        let errors = problems(spec, op, parts.status.as_u16(), &parts.headers, &bytes);
        self.checked.fetch_add(1, Ordering::Relaxed);
        if !errors.is_empty() {
            self.violations.fetch_add(1, Ordering::Relaxed);
            let mut samples = self.samples.lock();
            if samples.len() < KEPT_VIOLATIONS {
                samples.push(Violation {
                    api: format!("{api:?}"),
                    method: op.method.clone(),
                    path: op.path.clone(),
                    operation_id: op.operation_id.clone().unwrap_or_default(),
                    status: parts.status.as_u16(),
                    errors,
                });
            }
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    /// The report so far.
    pub fn report(&self) -> AuditReport {
        AuditReport {
            checked: self.checked.load(Ordering::Relaxed),
            violations: self.violations.load(Ordering::Relaxed),
            samples: self.samples.lock().clone(),
        }
    }
}

/// Error statuses MilMove answers although the operation does not declare them (its
/// handlers' `handlers.ResponseForError` picks the status from the error): (operation id,
/// status, where). The stand-in answers the same, so the audit accepts them.
const UNDECLARED_IN_MILMOVE: &[(&str, u16, &str)] = &[(
    "createOrders",
    404,
    "internalapi/orders.go: an unknown duty location (ErrFetchNotFound)",
)];

fn problems(
    spec: &Spec,
    op: &Operation,
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Vec<String> {
    let code = status.to_string();
    let op_id = op.operation_id.as_deref().unwrap_or("");
    if UNDECLARED_IN_MILMOVE
        .iter()
        .any(|(id, s, _)| *id == op_id && *s == status)
    {
        return Vec::new();
    }
    if !op.responses.iter().any(|s| *s == code || s == "default") {
        return vec![format!(
            "status {status} is not declared (declared: {})",
            op.responses.join(", ")
        )];
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let success = (200..300).contains(&status);
    let json_declared = op.produces.is_empty() || op.produces.iter().any(|p| is_json(p));
    if success && !json_declared {
        let mut errors = Vec::new();
        if !op.produces.iter().any(|p| p.eq_ignore_ascii_case(&media)) {
            errors.push(format!(
                "content type {media:?} is not one the operation produces ({})",
                op.produces.join(", ")
            ));
        }
        if media == "application/pdf" && !headers.contains_key(header::CONTENT_DISPOSITION) {
            errors.push("a PDF download without Content-Disposition".into());
        }
        return errors;
    }
    let Some(validator) = spec.response_validator(op, status) else {
        return Vec::new();
    };
    if body.is_empty() {
        return vec![format!("status {status} declares a body; none was sent")];
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => match validator.validate(&value) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().take(5).collect(),
        },
        Err(e) => vec![format!("the body is not JSON ({media}): {e}")],
    }
}

fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim();
    m == "application/json" || m.ends_with("+json")
}

/// Writes the audit's report to a file when dropped (the stand-in's handle holds one).
pub(crate) struct ReportOnDrop {
    pub(crate) audit: std::sync::Arc<ResponseAudit>,
    pub(crate) path: PathBuf,
}

impl ReportOnDrop {
    /// Writes the report now (through a temporary file, so a reader never sees half of it).
    pub(crate) fn write(&self) -> std::io::Result<()> {
        write_report(&self.path, &self.audit.report())
    }
}

impl Drop for ReportOnDrop {
    fn drop(&mut self) {
        if let Err(e) = self.write() {
            eprintln!(
                "milmove-sim: cannot write the response audit to {}: {e}",
                self.path.display()
            );
        }
    }
}

fn write_report(path: &Path, report: &AuditReport) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(report).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
