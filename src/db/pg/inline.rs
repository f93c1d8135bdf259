//! A PostgreSQL connection driven by the thread that uses it, with no runtime at all: the
//! store's connections, used from inside the server's async workers (where a runtime of the
//! connection's own cannot run) without handing each round trip to another thread.
//!
//! tokio-postgres speaks the protocol over any `AsyncRead + AsyncWrite`; [`Socket`] is a
//! standard socket, and [`Inline::block_on`] polls the caller's future and the connection in
//! turn on the calling thread. The socket stays in blocking mode: writes never wait
//! (`MSG_DONTWAIT`), and a read looks at the socket only when the driver says it may. A turn
//! sends what the client queued without reading; when that moved no byte and neither side woke
//! the other, nothing can happen until the server answers, so the next turn's first read waits
//! for it, straight into the connection's buffer. A round trip costs one `send` and one `recv`
//! on the caller's thread: no read that finds nothing, no switch of the socket's mode, no
//! wake-up of another thread.
//!
//! A thread that serves other work too (an async worker of the server) runs its reads inside
//! [`bounded`]: a wait for the server there lasts at most [`INLINE_WAIT`] (the socket's read
//! timeout), and one that lasts longer gives up ([`Stalled`]), leaving the statement to finish
//! on the server and its answer to be read and dropped by the connection's next wait, so that
//! the caller can run the read again where waiting harms no one else (a blocking thread).
//! Outside it, a wait that passes the timeout simply waits again.

use std::cell::Cell;
use std::io::{self, Read as _};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::{Host, LoadBalanceHosts, SslMode, TargetSessionAttrs};
use tokio_postgres::{Client, Config, NoTls, SimpleQueryMessage};

use super::tls::MakeRustls;

use super::super::{Error, Result};

/// How long a wait for the server lasts inside [`bounded`] before it gives up. A round trip on
/// a loaded machine takes well under it; a server that has not answered by then is waiting for
/// a lock, or was not given a core, and may not answer for seconds.
pub const INLINE_WAIT: Duration = Duration::from_millis(10);

/// A wait for the server inside [`bounded`] passed [`INLINE_WAIT`]: the read gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stalled;

/// Whether this thread's waits for the server are bounded ([`bounded`]), and whether one gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Off,
    On,
    Stalled,
}

thread_local! {
    static BOUND: Cell<Bound> = const { Cell::new(Bound::Off) };
}

/// Runs `f` with every wait for the server on this thread bounded by [`INLINE_WAIT`]: `None`
/// when one passed it. The request it waited for is then left to the connection (its answer
/// read and dropped by the connection's next wait, on whichever thread), every later one in
/// `f` gives up at once, and what `f` returned (an error) is dropped: the caller runs the
/// whole of `f` again where waiting is harmless.
pub fn bounded<T>(f: impl FnOnce() -> T) -> Option<T> {
    /// Puts the thread's bound back as it was, however `f` ends.
    struct Restore(Bound);
    impl Drop for Restore {
        fn drop(&mut self) {
            BOUND.set(self.0);
        }
    }
    let restore = Restore(BOUND.replace(Bound::On));
    let out = f();
    let stalled = BOUND.get() == Bound::Stalled;
    drop(restore);
    (!stalled).then_some(out)
}

/// The socket of an inline connection.
pub struct Socket {
    stream: Stream,
    state: Arc<State>,
}

/// What the driver and the socket tell each other: how reads may use the socket, and whether
/// the last turn moved any byte.
struct State {
    /// One of the `READS_*` modes.
    reads: AtomicU8,
    moved: AtomicBool,
    /// Whether the last write found the socket's buffer full.
    full: AtomicBool,
    /// Whether the next write waits for room in the socket's buffer.
    write_waits: AtomicBool,
    /// Set when a read that waited for the server passed the socket's read timeout.
    timed_out: AtomicBool,
}

