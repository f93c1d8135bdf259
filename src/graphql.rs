//! The league's GraphQL API: a drop-in replacement for the tutorial's Flask + graphene server.
//!
//! No HTTP and no printing here: [`Api`] executes a request (or a raw JSON request body, the same
//! bytes a client POSTs) and returns data. `server` wires it to axum; `cmd::query` runs it
//! in-process. Rows are read through [`crate::db::store`], always with the viewer's row filters.
//!
//! Extension points for enforcement: every request carries a [`Viewer`] (who asks, and the SQL
//! row filter for each table); [`Api::execute`] takes it, and every read applies its filters.

pub mod batch;
pub mod body;
pub mod conform;
pub mod documents;
pub mod introspection;
pub mod loaders;
pub mod relay;
pub mod schema;
pub mod types;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions as _, Variables};
use serde_json::{Value, json};

use crate::db::{self, store::SqlFilter, store::Store, store::Table};
use documents::Validation;
use loaders::Loaders;
pub use schema::{QuidditchSchema, build, build_for_valid, introspection_model, sdl, type_model};

/// What can go wrong resolving a field.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("database read failed: {message}")]
    Database { message: String },
    #[error("database worker stopped: {message}")]
    Worker { message: String },
    #[error("request context is missing: {message}")]
    Context { message: String },
    #[error("{0}")]
    Shared(Arc<Error>),
    #[error("unexpected introspection answer: {message}")]
    Introspection { message: String },
}

impl Error {
    fn context(err: async_graphql::Error) -> Self {
        Error::Context {
            message: err.message,
        }
    }

    fn shared(err: Arc<Error>) -> Self {
        Error::Shared(err)
    }
}

impl From<db::Error> for Error {
    fn from(err: db::Error) -> Self {
        Error::Database {
            message: crate::diag::causes(&err),
        }
    }
}

/// The graphql layer's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who sends a request: the admin (every row) or a subject, whose viewer `enforce` compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Principal {
    /// Sees every row.
    #[default]
    Admin,
    /// A named subject (a player or staff account), as a policy names it.
    Subject { id: String },
}

/// The extra SQL row filter for each table; `None` reads every row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowFilters {
    pub teams: Option<SqlFilter>,
    pub players: Option<SqlFilter>,
    pub games: Option<SqlFilter>,
}

impl RowFilters {
    /// The filter on `table`'s rows.
    pub fn of(&self, table: Table) -> Option<&SqlFilter> {
        match table {
            Table::Teams => self.teams.as_ref(),
            Table::Players => self.players.as_ref(),
            Table::Games => self.games.as_ref(),
        }
    }
}

/// What reading a withheld field yields (graphql-rule's `readFail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withheld {
    /// `null` (only on nullable fields; a non-null field answers the default error instead).
    Null,
    /// An error with this message, `extensions.code = "FORBIDDEN"`.
    Error(String),
}

/// A column readable on some visible rows only, or on none.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRule {
    /// The rows whose column may be read; `None`: no row's.
    pub readable: Option<SqlFilter>,
    pub withheld: Withheld,
}

/// The message of a denied row when the policies name none: the tutorial's.
pub const NOT_AUTHORIZED: &str = "You are not authorized to see this.";

/// The request's viewer, in every resolver's context data.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub principal: Principal,
    pub filters: Arc<RowFilters>,
    /// Columns that are not readable on every visible row. A column not listed is readable
    /// wherever its row is.
    pub fields: Arc<HashMap<(Table, String), FieldRule>>,
    /// The message of a denied row, per table whose rows are filtered.
    pub forbidden: Arc<HashMap<Table, String>>,
    /// Query limits, checked before execution.
    pub limits: crate::authz::QueryLimits,
    /// The policies behind the filters and field rules, for the decision log.
    pub audit: Arc<Audit>,
    /// Where this request's withheld rows and fields are noted, when the decision log is on.
    pub record: Option<Arc<std::sync::Mutex<Record>>>,
    /// The snapshot of the database this viewer was decided on, when the gate decided on one
    /// (PostgreSQL): the request reads the same state its filters were computed from.
    pub snapshot: Option<Store>,
}

/// The policies that decide a viewer's rows and fields, from the same access plans its filters
/// and field rules are compiled from (`enforce`): what the decision log names as deciding.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    /// The subject's roles.
    pub roles: Vec<String>,
    /// For each table whose rows are filtered: the policies behind the filter.
    pub rows: HashMap<Table, Deciders>,
    /// For each field rule: the policies behind it.
    pub fields: HashMap<(Table, String), Deciders>,
}

/// The policies behind a withheld row or field: the allows whose conditions it did not meet
/// (none granted it), and the denies that can withhold it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deciders {
    pub allows: Vec<String>,
    pub denies: Vec<String>,
}

/// What one request withheld, noted as it runs: the decision log's line is made of it.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// `operationName`, when the request named one.
    pub operation: Option<String>,
    /// SHA-256 of the document text, hex.
    pub document: Option<String>,
    /// Single rows answered `null` + `FORBIDDEN` (hidden or missing: they answer alike).
    pub rows: Vec<Table>,
    /// Fields withheld: table, column, row id.
    pub fields: Vec<(Table, String, i64)>,
    /// Tables whose lists were read through a row filter.
    pub lists: Vec<Table>,
}

