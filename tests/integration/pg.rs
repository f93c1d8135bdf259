//! A throwaway PostgreSQL cluster for the tests: one per test run, started on first use, listening
//! on a unix socket only (no port to clash with), with a fresh database per test.
//!
//! The cluster is made by the server's own tools: `initdb` into a temporary directory owned by the
//! `postgres` user (initdb refuses to run as root, so as root every tool runs through
//! `runuser -u postgres --`), then `pg_ctl start` with `-k DIR -c listen_addresses='' -c
//! fsync=off`. A watchdog process stops it (`pg_ctl -m immediate stop`) and removes the directory
//! once the test binary has exited, however it exits. A machine without the server binaries fails
//! the test that asked for the cluster, saying how to install them: never a skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The superuser `initdb` creates (`-U`), whom the tests connect as (`--auth=trust`).
const SUPERUSER: &str = "postgres";

/// The one role of the cluster that logs in with a password ([`PASSWORD`], scram-sha-256 over
/// the socket), made a superuser by [`Cluster::password_role`].
pub const PASSWORD_ROLE: &str = "keeper";
pub const PASSWORD: &str = "quaffle";
static PASSWORD_ROLE_MADE: OnceLock<()> = OnceLock::new();

/// The running cluster.
pub struct Cluster {
    /// Where the server binaries are (`initdb`, `pg_ctl`, `psql`, `createdb`).
    bin: PathBuf,
    /// The cluster's directory: the data directory `data/` and the socket.
    dir: PathBuf,
    /// Whether tools run as `postgres` through `runuser` (the tests run as root).
    as_postgres: bool,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static STANDBY: OnceLock<Standby> = OnceLock::new();

/// A hot standby of the cluster, made by PostgreSQL's own streaming replication: a base backup
/// (`pg_basebackup -R -X stream`, which writes the standby's connection to the primary) started
/// in a directory of its own (inside the cluster's), with a socket of its own. Every database of
/// the cluster, made before or after it, is replayed on it.
pub struct Standby {
    /// The data directory and the socket.
    dir: PathBuf,
}
static DATABASES: AtomicUsize = AtomicUsize::new(0);
static TLS: OnceLock<TlsServer> = OnceLock::new();

/// A second cluster that listens on 127.0.0.1 (a free port) and accepts TCP connections only
/// over TLS (`hostssl` in `pg_hba.conf`, nothing for plain TCP), with a certificate for
/// `localhost` signed by a test authority, which it also trusts for client certificates: made with the `openssl` command (the server's own
/// TLS is OpenSSL; quidditch's is rustls). Its databases are made over its unix socket.
pub struct TlsServer {
    /// Its directory: `data/`, the socket, the certificates.
    dir: PathBuf,
    pub port: u16,
    /// The authority that signed the server's certificate (PEM).
    pub ca: PathBuf,
    /// Another authority, that signed nothing the server shows (PEM).
    pub other_ca: PathBuf,
    /// [`CERT_ROLE`]'s certificate and key, signed by `ca`, which the server trusts.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A certificate for [`CERT_ROLE`] signed by `other_ca`, which the server does not trust.
    pub other_client_cert: PathBuf,
    pub other_client_key: PathBuf,
    /// `ca`'s revocation list revoking nothing, and one revoking the server's certificate (PEM).
    pub crl: PathBuf,
    pub crl_revoking_server: PathBuf,
}

/// The role of the TLS cluster that logs in with a client certificate (`cert` in
/// `pg_hba.conf`, its name the certificate's CN); [`PASSWORD_ROLE`] logs in there with
/// [`PASSWORD`], every other role is trusted.
pub const CERT_ROLE: &str = "seeker";

/// The cluster of this test run, started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(Cluster::start)
}

/// The directory holding PostgreSQL's server binaries: that of the `initdb` on `PATH`, else the
/// newest `/usr/lib/postgresql/*/bin`.
fn server_bin() -> PathBuf {
    find_server_bin(
        std::env::var_os("PATH").as_deref(),
        Path::new("/usr/lib/postgresql"),
    )
    .unwrap_or_else(|missing| panic!("{missing}"))
}

