//! `--context KEY=VALUE` for `authz check|explain|who-can|test`: the request context
//! (`$context.*`) the decision is asked with, each name declared in `[context]`.

use clap::Args;

use crate::authz::{self, Context, PolicySet};

/// The request's context, shared by every command that decides.
#[derive(Debug, Args, Default)]
pub struct ContextArgs {
    /// Decide with this request context (repeatable), each name declared under `[context]`:
    /// `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`.
    /// A condition needing a value not given fails closed (an allow does not apply, a deny does).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
}

impl ContextArgs {
    /// The context the flags give, each checked against `set`'s `[context]`.
    pub fn context(&self, set: &PolicySet) -> anyhow::Result<Context> {
        let mut out = Context::new();
        for pair in &self.pairs {
            let (name, value) = authz::context::assignment(&set.context, pair)
                .map_err(|reason| anyhow::anyhow!("invalid `--context {pair}`: {reason}"))?;
            out.insert(name, value);
        }
        Ok(out)
    }
}
