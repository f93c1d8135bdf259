//! The GraphQL client of `query` and `schema pull`: where a request goes, a server over HTTP
//! (`--endpoint`) or the embedded schema in-process over `--db`.
//!
//! Both take the same request body (`{"query", "variables", "operationName"}`) and give back the
//! same JSON response, so a typed operation decodes identically from either. The HTTP side owns
//! the timeouts and says in one line what went wrong (no server, no such host, refused
//! credentials, not a GraphQL server).

use std::time::Duration;

use anyhow::{Context as _, bail};
use graphql_client::GraphQLQuery;
use serde_json::Value;

use crate::graphql::{Api, Viewer};

/// How long to wait for a TCP connection to a server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A GraphQL endpoint.
pub enum Transport {
    /// `POST` to a running server (`--endpoint`).
    Http {
        client: reqwest::Client,
        endpoint: String,
        /// Credential headers sent with every request.
        headers: Vec<(&'static str, String)>,
    },
    /// The embedded schema, executed in-process over the database, as `viewer`.
    Embedded { api: Api, viewer: Viewer },
}

impl Transport {
    pub fn http(endpoint: &str, headers: Vec<(&'static str, String)>) -> anyhow::Result<Self> {
        // `127.0.0.1:5000/graphql` parses as a URL whose scheme is `127.0.0.1`: say what is
        // missing instead of reqwest's `URL scheme is not allowed` or `relative URL without a
        // base`.
        let scheme_ok = reqwest::Url::parse(endpoint)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
        if !scheme_ok {
            bail!(
                "endpoint `{endpoint}` is not an http URL: it needs `http://` or `https://`, as in \
                 `http://127.0.0.1:5000/graphql`"
            );
        }
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .context("failed to set up the HTTP client")?;
        Ok(Transport::Http {
            client,
            endpoint: endpoint.to_string(),
            headers,
        })
    }

    pub fn embedded(api: Api, viewer: Viewer) -> Self {
        Transport::Embedded { api, viewer }
    }

    /// Sends a raw request body and returns the JSON response (with `data` and/or `errors`).
    pub async fn send(&self, body: &Value) -> anyhow::Result<Value> {
        match self {
            Transport::Embedded { api, viewer } => {
                let bytes = serde_json::to_vec(body).context("failed to encode the request")?;
                Ok(api.execute_json(&bytes, viewer.clone()).await.to_json())
            }
            Transport::Http {
                client,
                endpoint,
                headers,
            } => {
                let mut request = client.post(endpoint).json(body);
                for (name, value) in headers {
                    request = request.header(*name, value);
                }
                let response = match request.send().await {
                    Ok(response) => response,
                    Err(err) if err.is_connect() && is_dns_failure(&err) => bail!(
                        "no GraphQL server at {endpoint}: cannot resolve host `{}`",
                        reqwest::Url::parse(endpoint)
                            .ok()
                            .and_then(|url| url.host_str().map(str::to_string))
                            .unwrap_or_default()
                    ),
                    Err(err) if err.is_connect() => bail!(
                        "no GraphQL server at {endpoint}: connection refused (start one with \
                         `quidditch serve`, or drop `--endpoint` to query the database in-process)"
                    ),
                    Err(err) if err.is_timeout() => bail!(
                        "GraphQL server at {endpoint} did not answer within {} s",
                        REQUEST_TIMEOUT.as_secs()
                    ),
                    Err(err) => {
                        return Err(anyhow::Error::new(err)
                            .context(format!("request to {endpoint} failed")));
                    }
                };
                let status = response.status();
                if status == reqwest::StatusCode::UNAUTHORIZED {
                    let text = response.text().await.unwrap_or_default();
                    let message = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v["errors"][0]["message"].as_str().map(str::to_string))
                        .unwrap_or(text);
                    bail!("{endpoint} refused the credentials (HTTP 401): {message}");
                }
                let text = response
                    .text()
                    .await
                    .with_context(|| format!("failed to read the answer of {endpoint}"))?;
                // A GraphQL server answers 200, or 400 with `errors` for a rejected document.
                match serde_json::from_str::<Value>(&text) {
                    Ok(value) if value.get("data").is_some() || value.get("errors").is_some() => {
                        Ok(value)
                    }
                    _ => bail!(
                        "{endpoint} did not answer like a GraphQL server (HTTP {})",
                        status.as_u16()
                    ),
                }
            }
        }
    }

    /// Runs typed operation `Q` with `variables` and returns its data, or its errors as one error.
    pub async fn run<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> anyhow::Result<Q::ResponseData> {
        let (data, errors) = self.run_partial::<Q>(variables).await?;
        if !errors.is_empty() {
            bail!("{}", describe_errors(&errors));
        }
        Ok(data)
    }

    /// Runs typed operation `Q` and returns its data with the errors that came with it: a
    /// response with `data` and `errors` is a partial success (fields a policy withheld are
    /// `null`). Only a response without `data` is an error.
    pub async fn run_partial<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> anyhow::Result<(Q::ResponseData, Vec<graphql_client::Error>)> {
        let body = serde_json::to_value(Q::build_query(variables))
            .context("failed to encode the request")?;
        let value = self.send(&body).await?;
        let response: graphql_client::Response<Q::ResponseData> =
            serde_json::from_value(value).context("the response does not match the query")?;
        let errors = response.errors.unwrap_or_default();
        match response.data {
            Some(data) => Ok((data, errors)),
            None if !errors.is_empty() => bail!("{}", describe_errors(&errors)),
            None => bail!("the response has neither data nor errors"),
        }
    }
}

/// Whether a failed connection failed at the name lookup (hyper-util's resolver reports
/// `dns error`; the system's `failed to lookup address information`).
fn is_dns_failure(err: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = cause {
        let text = error.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The path of the field an error is about, joined with `.` (`allPlayers.edges.1.node.year`);
/// `None` for a request error.
pub fn error_path(error: &graphql_client::Error) -> Option<String> {
    let path = error.path.as_ref().filter(|p| !p.is_empty())?;
    let parts: Vec<String> = path.iter().map(ToString::to_string).collect();
    Some(parts.join("."))
}

/// GraphQL errors as lines of `path: message (line L, column C)` (the path of the field that
/// failed, `getGame.winnerId`, for a field error: [`error_path`]), each distinct line once (with
/// its count when it repeats).
pub fn describe_errors(errors: &[graphql_client::Error]) -> String {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for line in errors.iter().map(|error| {
        let at: Vec<String> = error
            .locations
            .iter()
            .flatten()
            .map(|l| format!("line {}, column {}", l.line, l.column))
            .collect();
        let path = error_path(error).map_or_else(String::new, |path| format!("{path}: "));
        if at.is_empty() {
            format!("graphql: {path}{}", error.message)
        } else {
            format!("graphql: {path}{} ({})", error.message, at.join("; "))
        }
    }) {
        match lines.iter_mut().find(|(seen, _)| *seen == line) {
            Some((_, count)) => *count += 1,
            None => lines.push((line, 1)),
        }
    }
    let lines: Vec<String> = lines
        .into_iter()
        .map(|(line, count)| {
            if count == 1 {
                line
            } else {
                format!("{line} ({count} times)")
            }
        })
        .collect();
    lines.join("\n")
}