/// [`server_bin`] for a given `PATH` and Debian's directory of server versions.
pub fn find_server_bin(
    path: Option<&std::ffi::OsStr>,
    versions_dir: &Path,
) -> Result<PathBuf, String> {
    let on_path = path
        .into_iter()
        .flat_map(|paths| std::env::split_paths(paths).collect::<Vec<_>>())
        .map(|dir| dir.join("initdb"))
        .find(|p| p.is_file());
    if let Some(initdb) = on_path {
        let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        return Ok(real.parent().expect("initdb has a directory").to_path_buf());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(versions_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => Err(format!(
            "the PostgreSQL tests need a PostgreSQL server: no `initdb` on PATH or in \
             {}/*/bin; install it with `apt-get install -y postgresql` (`.ci/run` does this)",
            versions_dir.display()
        )),
    }
}

fn is_root() -> bool {
    // The tests need no libc binding for this: `id -u` is everywhere the server is.
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Makes `postgres` the owner of `dir`, where the server's tools write (initdb refuses root).
fn give_to_postgres(dir: &Path) {
    let status = Command::new("chown")
        .args([SUPERUSER, &dir.display().to_string()])
        .status()
        .expect("run chown");
    assert!(
        status.success(),
        "cannot give {} to the `postgres` user (is the `postgresql` package installed?)",
        dir.display()
    );
}

/// The TLS cluster's certificates, made in `dir` with the `openssl` command: two authorities,
/// the server's (`localhost`, from `ca`), and [`CERT_ROLE`]'s from each authority.
fn certificates(dir: &Path) {
    // Each call is one command line, its words split at spaces.
    let openssl = |line: &str| {
        let args: Vec<&str> = line.split_whitespace().collect();
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("the TLS test needs the `openssl` command (apt-get install -y openssl): {e}")
            });
        assert!(
            out.status.success(),
            "openssl {line} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Signs `name`.csr with `ca`, with the extensions in `ext` (which make it X.509 v3, as
    // rustls requires).
    let sign = |name: &str, ca: &str, ext: &str| {
        openssl(&format!(
            "x509 -req -in {name}.csr -CA {ca}.pem -CAkey {ca}.key -CAcreateserial -days 2 \
             -extfile {ext} -out {name}.crt"
        ));
    };
    for ca in ["ca", "other-ca"] {
        openssl(&format!(
            "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=quidditch-test-{ca} \
             -keyout {ca}.key -out {ca}.pem"
        ));
    }
    openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr");
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost\n").unwrap();
    sign("server", "ca", "san.ext");
    // CERT_ROLE's, from the server's authority, and one from the other authority.
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    for (name, ca) in [("client", "ca"), ("other-client", "other-ca")] {
        openssl(&format!(
            "req -newkey rsa:2048 -nodes -subj /CN={CERT_ROLE} -keyout {name}.key -out {name}.csr"
        ));
        sign(name, ca, "client.ext");
    }
    // `ca`'s revocation lists (`openssl ca` keeps what it revoked in `index.txt`): one with
    // nothing revoked, then one revoking the server's certificate.
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 2\n",
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "1000\n").unwrap();
    let ca = "-config ca.cnf -keyfile ca.key -cert ca.pem";
    openssl(&format!("ca {ca} -gencrl -out ca.crl"));
    openssl(&format!("ca {ca} -revoke server.crt"));
    openssl(&format!("ca {ca} -gencrl -out revoked.crl"));
    for key in ["server.key", "client.key", "other-client.key"] {
        let private = std::os::unix::fs::PermissionsExt::from_mode(0o600);
        std::fs::set_permissions(dir.join(key), private).unwrap();
    }
}

impl Cluster {
    fn start() -> Self {
        let bin = server_bin();
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("quidditch-pg-")
            .tempdir()
            .expect("cluster directory")
            .keep();
        if as_postgres {
            give_to_postgres(&dir);
        }
        let cluster = Cluster {
            bin,
            dir,
            as_postgres,
        };
        let data = cluster.data();
        cluster.initdb(&data);
        // One role must give a password (scram) over the socket; every other role is trusted.
        let hba = cluster.dir.join("data/pg_hba.conf");
        let trusted = std::fs::read_to_string(&hba).expect("read pg_hba.conf");
        std::fs::write(
            &hba,
            format!("local all {PASSWORD_ROLE} scram-sha-256\n{trusted}"),
        )
        .expect("write pg_hba.conf");
        let options = format!(
            "-k {} -c listen_addresses='' -c fsync=off -c full_page_writes=off",
            cluster.dir.display()
        );
        let log = cluster.dir.join("server.log").display().to_string();
        cluster.tool(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
        cluster.watch();
        cluster
    }

    /// A new cluster in `data`, its superuser [`SUPERUSER`], every connection trusted until
    /// `pg_hba.conf` is written otherwise.
    fn initdb(&self, data: &str) {
        self.tool(
            "initdb",
            &[
                "-D",
                data,
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// A server tool, run as `postgres` when the tests run as root.
    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", SUPERUSER, "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    /// Runs a server tool, failing the test with its output when it fails.
    fn tool(&self, tool: &str, args: &[&str]) -> String {
        let out = self
            .command(tool)
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{tool}` from {}: {e}", self.bin.display()));
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "`{tool} {}` failed\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{log}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts the watchdog: a shell that waits for this test process to end, then stops the
    /// server and removes the directory. It outlives a panic, an abort and a kill.
    fn watch(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres {
            format!("runuser -u {SUPERUSER} -- '{}'", pg_ctl.display())
        } else {
            format!("'{}'", pg_ctl.display())
        };
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 0.2; done; \
             {stop} -D '{dir}/standby/data' -m immediate stop >/dev/null 2>&1; \
             {stop} -D '{dir}/tls/data' -m immediate stop >/dev/null 2>&1; \
             {stop} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            data = self.data(),
            dir = self.dir.display(),
        );
        // Backgrounded by the shell, which returns at once: the watchdog is nobody's child.
        let status = Command::new("sh")
            .args(["-c", &format!("( {script} ) &")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start the cluster's watchdog");
        assert!(status.success(), "cannot start the cluster's watchdog");
    }

    /// Runs SQL through `psql` on the server whose socket is in `socket`, in `database`
    /// (stopping at the first error), and returns its unaligned output.
    fn psql(&self, socket: &Path, database: &str, sql: &str) -> String {
        self.tool(
            "psql",
            &[
                "-h",
                &socket.display().to_string(),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
        )
    }

    /// The directory of the server's unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The hot standby of this run's cluster, started on first use.
    pub fn standby(&'static self) -> &'static Standby {
        STANDBY.get_or_init(|| {
            let dir = self.dir.join("standby");
            let data = dir.join("data").display().to_string();
            std::fs::create_dir_all(&dir).expect("standby directory");
            if self.as_postgres {
                give_to_postgres(&dir);
            }
            self.tool(
                "pg_basebackup",
                &[
                    "-h",
                    &self.dir.display().to_string(),
                    "-U",
                    SUPERUSER,
                    "-D",
                    &data,
                    "-R",
                    "-X",
                    "stream",
                    // A spread checkpoint before the copy would take minutes.
                    "--checkpoint=fast",
                    "--no-sync",
                ],
            );
            let options = format!(
                "-k {} -c listen_addresses='' -c fsync=off -c hot_standby=on",
                dir.display()
            );
            let log = dir.join("server.log").display().to_string();
            self.tool(
                "pg_ctl",
                &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
            );
            // The cluster's watchdog stops it too, before the primary.
            Standby { dir }
        })
    }

    /// The TLS-only cluster of this run, started on first use.
    pub fn tls(&'static self) -> &'static TlsServer {
        TLS.get_or_init(|| {
            let dir = self.dir.join("tls");
            std::fs::create_dir_all(&dir).expect("TLS cluster directory");
            certificates(&dir);
            if self.as_postgres {
                let status = Command::new("chown")
                    .args(["-R", SUPERUSER, &dir.display().to_string()])
                    .status()
                    .expect("run chown");
                assert!(
                    status.success(),
                    "cannot give {} to postgres",
                    dir.display()
                );
            }
            let data = dir.join("data").display().to_string();
            self.initdb(&data);
            // TCP only with TLS; the unix socket for the harness's own tools. One role must give
            // a password, one a client certificate.
            std::fs::write(
                dir.join("data/pg_hba.conf"),
                format!(
                    "local all all trust\n\
                     hostssl all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n\
                     hostssl all {CERT_ROLE} 127.0.0.1/32 cert\n\
                     hostssl all all 127.0.0.1/32 trust\n"
                ),
            )
            .unwrap();
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let options = format!(
                "-k {dir} -c listen_addresses=127.0.0.1 -c port={port} -c fsync=off -c ssl=on \
                 -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key \
                 -c ssl_ca_file={dir}/ca.pem",
                dir = dir.display()
            );
            let log = dir.join("server.log").display().to_string();
            self.tool(
                "pg_ctl",
                &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
            );
            self.tool(
                "psql",
                &[
                    "-h",
                    &dir.display().to_string(),
                    "-p",
                    &port.to_string(),
                    "-U",
                    SUPERUSER,
                    "-d",
                    "postgres",
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    &format!(
                        "CREATE ROLE {PASSWORD_ROLE} LOGIN SUPERUSER PASSWORD '{PASSWORD}'; \
                         CREATE ROLE {CERT_ROLE} LOGIN SUPERUSER"
                    ),
                ],
            );
            TlsServer {
                port,
                ca: dir.join("ca.pem"),
                other_ca: dir.join("other-ca.pem"),
                client_cert: dir.join("client.crt"),
                client_key: dir.join("client.key"),
                other_client_cert: dir.join("other-client.crt"),
                other_client_key: dir.join("other-client.key"),
                crl: dir.join("ca.crl"),
                crl_revoking_server: dir.join("revoked.crl"),
                dir,
            }
        })
    }

    /// [`PASSWORD_ROLE`], made on first use: a superuser who must give [`PASSWORD`].
    pub fn password_role(&'static self) -> &'static str {
        PASSWORD_ROLE_MADE.get_or_init(|| {
            self.psql(
                &self.dir,
                "postgres",
                &format!("CREATE ROLE {PASSWORD_ROLE} LOGIN SUPERUSER PASSWORD '{PASSWORD}'"),
            );
        });
        PASSWORD_ROLE
    }

    /// A new, empty database, its name unique in this run.
    pub fn create_database(&'static self) -> Database {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let name = format!("quidditch_test_{n}");
        self.tool(
            "createdb",
            &[
                "-h",
                &self.dir.display().to_string(),
                "-U",
                SUPERUSER,
                &name,
            ],
        );
        Database {
            cluster: self,
            name,
        }
    }
}

/// One database of the cluster, for one test.
pub struct Database {
    cluster: &'static Cluster,
    pub name: String,
}

impl Database {
    /// The database as a `postgresql://` URL over the unix socket.
    pub fn url(&self) -> String {
        format!(
            "postgresql://{SUPERUSER}@/{}?host={}",
            self.name,
            self.cluster.socket_dir().display()
        )
    }

    /// The same database on the cluster's hot standby, as a URL.
    pub fn standby_url(&self, standby: &Standby) -> String {
        format!(
            "postgresql://{SUPERUSER}@/{}?host={}",
            self.name,
            standby.dir.display()
        )
    }

    /// The database in libpq's key-value form.
    pub fn conninfo(&self) -> String {
        format!(
            "host={} user={SUPERUSER} dbname={}",
            self.cluster.socket_dir().display(),
            self.name
        )
    }

    /// Runs SQL through `psql` (stopping at the first error) and returns its unaligned output.
    pub fn psql(&self, sql: &str) -> String {
        self.cluster
            .psql(self.cluster.socket_dir(), &self.name, sql)
    }

    /// One value from `sql`.
    pub fn value(&self, sql: &str) -> String {
        self.psql(sql).trim().to_string()
    }

    /// Runs SQL through `psql` on the cluster's `postgres` database: for what cannot run in
    /// this one (`ALTER DATABASE` refusing connections to it, say).
    pub fn psql_beside(&self, sql: &str) -> String {
        self.cluster
            .psql(self.cluster.socket_dir(), "postgres", sql)
    }

    /// Every row of `table` ordered by id, as psql prints them: a fingerprint of its contents.
    pub fn dump(&self, table: &str) -> String {
        self.psql(&format!("SELECT * FROM {table} ORDER BY id"))
    }
}

impl Standby {
    /// The directory of the standby's unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// One value from `sql` run in `database` on the standby.
    pub fn value(&self, database: &str, sql: &str) -> String {
        cluster().psql(&self.dir, database, sql).trim().to_string()
    }

    /// Waits (up to 30 s) until the standby has replayed everything the primary had written
    /// when called: a database just made or seeded there is then on the standby too. Replay is
    /// asynchronous, and a database not replayed yet does not exist there.
    pub fn catch_up(&self) {
        let cluster = cluster();
        let written = cluster.psql(&cluster.dir, "postgres", "SELECT pg_current_wal_lsn()");
        let replayed = format!(
            "SELECT pg_last_wal_replay_lsn() >= '{}'::pg_lsn",
            written.trim()
        );
        let start = std::time::Instant::now();
        while self.value("postgres", &replayed) != "t" {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "the standby did not replay the primary's WAL up to {} in 30 s",
                written.trim()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl TlsServer {
    /// A new, empty database on the TLS cluster; its URL is the caller's to write.
    pub fn create_database(&self) -> String {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let name = format!("quidditch_tls_{n}");
        cluster().tool(
            "createdb",
            &[
                "-h",
                &self.dir.display().to_string(),
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
                &name,
            ],
        );
        name
    }
}
