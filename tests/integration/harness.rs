//! A builder over the real `quidditch` binary: each `Test` runs in its own temporary directory,
//! with its own database file, and asserts on stdout, stderr and the exit code.

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

/// The repository root, where `seeder.toml` and `policies.toml` live.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The built binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quidditch"))
}

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

    /// A command for the binary, run in this directory against its database.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(bin());
        cmd.current_dir(self.dir.path())
            .env_remove("QUIDDITCH_DB")
            .env_remove("QUIDDITCH_ENDPOINT")
            .env_remove("QUIDDITCH_POLICIES")
            .env_remove("QUIDDITCH_JWT_SECRET")
            .env_remove("QUIDDITCH_ADMIN_SECRET")
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(self.db());
        cmd
    }

    /// The same command as a plain `std::process::Command`, for tests that spawn and signal it.
    pub fn cmd_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
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

    /// Parses stdout as JSON into `T`.
    #[track_caller]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.0.stdout)
            .unwrap_or_else(|e| panic!("stdout is not the expected JSON ({e}):\n{}", self.stdout()))
    }
}
