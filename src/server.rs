//! The HTTP server: hyper connections on per-core threads, `POST /graphql` answered by
//! [`graphql::Api`] and the rest by an axum router, nothing else.
//!
//! `POST /graphql` takes the tutorial's JSON body and answers like its Flask server: 200 with
//! `data` (and `errors`), or 400 with only `errors` when the body, the document or its variables
//! are invalid. `GET /graphql?query=…` runs a query the same way (GraphQL over HTTP; never a
//! mutation: 405). The answer is `application/graphql-response+json` to a client that accepts it
//! (and not `application/json` more), else `application/json`; the status codes are the same.
//! A browser (`Accept: text/html`) gets GraphiQL on `GET /graphql` (and `GET /`), and
//! `GET /graphiql/…` its assets, embedded in the binary (`server/graphiql.rs`). `GET /healthz`
//! says whether requests can be decided now.

mod graphiql;

use std::cell::Cell;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest as _, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use std::sync::Arc;

use axum::http::HeaderMap;

use crate::decision_log::DecisionLog;
use crate::graphql::{Api, Record, Viewer};
use crate::identity::Presented;

/// Decides who a request is from its credential headers. `enforce::Gate` implements it from
/// `policies.toml`; a refusal is never answered with anonymous access.
pub trait Authenticate: Send + Sync + 'static {
    /// The viewer, decided without waiting for a database connection (this runs on an async
    /// worker): [`Refusal::Busy`] when it would have to wait.
    fn viewer(&self, presented: Presented<'_>) -> Result<Viewer, Refusal>;

    /// [`Self::viewer`] after [`Refusal::Busy`]: waits for a database connection without
    /// holding a thread, then decides as [`Self::viewer`] does; [`Refusal::Busy`] again (the
    /// default) sends the decision to a blocking thread ([`Self::viewer_waiting`]).
    fn viewer_held<'a>(
        &'a self,
        _presented: Presented<'a>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Viewer, Refusal>> + Send + 'a>> {
        Box::pin(std::future::ready(Err(Refusal::Busy)))
    }

    /// [`Self::viewer`], waiting for a connection if need be: run on a blocking thread.
    fn viewer_waiting(&self, presented: Presented<'_>) -> Result<Viewer, Refusal> {
        self.viewer(presented)
    }

    /// Whether [`Presented::peer`] is read: the address is looked up only then.
    fn wants_peer(&self) -> bool {
        false
    }

    /// Whether requests can be decided now (`GET /healthz`); when not, the authenticator logs
    /// why. May wait for a database connection: run on a blocking thread.
    fn ready(&self) -> bool;
}

/// Why a request gets no viewer.
#[derive(Debug)]
pub enum Refusal {
    /// The credentials are refused, for this reason: HTTP 401.
    Credentials(Box<dyn std::error::Error + Send + Sync>),
    /// The request's access could not be decided (its policies could not be evaluated against
    /// the database): HTTP 500, and nothing is read. The authenticator logs why.
    Undecidable,
    /// Deciding needs a database connection and every one is in use, or the database was slow
    /// to answer: decided again once a connection is free ([`Authenticate::viewer_held`]), or
    /// on a blocking thread, where waiting harms no other request.
    Busy,
}

/// What every handler shares, behind one `Arc` ([`Shared`]): a request's future then holds a
/// pointer rather than the state's copy, and is moved that much less on its way into its task.
struct AppState {
    api: Api,
    auth: Arc<dyn Authenticate>,
    bounds: Bounds,
    /// `--decision-log`: one line per request to `/graphql`.
    decisions: Option<Arc<DecisionLog>>,
}

/// The handlers' state.
type Shared = Arc<AppState>;

