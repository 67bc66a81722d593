//! Nothing is written to disk: building every environment's TLS config from real environment
//! variables leaves a fresh HOME, TMPDIR and working directory empty, and the crate's sources use no
//! file-writing API. (One test in this binary: it changes process-wide state.)

mod common;

use std::path::Path;

use milmove_hosts::{apply_to_reqwest, ClientIdentity, Environment, TlsSettings};

fn entries_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push(path.display().to_string());
        if path.is_dir() {
            found.extend(entries_under(&path));
        }
    }
    found
}

#[test]
fn building_tls_configs_writes_nothing() {
    let pki = common::generate();
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let work = root.path().join("work");
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&home).unwrap();
    std::fs::create_dir(&work).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    std::env::set_var("HOME", &home);
    std::env::set_var("TMPDIR", &tmp);
    std::env::set_current_dir(&work).unwrap();
    for infix in ["LOCAL", "EXP", "DOD", "DP3"] {
        std::env::set_var(format!("MOVE_MIL_{infix}_TLS_CERT"), &pki.client_cert_pem);
        std::env::set_var(format!("MOVE_MIL_{infix}_TLS_KEY"), &pki.client_key_pem);
    }
    std::env::set_var("MOVE_MIL_DOD_CA_BUNDLE", &pki.ca_pem);

    let identity = ClientIdentity::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
        "memory",
    )
    .unwrap();
    for env in [
        Environment::Local,
        Environment::Exp,
        Environment::Dod,
        Environment::Dp3,
        Environment::Sim,
        "https://example.test".parse().unwrap(),
    ] {
        let mut settings = TlsSettings::for_environment(&env).require_client_identity(true);
        if matches!(env, Environment::Sim | Environment::Url(_)) {
            settings = settings
                .ca_pem(&pki.ca_pem)
                .client_identity(identity.clone());
        }
        let config = settings.build().unwrap_or_else(|e| panic!("{env}: {e}"));
        apply_to_reqwest(reqwest::Client::builder(), &config)
            .build()
            .unwrap();
    }

    assert!(
        entries_under(&home).is_empty(),
        "{:?}",
        entries_under(&home)
    );
    assert!(
        entries_under(&work).is_empty(),
        "{:?}",
        entries_under(&work)
    );
    assert!(entries_under(&tmp).is_empty(), "{:?}", entries_under(&tmp));

    // The crate's own sources use no API that writes files.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in entries_under(&src) {
        let text = std::fs::read_to_string(&file).unwrap();
        for api in [
            "fs::write",
            "File::create",
            "OpenOptions",
            "create_dir",
            "fs::copy",
            "fs::rename",
            "tempfile",
            "set_permissions",
        ] {
            assert!(!text.contains(api), "{file} uses {api}");
        }
    }
}