impl Viewer {
    /// Notes in the request's record, when there is one.
    pub fn note(&self, f: impl FnOnce(&mut Record)) {
        if let Some(record) = &self.record {
            f(&mut record
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner));
        }
    }
}

impl Viewer {
    /// The rows a list returns when it is asked for without `first`/`last`.
    pub fn page_size(&self) -> i64 {
        i64::from(self.limits.default_page_size)
    }

    /// The admin: no filters.
    pub fn admin() -> Self {
        Viewer::default()
    }

    /// Whether some rows of `table` are hidden from this viewer. Then a row that is not there
    /// and a row that is denied answer alike: `null` and a `FORBIDDEN` error.
    pub fn restricted(&self, table: Table) -> bool {
        self.filters.of(table).is_some()
    }

    /// The error for a row of `table` this viewer may not see (or that does not exist).
    pub fn forbidden_row(&self, table: Table) -> async_graphql::Error {
        forbidden(
            self.forbidden
                .get(&table)
                .map_or(NOT_AUTHORIZED, String::as_str),
        )
    }

    /// The viewer of the request a resolver runs in.
    pub fn of<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
        ctx.data::<Viewer>().map_err(Error::context)
    }
}

/// A `FORBIDDEN` error with `message`.
pub fn forbidden(message: &str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "FORBIDDEN"))
}

/// Answers `null` for a nullable field and records `error` for it. (Returning the error would
/// leave the field out of the response altogether in async-graphql; the spec, and clients of
/// the tutorial's server, expect the key with `null`.)
pub fn null_with<T>(
    ctx: &Context<'_>,
    error: async_graphql::Error,
) -> async_graphql::Result<Option<T>> {
    ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    Ok(None)
}

/// A row of `table` that is not there: for a viewer from whom some rows of `table` are hidden,
/// `null` with a `FORBIDDEN` error, so a hidden row and a missing one answer alike; for anyone
/// else plain `null`, as the tutorial's server answers.
pub(crate) fn visible<T>(
    ctx: &Context<'_>,
    table: Table,
    row: Option<T>,
) -> async_graphql::Result<Option<T>> {
    let viewer = Viewer::of(ctx)?;
    match row {
        None if viewer.restricted(table) => {
            viewer.note(|record| record.rows.push(table));
            null_with(ctx, viewer.forbidden_row(table))
        }
        row => Ok(row),
    }
}

/// Reads of at most this many rows run inline on the async worker.
const INLINE_ROWS: usize = 64;

/// Runs a read of about `rows` rows: inline when it is short, otherwise like [`blocking`].
///
/// A point read by primary key takes microseconds, less than the hand-off to the blocking pool
/// and back; making every `getGame` pay for two hand-offs would halve the server's throughput.
/// An inline read waits for PostgreSQL at most [`db::pg::INLINE_WAIT`] at a time
/// ([`db::pg::bounded`]): one that has not been answered by then (it waits for a lock, or its
/// server process was not given a core) is run again from the start on a blocking thread, on
/// the same snapshot, so the worker's other requests do not wait for it. A request waits here,
/// holding no thread, for its snapshot's turn (its other fields' reads) and then for a
/// PostgreSQL connection when every one is lent ([`Store::hold`]): the turn first, so that only
/// one read of a snapshot waits for its connection, and the others use the one it gets.
pub(crate) async fn read<T, F>(store: &Store, rows: usize, f: F) -> Result<T>
where
    T: Send + 'static,
    F: Fn(&Store) -> db::Result<T> + Send + 'static,
{
    let turn = store.turn().await;
    if rows <= INLINE_ROWS {
        store.hold().await.map_err(Error::from)?;
        if let Some(read) = db::pg::bounded(|| f(store)) {
            return read.map_err(Error::from);
        }
    }
    on_blocking_thread(store, turn, f).await
}

/// Runs `f` on a blocking thread with the store: SQLite calls are synchronous, and a long read
/// must not stall the async workers.
pub(crate) async fn blocking<T, F>(store: &Store, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> db::Result<T> + Send + 'static,
{
    let turn = store.turn().await;
    on_blocking_thread(store, turn, f).await
}

/// [`blocking`] in the snapshot's `turn`: the thread is taken once the snapshot holds a
/// PostgreSQL connection (waited for here, [`Store::hold`]).
async fn on_blocking_thread<T, F>(store: &Store, turn: db::store::Turn, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> db::Result<T> + Send + 'static,
{
    store.hold().await.map_err(Error::from)?;
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        // Held until the read ends, even when the request is abandoned meanwhile.
        let _turn = turn;
        f(&store)
    })
    .await
    .map_err(|err| Error::Worker {
        message: err.to_string(),
    })?
    .map_err(Error::from)
}

/// What anyone but the admin is told of a field the server failed to resolve.
pub const INTERNAL: &str = "the server could not read this field; its log says why";

