//! The MilMove specs the tools are built against, pinned: transcom/mymove at
//! [`MYMOVE_COMMIT`], files `swagger/{name}.yaml` ([`PINNED_SPECS`]), each with its SHA-256.
//! A folder of them is usable only when every file is there with its checksum
//! ([`verify_folder`]); the user's cache keeps downloaded copies under
//! `$XDG_CACHE_HOME/milmove-load/specs/<commit>/` (else `~/.cache/…`, [`cache_folder`]).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The transcom/mymove commit the specs come from.
pub const MYMOVE_COMMIT: &str = "b38adb0222b679e66ed27cc1a320b1ec6c291f0f";

/// The environment variable naming a mirror of `raw.githubusercontent.com/transcom/mymove`:
/// each file is fetched from `{base}/{commit}/swagger/{name}.yaml`.
pub const SPECS_URL_VAR: &str = "MILMOVE_SPECS_URL";

/// Where the pinned files are fetched from by default.
pub const DEFAULT_SPECS_URL: &str = "https://raw.githubusercontent.com/transcom/mymove";

/// One pinned spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinnedSpec {
    /// The name without `.yaml` (`prime`, `ghc`, …).
    pub name: &'static str,
    /// Its SHA-256, lower-case hex.
    pub sha256: &'static str,
    /// Its size in bytes.
    pub bytes: u64,
}

impl PinnedSpec {
    /// `{name}.yaml`.
    pub fn file_name(&self) -> String {
        format!("{}.yaml", self.name)
    }
}

/// The six specs the apps and the stand-in load, at [`MYMOVE_COMMIT`].
pub const PINNED_SPECS: [PinnedSpec; 6] = [
    PinnedSpec {
        name: "prime",
        sha256: "181a9f385124740aaf4b2fa89ca8ab11d971303671bfc6f2710e237b599a46a9",
        bytes: 179_935,
    },
    PinnedSpec {
        name: "prime_v2",
        sha256: "b49bfbf1755c27ac5baad8311e0620640ab0028ebdf8f545cbc108bf010a1c90",
        bytes: 111_854,
    },
    PinnedSpec {
        name: "prime_v3",
        sha256: "5b60bf380aa241ca2acdf636cf18ddbf8a3bcc25b4a245ada52bcf5fbc0e7e45",
        bytes: 125_553,
    },
    PinnedSpec {
        name: "support",
        sha256: "b01c55a7bef87fe330271d2d1a9f5700aa0e680564382a0aafac73e8278427a6",
        bytes: 63_523,
    },
    PinnedSpec {
        name: "ghc",
        sha256: "fd38f89bdc5e8025687a214739e76c8c1dd88742663c477f3545d382e69b45f8",
        bytes: 376_151,
    },
    PinnedSpec {
        name: "internal",
        sha256: "601251e26df31fb8360fd021e08f49f237562f6ed5e1d8c56cb071e7a766d71a",
        bytes: 206_555,
    },
];

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a folder does not hold the pinned specs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FolderProblem {
    /// A file is missing.
    #[error("{0} is missing")]
    Missing(PathBuf),
    /// A file is there with other bytes.
    #[error("{path} has SHA-256 {actual}, not the pinned {expected}")]
    Checksum {
        /// The file.
        path: PathBuf,
        /// Its SHA-256.
        actual: String,
        /// The pinned SHA-256.
        expected: String,
    },
}

/// Checks that `dir` holds every pinned file with its checksum.
pub fn verify_folder(dir: &Path) -> Result<(), FolderProblem> {
    for spec in PINNED_SPECS {
        let path = dir.join(spec.file_name());
        let bytes = std::fs::read(&path).map_err(|_| FolderProblem::Missing(path.clone()))?;
        let actual = sha256_hex(&bytes);
        if actual != spec.sha256 {
            return Err(FolderProblem::Checksum {
                path,
                actual,
                expected: spec.sha256.to_string(),
            });
        }
    }
    Ok(())
}

/// The user's cache folder for the pinned specs: `$XDG_CACHE_HOME/milmove-load/specs/<commit>`
/// (an absolute `XDG_CACHE_HOME` only, as the XDG spec says), else
/// `$HOME/.cache/milmove-load/specs/<commit>`; `None` without either.
pub fn cache_folder() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(dir) => dir,
        None => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(base.join("milmove-load").join("specs").join(MYMOVE_COMMIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_counts_only_with_every_file_and_checksum() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            verify_folder(dir.path()),
            Err(FolderProblem::Missing(_))
        ));
        for spec in PINNED_SPECS {
            std::fs::write(dir.path().join(spec.file_name()), "not the spec").unwrap();
        }
        match verify_folder(dir.path()) {
            Err(FolderProblem::Checksum { path, .. }) => {
                assert!(path.ends_with("prime.yaml"), "{path:?}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_cache_folder_is_per_commit() {
        if let Some(dir) = cache_folder() {
            assert!(dir.ends_with(format!("milmove-load/specs/{MYMOVE_COMMIT}")));
        }
    }
}
