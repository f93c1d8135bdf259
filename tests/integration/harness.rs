//! A builder over the real `quidditch` binary: each `Test` runs in its own temporary directory,
//! with its own database file, and asserts on stdout, stderr and the exit code.

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

/// The admin secret every test server is started with, and every CLI run is given: the
/// compatibility tests run as admin, which sees exactly what the tutorial's server shows.
pub const ADMIN_SECRET: &str = "test-admin-secret";

/// The token secret every test server is started with.
pub const JWT_SECRET: &str = "test-jwt-secret-of-32-bytes-long";

/// Seconds since the Unix epoch, for token claims and `--context now=…`.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A new database of the tests' PostgreSQL cluster, seeded by `quidditch db seed` (run in `env`)
/// with the tutorial's league.
pub fn seeded_postgres(env: &Env, cluster: &'static crate::pg::Cluster) -> crate::pg::Database {
    let db = cluster.create_database();
    let seeder = repo().join("seeder.toml");
    env.run_on(
        &db.url(),
        ["db", "seed", "--file", &seeder.display().to_string()],
    )
    .success();
    db
}

/// The repository root, where `seeder.toml` and `policies.toml` live.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The built binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quidditch"))
}

/// libpq's environment variables, which quidditch reads for what a PostgreSQL `--db` leaves
/// out: removed from the binary's environment, so the machine's own settings (`PGSSLMODE`, say)
/// cannot change what a test connects to. A `~/.pgpass` can only add a password, which the
/// tests' trusted connections are never asked for.
pub const LIBPQ_ENV: [&str; 22] = [
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGAPPNAME",
    "PGOPTIONS",
    "PGCONNECT_TIMEOUT",
    "PGTARGETSESSIONATTRS",
    "PGCHANNELBINDING",
    "PGLOADBALANCEHOSTS",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLCRL",
    "PGSSLCRLDIR",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSYSCONFDIR",
];

/// A temporary directory with the repository's `seeder.toml` (and later fixtures) in it.
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// An empty directory.
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A directory holding a database seeded from the repository's `seeder.toml`.
    pub fn seeded() -> Self {
        let env = Env::new();
        env.run([
            "db",
            "seed",
            "--file",
            &repo().join("seeder.toml").display().to_string(),
        ])
        .success();
        env
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("quidditch.db")
    }

    /// Writes `contents` to `name` in the directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// The repository's `policies.toml` with `extra` appended, written to `name` in the
    /// directory: the path, for `--policies` or `QUIDDITCH_POLICIES`.
    pub fn shipped_policies_and(&self, name: &str, extra: &str) -> String {
        let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
        self.write(name, &(shipped + extra)).display().to_string()
    }

    /// A command for the binary, run in this directory against its database.
    pub fn cmd(&self) -> assert_cmd::Command {
        self.cmd_on(self.db().as_os_str())
    }

    /// `authz token --user USER` (plus `extra` flags) signed with [`JWT_SECRET`], as JSON
    /// (`token`, `claims`, …).
    pub fn mint(&self, user: &str, extra: &[&str]) -> serde_json::Value {
        self.cmd()
            .env("QUIDDITCH_JWT_SECRET", JWT_SECRET)
            .args(["--format", "json", "authz", "token"])
            .args(extra)
            .args(["--user", user])
            .output()
            .map(|o| serde_json::from_slice(&o.stdout).expect("authz token answers JSON"))
            .expect("run quidditch authz token")
    }

    /// A command for the binary, run in this directory against `db`: a file, or a PostgreSQL
    /// URL (`crate::pg`).
    pub fn cmd_on(&self, db: &std::ffi::OsStr) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(bin());
        for var in LIBPQ_ENV {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.path())
            .env_remove("QUIDDITCH_DB")
            .env_remove("QUIDDITCH_ENDPOINT")
            .env_remove("QUIDDITCH_POLICIES")
            .env_remove("QUIDDITCH_JWT_SECRET")
            .env_remove("QUIDDITCH_TOKEN")
            .env("QUIDDITCH_ADMIN_SECRET", ADMIN_SECRET)
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(db);
        cmd
    }

    /// The same command as a plain `std::process::Command`, for tests that spawn and signal it.
    pub fn cmd_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
        for var in LIBPQ_ENV {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.path())
            .env_remove("QUIDDITCH_DB")
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(self.db());
        cmd
    }

    /// Runs the binary with `args` and returns the result to assert on.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Run(self.cmd().args(args).output().expect("run quidditch"))
    }

    /// Runs the binary with `args` against `db` (a PostgreSQL URL, say) in place of the file.
    pub fn run_on<I, S>(&self, db: &str, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Run(self
            .cmd_on(db.as_ref())
            .args(args)
            .output()
            .expect("run quidditch"))
    }

    /// Runs with `stdin` fed to the process.
    pub fn run_stdin<I, S>(&self, args: I, stdin: &str) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Run(self
            .cmd()
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .expect("run quidditch"))
    }

    /// An open connection to the directory's database, for plain-SQL checks.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).expect("open db")
    }
}

