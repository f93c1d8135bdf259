//! libpq's connection service file (`pg_service.conf`): named groups of connection settings,
//! one chosen by `service=NAME` in the string or by `PGSERVICE`. The settings fill what the
//! string leaves out, before libpq's variables do (the string wins over the service, the
//! service over the environment), as libpq merges them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Environment, variable};

/// The directory of the system-wide file when `PGSYSCONFDIR` is unset: Debian's libpq's.
pub(super) const SYSCONFDIR: &str = "/etc/postgresql-common";

/// The settings of the service `name`, in the order its group gives them, as libpq looks them
/// up: the user's file (`PGSERVICEFILE`, else `~/.pg_service.conf`), else the system's
/// (`PGSYSCONFDIR/pg_service.conf`); the first file with a group `[name]` gives them all. A
/// file that does not exist is passed; a service in neither is an error naming where it was
/// looked for, and a line of the group that is no `key=value` names its file and line.
pub(super) fn lookup(name: &str, env: Environment) -> Result<Vec<(String, String)>, String> {
    let user = variable(env, "PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| variable(env, "HOME").map(|home| Path::new(&home).join(".pg_service.conf")));
    let system = Path::new(&variable(env, "PGSYSCONFDIR").unwrap_or_else(|| SYSCONFDIR.into()))
        .join("pg_service.conf");
    let mut looked = Vec::new();
    for path in user.into_iter().chain([system]) {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let found = group(&text, name)
                    .map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))?;
                if let Some(settings) = found {
                    return settings
                        .into_iter()
                        .map(|(line, key, value)| {
                            check(&key, &value)
                                .map(|()| (key, value))
                                .map_err(|why| format!("{}:{line}: {why}", path.display()))
                        })
                        .collect();
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(format!(
                    "cannot read the service file {}: {err}",
                    path.display()
                ));
            }
        }
        looked.push(path.display().to_string());
    }
    Err(format!(
        "service `{name}` is not defined in a service file (looked in {})",
        looked.join(" and ")
    ))
}

/// A setting of a service file: its line, key and value.
type Setting = (usize, String, String);

/// The lines of the group `[name]` of a service file's `text`, each with its line number:
/// `None` without that group. Blank lines and `#` comments are skipped; a line of the group
/// without `=` is an error at its line.
fn group(text: &str, name: &str) -> Result<Option<Vec<Setting>>, (usize, String)> {
    let mut found: Option<Vec<Setting>> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            if found.is_some() {
                break;
            }
            let Some(group) = rest.strip_suffix(']') else {
                return Err((
                    i + 1,
                    format!("a group's name is written `[name]`, not `{line}`"),
                ));
            };
            if group == name {
                found = Some(Vec::new());
            }
            continue;
        }
        let Some(settings) = found.as_mut() else {
            continue;
        };
        // The line is not shown: it may be a password written without its key.
        let Some((key, value)) = line.split_once('=') else {
            return Err((i + 1, "expected `key=value`, found no `=`".to_string()));
        };
        settings.push((i + 1, key.trim().to_string(), value.trim().to_string()));
    }
    Ok(found)
}

/// Whether `key=value` is a setting of a connection string: libpq's TLS keywords, which
/// quidditch reads itself, and `passfile`, or what tokio-postgres accepts. A service naming
/// another one is refused, as libpq refuses it.
fn check(key: &str, value: &str) -> Result<(), String> {
    if key == "service" {
        return Err("a service cannot name another service".to_string());
    }
    if super::OWN_KEYS.contains(&key) {
        return super::check_libpq_keyword(key, value);
    }
    super::one_setting(key, value)
        .map(|_| ())
        .map_err(|err| format!("{key}: {err}"))
}

/// `value` (a URL when `url`, else the key-value form) with each of `settings` that `given`
/// says the string leaves out written after what it gives.
pub(super) fn merged(
    value: &str,
    url: bool,
    settings: &[(String, String)],
    given: impl Fn(&str) -> bool,
) -> String {
    let mut out = value.to_string();
    for (key, setting) in settings.iter().filter(|(key, _)| !given(key)) {
        if url {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(key);
            out.push('=');
            out.push_str(&percent_encode(setting));
        } else {
            out.push(' ');
            out.push_str(&super::conninfo_pair(key, setting));
        }
    }
    out
}

/// `raw` with every byte but the URL's unreserved characters written `%XX`.
fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_read_to_the_next_and_its_mistakes_are_placed() {
        let text = "# services\n[other]\nhost=elsewhere\n\n[league]\n  host = /run/pg \n\
                    # a comment\ndbname=league\n[after]\nhost=x\n";
        assert_eq!(
            group(text, "league").unwrap(),
            Some(vec![
                (6, "host".to_string(), "/run/pg".to_string()),
                (8, "dbname".to_string(), "league".to_string()),
            ])
        );
        assert_eq!(group(text, "cup").unwrap(), None);
        assert_eq!(
            group("[league]\nhost\n", "league").unwrap_err(),
            (2, "expected `key=value`, found no `=`".to_string())
        );
        assert_eq!(
            group("[league\n", "league").unwrap_err().0,
            1,
            "an unclosed group name"
        );
        // A mistake in another group is not the chosen service's.
        assert_eq!(group("[other]\nnonsense\n", "league").unwrap(), None);
        // A keyword quidditch reads itself is checked with the line too, so its mistake is
        // placed.
        assert_eq!(
            check("tcp_user_timeout", "5s").unwrap_err(),
            "invalid tcp_user_timeout `5s`: a whole number of milliseconds, as libpq reads it"
        );
        assert_eq!(check("tcp_user_timeout", "5000"), Ok(()));
        assert_eq!(check("sslmode", "verify-full"), Ok(()));
        // The TLS settings too, though they are read after the merge, as a whole.
        assert!(
            check("sslmode", "sometimes")
                .unwrap_err()
                .starts_with("invalid sslmode `sometimes`")
        );
        assert_eq!(
            check("requiressl", "yes").unwrap_err(),
            "invalid requiressl `yes`: 1 or 0"
        );
        assert_eq!(check("requiressl", "1"), Ok(()));
    }

    #[test]
    fn what_the_string_gives_stays_and_the_rest_is_written_after_it() {
        let settings = [
            ("host".to_string(), "/run/pg".to_string()),
            ("dbname".to_string(), "o'neil league".to_string()),
        ];
        let given = |key: &str| key == "dbname";
        assert_eq!(
            merged("postgresql:///cup", true, &settings, given),
            "postgresql:///cup?host=%2Frun%2Fpg"
        );
        assert_eq!(
            merged("postgresql:///cup?user=x", true, &settings, |_| false),
            "postgresql:///cup?user=x&host=%2Frun%2Fpg&dbname=o%27neil%20league"
        );
        assert_eq!(
            merged("user=x", false, &settings, |_| false),
            "user=x host='/run/pg' dbname='o\\'neil league'"
        );
    }
}