/// The largest request body accepted; larger ones get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What can go wrong running the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on `{addr}`")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start a server thread")]
    Thread(#[source] std::io::Error),
    #[error("server failed")]
    Serve(#[source] std::io::Error),
}

/// Binds `addr` (port 0 picks a free port; read it back with `local_addr`).
pub fn bind(addr: &str) -> Result<std::net::TcpListener, Error> {
    let bind_error = |source| Error::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = std::net::TcpListener::bind(addr).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    Ok(listener)
}

/// The routes. The request log is a layer only when it is on (`-v`): off, it would still time
/// and copy every request for nothing.
fn router(state: Shared, log: bool) -> Router {
    let router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .route("/", get(graphiql::page))
        .route("/graphiql/{name}", get(graphiql::asset))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let router = if log {
        router.layer(middleware::from_fn(log_request))
    } else {
        router
    };
    router.with_state(state)
}

/// What every connection runs: `POST /graphql` straight to [`graphql`], everything else through
/// the router. Routing, its layers and its boxed futures were 5% of the instructions of a small
/// query. With the request log on, every request takes the router, whose layer writes the log.
#[derive(Clone)]
struct Endpoint {
    router: hyper_util::service::TowerToHyperService<Router>,
    /// Set when `POST /graphql` skips the router.
    direct: Option<Shared>,
    /// Whether requests carry their client's address (a [`Peer`]) to the gate: only when the
    /// policies read it (`$context.ip`).
    peer: bool,
}

/// The address of a request's client, in its extensions when the gate wants it.
#[derive(Debug, Clone, Copy)]
struct Peer(std::net::IpAddr);

type Answer = std::pin::Pin<
    Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send + 'static>,
>;

impl Endpoint {
    fn new(
        api: Api,
        auth: Arc<dyn Authenticate>,
        bounds: Bounds,
        decisions: Option<Arc<DecisionLog>>,
    ) -> Self {
        let state = Arc::new(AppState {
            api,
            auth,
            bounds,
            decisions,
        });
        let log = tracing::enabled!(tracing::Level::INFO);
        let peer = state.auth.wants_peer();
        Endpoint {
            peer,
            router: hyper_util::service::TowerToHyperService::new(router(Arc::clone(&state), log)),
            direct: (!log).then_some(state),
        }
    }
}

impl hyper::service::Service<Request<hyper::body::Incoming>> for Endpoint {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Answer;

    fn call(&self, request: Request<hyper::body::Incoming>) -> Answer {
        if let Some(response) = without_one_host(&request) {
            return Box::pin(async move { Ok(response) });
        }
        match &self.direct {
            Some(state)
                if request.method() == axum::http::Method::POST
                    && request.uri().path() == "/graphql" =>
            {
                let state = Arc::clone(state);
                // Outside the router its `DefaultBodyLimit` layer does not apply: `Limited` bounds
                // the body instead, and `Bytes::from_request` answers its error with the same 413.
                let request = request.map(|body| {
                    axum::body::Body::new(http_body_util::Limited::new(body, BODY_LIMIT))
                });
                // Without the decision log, straight to the handler: each async layer between
                // would copy the request and its future once more.
                if state.decisions.is_none() {
                    Box::pin(async move { Ok(post_answer(state, request).await) })
                } else {
                    Box::pin(async move { Ok(graphql(State(state), request).await) })
                }
            }
            _ => Box::pin(self.router.call(request)),
        }
    }
}

/// The 400 an HTTP/1.1 request without exactly one `Host` field gets (RFC 9112 §3.2: "A server
/// MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks
/// a Host header field and to any request message that contains more than one Host header
/// field"). hyper leaves this to the server. HTTP/1.0 has no `Host` to require.
fn without_one_host<B>(request: &Request<B>) -> Option<Response> {
    let hosts = request.headers().get_all(header::HOST).iter().count();
    let required = request.version() >= axum::http::Version::HTTP_11;
    if hosts > 1 || (required && hosts == 0) {
        let message = if hosts > 1 {
            "the request has more than one Host header"
        } else {
            "an HTTP/1.1 request needs a Host header"
        };
        return Some(refuse(
            Media::Json,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            message,
        ));
    }
    None
}

/// How long a client may take and how many may be connected: `quidditch serve`'s flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// A request's execution past this is cancelled and answered 504.
    pub request_timeout: Duration,
    /// From a connection's start, or a request's first byte, to the end of its head.
    pub header_timeout: Duration,
    /// Reading a request's body, from the end of its head; past it the answer is 408.
    pub body_timeout: Duration,
    /// A connection with no request for this long is closed.
    pub idle_timeout: Duration,
    /// A connection whose answer the client has not taken any of for this long (the socket's
    /// send buffer stays full) is closed.
    pub write_timeout: Duration,
    /// Connections open at once; past it new ones wait in the listen queue.
    pub max_connections: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Serves on `listener` with `workers` threads until `shutdown` completes, then finishes the
/// requests in flight.
///
/// Each worker thread runs its own single-threaded runtime, and a connection stays on the thread
/// that serves it (actix-web's model). With tokio's work-stealing runtime, handing tasks and
/// wakeups between threads cost about a tenth of the server's CPU per request under load on two
/// cores. The calling thread only accepts connections (and waits for `shutdown`): accepting never
/// waits behind a running query. It deals the connections out in turn, so each worker serves as
/// many: when every thread accepted for itself, one that woke first took a whole burst of new
/// connections, and a client's 16 connections could land 14 on one core and 2 on the other. A
/// worker that has not yet taken the last connection dealt to it, or has been inside one step of
/// a request for [`STUCK_MS`], is busy and passed over while another is free. Reads that may take
/// long leave the worker (`graphql::blocking`), so a slow list does not hold up the thread's
/// other connections. Every connection is bounded by the timeouts of `bounds` and counted
/// against its `max_connections`.
pub fn serve(
    listener: std::net::TcpListener,
    workers: usize,
    api: Api,
    auth: Arc<dyn Authenticate>,
    bounds: Bounds,
    decisions: Option<Arc<DecisionLog>>,
    shutdown: impl Future<Output = ()> + 'static,
) -> Result<(), Error> {
    let app = Endpoint::new(api, auth, bounds, decisions);
    let epoch = Instant::now();
    let mut threads = Vec::new();
    let mut inboxes = Vec::new();
    for n in 0..workers.max(1) {
        let (hand, inbox) = tokio::sync::mpsc::unbounded_channel();
        let load = Arc::new(Load {
            waiting: AtomicUsize::new(0),
            answering_since: AtomicU64::new(0),
            epoch,
        });
        inboxes.push(Worker {
            hand,
            load: Arc::clone(&load),
        });
        let app = app.clone();
        let thread = std::thread::Builder::new()
            .name(format!("serve-{n}"))
            .spawn(move || worker(inbox, &load, &app, bounds))
            .map_err(Error::Thread)?;
        threads.push(thread);
    }
    // When accepting ends, the inboxes close and every worker finishes its connections.
    let mut result = accept(listener, inboxes, bounds.max_connections, shutdown);
    for thread in threads {
        let outcome = thread.join().unwrap_or_else(|_| {
            Err(Error::Serve(std::io::Error::other(
                "a server thread panicked",
            )))
        });
        result = result.and(outcome);
    }
    result
}

/// A connection on its way to a worker, with its place among the open connections.
type Dealt = (std::net::TcpStream, OwnedSemaphorePermit);

/// The acceptor's handle on a worker.
struct Worker {
    hand: tokio::sync::mpsc::UnboundedSender<Dealt>,
    load: Arc<Load>,
}

/// How busy a worker is, as the acceptor sees it.
struct Load {
    /// Connections dealt to the worker that it has not taken yet.
    waiting: AtomicUsize,
    /// While the worker is inside a step of a request (its synchronous work: parsing,
    /// validation, limits, resolvers), when that step began, in milliseconds since `epoch`
    /// plus one; 0 between steps.
    answering_since: AtomicU64,
    epoch: Instant,
}

/// A worker inside one step of a request for this many milliseconds is stuck: its
/// connections wait.
const STUCK_MS: u64 = 20;

impl Load {
    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }

    /// Whether the worker can take a connection now: it has taken the ones dealt to it, and is
    /// not stuck in a step of a request.
    fn free(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) == 0 && !self.stuck()
    }

    fn stuck(&self) -> bool {
        let since = self.answering_since.load(Ordering::Relaxed);
        since != 0 && self.millis().saturating_sub(since) >= STUCK_MS
    }
}

