//! Access tokens: minting and verifying the JWTs that carry a subject and its scopes.
//!
//! Tokens are HS256 with a shared secret (`QUIDDITCH_JWT_SECRET`), or RS256 verified with a PEM
//! public key for tokens issued elsewhere. Claims: `sub` (`player:1`, `staff:2`), `exp`, `iat`,
//! `iss`/`aud` when configured, and `scope` (space-separated, OAuth style, as the tutorial's Auth0
//! rule writes it). This module knows nothing of the database or the policies: it turns bytes into
//! verified claims and back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The claims of a quidditch access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The subject: `player:ID` or `staff:ID`.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Space-separated scopes, e.g. `seeker_chat`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
}

impl Claims {
    /// The scopes as a list.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope.split_whitespace().collect()
    }
}

/// How tokens are checked: the key, and the issuer and audience to require when set.
#[derive(Clone)]
pub struct Verifier {
    key: DecodingKey,
    algorithm: Algorithm,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Verifier")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Why a token was refused. Every variant means HTTP 401; none falls back to anonymous.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token is signed with `{found}`, but this server accepts only `{expected}`")]
    WrongAlgorithm { found: String, expected: String },
    #[error("the token's issuer is not the expected one")]
    BadIssuer,
    #[error("the token's audience is not the expected one")]
    BadAudience,
    #[error("the token is malformed: {reason}")]
    Malformed { reason: String },
    #[error("the key is not usable: {reason}")]
    BadKey { reason: String },
    #[error("a token could not be signed: {reason}")]
    Signing { reason: String },
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Verifier {
    /// Verifies HS256 tokens signed with `secret`.
    pub fn hs256(secret: &[u8]) -> Self {
        Verifier {
            key: DecodingKey::from_secret(secret),
            algorithm: Algorithm::HS256,
            issuer: None,
            audience: None,
        }
    }

    /// Verifies RS256 tokens with an RSA public key in PEM form.
    pub fn rs256_pem(pem: &[u8]) -> Result<Self, TokenError> {
        let key = DecodingKey::from_rsa_pem(pem).map_err(|e| TokenError::BadKey {
            reason: e.to_string(),
        })?;
        Ok(Verifier {
            key,
            algorithm: Algorithm::RS256,
            issuer: None,
            audience: None,
        })
    }

    /// Requires `iss` to equal `issuer`.
    #[must_use]
    pub fn with_issuer(mut self, issuer: Option<String>) -> Self {
        self.issuer = issuer;
        self
    }

    /// Requires `aud` to equal `audience`.
    #[must_use]
    pub fn with_audience(mut self, audience: Option<String>) -> Self {
        self.audience = audience;
        self
    }

    /// Checks the signature, algorithm (`alg: none` and any other algorithm are refused),
    /// expiry, and issuer and audience when configured.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::Malformed {
            reason: e.to_string(),
        })?;
        if header.alg != self.algorithm {
            return Err(TokenError::WrongAlgorithm {
                found: format!("{:?}", header.alg),
                expected: format!("{:?}", self.algorithm),
            });
        }
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        jsonwebtoken::decode::<Claims>(token, &self.key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    ErrorKind::InvalidSignature => TokenError::BadSignature,
                    ErrorKind::InvalidIssuer => TokenError::BadIssuer,
                    ErrorKind::InvalidAudience => TokenError::BadAudience,
                    ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm {
                        found: format!("{:?}", header.alg),
                        expected: format!("{:?}", self.algorithm),
                    },
                    _ => TokenError::Malformed {
                        reason: e.to_string(),
                    },
                }
            })
    }
}

/// Mints an HS256 token for `sub` with `scopes`, valid for `ttl`.
pub fn mint_hs256(
    secret: &[u8],
    sub: &str,
    scopes: &[String],
    ttl: Duration,
    issuer: Option<&str>,
    audience: Option<&str>,
) -> Result<(String, Claims), TokenError> {
    let iat = now();
    let claims = Claims {
        sub: sub.to_string(),
        exp: iat.saturating_add(ttl.as_secs()),
        iat,
        iss: issuer.map(str::to_string),
        aud: audience.map(str::to_string),
        scope: scopes.join(" "),
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| TokenError::Signing {
        reason: e.to_string(),
    })?;
    Ok((token, claims))
}

/// Parses a duration such as `90s`, `15m`, `1h`, `7d` (a bare number is seconds).
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a duration: write e.g. `90s`, `15m`, `1h` or `7d`")
    })?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => {
            return Err(format!(
                "`{text}` has an unknown unit `{unit}`: use s, m, h or d"
            ));
        }
    };
    if secs == 0 {
        return Err(format!(
            "`{text}` is zero: a token must live at least one second"
        ));
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    const SECRET: &[u8] = b"test-secret-of-enough-length-32b";

    fn mint(ttl: u64) -> String {
        mint_hs256(
            SECRET,
            "player:1",
            &["seeker_chat".into()],
            Duration::from_secs(ttl),
            None,
            None,
        )
        .unwrap()
        .0
    }

    #[test]
    fn a_minted_token_verifies_with_its_claims() {
        let claims = Verifier::hs256(SECRET).verify(&mint(60)).unwrap();
        assert_eq!(claims.sub, "player:1");
        assert_eq!(claims.scopes(), ["seeker_chat"]);
    }

    #[test]
    fn forged_tokens_are_refused() {
        let good = mint(60);
        let verifier = Verifier::hs256(SECRET);
        // Wrong key.
        assert!(matches!(
            Verifier::hs256(b"another-secret").verify(&good),
            Err(TokenError::BadSignature)
        ));
        // Tampered payload: same signature, other subject.
        let parts: Vec<&str> = good.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD
            .encode(br#"{"sub":"staff:1","exp":99999999999,"iat":0,"scope":"seeker_chat"}"#);
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert!(matches!(
            verifier.verify(&tampered),
            Err(TokenError::BadSignature)
        ));
        // alg: none.
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{forged_payload}.");
        assert!(verifier.verify(&unsigned).is_err());
        // Garbage.
        assert!(matches!(
            verifier.verify("not.a.jwt"),
            Err(TokenError::Malformed { .. })
        ));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let (token, _) = {
            let claims = Claims {
                sub: "player:1".into(),
                exp: now() - 10,
                iat: now() - 100,
                iss: None,
                aud: None,
                scope: String::new(),
            };
            let t = jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(SECRET),
            )
            .unwrap();
            (t, claims)
        };
        assert!(matches!(
            Verifier::hs256(SECRET).verify(&token),
            Err(TokenError::Expired)
        ));
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let (token, _) = mint_hs256(
            SECRET,
            "player:1",
            &[],
            Duration::from_secs(60),
            Some("a"),
            Some("b"),
        )
        .unwrap();
        let v = Verifier::hs256(SECRET);
        assert!(
            v.clone()
                .with_issuer(Some("a".into()))
                .with_audience(Some("b".into()))
                .verify(&token)
                .is_ok()
        );
        assert!(matches!(
            v.clone().with_issuer(Some("x".into())).verify(&token),
            Err(TokenError::BadIssuer)
        ));
        assert!(matches!(
            v.with_audience(Some("x".into())).verify(&token),
            Err(TokenError::BadAudience)
        ));
    }

    #[test]
    fn ttls_parse_with_units() {
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("90"), Ok(Duration::from_secs(90)));
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("h").is_err());
    }
}
