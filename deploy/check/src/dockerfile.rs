//! A Dockerfile parser covering what the checks need: stages, `COPY`/`ADD` with their flags,
//! `RUN` (shell or exec form, with `--mount` flags), `CMD`/`ENTRYPOINT`, `ENV`, `ARG`, `EXPOSE`,
//! `USER` and `WORKDIR`. Continuation lines (`\` at the end) are joined and comment lines inside
//! them dropped, as Docker does; other instructions are kept as text.

use std::collections::BTreeMap;

/// A parse error with the (1-based) line of the instruction it is in.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("Dockerfile line {line}: {message}")]
pub struct DockerfileError {
    /// Line where the instruction starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A command in exec form (`["a", "b"]`) or shell form (`a b`).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// JSON array form: run without a shell.
    Exec(Vec<String>),
    /// Shell form: run by `/bin/sh -c`.
    Shell(String),
}

impl Command {
    /// The program the command runs first: the first word of the exec form, or of the shell text
    /// (after any `VAR=value` assignments).
    pub fn program(&self) -> Option<&str> {
        match self {
            Command::Exec(words) => words.first().map(String::as_str),
            Command::Shell(text) => text.split_whitespace().find(|word| !is_assignment(word)),
        }
    }
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// A `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq)]
pub struct Copy {
    /// `ADD` rather than `COPY`.
    pub add: bool,
    /// The stage (or image) given by `--from`, if any: otherwise the sources are in the context.
    pub from: Option<String>,
    /// Other flags (`--chown=...`, `--chmod=...`, `--link`), as written.
    pub flags: Vec<String>,
    /// Source paths.
    pub sources: Vec<String>,
    /// Destination path.
    pub dest: String,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq)]
pub enum Instruction {
    /// `FROM image [AS name]` (starts a stage).
    From {
        /// Base image or earlier stage, as written (ARGs not expanded).
        image: String,
        /// `AS name`.
        name: Option<String>,
    },
    /// `COPY` / `ADD`.
    Copy(Copy),
    /// `RUN [--mount=...] command`.
    Run {
        /// Flags such as `--mount=type=cache,...`.
        flags: Vec<String>,
        /// The command.
        command: Command,
    },
    /// `CMD`.
    Cmd(Command),
    /// `ENTRYPOINT`.
    Entrypoint(Command),
    /// `ENV key=value ...` (or the old `ENV key value`).
    Env(Vec<(String, String)>),
    /// `ARG name[=default]`.
    Arg {
        /// Name.
        name: String,
        /// Default value.
        default: Option<String>,
    },
    /// `EXPOSE port[/proto] ...`.
    Expose(Vec<String>),
    /// `USER user[:group]`.
    User(String),
    /// `WORKDIR path`.
    Workdir(String),
    /// Anything else, keyword in upper case and the rest as text.
    Other {
        /// `LABEL`, `HEALTHCHECK`, ...
        keyword: String,
        /// The arguments.
        text: String,
    },
}

/// An instruction and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The instruction.
    pub instruction: Instruction,
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// `AS name`.
    pub name: Option<String>,
    /// The base image or stage.
    pub base: String,
    /// The instructions after `FROM`.
    pub instructions: Vec<Line>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq)]
pub struct Dockerfile {
    /// `ARG`s before the first `FROM` (usable in `FROM` lines), with their defaults.
    pub global_args: BTreeMap<String, Option<String>>,
    stages: Vec<Stage>,
}

