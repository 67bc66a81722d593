//! The `local` environment finds MilMove's dev certificate in a sibling `mymove/config/tls`
//! checkout without being told where it is, and `MYMOVE_DIR` points elsewhere. (One test in
//! this binary: it changes the working directory and environment of the process.)

mod common;

use milmove_hosts::{default_local_tls_dirs, Environment, TlsSettings};

#[test]
fn local_identity_is_found_in_a_sibling_mymove_checkout_or_mymove_dir() {
    let pki = common::generate();
    let root = tempfile::tempdir().unwrap();
    let root = root.path().canonicalize().unwrap();
    let here = root.join("milmove-load").join("apps");
    let sibling_tls = root.join("mymove").join("config").join("tls");
    std::fs::create_dir_all(&here).unwrap();
    std::fs::create_dir_all(&sibling_tls).unwrap();
    std::env::remove_var("MYMOVE_DIR");
    std::env::set_current_dir(&here).unwrap();

    let settings = TlsSettings::for_environment(&Environment::Local)
        .env_lookup(|_| None)
        .require_client_identity(true);
    // Nothing there yet: the error names the sibling directory it searched.
    let err = settings.build().unwrap_err().to_string();
    assert!(err.contains(&sibling_tls.display().to_string()), "{err}");

    std::fs::write(sibling_tls.join("devlocal-mtls.cer"), &pki.client_cert_pem).unwrap();
    std::fs::write(sibling_tls.join("devlocal-mtls.key"), &pki.client_key_pem).unwrap();
    assert!(default_local_tls_dirs().contains(&sibling_tls));
    assert!(settings.resolve_identity().unwrap().is_some());
    settings.build().unwrap();

    // MYMOVE_DIR comes first.
    let elsewhere = root.join("elsewhere");
    std::env::set_var("MYMOVE_DIR", &elsewhere);
    assert_eq!(
        default_local_tls_dirs()[0],
        elsewhere.join("config").join("tls")
    );
}
