//! Mutual TLS, devlocal login, CSRF, sessions and roles.

mod common;

use common::{send, tls_client, Browser};

#[tokio::test]
async fn no_client_certificate_is_refused_at_handshake() {
    let Some(sim) = common::start().await else {
        return;
    };
    let client = tls_client(&sim, None);
    let err = client
        .get(format!("{}/prime/v1/moves", sim.mtls_url))
        .send()
        .await
        .expect_err("handshake must fail without a client certificate");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    common::finish(sim).await;
}

#[tokio::test]
async fn certificate_from_another_ca_is_refused_at_handshake_even_if_its_digest_is_allowed() {
    let Some(sim) = common::start().await else {
        return;
    };
    let other_ca = milmove_sim::tls::SimCa::generate().unwrap();
    let outsider = other_ca.issue_client("outsider").unwrap();
    // Allowing the digest does not help: the chain must lead to the stand-in's CA.
    sim.state().allowed.allow(&outsider.sha256);
    let err = tls_client(&sim, Some(&outsider))
        .get(format!("{}/prime/v1/moves", sim.mtls_url))
        .send()
        .await
        .expect_err("handshake must fail for a certificate of another CA");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    common::finish(sim).await;
}

#[tokio::test]
async fn unknown_certificate_gets_401_and_allowed_one_gets_through() {
    let Some(sim) = common::start().await else {
        return;
    };
    let stranger = sim.issue_client_cert("stranger", false).unwrap();
    let (status, body) =
        send(tls_client(&sim, Some(&stranger)).get(format!("{}/prime/v1/moves", sim.mtls_url)))
            .await;
    assert_eq!(status, 401, "{body}");
    assert!(body["title"].is_string() && body["instance"].is_string());
    let friend = sim.issue_client_cert("friend", true).unwrap();
    let (status, _) =
        send(tls_client(&sim, Some(&friend)).get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    assert_eq!(status, 200);
    let (status, moves) =
        send(common::prime_client(&sim).get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    assert_eq!(status, 200);
    assert_eq!(
        moves.as_array().map(Vec::len),
        Some(4),
        "seeded moves available to the Prime"
    );
    common::finish(sim).await;
}

#[tokio::test]
async fn csrf_sessions_and_roles() {
    let Some(sim) = common::start().await else {
        return;
    };
    let office = Browser::new(&sim.office_url);
    // No session → 401.
    let (status, _) = send(office.client.get(office.url("/ghc/v1/queues/moves"))).await;
    assert_eq!(status, 401);
    // POST without the CSRF token → 403, nobody logged in.
    let (status, _) = send(
        office
            .client
            .post(office.url("/devlocal-auth/create"))
            .form(&[("userType", "TOO office")]),
    )
    .await;
    assert_eq!(status, 403);
    // A wrong token → 403.
    let (status, _) = send(
        office
            .client
            .post(office.url("/devlocal-auth/create"))
            .header("X-CSRF-Token", "AAAA")
            .form(&[("userType", "TOO office")]),
    )
    .await;
    assert_eq!(status, 403);
    // Proper devlocal login (303 → / followed).
    assert_eq!(office.login("TOO office").await, 200);
    let (status, queue) = send(office.client.get(office.url("/ghc/v1/queues/moves"))).await;
    assert_eq!(status, 200, "{queue}");
    common::assert_valid_response(
        &sim,
        milmove_sim::api::Api::Ghc,
        "GET",
        "/queues/moves",
        200,
        &queue,
    );
    // Wrong role → 403 (TOO on the TIO queue).
    let (status, _) = send(
        office
            .client
            .get(office.url("/ghc/v1/queues/payment-requests")),
    )
    .await;
    assert_eq!(status, 403);
    // Logged in but unsafe method without the token → 403.
    let order_id = "5f0c6f4e-1d2b-4f7a-9f0e-3b1c2d3e4f5a";
    let (status, _) = send(
        office
            .client
            .patch(office.url(&format!("/ghc/v1/orders/{order_id}")))
            .json(&serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 403);
    // Customer app: a milmove user, logged-in user payload validates.
    let customer = Browser::new(&sim.customer_url);
    assert_eq!(customer.login("milmove").await, 200);
    let (status, me) = send(
        customer
            .client
            .get(customer.url("/internal/users/logged_in")),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert!(me["service_member"]["id"].is_string());
    common::assert_valid_response(
        &sim,
        milmove_sim::api::Api::Internal,
        "GET",
        "/users/logged_in",
        200,
        &me,
    );
    // The office session cookie is not a customer session.
    // The customer app does not mount the GHC API: MilMove's milmove router answers the
    // single-page app's index there, not the queue.
    let resp = customer
        .client
        .get(customer.url("/ghc/v1/queues/moves"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/html"), "not the GHC API: {ct}");
    // Specs are served.
    let text = office
        .client
        .get(office.url("/ghc/v1/swagger.yaml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("basePath: /ghc/v1"));
    common::finish(sim).await;
}