impl Dockerfile {
    /// Parses Dockerfile text.
    pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
        let mut global_args = BTreeMap::new();
        let mut stages: Vec<Stage> = Vec::new();
        for (number, logical) in logical_lines(text)? {
            let instruction = parse_instruction(number, &logical)?;
            match instruction {
                Instruction::From { image, name } => stages.push(Stage {
                    name,
                    base: image,
                    instructions: Vec::new(),
                }),
                other => match stages.last_mut() {
                    Some(stage) => stage.instructions.push(Line {
                        number,
                        instruction: other,
                    }),
                    None => match other {
                        Instruction::Arg { name, default } => {
                            global_args.insert(name, default);
                        }
                        _ => {
                            return Err(DockerfileError {
                                line: number,
                                message: "only ARG may come before the first FROM".to_string(),
                            })
                        }
                    },
                },
            }
        }
        if stages.is_empty() {
            return Err(DockerfileError {
                line: 1,
                message: "no FROM instruction".to_string(),
            });
        }
        Ok(Dockerfile {
            global_args,
            stages,
        })
    }

    /// The stages in order.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The stage called `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name.as_deref() == Some(name))
    }

    /// The last stage: the image `docker build` produces without `--target`.
    pub fn final_stage(&self) -> &Stage {
        self.stages.last().expect("parse guarantees one stage")
    }
}

/// Joins continuation lines, drops comments and blank lines; returns (first line, text).
fn logical_lines(text: &str) -> Result<Vec<(usize, String)>, DockerfileError> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_none()) {
            continue;
        }
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (trimmed, false),
        };
        let entry = current.get_or_insert_with(|| (number, String::new()));
        if !entry.1.is_empty() {
            entry.1.push(' ');
        }
        entry.1.push_str(body.trim());
        if !continues {
            out.extend(current.take());
        }
    }
    if let Some((line, _)) = current {
        return Err(DockerfileError {
            line,
            message: "the file ends inside a continued line".to_string(),
        });
    }
    Ok(out)
}

fn parse_instruction(line: usize, text: &str) -> Result<Instruction, DockerfileError> {
    let error = |message: String| DockerfileError { line, message };
    let (keyword, rest) = match text.split_once(char::is_whitespace) {
        Some((k, r)) => (k.to_ascii_uppercase(), r.trim()),
        None => (text.to_ascii_uppercase(), ""),
    };
    let instruction = match keyword.as_str() {
        "FROM" => {
            let words: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            match words.as_slice() {
                [image] => Instruction::From {
                    image: image.to_string(),
                    name: None,
                },
                [image, as_, name] if as_.eq_ignore_ascii_case("as") => Instruction::From {
                    image: image.to_string(),
                    name: Some(name.to_string()),
                },
                _ => return Err(error(format!("cannot read `FROM {rest}`"))),
            }
        }
        "COPY" | "ADD" => {
            let (flags, rest) = split_flags(rest);
            let mut paths = match parse_json_array(rest) {
                Some(words) => words,
                None => rest.split_whitespace().map(str::to_string).collect(),
            };
            if paths.len() < 2 {
                return Err(error(format!("{keyword} needs a source and a destination")));
            }
            let dest = paths.pop().expect("two or more");
            let mut from = None;
            let mut other = Vec::new();
            for flag in flags {
                match flag.strip_prefix("--from=") {
                    Some(stage) => from = Some(stage.to_string()),
                    None => other.push(flag),
                }
            }
            Instruction::Copy(Copy {
                add: keyword == "ADD",
                from,
                flags: other,
                sources: paths,
                dest,
            })
        }
        "RUN" => {
            let (flags, rest) = split_flags(rest);
            Instruction::Run {
                flags,
                command: parse_command(rest),
            }
        }
        "CMD" => Instruction::Cmd(parse_command(rest)),
        "ENTRYPOINT" => Instruction::Entrypoint(parse_command(rest)),
        "ENV" => Instruction::Env(parse_pairs(rest).map_err(error)?),
        "ARG" => match rest.split_once('=') {
            Some((name, default)) => Instruction::Arg {
                name: name.trim().to_string(),
                default: Some(unquote(default.trim())),
            },
            None => Instruction::Arg {
                name: rest.to_string(),
                default: None,
            },
        },
        "EXPOSE" => Instruction::Expose(rest.split_whitespace().map(str::to_string).collect()),
        "USER" => Instruction::User(rest.to_string()),
        "WORKDIR" => Instruction::Workdir(rest.to_string()),
        _ => Instruction::Other {
            keyword,
            text: rest.to_string(),
        },
    };
    Ok(instruction)
}

