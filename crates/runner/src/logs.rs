//! The last log lines, kept in memory for the web UI's Logs tab: a `tracing` layer installed by
//! [`init_logging`](crate::init_logging) beside the console/file output. Bounded: at most
//! [`LOG_LINES`] lines of at most [`MAX_LINE_CHARS`] characters each.
//!
//! ```
//! use milmove_runner::logs::{recent, LogBuffer};
//! let buffer = LogBuffer::new(2);
//! buffer.push("INFO", "one");
//! buffer.push("WARN", "two");
//! buffer.push("INFO", "three");
//! let lines = buffer.lines();
//! assert_eq!(lines.len(), 2);
//! assert_eq!(lines[1].message, "three");
//! let _ = recent(); // the process-wide buffer the logging setup fills
//! ```

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::SystemTime;

use parking_lot::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

/// Lines kept by the process-wide buffer.
pub const LOG_LINES: usize = 500;
/// Longest line kept (longer messages are cut, with `…`).
pub const MAX_LINE_CHARS: usize = 2_000;

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Sequence number (1 for the first line of the process), to fetch only newer lines.
    pub seq: u64,
    /// When it was logged.
    pub time: SystemTime,
    /// `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
    pub level: String,
    /// The message and its fields.
    pub message: String,
}

/// A bounded ring of log lines.
#[derive(Debug)]
pub struct LogBuffer {
    capacity: usize,
    inner: Mutex<(u64, VecDeque<LogLine>)>,
}

impl LogBuffer {
    /// An empty buffer keeping the last `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new((0, VecDeque::new())),
        }
    }

    /// Adds a line (the oldest is dropped when full).
    pub fn push(&self, level: &str, message: &str) {
        let mut message = message.to_owned();
        if message.chars().count() > MAX_LINE_CHARS {
            message = message.chars().take(MAX_LINE_CHARS).collect();
            message.push('…');
        }
        let mut inner = self.inner.lock();
        inner.0 += 1;
        let line = LogLine {
            seq: inner.0,
            time: SystemTime::now(),
            level: level.to_owned(),
            message,
        };
        inner.1.push_back(line);
        while inner.1.len() > self.capacity {
            inner.1.pop_front();
        }
    }

    /// Every kept line, oldest first.
    pub fn lines(&self) -> Vec<LogLine> {
        self.inner.lock().1.iter().cloned().collect()
    }

    /// Kept lines newer than `seq`.
    pub fn since(&self, seq: u64) -> Vec<LogLine> {
        self.inner
            .lock()
            .1
            .iter()
            .filter(|l| l.seq > seq)
            .cloned()
            .collect()
    }
}

/// The process-wide buffer that [`init_logging`](crate::init_logging) fills.
pub fn recent() -> &'static LogBuffer {
    static BUFFER: OnceLock<LogBuffer> = OnceLock::new();
    BUFFER.get_or_init(|| LogBuffer::new(LOG_LINES))
}

/// The `tracing` layer writing into [`recent`].
#[derive(Debug, Default, Clone, Copy)]
pub struct BufferLayer;

struct MessageVisitor {
    message: String,
    fields: String,
}

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for BufferLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut v = MessageVisitor {
            message: String::new(),
            fields: String::new(),
        };
        event.record(&mut v);
        v.message.push_str(&v.fields);
        recent().push(event.metadata().level().as_str(), &v.message);
    }
}
