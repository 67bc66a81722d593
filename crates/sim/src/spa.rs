//! The single-page app's `index.html`, which MilMove's office and milmove hosts serve for
//! every GET or HEAD no other route takes (`/sign-in`, `/moves/…/details`, …): a page shell
//! with the `root` element the React app mounts on. MilMove's newer load-test client fetches
//! `/sign-in` before logging in.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};

const INDEX: &str = "<!doctype html>\
<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>milmove-sim</title></head>\
<body><noscript>You need to enable JavaScript to run this app.</noscript>\
<div id=\"root\"></div></body></html>\n";

/// The index page (no body for HEAD), `text/html; charset=utf-8` as Go's `ServeContent`
/// types an `.html` file.
pub fn index(method: &Method) -> Response {
    let body = if method == Method::HEAD { "" } else { INDEX };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