/// Accepts connections on the calling thread until `shutdown` completes, at most `max` open at
/// once, and deals them to `workers`. The listener is closed when it returns.
fn accept(
    listener: std::net::TcpListener,
    workers: Vec<Worker>,
    max: usize,
    shutdown: impl Future<Output = ()> + 'static,
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Thread)?;
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).map_err(Error::Serve)?;
        let slots = Arc::new(Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS)));
        let mut shutdown = std::pin::pin!(shutdown);
        let mut turn = 0;
        loop {
            // At the cap, new connections wait in the kernel's listen queue until one closes.
            let slot = tokio::select! {
                slot = Arc::clone(&slots).acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => return Ok(()),
                },
                () = &mut shutdown => return Ok(()),
            };
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        accept_failed(&err).await;
                        continue;
                    }
                },
                () = &mut shutdown => return Ok(()),
            };
            let stream = match stream.into_std() {
                Ok(stream) => stream,
                Err(err) => {
                    tracing::error!("cannot hand a connection over: {err}");
                    continue;
                }
            };
            let mut dealt = (stream, slot);
            // The next worker in turn that is free, or the next in turn when none is. One that
            // cannot take it (it stopped) leaves the connection to the others.
            for _ in 0..workers.len() {
                turn = next(&workers, turn);
                let Some(worker) = workers.get(turn) else {
                    break;
                };
                worker.load.waiting.fetch_add(1, Ordering::Relaxed);
                match worker.hand.send(dealt) {
                    Ok(()) => break,
                    Err(refused) => {
                        worker.load.waiting.fetch_sub(1, Ordering::Relaxed);
                        dealt = refused.0;
                    }
                }
            }
        }
    })
}

/// The worker to deal the next connection to, after `turn`: the first free one in turn order,
/// else the first that is not stuck (a burst of connections keeps every worker's inbox busy),
/// else simply the next one.
fn next(workers: &[Worker], turn: usize) -> usize {
    let n = workers.len().max(1);
    let order = || (1..=n).map(move |step| (turn + step) % n);
    let pick =
        |test: fn(&Load) -> bool| order().find(|&i| workers.get(i).is_some_and(|w| test(&w.load)));
    pick(Load::free)
        .or_else(|| pick(|load| !load.stuck()))
        .unwrap_or((turn + 1) % n)
}

/// One worker: serves the connections dealt to it on a runtime of the current thread until the
/// acceptor stops, then finishes them.
fn worker(
    mut inbox: tokio::sync::mpsc::UnboundedReceiver<Dealt>,
    load: &Arc<Load>,
    app: &Endpoint,
    bounds: Bounds,
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Thread)?;
    runtime.block_on(async move {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async move {
                let connections = Connections::default();
                while let Some((stream, slot)) = inbox.recv().await {
                    load.waiting.fetch_sub(1, Ordering::Relaxed);
                    match TcpStream::from_std(stream) {
                        Ok(stream) => connections.serve(stream, slot, app, load, bounds),
                        Err(err) => tracing::error!("cannot serve a connection: {err}"),
                    }
                }
                connections.close().await;
                Ok(())
            })
            .await
    })
}

/// The connections of one worker: each served as HTTP/1.1 on its own task, told to finish when
/// the server stops, and waited for.
struct Connections {
    /// Connections watch it to start their graceful shutdown.
    draining: tokio::sync::watch::Sender<()>,
    /// Each connection holds a clone of `open`; `all_closed` completes when the last is gone.
    all_closed: tokio::sync::watch::Sender<()>,
    open: tokio::sync::watch::Receiver<()>,
}

impl Default for Connections {
    fn default() -> Self {
        let (all_closed, open) = tokio::sync::watch::channel(());
        Connections {
            draining: tokio::sync::watch::channel(()).0,
            all_closed,
            open,
        }
    }
}

