//! Enforcement: from `policies.toml` and a subject to the GraphQL layer's [`Viewer`].
//!
//! This is the one place where the engine's decisions become the server's behaviour, so that
//! what `quidditch serve` returns always agrees with `quidditch authz explain`: every list is
//! filtered in SQL with the residual filter `authz` computes for (subject, `read`, type), every
//! column readable on some rows only gets the residual of the allows that grant it, and the
//! query limits are the ones `authz explain --user` shows. Like `access`, it may see `db`,
//! `authz` and `graphql`; none of them sees it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::access::{self, AccessError, Bridge, SubjectRef};
use crate::authz::policy::{Identity, SubjectMap};
use crate::authz::{
    ColumnAccess, Context, ContextValue, Filter, Located, Planner, PolicySet, QueryLimits,
    ReadFail, Subject, Value,
};
use crate::db::sql::Dialect;
use crate::db::store::{Changes, Store, Table};
use crate::graphql::{Audit, Deciders, FieldRule, Principal, RowFilters, Viewer, Withheld};
use crate::identity::{self, AuthConfig, AuthError, Claims, Credential, Presented};

/// The policy type of each table the API serves.
const TABLES: [(Table, &str); 3] = [
    (Table::Teams, "team"),
    (Table::Players, "player"),
    (Table::Games, "game"),
];

/// The admin (the admin secret, or the database holder in-process). Without policies: every
/// row and field. With them: the `admin` role's access plans, as for any subject holding it
/// (the shipped `admin-all` grants every row and field; a field-level deny naming `admin` hides
/// that field from the admin too). A policy file without an `admin` role leaves the admin
/// secret unrestricted.
pub fn admin<'a>(
    db: impl Into<access::Db<'a>>,
    set: Option<&'a PolicySet>,
) -> Result<Viewer, AccessError> {
    let Some(set) = set.filter(|s| s.roles.contains_key(ADMIN)) else {
        return Ok(Viewer {
            limits: set.map_or_else(QueryLimits::default, |set| {
                set.limits_for(&[ADMIN.to_string()])
            }),
            ..Viewer::admin()
        });
    };
    // Not materialized: the admin's viewer lives as long as the server, so a transitive
    // condition stays a recursive CTE, read fresh by every statement.
    compile_viewer(
        &Bridge::new(db, set),
        &Planner::for_role(set, ADMIN),
        Principal::Admin,
        false,
    )
}

/// The role the admin secret stands for.
const ADMIN: &str = "admin";

/// Transitive conditions whose rows are at most this many are turned into a list of keys when
/// a viewer is built; larger ones stay recursive CTEs in every statement.
const MATERIALIZE_AT_MOST: usize = 512;

/// `filter` with each transitive condition (a recursive CTE on every read) replaced by the keys
/// of the rows it selects now, when they are few: `id IN (8, 9)` instead of a walk of the
/// bracket per statement. A viewer lives until the next commit to the database (see [`Gate`]), so
/// the list is as fresh as the rest of the viewer. Only where just its truth counts: under a
/// `NOT` (`exact`) a transitive condition may be unknown (cut at the depth limit), which a
/// list of keys cannot say, so it stays.
fn materialize(
    bridge: &Bridge<'_>,
    ty: &str,
    filter: &Filter,
    exact: bool,
) -> Result<Filter, AccessError> {
    let set = bridge.set();
    let each = |parts: &[Filter], exact: bool| -> Result<Vec<Filter>, AccessError> {
        parts
            .iter()
            .map(|p| materialize(bridge, ty, p, exact))
            .collect()
    };
    Ok(match filter {
        Filter::And { parts } => Filter::And {
            parts: each(parts, exact)?,
        },
        Filter::Or { parts } => Filter::Or {
            parts: each(parts, exact)?,
        },
        Filter::Not { inner } => Filter::Not {
            inner: Box::new(materialize(bridge, ty, inner, true)?),
        },
        Filter::IsTrue { inner } => Filter::IsTrue {
            inner: Box::new(materialize(bridge, ty, inner, false)?),
        },
        Filter::Transitive { .. } if !exact => {
            let sql = access::compile_where(bridge.dialect(), set, ty, filter)?;
            let keys = bridge.select_ids(ty, &sql)?;
            match set.types.get(ty) {
                Some(def) if keys.len() <= MATERIALIZE_AT_MOST => Filter::InList {
                    column: def.key.clone(),
                    negated: false,
                    values: keys,
                },
                _ => filter.clone(),
            }
        }
        other => other.clone(),
    })
}

