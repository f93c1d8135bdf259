//! The HTTP server: hyper connections on per-core threads, `POST /graphql` answered by
//! [`graphql::Api`] and the rest by an axum router, nothing else.
//!
//! `POST /graphql` takes the tutorial's JSON body and answers like its Flask server: 200 with
//! `data` (and `errors`), or 400 with only `errors` when the body, the document or its variables
//! are invalid. `GET /graphql` (and `GET /`) serve GraphiQL, and `GET /graphiql/…` its assets,
//! embedded in the binary (`server/graphiql.rs`).

mod graphiql;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest as _, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::{TcpListener, TcpStream};

use std::sync::Arc;

use axum::http::HeaderMap;

use crate::graphql::{Api, Viewer};
use crate::identity::Presented;

/// Decides who a request is from its credential headers. `enforce::Gate` implements it from
/// `policies.toml`; a refusal is never answered with anonymous access.
pub trait Authenticate: Send + Sync + 'static {
    fn viewer(&self, presented: Presented<'_>) -> Result<Viewer, Refusal>;
}

/// Why a request gets no viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The credentials are refused: HTTP 401.
    Credentials(String),
    /// The request's access could not be decided (its policies could not be evaluated against
    /// the database): HTTP 500, and nothing is read.
    Undecidable(String),
}

/// What every handler shares.
#[derive(Clone)]
struct AppState {
    api: Api,
    auth: Arc<dyn Authenticate>,
}

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
fn router(state: AppState, log: bool) -> Router {
    let router = Router::new()
        .route("/graphql", get(graphiql::page).post(graphql))
        .route("/", get(graphiql::page))
        .route("/graphiql/{name}", get(graphiql::asset))
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
    direct: Option<AppState>,
}

type Answer = std::pin::Pin<
    Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send + 'static>,
>;

impl Endpoint {
    fn new(api: Api, auth: Arc<dyn Authenticate>) -> Self {
        let state = AppState { api, auth };
        let log = tracing::enabled!(tracing::Level::INFO);
        Endpoint {
            router: hyper_util::service::TowerToHyperService::new(router(state.clone(), log)),
            direct: (!log).then_some(state),
        }
    }
}

impl hyper::service::Service<Request<hyper::body::Incoming>> for Endpoint {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Answer;

    fn call(&self, request: Request<hyper::body::Incoming>) -> Answer {
        match &self.direct {
            Some(state)
                if request.method() == axum::http::Method::POST
                    && request.uri().path() == "/graphql" =>
            {
                let state = state.clone();
                // Outside the router its `DefaultBodyLimit` layer does not apply: `Limited` bounds
                // the body instead, and `Bytes::from_request` answers its error with the same 413.
                let request = request.map(|body| {
                    axum::body::Body::new(http_body_util::Limited::new(body, BODY_LIMIT))
                });
                Box::pin(async move { Ok(graphql(State(state), request).await) })
            }
            _ => Box::pin(self.router.call(request)),
        }
    }
}

