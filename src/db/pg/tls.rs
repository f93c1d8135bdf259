//! TLS to PostgreSQL with rustls (no OpenSSL): libpq's `sslmode`, `sslrootcert` and client
//! certificate (`sslcert`, `sslkey`) as a tokio-postgres connector, with SCRAM's channel binding
//! (`tls-server-end-point`), for the commands' connections, the store's inline ones and cancel
//! requests alike. A unix socket never uses TLS.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, ServerName, UnixTime,
};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use crate::db::url::{ClientCert, SslMode, Tls};
use crate::db::{Error, Result};

/// Makes a TLS connector per host; `None` inside when `sslmode=disable`.
#[derive(Clone)]
pub struct MakeRustls(Option<Arc<rustls::ClientConfig>>);

impl MakeRustls {
    /// The connector for `tls`: its trusted authorities read now, so that a missing or bad
    /// root file is an error before any connection.
    pub fn new(tls: &Tls) -> Result<Self> {
        if tls.mode == SslMode::Disable {
            return Ok(MakeRustls(None));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match (tls.mode, &tls.root, tls.system) {
            // libpq's `require` checks nothing, unless a root file is given.
            (SslMode::Prefer | SslMode::Require, None, false) => {
                Arc::new(Unchecked(Arc::clone(&provider)))
            }
            (SslMode::VerifyFull, _, _) => webpki(tls, &provider)?,
            _ => Arc::new(ChainOnly(webpki(tls, &provider)?)),
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match &tls.client {
            None => builder.with_no_client_auth(),
            Some(client) => {
                let (chain, key) = client_cert(client)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|err| tls_error(format!("sslcert {}: {err}", client.cert.display())))?
            }
        };
        Ok(MakeRustls(Some(Arc::new(config))))
    }

    /// Whether TLS is used at all (`sslmode` is not `disable`).
    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The connector for one host, its name checked against the certificate by `verify-full`.
    pub fn for_host(&self, host: &str) -> RustlsConnect {
        RustlsConnect(match (&self.0, ServerName::try_from(host.to_string())) {
            (Some(config), Ok(name)) => Some((Arc::clone(config), name)),
            _ => None,
        })
    }
}

fn tls_error(err: impl std::fmt::Display) -> Error {
    Error::Postgres {
        message: format!("TLS: {err}"),
    }
}

/// The client's certificate chain and private key, read now. The key must not be readable by
/// others, as libpq requires: `u=rw` (0600) or less, or `u=rw,g=r` (0640) when root owns it.
fn client_cert(
    client: &ClientCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let key = client.key.display();
    let chain = pem_file(&client.cert, "sslcert", "certificate")?;
    let meta =
        std::fs::metadata(&client.key).map_err(|err| tls_error(format!("sslkey {key}: {err}")))?;
    let allowed = if meta.uid() == 0 { 0o640 } else { 0o600 };
    if meta.permissions().mode() & 0o777 & !allowed != 0 {
        return Err(tls_error(format!(
            "sslkey {key}: others may read it; its permissions should be u=rw (0600) or less, \
             or u=rw,g=r (0640) or less if root owns it"
        )));
    }
    let private = PrivateKeyDer::from_pem_file(&client.key)
        .map_err(|err| tls_error(format!("sslkey {key}: {err}")))?;
    Ok((chain, private))
}

/// Every `T` of the PEM file `path`, which the setting `key` names: at least one `what`.
fn pem_file<T: PemObject>(path: &std::path::Path, key: &str, what: &str) -> Result<Vec<T>> {
    let items = T::pem_file_iter(path)
        .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
        .map_err(|err| tls_error(format!("{key} {}: {err}", path.display())))?;
    if items.is_empty() {
        return Err(tls_error(format!(
            "{key} {}: no {what} in it",
            path.display()
        )));
    }
    Ok(items)
}

/// The standard verifier over the authorities of `sslrootcert` (a PEM file), or the system's
/// (`sslrootcert=system`).
fn webpki(tls: &Tls, provider: &Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>> {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(path) = &tls.root {
        for cert in pem_file::<CertificateDer>(path, "sslrootcert", "certificate")? {
            roots
                .add(cert)
                .map_err(|err| tls_error(format!("sslrootcert {}: {err}", path.display())))?;
        }
    } else if !tls.system {
        return Err(tls_error(
            "no authority to trust: give sslrootcert, or sslrootcert=system",
        ));
    } else {
        let found = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(found.certs);
        if roots.is_empty() {
            return Err(tls_error(
                "no trusted authority found on this system: give one with sslrootcert",
            ));
        }
    }
    let mut builder =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider));
    let mut crls = Vec::new();
    if let Some(path) = &tls.crl {
        crls.extend(pem_file(path, "sslcrl", "revocation list")?);
    }
    if let Some(dir) = &tls.crl_dir {
        crls.extend(crl_dir(dir)?);
    }
    if !crls.is_empty() {
        // As libpq asks OpenSSL (CRL_CHECK_ALL): every certificate of the chain is looked up,
        // and one whose issuer has no list here is refused.
        builder = builder.with_crls(crls);
    }
    builder.build().map_err(tls_error)
}

