//! Operations that answer a file or a stream, as MilMove's handlers do: the PDF downloads
//! (`produces: application/pdf`) answer a small real PDF with MilMove's `Content-Disposition`
//! (`inline; filename="…"`, named as each handler names it), and `getUploadStatus`
//! (`produces: text/event-stream`) answers the events MilMove writes for a scanned upload.

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{header, HeaderValue, StatusCode};

use super::{Call, Outcome};
use crate::api::ApiError;
use crate::state::StateError;
use crate::SimState;

/// Handles a download or stream operation; `None` for any other.
pub fn handle(sim: &SimState, call: &Call<'_>, op_id: &str) -> Option<Outcome> {
    let now = Utc::now();
    let filename = match op_id {
        "downloadMoveOrder" => {
            let locator = call.path("locator").trim().to_string();
            if let Err(e) = sim.store.move_by_locator(&locator) {
                return Some(Err(e.into()));
            }
            let prefix = match call.query("type").as_deref() {
                None | Some("ALL") => "Customer-ORDERS,AMENDMENTS".to_string(),
                Some(kind) => format!("Customer-{kind}"),
            };
            format!(
                "{prefix}-for-MTO-{locator}-{}.pdf",
                now.format("%Y-%m-%dT%H:%M:%S%.3fZ")
            )
        }
        "showAOAPacket" => format!("AOA-{}.pdf", now.format("%m-%d-%Y_%H-%M-%S")),
        "showPaymentPacket" => format!(
            "ppm_payment_packet-{}.pdf",
            now.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ),
        "downloadEvaluationReport" => {
            let id = call.path("reportID").to_ascii_uppercase();
            format!(
                "Customer QA-{} {}.pdf",
                id.get(..5).unwrap_or(&id),
                now.format("%m-%d-%Y")
            )
        }
        "bulkDownload" => {
            // The id is a plain string here: MilMove answers 400 for one that is not a UUID
            // (and 500 for an unknown one, which the stand-in answers 400 too).
            let known = uuid::Uuid::parse_str(call.path("paymentRequestID"))
                .is_ok_and(|id| sim.store.payment_requests.contains(&id));
            if !known {
                return Some(Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "payment request {} not found",
                        call.path("paymentRequestID")
                    ),
                )));
            }
            format!(
                "PaymentRequestBulkPacket-{}.pdf",
                now.format("%m-%d-%Y_%H-%M-%S")
            )
        }
        "getUploadStatus" => return Some(upload_status(sim, call)),
        _ => return None,
    };
    Some(Ok(pdf_response(&filename)))
}

/// A PDF answer with `Content-Disposition: inline; filename="…"`.
fn pdf_response(filename: &str) -> Response {
    let mut response = (StatusCode::OK, pdf_bytes()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `getUploadStatus`: the stand-in scans nothing, so every upload is `CLEAN` at once and the
/// stream is MilMove's two events for a tagged object (the status, then `close`).
fn upload_status(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("uploadID")?;
    if !sim.store.uploads.contains(&id) {
        return Err(ApiError::from(StateError::NotFound(format!("upload {id}"))));
    }
    let body =
        "id: 0\nevent: message\ndata: CLEAN\n\nid: 1\nevent: close\ndata: Connection closed\n\n";
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    Ok(response)
}

/// A one-page PDF 1.4 document ("milmove-sim"), built once with exact cross-reference
/// offsets so PDF readers open it.
pub fn pdf_bytes() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let content = "BT /F1 18 Tf 72 720 Td (milmove-sim document) Tj ET";
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
             /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
                .to_string(),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            ),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n", objects.len() + 1).as_bytes());
        out.extend_from_slice(b"0000000000 65535 f \n");
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pdf_has_a_valid_cross_reference_table() {
        let pdf = pdf_bytes();
        let text = String::from_utf8_lossy(pdf);
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(text[startxref..].starts_with("xref"));
        for (i, line) in text[startxref..].lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {} at {offset}",
                i + 1
            );
        }
    }
}
