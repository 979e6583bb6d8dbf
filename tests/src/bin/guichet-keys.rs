//! Access-token signing keys for a deployment (used by `make demo`, usable for production).
//!
//! - `guichet-keys generate KID`: a new Ed25519 key as a private JWKS, for the secret Spin
//!   variable `identity_signing_keys`.
//! - `guichet-keys public < private.json`: the public JWKS of a private one, for `token_jwks`.
//!
//! Rotation: `generate` a new key, put it second in `identity_signing_keys` (published, not
//! signing yet) and in `token_jwks`; once every verifier has it, move it first; once the old
//! key's last tokens have expired (5 minutes), drop the old key from both.

use std::io::Read as _;

use guichet_tests::guichet::private_jwks;
use guichet_tests::tokens::TestKeys;
use serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", kid] if !kid.is_empty() => println!("{}", private_jwks(&[&TestKeys::generate(kid)])),
        ["public"] => {
            let mut text = String::new();
            if std::io::stdin().read_to_string(&mut text).is_err() {
                fail("cannot read standard input");
            }
            let mut jwks: Value = serde_json::from_str(&text).unwrap_or_else(|_| fail("standard input is not a JWKS"));
            let Some(keys) = jwks.get_mut("keys").and_then(Value::as_array_mut) else { fail("no `keys` array") };
            for key in keys.iter_mut() {
                if let Some(key) = key.as_object_mut() {
                    key.remove("d");
                    key.insert("alg".into(), "EdDSA".into());
                    key.insert("use".into(), "sig".into());
                }
            }
            println!("{jwks}");
        }
        _ => fail("usage: guichet-keys generate KID | guichet-keys public < private.json"),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("guichet-keys: {message}");
    std::process::exit(2)
}
