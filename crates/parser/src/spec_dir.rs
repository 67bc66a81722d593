//! Finding the folder of MilMove specs (`prime.yaml`, `support.yaml`, `ghc.yaml`, …), and
//! fetching the pinned ones when there is none.
//!
//! Order ([`find_spec_dir`]): an explicit folder (a flag), then the environment variable
//! [`SPEC_DIR_VAR`], then, from the current folder upwards, a `shared/milmove-swagger/bundled`
//! or `mymove/swagger` folder beside it (the layout of a workspace holding this checkout next
//! to the specs or to a MilMove checkout; a candidate counts only if it holds `prime.yaml`),
//! then the user's cache of the pinned specs ([`crate::pinned::cache_folder`], only when every
//! file is there with its checksum). [`resolve_spec_dir`] then downloads the pinned specs into
//! that cache (from [`crate::pinned::SPECS_URL_VAR`] or GitHub) unless told to stay offline,
//! and fails with an error naming the three ways to supply them.

use std::path::{Path, PathBuf};

use crate::download::{fetch_pinned, DownloadError};
use crate::pinned::{cache_folder, verify_folder, DEFAULT_SPECS_URL, MYMOVE_COMMIT, SPECS_URL_VAR};

/// The environment variable naming the spec folder.
pub const SPEC_DIR_VAR: &str = "MILMOVE_SWAGGER_DIR";

/// Folders tried beside the current folder and each folder above it.
const NEIGHBOUR_CANDIDATES: [&str; 2] = ["shared/milmove-swagger/bundled", "mymove/swagger"];

/// The file a folder must hold to count as a spec folder.
const MARKER_FILE: &str = "prime.yaml";

/// No spec folder was found; the message says where it looked and how to set one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no MilMove spec folder found: set {SPEC_DIR_VAR} (or pass the folder) to a folder \
     holding prime.yaml, support.yaml, ghc.yaml, … (looked beside {searched_from} and the \
     folders above it for {candidates}, and in the cache of the pinned specs)",
    candidates = NEIGHBOUR_CANDIDATES.join(" or ")
)]
pub struct SpecDirNotFound {
    /// The folder the upward search started from.
    pub searched_from: String,
}

/// Whether [`resolve_spec_dir`] may download the pinned specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Download them into the cache when no folder is found.
    Allowed,
    /// Never touch the network (`--offline`).
    Offline,
}

/// What went wrong finding or fetching the specs. Every variant's message ends with the three
/// ways to supply them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecsError {
    /// No folder, `--offline`, and nothing (valid) in the cache.
    #[error("no MilMove spec folder found and --offline forbids downloading them.\n{}", ways(.cache))]
    Offline {
        /// The cache folder that was empty (or incomplete).
        cache: Option<PathBuf>,
    },
    /// No folder, and the download failed.
    #[error("no MilMove spec folder found, and downloading the pinned ones failed: {error}\n{}", ways(.cache))]
    Download {
        /// Why.
        error: DownloadError,
        /// The cache folder.
        cache: Option<PathBuf>,
    },
    /// There is no cache folder to download into (no `HOME`, no `XDG_CACHE_HOME`).
    #[error("no MilMove spec folder found, and there is no cache folder to download them into (set HOME or XDG_CACHE_HOME).\n{}", ways(&None))]
    NoCache,
    /// `--fetch-specs` failed.
    #[error("fetching the pinned MilMove specs failed: {0}")]
    Fetch(DownloadError),
}

/// The three ways to supply the specs, as the errors print them.
fn ways(cache: &Option<PathBuf>) -> String {
    let cache = cache.as_ref().map_or_else(
        || "~/.cache/milmove-load/specs/<commit>".to_string(),
        |c| c.display().to_string(),
    );
    format!(
        "Supply the specs one of three ways:\n  \
         1. a folder holding prime.yaml, prime_v2.yaml, prime_v3.yaml, support.yaml, ghc.yaml \
         and internal.yaml (a mymove checkout's swagger/ folder): --swagger-dir DIR or \
         {SPEC_DIR_VAR}=DIR (a mymove/swagger folder beside this checkout is found by itself);\n  \
         2. let the tools download the pinned files (transcom/mymove {commit}) from \
         {DEFAULT_SPECS_URL}, or from an internal mirror named by {SPECS_URL_VAR}: run without \
         --offline where it is reachable;\n  \
         3. on a machine that can reach it, run with --fetch-specs (e.g. `milmove-sim \
         --fetch-specs`) and copy the folder it prints to {cache} here.",
        commit = &MYMOVE_COMMIT[..12],
    )
}

