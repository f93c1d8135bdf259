//! A JWKS (an identity provider's public keys) fetched, cached and refreshed for `serve
//! --jwks-url` and `--jwks-file`.
//!
//! One background thread owns the document: it reads it once at start (a failure then is a
//! startup error), then again every refresh period and whenever a token names a `kid` the cache
//! does not hold (at most once per [`MIN_REFETCH`], so that tokens with made-up `kid`s cannot
//! make the server hammer its identity provider). A read that fails later keeps the last good
//! keys and logs a warning. A request whose `kid` is unknown waits for the refetch it asked for,
//! at most [`FETCH_TIMEOUT`]; the keys themselves are read without waiting.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::identity::{self, KeySet, KeysByKid, VerifyKey};

/// How long one fetch of the document may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The least time between two fetches asked for by an unknown `kid`.
pub const MIN_REFETCH: Duration = Duration::from_secs(10);

/// The largest JWKS document read.
const MAX_BYTES: usize = 1024 * 1024;

/// Where the document is.
#[derive(Debug, Clone)]
pub enum Source {
    Url(String),
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Url(url) => write!(f, "{url}"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Why the JWKS could not be read at start.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("cannot read the JWKS `{source_name}`: {reason}")]
    Read { source_name: String, reason: String },
    #[error("cannot start the JWKS thread")]
    Thread(#[source] std::io::Error),
}

/// What the fetch thread and the requests share.
struct Shared {
    keys: RwLock<Arc<KeysByKid>>,
    state: Mutex<State>,
    /// Signalled after every fetch, good or bad.
    fetched: Condvar,
}

#[derive(Default)]
struct State {
    /// Fetches completed (good or bad) since start.
    completed: u64,
    /// When an unknown `kid` last asked for a fetch.
    last_asked: Option<Instant>,
}

/// The keys of a JWKS, kept fresh by a background thread.
pub struct Jwks {
    shared: Arc<Shared>,
    wake: Arc<tokio::sync::Notify>,
}

impl Jwks {
    /// Reads the document at `source` (an error if it cannot be read or has no usable key), and
    /// starts the thread that reads it again every `refresh` and on an unknown `kid`.
    pub fn start(source: &Source, refresh: Duration) -> Result<Arc<Self>, JwksError> {
        let shared = Arc::new(Shared {
            keys: RwLock::new(Arc::new(HashMap::new())),
            state: Mutex::new(State::default()),
            fetched: Condvar::new(),
        });
        let wake = Arc::new(tokio::sync::Notify::new());
        let (first_tx, first_rx) = std::sync::mpsc::channel();
        {
            let shared = Arc::clone(&shared);
            let wake = Arc::clone(&wake);
            let source = source.clone();
            std::thread::Builder::new()
                .name("jwks".to_string())
                .spawn(move || refresher(&source, refresh, &shared, &wake, &first_tx))
                .map_err(JwksError::Thread)?;
        }
        match first_rx.recv() {
            Ok(Ok(())) => Ok(Arc::new(Jwks { shared, wake })),
            Ok(Err(reason)) => Err(JwksError::Read {
                source_name: source.to_string(),
                reason,
            }),
            Err(_) => Err(JwksError::Read {
                source_name: source.to_string(),
                reason: "the JWKS thread stopped".to_string(),
            }),
        }
    }

    /// The `kid`s held now, sorted.
    pub fn kids(&self) -> Vec<String> {
        let keys = self
            .shared
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut kids: Vec<String> = keys.keys().cloned().collect();
        kids.sort();
        kids
    }

    fn lookup(&self, kid: &str) -> Option<Arc<VerifyKey>> {
        self.shared
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(kid)
            .cloned()
    }
}

impl KeySet for Jwks {
    fn key(&self, kid: &str) -> Option<Arc<VerifyKey>> {
        if let Some(key) = self.lookup(kid) {
            return Some(key);
        }
        // Unknown: ask for a fetch (unless one was asked for lately) and wait for it.
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if state
            .last_asked
            .is_some_and(|at| now.duration_since(at) < MIN_REFETCH)
        {
            return None;
        }
        state.last_asked = Some(now);
        let before = state.completed;
        self.wake.notify_one();
        let deadline = now + FETCH_TIMEOUT + Duration::from_secs(1);
        while state.completed == before {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .shared
                .fetched
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(state);
        self.lookup(kid)
    }
}

/// The fetch thread: the first read reported on `first`, then one every `refresh` or when woken.
fn refresher(
    source: &Source,
    refresh: Duration,
    shared: &Shared,
    wake: &tokio::sync::Notify,
    first: &std::sync::mpsc::Sender<Result<(), String>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let _ = first.send(Err(format!("cannot start its runtime: {err}")));
            return;
        }
    };
    let client = match reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            let _ = first.send(Err(format!("cannot make an HTTP client: {err}")));
            return;
        }
    };
    runtime.block_on(async {
        let outcome = fetch(&client, source).await;
        let started = outcome.is_ok();
        let report = outcome.map(|keys| install(shared, keys));
        let _ = first.send(report);
        if !started {
            return;
        }
        loop {
            tokio::select! {
                () = tokio::time::sleep(refresh) => {}
                () = wake.notified() => {}
            }
            match fetch(&client, source).await {
                Ok(keys) => install(shared, keys),
                Err(reason) => tracing::warn!(
                    "cannot refresh the JWKS `{source}`: {reason}; keeping the last good keys"
                ),
            }
            let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.completed += 1;
            drop(state);
            shared.fetched.notify_all();
        }
    });
}

/// Makes `keys` the current ones.
fn install(shared: &Shared, keys: KeysByKid) {
    *shared.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
}

/// Reads and parses the document once.
async fn fetch(client: &reqwest::Client, source: &Source) -> Result<KeysByKid, String> {
    let text = match source {
        Source::File(path) => std::fs::read_to_string(path).map_err(|e| e.to_string())?,
        Source::Url(url) => {
            let response = client
                .get(url)
                .header("accept", "application/json")
                .send()
                .await
                .map_err(|e| describe(&e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BYTES as u64)
            {
                return Err("the document is larger than 1 MiB".to_string());
            }
            let bytes = response.bytes().await.map_err(|e| describe(&e))?;
            if bytes.len() > MAX_BYTES {
                return Err("the document is larger than 1 MiB".to_string());
            }
            String::from_utf8(bytes.to_vec())
                .map_err(|_| "the document is not UTF-8".to_string())?
        }
    };
    let (keys, skipped) = identity::keys_from_jwks(&text).map_err(|e| e.to_string())?;
    for note in skipped {
        tracing::warn!("JWKS `{source}`: {note}: left out");
    }
    Ok(keys)
}

/// A reqwest error's message, with its causes.
fn describe(err: &reqwest::Error) -> String {
    let mut message = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    message
}
