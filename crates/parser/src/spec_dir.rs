//! Finding the folder of bundled MilMove specs (`prime.yaml`, `support.yaml`, `ghc.yaml`, …).
//!
//! Order: an explicit folder (a flag), then the environment variable [`SPEC_DIR_VAR`], then,
//! from the current folder upwards, a `shared/milmove-swagger/bundled` or `mymove/swagger`
//! folder beside it (the layout of a workspace holding this checkout next to the specs or to a
//! MilMove checkout). A candidate counts only if it holds `prime.yaml`.

use std::path::{Path, PathBuf};

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
     folders above it for {candidates})",
    candidates = NEIGHBOUR_CANDIDATES.join(" or ")
)]
pub struct SpecDirNotFound {
    /// The folder the upward search started from.
    pub searched_from: String,
}

/// The spec folder: `explicit` if given, else `MILMOVE_SWAGGER_DIR` if set and not empty,
/// else the first neighbour candidate found from the current folder upwards.
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
    search_upwards(&start).ok_or_else(|| SpecDirNotFound {
        searched_from: start.display().to_string(),
    })
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
    fn the_error_names_the_variable_and_the_candidates() {
        let text = SpecDirNotFound {
            searched_from: "/x".into(),
        }
        .to_string();
        assert!(text.contains("MILMOVE_SWAGGER_DIR"), "{text}");
        assert!(text.contains("mymove/swagger"), "{text}");
    }
}