/// The startup handshake: reads take what has arrived and never wait, every write waits for
/// room. The handshake's driver waits for the server, bounded by the connect timeout, when a
/// turn moved nothing. (Reads must not wait there: TLS reads on until a read would block, so a
/// waiting read held the client's `Finished` back until the timeout, twice per connection.)
const READS_HANDSHAKE: u8 = 0;
/// The next read waits for data; later ones find nothing without looking ([`READS_SKIP`]).
const READS_WAIT_ONCE: u8 = 1;
/// Reads find nothing, without looking at the socket: a turn that only sends.
const READS_SKIP: u8 = 2;
/// Reads take what has arrived, and never wait.
const READS_TAKE: u8 = 3;

impl State {
    fn reads(&self, mode: u8) {
        self.reads.store(mode, Ordering::Relaxed);
    }
}

enum Stream {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl Stream {
    fn sock(&self) -> socket2::SockRef<'_> {
        match self {
            Stream::Unix(s) => socket2::SockRef::from(s),
            Stream::Tcp(s) => socket2::SockRef::from(s),
        }
    }

    /// Reads what has arrived, waiting for something if nothing has (a blocking socket).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }

    /// Writes what the socket's buffer takes now, without waiting for room unless `wait`.
    fn write(&self, buf: &[u8], wait: bool) -> io::Result<usize> {
        let flags = if wait { 0 } else { libc::MSG_DONTWAIT };
        self.sock().send_with_flags(buf, flags | libc::MSG_NOSIGNAL)
    }