impl Connections {
    /// Serves `stream` on a task of this thread, within the header and idle timeouts of
    /// `bounds`; `slot` is given back when the connection closes.
    fn serve(
        &self,
        stream: TcpStream,
        slot: OwnedSemaphorePermit,
        app: &Endpoint,
        load: &Arc<Load>,
        bounds: Bounds,
    ) {
        let watch = Rc::new(Watch {
            phase: Cell::new(Phase::Head(Instant::now())),
            stalled: Cell::new(None),
            load: Arc::clone(load),
        });
        let service = Watching {
            peer: if app.peer {
                stream.peer_addr().ok().map(|a| a.ip())
            } else {
                None
            },
            app: app.clone(),
            watch: Rc::clone(&watch),
        };
        let mut draining = self.draining.subscribe();
        // Whether the worker has said to drain, read without polling `draining`.
        let probe = self.draining.subscribe();
        let open = self.open.clone();
        tokio::task::spawn_local(async move {
            let io = hyper_util::rt::TokioIo::new(Watched {
                io: stream,
                watch: Rc::clone(&watch),
            });
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
            let mut conn = std::pin::pin!(conn);
            let alarm = tokio::time::sleep(
                bounds
                    .header_timeout
                    .min(bounds.idle_timeout)
                    .min(bounds.write_timeout),
            );
            let mut alarm = std::pin::pin!(alarm);
            let mut drain = std::pin::pin!(async move { draining.changed().await });
            let mut drained = false;
            // The waker the alarm and the drain hold from their last poll. While the task's
            // waker is that one, they are polled again only when they may be ready (the alarm
            // has fired, the worker has said to drain) rather than at every wake-up of the
            // connection: that was a tenth of a microsecond per request.
            let mut registered: Option<Waker> = None;
            std::future::poll_fn(|cx| {
                loop {
                    // A failed connection (the peer went away mid-request) concerns that peer
                    // only.
                    if conn.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(());
                    }
                    let fresh = !registered
                        .as_ref()
                        .is_some_and(|waker| waker.will_wake(cx.waker()));
                    if (fresh || alarm.is_elapsed()) && alarm.as_mut().poll(cx).is_ready() {
                        match watch.check(&bounds, Instant::now()) {
                            // Dropping the connection closes its socket.
                            Check::Expired => return Poll::Ready(()),
                            Check::Again(at) => {
                                alarm.as_mut().reset(at.into());
                                registered = None;
                                continue;
                            }
                        }
                    }
                    if !drained
                        && (fresh || probe.has_changed().unwrap_or(true))
                        && drain.as_mut().poll(cx).is_ready()
                    {
                        drained = true;
                        conn.as_mut().graceful_shutdown();
                        continue;
                    }
                    // Out of its budget, the task's timer (or channel) may have asked to be
                    // polled again rather than registered its waker: then it is, next time.
                    if !tokio::task::coop::has_budget_remaining() {
                        registered = None;
                    } else if fresh {
                        registered = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
            })
            .await;
            drop(slot);
            drop(open);
        });
    }

    /// Tells every connection to finish its request in flight, and waits until all have closed.
    async fn close(self) {
        let _ = self.draining.send(());
        drop(self.open);
        self.all_closed.closed().await;
    }
}

/// Where a connection is, for its timeouts. Only the connection's own task touches it.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Reading a request's head since then (or waiting for the first, since the connection
    /// opened): the header timeout runs.
    Head(Instant),
    /// Answering a request: the handler's body and request timeouts apply.
    Busy,
    /// Waiting for the next request since the last answer: the idle timeout runs.
    Idle(Instant),
}

struct Watch {
    phase: Cell<Phase>,
    /// Since when a write to the client has waited for room in the socket's send buffer (the
    /// client reads nothing); `None` while writes go through. The write timeout runs on it.
    stalled: Cell<Option<Instant>>,
    /// The worker's, to tell the acceptor when a request step runs long.
    load: Arc<Load>,
}

/// What a connection's alarm found.
enum Check {
    /// A timeout has passed: close the connection.
    Expired,
    /// Look again then.
    Again(Instant),
}

impl Watch {
    /// Whether a timeout has passed at `now`, or else when to look again: the earliest moment a
    /// timeout could pass, whatever happens meanwhile. A phase that begins after `now` expires
    /// one of its timeouts after it at the earliest: a request that begins on an idle connection
    /// has until `now` + the header timeout, a connection that turns idle until `now` + the idle
    /// timeout, a write that stalls from now on until `now` + the write timeout. A stalled write
    /// expires whatever the phase: the answer is ready, or hyper is still writing it out.
    fn check(&self, bounds: &Bounds, now: Instant) -> Check {
        let (at, next) = match self.phase.get() {
            Phase::Head(since) => (
                Some(since + bounds.header_timeout),
                now + bounds.idle_timeout,
            ),
            Phase::Idle(since) => (
                Some(since + bounds.idle_timeout),
                now + bounds.header_timeout,
            ),
            Phase::Busy => (None, now + bounds.header_timeout.min(bounds.idle_timeout)),
        };
        let stalled = self.stalled.get().map(|since| since + bounds.write_timeout);
        let at = match (at, stalled) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let next = next.min(now + bounds.write_timeout);
        match at {
            Some(at) if at <= now => Check::Expired,
            Some(at) => Check::Again(at.min(next)),
            None => Check::Again(next),
        }
    }

    /// A write went through (`Ready`) or waits for the client to read (`Pending`).
    fn wrote<T>(&self, polled: &Poll<T>) {
        match polled {
            Poll::Pending => {
                if self.stalled.get().is_none() {
                    self.stalled.set(Some(Instant::now()));
                }
            }
            Poll::Ready(_) => self.stalled.set(None),
        }
    }

