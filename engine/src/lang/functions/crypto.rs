//! Hash functions and `uuid`.

use base64::Engine as _;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::args::{arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

#[derive(Clone, Copy)]
pub(super) enum Alg {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

pub(super) fn digest(alg: Alg, data: &[u8]) -> Vec<u8> {
    match alg {
        Alg::Md5 => Md5::digest(data).to_vec(),
        Alg::Sha1 => Sha1::digest(data).to_vec(),
        Alg::Sha256 => Sha256::digest(data).to_vec(),
        Alg::Sha512 => Sha512::digest(data).to_vec(),
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hex_of(args: Args, alg: Alg) -> Result<Value, Fail> {
    Ok(string(hex(&digest(alg, arg_str(args, 0)?.as_bytes()))))
}

fn b64_of(args: Args, alg: Alg) -> Result<Value, Fail> {
    Ok(string(b64(&digest(alg, arg_str(args, 0)?.as_bytes()))))
}

pub(super) fn md5(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Md5)
}

pub(super) fn sha1(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Sha1)
}

pub(super) fn sha256(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Sha256)
}

pub(super) fn sha512(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Sha512)
}

pub(super) fn base64sha256(args: Args, _: Ctx) -> Result<Value, Fail> {
    b64_of(args, Alg::Sha256)
}

pub(super) fn base64sha512(args: Args, _: Ctx) -> Result<Value, Fail> {
    b64_of(args, Alg::Sha512)
}

pub(super) fn uuid(_: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(string(uuid::Uuid::new_v4().to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_ok, s};

    #[test]
    fn hash_examples() {
        let hw = || vec![s("hello world")];
        assert_eq!(call_ok("md5", hw()), s("5eb63bbbe01eeed093cb22bb8f5acdc3"));
        assert_eq!(
            call_ok("sha1", hw()),
            s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
        );
        assert_eq!(
            call_ok("sha256", hw()),
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        );
        assert_eq!(
            call_ok("sha512", hw()),
            s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f")
        );
        assert_eq!(
            call_ok("base64sha256", hw()),
            s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        assert_eq!(
            call_ok("base64sha512", hw()),
            s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==")
        );
    }

    #[test]
    fn uuid_is_random_v4() {
        let a = call_ok("uuid", vec![]);
        let b = call_ok("uuid", vec![]);
        assert_ne!(a, b);
        let text = a.as_str().unwrap_or_default().to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.chars().nth(14), Some('4'));
    }
}