/// The outcome of one run.
pub struct Run(pub Output);

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    /// Asserts exit code `code` and returns self for more checks.
    #[track_caller]
    pub fn status(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    #[track_caller]
    pub fn success(self) -> Self {
        self.status(0)
    }

    /// Asserts that stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout()
        );
        self
    }

    /// Asserts that stdout is exactly `expected`.
    #[track_caller]
    pub fn stdout_is(self, expected: &str) -> Self {
        let stdout = self.stdout();
        assert!(
            stdout == expected,
            "stdout differs\n--- expected\n{expected}--- actual\n{stdout}--- end"
        );
        self
    }

    /// Asserts that stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr()
        );
        self
    }

    /// Asserts that stderr is exactly `expected`.
    #[track_caller]
    pub fn stderr_is(self, expected: &str) -> Self {
        let stderr = self.stderr();
        assert!(
            stderr == expected,
            "stderr differs\n--- expected\n{expected}--- actual\n{stderr}--- end"
        );
        self
    }

    /// Parses stdout as JSON into `T`.
    #[track_caller]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.0.stdout)
            .unwrap_or_else(|e| panic!("stdout is not the expected JSON ({e}):\n{}", self.stdout()))
    }
}

/// A `quidditch serve` started on a free port, killed when dropped (also when a test panics).
pub struct Server {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Everything the server wrote on stderr after its first line.
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// Starts `quidditch serve --bind 127.0.0.1:0` (plus `extra` flags) on `env`'s database and
    /// waits for its `listening on` line.
    pub fn start(env: &Env, extra: &[&str]) -> Self {
        Self::launch(env, extra, &[], &[])
    }

    /// Like [`Server::start`] on the database `db` (a path or a PostgreSQL URL) instead of the
    /// directory's file, with `serve` flags `args`.
    pub fn start_on(env: &Env, db: &str, args: &[&str]) -> Self {
        Self::launch(env, &["--db", db], args, &[])
    }

    /// [`Server::start_on`] with these environment variables set.
    pub fn start_on_with_env(env: &Env, db: &str, args: &[&str], vars: &[(&str, &str)]) -> Self {
        Self::launch(env, &["--db", db], args, vars)
    }

    /// Like [`Server::start`], with these environment variables set over the defaults (an empty
    /// value removes the variable).
    pub fn start_with_env(env: &Env, vars: &[(&str, &str)]) -> Self {
        Self::launch(env, &[], &[], vars)
    }

    /// Starts `quidditch serve --bind 127.0.0.1:0 ARGS…`: flags of `serve` itself.
    pub fn serve(env: &Env, args: &[&str]) -> Self {
        Self::launch(env, &[], args, &[])
    }

    /// `quidditch serve --bind 127.0.0.1:0 ARGS…` with these environment variables set over the
    /// defaults (an empty value removes the variable).
    pub fn serve_with_env(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Self {
        Self::launch(env, &[], args, vars)
    }

    fn launch(env: &Env, extra: &[&str], serve: &[&str], vars: &[(&str, &str)]) -> Self {
        use std::io::BufRead as _;
        let mut command = std::process::Command::new(bin());
        for var in LIBPQ_ENV {
            command.env_remove(var);
        }
        command
            .current_dir(env.dir.path())
            .env_remove("QUIDDITCH_LOG")
            .env("QUIDDITCH_POLICIES", repo().join("policies.toml"))
            .env("QUIDDITCH_ADMIN_SECRET", ADMIN_SECRET)
            .env("QUIDDITCH_JWT_SECRET", JWT_SECRET)
            .env("NO_COLOR", "1");
        // `extra` may name the database itself (`Server::start_on`).
        if !extra.contains(&"--db") {
            command.arg("--db").arg(env.db());
        }
        command
            .args(extra)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(serve)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (name, value) in vars {
            if value.is_empty() {
                command.env_remove(name);
            } else {
                command.env(name, value);
            }
        }
        let mut child = command.spawn().expect("spawn quidditch serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut server = Server {
            child,
            addr: String::new(),
            log: std::sync::Arc::default(),
        };
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let addr = first
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.strip_suffix("/graphql"))
            .unwrap_or_else(|| panic!("unexpected first line of serve: {first:?}"));
        server.addr = addr.to_string();
        let log = std::sync::Arc::clone(&server.log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        server
    }

    /// `http://127.0.0.1:PORT/graphql`.
    pub fn url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The first line the server logged (waiting up to 5 s for it) that contains every one of
    /// `needles`; panics with the whole log when there is none.
    #[track_caller]
    pub fn logged(&self, needles: &[&str]) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let log = self.log();
            if let Some(line) = log
                .lines()
                .find(|line| needles.iter().all(|n| line.contains(n)))
            {
                return line.to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no line of the server's log contains all of {needles:?}:\n{log}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// `GET /healthz` with no credentials: its status and body.
    pub fn health(&self) -> (u16, String) {
        let reply = http_with(&self.addr, "GET", "/healthz", b"", &[]);
        (reply.status, reply.body)
    }

    /// Sends SIGTERM and waits for the process to end; returns its exit code.
    pub fn terminate(self) -> Option<i32> {
        self.send_sigterm();
        self.wait()
    }

    /// Sends SIGTERM, without waiting.
    pub fn send_sigterm(&self) {
        std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
    }

    /// Waits for the process to end; returns its exit code.
    pub fn wait(mut self) -> Option<i32> {
        // A server that does not stop within the deadline fails the test instead of hanging it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status code, content type and body (and its whole head).
pub struct HttpReply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    pub head: String,
}

impl HttpReply {
    /// The value of header `name` (any case), if the answer has it.
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim().to_ascii_lowercase() == name).then(|| value.trim().to_string())
        })
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not the expected JSON ({e}):\n{}", self.body))
    }
}