/// The spec folder without any download: `explicit` if given, else `MILMOVE_SWAGGER_DIR` if
/// set and not empty, else the first neighbour candidate found from the current folder
/// upwards, else the cache of the pinned specs when it is complete and verified.
///
/// An explicit folder or the variable is returned as given, even if it does not exist, so the
/// loader reports the exact missing file.
pub fn find_spec_dir(explicit: Option<&Path>) -> Result<PathBuf, SpecDirNotFound> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(value) = std::env::var_os(SPEC_DIR_VAR).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(value));
    }
    let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    search_upwards(&start)
        .or_else(|| cache_folder().filter(|dir| verify_folder(dir).is_ok()))
        .ok_or_else(|| SpecDirNotFound {
            searched_from: start.display().to_string(),
        })
}

/// [`find_spec_dir`], and when nothing is found the pinned specs downloaded into the cache
/// (unless `fetch` is [`Fetch::Offline`]). `progress` hears what the download does.
pub fn resolve_spec_dir(
    explicit: Option<&Path>,
    fetch: Fetch,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<PathBuf, SpecsError> {
    if let Ok(dir) = find_spec_dir(explicit) {
        return Ok(dir);
    }
    let cache = cache_folder();
    if fetch == Fetch::Offline {
        return Err(SpecsError::Offline { cache });
    }
    let Some(dir) = cache.clone() else {
        return Err(SpecsError::NoCache);
    };
    fetch_pinned(&specs_url(), &dir, progress)
        .map_err(|error| SpecsError::Download { error, cache })
}

/// `--fetch-specs`: downloads the pinned specs into `into` (else the cache), verifying each,
/// and returns the folder. Files already there with their checksum are kept.
pub fn fetch_specs(
    into: Option<&Path>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<PathBuf, SpecsError> {
    let dir = match into {
        Some(dir) => dir.to_path_buf(),
        None => cache_folder().ok_or(SpecsError::NoCache)?,
    };
    fetch_pinned(&specs_url(), &dir, progress).map_err(SpecsError::Fetch)
}

/// The download base: [`SPECS_URL_VAR`] when set, else GitHub.
pub fn specs_url() -> String {
    std::env::var(SPECS_URL_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SPECS_URL.to_string())
}

/// The first neighbour candidate holding the marker file, from `start` upwards.
pub fn search_upwards(start: &Path) -> Option<PathBuf> {
    first_candidate(start.ancestors())
}

/// The first neighbour candidate holding the marker file beside one of `folders`, in order.
fn first_candidate<'a>(mut folders: impl Iterator<Item = &'a Path>) -> Option<PathBuf> {
    folders.find_map(|folder| {
        NEIGHBOUR_CANDIDATES
            .iter()
            .map(|candidate| folder.join(candidate))
            .find(|dir| dir.join(MARKER_FILE).is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_neighbour_folder_from_a_nested_folder() {
        let root = tempfile::tempdir().unwrap();
        let specs = root.path().join("shared/milmove-swagger/bundled");
        std::fs::create_dir_all(&specs).unwrap();
        std::fs::write(specs.join(MARKER_FILE), "swagger: '2.0'").unwrap();
        let nested = root.path().join("main/crates/parser");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(search_upwards(&nested), Some(specs));
    }

    #[test]
    fn a_folder_without_prime_yaml_does_not_count() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("mymove/swagger")).unwrap();
        let nested = root.path().join("checkout");
        std::fs::create_dir_all(&nested).unwrap();
        // Only the temp folders are searched: a real spec folder above /tmp must not count.
        assert_eq!(
            first_candidate([nested.as_path(), root.path()].into_iter()),
            None
        );
    }

    #[test]
    fn an_explicit_folder_wins() {
        let dir = Path::new("/nowhere/specs");
        assert_eq!(find_spec_dir(Some(dir)).unwrap(), dir);
    }

    #[test]
    fn the_errors_name_the_three_ways() {
        let text = SpecDirNotFound {
            searched_from: "/x".into(),
        }
        .to_string();
        assert!(text.contains("MILMOVE_SWAGGER_DIR"), "{text}");
        assert!(text.contains("mymove/swagger"), "{text}");
        let offline = SpecsError::Offline {
            cache: Some("/c/specs".into()),
        }
        .to_string();
        for needle in [
            "--offline",
            "--swagger-dir",
            "MILMOVE_SWAGGER_DIR",
            "MILMOVE_SPECS_URL",
            "--fetch-specs",
            "/c/specs",
            "1.",
            "2.",
            "3.",
        ] {
            assert!(offline.contains(needle), "{needle}: {offline}");
        }
    }
}
