//! The server's PostgreSQL connections: a deadpool pool of inline connections.
//!
//! deadpool keeps the count (at most `--pool-size` open), the idle connections and the queue of
//! reads waiting for one; [`Opener`] tells it how to open a connection ([`super::open_inline`])
//! and whether an idle one may be lent again (it is still open). The connections are inline
//! ones, driven by the thread that waits on them, not deadpool-postgres's clients, whose
//! connections run as tasks of a runtime: every round trip on those cost two wake-ups of
//! another thread (see [`super::inline`]).
//!
//! The store is synchronous, so the pool is used without a runtime: a read on a blocking thread
//! waits for a connection by parking the thread ([`Pool::take`], at most [`POOL_WAIT`]); one on
//! an async worker takes an idle connection ([`Pool::take_idle`]), or awaits one: given back,
//! or new, its handshake on a blocking thread, since a new server process's handshake must not
//! hold a worker ([`Pool::wait_idle`]: no thread held per waiting request).
//!
//! A connection given back with its snapshot's `COMMIT` unsent keeps its transaction (and the
//! locks and old row versions it holds) until that goes out: with the next user's statement
//! when the server is busy, else after [`FLUSH_AFTER`], sent by a thread of the pool's own.

use std::cell::Cell;
use std::pin::pin;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use deadpool::managed::{self, Metrics, PoolError, RecycleError, RecycleResult, Timeouts};

use super::super::url::PgUrl;
use super::super::{Error, Result};
use super::Conn;

/// How long a read waits for one of the `--pool-size` connections to be free.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// How long an idle connection may keep its snapshot's `COMMIT` unsent: the longest a `db
/// seed` waits for a server's idle connections to end their transactions.
const FLUSH_AFTER: Duration = Duration::from_millis(5);

/// A connection lent by the pool: it goes back when dropped (see [`Pool::give_back`]).
pub type Lent = managed::Object<Opener>;

/// How deadpool opens and checks the store's connections.
pub struct Opener {
    url: PgUrl,
    statement_timeout: Option<Duration>,
}

/// Why the pool gave no new connection.
pub enum NotOpened {
    /// Opening it failed.
    Failed(Error),
    /// The thread takes idle connections only ([`Pool::take_idle`]).
    IdleOnly,
}

/// How [`Opener::create`] opens a connection for the thread that asks deadpool for one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// On this thread: a blocking thread ([`Pool::take`]).
    Here,
    /// Not at all ([`Pool::take_idle`]: a poll that must not wait).
    Never,
    /// On a blocking thread, awaited by the async worker that asked ([`Pool::wait_idle`]),
    /// which keeps its place in the pool's count meanwhile.
    Aside,
}

thread_local! {
    /// Set while a poll of deadpool's wait runs on this thread ([`Asking`]).
    static OPENING: Cell<Opening> = const { Cell::new(Opening::Here) };
}

/// [`OPENING`] set while it lives: put back however the poll it spans ends.
struct Asking(Opening);

impl Asking {
    fn set(opening: Opening) -> Self {
        Asking(OPENING.replace(opening))
    }
}

impl Drop for Asking {
    fn drop(&mut self) {
        OPENING.set(self.0);
    }
}

impl managed::Manager for Opener {
    type Type = Box<Conn>;
    type Error = NotOpened;

    async fn create(&self) -> std::result::Result<Box<Conn>, NotOpened> {
        match OPENING.get() {
            Opening::Never => Err(NotOpened::IdleOnly),
            Opening::Here => super::open_inline(&self.url, self.statement_timeout)
                .map(Box::new)
                .map_err(NotOpened::Failed),
            Opening::Aside => {
                // The handshake waits for a new server process: never on an async worker.
                let (url, statement_timeout) = (self.url.clone(), self.statement_timeout);
                tokio::task::spawn_blocking(move || super::open_inline(&url, statement_timeout))
                    .await
                    .map_err(|err| {
                        NotOpened::Failed(Error::Postgres {
                            message: format!("opening a connection: {err}"),
                        })
                    })?
                    .map(Box::new)
                    .map_err(NotOpened::Failed)
            }
        }
    }

