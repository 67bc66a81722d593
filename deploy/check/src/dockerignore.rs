//! `.dockerignore` rules as Docker applies them: one pattern a line (`#` comments), `*` and `?`
//! within a path segment, `**` for any number of segments, `!` to include again; a path is
//! excluded when the last pattern matching it or one of its parent folders is not a `!` pattern.
//! Character classes (`[a-z]`) are not supported and are matched literally.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    include: bool,
    segments: Vec<String>,
}

/// Parsed `.dockerignore` rules.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DockerIgnore {
    rules: Vec<Rule>,
}

impl DockerIgnore {
    /// Parses `.dockerignore` text.
    pub fn parse(text: &str) -> DockerIgnore {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| {
                let (include, pattern) = match line.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, line),
                };
                let segments: Vec<String> = pattern
                    .split('/')
                    .filter(|s| !s.is_empty() && *s != ".")
                    .map(str::to_string)
                    .collect();
                (!segments.is_empty()).then_some(Rule { include, segments })
            })
            .collect();
        DockerIgnore { rules }
    }

    /// Whether `path` (relative to the context, `/`-separated) is left out of the context.
    pub fn is_excluded(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut excluded = false;
        for rule in &self.rules {
            let hit = (1..=segments.len()).any(|n| matches(&rule.segments, &segments[..n]));
            if hit {
                excluded = !rule.include;
            }
        }
        excluded
    }

    /// Whether some `!` rule could include a path below the folder `dir` (so an excluded folder
    /// must still be walked).
    fn may_include_below(&self, dir: &str) -> bool {
        let segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
        self.rules
            .iter()
            .filter(|r| r.include)
            .any(|r| prefix_matches(&r.segments, &segments))
    }

    /// Every file of the build context rooted at `root`, as sorted `/`-separated relative paths.
    pub fn context_files(&self, root: &Path) -> std::io::Result<Vec<String>> {
        let mut files = Vec::new();
        self.walk(root, PathBuf::new(), &mut files)?;
        files.sort();
        Ok(files)
    }

    fn walk(&self, root: &Path, rel: PathBuf, files: &mut Vec<String>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(root.join(&rel))? {
            let entry = entry?;
            let child = rel.join(entry.file_name());
            let text = child.to_string_lossy().replace('\\', "/");
            if entry.file_type()?.is_dir() {
                if !self.is_excluded(&text) || self.may_include_below(&text) {
                    self.walk(root, child, files)?;
                }
            } else if !self.is_excluded(&text) {
                files.push(text);
            }
        }
        Ok(())
    }
}

fn matches(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| matches(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => {
                segment_matches(first.as_bytes(), segment.as_bytes()) && matches(rest, path_rest)
            }
            None => false,
        },
    }
}

/// Whether `pattern` could match some path that starts with `dir`.
fn prefix_matches(pattern: &[String], dir: &[&str]) -> bool {
    match (pattern.split_first(), dir.split_first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((first, _)), Some(_)) if first == "**" => true,
        (Some((first, rest)), Some((segment, dir_rest))) => {
            segment_matches(first.as_bytes(), segment.as_bytes()) && prefix_matches(rest, dir_rest)
        }
    }
}

fn segment_matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| segment_matches(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && segment_matches(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && segment_matches(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_with_exceptions() {
        let ignore = DockerIgnore::parse(
            "# comment\n*\n!Cargo.toml\n!crates\n!deploy/check\n**/target\n**/*.pem\n",
        );
        assert!(!ignore.is_excluded("Cargo.toml"));
        assert!(ignore.is_excluded("README.md"));
        assert!(ignore.is_excluded(".git/config"));
        assert!(!ignore.is_excluded("crates/runner/src/lib.rs"));
        assert!(ignore.is_excluded("crates/runner/target/debug/x"));
        assert!(ignore.is_excluded("crates/hosts/tests/client.pem"));
        assert!(!ignore.is_excluded("deploy/check/Cargo.toml"));
        assert!(ignore.is_excluded("deploy/kubernetes/master.yaml"));
        assert!(ignore.may_include_below("deploy"));
        assert!(!ignore.may_include_below("target"));
    }

    #[test]
    fn later_rules_win_and_wildcards() {
        let ignore = DockerIgnore::parse("*.md\n!README.md\ndocs/**/draft?.txt\n");
        assert!(ignore.is_excluded("NOTES.md"));
        assert!(!ignore.is_excluded("README.md"));
        assert!(
            !ignore.is_excluded("sub/NOTES.md"),
            "* does not cross folders"
        );
        assert!(ignore.is_excluded("docs/a/b/draft1.txt"));
        assert!(ignore.is_excluded("docs/draft2.txt"));
        assert!(!ignore.is_excluded("docs/draft10.txt"));
    }

    #[test]
    fn walks_a_context() {
        let dir = std::env::temp_dir().join(format!("dockerignore-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for file in ["keep/a.rs", "keep/target/b", "drop/c", "top.toml"] {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let ignore = DockerIgnore::parse("*\n!keep\n!top.toml\n**/target\n");
        let files = ignore.context_files(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(files, ["keep/a.rs", "top.toml"]);
    }
}