/// The revocation lists of `sslcrldir`: its files named as `openssl rehash` names them
/// (`HASH.rN`: eight hex digits, `.r`, a number), which is all OpenSSL looks up there. A
/// directory that cannot be read, or holds no list, is an error: never no check.
fn crl_dir(dir: &std::path::Path) -> Result<Vec<CertificateRevocationListDer<'static>>> {
    let unreadable = |err: std::io::Error| tls_error(format!("sslcrldir {}: {err}", dir.display()));
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(unreadable)?;
    names.retain(|path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(rehashed)
    });
    names.sort();
    if names.is_empty() {
        return Err(tls_error(format!(
            "sslcrldir {}: no revocation list in it (files named HASH.r0, as `openssl rehash` \
             names them)",
            dir.display()
        )));
    }
    let mut crls = Vec::new();
    for path in &names {
        crls.extend(pem_file(path, "sslcrldir", "revocation list")?);
    }
    Ok(crls)
}

/// Whether `name` is a revocation list's name in a hashed directory: `3f2a9c1b.r0`.
fn rehashed(name: &str) -> bool {
    name.split_once(".r").is_some_and(|(hash, n)| {
        hash.len() == 8
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `verify-ca` (and `require` with a root file): the chain must reach a trusted authority; the
/// host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        // The chain is checked before the name: a wrong name means the chain passed.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root file: encrypted, the certificate not checked (libpq's
/// meaning of them); the handshake's signatures still are.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<RustlsConnect> {
        Ok(self.for_host(domain))
    }
}

/// The connector of one host; `None`: TLS is off, or the host has no name TLS can check (a
/// unix socket's directory: the server answers that it has no TLS there before this is used).
pub struct RustlsConnect(Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>);

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let Some((config, name)) = self.0 else {
                return Err(io::Error::other(
                    "TLS cannot be used on this connection (sslmode=disable, or no host name)",
                ));
            };
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await?;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// A TLS stream to the server.
pub struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    /// `tls-server-end-point`, which PostgreSQL's SCRAM-SHA-256-PLUS binds the password
    /// exchange to: a certificate whose hash cannot be told gives none (`channel_binding=prefer`
    /// then falls back to SCRAM-SHA-256; `require` refuses the connection).
    fn channel_binding(&self) -> ChannelBinding {
        let (_, connection) = self.0.get_ref();
        match connection
            .peer_certificates()
            .and_then(<[_]>::first)
            .and_then(|cert| end_point_hash(cert))
        {
            Some(hash) => ChannelBinding::tls_server_end_point(hash),
            None => ChannelBinding::none(),
        }
    }
}

/// The object identifiers of RSA's (PKCS #1) and ECDSA's signature algorithms, but their last
/// byte, which names the hash.
const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];