/// The viewer for `subject`: its row filters, field rules and query limits, from the bridge's
/// policies.
pub fn viewer(bridge: &Bridge<'_>, subject: &Subject) -> Result<Viewer, AccessError> {
    let planner = Planner::new(bridge.set(), bridge.entities(), subject)?;
    compile_viewer(
        bridge,
        &planner,
        Principal::Subject {
            id: subject.label(),
        },
        true,
    )
}

/// The viewer of a planner's access plans: the one place plans become the server's behaviour.
fn compile_viewer(
    bridge: &Bridge<'_>,
    planner: &Planner<'_>,
    principal: Principal,
    materialized: bool,
) -> Result<Viewer, AccessError> {
    let set = bridge.set();
    let materialize = |ty: &str, filter: &Filter| {
        if materialized {
            materialize(bridge, ty, filter, false)
        } else {
            Ok(filter.clone())
        }
    };
    let mut filters = RowFilters::default();
    let mut fields = HashMap::new();
    let mut forbidden = HashMap::new();
    let mut audit = Audit {
        roles: planner.role_names(),
        ..Audit::default()
    };
    for (table, ty) in TABLES {
        let plan = planner.plan("read", ty)?;
        let rows = if *plan.rows() == Filter::TRUE {
            None
        } else {
            audit.rows.insert(
                table,
                Deciders {
                    allows: plan.allows(),
                    denies: plan.denies(),
                },
            );
            forbidden.insert(
                table,
                match &plan.row_withheld {
                    ReadFail::Error { message } => message.clone(),
                    ReadFail::Null => crate::graphql::NOT_AUTHORIZED.to_string(),
                },
            );
            let filter = materialize(ty, plan.rows())?;
            Some(access::compile_where(bridge.dialect(), set, ty, &filter)?)
        };
        match table {
            Table::Teams => filters.teams = rows,
            Table::Players => filters.players = rows,
            Table::Games => filters.games = rows,
        }
        for rule in &plan.columns {
            let readable = match &rule.access {
                ColumnAccess::Always => continue,
                ColumnAccess::Never => None,
                ColumnAccess::Rows { filter } => {
                    let readable = materialize(ty, filter)?;
                    Some(access::compile_where(bridge.dialect(), set, ty, &readable)?)
                }
            };
            let withheld = match &rule.withheld {
                ReadFail::Null => Withheld::Null,
                ReadFail::Error { message } => Withheld::Error(message.clone()),
            };
            audit.fields.insert(
                (table, rule.column.clone()),
                Deciders {
                    allows: rule.granted_by.clone(),
                    denies: rule.denied_by.clone(),
                },
            );
            fields.insert(
                (table, rule.column.clone()),
                FieldRule { readable, withheld },
            );
        }
    }
    Ok(Viewer {
        principal,
        filters: Arc::new(filters),
        fields: Arc::new(fields),
        forbidden: Arc::new(forbidden),
        limits: planner.limits(),
        audit: Arc::new(audit),
        record: None,
        snapshot: None,
    })
}

/// Why a request's credentials were refused: the server answers HTTP 401.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("the token's subject `{sub}` is not a player or staff member of this league")]
    UnknownSubject { sub: String },
    #[error("the token has no `{claim}` claim{}", in_namespace(.namespace.as_deref()))]
    NoSubjectClaim {
        claim: String,
        namespace: Option<String>,
    },
    #[error("cannot act as `{reference}`: {reason}")]
    Impersonation {
        reference: String,
        reason: AccessError,
    },
    /// The database could not be read (or watched for commits).
    #[error("reading the subject failed: {0}")]
    Store(#[from] crate::db::Error),
    /// The policies could not be evaluated against the database.
    #[error("reading the subject failed: {0}")]
    Access(#[from] AccessError),
    /// Every database connection is in use, or PostgreSQL did not answer within
    /// [`crate::db::pg::INLINE_WAIT`]: deciding now would wait, which a caller on an async
    /// worker must not do ([`Gate::viewer_waiting`] may).
    #[error("every database connection is in use, or the database is slow to answer")]
    Busy,
    /// The policies no longer match the database's schema ([`Gate::ready`]): each problem.
    #[error(
        "the policies no longer match the database: {}",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Schema(Vec<Located>),
}

/// A policy file's name (as the commands show it) and text.
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub origin: String,
    pub text: String,
}