/// Serves on `listener` with `workers` threads until `shutdown` completes, then finishes the
/// requests in flight.
///
/// Each thread runs its own single-threaded runtime, and a connection stays on the thread that
/// serves it (actix-web's model). With tokio's work-stealing runtime, handing tasks and wakeups
/// between threads cost about a tenth of the server's CPU per request under load on two cores.
/// The first thread accepts every connection and deals them out in turn, so each thread serves
/// as many: when every thread accepted for itself, one that woke first took a whole burst of
/// new connections, and a client's 16 connections could land 14 on one core and 2 on the other.
/// Reads that may take long still leave the thread (`graphql::blocking`), so a slow list does
/// not hold up the thread's other connections. `shutdown` runs on the calling thread, which is
/// also the first worker.
pub fn serve(
    listener: std::net::TcpListener,
    workers: usize,
    api: Api,
    auth: Arc<dyn Authenticate>,
    shutdown: impl Future<Output = ()> + 'static,
) -> Result<(), Error> {
    let app = Endpoint::new(api, auth);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut threads = Vec::new();
    let mut others = Vec::new();
    for n in 1..workers.max(1) {
        let (hand, inbox) = tokio::sync::mpsc::unbounded_channel();
        others.push(hand);
        let app = app.clone();
        let stopped = stopped.clone();
        let thread = std::thread::Builder::new()
            .name(format!("serve-{n}"))
            .spawn(move || worker(Source::Inbox(inbox), app, stopped, std::future::pending()))
            .map_err(Error::Thread)?;
        threads.push(thread);
    }
    let stop = Arc::new(stop);
    let signal = {
        let stop = Arc::clone(&stop);
        async move {
            shutdown.await;
            // Nobody listening any more only means every worker has stopped already.
            let _ = stop.send(true);
        }
    };
    let mut result = worker(Source::Listener(listener, others), app, stopped, signal);
    // Should the first worker end on an error, the others stop too.
    let _ = stop.send(true);
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

/// Where a worker's connections come from.
enum Source {
    /// The socket, and the other workers' inboxes to deal connections to.
    Listener(
        std::net::TcpListener,
        Vec<tokio::sync::mpsc::UnboundedSender<std::net::TcpStream>>,
    ),
    /// Connections dealt by the first worker.
    Inbox(tokio::sync::mpsc::UnboundedReceiver<std::net::TcpStream>),
}

/// One worker: serves the connections of `source` on a runtime of the current thread until
/// `stopped` turns true, while also running `beside` (the shutdown signal, on the first worker).
fn worker(
    source: Source,
    app: Endpoint,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    beside: impl Future<Output = ()> + 'static,
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Thread)?;
    runtime.block_on(async move {
        let local = tokio::task::LocalSet::new();
        local.spawn_local(beside);
        local
            .run_until(async move {
                let stop = async move {
                    // An error means the sender is gone: stop too.
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                let connections = Connections::default();
                match source {
                    Source::Listener(listener, others) => {
                        let listener = TcpListener::from_std(listener).map_err(Error::Serve)?;
                        deal(&listener, &others, &connections, &app, stop).await;
                    }
                    Source::Inbox(inbox) => receive(inbox, &connections, &app, stop).await,
                }
                connections.close().await;
                Ok(())
            })
            .await
    })
}

/// Accepts connections until `stop` completes, serving one in `1 + others.len()` on this thread
/// and handing the others to the other workers in turn.
async fn deal(
    listener: &TcpListener,
    others: &[tokio::sync::mpsc::UnboundedSender<std::net::TcpStream>],
    connections: &Connections,
    app: &Endpoint,
    stop: impl Future<Output = ()>,
) {
    let mut stop = std::pin::pin!(stop);
    let mut turn = 0;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = &mut stop => return,
        };
        turn = (turn + 1) % (others.len() + 1);
        let Some(other) = turn.checked_sub(1).and_then(|n| others.get(n)) else {
            connections.serve(stream, app);
            continue;
        };
        // A worker that cannot take it (it stopped) leaves the connection to this one.
        match stream.into_std() {
            Ok(stream) => {
                if let Err(refused) = other.send(stream) {
                    connections.adopt(refused.0, app);
                }
            }
            Err(err) => tracing::error!("cannot hand a connection over: {err}"),
        }
    }
}

/// Serves the connections dealt to this worker until `stop` completes.
async fn receive(
    mut inbox: tokio::sync::mpsc::UnboundedReceiver<std::net::TcpStream>,
    connections: &Connections,
    app: &Endpoint,
    stop: impl Future<Output = ()>,
) {
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            received = inbox.recv() => match received {
                Some(stream) => connections.adopt(stream, app),
                // The first worker has stopped dealing.
                None => return,
            },
            () = &mut stop => return,
        }
    }
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
    /// Serves `stream` on a task of this thread.
    fn serve(&self, stream: TcpStream, app: &Endpoint) {
        let service = app.clone();
        let mut draining = self.draining.subscribe();
        let open = self.open.clone();
        tokio::task::spawn_local(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                // A failed connection (the peer went away mid-request) concerns that peer only.
                _ = conn.as_mut() => {}
                _ = draining.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(open);
        });
    }

    /// Serves a connection handed over from another thread's runtime.
    fn adopt(&self, stream: std::net::TcpStream, app: &Endpoint) {
        match TcpStream::from_std(stream) {
            Ok(stream) => self.serve(stream, app),
            Err(err) => tracing::error!("cannot serve a connection: {err}"),
        }
    }

    /// Tells every connection to finish its request in flight, and waits until all have closed.
    async fn close(self) {
        let _ = self.draining.send(());
        drop(self.open);
        self.all_closed.closed().await;
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

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"))
}

/// Credentials first (a refused request is answered without reading its body), then the body
/// within [`BODY_LIMIT`] (413 past it), then the GraphQL answer.
async fn graphql(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers();
    let presented = Presented {
        authorization: header(headers, "authorization"),
        admin_secret: header(headers, "x-quidditch-admin-secret"),
        user: header(headers, "x-quidditch-user"),
    };
    let viewer = match state.auth.viewer(presented) {
        Ok(viewer) => viewer,
        Err(Refusal::Undecidable(message)) => {
            let body = serde_json::json!({
                "errors": [{ "message": message, "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
            });
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response();
        }
        Err(Refusal::Credentials(message)) => {
            let body = serde_json::json!({
                "errors": [{ "message": message, "extensions": { "code": "UNAUTHENTICATED" } }]
            });
            return (
                StatusCode::UNAUTHORIZED,
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::WWW_AUTHENTICATE, "Bearer"),
                ],
                body.to_string(),
            )
                .into_response();
        }
    };
    let body = match Bytes::from_request(request, &state).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_response(),
    };
    // Boxed: the execution's future is large, and unboxed it would make this handler's future
    // as large, which axum and hyper move several times per request.
    let outcome = Box::pin(state.api.execute_json(&body, viewer)).await;
    let status = if outcome.rejected {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let bytes = outcome.to_bytes();
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
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
