//! The web UI's guards over a real loopback server: bad input gets a 400 with a message and
//! leaves no stuck state, cross-site posts are refused, and a login is required when set (and
//! for every address other than loopback).

mod support;

use support::{start_ui, stopped, target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_400_with_a_message_and_no_stuck_state() {
    let t = target().await;
    let ui = start_ui(&[]).await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("user_count", "-5"), ("spawn_rate", "1"), ("host", &t.url)],
            "user_count",
        ),
        (
            vec![("user_count", "0"), ("spawn_rate", "1"), ("host", &t.url)],
            "at least 1",
        ),
        (
            vec![("user_count", "3"), ("spawn_rate", "0"), ("host", &t.url)],
            "spawn_rate",
        ),
        (
            vec![("user_count", "3"), ("spawn_rate", "x"), ("host", &t.url)],
            "spawn_rate",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("user_classes", "NoSuchUser"),
            ],
            "unknown user class",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", "not a host"),
            ],
            "not an http",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", "http://does-not-exist.invalid"),
            ],
            "does not resolve",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("run_time", "soon"),
            ],
            "run_time",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("thresholds", "p95<<3"),
            ],
            "threshold",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("user_classes", "WebUser"),
                ("weight.WebUser", "-1"),
            ],
            "weight",
        ),
    ];
    for (form, expected) in cases {
        let r = ui.post("/swarm", &form).await;
        assert_eq!(r.status(), 400, "{form:?}");
        let j: serde_json::Value = r.json().await.unwrap();
        assert_eq!(j["success"], false);
        let msg = j["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{form:?}: {msg}");
        assert_eq!(
            ui.json("/api/state").await["state"],
            "ready",
            "stuck after {form:?}"
        );
    }
    let r = ui.get("/charts/latency.svg?p=abc").await;
    assert_eq!(r.status(), 400);
    assert_eq!(ui.get("/charts/nope.svg").await.status(), 404);
    assert_eq!(ui.get("/no/such/page").await.status(), 404);
    // A good start still works afterwards.
    let r = ui
        .post(
            "/swarm",
            &[
                ("user_count", "1"),
                ("spawn_rate", "10"),
                ("host", &t.url),
                ("run_time", "1s"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    ui.wait_state("stopped", stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused_scripts_and_the_page_are_not() {
    let t = target().await;
    let ui = start_ui(&[]).await;
    let page = ui.get("/").await.text().await.unwrap();
    let token = page
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 48);
    let form = [
        ("user_count", "1"),
        ("spawn_rate", "10"),
        ("host", t.url.as_str()),
        ("run_time", "1s"),
    ];
    // Another site's page.
    let r = ui
        .http
        .post(ui.at("/swarm"))
        .header("Origin", "http://evil.example")
        .header("X-CSRF-Token", &token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("cross-site"));
    // A browser request without the token (same origin, e.g. a form injected elsewhere).
    let origin = ui.url.trim_end_matches('/').to_string();
    let r = ui
        .http
        .post(ui.at("/stop"))
        .header("Origin", &origin)
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = ui
        .http
        .post(ui.at("/stats/reset"))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(ui.json("/api/state").await["state"], "ready");
    // The page's own request (token) and a script (no browser headers) pass.
    let r = ui
        .http
        .post(ui.at("/swarm"))
        .header("Origin", &origin)
        .header("X-CSRF-Token", &token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    ui.wait_state("stopped", stopped).await;
    let r = ui.post("/swarm", &form).await;
    assert_eq!(r.status(), 200);
    ui.wait_state("stopped", |s| stopped(s) && s["run_id"] == 2)
        .await;
    // State changes only by POST.
    assert_eq!(ui.get("/stop").await.status(), 405);
    // A host name that is not loopback (DNS rebinding) is refused without a login.
    let r = ui
        .http
        .get(ui.at("/api/state"))
        .header("Host", "rebound.example:8089")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_required_when_set_and_for_other_addresses() {
    let ui = start_ui(&["--web-login", "milmove:s3cret"]).await;
    assert_eq!(ui.get("/").await.status(), 401);
    assert_eq!(ui.get("/stats/requests").await.status(), 401);
    assert_eq!(ui.post("/stop", &[]).await.status(), 401);
    let r = ui
        .http
        .get(ui.at("/stats/requests"))
        .basic_auth("milmove", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = ui
        .http
        .get(ui.at("/stats/requests"))
        .basic_auth("milmove", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // With a login, other host names are fine (behind a proxy or port-forward).
    let r = ui
        .http
        .get(ui.at("/api/state"))
        .header("Host", "load.example")
        .basic_auth("milmove", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The password never appears in what the UI serves.
    let page = ui
        .http
        .get(ui.at("/stats/report"))
        .basic_auth("milmove", Some("s3cret"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("s3cret"));

    // Another address without a login: refused before anything starts.
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        runner: milmove_runner::RunnerArgs,
    }
    let cli = Cli::try_parse_from(["t", "--web-host", "0.0.0.0"]).unwrap();
    let err = milmove_runner::Settings::resolve(&cli.runner)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--web-login"), "{err}");
    let cli = Cli::try_parse_from(["t", "--web-host", "0.0.0.0", "--headless"]).unwrap();
    assert!(milmove_runner::Settings::resolve(&cli.runner).is_ok());
    let cli = Cli::try_parse_from(["t", "--web-login", "nocolon"]).unwrap();
    assert!(milmove_runner::Settings::resolve(&cli.runner).is_err());
}