    fn try_clone(&self) -> io::Result<Stream> {
        Ok(match self {
            Stream::Unix(s) => Stream::Unix(s.try_clone()?),
            Stream::Tcp(s) => Stream::Tcp(s.try_clone()?),
        })
    }

    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_read_timeout(timeout),
            Stream::Tcp(s) => s.set_read_timeout(timeout),
        }
    }

    /// Waits until a read would return at once, for as long as the socket's read timeout:
    /// `false` when it passed first. Takes nothing (`MSG_PEEK`).
    fn wait_readable(&self) -> bool {
        let mut buf = [MaybeUninit::<u8>::uninit(); 1];
        loop {
            match self.sock().recv_with_flags(&mut buf, libc::MSG_PEEK) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return false,
                _ => return true,
            }
        }
    }

    /// Whether a read would return at once: something arrived, the server closed the stream,
    /// or the socket failed. Looks without taking anything (`MSG_PEEK`) or waiting.
    fn readable(&self) -> bool {
        let mut buf = [MaybeUninit::<u8>::uninit(); 1];
        let peeked = self
            .sock()
            .recv_with_flags(&mut buf, libc::MSG_PEEK | libc::MSG_DONTWAIT);
        !matches!(peeked, Err(err) if err.kind() == io::ErrorKind::WouldBlock)
    }

    fn shutdown(&self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Write),
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Write),
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mode = self.state.reads.load(Ordering::Relaxed);
        match mode {
            READS_SKIP => return Poll::Pending,
            READS_WAIT_ONCE => self.state.reads(READS_SKIP),
            // A read that takes what has arrived does so only when something has, so that the
            // blocking read below returns at once.
            READS_TAKE | READS_HANDSHAKE if !self.stream.readable() => return Poll::Pending,
            _ => {}
        }
        loop {
            match self.stream.read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    self.state.moved.store(true, Ordering::Relaxed);
                    return Poll::Ready(Ok(()));
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                // Nothing after all (a wait for the server passed the read timeout). No waker
                // is kept: the driver polls again, or gives up (`bounded`).
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    if mode == READS_WAIT_ONCE {
                        self.state.timed_out.store(true, Ordering::Relaxed);
                    }
                    return Poll::Pending;
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // The handshake's writes wait, as its reads do.
        let wait = self.state.write_waits.swap(false, Ordering::Relaxed)
            || self.state.reads.load(Ordering::Relaxed) == READS_HANDSHAKE;
        loop {
            match self.stream.write(buf, wait) {
                Ok(n) => {
                    self.state.moved.store(true, Ordering::Relaxed);
                    self.state.full.store(false, Ordering::Relaxed);
                    return Poll::Ready(Ok(n));
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                // The socket's buffer is full: the driver decides what to wait for.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.state.full.store(true, Ordering::Relaxed);
                    return Poll::Pending;
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown())
    }
}

/// Set when the future or the connection wakes the other.
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A connection's protocol state machine (plain or TLS), polled until the connection ends.
type Driven = Pin<Box<dyn Future<Output = std::result::Result<(), tokio_postgres::Error>> + Send>>;

/// A connection's protocol state machine, driven by whoever waits on the connection.
pub struct Inline {
    /// `None` once it has ended (the server closed it, or it failed): the client's requests
    /// then fail with "connection closed".
    connection: Option<Driven>,
    state: Arc<State>,
    /// A second handle on the socket, to look whether anything arrived.
    peek: Stream,
    /// Set by a wake-up of the future or the connection: made once, used by every call.
    woken: Arc<Woken>,
    waker: Waker,
    /// Where the connection is: where a cancel request for it must go.
    endpoint: Endpoint,
    /// Set when a wait gave up ([`bounded`]) and no wait has ended since: the connection owes
    /// an answer nobody waits for, and its statement may still be running.
    abandoned: bool,
}

impl Inline {
    /// The host (or socket) this connection is on, of the URL's.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Whether a wait on this connection gave up ([`bounded`]) and none has ended since: its
    /// statement may still be running, and a connection lent to another request would make
    /// that one wait for it too.
    pub fn abandoned(&self) -> bool {
        self.abandoned
    }

    /// Runs `future` (requests of this connection's client) to its end on this thread, unless a
    /// wait for the server passes [`INLINE_WAIT`] inside [`bounded`] (or one did already).
    pub fn block_on<F: Future>(&mut self, future: F) -> std::result::Result<F::Output, Stalled> {
        if BOUND.get() == Bound::Stalled {
            return Err(Stalled);
        }
        let woken = Arc::clone(&self.woken);
        let waker = self.waker.clone();
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        // How the next turn's reads may use the socket.
        let mut reads = READS_SKIP;
        loop {
            woken.0.store(false, Ordering::SeqCst);
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                self.state.reads(READS_SKIP);
                self.abandoned = false;
                return Ok(out);
            }
            let Some(connection) = self.connection.as_mut() else {
                // Dropping the connection failed every request in flight: the future ends now.
                continue;
            };
            self.state.moved.store(false, Ordering::Relaxed);
            self.state.reads(reads);
            if let Poll::Ready(ended) = connection.as_mut().poll(&mut cx) {
                if let Err(err) = ended {
                    tracing::debug!("a PostgreSQL connection failed: {err}");
                }
                self.connection = None;
                continue;
            }
            if self.state.timed_out.swap(false, Ordering::Relaxed) && BOUND.get() == Bound::On {
                BOUND.set(Bound::Stalled);
                self.abandoned = true;
                self.state.reads(READS_SKIP);
                return Err(Stalled);
            }
            reads = READS_SKIP;
            // No byte moved and neither side woke the other (a request queued, an answer
            // delivered): only the server can move things on, by answering or, when what is
            // left to send did not fit the socket's buffer, by reading it. A server busy
            // sending is read from first; otherwise the next turn waits: for the answer, or
            // for room to send the rest. (Waiting to send while the server waits to send too
            // needs a large answer queued ahead of a large statement; these connections queue
            // only a snapshot's `COMMIT`.)
            if !self.state.moved.load(Ordering::Relaxed) && !woken.0.load(Ordering::SeqCst) {
                if !self.state.full.load(Ordering::Relaxed) {
                    reads = READS_WAIT_ONCE;
                } else if self.peek.readable() {
                    reads = READS_TAKE;
                } else {
                    self.state.write_waits.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// Starts `future` (a request of this connection's client) without sending it or waiting for
    /// its answer: it goes out ahead of the next request run through [`Self::block_on`] (or at
    /// [`Self::flush`]), in the same write, and its answer is read and dropped before that one's.
    pub fn queue<F: Future<Output = std::result::Result<(), tokio_postgres::Error>>>(
        &mut self,
        future: F,
    ) -> std::result::Result<(), tokio_postgres::Error> {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = std::pin::pin!(future);
        // Its first poll queues the request.
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(done) => done,
            Poll::Pending => Ok(()),
        }
    }

    /// Sends what is queued and takes in what has arrived, without waiting.
    pub fn flush(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        self.state.reads(READS_TAKE);
        if let Some(connection) = self.connection.as_mut()
            && connection.as_mut().poll(&mut cx).is_ready()
        {
            self.connection = None;
        }
        self.state.reads(READS_SKIP);
    }

    /// Takes in what the server sent while the connection sat idle, if anything: the answer of
    /// a statement sent without waiting, or a shutdown's notice and the end of the stream (the
    /// connection then ends, and its client says it is closed). Nothing is sent, and nothing
    /// waited for, unless something arrived.
    pub fn catch_up(&mut self) {
        if self.connection.is_some() && self.peek.readable() {
            self.flush();
        }
    }
}

/// Connects to the first host of `config`, in order, that answers within its connect timeout
/// (none: 10 s), completes the handshake and has the session `target_session_attrs` asks for
/// (as libpq and tokio-postgres: a host that fails is passed for the next); the connection
/// driven inline, over TCP with TLS as `tls` says (a unix socket never uses it), each host
/// sent its own password when `password_of` gives one for it (by its place in the URL's
/// hosts). The error is the last host's.
pub fn connect<'a>(
    config: &Config,
    tls: &MakeRustls,
    password_of: impl Fn(usize) -> Option<&'a str>,
) -> Result<(Client, Inline)> {
    let timeout = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(Duration::from_secs(10));
    let mut last = None;
    let mut endpoints: Vec<(usize, Endpoint)> = endpoints(config).enumerate().collect();
    if config.get_load_balance_hosts() == LoadBalanceHosts::Random {
        shuffle(&mut endpoints);
    }
    for (i, endpoint) in endpoints {
        // The host's own password, when the hosts' differ (`PgUrl::host_password`).
        let own = password_of(i).map(|password| {
            let mut config = config.clone();
            config.password(password);
            config
        });
        match connect_to(own.as_ref().unwrap_or(config), tls, &endpoint, timeout) {
            Ok(connected) => return Ok(connected),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| Error::Postgres {
        message: "error connecting to server: no host to connect to".to_string(),
    }))
}

/// `items` in a random order (Fisher–Yates), for `load_balance_hosts=random`: each connection
/// tries the hosts in an order of its own, as libpq and tokio-postgres do, so that a pool's
/// connections spread over them.
pub(crate) fn shuffle<T>(items: &mut [T]) {
    use std::hash::{BuildHasher as _, Hasher as _};
    // Each `RandomState` is seeded afresh: a random number without a generator crate.
    let random = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    for i in (1..items.len()).rev() {
        let j = usize::try_from(random() % (i as u64 + 1)).unwrap_or(0);
        items.swap(i, j);
    }
}

/// [`connect`] to one endpoint.
fn connect_to(
    config: &Config,
    tls: &MakeRustls,
    endpoint: &Endpoint,
    timeout: Duration,
) -> Result<(Client, Inline)> {
    let (stream, host) = open(endpoint, config, timeout)?;
    let state = Arc::new(State {
        reads: AtomicU8::new(READS_HANDSHAKE),
        moved: AtomicBool::new(false),
        full: AtomicBool::new(false),
        write_waits: AtomicBool::new(false),
        timed_out: AtomicBool::new(false),
    });
    let peek = stream.try_clone().map_err(io_error)?;
    // The handshake's waits for the server are each bounded by the connect timeout (one that
    // passes is a stalled handshake).
    peek.set_read_timeout(Some(timeout)).map_err(io_error)?;
    let socket = Socket {
        stream,
        state: Arc::clone(&state),
    };
    let handshake = match host {
        Some(host) if tls.enabled() => handshake(config, socket, tls.for_host(&host), &peek),
        _ => {
            let mut plain = config.clone();
            plain.ssl_mode(SslMode::Disable);
            handshake(&plain, socket, NoTls, &peek)
        }
    };
    let Some(connected) = handshake else {
        return Err(Error::Postgres {
            message: format!(
                "connecting failed: no answer within {} s",
                timeout.as_secs_f64()
            ),
        });
    };
    let (client, connection) = connected?;
    // From now on a wait for the server wakes every `INLINE_WAIT`: to give up inside
    // `bounded`, to wait again outside it.
    peek.set_read_timeout(Some(INLINE_WAIT)).map_err(io_error)?;
    state.reads(READS_SKIP);
    let woken = Arc::new(Woken(AtomicBool::new(false)));
    let mut inline = Inline {
        connection: Some(connection),
        state,
        peek,
        waker: Waker::from(Arc::clone(&woken)),
        woken,
        endpoint: endpoint.clone(),
        abandoned: false,
    };
    session_as_asked(config, &client, &mut inline, endpoint)?;
    Ok((client, inline))
}

/// Whether the session is what `target_session_attrs` asks for: `read-write` refuses a server
/// whose transactions are read-only (a hot standby), `read-only` one whose are not (as
/// tokio-postgres asks: `SHOW transaction_read_only`).
fn session_as_asked(
    config: &Config,
    client: &Client,
    inline: &mut Inline,
    endpoint: &Endpoint,
) -> Result<()> {
    let wanted = match config.get_target_session_attrs() {
        TargetSessionAttrs::ReadWrite => "off",
        TargetSessionAttrs::ReadOnly => "on",
        _ => return Ok(()),
    };
    let rows = inline.block_on(client.simple_query("SHOW transaction_read_only"))??;
    let read_only = rows.iter().find_map(|message| match message {
        SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
        _ => None,
    });
    if read_only.as_deref() == Some(wanted) {
        return Ok(());
    }
    Err(Error::Postgres {
        message: format!(
            "{endpoint}: {}",
            if wanted == "off" {
                "database does not allow writes (target_session_attrs=read-write)"
            } else {
                "database is not read only (target_session_attrs=read-only)"
            }
        ),
    })
}

/// The startup handshake on `socket`, with `tls`: turns until it ends, waiting on `peek` for
/// the server when a turn moved nothing; `None` when it stalled (a wait passed the socket's read
/// timeout before the server sent anything).
fn handshake<T>(
    config: &Config,
    socket: Socket,
    tls: T,
    peek: &Stream,
) -> Option<std::result::Result<(Client, Driven), tokio_postgres::Error>>
where
    T: tokio_postgres::tls::TlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let state = Arc::clone(&socket.state);
    let mut cx = Context::from_waker(Waker::noop());
    let mut connect = std::pin::pin!(config.connect_raw(socket, tls));
    loop {
        state.moved.store(false, Ordering::Relaxed);
        match connect.as_mut().poll(&mut cx) {
            Poll::Ready(connected) => {
                return Some(connected.map(|(client, connection)| {
                    let connection: Driven = Box::pin(connection);
                    (client, connection)
                }));
            }
            Poll::Pending if state.moved.load(Ordering::Relaxed) || peek.wait_readable() => {}
            Poll::Pending => return None,
        }
    }
}

#[expect(clippy::needless_pass_by_value, reason = "used as `map_err(io_error)`")]
fn io_error(err: io::Error) -> Error {
    Error::Postgres {
        message: format!("connecting failed: {err}"),
    }
}

/// Where `config` says the server listens, in order: a unix socket's path (`DIR/.s.PGSQL.PORT`),
/// or a TCP host (its `hostaddr` when one is given, as libpq and tokio-postgres connect) and
/// port, with the host's name (what TLS checks the certificate against). A port missing for a
/// host is the first one given, else 5432.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(std::path::PathBuf),
    Tcp {
        addr: String,
        port: u16,
        name: String,
    },
}

