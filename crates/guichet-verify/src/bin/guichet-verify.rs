//! `guichet-verify`: checks a signature bundle against a file and the commune's published
//! keys, offline (it opens no socket: everything it trusts is in the files it is given).
//!
//! ```text
//! guichet-verify --bundle bundle.json --file invoice.pdf --keys commune-keys.json [--json]
//! ```
//!
//! `--keys` is the commune's JWKS as published at `/api/signatures/keys` (kept by whoever
//! needs to verify later). Prints who signed what and when, then `VALID` or `NOT VALID`
//! (`--json`: the report as JSON). Exit status: 0 valid, 1 not valid, 2 unusable input.

use std::process::ExitCode;

use guichet_verify::bundle::{self, Bundle, Report};
use guichet_verify::jws::Jwks;
use guichet_verify::sha256_hex;

const USAGE: &str =
    "usage: guichet-verify --bundle BUNDLE.json --file FILE --keys COMMUNE-KEYS.json [--json]";

struct Args {
    bundle: String,
    file: String,
    keys: String,
    json: bool,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("guichet-verify: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let report = match run(&args) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("guichet-verify: {message}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", text(&report));
    }
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut bundle, mut file, mut keys, mut json) = (None, None, None, false);
    while let Some(arg) = argv.next() {
        let slot = match arg.as_str() {
            "--bundle" => &mut bundle,
            "--file" => &mut file,
            "--keys" => &mut keys,
            "--json" => {
                json = true;
                continue;
            }
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        };
        *slot = Some(argv.next().ok_or(format!("{arg} needs a path"))?);
    }
    Ok(Args {
        bundle: bundle.ok_or("--bundle is required")?,
        file: file.ok_or("--file is required")?,
        keys: keys.ok_or("--keys is required")?,
        json,
    })
}

fn run(args: &Args) -> Result<Report, String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("reading {path}: {e}"));
    let bundle: Bundle = serde_json::from_slice(&read(&args.bundle)?)
        .map_err(|e| format!("{} is not a signature bundle: {e}", args.bundle))?;
    let keys: Jwks = serde_json::from_slice(&read(&args.keys)?)
        .map_err(|e| format!("{} is not a JWKS: {e}", args.keys))?;
    let digest = sha256_hex(&read(&args.file)?);
    Ok(bundle::verify(&bundle, &digest, &keys))
}

fn text(report: &Report) -> String {
    let mut out = format!("file SHA-256: {}\n", report.sha256);
    for problem in &report.problems {
        out.push_str(&format!("problem: {problem}\n"));
    }
    for signature in &report.signatures {
        match (&signature.claims, &signature.problem) {
            (Some(c), _) => out.push_str(&format!(
                "valid signature: {} as {} for \"{}\" at {} (flow {}, key {})\n",
                c.signer, c.role, c.purpose, c.signed_at, c.flow, signature.kid
            )),
            (None, problem) => out.push_str(&format!(
                "INVALID signature claimed by {} (key {}): {}\n",
                signature.signer,
                signature.kid,
                problem.as_deref().unwrap_or("unknown")
            )),
        }
    }
    out.push_str(if report.valid {
        "VALID\n"
    } else {
        "NOT VALID\n"
    });
    out
}
