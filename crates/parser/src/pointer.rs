//! JSON-pointer look-ups (`#/definitions/Address` style) on `serde_json::Value`.

use serde_json::Value;

/// Follows a JSON pointer (with or without the leading `#`) inside `doc`.
///
/// `""` and `"/"`-less empty pointers return `doc` itself; `~1` and `~0` are unescaped.
pub fn lookup_pointer<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
    if pointer.is_empty() {
        return Some(doc);
    }
    let mut cur = doc;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let seg = unescape(raw);
        cur = match cur {
            Value::Object(obj) => obj.get(seg.as_ref())?,
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn unescape(seg: &str) -> std::borrow::Cow<'_, str> {
    if seg.contains('~') || seg.contains('%') {
        let s = seg.replace("~1", "/").replace("~0", "~");
        std::borrow::Cow::Owned(percent_decode(&s))
    } else {
        std::borrow::Cow::Borrowed(seg)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// The last segment of a reference, used as a definition name
/// (`#/components/schemas/Address` → `Address`).
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_follow_objects_arrays_and_escapes() {
        let doc = json!({"paths": {"/a/{id}": {"get": [1, 2]}}, "x~y": 3});
        assert_eq!(
            lookup_pointer(&doc, "#/paths/~1a~1{id}/get/1"),
            Some(&json!(2))
        );
        assert_eq!(lookup_pointer(&doc, "/x~0y"), Some(&json!(3)));
        assert_eq!(lookup_pointer(&doc, "#"), Some(&doc));
        assert_eq!(lookup_pointer(&doc, "#/nope"), None);
        assert_eq!(
            lookup_pointer(&doc, "#/paths/~1a~1%7Bid%7D/get/0"),
            Some(&json!(1))
        );
    }
}
