//! Parsed documents, remembered by their text.
//!
//! Clients send the same few documents over and over (a page sends its queries with new
//! variables, never new text), and parsing is the largest single cost of a small request: the
//! parser is a PEG grammar that takes longer over `{ getGame(id: 8) { level } }` than the two
//! SQL reads behind it. A document that parsed once is cloned from here instead.
//!
//! Validation is remembered too, where that is exact: a document that declares no variables is
//! valid or not whatever the request carries (the schema is fixed), so once it has been
//! validated and executed, later requests with it skip the validation rules.
//!
//! The cache is bounded in entries and in the length of the texts it keeps, so a client sending
//! endless distinct documents costs parsing, never memory: when it is full it is emptied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::parser::types::ExecutableDocument;

use crate::authz::QueryLimits;
use crate::limits::{self, LimitError, Measure};

/// At most this many documents are kept.
const ENTRIES: usize = 256;
/// Longer texts are parsed every time (and never kept).
const LONGEST: usize = 8 * 1024;

/// Documents that parsed, by their text (cheap to clone, shared by every request).
#[derive(Clone, Default)]
pub struct Documents(Arc<Mutex<HashMap<String, Entry>>>);

struct Entry {
    doc: Arc<ExecutableDocument>,
    /// No operation declares variables: validity depends on the text alone.
    closed: bool,
    /// It passed validation once.
    valid: bool,
    /// Its SHA-256, once asked for (by the decision log).
    digest: Option<Arc<str>>,
    /// Whether it is plain, once asked for.
    plain: Arc<Plain>,
    /// What it measures, once asked for (used only once it is known valid).
    measured: Arc<Measured>,
    /// Whether a request with it read more than one statement.
    reads: Arc<Reads>,
}

/// What a request's document is, from [`Documents::prepared`].
pub struct Prepared {
    pub validation: Validation,
    /// The parsed document, shared (`None` when it does not parse).
    pub doc: Option<Arc<ExecutableDocument>>,
    pub plain: Arc<Plain>,
    /// Its remembered measure, for a document known valid: it declares no variables, so what
    /// it costs depends on the operation and the limits alone.
    pub measured: Option<Arc<Measured>>,
    /// Whether a request with it ever read more than one statement (`None` when it is not
    /// kept: nothing is learnt of it).
    pub reads: Option<Arc<Reads>>,
}

/// Whether a request with a document ever read more than one statement: until one did, its
/// requests read with `Store::alone` (one statement, no `BEGIN` and `COMMIT` around it), and
/// from then on in a snapshot's transaction from the start.
#[derive(Debug, Default)]
pub struct Reads(AtomicBool);

