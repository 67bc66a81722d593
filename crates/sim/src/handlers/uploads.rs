//! Uploads as MilMove's uploader takes them: the multipart `file` part is read as bytes, its
//! type is detected from the bytes (MilMove's `storage.DetectContentType`, the `mimetype`
//! library; the part's own `Content-Type` is ignored), and a type the endpoint does not allow
//! is refused, naming the detected type: `'text/plain; charset=utf-8' is not in the list
//! [image/jpeg, image/png, application/pdf].` (internal: 400 `{"errors": {"content_type":
//! …}}`; Prime: 422 with `invalidFields`).

use http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::Call;
use crate::api::ApiError;
use crate::state::model::{unique_now, Upload};
use crate::SimState;

/// MilMove's `AllowedTypesServiceMember` (orders) and `AllowedTypesPaymentRequest` (the
/// Prime's proof of service): the same three types.
pub const ALLOWED_DOCUMENT_TYPES: &[&str] = &["image/jpeg", "image/png", "application/pdf"];

/// The file part of a multipart body.
pub struct FilePart<'a> {
    /// `filename` of the part's `Content-Disposition`.
    pub filename: String,
    /// The bytes.
    pub bytes: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The `file` part of a `multipart/form-data` body (byte exact: binary files survive).
pub fn file_part<'a>(content_type: &str, body: &'a [u8]) -> Option<FilePart<'a>> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0)?;
    loop {
        let start = at + delimiter.len();
        let next = find(body, delimiter.as_bytes(), start)?;
        let part = &body[start..next];
        let head_end = find(part, b"\r\n\r\n", 0)?;
        let head = String::from_utf8_lossy(&part[..head_end]);
        if head.contains("name=\"file\"") {
            let filename = head
                .split("filename=\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .unwrap_or("upload")
                .to_string();
            let mut bytes = &part[head_end + 4..];
            if bytes.ends_with(b"\r\n") {
                bytes = &bytes[..bytes.len() - 2];
            }
            return Some(FilePart { filename, bytes });
        }
        at = next;
    }
}

/// The media type of `bytes` as MilMove's `mimetype`-based detection names it, for the types
/// that matter to its allowed lists (else `application/octet-stream`).
pub fn detect(bytes: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") || (starts(b"\xEF\xBB\xBF") && bytes[3..].starts_with(b"%PDF-")) {
        "application/pdf"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"\xFF\xD8\xFF") {
        "image/jpeg"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"PK\x03\x04") {
        "application/zip"
    } else if is_text(bytes) {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// UTF-8 without NUL or other control bytes besides whitespace (`mimetype`'s text check).
fn is_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok()
        && !bytes
            .iter()
            .any(|b| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

/// Why an upload was refused: MilMove's message naming the detected type.
#[derive(Debug)]
pub struct Refused {
    /// The message.
    pub message: String,
}

/// Stores the request's file as an upload (in `document`, if given) when its detected type
/// is allowed.
pub fn store_upload(
    sim: &SimState,
    call: &Call<'_>,
    document: Option<Uuid>,
    allowed: &[&str],
) -> Result<Upload, Refused> {
    let content_type = call
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (filename, bytes) = match file_part(content_type, call.raw_body) {
        Some(part) => (part.filename, part.bytes),
        None => ("upload".to_string(), call.raw_body),
    };
    let detected = detect(bytes);
    if !allowed.contains(&detected) {
        return Err(Refused {
            message: format!("'{detected}' is not in the list [{}].", allowed.join(", ")),
        });
    }
    let upload = Upload {
        id: Uuid::new_v4(),
        document_id: document,
        filename,
        content_type: detected.to_string(),
        bytes: bytes.len() as u64,
        checksum: crate::tls::sha256_hex(bytes),
        created_at: unique_now(),
    };
    sim.store.add_upload(upload.clone());
    Ok(upload)
}

/// The internal API's refusal: 400 `{"errors": {"content_type": …}}`.
pub fn internal_refusal(refused: Refused) -> axum::response::Response {
    crate::api::json_response(
        StatusCode::BAD_REQUEST,
        &json!({"errors": {"content_type": refused.message}}),
    )
}

/// The Prime API's refusal: 422 with `invalidFields`.
pub fn prime_refusal(refused: Refused) -> ApiError {
    let mut e = ApiError::invalid("content_type", refused.message);
    e.detail = "validation error with creating payment request".into();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(detect(b"%PDF-1.7 ..."), "application/pdf");
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(detect(b"\xFF\xD8\xFF\xE0..JFIF"), "image/jpeg");
        assert_eq!(detect(b"hello\n"), "text/plain; charset=utf-8");
        assert_eq!(detect(b"\x00\x01\x02binary"), "application/octet-stream");
        assert_eq!(detect(b""), "application/octet-stream");
    }

    #[test]
    fn the_file_part_keeps_binary_bytes() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--XX\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\x89PNG\r\n\x1a\n\xff\x00\r\n--XX--\r\n";
        let part = file_part("multipart/form-data; boundary=XX", body).unwrap();
        assert_eq!(part.filename, "a.png");
        assert_eq!(part.bytes, b"\x89PNG\r\n\x1a\n\xff\x00");
        assert!(file_part("multipart/form-data; boundary=YY", body).is_none());
    }
}
