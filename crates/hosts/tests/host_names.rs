//! Every environment × domain × is_api case, and bad values.

use milmove_hosts::{Domain, Environment, HostError, HostResolver, LocalHost, Protocol, SimHosts};

fn resolver() -> HostResolver {
    HostResolver::default().with_sim(SimHosts {
        mtls_url: "https://127.0.0.1:40001".to_string(),
        office_url: "http://127.0.0.1:40002/".to_string(),
        customer_url: "http://127.0.0.1:40003".to_string(),
    })
}

#[test]
fn every_environment_domain_and_api_case() {
    let url: Environment = "https://mtls.example.test:8443/".parse().unwrap();
    // (env, domain, is_api, expected)
    let cases: Vec<(Environment, Domain, bool, &str)> = vec![
        (
            Environment::Local,
            Domain::Prime,
            true,
            "https://primelocal:9443",
        ),
        (
            Environment::Local,
            Domain::Prime,
            false,
            "https://primelocal:9443",
        ),
        (
            Environment::Local,
            Domain::Office,
            true,
            "http://officelocal:8080",
        ),
        (
            Environment::Local,
            Domain::Office,
            false,
            "http://officelocal:8080",
        ),
        (
            Environment::Local,
            Domain::Milmove,
            true,
            "http://milmovelocal:8080",
        ),
        (
            Environment::Local,
            Domain::Milmove,
            false,
            "http://milmovelocal:8080",
        ),
        (
            Environment::Exp,
            Domain::Prime,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Exp,
            Domain::Prime,
            false,
            "https://prime.loadtest.dp3.us",
        ),
        (
            Environment::Exp,
            Domain::Office,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Exp,
            Domain::Office,
            false,
            "https://office.loadtest.dp3.us",
        ),
        (
            Environment::Exp,
            Domain::Milmove,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Exp,
            Domain::Milmove,
            false,
            "https://my.loadtest.dp3.us",
        ),
        (
            Environment::Dod,
            Domain::Prime,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Dod,
            Domain::Prime,
            false,
            "https://prime.loadtest.dp3.us",
        ),
        (
            Environment::Dod,
            Domain::Office,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Dod,
            Domain::Office,
            false,
            "https://office.loadtest.dp3.us",
        ),
        (
            Environment::Dod,
            Domain::Milmove,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Dod,
            Domain::Milmove,
            false,
            "https://my.loadtest.dp3.us",
        ),
        (
            Environment::Dp3,
            Domain::Prime,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Dp3,
            Domain::Prime,
            false,
            "https://prime.loadtest.dp3.us",
        ),
        (
            Environment::Dp3,
            Domain::Office,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Dp3,
            Domain::Office,
            false,
            "https://office.loadtest.dp3.us",
        ),
        (
            Environment::Dp3,
            Domain::Milmove,
            true,
            "https://api.loadtest.dp3.us",
        ),
        (
            Environment::Dp3,
            Domain::Milmove,
            false,
            "https://my.loadtest.dp3.us",
        ),
        (
            Environment::Sim,
            Domain::Prime,
            true,
            "https://127.0.0.1:40001",
        ),
        (
            Environment::Sim,
            Domain::Prime,
            false,
            "https://127.0.0.1:40001",
        ),
        (
            Environment::Sim,
            Domain::Office,
            true,
            "https://127.0.0.1:40001",
        ),
        (
            Environment::Sim,
            Domain::Office,
            false,
            "http://127.0.0.1:40002",
        ),
        (
            Environment::Sim,
            Domain::Milmove,
            true,
            "https://127.0.0.1:40001",
        ),
        (
            Environment::Sim,
            Domain::Milmove,
            false,
            "http://127.0.0.1:40003",
        ),
        (
            url.clone(),
            Domain::Prime,
            true,
            "https://mtls.example.test:8443",
        ),
        (
            url.clone(),
            Domain::Prime,
            false,
            "https://mtls.example.test:8443",
        ),
        (
            url.clone(),
            Domain::Office,
            true,
            "https://mtls.example.test:8443",
        ),
        (
            url.clone(),
            Domain::Office,
            false,
            "https://mtls.example.test:8443",
        ),
        (
            url.clone(),
            Domain::Milmove,
            true,
            "https://mtls.example.test:8443",
        ),
        (
            url,
            Domain::Milmove,
            false,
            "https://mtls.example.test:8443",
        ),
    ];
    let resolver = resolver();
    for (env, domain, is_api, expected) in cases {
        let local = LocalHost::default_for(domain);
        let got = resolver.host(&env, domain, is_api, local).unwrap();
        assert_eq!(got, expected, "{env} {domain} is_api={is_api}");
    }
}

#[test]
fn local_host_uses_the_class_protocol_and_port() {
    let local = LocalHost {
        protocol: Protocol::Https,
        port: 7443,
    };
    let got = HostResolver::default()
        .host(&Environment::Local, Domain::Office, false, local)
        .unwrap();
    assert_eq!(got, "https://officelocal:7443");
}

#[test]
fn base_domain_is_configurable_and_validated() {
    let resolver = HostResolver::default()
        .with_base_domain("Perf.Example.MIL.")
        .unwrap();
    let got = resolver
        .host(&Environment::Dp3, Domain::Office, false, LocalHost::HTTP)
        .unwrap();
    assert_eq!(got, "https://office.perf.example.mil");
    for bad in ["", "  ", "bad domain", "a/b", "https://x"] {
        let err = HostResolver::default().with_base_domain(bad).unwrap_err();
        assert!(
            matches!(err, HostError::InvalidBaseDomain { .. }),
            "{bad}: {err}"
        );
    }
}

#[test]
fn environment_names_parse_case_insensitively_and_round_trip() {
    for (text, env) in [
        ("local", Environment::Local),
        ("EXP", Environment::Exp),
        (" dod ", Environment::Dod),
        ("Dp3", Environment::Dp3),
        ("sim", Environment::Sim),
    ] {
        let parsed: Environment = text.parse().unwrap();
        assert_eq!(parsed, env);
        assert_eq!(parsed.to_string().parse::<Environment>().unwrap(), env);
    }
    let url: Environment = "http://127.0.0.1:8080/".parse().unwrap();
    assert_eq!(url.to_string(), "http://127.0.0.1:8080");
}

#[test]
fn bad_environment_values_name_the_allowed_ones() {
    let err = "staging".parse::<Environment>().unwrap_err();
    let text = err.to_string();
    for allowed in ["local", "exp", "dod", "dp3", "sim", "URL"] {
        assert!(text.contains(allowed), "{text}");
    }
    assert!(text.contains("staging"));
    for bad in ["ftp://example.com", "https://", "http://exa mple.com"] {
        let err = bad.parse::<Environment>().unwrap_err();
        assert!(matches!(err, HostError::InvalidUrl { .. }), "{bad}: {err}");
    }
}

#[test]
fn bad_domain_and_protocol_values_name_the_allowed_ones() {
    let err = "customer".parse::<Domain>().unwrap_err().to_string();
    assert!(
        err.contains("prime, office, milmove") && err.contains("customer"),
        "{err}"
    );
    assert_eq!("MilMove".parse::<Domain>().unwrap(), Domain::Milmove);
    let err = "ftp".parse::<Protocol>().unwrap_err().to_string();
    assert!(err.contains("http, https"), "{err}");
}

#[test]
fn sim_without_urls_is_a_clear_error() {
    let err = HostResolver::default()
        .host(&Environment::Sim, Domain::Prime, true, LocalHost::PRIME)
        .unwrap_err();
    assert_eq!(err, HostError::SimNotStarted);
}