/// One HTTP/1.1 request as the admin (with the admin secret): see [`http_with`].
pub fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> HttpReply {
    http_with(
        addr,
        method,
        path,
        body,
        &[("X-Quidditch-Admin-Secret", ADMIN_SECRET)],
    )
}

/// One HTTP/1.1 request over a plain socket (no client library, no async): `method path` with
/// `body` sent as `application/json`, and `headers`.
pub fn http_with(
    addr: &str,
    method: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> HttpReply {
    let extra: String = headers
        .iter()
        .fold(String::new(), |mut out, (name, value)| {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value);
            out.push_str("\r\n");
            out
        });
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    exchange(addr, &format!("{method} {path}"), head.as_bytes(), body)
}

/// Sends `head` (the request line and header fields, through the empty line that ends them)
/// and then `body` on a new connection to `addr`, and reads the whole answer. `what` names the
/// request when the answer cannot be read.
pub fn exchange(addr: &str, what: &str, head: &[u8], body: &[u8]) -> HttpReply {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to server");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    stream.write_all(head).unwrap();
    // A server may answer (413) before reading a large body and close: ignore a failed write.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let (head, body) = match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => (&raw[..at], &raw[at + 4..]),
        None => (&raw[..], &[][..]),
    };
    let head = String::from_utf8_lossy(head).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {head:?}"));
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body).unwrap_or_else(|err| {
            panic!("{what}: malformed chunked answer: {err}\n--- head\n{head}")
        })
    } else {
        body.to_vec()
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    HttpReply {
        status,
        content_type,
        body,
        head,
    }
}

/// POSTs a JSON body to `/graphql` as the admin.
pub fn post(addr: &str, body: &str) -> HttpReply {
    http(addr, "POST", "/graphql", body.as_bytes())
}

/// POSTs a JSON body to `/graphql` with exactly `headers` (none: anonymous).
pub fn post_with(addr: &str, body: &str, headers: &[(&str, &str)]) -> HttpReply {
    http_with(addr, "POST", "/graphql", body.as_bytes(), headers)
}

/// Decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1): each chunk's size in hex (any
/// extension after `;` ignored), CRLF, the bytes, CRLF, up to the zero-size chunk. A short or
/// malformed body is an error saying what is wrong, never a panic on a slice.
pub fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return Err(format!(
                "a chunk size line without CRLF after {} decoded bytes",
                out.len()
            ));
        };
        let line = String::from_utf8_lossy(&body[..eol]);
        let digits = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(digits, 16)
            .map_err(|_| format!("chunk size `{line}` is not hexadecimal"))?;
        let rest = &body[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let (Some(chunk), Some(after)) = (rest.get(..size), rest.get(size..)) else {
            return Err(format!(
                "a chunk of {size} bytes cut short after {} bytes",
                rest.len()
            ));
        };
        out.extend_from_slice(chunk);
        body = after
            .strip_prefix(b"\r\n")
            .ok_or_else(|| format!("a chunk of {size} bytes is not followed by CRLF"))?;
    }
}

#[test]
fn dechunk_decodes_chunks_and_refuses_a_short_or_malformed_body() {
    assert_eq!(
        dechunk(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n").unwrap(),
        b"hello world"
    );
    // Each of these used to index past the end or stop silently.
    for (body, error) in [
        (
            &b"a\r\nshort"[..],
            "a chunk of 10 bytes cut short after 5 bytes",
        ),
        (
            b"5\r\nhello\r\n",
            "a chunk size line without CRLF after 5 decoded bytes",
        ),
        (b"zz\r\nhello\r\n", "chunk size `zz` is not hexadecimal"),
        (
            b"5\r\nhelloXX0\r\n\r\n",
            "a chunk of 5 bytes is not followed by CRLF",
        ),
        (b"", "a chunk size line without CRLF after 0 decoded bytes"),
    ] {
        assert_eq!(dechunk(body).unwrap_err(), error, "{body:?}");
    }
}

/// A fixture file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}