    /// Bytes arrived: after an idle spell, they are the head of a new request.
    fn read(&self) {
        if let Phase::Idle(_) = self.phase.get() {
            self.phase.set(Phase::Head(Instant::now()));
        }
    }
}

/// A connection's socket, telling its [`Watch`] when a request's first bytes arrive and when
/// writing the answer stalls.
struct Watched {
    io: TcpStream,
    watch: Rc<Watch>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.watch.read();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch.wrote(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watch.wrote(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A connection's service: the shared [`Endpoint`], marking the connection busy while it answers.
struct Watching {
    app: Endpoint,
    watch: Rc<Watch>,
    /// The client's address, when the gate reads it.
    peer: Option<std::net::IpAddr>,
}

impl hyper::service::Service<Request<hyper::body::Incoming>> for Watching {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Tracked;

    fn call(&self, mut request: Request<hyper::body::Incoming>) -> Tracked {
        self.watch.phase.set(Phase::Busy);
        if let Some(ip) = self.peer {
            request.extensions_mut().insert(Peer(ip));
        }
        Tracked {
            answer: self.app.call(request),
            watch: Rc::clone(&self.watch),
        }
    }
}

/// An answer that leaves its connection idle when it is ready.
struct Tracked {
    answer: Answer,
    watch: Rc<Watch>,
}

impl Future for Tracked {
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let load = &self.watch.load;
        load.answering_since.store(load.millis(), Ordering::Relaxed);
        let polled = self.answer.as_mut().poll(cx);
        self.watch.load.answering_since.store(0, Ordering::Relaxed);
        if polled.is_ready() {
            self.watch.phase.set(Phase::Idle(Instant::now()));
        }
        polled
    }
}

/// An accept that failed: a connection that went away before it was accepted is skipped; any
/// other error (out of file descriptors, say) is logged and waited out for a second, as hyper
/// and axum do, rather than spinning.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("cannot accept a connection: {err}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// The bound address, as a URL of the GraphQL endpoint.
pub fn endpoint_url(addr: SocketAddr) -> String {
    format!("http://{addr}/graphql")
}

/// The admin secret's header.
static ADMIN_SECRET: header::HeaderName =
    header::HeaderName::from_static("x-quidditch-admin-secret");
/// The header naming the user the admin secret acts as.
static USER: header::HeaderName = header::HeaderName::from_static("x-quidditch-user");

/// The value of header `name` when it came once. A second one is recorded in `repeated`: which of
/// two credentials the client meant cannot be known, so the request is refused. (A
/// [`header::HeaderName`] rather than text: `HeaderMap` would parse text on every lookup.)
fn single<'a>(
    headers: &'a HeaderMap,
    name: &'static header::HeaderName,
    repeated: &mut Option<&'static str>,
) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        repeated.get_or_insert(name.as_str());
    }
    Some(first.to_str().unwrap_or("\u{fffd}"))
}

/// Whether the request's one `Content-Type` is `application/json`, with any parameters but a
/// `charset` other than UTF-8. Anything else is refused with 415 (GraphQL over HTTP): a form
/// or `text/plain` POST is what a cross-site page can send without a preflight, and it must not
/// run a query (Apollo's CSRF prevention).
fn is_json(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::CONTENT_TYPE).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    // What nearly every client sends, decided without parsing it.
    if value.as_bytes().eq_ignore_ascii_case(b"application/json") {
        return true;
    }
    let Ok(value) = value.to_str() else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|param| match param.split_once('=') {
            Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => {
                let charset = charset.trim().trim_matches('"');
                charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
            }
            _ => true,
        })
}

/// A GraphQL error answer: `{"errors": [{message, extensions: {code}}]}` with `status`, as
/// `media`.
fn refuse(media: Media, status: StatusCode, code: &'static str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    let mut response = media.respond(status, body.to_string());
    // For the decision log: why the request did not run.
    response.extensions_mut().insert(Refused(code));
    response
}

/// The code of a refusal, in its response's extensions.
#[derive(Debug, Clone, Copy)]
struct Refused(&'static str);

/// The error codes of an executed request's answer, in its response's extensions when the
/// decision log is on.
#[derive(Debug, Clone)]
struct ErrorCodes(Vec<(String, String)>);

/// What the decision log learns of a request while it is answered: in the request's extensions
/// when the log is on, filled in by [`authenticate`].
#[derive(Clone, Default)]
struct Noted(Arc<std::sync::Mutex<Note>>);

#[derive(Default)]
struct Note {
    viewer: Option<Viewer>,
    record: Option<Arc<std::sync::Mutex<Record>>>,
}

/// Answers `request` with `handler`, and writes its decision log line when the log is on.
async fn logged<F, Fut>(state: Shared, mut request: Request, handler: F) -> Response
where
    F: FnOnce(Shared, Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let Some(log) = state.decisions.clone() else {
        return handler(state, request).await;
    };
    let started = Instant::now();
    let noted = Noted::default();
    request.extensions_mut().insert(noted.clone());
    let response = handler(state, request).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    let note = noted
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let line = match (&note.viewer, response.extensions().get::<Refused>()) {
        (viewer, Some(Refused(code))) => {
            crate::decision_log::refused(viewer.as_ref(), status, code, latency)
        }
        (Some(viewer), None) => {
            let record = note.record.as_ref().map_or_else(Record::default, |record| {
                record
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone()
            });
            let codes = response
                .extensions()
                .get::<ErrorCodes>()
                .map_or(&[][..], |codes| &codes.0[..]);
            crate::decision_log::line(viewer, &record, status, codes, latency)
        }
        (None, None) => crate::decision_log::refused(None, status, "BAD_REQUEST", latency),
    };
    drop(note);
    log.write(&line);
    response
}

/// What `/graphql` answers in, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/json`: the tutorial's answers. Also when `Accept` is missing or names
    /// nothing the server has (GraphQL over HTTP allows either).
    Json,
    /// `application/graphql-response+json` (GraphQL over HTTP).
    GraphqlResponse,
    /// GraphiQL, to a browser's `GET`.
    Html,
}