/// Marks the errors of the server's own (a database read that failed, a stopped worker: an
/// [`Error`] underneath) with `extensions.code = "INTERNAL_SERVER_ERROR"`, and logs each.
/// The admin keeps the message; anyone else is told [`INTERNAL`], as Hasura tells a role
/// other than its admin `database query error`: the database's own words name its tables,
/// columns, files and hosts, which are not a player's business.
fn internal_errors(response: &mut async_graphql::Response, admin: bool) {
    for error in &mut response.errors {
        if error.source::<Error>().is_none() {
            continue;
        }
        let path: Vec<String> = error
            .path
            .iter()
            .map(|segment| match segment {
                async_graphql::PathSegment::Field(name) => name.clone(),
                async_graphql::PathSegment::Index(i) => i.to_string(),
            })
            .collect();
        tracing::warn!("a field failed at {}: {}", path.join("."), error.message);
        if !admin {
            error.message = INTERNAL.to_string();
        }
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", "INTERNAL_SERVER_ERROR");
    }
}

/// The first of `limits` that `request`'s parsed document is over (answered by [`refusal`],
/// with its `extensions.code`), measured before async-graphql walks it; execution reuses the
/// parse. A document known valid is measured once per operation and limits (`measured`). One
/// that does not parse is left to execution, which reports the syntax error in its usual
/// shape. (The text was checked before it was parsed: [`crate::limits::check_text`].)
fn over_limits(
    request: &mut async_graphql::Request,
    limits: &crate::authz::QueryLimits,
    measured: Option<&documents::Measured>,
) -> Result<(), crate::limits::LimitError> {
    let operation = request.operation_name.clone();
    let text_len = request.query.len();
    let compute = |request: &mut async_graphql::Request| {
        let variables = request.variables.clone();
        let doc = request.parsed_query().ok()?;
        Some(crate::limits::measure(
            doc,
            text_len,
            operation.as_deref(),
            &variables,
            limits,
            introspection_model(),
        ))
    };
    let measure = match measured {
        Some(measured) => measured.get(operation.as_deref(), limits, || compute(request)),
        None => compute(request),
    };
    let Some(measure) = measure else {
        return Ok(());
    };
    match crate::limits::violations(&measure, limits)
        .into_iter()
        .next()
    {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// The answer to a request over a limit: one error with the limit's code, and no data.
fn refusal(err: &crate::limits::LimitError) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![limit_error(err)])
}

fn limit_error(err: &crate::limits::LimitError) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(err.to_string(), None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", err.code());
    error.extensions = Some(extensions);
    error
}

/// The outcome of a raw request body: a GraphQL response, or a rejection of the request itself.
#[derive(Debug)]
pub struct Outcome {
    /// True when nothing was executed: the body, the document or its variables are invalid.
    /// The answer then holds only `errors` (the server answers HTTP 400, as the tutorial's does).
    pub rejected: bool,
    response: async_graphql::Response,
    /// The longest answer sent (`max_response_bytes`); past it the answer is an error instead.
    max_bytes: usize,
}

/// A `Vec` that refuses to grow past `max` bytes: serializing an answer stops at the limit
/// instead of first building all of it.
struct Bounded {
    bytes: Vec<u8>,
    max: usize,
}

