//! OpenPGP authentication of a registry's SHA256SUMS document, as Terraform does it: the
//! detached signature must verify with one of the release's `signing_keys`; who signed it
//! decides how the install is reported. HashiCorp's release key is HashiCorp's; a key the
//! registry lists with a `trust_signature` that verifies with a trusted partners key
//! (production: HashiCorp's partners key, the published public key in
//! `keys/hashicorp-partners.asc`) is a HashiCorp partner's; a trust signature that does
//! not verify refuses the install; any other key is self-signed.

use std::fmt;
use std::io::Read as _;

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::types::KeyDetails;

/// HashiCorp's release key (HashiCorp Security, the key of `security@hashicorp.com`): a
/// signature verified with the registry's key of this fingerprint is HashiCorp's.
const HASHICORP_FINGERPRINT: &str = "C874011F0AB405110D02105534365D9472D7468F";

/// One of `signing_keys.gpg_public_keys` in a registry's download description.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct SigningKey {
    #[serde(default)]
    pub ascii_armor: String,
    /// An ASCII-armored detached signature of the key (its binary form) by a partners
    /// key, when the registry vouches for it as a partner's; empty otherwise.
    #[serde(default)]
    pub trust_signature: String,
}

/// The keys whose trust signature on a signing key makes it a HashiCorp partner's.
pub struct PartnerKeys(Vec<SignedPublicKey>);

impl PartnerKeys {
    /// HashiCorp's partners key, as Terraform trusts it.
    pub fn hashicorp() -> &'static PartnerKeys {
        static KEYS: std::sync::LazyLock<PartnerKeys> = std::sync::LazyLock::new(|| {
            PartnerKeys::from_armored(&[include_str!("../keys/hashicorp-partners.asc")])
                .expect("the embedded HashiCorp partners key parses")
        });
        &KEYS
    }

    /// Partner keys from their ASCII-armored public keys.
    pub fn from_armored(keys: &[&str]) -> Result<PartnerKeys, String> {
        keys.iter()
            .map(|k| {
                SignedPublicKey::from_string(k)
                    .map(|(cert, _)| cert)
                    .map_err(|e| format!("error creating HashiCorp Partners keyring: {e}"))
            })
            .collect::<Result<_, _>>()
            .map(PartnerKeys)
    }
}

/// Who signed a package's checksums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    HashiCorp,
    /// A key that a partners key vouches for with its trust signature.
    Partner {
        key_id: String,
    },
    /// Any other key the registry lists.
    SelfSigned {
        key_id: String,
    },
}

impl Signer {
    /// The signing key's ID, printed for keys other than HashiCorp's.
    pub fn third_party_key_id(&self) -> Option<&str> {
        match self {
            Signer::HashiCorp => None,
            Signer::Partner { key_id } | Signer::SelfSigned { key_id } => Some(key_id),
        }
    }
}

impl fmt::Display for Signer {
    /// Terraform's name for how a package was authenticated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signer::HashiCorp => "signed by HashiCorp",
            Signer::Partner { .. } => "signed by a HashiCorp partner",
            Signer::SelfSigned { .. } => "self-signed",
        })
    }
}

/// Verifies the binary detached `signature` of `document` with the first of `keys` that
/// issued it, trusting HashiCorp's partners key for partner signatures. Errors are
/// Terraform's words for the same failures.
pub fn verify(document: &[u8], signature: &[u8], keys: &[SigningKey]) -> Result<Signer, String> {
    verify_with(document, signature, keys, PartnerKeys::hashicorp())
}

/// [`verify`], trusting `partners` for the keys' trust signatures.
pub fn verify_with(
    document: &[u8],
    signature: &[u8],
    keys: &[SigningKey],
    partners: &PartnerKeys,
) -> Result<Signer, String> {
    let unknown = || "authentication signature from unknown issuer".to_string();
    // No signature packet at all: no key issued it.
    if signature.is_empty() {
        return Err(unknown());
    }
    let sig = DetachedSignature::from_bytes(signature)
        .map_err(|e| format!("error checking signature: {e}"))?;
    for key in keys {
        let (cert, _) = SignedPublicKey::from_string(&key.ascii_armor)
            .map_err(|e| format!("error decoding signing key: {e}"))?;
        match check(&sig, &cert, document) {
            None => continue,
            Some(Err(e)) => return Err(format!("error checking signature: {e}")),
            Some(Ok(())) => return classify(key, &cert, partners),
        }
    }
    Err(unknown())
}

/// Checks `sig` over `data` if `cert` issued it (`None` if not): with its primary key or
/// one of its signing subkeys.
fn check(
    sig: &DetachedSignature,
    cert: &SignedPublicKey,
    data: &[u8],
) -> Option<Result<(), pgp::errors::Error>> {
    let issuers = sig.signature.issuer_key_id();
    if issuers.contains(&&cert.primary_key.legacy_key_id()) {
        return Some(sig.verify(&cert.primary_key, data));
    }
    cert.public_subkeys
        .iter()
        .find(|s| issuers.contains(&&s.key.legacy_key_id()))
        .map(|s| {
            s.verify_bindings(&cert.primary_key)
                .and_then(|()| sig.verify(&s.key, data))
        })
}

/// HashiCorp's own key, a partner's (its trust signature verified), or anyone's.
fn classify(
    key: &SigningKey,
    cert: &SignedPublicKey,
    partners: &PartnerKeys,
) -> Result<Signer, String> {
    if hex_upper(cert.primary_key.fingerprint().as_bytes()) == HASHICORP_FINGERPRINT {
        return Ok(Signer::HashiCorp);
    }
    let key_id = hex_upper(cert.primary_key.legacy_key_id().as_ref());
    if key.trust_signature.is_empty() {
        return Ok(Signer::SelfSigned { key_id });
    }
    // The trust signature covers the signing key as the registry armored it, unarmored.
    let mut vouched = Vec::new();
    pgp::armor::Dearmor::new(key.ascii_armor.as_bytes())
        .read_to_end(&mut vouched)
        .map_err(|e| format!("error decoding signing key: {e}"))?;
    let (trust, _) = DetachedSignature::from_string(&key.trust_signature)
        .map_err(|e| format!("error decoding trust signature: {e}"))?;
    match partners.0.iter().find_map(|p| check(&trust, p, &vouched)) {
        Some(Ok(())) => Ok(Signer::Partner { key_id }),
        Some(Err(e)) => Err(format!("error verifying trust signature: {e}")),
        None => {
            Err("error verifying trust signature: openpgp: signature made by unknown entity".into())
        }
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