pub fn endpoints(config: &Config) -> impl Iterator<Item = Endpoint> + '_ {
    let ports = config.get_ports();
    let hostaddrs = config.get_hostaddrs();
    config.get_hosts().iter().enumerate().map(move |(i, host)| {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        match (hostaddrs.get(i), host) {
            (Some(addr), host) => Endpoint::Tcp {
                addr: addr.to_string(),
                port,
                name: match host {
                    Host::Tcp(name) => name.clone(),
                    Host::Unix(_) => addr.to_string(),
                },
            },
            (None, Host::Unix(dir)) => Endpoint::Unix(dir.join(format!(".s.PGSQL.{port}"))),
            (None, Host::Tcp(name)) => Endpoint::Tcp {
                addr: name.clone(),
                port,
                name: name.clone(),
            },
        }
    })
}

/// How long a statement sent to the server may stay unacknowledged by its machine before the
/// connection is given up, when the URL does not say (`tcp_user_timeout`). A worker waits inline
/// for its answer: without a bound, a database that vanished without closing its sockets (a
/// host gone, a network cut) would hold each worker that waits on it until the system gives up
/// on the connection, about a quarter of an hour. A statement that runs long is unaffected: the
/// server's machine acknowledges it at once.
const USER_TIMEOUT: Duration = Duration::from_secs(30);