impl Media {
    /// The `Content-Type` of an answer in this media type. Made at compile time: built from text
    /// for every answer, the header (checked byte by byte, then hashed into a new map) was a
    /// tenth of a microsecond.
    fn content_type(self) -> header::HeaderValue {
        const JSON: header::HeaderValue = header::HeaderValue::from_static("application/json");
        const GRAPHQL_RESPONSE: header::HeaderValue =
            header::HeaderValue::from_static("application/graphql-response+json");
        const HTML: header::HeaderValue =
            header::HeaderValue::from_static("text/html; charset=utf-8");
        match self {
            Media::Json => JSON,
            Media::GraphqlResponse => GRAPHQL_RESPONSE,
            Media::Html => HTML,
        }
    }

    /// An answer with `status` and `body` in this media type.
    fn respond(self, status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
        let mut response = Response::new(body.into());
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, self.content_type());
        response
    }

    /// The media type's `type/subtype`.
    fn essence(self) -> (&'static str, &'static str) {
        match self {
            Media::Json => ("application", "json"),
            Media::GraphqlResponse => ("application", "graphql-response+json"),
            Media::Html => ("text", "html"),
        }
    }
}

/// The media type to answer in: of those on offer (`html` too for a GET), the one `Accept`
/// prefers by quality (each judged by the most specific range naming it, RFC 9110; `q=0`
/// refuses it); on a tie, one named exactly over one matched by a wildcard, then
/// `application/graphql-response+json` over `application/json` when both are named, and
/// `application/json` for a wildcard (`*/*`) — HTML only ever by name or quality. No `Accept`,
/// or none on offer acceptable, is `application/json`.
fn negotiate(headers: &HeaderMap, html: bool) -> Media {
    let ranges: Vec<(&str, &str, u16)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(media_range)
        .collect();
    let offers: &[Media] = if html {
        &[Media::GraphqlResponse, Media::Json, Media::Html]
    } else {
        &[Media::GraphqlResponse, Media::Json]
    };
    offers
        .iter()
        .filter_map(|&media| {
            let (kind, sub) = media.essence();
            let (specificity, quality) = ranges
                .iter()
                .filter_map(|&(k, s, q)| {
                    let specificity = match (k, s) {
                        ("*", "*") => 0u8,
                        (k, "*") if k.eq_ignore_ascii_case(kind) => 1,
                        (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) => 2,
                        _ => return None,
                    };
                    Some((specificity, q))
                })
                .max()?;
            let tie = match (media, specificity) {
                (Media::Html, _) => 0u8,
                (Media::GraphqlResponse, 2) | (Media::Json, 0 | 1) => 2,
                _ => 1,
            };
            (quality > 0).then_some(((quality, specificity, tie), media))
        })
        .max_by_key(|&(rank, _)| rank)
        .map_or(Media::Json, |(_, media)| media)
}

/// One range of `Accept` (`type/subtype;q=0.5`): its type, subtype and quality in thousandths.
/// A range that does not parse is skipped.
fn media_range(range: &str) -> Option<(&str, &str, u16)> {
    let mut parts = range.split(';');
    let (kind, sub) = parts.next()?.trim().split_once('/')?;
    let mut quality = 1000;
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            let value: f32 = value.trim().parse().ok()?;
            if !(0.0..=1.0).contains(&value) {
                return None;
            }
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "0 ≤ value ≤ 1, so the thousandths fit a u16"
            )]
            {
                quality = (value * 1000.0).round() as u16;
            }
        }
    }
    Some((kind.trim(), sub.trim(), quality))
}

/// The request's viewer from its credential headers, or the answer refusing it: 401 (with
/// `WWW-Authenticate: Bearer`) for refused credentials, 500 when its access cannot be decided.
fn authenticate<'a>(
    state: &'a Shared,
    request: &'a Request,
    media: Media,
) -> impl Future<Output = Result<Viewer, Box<Response>>> + Send + 'a {
    // What is needed of the request, taken out of it: a `&Request` (its body is not `Sync`)
    // cannot be held across the wait for a blocking thread.
    let noted = request.extensions().get::<Noted>().cloned();
    let peer = request.extensions().get::<Peer>().map(|p| p.0);
    decide(state, request.headers(), peer, noted, media)
}