    /// An idle connection that the server closed (it restarted, or ended the session) is
    /// dropped, and the next one tried, or a new one opened in its place: no request fails for
    /// a connection it never used.
    async fn recycle(&self, conn: &mut Box<Conn>, _: &Metrics) -> RecycleResult<NotOpened> {
        if conn.still_open() {
            Ok(())
        } else {
            Err(RecycleError::message("closed while idle"))
        }
    }
}

/// At most `size` PostgreSQL connections, opened as needed; a read waits when all are in use.
pub struct Pool {
    deadpool: managed::Pool<Opener>,
    /// Wakes the flusher, started at the first connection given back with a statement unsent.
    flusher: OnceLock<Arc<Flusher>>,
}

/// The flusher thread's signal.
struct Flusher {
    signal: Mutex<FlushSignal>,
    wake: Condvar,
}

#[derive(Default)]
struct FlushSignal {
    /// A connection was given back with a statement unsent since the last flush.
    pending: bool,
    /// The pool is gone: the thread ends.
    closed: bool,
}

impl Pool {
    /// A pool of at most `size` connections to `url`, each with `statement_timeout`, holding
    /// one open connection: an unreachable database, or one without the league's tables, is an
    /// error now rather than at the first request.
    pub fn open(url: &PgUrl, size: usize, statement_timeout: Option<Duration>) -> Result<Self> {
        let size = size.max(1);
        let opener = Opener {
            url: url.clone(),
            statement_timeout,
        };
        let pool = managed::Pool::builder(opener)
            .max_size(size)
            // The most recently given back first: its server process is the warmest.
            .queue_mode(managed::QueueMode::Lifo)
            .build()
            .map_err(|err| Error::Postgres {
                message: format!("the connection pool: {err}"),
            })?;
        let pool = Pool {
            deadpool: pool,
            flusher: OnceLock::new(),
        };
        drop(pool.take()?);
        Ok(pool)
    }

    /// A connection: an idle one, else a new one while fewer than `--pool-size` are open, else the
    /// next one given back, waiting up to [`POOL_WAIT`] for it (then an error). Parks the
    /// calling thread: not for an async worker.
    pub fn take(&self) -> Result<Lent> {
        let deadline = Instant::now() + POOL_WAIT;
        match park_until(self.deadpool.get(), deadline) {
            Some(Ok(conn)) => Ok(conn),
            Some(Err(PoolError::Backend(NotOpened::Failed(err)))) => Err(err),
            Some(Err(_)) | None => Err(self.busy()),
        }
    }

    /// A new connection as [`Self::take`] gives, the idle ones closed first: after the server
    /// ended a pooled one, the others it lends may have been ended too.
    pub fn take_new(&self) -> Result<Lent> {
        drop(self.deadpool.retain(|_, _| false));
        self.take()
    }

    /// An idle connection of the pool, if one is open: never a new one, since opening one
    /// waits for the server's handshake (a new server process), which must not happen on an
    /// async worker, nor a wait for one given back.
    pub fn take_idle(&self) -> Option<Lent> {
        let _asking = Asking::set(Opening::Never);
        let now = Timeouts {
            wait: Some(Duration::ZERO),
            ..Timeouts::default()
        };
        // No wait, no new connection and a check that does not wait: the first poll decides.
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(self.deadpool.timeout_get(&now)).poll(&mut cx) {
            Poll::Ready(Ok(conn)) => Some(conn),
            Poll::Ready(Err(_)) | Poll::Pending => None,
        }
    }