/// The hash of a server's certificate for `tls-server-end-point` (RFC 5929 §4.1): with the hash
/// function of the certificate's signature algorithm, SHA-256 for MD5 and SHA-1 (and for any
/// other; PostgreSQL itself refuses an algorithm without a hash, such as Ed25519's). `None`: the
/// certificate is not DER the reading below can follow.
pub(crate) fn end_point_hash(cert: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest as _;
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    let (certificate, _) = der(cert, 0x30)?;
    let (_, after_tbs) = der(certificate, 0x30)?;
    let (algorithm, _) = der(after_tbs, 0x30)?;
    let (oid, _) = der(algorithm, 0x06)?;
    let hash = match oid.split_last() {
        Some((&last, prefix)) if prefix == RSA => match last {
            0x0e => sha2::Sha224::digest(cert).to_vec(),
            0x0c => sha2::Sha384::digest(cert).to_vec(),
            0x0d => sha2::Sha512::digest(cert).to_vec(),
            _ => sha2::Sha256::digest(cert).to_vec(),
        },
        Some((&last, prefix)) if prefix == ECDSA => match last {
            0x01 => sha2::Sha224::digest(cert).to_vec(),
            0x03 => sha2::Sha384::digest(cert).to_vec(),
            0x04 => sha2::Sha512::digest(cert).to_vec(),
            _ => sha2::Sha256::digest(cert).to_vec(),
        },
        _ => sha2::Sha256::digest(cert).to_vec(),
    };
    Some(hash)
}

/// One DER element of `tag` at the start of `input`: its contents, and what follows it.
fn der(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, input) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = input.split_at_checked(count)?;
        input = rest;
        bytes
            .iter()
            .fold(0usize, |len, &byte| (len << 8) | usize::from(byte))
    };
    input.split_at_checked(len)
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    /// Only the names `openssl rehash` gives revocation lists are read from `sslcrldir`.
    #[test]
    fn a_hashed_directory_s_lists_are_its_hash_r_n_files() {
        for name in ["3f2a9c1b.r0", "0000ABCD.r12"] {
            assert!(rehashed(name), "{name}");
        }
        for name in [
            "3f2a9c1b.0",
            "3f2a9c1b.r",
            "3f2a9c1.r0",
            "3f2a9c1bb.r0",
            "3f2a9c1g.r0",
            "3f2a9c1b.r0.bak",
            "root.crl",
        ] {
            assert!(!rehashed(name), "{name}");
        }
    }

    /// A certificate's outline: an empty `tbsCertificate`, the signature algorithm `oid`, and a
    /// signature whose length takes the long form of DER's lengths.
    fn certificate(oid: &[u8]) -> Vec<u8> {
        let mut algorithm = vec![0x06, u8::try_from(oid.len()).unwrap()];
        algorithm.extend(oid);
        let mut body = vec![0x30, 0x00, 0x30, u8::try_from(algorithm.len()).unwrap()];
        body.extend(algorithm);
        body.extend([0x03, 0x81, 0x80]);
        body.extend([0u8; 0x80]);
        let mut cert = vec![0x30, 0x81, u8::try_from(body.len()).unwrap()];
        cert.extend(body);
        cert
    }

    #[test]
    fn the_end_point_hash_is_that_of_the_signature_algorithm() {
        let rsa = |last: u8| certificate(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, last]);
        let ecdsa = |last: u8| certificate(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, last]);
        let sha256 = |c: &[u8]| sha2::Sha256::digest(c).to_vec();
        let sha384 = |c: &[u8]| sha2::Sha384::digest(c).to_vec();
        let sha512 = |c: &[u8]| sha2::Sha512::digest(c).to_vec();
        for (cert, hash) in [
            (rsa(0x0b), sha256 as fn(&[u8]) -> Vec<u8>),
            (rsa(0x05), sha256),
            (rsa(0x0c), sha384),
            (rsa(0x0d), sha512),
            (ecdsa(0x02), sha256),
            (ecdsa(0x03), sha384),
            (ecdsa(0x04), sha512),
            (certificate(&[0x2b, 0x65, 0x70]), sha256),
        ] {
            assert_eq!(end_point_hash(&cert), Some(hash(&cert)));
        }
        assert_eq!(
            end_point_hash(&rsa(0x0e)).map(|h| h.len()),
            Some(28),
            "SHA-224"
        );
        // Not a certificate's DER: no hash.
        for bad in [
            &[][..],
            &[0x30, 0x05, 0x30],
            &[0x04, 0x00],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
        ] {
            assert_eq!(end_point_hash(bad), None, "{bad:?}");
        }
    }
}