async fn decide(
    state: &Shared,
    headers: &header::HeaderMap,
    peer: Option<std::net::IpAddr>,
    noted: Option<Noted>,
    media: Media,
) -> Result<Viewer, Box<Response>> {
    let mut repeated = None;
    let presented = Presented {
        authorization: single(headers, &header::AUTHORIZATION, &mut repeated),
        admin_secret: single(headers, &ADMIN_SECRET, &mut repeated),
        user: single(headers, &USER, &mut repeated),
        repeated,
        peer,
    };
    // Within the request timeout, as the answer is: a decision that waits that long (for a
    // lock on the subject's row, say, until PostgreSQL's `statement_timeout` stops it) is the
    // request's timeout, not a policy that could not be evaluated.
    let request_timeout = state.bounds.request_timeout;
    let deciding = async {
        let decided = match state.auth.viewer(presented) {
            Err(Refusal::Busy) => state.auth.viewer_held(presented).await,
            decided => decided,
        };
        match decided {
            Err(Refusal::Busy) => {
                let owned = Owned::from(presented);
                let state = Arc::clone(state);
                tokio::task::spawn_blocking(move || state.auth.viewer_waiting(owned.presented()))
                    .await
                    .unwrap_or(Err(Refusal::Undecidable))
            }
            decided => decided,
        }
    };
    let Some(decided) = within(request_timeout, deciding).await else {
        return Err(Box::new(refuse(
            media,
            StatusCode::GATEWAY_TIMEOUT,
            "REQUEST_TIMEOUT",
            &format!(
                "deciding the request's access took longer than {} and was abandoned; \
                 nothing was read",
                seconds(request_timeout)
            ),
        )));
    };
    match decided {
        Ok(viewer) => Ok(recording(viewer, noted.as_ref())),
        Err(Refusal::Undecidable | Refusal::Busy) => Err(Box::new(refuse(
            media,
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "the policies could not be evaluated against the database; nothing was read",
        ))),
        Err(Refusal::Credentials(reason)) => {
            let mut response = refuse(
                media,
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                &reason.to_string(),
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            Err(Box::new(response))
        }
    }
}

/// A request's credentials, owned: for deciding on a blocking thread.
struct Owned {
    authorization: Option<String>,
    admin_secret: Option<String>,
    user: Option<String>,
    repeated: Option<&'static str>,
    peer: Option<std::net::IpAddr>,
}

impl From<Presented<'_>> for Owned {
    fn from(p: Presented<'_>) -> Self {
        Owned {
            authorization: p.authorization.map(str::to_string),
            admin_secret: p.admin_secret.map(str::to_string),
            user: p.user.map(str::to_string),
            repeated: p.repeated,
            peer: p.peer,
        }
    }
}

impl Owned {
    fn presented(&self) -> Presented<'_> {
        Presented {
            authorization: self.authorization.as_deref(),
            admin_secret: self.admin_secret.as_deref(),
            user: self.user.as_deref(),
            repeated: self.repeated,
            peer: self.peer,
        }
    }
}

/// `viewer`, noting what it withholds when the decision log is on (the request carries a
/// [`Noted`]).
fn recording(mut viewer: Viewer, noted: Option<&Noted>) -> Viewer {
    if let Some(noted) = noted {
        let record = Arc::new(std::sync::Mutex::new(Record::default()));
        viewer.record = Some(Arc::clone(&record));
        let mut note = noted
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        note.record = Some(record);
        // Without the request's snapshot, which ends with its execution.
        note.viewer = Some(Viewer {
            snapshot: None,
            ..viewer.clone()
        });
    }
    viewer
}

/// Runs `execution` within the request timeout (504 past it) and answers its outcome as
/// `media`: 400 when the request was rejected before execution, else 200. With `noting`, the
/// answer's error codes go in the response's extensions, for the decision log.
async fn answer(
    request_timeout: Duration,
    execution: impl Future<Output = crate::graphql::Outcome>,
    media: Media,
    noting: bool,
) -> Response {
    // Boxed: the execution's future is large, and unboxed it would make this handler's future
    // as large, which axum and hyper move several times per request. Dropped at the timeout, it
    // stops at its next await, and its database reads are interrupted (`Api::execute`).
    let execution = Box::pin(execution);
    let Some(outcome) = within(request_timeout, execution).await else {
        return refuse(
            media,
            StatusCode::GATEWAY_TIMEOUT,
            "REQUEST_TIMEOUT",
            &format!(
                "the query ran longer than {} and was cancelled",
                seconds(request_timeout)
            ),
        );
    };
    let status = if outcome.rejected {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut response = media.respond(status, outcome.to_bytes());
    if noting {
        response
            .extensions_mut()
            .insert(ErrorCodes(outcome.error_codes()));
    }
    response
}

/// `GET /healthz`, as Hasura's: 200 `OK` when requests can be decided now (the database
/// answers on a new snapshot and the policies still match its schema), else 500 `ERROR`, the
/// reason in the server's log rather than told to whoever asks. For a load balancer or an
/// orchestrator's probe in front of several servers on one database.
async fn healthz(State(state): State<Shared>) -> Response {
    let auth = Arc::clone(&state.auth);
    let ready = tokio::task::spawn_blocking(move || auth.ready())
        .await
        .unwrap_or(false);
    let (status, body) = if ready {
        (StatusCode::OK, "OK")
    } else {
        (StatusCode::INTERNAL_SERVER_ERROR, "ERROR")
    };
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (status, headers, body).into_response()
}

/// `GET /graphql`: GraphiQL to a browser, else the query of the URL's query string (`query`,
/// `variables`, `operationName`, `extensions`; `variables` and `extensions` as JSON), run like a
/// POST's once the credentials pass, unless it is a mutation: 405 with `Allow: POST` (GraphQL over
/// HTTP). A parameter given twice, or a query string that does not decode, is 400.
async fn graphql_get(State(state): State<Shared>, request: Request) -> Response {
    logged(state, request, get_answer).await
}

/// [`graphql_get`], without the decision log.
async fn get_answer(state: Shared, request: Request) -> Response {
    let media = negotiate(request.headers(), true);
    if media == Media::Html {
        return graphiql::page().await;
    }
    let viewer = match authenticate(&state, &request, media).await {
        Ok(viewer) => viewer,
        Err(refused) => return *refused,
    };
    let fields = match get_params(request.uri()) {
        Ok(fields) => fields,
        Err(message) => return refuse(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message),
    };
    if crate::graphql::selects_mutation(&fields, &viewer.limits) {
        let mut response = refuse(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "a mutation must be sent with POST, not GET",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    answer(
        state.bounds.request_timeout,
        state.api.execute_params(fields, viewer),
        media,
        state.decisions.is_some(),
    )
    .await
}

/// A GET's parameters from its URL's query string, each a string as sent (an empty one absent).
fn get_params(uri: &axum::http::Uri) -> Result<crate::graphql::body::Body, String> {
    let axum::extract::Query(pairs) =
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|err| format!("the query string does not decode: {}", err.body_text()))?;
    let mut fields = crate::graphql::body::Body::default();
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "query" => &mut fields.query,
            "variables" => &mut fields.variables,
            "operationName" => &mut fields.operation_name,
            "extensions" => &mut fields.extensions,
            _ => continue,
        };
        if slot.is_some() {
            return Err(format!("the parameter `{name}` is given twice"));
        }
        let value = if value.is_empty() && name != "query" {
            serde_json::Value::Null
        } else {
            serde_json::Value::String(value)
        };
        *slot = Some(value);
    }
    Ok(fields)
}