impl Reads {
    pub fn many(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn set_many(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A known-valid document's measure (`limits::measure`), remembered for the first operation
/// name and limits it is asked with (the default page size and the complexity budget are the
/// limits it reads).
#[derive(Debug, Default)]
pub struct Measured(std::sync::OnceLock<(Option<String>, u32, u32, Measure)>);

impl Measured {
    /// The measure for `operation` under `limits`: the remembered one, or `compute`'s
    /// (remembered when it is the first asked and there is one).
    pub fn get(
        &self,
        operation: Option<&str>,
        limits: &QueryLimits,
        compute: impl FnOnce() -> Option<Measure>,
    ) -> Option<Measure> {
        let key = (limits.default_page_size, limits.max_complexity);
        if let Some((name, page, budget, measure)) = self.0.get() {
            if name.as_deref() == operation && (*page, *budget) == key {
                return Some(*measure);
            }
            return compute();
        }
        let measure = compute()?;
        let _ = self
            .0
            .set((operation.map(str::to_string), key.0, key.1, measure));
        Some(measure)
    }
}

/// Whether a document's operation is plain (`conform::Shape::plain`), remembered for the first
/// operation name it is asked with: it depends on the document and that name alone.
#[derive(Debug, Default)]
pub struct Plain(std::sync::OnceLock<(Option<String>, bool)>);

impl Plain {
    /// The answer for `operation`: the remembered one, or `compute`'s (remembered when it is
    /// the first asked).
    pub fn get(&self, operation: Option<&str>, compute: impl FnOnce() -> bool) -> bool {
        if let Some((name, plain)) = self.0.get() {
            if name.as_deref() == operation {
                return *plain;
            }
            return compute();
        }
        let plain = compute();
        let _ = self.0.set((operation.map(str::to_string), plain));
        plain
    }
}

/// Whether a request's document must be validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// It is known valid: validating again would give the same answer.
    Known,
    /// Validate it, and tell [`Documents::valid`] when it passes: it will then be known.
    Learn,
    /// Validate it every time (it declares variables, or is not kept).
    Always,
}

impl Documents {
    /// Gives `request` its parsed document: the remembered one, or a fresh parse that is then
    /// remembered, and what is remembered with it. The text is checked against `limits` first
    /// ([`limits::check_text`]), except for the nesting of its brackets when it is remembered:
    /// that ceiling is the same for every subject, and a remembered text passed it before it
    /// was parsed. A document that does not parse is left alone (execution reports the error).
    pub fn prepared(
        &self,
        request: &mut async_graphql::Request,
        limits: &QueryLimits,
    ) -> Result<Prepared, LimitError> {
        limits::check_length(&request.query, limits)?;
        let unkept = |doc| Prepared {
            validation: Validation::Always,
            doc,
            plain: Arc::default(),
            measured: None,
            reads: None,
        };
        if request.query.len() > LONGEST {
            limits::check_brackets(&request.query)?;
            let doc = request.parsed_query().ok().map(|d| Arc::new(d.clone()));
            return Ok(unkept(doc));
        }
        if let Some(entry) = self.lock().get(&request.query) {
            request.set_parsed_query((*entry.doc).clone());
            let validation = match (entry.valid, entry.closed) {
                (true, _) => Validation::Known,
                (false, true) => Validation::Learn,
                (false, false) => Validation::Always,
            };
            return Ok(Prepared {
                validation,
                doc: Some(Arc::clone(&entry.doc)),
                plain: Arc::clone(&entry.plain),
                measured: (validation == Validation::Known).then(|| Arc::clone(&entry.measured)),
                reads: Some(Arc::clone(&entry.reads)),
            });
        }
        limits::check_brackets(&request.query)?;
        let Ok(doc) = request.parsed_query() else {
            return Ok(unkept(None));
        };
        let closed = doc
            .operations
            .iter()
            .all(|(_, op)| op.node.variable_definitions.is_empty());
        let doc = Arc::new(doc.clone());
        let entry = Entry {
            doc: Arc::clone(&doc),
            closed,
            valid: false,
            digest: None,
            plain: Arc::default(),
            measured: Arc::default(),
            reads: Arc::default(),
        };
        let plain = Arc::clone(&entry.plain);
        let reads = Arc::clone(&entry.reads);
        let mut map = self.lock();
        if map.len() >= ENTRIES {
            map.clear();
        }
        map.insert(request.query.clone(), entry);
        let validation = if closed {
            Validation::Learn
        } else {
            Validation::Always
        };
        Ok(Prepared {
            validation,
            doc: Some(doc),
            plain,
            measured: None,
            reads: Some(reads),
        })
    }

    /// Records that the document `query` passed validation.
    pub fn valid(&self, query: &str) {
        if let Some(entry) = self.lock().get_mut(query) {
            entry.valid = entry.closed;
        }
    }

    /// The SHA-256 of the document `query`, hex: computed once for a remembered document.
    pub fn digest(&self, query: &str) -> Arc<str> {
        if let Some(entry) = self.lock().get_mut(query) {
            return Arc::clone(entry.digest.get_or_insert_with(|| sha256(query)));
        }
        sha256(query)
    }

    /// How many documents are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The SHA-256 of `text`, in lowercase hex.
fn sha256(text: &str) -> Arc<str> {
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in hash {
        for nibble in [byte >> 4, byte & 0xf] {
            hex.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    hex.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> async_graphql::Request {
        async_graphql::Request::new(query)
    }

    impl Documents {
        /// `prepared`'s validation, under the built-in limits.
        fn prepare(&self, request: &mut async_graphql::Request) -> Validation {
            self.prepared(request, &QueryLimits::default())
                .expect("within the limits")
                .validation
        }
    }

    #[test]
    fn a_remembered_text_is_checked_for_its_length_but_not_scanned_again() {
        let documents = Documents::default();
        let text = "{ getGame(id: 8) { level } }";
        documents.prepare(&mut request(text));
        let short = QueryLimits {
            max_document_bytes: 10,
            ..QueryLimits::default()
        };
        assert!(matches!(
            documents.prepared(&mut request(text), &short),
            Err(LimitError::DocumentBytes { .. })
        ));
        let deep = format!("{{ a{}{} }}", "(b: [".repeat(1_000), "])".repeat(1_000));
        assert!(matches!(
            documents.prepared(&mut request(&deep), &QueryLimits::default()),
            Err(LimitError::Brackets { .. })
        ));
        assert_eq!(documents.len(), 1, "a text over a limit is not kept");
    }

    #[test]
    fn a_document_is_parsed_once_and_then_reused() {
        let documents = Documents::default();
        let mut first = request("{ getGame(id: 8) { level } }");
        assert_eq!(documents.prepare(&mut first), Validation::Learn);
        assert_eq!(documents.len(), 1);
        let mut again = request("{ getGame(id: 8) { level } }");
        assert_eq!(documents.prepare(&mut again), Validation::Learn);
        assert_eq!(documents.len(), 1);
        let doc = again.parsed_query().expect("the remembered document");
        assert_eq!(doc.operations.iter().count(), 1);
    }

    #[test]
    fn only_a_validated_document_without_variables_becomes_known() {
        let documents = Documents::default();
        let closed = "{ getGame(id: 8) { level } }";
        let open = "query ($id: Int) { getGame(id: $id) { level } }";
        assert_eq!(documents.prepare(&mut request(open)), Validation::Always);
        documents.valid(open);
        assert_eq!(documents.prepare(&mut request(open)), Validation::Always);
        assert_eq!(documents.prepare(&mut request(closed)), Validation::Learn);
        documents.valid(closed);
        assert_eq!(documents.prepare(&mut request(closed)), Validation::Known);
    }

    #[test]
    fn syntax_errors_and_long_texts_are_not_kept() {
        let documents = Documents::default();
        documents.prepare(&mut request("{ getGame(id: 8) { level }"));
        let long = format!("{{ {} }}", "__typename ".repeat(LONGEST / 10));
        documents.prepare(&mut request(&long));
        assert!(documents.is_empty());
    }

    #[test]
    fn a_full_cache_is_emptied_rather_than_grown() {
        let documents = Documents::default();
        for n in 0..=ENTRIES {
            documents.prepare(&mut request(&format!("{{ a{n}: __typename }}")));
        }
        assert_eq!(documents.len(), 1);
    }

    #[test]
    fn a_measure_is_remembered_for_its_operation_and_limits_only() {
        let measured = Measured::default();
        let limits = QueryLimits::default();
        let m = |complexity| Measure {
            complexity,
            ..Measure::default()
        };
        assert_eq!(measured.get(None, &limits, || Some(m(7))), Some(m(7)));
        assert_eq!(
            measured.get(None, &limits, || Some(m(8))),
            Some(m(7)),
            "remembered"
        );
        let mut paged = limits;
        paged.default_page_size += 1;
        assert_eq!(measured.get(None, &paged, || Some(m(9))), Some(m(9)));
        let mut budget = limits;
        budget.max_complexity += 1;
        assert_eq!(measured.get(None, &budget, || Some(m(9))), Some(m(9)));
        assert_eq!(
            measured.get(Some("Op"), &limits, || Some(m(10))),
            Some(m(10))
        );
        let unmeasured = Measured::default();
        assert_eq!(unmeasured.get(None, &limits, || None), None);
        assert_eq!(
            unmeasured.get(None, &limits, || Some(m(3))),
            Some(m(3)),
            "a missing measure is not remembered"
        );
    }

    #[test]
    fn only_a_known_document_carries_its_measure() {
        let documents = Documents::default();
        let text = "{ getGame(id: 8) { level } }";
        let limits = QueryLimits::default();
        let measured = |documents: &Documents| {
            documents
                .prepared(&mut request(text), &limits)
                .expect("within the limits")
                .measured
        };
        assert!(measured(&documents).is_none());
        documents.valid(text);
        assert!(measured(&documents).is_some());
    }

    #[test]
    fn a_digest_is_the_documents_sha256_computed_once() {
        let documents = Documents::default();
        let text = "{ getGame(id: 8) { level } }";
        let fresh = documents.digest(text);
        assert_eq!(fresh.len(), 64);
        documents.prepare(&mut request(text));
        let first = documents.digest(text);
        let again = documents.digest(text);
        assert_eq!(first, fresh, "the same hash, remembered or not");
        assert!(
            Arc::ptr_eq(&first, &again),
            "computed once for a remembered document"
        );
        // FIPS 180-2, appendix B.1
        assert_eq!(
            &*documents.digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
