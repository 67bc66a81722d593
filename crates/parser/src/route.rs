//! Matching concrete request paths (`/mto-shipments/5f0c…`) to path templates.

use std::collections::HashMap;

use crate::closest::closest;
use crate::error::{ParserError, Result};
use crate::operation::Operation;

/// A matched route: the operation and the values of its path parameters.
#[derive(Debug, Clone)]
pub struct RouteMatch<'a> {
    /// The operation the request addresses.
    pub operation: &'a Operation,
    /// Index of the operation in [`crate::ApiParser::operations`].
    pub index: usize,
    /// Path parameter values by name, percent-decoded.
    pub path_params: Vec<(String, String)>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    /// `{name}` possibly with a literal prefix/suffix in the same segment.
    Param {
        name: String,
        prefix: String,
        suffix: String,
    },
}

#[derive(Debug)]
struct Template {
    path: String,
    segments: Vec<Segment>,
    literals: usize,
    /// Upper-case method → operation index.
    methods: Vec<(String, usize)>,
}

/// Route table built once from the operations.
#[derive(Debug, Default)]
pub struct Router {
    templates: Vec<Template>,
    by_len: HashMap<usize, Vec<usize>>,
}

impl Router {
    /// Builds the table.
    pub fn new(operations: &[Operation]) -> Self {
        let mut templates: Vec<Template> = Vec::new();
        for (i, op) in operations.iter().enumerate() {
            if let Some(t) = templates.iter_mut().find(|t| t.path == op.path) {
                t.methods.push((op.method.clone(), i));
                continue;
            }
            let segments: Vec<Segment> = split(&op.path).map(parse_segment).collect();
            let literals = segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            templates.push(Template {
                path: op.path.clone(),
                segments,
                literals,
                methods: vec![(op.method.clone(), i)],
            });
        }
        let mut by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, t) in templates.iter().enumerate() {
            by_len.entry(t.segments.len()).or_default().push(i);
        }
        for list in by_len.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(templates[i].literals));
        }
        Router { templates, by_len }
    }

    /// Finds the operation for `method` and a concrete path (base path already removed;
    /// a query string is ignored).
    pub fn find<'a>(
        &self,
        ops: &'a [Operation],
        method: &str,
        path: &str,
    ) -> Result<RouteMatch<'a>> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let parts: Vec<&str> = split(path).collect();
        let method = method.to_ascii_uppercase();
        let mut path_match: Option<&Template> = None;
        for &ti in self.by_len.get(&parts.len()).into_iter().flatten() {
            let t = &self.templates[ti];
            let Some(params) = match_segments(&t.segments, &parts) else {
                continue;
            };
            if let Some((_, oi)) = t.methods.iter().find(|(m, _)| *m == method) {
                return Ok(RouteMatch {
                    operation: &ops[*oi],
                    index: *oi,
                    path_params: params,
                });
            }
            path_match.get_or_insert(t);
        }
        match path_match {
            Some(t) => Err(ParserError::UnknownMethod {
                method,
                path: t.path.clone(),
                allowed: t.methods.iter().map(|(m, _)| m.clone()).collect(),
            }),
            None => Err(ParserError::UnknownPath {
                path: path.to_string(),
                closest: closest(path, self.templates.iter().map(|t| t.path.as_str())),
            }),
        }
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn parse_segment(s: &str) -> Segment {
    match (s.find('{'), s.rfind('}')) {
        (Some(open), Some(close)) if open < close => Segment::Param {
            name: s[open + 1..close].to_string(),
            prefix: s[..open].to_string(),
            suffix: s[close + 1..].to_string(),
        },
        _ => Segment::Literal(s.to_string()),
    }
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    for (seg, part) in segments.iter().zip(parts) {
        match seg {
            Segment::Literal(l) => {
                if l != part {
                    return None;
                }
            }
            Segment::Param {
                name,
                prefix,
                suffix,
            } => {
                let value = part
                    .strip_prefix(prefix.as_str())?
                    .strip_suffix(suffix.as_str())?;
                if value.is_empty() {
                    return None;
                }
                params.push((name.clone(), percent_decode(value)));
            }
        }
    }
    Some(params)
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
