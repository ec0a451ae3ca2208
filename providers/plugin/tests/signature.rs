//! How a registry download's signer is classified: a partner's key (its trust signature
//! verified with the trusted partners key), a self-signed key, and the refusals Terraform
//! gives for a trust signature that does not verify. The partners key is a test key here;
//! production trusts HashiCorp's.

use terrane_provider_plugin::signature::{verify, verify_with, PartnerKeys, Signer, SigningKey};
use terrane_test_support::signing::TestKey;

const SUMS: &[u8] = b"0123  terraform-provider-example_1.0.0_linux_amd64.zip\n";

fn keys() -> (TestKey, TestKey, PartnerKeys) {
    let author = TestKey::generate(11, "Example Partner <releases@partner.test>");
    let partners = TestKey::generate(12, "Partners <partners@registry.test>");
    let trusted = PartnerKeys::from_armored(&[&partners.armored_public]).unwrap();
    (author, partners, trusted)
}

fn listed(key: &TestKey, trust_signature: String) -> SigningKey {
    SigningKey {
        ascii_armor: key.armored_public.clone(),
        trust_signature,
    }
}

#[test]
fn a_key_vouched_for_by_the_partners_key_is_a_partners() {
    let (author, partners, trusted) = keys();
    let key = listed(&author, partners.trust_signature(&author));
    let signer = verify_with(SUMS, &author.sign(SUMS), &[key], &trusted).unwrap();
    assert_eq!(
        signer,
        Signer::Partner {
            key_id: author.key_id.clone()
        }
    );
    assert_eq!(signer.to_string(), "signed by a HashiCorp partner");
    assert_eq!(signer.third_party_key_id(), Some(author.key_id.as_str()));
}

#[test]
fn a_key_without_a_trust_signature_is_self_signed() {
    let (author, _, trusted) = keys();
    let signer = verify_with(
        SUMS,
        &author.sign(SUMS),
        &[listed(&author, String::new())],
        &trusted,
    )
    .unwrap();
    assert_eq!(signer.to_string(), "self-signed");
    assert_eq!(signer.third_party_key_id(), Some(author.key_id.as_str()));
}

#[test]
fn a_trust_signature_that_does_not_verify_refuses_the_package() {
    let (author, partners, trusted) = keys();
    let stranger = TestKey::generate(13, "Stranger <stranger@example.test>");
    // By a key that is not a partners key.
    let by_stranger = listed(&author, stranger.trust_signature(&author));
    let err = verify_with(SUMS, &author.sign(SUMS), &[by_stranger], &trusted).unwrap_err();
    assert_eq!(
        err,
        "error verifying trust signature: openpgp: signature made by unknown entity"
    );
    // By the partners key, but of another key.
    let of_another = listed(&author, partners.trust_signature(&stranger));
    let err = verify_with(SUMS, &author.sign(SUMS), &[of_another], &trusted).unwrap_err();
    assert!(
        err.starts_with("error verifying trust signature: "),
        "{err}"
    );
    // Not a signature at all.
    let garbled = listed(&author, "not a signature".into());
    let err = verify_with(SUMS, &author.sign(SUMS), &[garbled], &trusted).unwrap_err();
    assert!(err.starts_with("error decoding trust signature: "), "{err}");
}

#[test]
fn in_production_only_hashicorps_partners_key_vouches() {
    // The embedded key parses, and a test key's trust signature means nothing to it.
    let (author, partners, _) = keys();
    let key = listed(&author, partners.trust_signature(&author));
    let err = verify(SUMS, &author.sign(SUMS), &[key]).unwrap_err();
    assert!(err.starts_with("error verifying trust signature"), "{err}");
}
