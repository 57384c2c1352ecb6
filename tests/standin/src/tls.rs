//! HTTPS as `discord.com` on loopback ([`crate::Options::https_as_discord`]).
//!
//! serenity 0.12.5's own rate limiter builds every request for `https://discord.com` and
//! ignores `HttpBuilder::proxy` (`src/http/ratelimiting.rs`, `Ratelimiter::perform` calls
//! `Request::build(.., None)`), so a bot with its limiter on can only be tested against a
//! server that answers TLS for that name. At start the stand-in makes a throwaway root
//! certificate and a `discord.com` certificate signed by it (nothing is committed), and
//! serves its normal REST API behind TLS on a second loopback port. The bot's HTTP client
//! then resolves `discord.com` to that port and trusts that root (and nothing else):
//! `medfaq::discord::run_reaching`. The gateway stays plain `ws://` on the first port
//! (`GET /gateway` says where).

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;

/// The host name the certificate is for.
pub const DISCORD_HOST: &str = "discord.com";

/// Where the stand-in answers HTTPS for [`DISCORD_HOST`], and the root to trust for it.
#[derive(Debug, Clone)]
pub struct DiscordTls {
    /// `127.0.0.1:PORT`: resolve `discord.com` here.
    pub addr: SocketAddr,
    /// The root certificate (DER) the `discord.com` certificate chains to; made at start.
    pub root_certificate_der: Vec<u8>,
}

/// A certificate chain and key for `discord.com` under a fresh root.
struct Certs {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    root: Vec<u8>,
}

fn make_certs() -> Result<Certs, rcgen::Error> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let root_key = KeyPair::generate()?;
    let mut root_params = CertificateParams::new(Vec::<String>::new())?;
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params
        .distinguished_name
        .push(DnType::CommonName, "discord-standin test root");
    root_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let root = root_params.self_signed(&root_key)?;
    let leaf_key = KeyPair::generate()?;
    let mut leaf_params = CertificateParams::new(vec![DISCORD_HOST.to_string()])?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, DISCORD_HOST);
    let leaf = leaf_params.signed_by(&leaf_key, &root, &root_key)?;
    Ok(Certs {
        chain: vec![leaf.der().clone(), root.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        root: root.der().to_vec(),
    })
}

/// Accepted TLS connections, handshakes done, for `axum::serve`.
pub(crate) struct TlsListener {
    conns: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.conns.recv().await {
            Some(conn) => conn,
            // The acceptor task ended (the stand-in is stopping): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// Binds `127.0.0.1:0` and accepts TLS for `discord.com` there: returns the listener (for
/// `axum::serve`), what a client needs to reach it, and the acceptor task (abort it to
/// stop). Handshakes run in their own tasks, so a slow one holds up no other connection.
pub(crate) async fn listen(
    nodelay: bool,
) -> (TlsListener, DiscordTls, tokio::task::JoinHandle<()>) {
    let certs = make_certs().expect("make a test certificate for discord.com");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs.chain, certs.key)
        .expect("the test certificate is usable");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let tcp = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = tcp.local_addr().expect("local addr");
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = tcp.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(nodelay);
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                // A failed handshake (e.g. a client that does not trust the root) just
                // closes that connection, as a real server would.
                if let Ok(tls) = acceptor.accept(stream).await {
                    let _ = tx.send((tls, peer)).await;
                }
            });
        }
    });
    let info = DiscordTls {
        addr,
        root_certificate_der: certs.root,
    };
    (TlsListener { conns: rx, addr }, info, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_names_discord_com_and_chains_to_the_root() {
        let certs = make_certs().unwrap();
        assert_eq!(certs.chain.len(), 2);
        assert_eq!(certs.chain[1].as_ref(), certs.root.as_slice());
        // Two runs make two different roots: nothing fixed to trust by mistake.
        assert_ne!(make_certs().unwrap().root, certs.root);
    }
}