/// The URL's TCP options on a socket to the server: `keepalives` (on by default) with
/// `keepalives_idle`/`_interval`/`_retries`, and `tcp_user_timeout` (else [`USER_TIMEOUT`]).
/// `tcp_user_timeout` in milliseconds (0: the system's default), the others in seconds, as
/// libpq reads them (`db::url` reads `tcp_user_timeout` and `keepalives_count` itself).
fn tcp_options(stream: &std::net::TcpStream, config: &Config) -> io::Result<()> {
    let socket = socket2::SockRef::from(stream);
    if config.get_keepalives() {
        let mut keepalive = socket2::TcpKeepalive::new().with_time(config.get_keepalives_idle());
        if let Some(interval) = config.get_keepalives_interval() {
            keepalive = keepalive.with_interval(interval);
        }
        if let Some(retries) = config.get_keepalives_retries() {
            keepalive = keepalive.with_retries(retries);
        }
        socket.set_tcp_keepalive(&keepalive)?;
    }
    socket.set_tcp_user_timeout(Some(
        config
            .get_tcp_user_timeout()
            .copied()
            .unwrap_or(USER_TIMEOUT),
    ))
}

/// A blocking socket to `endpoint`, with the host's name when it is a TCP one.
fn open(
    endpoint: &Endpoint,
    config: &Config,
    timeout: Duration,
) -> Result<(Stream, Option<String>)> {
    let stream = match endpoint {
        Endpoint::Unix(path) => std::os::unix::net::UnixStream::connect(path).map(Stream::Unix),
        Endpoint::Tcp { addr, port, .. } => {
            use std::net::ToSocketAddrs as _;
            (addr.as_str(), *port).to_socket_addrs().and_then(|addrs| {
                let mut last = None;
                for addr in addrs {
                    match std::net::TcpStream::connect_timeout(&addr, timeout) {
                        Ok(s) => {
                            s.set_nodelay(true)?;
                            tcp_options(&s, config)?;
                            return Ok(Stream::Tcp(s));
                        }
                        Err(err) => last = Some(err),
                    }
                }
                Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address")))
            })
        }
    };
    match stream {
        Ok(stream) => {
            let name = match endpoint {
                Endpoint::Unix(_) => None,
                Endpoint::Tcp { name, .. } => Some(name.clone()),
            };
            Ok((stream, name))
        }
        Err(err) => Err(Error::Postgres {
            message: format!("error connecting to server: {endpoint}: {err}"),
        }),
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "{}", path.display()),
            Endpoint::Tcp { addr, port, .. } => write!(f, "{addr}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With `load_balance_hosts=random` each connection tries the hosts in an order of its own:
    /// over sockets that do not exist, the one that fails last (whose error is returned) is
    /// either; without it, always the last listed.
    #[test]
    fn random_load_balancing_tries_the_hosts_in_an_order_of_each_connection() {
        let tls = MakeRustls::new(&crate::db::url::Tls::default()).unwrap();
        let last_tried = |extra: &str| {
            let config: Config = format!("host=/nonexistent/a,/nonexistent/b user=u {extra}")
                .parse()
                .unwrap();
            (0..64)
                .map(|_| match connect(&config, &tls, |_| None) {
                    Err(Error::Postgres { message }) => {
                        if message.contains("/nonexistent/a/") {
                            'a'
                        } else {
                            assert!(message.contains("/nonexistent/b/"), "{message}");
                            'b'
                        }
                    }
                    other => panic!("{:?}", other.map(|_| ())),
                })
                .collect::<std::collections::BTreeSet<char>>()
        };
        assert_eq!(last_tried(""), ['b'].into());
        assert_eq!(last_tried("load_balance_hosts=disable"), ['b'].into());
        assert_eq!(last_tried("load_balance_hosts=random"), ['a', 'b'].into());
    }

    /// A server that accepts and never answers stalls the handshake: the connection fails after
    /// the connect timeout, with TLS preferred or not, and does not hang.
    #[test]
    fn a_silent_server_fails_the_handshake_after_the_connect_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        for mode in [
            crate::db::url::SslMode::Disable,
            crate::db::url::SslMode::Prefer,
        ] {
            let config: Config = format!("host=127.0.0.1 port={port} user=u connect_timeout=1")
                .parse()
                .unwrap();
            let tls = MakeRustls::new(&crate::db::url::Tls {
                mode,
                ..Default::default()
            })
            .unwrap();
            let Err(err) = connect(&config, &tls, |_| None) else {
                panic!("a silent server connected ({mode:?})");
            };
            assert_eq!(
                err.to_string(),
                "postgresql: connecting failed: no answer within 1 s",
                "{mode:?}"
            );
        }
    }

    /// The URL's TCP options reach the server's sockets, and a socket is never left without a
    /// bound on unacknowledged data.
    #[test]
    fn tcp_options_come_from_the_url_with_a_user_timeout_by_default() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Read as `--db` reads a string: libpq's keywords, as libpq reads them.
        let socket = |url: &str| {
            let crate::db::url::DbUrl::Postgres(url) =
                crate::db::url::DbUrl::parse_in(url, &|_| None, &[]).unwrap()
            else {
                panic!("{url} is not PostgreSQL");
            };
            let config = url.config;
            let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            tcp_options(&stream, &config).unwrap();
            stream
        };
        let stream = socket("host=127.0.0.1");
        let s = socket2::SockRef::from(&stream);
        assert_eq!(s.tcp_user_timeout().unwrap(), Some(USER_TIMEOUT));
        assert!(s.keepalive().unwrap());
        assert_eq!(
            s.tcp_keepalive_time().unwrap(),
            Duration::from_secs(2 * 60 * 60)
        );
        // libpq's units: `tcp_user_timeout` in milliseconds, the keepalives in seconds; and
        // libpq's `keepalives_count` (tokio-postgres's `keepalives_retries`, also read).
        for retries in ["keepalives_count=3", "keepalives_retries=3"] {
            let stream = socket(&format!(
                "host=127.0.0.1 tcp_user_timeout=5500 keepalives_idle=60 keepalives_interval=10 \
                 {retries}"
            ));
            let s = socket2::SockRef::from(&stream);
            assert_eq!(
                s.tcp_user_timeout().unwrap(),
                Some(Duration::from_millis(5500))
            );
            assert_eq!(s.tcp_keepalive_time().unwrap(), Duration::from_secs(60));
            assert_eq!(s.tcp_keepalive_interval().unwrap(), Duration::from_secs(10));
            assert_eq!(s.tcp_keepalive_retries().unwrap(), 3);
        }
        // 0: the system's default, as libpq.
        let stream = socket("host=127.0.0.1 tcp_user_timeout=0");
        assert_eq!(
            socket2::SockRef::from(&stream).tcp_user_timeout().unwrap(),
            None
        );
        let stream = socket("host=127.0.0.1 keepalives=0");
        assert!(!socket2::SockRef::from(&stream).keepalive().unwrap());
    }
}