fn in_namespace(namespace: Option<&str>) -> String {
    namespace.map_or_else(String::new, |ns| format!(" in its `{ns}` claim"))
}

/// Who a verified token names, before the row is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenSubject {
    /// `TYPE:ID`.
    Ref(SubjectRef),
    /// The row of `ty` whose `column` is `value`.
    Column {
        ty: String,
        column: String,
        value: Value,
    },
}

/// A subject's lookup that failed: `refused` when the reference names no subject (or several:
/// the credential is at fault, 401), else the failure itself (the row could not be read: the
/// request's access cannot be decided, 500), never blamed on the credential.
fn not_a_subject(err: AccessError, refused: impl FnOnce(AccessError) -> GateError) -> GateError {
    match err {
        AccessError::UnknownUser { .. } | AccessError::AmbiguousUser { .. } => refused(err),
        other => GateError::Access(other),
    }
}

/// The subject `claims` name under `[identity]`: the subject claim (inside the namespace claim
/// when one is configured), as a reference or a column value. A token without it, or with a
/// value that cannot name a row, is refused: never anonymous.
pub fn token_subject(identity: &Identity, claims: &Claims) -> Result<TokenSubject, GateError> {
    let missing = || GateError::NoSubjectClaim {
        claim: identity.subject_claim.clone(),
        namespace: identity.namespace.clone(),
    };
    let value = match &identity.namespace {
        None => claims.get(&identity.subject_claim),
        Some(ns) => claims
            .get(ns)
            .and_then(|object| object.get(&identity.subject_claim).cloned()),
    }
    .ok_or_else(missing)?;
    let unknown = |value: &serde_json::Value| GateError::UnknownSubject {
        sub: match value {
            serde_json::Value::String(text) => text.chars().take(200).collect(),
            other => other.to_string().chars().take(200).collect(),
        },
    };
    match &identity.map {
        SubjectMap::Ref => {
            let serde_json::Value::String(reference) = &value else {
                return Err(unknown(&value));
            };
            let reference = SubjectRef::parse(reference).ok_or_else(|| unknown(&value))?;
            Ok(TokenSubject::Ref(reference))
        }
        SubjectMap::Column { ty, column } => {
            let cell = match &value {
                serde_json::Value::String(text) if !text.is_empty() => Value::Text(text.clone()),
                serde_json::Value::Number(n) if n.is_i64() => {
                    Value::Int(n.as_i64().ok_or_else(|| unknown(&value))?)
                }
                _ => return Err(unknown(&value)),
            };
            Ok(TokenSubject::Column {
                ty: ty.clone(),
                column: column.clone(),
                value: cell,
            })
        }
    }
}

/// The request context `[context]` declares, from what the request carries: `now` (to the
/// second), `ip` (the client's address), `scopes` (the token's `scope`, else `scp`) and
/// `claims.NAME` (inside the `[identity]` namespace claim when it holds NAME, else the
/// token's own). A value missing or of another type is left out: conditions needing it fail
/// closed. Empty, at no cost, when the policies use no context.
pub fn request_context(
    set: &PolicySet,
    claims: Option<&Claims>,
    peer: Option<std::net::IpAddr>,
) -> Context {
    let mut out = Context::new();
    for (name, declared) in &set.context {
        let value = match name.as_str() {
            "now" => Some(ContextValue::Scalar(Value::Text(now_text()))),
            "ip" => peer.map(ContextValue::Ip),
            "scopes" => claims
                .and_then(|c| c.get("scope").or_else(|| c.get("scp")))
                .and_then(|json| ContextValue::from_json(declared.ty, &json)),
            other => other
                .strip_prefix(crate::authz::context::CLAIMS)
                .zip(claims)
                .and_then(|(claim, claims)| {
                    set.identity
                        .namespace
                        .as_ref()
                        .and_then(|ns| claims.get(ns))
                        .and_then(|object| object.get(claim).cloned())
                        .or_else(|| claims.get(claim))
                })
                .and_then(|json| ContextValue::from_json(declared.ty, &json)),
        };
        if let Some(value) = value {
            out.insert(name.clone(), value);
        }
    }
    out
}

