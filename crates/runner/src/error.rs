//! Error types: [`TaskError`] (what a task returns) and [`RunnerError`] (setting up or running a test).

use std::fmt;

/// The result type of every task, `on_start` and `on_stop` function.
pub type TaskResult = Result<(), TaskError>;

/// Why a task did not complete normally.
///
/// Any `std::error::Error + Send + Sync` converts into it with `?`, so a task can propagate
/// JSON or I/O errors directly. A task error is recorded as an *exception* (Locust's
/// `exceptions.csv`) and the user goes on with its next task, as in Locust. Return
/// [`TaskError::stop_user`] to stop this one user for the rest of the test.
pub struct TaskError {
    kind: TaskErrorKind,
}

enum TaskErrorKind {
    StopUser,
    Message(String),
    Source(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl TaskError {
    /// An error with a plain message (recorded as an exception).
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            kind: TaskErrorKind::Message(message.into()),
        }
    }

    /// Stop this user: it runs its `on_stop` and exits; the other users go on (Locust's `StopUser`).
    pub fn stop_user() -> Self {
        Self {
            kind: TaskErrorKind::StopUser,
        }
    }

    /// Whether this error asks to stop the user.
    pub fn is_stop_user(&self) -> bool {
        matches!(self.kind, TaskErrorKind::StopUser)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for TaskError {
    fn from(err: E) -> Self {
        Self {
            kind: TaskErrorKind::Source(Box::new(err)),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TaskErrorKind::StopUser => f.write_str("user stopped by its task"),
            TaskErrorKind::Message(m) => f.write_str(m),
            TaskErrorKind::Source(e) => {
                write!(f, "{e}")?;
                let mut source = e.source();
                while let Some(s) = source {
                    write!(f, ": {s}")?;
                    source = s.source();
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskError({self})")
    }
}

/// Errors while configuring or running a load test.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// A command-line, environment or config-file value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The config file could not be read or parsed.
    #[error("cannot read config file {path}: {message}")]
    ConfigFile {
        /// Path of the config file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// No user class has anything runnable (after tag filtering), or none was given.
    #[error("nothing to run: {0}")]
    NothingToRun(String),
    /// The shared HTTP client of a user class could not be built (e.g. bad TLS settings).
    #[error("cannot build the HTTP client of user class {class}: {message}")]
    Client {
        /// User class name.
        class: String,
        /// What went wrong.
        message: String,
    },
    /// A report file could not be written.
    #[error("cannot write report {path}: {message}")]
    Report {
        /// Path of the report.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The test could not be started (the message says why).
    #[error("{0}")]
    Start(String),
    /// The test was already started, or has ended.
    #[error("runner state error: {0}")]
    State(String),
}