    /// A connection for an async worker: an idle one, else a new one while fewer than
    /// `--pool-size` are open (its handshake on a blocking thread, awaited), else the next one
    /// given back. The wait holds no thread, and a request dropped meanwhile (its client gone,
    /// its timeout passed) leaves the queue. An error when none came within [`POOL_WAIT`], or
    /// opening one failed.
    ///
    /// Waiting here rather than on a blocking thread is what keeps a server with many more
    /// requests than connections serving: each waiting request held a parked thread, and every
    /// connection given back cost a thread's wake-up and a hand-off back to the worker. And a
    /// request that finds room opens a connection for itself while keeping its place in the
    /// pool's count: were it to give its place up and open on a blocking thread, every request
    /// that came meanwhile would find the same room and go there too.
    pub async fn wait_idle(&self) -> Result<Lent> {
        // `Opener::create` sees the flag only while a poll of deadpool's wait runs on this
        // thread: set around each one.
        let mut waiting = pin!(self.deadpool.get());
        let aside = std::future::poll_fn(|cx| {
            let _asking = Asking::set(Opening::Aside);
            waiting.as_mut().poll(cx)
        });
        match tokio::time::timeout(POOL_WAIT, aside).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(PoolError::Backend(NotOpened::Failed(err)))) => Err(err),
            Ok(Err(_)) | Err(_) => Err(self.busy()),
        }
    }

    /// The error of a read that found every connection in use for [`POOL_WAIT`].
    fn busy(&self) -> Error {
        Error::Postgres {
            message: format!(
                "all {} connections of the pool (--pool-size) stayed in use for {} s",
                self.deadpool.status().max_size,
                POOL_WAIT.as_secs()
            ),
        }
    }

    /// Returns a connection to the pool, or closes it when it is broken or busy with a
    /// statement nobody waits for any more.
    pub fn give_back(&self, conn: Lent) {
        if conn.is_closed() {
            return discard(conn);
        }
        // A statement nobody waits for any more (a read gave up, and was not run again on it)
        // may hold the connection for as long as its lock wait: it is stopped, and the
        // connection closed.
        if conn.abandoned() {
            if let Some(target) = conn.cancel_target() {
                super::cancel(target, self.url());
            }
            return discard(conn);
        }
        conn.end_snapshot();
        let unsent = conn.unsent();
        drop(conn);
        if unsent {
            self.flush_soon();
        }
    }

    /// The database the connections go to (and their cancel requests).
    pub fn url(&self) -> &PgUrl {
        &self.deadpool.manager().url
    }

    /// How many connections are open, idle or lent.
    pub fn open_count(&self) -> usize {
        self.deadpool.status().size
    }

    /// Notes that an idle connection holds an unsent statement, starting the flusher first.
    fn flush_soon(&self) {
        let flusher = self.flusher.get_or_init(|| {
            let flusher = Arc::new(Flusher {
                signal: Mutex::new(FlushSignal::default()),
                wake: Condvar::new(),
            });
            let pool = self.deadpool.weak();
            let signal = Arc::clone(&flusher);
            let started = std::thread::Builder::new()
                .name("pg-flush".to_string())
                .spawn(move || flush_idle(&pool, &signal));
            if let Err(err) = started {
                // Unsent statements then go out with their connection's next statement only.
                tracing::warn!("the PostgreSQL pool's flusher did not start: {err}");
            }
            flusher
        });
        let mut signal = flusher
            .signal
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !signal.pending {
            signal.pending = true;
            drop(signal);
            flusher.wake.notify_one();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(flusher) = self.flusher.get() {
            flusher
                .signal
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .closed = true;
            flusher.wake.notify_one();
        }
    }
}

/// Closes a lent connection instead of giving it back: the pool counts it out, and may open
/// another in its place.
pub fn discard(conn: Lent) {
    drop(managed::Object::take(conn));
}

/// The flusher's loop: once a connection is given back with a statement unsent, waits
/// [`FLUSH_AFTER`] (a busy server sends it with its next statement meanwhile), then sends
/// those of every idle connection.
fn flush_idle(pool: &managed::WeakPool<Opener>, flusher: &Flusher) {
    loop {
        let mut signal = flusher
            .signal
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !signal.pending && !signal.closed {
            signal = flusher
                .wake
                .wait(signal)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if signal.closed {
            return;
        }
        drop(signal);
        std::thread::sleep(FLUSH_AFTER);
        flusher
            .signal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pending = false;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        pool.retain(|conn, _| {
            if conn.unsent() {
                conn.flush();
            }
            true
        });
    }
}

/// Wakes a parked thread.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` on this thread, parked while it waits, until `deadline`: `None` if it had not
/// ended by then (it is dropped: deadpool's waits may be given up at any point).
fn park_until<F: Future>(future: F, deadline: Instant) -> Option<F::Output> {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return Some(out);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::park_timeout(deadline - now);
    }
}
