//! The `__NAME__` placeholders of the ECS templates (`__ACCOUNTID__`, `__REGION__`,
//! `__PARTITION__`, ...), which `scripts/codebuild` fills in.

use std::collections::BTreeSet;

/// Every `__NAME__` placeholder in `text` (upper-case letters, digits and `_`, starting with a
/// letter).
pub fn placeholders(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while let Some(offset) = text[i..].find("__") {
        let start = i + offset + 2;
        let mut end = start;
        while end < bytes.len()
            && (bytes[end].is_ascii_uppercase()
                || bytes[end].is_ascii_digit()
                || bytes[end] == b'_')
        {
            end += 1;
        }
        // The name may not end in `_`: `__A__` ends where `__` follows the last letter.
        let name_end = text[start..end]
            .rfind(|c: char| c != '_')
            .map(|p| start + p + 1);
        match name_end {
            Some(name_end)
                if bytes[start].is_ascii_uppercase() && text[name_end..].starts_with("__") =>
            {
                found.insert(format!("__{}__", &text[start..name_end]));
                i = name_end + 2;
            }
            _ => i = start,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders() {
        let text = r#"{"image": "__IMAGE__", "arn": "arn:__PARTITION__:ssm:__REGION__:__ACCOUNTID__:x", "a": "__not__", "b": "__9X__"}"#;
        let names: Vec<String> = placeholders(text).into_iter().collect();
        assert_eq!(
            names,
            ["__ACCOUNTID__", "__IMAGE__", "__PARTITION__", "__REGION__"]
        );
        assert!(placeholders("no_placeholders_here __").is_empty());
        assert_eq!(
            placeholders("__SUBNET_IDS__")
                .into_iter()
                .collect::<Vec<_>>(),
            ["__SUBNET_IDS__"]
        );
    }
}
