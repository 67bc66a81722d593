//! One user's connection on the direct path: plain TCP or TLS over TCP, and the check that
//! tells, before a request is written to an idle connection, whether the server has closed it.

use super::wire::{self, WireError, WireResponse, WireStream};
use reqwest::Method;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A user's kept-alive connection.
#[derive(Debug)]
pub(crate) struct Conn {
    stream: Stream,
    /// When the last request on it began (stands for "last used": see `Direct::exchange`).
    pub(crate) last_used: Instant,
}

/// The transport: TLS state is boxed so that plain-HTTP users stay small.
#[derive(Debug)]
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Conn {
    pub(crate) fn plain(stream: TcpStream) -> Self {
        Self {
            stream: Stream::Plain(stream),
            last_used: Instant::now(),
        }
    }

    pub(crate) fn tls(stream: TlsStream<TcpStream>) -> Self {
        Self {
            stream: Stream::Tls(Box::new(stream)),
            last_used: Instant::now(),
        }
    }

    /// Whether the server has closed this idle connection (or sent something unasked, which
    /// makes it unusable too). One non-blocking `recv(MSG_PEEK)` on the socket: it reads the
    /// kernel's state at this instant, not the event loop's (possibly older) idea of it, and
    /// leaves any bytes where they are.
    pub(crate) fn peer_closed(&self) -> bool {
        let tcp = match &self.stream {
            Stream::Plain(s) => s,
            Stream::Tls(s) => {
                if s.get_ref().1.wants_write() {
                    // rustls still has bytes to send (a close_notify, an alert): not idle.
                    return true;
                }
                s.get_ref().0
            }
        };
        socket_has_news(tcp)
    }

    /// Write `request`, read the response to `method`. `written` is set once the request's
    /// bytes were handed to the socket.
    pub(crate) async fn exchange(
        &mut self,
        request: &[u8],
        method: &Method,
        written: &AtomicBool,
    ) -> Result<WireResponse, WireError> {
        match &mut self.stream {
            Stream::Plain(s) => wire::exchange(s, request, method, written).await,
            Stream::Tls(s) => wire::exchange(&mut **s, request, method, written).await,
        }
    }
}

/// Peeks one byte without blocking: `0` (the peer closed), a byte (unasked data), or an error
/// other than "would block" (reset) all mean the connection must not carry a request.
#[cfg(unix)]
pub(crate) fn socket_has_news(tcp: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut probe = 0u8;
    // SAFETY: `probe` is one writable byte for the duration of the call; the descriptor is
    // owned by `tcp`, which outlives the call.
    let n = unsafe {
        libc::recv(
            tcp.as_raw_fd(),
            std::ptr::addr_of_mut!(probe).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    if n < 0 {
        std::io::Error::last_os_error().kind() != std::io::ErrorKind::WouldBlock
    } else {
        true
    }
}

/// Elsewhere: tokio's non-blocking peek (it trusts the event loop's readiness first).
#[cfg(not(unix))]
pub(crate) fn socket_has_news(tcp: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut buf = tokio::io::ReadBuf::new(&mut probe);
    match tcp.poll_peek(&mut cx, &mut buf) {
        std::task::Poll::Pending => false,
        std::task::Poll::Ready(_) => true,
    }
}

impl WireStream for TcpStream {
    fn settle(&mut self) -> bool {
        forget_read_readiness(self);
        true
    }
}

impl WireStream for TlsStream<TcpStream> {
    /// The response is complete: the connection stays usable only if rustls holds nothing
    /// more (no buffered plaintext, no close_notify received, nothing left to send).
    fn settle(&mut self) -> bool {
        let (tcp, tls) = self.get_mut();
        let clean = match tls.process_new_packets() {
            Ok(state) => {
                state.plaintext_bytes_to_read() == 0
                    && !state.peer_has_closed()
                    && state.tls_bytes_to_write() == 0
            }
            Err(_) => false,
        };
        if clean {
            forget_read_readiness(tcp);
        }
        clean
    }
}

/// The response is complete and an HTTP/1.1 server sends nothing unasked: forget the read
/// readiness left from this response, so the next response is awaited through the reactor at
/// once instead of first trying a read that can only block. (A later close by the server, or
/// the next response, is a new readiness event, which this does not clear.)
fn forget_read_readiness(tcp: &TcpStream) {
    let _ = tcp.try_io(tokio::io::Interest::READABLE, || {
        Err::<(), _>(std::io::ErrorKind::WouldBlock.into())
    });
}