impl std::io::Write for Bounded {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    // serde_json writes token by token through `write_all`: one check per token, no loop.
    // Inlined, as `Vec`'s own is, so that a token of a known length (`{`, `":`, `,`) is stored
    // in place rather than copied by a call to `memcpy`: out of line, this function and its
    // copies were 2% of a small query's instructions. The error is made out of line.
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.bytes.len().saturating_add(buf.len()) > self.max {
            return Err(too_long());
        }
        self.bytes.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The error of a [`Bounded`] that would pass its limit.
#[cold]
#[inline(never)]
fn too_long() -> std::io::Error {
    std::io::Error::other("the answer exceeds its limit")
}

/// What goes on the wire: the whole response, or only its errors.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Wire<'a> {
    Response(&'a async_graphql::Response),
    ErrorsOnly {
        errors: &'a [async_graphql::ServerError],
    },
}

impl Outcome {
    fn reject(message: &str) -> Self {
        Outcome {
            rejected: true,
            response: async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(
                message, None,
            )]),
            max_bytes: usize::MAX,
        }
    }

    fn wire(&self) -> Wire<'_> {
        if self.rejected {
            Wire::ErrorsOnly {
                errors: &self.response.errors,
            }
        } else {
            Wire::Response(&self.response)
        }
    }

    /// The `extensions.code` and message of each error of the answer that has a code.
    pub fn error_codes(&self) -> Vec<(String, String)> {
        self.response
            .errors
            .iter()
            .filter_map(|error| {
                let code = error.extensions.as_ref()?.get("code")?;
                match code {
                    async_graphql::Value::String(code) => {
                        Some((code.clone(), error.message.clone()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// The answer as JSON: `{"data": …, "errors": [...]}` or `{"errors": [...]}`.
    pub fn to_json(&self) -> Value {
        serde_json::from_slice(&self.to_bytes())
            .unwrap_or_else(|err| json!({ "errors": [{ "message": err.to_string() }] }))
    }

    /// The answer as the bytes of a JSON document; past `max_response_bytes`, `data: null` and
    /// a `RESPONSE_TOO_LARGE` error instead (the serializing stops at the limit).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Bounded {
            bytes: Vec::with_capacity(512),
            max: self.max_bytes,
        };
        match serde_json::to_writer(&mut out, &self.wire()) {
            Ok(()) => out.bytes,
            Err(err) if err.is_io() => {
                let limit = crate::limits::LimitError::ResponseBytes {
                    limit: u64::try_from(self.max_bytes).unwrap_or(u64::MAX),
                };
                let mut response = async_graphql::Response::from_errors(vec![limit_error(&limit)]);
                response.data = async_graphql::Value::Null;
                serde_json::to_vec(&response).unwrap_or_default()
            }
            Err(err) => json!({ "errors": [{ "message": err.to_string() }] })
                .to_string()
                .into_bytes(),
        }
    }
}

/// Whether the operation that `fields` would run is a mutation (which a GET must not run): the
/// one named by `operationName`, or else the document's only operation. A document over the text
/// limits, that does not parse, or whose operation is not found is not: running it answers why.
pub fn selects_mutation(fields: &body::Body, limits: &crate::authz::QueryLimits) -> bool {
    let Some(Value::String(query)) = &fields.query else {
        return false;
    };
    if crate::limits::check_text(query, limits).is_err() {
        return false;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let name = match &fields.operation_name {
        Some(Value::String(name)) => Some(name.as_str()),
        _ => None,
    };
    // The named operation, or else (no name, or a name the document lacks) its only one.
    let operation = name
        .and_then(|name| {
            document
                .operations
                .iter()
                .find(|(named, _)| named.is_some_and(|n| n.as_str() == name))
        })
        .or_else(|| {
            let mut all = document.operations.iter();
            all.next().filter(|_| all.next().is_none())
        });
    operation.is_some_and(|(_, operation)| {
        operation.node.ty == async_graphql::parser::types::OperationType::Mutation
    })
}

/// A parameter that must be a JSON object: as sent, or as a string of JSON (an empty string is
/// absent). `Ok(Some(Null))` when absent or null, `Ok(None)` when it is not an object, `Err`
/// when its string is not JSON.
fn object_param(param: Option<Value>) -> Result<Option<Value>, ()> {
    let value = match param {
        None => Value::Null,
        Some(Value::String(text)) if text.is_empty() => Value::Null,
        Some(Value::String(text)) => serde_json::from_str(&text).map_err(|_| ())?,
        Some(value) => value,
    };
    Ok(matches!(value, Value::Null | Value::Object(_)).then_some(value))
}

/// The parser reports syntax errors as a multi-line drawing (` --> 1:17 … = expected name`);
/// clients expect one line, as graphql-core gives: `Syntax Error: expected name`.
fn one_line_syntax_error(message: &mut String) {
    if message.trim_start().starts_with("-->") {
        let reason = message
            .lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("= "))
            .unwrap_or("unexpected input")
            .to_string();
        *message = format!("Syntax Error: {reason}");
    }
}

/// async-graphql words an unknown field `Unknown field "x" on type "T".`; the tutorial's server
/// (graphql-core 2) says `Cannot query field "x" on type "T".`, and clients may match on it.
fn graphql_core_wording(message: &mut String) {
    if let Some(rest) = message.strip_prefix("Unknown field \"") {
        *message = format!("Cannot query field \"{rest}");
    }
}

/// A request's snapshot, cancelled if the request's future is dropped before it ends (the
/// server's request timeout): a read running on a blocking thread is interrupted rather than
/// left to finish for nobody.
struct Abandoned(Option<Store>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(store) = &self.0 {
            store.cancel();
        }
    }
}

/// The schema and the store it reads: what `serve` and `query` share.
#[derive(Clone)]
pub struct Api {
    schema: QuidditchSchema,
    /// The schema for documents known to be valid: it skips the validation rules. Built at the
    /// first such request, so a one-shot `quidditch query` does not pay for two schemas.
    for_valid: Arc<std::sync::OnceLock<QuidditchSchema>>,
    store: Store,
    documents: documents::Documents,
}

impl Api {
    pub fn new(store: Store) -> Self {
        // Built now rather than by the first request that is measured.
        introspection_model();
        Api {
            schema: build(store.clone()),
            for_valid: Arc::default(),
            store,
            documents: documents::Documents::default(),
        }
    }

    pub fn schema(&self) -> &QuidditchSchema {
        &self.schema
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Executes one request as `viewer`, with fresh loaders that apply the viewer's filters,
    /// every read in one snapshot of the database.
    pub async fn execute(
        &self,
        request: async_graphql::Request,
        viewer: Viewer,
    ) -> async_graphql::Response {
        self.run(request, viewer, None).await
    }

    /// [`Self::execute`]; with `again`, which makes the request anew, a request whose viewer
    /// was decided on no snapshot (the admin's) reads with [`Store::alone`] while its document
    /// has never read more than one statement (`documents::Reads`): on PostgreSQL, one
    /// statement with no `BEGIN` and `COMMIT` around it. When it needed a second, what it read
    /// is thrown away before anything of it is shaped or logged, what it noted in the decision
    /// log's record is taken back, the document is marked, and the request runs again (made by
    /// `again`) in a snapshot's transaction, once.
    async fn run(
        &self,
        mut request: async_graphql::Request,
        mut viewer: Viewer,
        mut again: Option<&(dyn Fn() -> async_graphql::Request + Sync)>,
    ) -> async_graphql::Response {
        // A viewer decided on a snapshot reads that one.
        if viewer.snapshot.is_some() {
            again = None;
        }
        loop {
            let prepared = match self.documents.prepared(&mut request, &viewer.limits) {
                Ok(prepared) => prepared,
                Err(err) => return refusal(&err),
            };
            let alone = match (again, &prepared.reads) {
                (Some(again), Some(reads)) if !reads.many() => Some((again, Arc::clone(reads))),
                _ => None,
            };
            // Every read of the request sees one state of the database: the one its viewer was
            // decided on, when it was decided on one.
            let store = match viewer.snapshot.take() {
                Some(store) => store,
                None if alone.is_some() => self.store.alone(),
                None => self.store.snapshot(),
            };
            // What the record held before an attempt that may be thrown away.
            let (this, noted) = if alone.is_some() {
                let noted = viewer.record.as_ref().map(|record| {
                    record
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone()
                });
                (viewer.clone(), noted)
            } else {
                (std::mem::take(&mut viewer), None)
            };
            let response = self.attempt(request, this, store.clone(), prepared).await;
            match alone {
                Some((again_with, reads)) if store.refused_second() => {
                    if let (Some(record), Some(noted)) = (&viewer.record, noted) {
                        *record
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = noted;
                    }
                    reads.set_many();
                    request = again_with();
                    again = None;
                }
                _ => return response,
            }
        }
    }

    /// One execution of `request` as `viewer`, reading `store`: what [`Self::run`] runs.
    async fn attempt(
        &self,
        mut request: async_graphql::Request,
        viewer: Viewer,
        store: Store,
        prepared: documents::Prepared,
    ) -> async_graphql::Response {
        let documents::Prepared {
            validation,
            doc,
            plain,
            measured,
            reads: _,
        } = prepared;
        if let Err(err) = over_limits(&mut request, &viewer.limits, measured.as_deref()) {
            return refusal(&err);
        }
        let model = type_model();
        let operation = request.operation_name.clone();
        // How the answer is put in the spec's order: by the document alone when it is plain,
        // else with the variables that decide its `@skip`/`@include` (and the hidden
        // `__typename` removed).
        let mut shaped = None;
        if let Some(doc) = &doc {
            conform::defaults(doc, operation.as_deref(), &mut request.variables);
            if validation != Validation::Known {
                let checked = conform::check(model, doc, operation.as_deref(), &request.variables);
                request = request.data(checked);
            }
            let shape = conform::Shape {
                model,
                doc,
                variables: &request.variables,
            };
            if plain.get(operation.as_deref(), || shape.plain(operation.as_deref())) {
                shaped = Some((Arc::clone(doc), None));
            } else {
                if let Some(marked) = shape.marked(operation.as_deref()) {
                    request.set_parsed_query(marked);
                }
                shaped = Some((Arc::clone(doc), Some(request.variables.clone())));
            }
        }
        if !viewer.limits.introspection {
            request = request.disable_introspection();
        }
        let (schema, learn) = match validation {
            Validation::Known => (
                self.for_valid
                    .get_or_init(|| build_for_valid(self.store.clone())),
                None,
            ),
            Validation::Learn => (&self.schema, Some(request.query.clone())),
            Validation::Always => (&self.schema, None),
        };
        let admin = viewer.principal == Principal::Admin;
        let mut abandoned = Abandoned(Some(store.clone()));
        let queue = batch::Queue::default();
        let refused = store.clone();
        let loaders = Loaders::new(&store, &viewer, &queue);
        let request = request.data(viewer).data(loaders).data(store);
        // Boxed, as is `execute` in `execute_params`: the library's execution is a large
        // future, and inline it would make every future that awaits this one as large, each
        // moved (copied whole) several times per request on its way into the server's task.
        let mut response = batch::run(Box::pin(schema.execute(request)), queue).await;
        abandoned.0 = None;
        if refused.refused_second() {
            // Thrown away by the caller: nothing of it is shaped, logged or learnt.
            return response;
        }
        if let Some(doc) = &doc {
            conform::null_errored(model, doc, operation.as_deref(), &mut response);
        }
        conform::errors(model, doc.as_deref(), &mut response);
        internal_errors(&mut response, admin);
        match &shaped {
            Some((doc, None)) => {
                conform::order_plain(doc, operation.as_deref(), &mut response.data);
            }
            Some((doc, Some(variables))) => {
                let shape = conform::Shape {
                    model,
                    doc,
                    variables,
                };
                shape.apply(operation.as_deref(), &mut response.data);
            }
            None => {}
        }
        // A request that failed validation has no data; one that passed has (every root field
        // is nullable). Only the first tells: a document that passed is now known valid.
        if let Some(query) = learn
            && response.data != async_graphql::Value::Null
        {
            self.documents.valid(&query);
        }
        response
    }

    /// Executes a request body as the tutorial's server reads it: a JSON object with `query`,
    /// optional `variables` (an object, or a string of JSON) and `operationName`.
    pub async fn execute_json(&self, body: &[u8], viewer: Viewer) -> Outcome {
        let fields = match body::Body::parse(body) {
            Ok(fields) => fields,
            Err(body::Refusal::NotJson) => return Outcome::reject("POST body sent invalid JSON."),
            Err(body::Refusal::NotObject) => return Outcome::reject("Must provide query string."),
        };
        self.execute_params(fields, viewer).await
    }

    /// Executes a request's parameters, from a POST body or a GET's query string: `query` a
    /// string; `variables` and `extensions` an object, a string of JSON holding one (as a GET
    /// sends them, and the tutorial's server reads them in a POST too), or null; `operationName`
    /// a string or null. Anything else rejects the request (GraphQL over HTTP).
    pub async fn execute_params(&self, fields: body::Body, viewer: Viewer) -> Outcome {
        let query = match fields.query {
            Some(Value::String(query)) if !query.is_empty() => query,
            _ => return Outcome::reject("Must provide query string."),
        };
        let Ok(variables) = object_param(fields.variables) else {
            return Outcome::reject("Variables are invalid JSON.");
        };
        let Some(variables) = variables else {
            return Outcome::reject("Variables must be an object.");
        };
        match object_param(fields.extensions) {
            Ok(Some(_)) => {}
            Ok(None) => return Outcome::reject("Extensions must be an object."),
            Err(()) => return Outcome::reject("Extensions are invalid JSON."),
        }
        let operation_name = match fields.operation_name {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name),
            Some(_) => return Outcome::reject("Operation name must be a string."),
        };
        // The closure runs only when the decision log keeps a record of the request.
        viewer.note(|record| {
            record.document = Some(self.documents.digest(&query).to_string());
            record.operation.clone_from(&operation_name);
        });
        let request = || {
            let mut request = async_graphql::Request::new(query.as_str());
            if variables != Value::Null {
                request = request.variables(Variables::from_json(variables.clone()));
            }
            if let Some(name) = &operation_name {
                request = request.operation_name(name.as_str());
            }
            request
        };
        let max_bytes = usize::try_from(viewer.limits.max_response_bytes).unwrap_or(usize::MAX);
        let mut response = Box::pin(self.run(request(), viewer, Some(&request))).await;
        for error in &mut response.errors {
            one_line_syntax_error(&mut error.message);
            graphql_core_wording(&mut error.message);
        }
        // Parsing and validation errors stop a request before execution, leaving no data: the
        // tutorial's server answers those with only `errors`. Every root field is nullable, so
        // an executed request always has data.
        let rejected = response.data == async_graphql::Value::Null && !response.errors.is_empty();
        Outcome {
            rejected,
            response,
            max_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `Api` over a fresh database holding the repository's `seeder.toml`.
    fn api() -> (tempfile::TempDir, Api) {
        let (dir, path, _) = db::tutorial_league();
        (dir, Api::new(Store::open(&path).unwrap()))
    }

    async fn run(api: &Api, query: &str) -> Value {
        let response = api
            .execute(async_graphql::Request::new(query), Viewer::admin())
            .await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.into_json().unwrap()
    }

    #[tokio::test]
    async fn node_finds_all_three_types_and_nothing_else() {
        let (_dir, api) = api();
        let data = run(
            &api,
            r#"{ p: node(id: "UGxheWVyT2JqZWN0OjE=") { id ... on PlayerObject { name } }
                 t: node(id: "VGVhbU9iamVjdDo0") { ... on TeamObject { name } }
                 g: node(id: "R2FtZU9iamVjdDo4") { ... on GameObject { level } }
                 wrong: node(id: "UGFnZUluZm86MQ==") { id }
                 missing: node(id: "R2FtZU9iamVjdDo5OQ==") { id }
                 garbage: node(id: "%%%") { id } }"#,
        )
        .await;
        assert_eq!(
            data,
            json!({
                "p": {"id": "UGxheWVyT2JqZWN0OjE=", "name": "Harry Potter"},
                "t": {"name": "Hufflepuff"},
                "g": {"level": "First"},
                "wrong": null, "missing": null, "garbage": null
            })
        );
    }

    #[tokio::test]
    async fn a_nested_list_reads_each_table_once() {
        let (_dir, api) = api();
        let before = api.store().statements();
        let data = run(
            &api,
            "{ allPlayers { edges { node { teamName { name players(last: 1) { edges { node { name } } } } } } } }",
        )
        .await;
        // A page of players (with the row after it: no count), teams by id, team sizes, one
        // slice of each team's players.
        assert_eq!(api.store().statements() - before, 4);
        let last = &data["allPlayers"]["edges"][0]["node"]["teamName"]["players"]["edges"][0];
        assert_eq!(last["node"]["name"], "Katie Bell");
    }

    #[tokio::test]
    async fn remembered_documents_answer_as_fresh_ones() {
        let (_dir, api) = api();
        let body = |query: &str, vars: &str| {
            serde_json::to_vec(&json!({ "query": query, "variables": vars })).unwrap()
        };
        let cases = [
            body("{ getGame(id: 8) { level child { id } } }", ""),
            body("{ getGame(id: 8) { level nope } }", ""),
            body("{ getGame(id: \"8\") { level } }", ""),
            body(
                "query ($id: Int) { getGame(id: $id) { level } }",
                "{\"id\": 8}",
            ),
            body(
                "query ($id: Int) { getGame(id: $id) { level } }",
                "{\"id\": \"x\"}",
            ),
        ];
        for case in &cases {
            let first = api.execute_json(case, Viewer::admin()).await;
            for _ in 0..2 {
                let again = api.execute_json(case, Viewer::admin()).await;
                assert_eq!(again.to_json(), first.to_json());
                assert_eq!(again.rejected, first.rejected);
            }
        }
        let wrong_type = api.execute_json(&cases[4], Viewer::admin()).await;
        assert!(wrong_type.rejected, "{}", wrong_type.to_json());
    }

    /// A relation read directly (a lone object) and through a loader (in a list) hides the
    /// same rows the same way: `null` and `FORBIDDEN`.
    #[tokio::test]
    async fn lone_and_listed_relations_hide_rows_alike() {
        let (_dir, api) = api();
        let only = |sql: &str| Some(SqlFilter::new(sql, Vec::new()));
        let viewer = Viewer {
            principal: Principal::Subject { id: "x".into() },
            filters: Arc::new(RowFilters {
                games: only("id = 8"),
                teams: only("id <> 1"),
                ..RowFilters::default()
            }),
            ..Viewer::default()
        };
        let response = api
            .execute(
                async_graphql::Request::new(
                    r#"{ getGame(id: 8) { child { id } }
                         allGames { edges { node { child { id } } } }
                         getPlayer(name: "Harry Potter") { teamName { id } }
                         allPlayers(first: 1) { edges { node { teamName { id } } } } }"#,
                ),
                viewer,
            )
            .await;
        let data = response.data.into_json().unwrap();
        assert_eq!(data["getGame"]["child"], Value::Null);
        assert_eq!(data["allGames"]["edges"][0]["node"]["child"], Value::Null);
        assert_eq!(data["getPlayer"]["teamName"], Value::Null);
        assert_eq!(
            data["allPlayers"]["edges"][0]["node"]["teamName"],
            Value::Null
        );
        let forbidden = response
            .errors
            .iter()
            .filter(|e| e.message == NOT_AUTHORIZED)
            .count();
        assert_eq!(forbidden, 4, "{:?}", response.errors);
    }

    /// A lone game, its child and whether each column readable on some rows only may be read
    /// on each are one statement, however many columns and rules: the reads the loaders would
    /// make, with the same filters, so the answers are those of the separate reads.
    #[tokio::test]
    async fn a_lone_game_reads_its_child_and_its_field_rules_in_one_statement() {
        let (_dir, api) = api();
        let only = |sql: &str| Some(SqlFilter::new(sql, Vec::new()));
        let rule = |sql: &str, withheld: Withheld| FieldRule {
            readable: only(sql),
            withheld,
        };
        let viewer = |games: &str| Viewer {
            principal: Principal::Subject { id: "x".into() },
            filters: Arc::new(RowFilters {
                games: only(games),
                ..RowFilters::default()
            }),
            fields: Arc::new(HashMap::from([
                (
                    (Table::Games, "winner_id".to_string()),
                    rule("winner_id = 4", Withheld::Error("no winner".into())),
                ),
                (
                    (Table::Games, "loser_id".to_string()),
                    rule("winner_id = 4", Withheld::Error("no loser".into())),
                ),
                (
                    (Table::Games, "child_id".to_string()),
                    rule("id = 9", Withheld::Null),
                ),
            ])),
            ..Viewer::default()
        };
        let document = "{ getGame(id: 8) { winnerId loserId childId child { id level childId } } }";
        for (games, child) in [("id IN (8, 9)", true), ("id = 8", false)] {
            let before = api.store().statements();
            let response = api
                .execute(async_graphql::Request::new(document), viewer(games))
                .await;
            // The game and its child, with the rules of both (of 8 alone when 9 is hidden).
            assert_eq!(api.store().statements() - before, 1, "{games}");
            let data = response.data.into_json().unwrap();
            let messages: Vec<&str> = response.errors.iter().map(|e| e.message.as_str()).collect();
            assert_eq!(data["getGame"]["winnerId"], 4, "{games}");
            assert_eq!(data["getGame"]["loserId"], 3, "{games}");
            assert_eq!(data["getGame"]["childId"], Value::Null, "{games}");
            if child {
                assert_eq!(data["getGame"]["child"]["level"], "Final");
                assert_eq!(data["getGame"]["child"]["childId"], Value::Null);
                assert!(messages.is_empty(), "{messages:?}");
            } else {
                assert_eq!(data["getGame"]["child"], Value::Null);
                assert_eq!(messages, [NOT_AUTHORIZED]);
            }
        }
        // A rule the row fails withholds the field with its message.
        let before = api.store().statements();
        let response = api
            .execute(
                async_graphql::Request::new("{ getGame(id: 9) { level winnerId loserId } }"),
                viewer("id = 9"),
            )
            .await;
        let mut messages: Vec<&str> = response.errors.iter().map(|e| e.message.as_str()).collect();
        messages.sort_unstable();
        assert_eq!(messages, ["no loser", "no winner"]);
        assert_eq!(api.store().statements() - before, 1);
    }

    /// A page of a root list reads its rows and whether each column readable on some rows only
    /// may be read on each in one statement: the rules' answers are those the field loader
    /// would read, so a column is withheld, with its rule's error, on exactly the rows its rule
    /// fails (`year` is answered `null`, `name`, non-null, nulls its node).
    #[tokio::test]
    async fn a_page_judges_its_field_rules_in_its_own_statement() {
        let (_dir, api) = api();
        let rule = |sql: &str, message: &str| FieldRule {
            readable: Some(SqlFilter::new(sql, Vec::new())),
            withheld: Withheld::Error(message.into()),
        };
        let viewer = || Viewer {
            principal: Principal::Subject { id: "x".into() },
            fields: Arc::new(HashMap::from([
                (
                    (Table::Players, "year".to_string()),
                    rule("team_id = 1", "no year"),
                ),
                (
                    (Table::Players, "name".to_string()),
                    rule("year > 2", "no name"),
                ),
            ])),
            ..Viewer::default()
        };
        // Players 1-4: teams 1, 2, 1, 2; years 2, 2, 4, 2.
        for (field, shown, message) in [
            ("year", [true, false, true, false], "no year"),
            ("name", [false, false, true, false], "no name"),
        ] {
            let before = api.store().statements();
            let document =
                format!("{{ allPlayers(first: 4) {{ edges {{ node {{ {field} }} }} }} }}");
            let response = api
                .execute(async_graphql::Request::new(document), viewer())
                .await;
            assert_eq!(api.store().statements() - before, 1, "{field}");
            let data = response.data.into_json().unwrap();
            let nodes: Vec<bool> = data["allPlayers"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| !e["node"][field].is_null())
                .collect();
            assert_eq!(nodes, shown, "{field}");
            let messages: Vec<&str> = response.errors.iter().map(|e| e.message.as_str()).collect();
            let withheld = shown.iter().filter(|s| !**s).count();
            assert_eq!(messages, vec![message; withheld], "{field}");
        }
    }

    /// On PostgreSQL a request with no snapshot of its viewer's reads alone (`Store::alone`)
    /// while its document has needed one statement, the decision log's record or not; one that
    /// needs a second runs again, and what the attempt thrown away noted is taken back: the
    /// record is that of one run, as the next request's (read in a snapshot's transaction from
    /// the start) is.
    #[test]
    fn a_request_run_again_keeps_the_record_of_one_run() {
        let (db, store) = db::store::tests::postgres(1);
        db.psql(
            "INSERT INTO games (id, level, child_id, winner_id, loser_id) \
             VALUES (9, 'Final', NULL, 1, 4), (8, 'First', 9, 4, 3)",
        );
        let api = Api::new(store);
        let viewer = || Viewer {
            principal: Principal::Subject { id: "x".into() },
            filters: Arc::new(RowFilters {
                games: Some(SqlFilter::new("id >= 8", Vec::new())),
                ..RowFilters::default()
            }),
            record: Some(Arc::default()),
            ..Viewer::default()
        };
        // The page, then the children: two statements.
        let body =
            br#"{"query": "{ allGames(first: 2) { edges { node { level child { level } } } } }"}"#;
        // Made after the database, whose first connection runs a runtime of its own.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut runs = Vec::new();
        for _ in 0..2 {
            let viewer = viewer();
            let record = Arc::clone(viewer.record.as_ref().unwrap());
            let before = api.store().statements();
            let outcome = runtime.block_on(api.execute_json(body, viewer));
            let statements = api.store().statements() - before;
            assert!(
                outcome.response.errors.is_empty(),
                "{:?}",
                outcome.response.errors
            );
            let record = record.lock().unwrap().clone();
            runs.push((
                outcome.response.data.into_json().unwrap(),
                statements,
                record,
            ));
        }
        let [
            (first, read_first, noted_first),
            (then, read_then, noted_then),
        ] = &runs[..]
        else {
            panic!("two runs");
        };
        assert_eq!(first, then);
        assert_eq!(
            first["allGames"]["edges"][0]["node"],
            json!({"level": "First", "child": {"level": "Final"}})
        );
        // Read alone, refused the second, then both again; then both at once.
        assert_eq!((*read_first, *read_then), (4, 2));
        assert_eq!(noted_first.lists, [Table::Games]);
        assert_eq!(
            format!("{noted_first:?}"),
            format!("{noted_then:?}"),
            "one run's record"
        );
    }

    #[tokio::test]
    async fn the_viewer_filters_every_read() {
        let (_dir, api) = api();
        let viewer = Viewer {
            principal: Principal::Subject { id: "x".into() },
            filters: Arc::new(RowFilters {
                players: Some(SqlFilter::new(
                    "team_id = ?",
                    vec![rusqlite::types::Value::Integer(1)],
                )),
                ..RowFilters::default()
            }),
            ..Viewer::default()
        };
        let response = api
            .execute(
                async_graphql::Request::new(
                    "{ allPlayers { edges { node { name } } } getPlayer(name: \"Draco Malfoy\") { id } }",
                ),
                viewer,
            )
            .await;
        let data = response.data.into_json().unwrap();
        assert_eq!(data["getPlayer"], Value::Null);
        let names: Vec<&str> = data["allPlayers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"Harry Potter") && !names.contains(&"Draco Malfoy"),
            "{names:?}"
        );
    }
}
