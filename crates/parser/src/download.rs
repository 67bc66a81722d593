//! Downloading the pinned specs ([`crate::pinned`]) into a folder: each missing or wrong file
//! is fetched from `{base}/{commit}/swagger/{name}.yaml`, checked against its SHA-256 before it
//! is kept (written as `name.yaml.partial`, renamed when it verifies; a mismatch deletes it and
//! is an error), and files already there with the right checksum are not fetched again.
//!
//! The base must be `https://`, or plain `http://` to a loopback address only (a mirror on
//! this machine, tests); the checksums apply whatever the source. Blocking: the download runs
//! on its own thread with its own runtime, so it can be called from inside or outside an
//! async runtime.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::pinned::{sha256_hex, PinnedSpec, MYMOVE_COMMIT, PINNED_SPECS};

/// Largest file accepted (the biggest pinned spec is under 400 KB).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// The base URL does not parse, or is plain HTTP to a host that is not loopback.
    #[error("{url}: {why}")]
    BadUrl {
        /// The base URL given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// A request failed (connection, status, body).
    #[error("cannot fetch {url}: {message}")]
    Fetch {
        /// The file's URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A file arrived with other bytes than the pinned ones; it was deleted.
    #[error(
        "{url} has SHA-256 {actual}, not the pinned {expected}: refused, and deleted from {folder}"
    )]
    Checksum {
        /// The file's URL.
        url: String,
        /// What arrived.
        actual: String,
        /// The pinned SHA-256.
        expected: String,
        /// The folder it was not kept in.
        folder: String,
    },
    /// The folder cannot be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The operating-system error.
        message: String,
    },
}

/// Checks a base URL: `https://`, or `http://` to a loopback host.
pub fn check_base_url(base: &str) -> Result<reqwest::Url, DownloadError> {
    let bad = |why: &str| DownloadError::BadUrl {
        url: base.to_string(),
        why: why.to_string(),
    };
    let url = reqwest::Url::parse(base).map_err(|e| bad(&format!("not a URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            if loopback {
                Ok(url)
            } else {
                Err(bad(
                    "plain http:// is allowed only to a loopback address (127.0.0.1, ::1, \
                     localhost); use https://",
                ))
            }
        }
        other => Err(bad(&format!(
            "the scheme must be https:// (or http:// to loopback), not {other}://"
        ))),
    }
}

/// The URL of one pinned file under `base`.
pub fn file_url(base: &str, spec: &PinnedSpec) -> String {
    format!(
        "{}/{MYMOVE_COMMIT}/swagger/{}",
        base.trim_end_matches('/'),
        spec.file_name()
    )
}

/// Downloads every pinned file that `into` lacks (or holds with other bytes) from `base`;
/// `progress` hears one line per step. Returns `into`.
pub fn fetch_pinned(
    base: &str,
    into: &Path,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<PathBuf, DownloadError> {
    check_base_url(base)?;
    std::fs::create_dir_all(into).map_err(|e| DownloadError::Write {
        path: into.to_path_buf(),
        message: e.to_string(),
    })?;
    let todo: Vec<PinnedSpec> = PINNED_SPECS
        .into_iter()
        .filter(|spec| {
            std::fs::read(into.join(spec.file_name()))
                .map(|bytes| sha256_hex(&bytes) != spec.sha256)
                .unwrap_or(true)
        })
        .collect();
    if todo.is_empty() {
        return Ok(into.to_path_buf());
    }
    progress(&format!(
        "fetching the MilMove specs pinned at transcom/mymove {} from {base} into {}",
        &MYMOVE_COMMIT[..12],
        into.display()
    ));
    let base = base.to_string();
    let folder = into.to_path_buf();
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| DownloadError::Fetch {
                        url: base.clone(),
                        message: format!("cannot start a runtime: {e}"),
                    })?;
                runtime.block_on(fetch_all(&base, &folder, &todo, progress))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(DownloadError::Fetch {
                    url: base.clone(),
                    message: "the download thread panicked".into(),
                })
            })
    })?;
    Ok(into.to_path_buf())
}

async fn fetch_all(
    base: &str,
    into: &Path,
    todo: &[PinnedSpec],
    progress: &(dyn Fn(&str) + Sync),
) -> Result<(), DownloadError> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("milmove-load/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Fetch {
            url: base.to_string(),
            message: e.to_string(),
        })?;
    for spec in todo {
        let url = file_url(base, spec);
        let bytes = fetch_one(&client, &url).await?;
        let actual = sha256_hex(&bytes);
        let target = into.join(spec.file_name());
        if actual != spec.sha256 {
            // Nothing wrong is kept: not the download, not an older bad copy.
            let _ = std::fs::remove_file(&target);
            return Err(DownloadError::Checksum {
                url,
                actual,
                expected: spec.sha256.to_string(),
                folder: into.display().to_string(),
            });
        }
        let partial = into.join(format!("{}.partial", spec.file_name()));
        let write = |path: &Path, e: std::io::Error| DownloadError::Write {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        std::fs::write(&partial, &bytes).map_err(|e| write(&partial, e))?;
        std::fs::rename(&partial, &target).map_err(|e| write(&target, e))?;
        progress(&format!(
            "  {} ({} bytes, SHA-256 verified)",
            spec.file_name(),
            bytes.len()
        ));
    }
    Ok(())
}

/// An error and its causes, `outer: inner: …` (reqwest's own text does not say why).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

async fn fetch_one(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, DownloadError> {
    let fail = |message: String| DownloadError::Fetch {
        url: url.to_string(),
        message,
    };
    let mut response = client.get(url).send().await.map_err(|e| fail(chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP status {status}")));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(chain(&e)))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(fail(format!("larger than {MAX_FILE_BYTES} bytes")));
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_for_loopback_only() {
        for ok in [
            "https://raw.githubusercontent.com/transcom/mymove",
            "http://127.0.0.1:8080/mirror",
            "http://[::1]:9/x",
            "http://localhost/x",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/mymove",
            "http://10.0.0.1/x",
            "ftp://127.0.0.1/x",
            "not a url",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            file_url("http://127.0.0.1:1/m/", &PINNED_SPECS[0]),
            format!("http://127.0.0.1:1/m/{MYMOVE_COMMIT}/swagger/prime.yaml")
        );
    }
}
