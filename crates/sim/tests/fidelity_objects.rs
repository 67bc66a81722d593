//! Objects and routes as MilMove has them: first-day SIT items create their companions,
//! uploads carry the type detected from their bytes (and disallowed types are refused), the
//! browser routes serve the single-page app, downloads answer a PDF and the upload status a
//! stream, and unknown ids are 404 where the stand-in keeps the kind.

mod common;

use common::{assert_valid_response, send, Browser};
use milmove_sim::api::Api;
use serde_json::{json, Value};

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

#[tokio::test]
async fn first_day_sit_items_create_their_companions() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let prime = |p: &str| format!("{}/prime/v1{p}", sim.mtls_url);
    let (_, moves) = send(c.get(prime("/moves"))).await;
    // MilMove also creates the SIT fuel surcharge (DOSFSC/DDSFSC), which the Prime's spec
    // cannot express (its ReServiceCode enum lacks the code): the stand-in leaves it out.
    for (n, (model, first, companions)) in [
        ("MTOServiceItemOriginSIT", "DOFSIT", ["DOASIT", "DOPSIT"]),
        ("MTOServiceItemDestSIT", "DDFSIT", ["DDASIT", "DDDSIT"]),
    ]
    .into_iter()
    .enumerate()
    {
        let move_id = text(&moves[n], "/id").to_string();
        let (_, mto) = send(c.get(prime(&format!("/move-task-orders/{move_id}")))).await;
        let shipment_id = text(&mto, "/mtoShipments/0/id").to_string();
        let body = json!({"moveTaskOrderID": move_id, "mtoShipmentID": shipment_id,
            "modelType": model, "reServiceCode": first, "reason": "storage",
            "sitEntryDate": "2030-01-05", "sitPostalCode": "90210",
            "sitHHGActualOrigin": {"streetAddress1": "1 Main St", "city": "Beverly Hills",
                "state": "CA", "postalCode": "90210"}});
        let (status, items) = send(c.post(prime("/mto-service-items")).json(&body)).await;
        assert_eq!(status, 200, "{items}");
        assert_valid_response(
            &sim,
            Api::PrimeV1,
            "POST",
            "/mto-service-items",
            200,
            &items,
        );
        let codes: Vec<&str> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| text(i, "/reServiceCode"))
            .collect();
        assert_eq!(codes, vec![first, companions[0], companions[1]], "{items}");
        let on_move = sim
            .state()
            .store
            .get_move(&move_id.parse().unwrap())
            .unwrap();
        let stored: Vec<String> = on_move
            .service_item_ids
            .iter()
            .filter_map(|id| sim.state().store.service_items.get(id))
            .map(|i| i.code)
            .collect();
        for code in companions {
            assert!(
                stored.iter().any(|c| c == code),
                "{code} created: {stored:?}"
            );
        }
        for item in items.as_array().unwrap() {
            assert_eq!(item["status"], "SUBMITTED");
            assert_eq!(text(item, "/mtoShipmentID"), shipment_id);
        }
        // The additional-days item copies the SIT fields (the pickup/delivery item is
        // answered as MTOServiceItemBasic: the SIT models' enums do not list its code).
        assert_eq!(items[1]["sitEntryDate"], "2030-01-05", "{items}");
        assert_eq!(items[2]["modelType"], "MTOServiceItemBasic", "{items}");
        // The companions are real objects: the Prime can update the pickup/delivery item.
        let (_, mto) = send(c.get(prime(&format!("/move-task-orders/{move_id}")))).await;
        let kept: Vec<&str> = mto["mtoServiceItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| text(i, "/reServiceCode"))
            .collect();
        for code in companions {
            assert!(kept.contains(&code), "{code} listed on the move: {kept:?}");
        }
        // MilMove refuses to create a companion by itself.
        let mut alone = body.clone();
        alone["reServiceCode"] = json!(companions[1]);
        let (status, err) = send(c.post(prime("/mto-service-items")).json(&alone)).await;
        assert_eq!(status, 422, "{err}");
    }
    common::finish(sim).await;
}

async fn upload(
    b: &Browser,
    doc: &str,
    bytes: &'static [u8],
    part_type: Option<&str>,
) -> (u16, Value) {
    let mut part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("file.bin");
    if let Some(t) = part_type {
        part = part.mime_str(t).unwrap();
    }
    let form = reqwest::multipart::Form::new().part("file", part);
    send(
        b.client
            .post(b.url(&format!("/internal/uploads?documentId={doc}")))
            .header("X-CSRF-Token", b.csrf())
            .multipart(form),
    )
    .await
}

