//! The metrics port's options (`--metrics-port`, `--metrics-host`, `--metrics-login`): loopback
//! unless asked, and then only with a login.

use super::file::ConfigFile;
use super::resolve::{is_loopback, parse_login};
use super::RunnerArgs;
use crate::control::MetricsOptions;
use crate::error::RunnerError;

/// The metrics endpoint's options; `None` without `--metrics-port`. Binding a non-loopback
/// address needs `--metrics-login` or `--web-login` (`web_login`), which then guards `/metrics`.
pub(super) fn metrics_options(
    a: &RunnerArgs,
    file: &ConfigFile,
    web_login: Option<&(String, String)>,
) -> Result<Option<MetricsOptions>, RunnerError> {
    let host = a
        .metrics_host
        .clone()
        .or_else(|| file.metrics_host.clone())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let login = parse_login("metrics-login", a.metrics_login.as_deref())?.or(web_login.cloned());
    let Some(port) = a.metrics_port.or(file.metrics_port) else {
        return Ok(None);
    };
    if login.is_none() && !is_loopback(&host) {
        return Err(RunnerError::Config(format!(
            "refusing to serve metrics on `{host}` without authentication: give --metrics-login \
             USER:PASSWORD (or MILMOVE_LOAD_METRICS_LOGIN, or --web-login), or bind 127.0.0.1"
        )));
    }
    Ok(Some(MetricsOptions { host, port, login }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> RunnerArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            runner: RunnerArgs,
        }
        Cli::parse_from(std::iter::once("app").chain(list.iter().copied())).runner
    }

    #[test]
    fn no_port_no_endpoint() {
        let got = metrics_options(&args(&[]), &ConfigFile::default(), None).unwrap();
        assert_eq!(got, None);
    }

    #[test]
    fn loopback_by_default() {
        let got = metrics_options(
            &args(&["--metrics-port", "9646"]),
            &ConfigFile::default(),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(got.host, "127.0.0.1");
        assert_eq!(got.port, 9646);
        assert_eq!(got.login, None);
    }

    #[test]
    fn non_loopback_needs_a_login() {
        let a = args(&["--metrics-port", "9646", "--metrics-host", "0.0.0.0"]);
        let err = metrics_options(&a, &ConfigFile::default(), None).unwrap_err();
        assert!(err.to_string().contains("without authentication"), "{err}");
        let web = ("u".to_string(), "p".to_string());
        let got = metrics_options(&a, &ConfigFile::default(), Some(&web))
            .unwrap()
            .unwrap();
        assert_eq!(got.login, Some(web));
        let a = args(&[
            "--metrics-port",
            "9646",
            "--metrics-host",
            "0.0.0.0",
            "--metrics-login",
            "prom:secret",
        ]);
        let got = metrics_options(&a, &ConfigFile::default(), None)
            .unwrap()
            .unwrap();
        assert_eq!(got.login, Some(("prom".into(), "secret".into())));
    }

    #[test]
    fn bad_login_is_refused() {
        let a = args(&["--metrics-port", "1", "--metrics-login", "nocolon"]);
        let err = metrics_options(&a, &ConfigFile::default(), None).unwrap_err();
        assert!(
            err.to_string()
                .contains("--metrics-login must be USER:PASSWORD"),
            "{err}"
        );
    }

    #[test]
    fn config_file_keys() {
        let file = ConfigFile::parse("metrics-port = 9000\nmetrics-host = \"::1\"").unwrap();
        let got = metrics_options(&args(&[]), &file, None).unwrap().unwrap();
        assert_eq!((got.host.as_str(), got.port), ("::1", 9000));
    }
}