/// Leading `--flag[=value]` words, and the rest of the text.
fn split_flags(text: &str) -> (Vec<String>, &str) {
    let mut flags = Vec::new();
    let mut rest = text.trim_start();
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        flags.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
    }
    (flags, rest)
}

fn parse_command(text: &str) -> Command {
    match parse_json_array(text) {
        Some(words) => Command::Exec(words),
        None => Command::Shell(text.to_string()),
    }
}

fn parse_json_array(text: &str) -> Option<Vec<String>> {
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(text).ok()
}

/// `a=1 b="two words"` (or the old single `key value` form).
fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let words = shell_words(text)?;
    if words.len() >= 2 && !words[0].contains('=') {
        // ENV key value with spaces
        let (key, value) = text.split_once(char::is_whitespace).expect("two words");
        return Ok(vec![(key.to_string(), value.trim().to_string())]);
    }
    words
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(format!("`{word}` is not KEY=VALUE")),
        })
        .collect()
}

/// Splits on whitespace outside double quotes and removes the quotes.
fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut has_word = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                has_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if has_word {
                    words.push(std::mem::take(&mut current));
                    has_word = false;
                }
            }
            c => {
                current.push(c);
                has_word = true;
            }
        }
    }
    if quoted {
        return Err(format!("unclosed quote in `{text}`"));
    }
    if has_word {
        words.push(current);
    }
    Ok(words)
}

fn unquote(text: &str) -> String {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_continuations_and_comments() {
        let text = "# syntax=docker/dockerfile:1\nARG V=1\nFROM rust:${V} AS builder\n\
                    RUN --mount=type=cache,target=/x cargo build \\\n  # a comment inside\n  --release\n\
                    FROM debian\nCOPY --from=builder /out/a /out/b /bin/\nCMD [\"a\", \"--help\"]\n";
        let file = Dockerfile::parse(text).unwrap();
        assert_eq!(file.global_args.get("V"), Some(&Some("1".to_string())));
        assert_eq!(file.stages().len(), 2);
        let builder = file.stage("builder").unwrap();
        assert_eq!(builder.base, "rust:${V}");
        assert_eq!(
            builder.instructions[0].instruction,
            Instruction::Run {
                flags: vec!["--mount=type=cache,target=/x".to_string()],
                command: Command::Shell("cargo build --release".to_string()),
            }
        );
        let runtime = file.final_stage();
        assert_eq!(runtime.name, None);
        let Instruction::Copy(copy) = &runtime.instructions[0].instruction else {
            panic!("not a copy")
        };
        assert_eq!(copy.from.as_deref(), Some("builder"));
        assert_eq!(copy.sources, ["/out/a", "/out/b"]);
        assert_eq!(runtime.instructions[0].number, 8);
        assert_eq!(
            runtime.instructions[1].instruction,
            Instruction::Cmd(Command::Exec(vec!["a".into(), "--help".into()]))
        );
    }

    #[test]
    fn env_forms_and_programs() {
        let file =
            Dockerfile::parse("FROM x\nENV A=1 B=\"two words\"\nENV OLD some value\n").unwrap();
        let lines = &file.final_stage().instructions;
        assert_eq!(
            lines[0].instruction,
            Instruction::Env(vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into())
            ])
        );
        assert_eq!(
            lines[1].instruction,
            Instruction::Env(vec![("OLD".into(), "some value".into())])
        );
        assert_eq!(
            Command::Shell("X=1 Y=2 /bin/tool --flag".into()).program(),
            Some("/bin/tool")
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            Dockerfile::parse("RUN true\n").unwrap_err().line,
            1,
            "instruction before FROM"
        );
        let err = Dockerfile::parse("FROM x\nCOPY onlyone\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("source and a destination"));
        assert!(Dockerfile::parse("FROM x\nRUN a \\\n")
            .unwrap_err()
            .message
            .contains("ends inside"));
    }
}