/// Content type first (415), then credentials (a refused request is answered 401 without reading
/// its body; a decision of its access past the request timeout, 504), then the body within
/// [`BODY_LIMIT`] (413 past it) and the body timeout (408), then the GraphQL answer within the
/// request timeout (504), each in the media type `Accept` asks for.
async fn graphql(State(state): State<Shared>, request: Request) -> Response {
    logged(state, request, post_answer).await
}

/// [`graphql`], without the decision log.
async fn post_answer(state: Shared, request: Request) -> Response {
    let headers = request.headers();
    let media = negotiate(headers, false);
    if !is_json(headers) {
        let mut response = refuse(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "a POST to /graphql must have `Content-Type: application/json`",
        );
        response.headers_mut().insert(
            header::HeaderName::from_static("accept-post"),
            header::HeaderValue::from_static("application/json"),
        );
        return response;
    }
    let viewer = match authenticate(&state, &request, media).await {
        Ok(viewer) => viewer,
        Err(refused) => return *refused,
    };
    // A body announced larger than the limit is refused before any of it is read.
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|length| length > BODY_LIMIT as u64)
    {
        return too_large(media);
    }
    let body_timeout = state.bounds.body_timeout;
    let body = match within(body_timeout, Bytes::from_request(request, &state)).await {
        Some(Ok(body)) => body,
        Some(Err(rejection)) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return too_large(media);
        }
        // A body that breaks off or whose chunks are malformed: a GraphQL error like every other
        // refusal, not axum's plain text.
        Some(Err(rejection)) => {
            return refuse(
                media,
                rejection.status(),
                "BAD_REQUEST",
                &format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                ),
            );
        }
        None => {
            let mut response = refuse(
                media,
                StatusCode::REQUEST_TIMEOUT,
                "BODY_TIMEOUT",
                &format!(
                    "the request body did not arrive within {}",
                    seconds(body_timeout)
                ),
            );
            // The rest of the body may still come: the connection cannot carry another request.
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            return response;
        }
    };
    let noting = state.decisions.is_some();
    let request_timeout = state.bounds.request_timeout;
    answer(
        request_timeout,
        state.api.execute_json(&body, viewer),
        media,
        noting,
    )
    .await
}

/// `future`, unless `limit` passes first, from now (`None` then): `tokio::time::timeout`, whose
/// timer is made only when the future is not ready at its first poll. Most bodies arrive with
/// their request's head and most queries finish in one poll, and a timer made and dropped unused
/// for each was a few hundred instructions per request. An output that comes past the limit is
/// `None` too: a poll that blocks its thread (a PostgreSQL read waits on the async worker,
/// `db::pg::inline`, until the database's `statement_timeout` stops it) keeps any timer from
/// firing meanwhile.
async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let start = tokio::time::Instant::now();
    let mut future = std::pin::pin!(future);
    let first = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
    let output = match first {
        Poll::Ready(output) => output,
        // As `timeout` does with a limit too far away to be a time.
        Poll::Pending => match start.checked_add(limit) {
            Some(deadline) => tokio::time::timeout_at(deadline, future).await.ok()?,
            None => future.await,
        },
    };
    (start.elapsed() < limit).then_some(output)
}

/// 413, for a body announced or found larger than [`BODY_LIMIT`].
fn too_large(media: Media) -> Response {
    refuse(
        media,
        StatusCode::PAYLOAD_TOO_LARGE,
        "BODY_TOO_LARGE",
        "the request body is larger than 1 MiB",
    )
}

/// `10 s`, `1.5 s`, `0.2 s`: a timeout as a message says it.
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

/// One log line per request at `-v`: method, path, status and time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(
        "{method} {path} {} {:.2} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}