#[tokio::test]
async fn uploads_carry_the_type_detected_from_their_bytes() {
    let Some(sim) = common::start().await else {
        return;
    };
    let b = Browser::new(&sim.customer_url);
    assert_eq!(b.login("milmove").await, 200);
    // The customer's own orders document (created with orders).
    let (_, me) = send(b.client.get(b.url("/internal/users/logged_in"))).await;
    let sm = text(&me, "/service_member/id").to_string();
    let (_, locations) = send(b.client.get(b.url("/internal/duty_locations?search=fort"))).await;
    let (status, orders) = send(
        b.client
            .post(b.url("/internal/orders"))
            .header("X-CSRF-Token", b.csrf())
            .json(&json!({"service_member_id": sm, "issue_date": "2030-01-01",
                "report_by_date": "2030-02-01", "orders_type": "PERMANENT_CHANGE_OF_STATION",
                "has_dependents": false, "spouse_has_pro_gear": false, "grade": "E-5",
                "new_duty_location_id": locations[1]["id"],
                "origin_duty_location_id": locations[0]["id"]})),
    )
    .await;
    assert_eq!(status, 201, "{orders}");
    let doc = text(&orders, "/uploaded_orders/id").to_string();
    // No content type on the part: the bytes say PDF.
    let (status, created) = upload(&b, &doc, PDF, None).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["contentType"], "application/pdf", "{created}");
    // A PNG sent as octet-stream is a PNG.
    let png: &'static [u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    let (status, created) = upload(&b, &doc, png, Some("application/octet-stream")).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["contentType"], "image/png");
    // Text is not an allowed type for orders: 400 naming the detected type, as MilMove.
    let (status, refused) = upload(&b, &doc, b"just some notes\n", Some("application/pdf")).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        text(&refused, "/errors/content_type").contains("text/plain"),
        "{refused}"
    );
    // The Prime's payment request uploads: same detection, 422 for a disallowed type.
    let c = common::prime_client(&sim);
    let pr = sim.state().store.payment_requests.collect(|p| Some(p.id))[0];
    let url = format!("{}/prime/v1/payment-requests/{pr}/uploads", sim.mtls_url);
    let form = || {
        reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("proof.pdf"),
        )
    };
    let (status, created) = send(c.post(&url).multipart(form())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["contentType"], "application/pdf");
    let text_form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"notes".to_vec()).file_name("notes.txt"),
    );
    let (status, refused) = send(c.post(&url).multipart(text_form)).await;
    assert_eq!(status, 422, "{refused}");
    common::finish(sim).await;
}

#[tokio::test]
async fn browser_routes_serve_the_single_page_app() {
    let Some(sim) = common::start().await else {
        return;
    };
    let plain = reqwest::Client::new();
    for base in [&sim.customer_url, &sim.office_url] {
        for path in ["/sign-in", "/", "/moves/ABC123/details", "/orders/upload"] {
            let resp = plain.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{base}{path}");
            let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.starts_with("text/html"), "{base}{path}: {ct}");
            let html = resp.text().await.unwrap();
            assert!(html.contains("<div id=\"root\">"), "{html}");
        }
        // Other methods on a browser route are 404, as MilMove's index handler answers.
        let resp = plain.post(format!("{base}/sign-in")).send().await.unwrap();
        assert!(
            matches!(resp.status().as_u16(), 403 | 404),
            "{}",
            resp.status()
        );
    }
    common::finish(sim).await;
}

#[tokio::test]
async fn downloads_answer_a_pdf_and_the_upload_status_a_stream() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let (_, moves) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    let locator = text(&moves[0], "/moveCode").to_string();
    let resp = c
        .get(format!(
            "{}/prime/v1/moves/{locator}/documents",
            sim.mtls_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with(&format!(
            "inline; filename=\"Customer-ORDERS,AMENDMENTS-for-MTO-{locator}-"
        )),
        "{disposition}"
    );
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF-"));
    let resp = c
        .get(format!("{}/prime/v1/moves/NOSUCH/documents", sim.mtls_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // The office app's packets and the upload status stream.
    let tio = Browser::new(&sim.office_url);
    assert_eq!(tio.login("TIO office").await, 200);
    let pr = sim.state().store.payment_requests.collect(|p| Some(p.id))[0];
    let ppm = uuid::Uuid::new_v4();
    for path in [
        format!("/ghc/v1/payment-requests/{pr}/bulkDownload"),
        format!("/ghc/v1/ppm-shipments/{ppm}/aoa-packet"),
        format!("/ghc/v1/ppm-shipments/{ppm}/payment-packet"),
    ] {
        let resp = tio.client.get(tio.url(&path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["content-type"], "application/pdf", "{path}");
        assert!(resp.headers().contains_key("content-disposition"), "{path}");
    }
    let upload = sim.state().store.uploads.collect(|u| Some(u.id))[0];
    let resp = tio
        .client
        .get(tio.url(&format!("/ghc/v1/uploads/{upload}/status")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let events = resp.text().await.unwrap();
    assert!(events.contains("event: message\ndata: CLEAN"), "{events}");
    assert!(events.contains("event: close"), "{events}");
    common::finish(sim).await;
}

#[tokio::test]
async fn unknown_ids_are_404_where_the_kind_is_kept() {
    let Some(sim) = common::start().await else {
        return;
    };
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let shipment = sim.state().store.shipments.collect(|s| Some(s.id))[0];
    let nobody = uuid::Uuid::new_v4();
    // GHC getShipment is answered from the spec: a kept shipment is 200, an unknown one 404.
    let (status, found) = send(
        too.client
            .get(too.url(&format!("/ghc/v1/shipments/{shipment}"))),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let (status, missing) = send(
        too.client
            .get(too.url(&format!("/ghc/v1/shipments/{nobody}"))),
    )
    .await;
    assert_eq!(status, 404, "{missing}");
    assert!(missing["message"].is_string(), "{missing}");
    // A move's history, by locator.
    let known = sim.state().store.moves.collect(|m| Some(m.locator.clone()))[0].clone();
    let (status, _) = send(
        too.client
            .get(too.url(&format!("/ghc/v1/move/{known}/history"))),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(too.client.get(too.url("/ghc/v1/move/NOSUCH/history"))).await;
    assert_eq!(status, 404);
    common::finish(sim).await;
}