/// The time now, to the second, as the request context writes it: formatted once a second per
/// thread (formatting it was a tenth of deciding a cached viewer's request).
fn now_text() -> String {
    thread_local! {
        static NOW: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let secs = i64::try_from(identity::now()).unwrap_or(i64::MAX);
    NOW.with(|now| {
        let mut now = now.borrow_mut();
        if now.0 != secs {
            *now = (secs, crate::authz::context::format_time(secs));
        }
        now.1.clone()
    })
}

/// At most this many viewers are cached; past it the cache starts afresh.
const VIEWER_CACHE: usize = 4096;

/// Viewers computed for the database as it is now, and what tells when it changes.
struct Fresh {
    /// On SQLite, the watcher of commits; on PostgreSQL none: each request's snapshot says
    /// which state of the database it sees, and `version` is the one the cached viewers were
    /// computed on.
    changes: Option<Changes>,
    version: Option<String>,
    /// Moves on at every commit noticed; a viewer computed before it is not cached.
    generation: u64,
    /// By subject: the viewer and the request context it was computed with (empty when the
    /// policies use none). A request with another context computes its own, which replaces it.
    viewers: HashMap<ViewerKey, (Context, Viewer)>,
}

impl Fresh {
    /// Notes whether the database changed, dropping every cached viewer if it did, and returns
    /// the generation: on SQLite, whether anything was committed since the last check; on
    /// PostgreSQL (no `changes`), whether `version`, the state the request's snapshot sees, is
    /// another than the cached viewers'.
    fn refresh(&mut self, version: Option<String>) -> Result<u64, GateError> {
        let changed = match &mut self.changes {
            Some(changes) => changes.changed()?,
            None if self.version != version => {
                self.version = version;
                true
            }
            None => false,
        };
        if changed {
            self.generation += 1;
            self.viewers.clear();
        }
        Ok(self.generation)
    }
}

/// A state of the database, as far as the server can tell one from another: on PostgreSQL the
/// name of the snapshot that sees it, on SQLite the generation of commits.
type MatchedState = (Option<String>, Option<u64>);

/// Turns a request's credentials into its viewer: the server's one authorization entry point.
///
/// A viewer is computed from the subject's rows and the policies (roles, materialized key
/// lists) and reused for the same subject until the database changes, and a change drops every
/// cached viewer. The request's snapshot is begun here and the viewer decided on the state it
/// sees; the request then reads that same snapshot, so its filters and its rows can never come
/// from two sides of a commit. On SQLite, the generation of the last check for commits (any
/// request's, [`Gate::checked`]) is taken before the snapshot begins, and whether anything was
/// committed (`Changes`) is asked after: a cached viewer is used only when no commit came between
/// (else one is computed on the snapshot, and not cached). On PostgreSQL the snapshot
/// names its state in the round trip of its `BEGIN` (`Store::begin_now`), and a cached viewer is
/// used only if it was computed on that state.
pub struct Gate {
    auth: AuthConfig,
    /// The admin's viewer, the same for every admin request.
    admin: Viewer,
    set: Arc<PolicySet>,
    /// The policy file's name and text, to say where a problem [`Gate::ready`] finds is.
    source: PolicySource,
    /// The state of the database the policies were last found to match ([`Gate::ready`]): on
    /// PostgreSQL the snapshot's name, on SQLite the commits' generation.
    matched: Mutex<Option<MatchedState>>,
    store: Store,
    fresh: Mutex<Fresh>,
    /// `fresh`'s generation as of its last completed check, read without its lock: a
    /// request's "before" (see [`Gate::decide`]). Asking SQLite itself there, as well as after
    /// the snapshot began, cost a second statement per request under the lock every worker
    /// takes, and the workers queued on it.
    checked: AtomicU64,
    /// Verified tokens by their `Authorization` header.
    tokens: Mutex<HashMap<String, Claims>>,
}

impl Gate {
    /// The gate for `set` (parsed from `source`) over `store`; fails when the admin's viewer
    /// cannot be computed or the database cannot be watched for commits.
    pub fn new(
        auth: AuthConfig,
        set: PolicySet,
        source: PolicySource,
        store: Store,
    ) -> Result<Self, GateError> {
        let admin = store.lend(|conn| admin(conn, Some(&set)))??;
        let changes = store.changes()?;
        Ok(Gate {
            auth,
            admin,
            set: Arc::new(set),
            source,
            matched: Mutex::new(None),
            store,
            fresh: Mutex::new(Fresh {
                changes,
                version: None,
                generation: 0,
                viewers: HashMap::new(),
            }),
            checked: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// Whether any credential other than none can be accepted.
    pub fn accepts_credentials(&self) -> bool {
        self.auth.verifier.is_some() || self.auth.admin_secret.is_some()
    }

    /// The viewer of a request that presented `presented`, without waiting for a database
    /// connection, or for PostgreSQL longer than [`crate::db::pg::INLINE_WAIT`] at a time
    /// (either way [`GateError::Busy`]: decided again on a blocking thread, on a new snapshot;
    /// the abandoned one's statement is cancelled).
    pub fn viewer(&self, presented: Presented<'_>) -> Result<Viewer, GateError> {
        crate::db::pg::bounded(|| self.decide(presented, false, None))
            .unwrap_or(Err(GateError::Busy))
    }

    /// [`Self::viewer`] for a request that found every connection in use: its snapshot waits
    /// for one to be given back, holding no thread ([`Store::hold`]), and is decided on as
    /// [`Self::viewer`] decides. [`GateError::Busy`] when PostgreSQL is slow to answer:
    /// decided on a blocking thread.
    pub async fn viewer_held(&self, presented: Presented<'_>) -> Result<Viewer, GateError> {
        let snapshot = self.store.snapshot();
        snapshot.hold().await?;
        crate::db::pg::bounded(|| self.decide(presented, false, Some(snapshot)))
            .unwrap_or(Err(GateError::Busy))
    }

    /// [`Self::viewer`], waiting for a connection when all are in use: for a blocking thread.
    pub fn viewer_waiting(&self, presented: Presented<'_>) -> Result<Viewer, GateError> {
        self.decide(presented, true, None)
    }

    /// Whether requests can be decided now: a new snapshot of the database begins (waiting for
    /// a connection if every one is in use) and the policies still match its schema, as
    /// `serve` checked them at start (a column renamed since would fail every request that
    /// reads it). The health check's question (`GET /healthz`). The schema is checked again only
    /// when the database changed since it last matched (on SQLite a commit noticed, on
    /// PostgreSQL another state named by the snapshot), so a probe costs one round trip.
    pub fn ready(&self) -> Result<(), GateError> {
        let snapshot = self.store.snapshot();
        // SQLite's generation is asked before the snapshot begins (`decide` takes the last one
        // asked, which ended before too), so a commit between the two makes the next probe
        // check again, never skip a state unchecked.
        let generation = match self.store.dialect() {
            Dialect::Sqlite => Some(self.generation()?),
            Dialect::Postgres => None,
        };
        let state = (snapshot.begin_now()?, generation);
        self.schema_matches(&snapshot, state, true)
    }

    /// Whether the policies match the schema of the database as `snapshot` sees it, the state
    /// `state` (on PostgreSQL the snapshot's name, on SQLite the commits' generation): checked
    /// unless they were found to match that state already. `record`: whether `state` is
    /// surely the one the snapshot sees, so that a match may be remembered for it.
    fn schema_matches(
        &self,
        snapshot: &Store,
        state: MatchedState,
        record: bool,
    ) -> Result<(), GateError> {
        let matched = || self.matched.lock().unwrap_or_else(PoisonError::into_inner);
        if record && matched().as_ref() == Some(&state) {
            return Ok(());
        }
        // Not under the lock: the check reads the database (on the request's async worker), and
        // every other worker's request on a new state would wait for it there. Two requests
        // may then check one state both, which is harmless.
        let problems = snapshot.lend(|conn| Bridge::new(conn, &self.set).check_schema())??;
        let mut matched = matched();
        if problems.is_empty() {
            if record {
                *matched = Some(state);
            }
            return Ok(());
        }
        *matched = None;
        Err(GateError::Schema(
            crate::authz::PolicyError::located(&self.source.origin, &self.source.text, &problems)
                .problems,
        ))
    }

    /// The viewer of `presented`, decided on `held` (a snapshot holding its connection) or on a
    /// snapshot begun here: [`GateError::Busy`] when that would wait for a connection and
    /// `wait` is false.
    fn decide(
        &self,
        presented: Presented<'_>,
        wait: bool,
        held: Option<Store>,
    ) -> Result<Viewer, GateError> {
        let credential = if let Some(claims) = self.verified(presented) {
            Credential::Token(claims)
        } else {
            let credential = identity::authenticate(&self.auth, presented)?;
            if let (Credential::Token(claims), Some(header)) =
                (&credential, presented.authorization)
            {
                self.remember(header, claims);
            }
            credential
        };
        let (key, context) = match credential {
            Credential::Admin => return Ok(self.admin.clone()),
            Credential::Anonymous => (ViewerKey::Anonymous, self.context(None, presented.peer)),
            Credential::Impersonate(reference) => (
                ViewerKey::Impersonate(reference),
                self.context(None, presented.peer),
            ),
            Credential::Token(claims) => (
                ViewerKey::Token(token_subject(&self.set.identity, &claims)?),
                self.context(Some(&claims), presented.peer),
            ),
        };
        // The request's snapshot, begun now: the viewer is decided on the state it sees.
        let snapshot = held.unwrap_or_else(|| self.store.snapshot());
        let postgres = self.store.dialect() == Dialect::Postgres;
        if postgres && !wait && !snapshot.try_hold() {
            return Err(GateError::Busy);
        }
        // SQLite: the generation of the last check for commits, which ended before the
        // snapshot begins. If the check after finds the same one, no commit came between (one
        // would have moved it on), and the snapshot sees exactly that generation's state.
        // PostgreSQL: the snapshot names its state as it begins.
        let before = if postgres {
            None
        } else {
            Some(self.checked.load(Ordering::Acquire))
        };
        let version = snapshot.begin_now()?;
        let (hit, generation) = match self.cached(&key, &context, version.clone())? {
            Cached::Hit { viewer, generation } => (Some(viewer), generation),
            Cached::Miss { generation } => (None, generation),
        };
        let consistent = before.is_none_or(|before| before == generation);
        if let Some(viewer) = hit.filter(|_| consistent) {
            return Ok(Viewer {
                snapshot: Some(snapshot),
                ..viewer
            });
        }
        // A viewer is computed only on a state whose schema the policies were found to match:
        // a column renamed or retyped under the server (SQLite compares a retyped column's
        // values as they come) refuses the request rather than deciding it on other data than
        // the policies describe. A cached viewer was computed on the same state.
        self.schema_matches(&snapshot, (version, before), consistent)?;
        let set = Arc::clone(&self.set);
        let viewer = snapshot.lend(|conn| {
            let bridge = Bridge::new(conn, &set);
            let subject = match &key {
                ViewerKey::Anonymous => Subject::anonymous(),
                ViewerKey::Impersonate(reference) => {
                    bridge.resolve_subject(reference).map_err(|reason| {
                        not_a_subject(reason, |reason| GateError::Impersonation {
                            reference: reference.clone(),
                            reason,
                        })
                    })?
                }
                ViewerKey::Token(TokenSubject::Ref(reference)) => {
                    bridge.resolve_subject_ref(reference).map_err(|reason| {
                        not_a_subject(reason, |_| GateError::UnknownSubject {
                            sub: reference.to_string(),
                        })
                    })?
                }
                ViewerKey::Token(TokenSubject::Column { ty, column, value }) => bridge
                    .subject_by(ty, column, value)?
                    .ok_or_else(|| GateError::UnknownSubject {
                        sub: value.to_string(),
                    })?,
            };
            let subject = subject.with_context(context.clone());
            Ok::<_, GateError>(viewer(&bridge, &subject)?)
        })??;
        let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        // Computed from data that a commit noticed meanwhile may have changed: used once only.
        if consistent && fresh.generation == generation {
            if fresh.viewers.len() >= VIEWER_CACHE {
                fresh.viewers.clear();
            }
            fresh.viewers.insert(key, (context, viewer.clone()));
        }
        Ok(Viewer {
            snapshot: Some(snapshot),
            ..viewer
        })
    }

    /// The claims of a token this gate has verified before, while it has not expired: the
    /// signature of the same bytes need not be checked again on every request. Only a request
    /// with nothing but that exact `Authorization` header qualifies.
    fn verified(&self, presented: Presented<'_>) -> Option<Claims> {
        let header = presented.authorization?;
        if presented.admin_secret.is_some()
            || presented.user.is_some()
            || presented.repeated.is_some()
        {
            return None;
        }
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let claims = tokens.get(header)?;
        (claims.exp > identity::now()).then(|| claims.clone())
    }

    fn remember(&self, header: &str, claims: &Claims) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.len() >= VIEWER_CACHE {
            tokens.clear();
        }
        tokens.insert(header.to_string(), claims.clone());
    }

    fn context(&self, claims: Option<&Claims>, peer: Option<std::net::IpAddr>) -> Context {
        request_context(&self.set, claims, peer)
    }

    /// The generation of the database now, on SQLite: after asking whether anything was
    /// committed since the last check.
    fn generation(&self) -> Result<u64, GateError> {
        Ok(self.refreshed(None)?.1)
    }

    /// `fresh` after [`Fresh::refresh`], still locked, and its generation, noted in
    /// [`Self::checked`].
    fn refreshed(
        &self,
        version: Option<String>,
    ) -> Result<(std::sync::MutexGuard<'_, Fresh>, u64), GateError> {
        let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = fresh.refresh(version)?;
        self.checked.store(generation, Ordering::Release);
        Ok((fresh, generation))
    }

    /// The viewer cached for `key` with `context`, unless the database has changed since it
    /// was computed (on PostgreSQL: unless it was computed on another state than `version`).
    fn cached(
        &self,
        key: &ViewerKey,
        context: &Context,
        version: Option<String>,
    ) -> Result<Cached, GateError> {
        let (fresh, generation) = self.refreshed(version)?;
        Ok(match fresh.viewers.get(key) {
            Some((with, viewer)) if with == context => Cached::Hit {
                viewer: viewer.clone(),
                generation,
            },
            _ => Cached::Miss { generation },
        })
    }
}

/// Whom a request's viewer is for: the viewer cache's key, and how its subject is found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ViewerKey {
    /// No credentials.
    Anonymous,
    /// The admin acting as a reference (`X-Quidditch-User`), resolved as `authz explain --user`
    /// resolves one: a failure says why.
    Impersonate(String),
    /// A token's subject.
    Token(TokenSubject),
}

/// What the viewer cache holds for a subject.
enum Cached {
    /// The viewer computed on the database as of `generation`.
    Hit { viewer: Viewer, generation: u64 },
    /// Compute it, for the database as of `generation`.
    Miss { generation: u64 },
}

impl crate::server::Authenticate for Gate {
    fn viewer(&self, presented: Presented<'_>) -> Result<Viewer, crate::server::Refusal> {
        Gate::viewer(self, presented).map_err(refusal)
    }

    fn viewer_held<'a>(
        &'a self,
        presented: Presented<'a>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Viewer, crate::server::Refusal>> + Send + 'a>>
    {
        Box::pin(async move { Gate::viewer_held(self, presented).await.map_err(refusal) })
    }

    fn viewer_waiting(&self, presented: Presented<'_>) -> Result<Viewer, crate::server::Refusal> {
        Gate::viewer_waiting(self, presented).map_err(refusal)
    }

    fn wants_peer(&self) -> bool {
        self.set.context.contains_key("ip")
    }

    fn ready(&self) -> bool {
        let Err(err) = Gate::ready(self) else {
            return true;
        };
        let why = match &err {
            GateError::Store(detail) => format!("the database: {}", crate::diag::causes(detail)),
            GateError::Access(detail) => format!(
                "checking the policies against the database: {}",
                crate::diag::causes(detail)
            ),
            other => other.to_string(),
        };
        tracing::warn!("not ready: {why}");
        false
    }
}

fn refusal(err: GateError) -> crate::server::Refusal {
    match err {
        GateError::Busy => crate::server::Refusal::Busy,
        GateError::Store(detail) => {
            let detail = crate::diag::causes(&detail);
            tracing::warn!("a request's access could not be decided: {detail}");
            crate::server::Refusal::Undecidable
        }
        GateError::Access(detail) => {
            let detail = crate::diag::causes(&detail);
            tracing::warn!("a request's access could not be decided: {detail}");
            crate::server::Refusal::Undecidable
        }
        GateError::Schema(_) => {
            tracing::warn!("a request's access could not be decided: {err}");
            crate::server::Refusal::Undecidable
        }
        other => crate::server::Refusal::Credentials(Box::new(other)),
    }
}
