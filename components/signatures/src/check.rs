//! Public verification, for anyone holding a document (no account): who signed it, in which
//! role, for what and when, and whether each signature holds.
//!
//! - `GET check?sha256=<hex>`: by the document's digest (JSON).
//! - `POST check` with the file itself as the body (any content type): the same, for the
//!   file's digest (the file is not stored).
//! - `GET verify[?sha256=<hex>]`: the same as a page (French and English, no script).
//! - `POST verify`: the page's upload form (`multipart/form-data`, field `file`, at most
//!   [`MAX_BYTES`] as `POST check`), after the origin rule of every form of Guichet
//!   (`guichet_guest::forms`): it changes nothing, but another site's page may not use it.
//!
//! Each answer is the bundle of every document version of this commune with that digest,
//! checked with `guichet_verify::bundle::verify` against the commune's published keys, the
//! very check `guichet-verify` runs offline.

use guichet_guest::db::{self};
use guichet_guest::forms::{self, Refusal};
use guichet_guest::markup::escape;
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError, Commune};
use guichet_verify::bundle::{self as format, Bundle, Report};
use serde_json::{json, Value};
use spin_sdk::http::Response;

use crate::documents::MAX_BYTES;
use crate::{bundle, keys, Ctx};

/// One document version with that digest and the verdict on its signatures.
struct Found {
    bundle: Bundle,
    report: Report,
}

/// `GET check?sha256=`.
pub fn by_digest(ctx: &Ctx) -> Result<Response, ApiError> {
    let digest = digest_of_query(ctx)?.ok_or_else(|| {
        ApiError::field(
            "sha256",
            "required",
            "give the document's SHA-256 (64 hex digits)",
        )
    })?;
    answer(ctx, &digest)
}

/// `POST check` with the file as the body.
pub fn by_file(ctx: &Ctx) -> Result<Response, ApiError> {
    let bytes = ctx.request().body();
    if bytes.is_empty() {
        return Err(ApiError::field(
            "file",
            "required",
            "send the file as the request body",
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(ApiError::field(
            "file",
            "too_large",
            format!("a document is at most {MAX_BYTES} bytes"),
        ));
    }
    answer(ctx, &guichet_verify::sha256_hex(bytes))
}

fn digest_of_query(ctx: &Ctx) -> Result<Option<String>, ApiError> {
    match Query::of(ctx.request()).non_empty("sha256") {
        None => Ok(None),
        Some(text) => {
            let text = text.trim().to_ascii_lowercase();
            if guichet_verify::is_sha256_hex(&text) {
                Ok(Some(text))
            } else {
                Err(ApiError::field(
                    "sha256",
                    "invalid",
                    "must be 64 hexadecimal digits",
                ))
            }
        }
    }
}

fn answer(ctx: &Ctx, digest: &str) -> Result<Response, ApiError> {
    let found = find(ctx, digest)?;
    let documents: Vec<Value> = found.iter().map(describe).collect();
    Ok(response::json(
        200,
        &json!({
            "sha256": digest,
            "found": !found.is_empty(),
            "valid": !found.is_empty() && found.iter().all(|f| f.report.valid),
            "documents": documents,
        }),
    ))
}

fn describe(found: &Found) -> Value {
    let signatures: Vec<Value> = found
        .report
        .signatures
        .iter()
        .map(|s| match &s.claims {
            Some(c) => json!({"signer": c.signer, "role": c.role, "purpose": c.purpose,
                              "signed_at": c.signed_at, "flow": c.flow, "valid": true}),
            None => json!({"signer": s.signer, "valid": false, "problem": s.problem}),
        })
        .collect();
    json!({
        "title": found.bundle.document.title,
        "version": found.bundle.document.version,
        "name": found.bundle.document.name,
        "valid": found.report.valid,
        "problems": found.report.problems,
        "signatures": signatures,
    })
}

/// Every document version of the commune with this digest, with its verdict.
fn find(ctx: &Ctx, digest: &str) -> anyhow::Result<Vec<Found>> {
    let commune: &Commune = ctx.commune();
    let rows = db::query(
        ctx.conn(),
        "SELECT document_id, version FROM document_versions WHERE commune = ? AND sha256 = ? \
         ORDER BY created_at, document_id",
        &[db::text(commune.as_str()), db::text(digest)],
    )?;
    let jwks = keys::commune_jwks(ctx.conn(), commune)?;
    let mut all = Vec::new();
    for row in db::rows(&rows) {
        let id: String = row.get("document_id")?;
        let version = u32::try_from(row.get::<i64>("version")?)?;
        if let Some(bundle) = bundle::build(ctx.conn(), commune, &id, Some(version))? {
            let report = format::verify(&bundle, digest, &jwks);
            all.push(Found { bundle, report });
        }
    }
    Ok(all)
}

/// Scripts and styles from nowhere: the page has none.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET verify[?sha256=]`: the verification page.
pub fn page(ctx: &Ctx) -> Result<Response, ApiError> {
    let (digest, problem) = match digest_of_query(ctx) {
        Ok(digest) => (digest, None),
        Err(_) => (None, Some("Ce n’est pas une empreinte SHA-256 (64 chiffres hexadécimaux). <span lang=\"en\">This is not a SHA-256 digest (64 hex digits).</span>")),
    };
    let result = match &digest {
        None => String::new(),
        Some(digest) => result_html(digest, &find(ctx, digest)?),
    };
    Ok(render(ctx, 200, digest.as_deref(), problem, &result))
}

/// Largest body of the upload form: the file and the few hundred bytes of its part's headers.
const MAX_FORM_BODY: usize = MAX_BYTES + 16 * 1024;

/// `POST verify`: the page's upload form; the file's digest is checked as `GET verify` does
/// and the file is not kept. A form from another site is refused (403) before it is read.
pub async fn page_upload(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let req = ctx.request();
    forms::check(req, &[forms::MULTIPART]).map_err(|refusal| match refusal {
        Refusal::CrossOrigin => ApiError::Forbidden {
            message: "this form was not sent from this site",
        },
        Refusal::UnsupportedType => {
            ApiError::field("content-type", "unsupported", "must be multipart/form-data")
        }
    })?;
    let problem = match uploaded_file(req).await {
        Ok(bytes) => {
            let digest = guichet_verify::sha256_hex(&bytes);
            let result = result_html(&digest, &find(ctx, &digest)?);
            return Ok(render(ctx, 200, Some(&digest), None, &result));
        }
        Err(problem) => problem,
    };
    let (status, text) = match problem {
        Upload::Missing => (400, "Choisissez un fichier. <span lang=\"en\">Choose a file.</span>"),
        Upload::TooLarge => (413, "Le fichier dépasse 10 Mo. <span lang=\"en\">The file is larger than 10 MB.</span>"),
        Upload::Malformed => (400, "Le formulaire envoyé est illisible. <span lang=\"en\">The form sent cannot be read.</span>"),
    };
    Ok(render(ctx, status, None, Some(text), ""))
}

/// Why an upload gave no file.
enum Upload {
    Missing,
    TooLarge,
    Malformed,
}

/// The bytes of the form's `file` part (its only file), within [`MAX_BYTES`].
async fn uploaded_file(req: &spin_sdk::http::Request) -> Result<Vec<u8>, Upload> {
    let body = req.body();
    if body.len() > MAX_FORM_BODY {
        return Err(Upload::TooLarge);
    }
    let content_type = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| Upload::Malformed)?;
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(chunk) });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Some(part) = parts.next_field().await.map_err(|_| Upload::Malformed)? {
        if part.name() != Some("file") || part.file_name().is_none() {
            continue;
        }
        let data = part.bytes().await.map_err(|_| Upload::Malformed)?;
        return match data.len() {
            0 => Err(Upload::Missing),
            n if n > MAX_BYTES => Err(Upload::TooLarge),
            _ => Ok(data.to_vec()),
        };
    }
    Err(Upload::Missing)
}

/// The page with `digest` in the digest field, `problem` (trusted HTML) as an alert and
/// `result` (escaped HTML).
fn render(
    ctx: &Ctx,
    status: u16,
    digest: Option<&str>,
    problem: Option<&str>,
    result: &str,
) -> Response {
    let name = escape(&ctx.served().name);
    let value = escape(digest.unwrap_or(""));
    let alert = problem.map_or(String::new(), |p| format!("<p role=\"alert\">{p}</p>"));
    let page = format!(
        r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vérifier une signature — {name}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;line-height:1.5;color:#1a1a1a;background:#fff}}
input{{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:2px solid #444}}button{{font:inherit;padding:.5rem 1rem;margin-top:.5rem;background:#00457a;color:#fff;border:0}}
.valid{{color:#0a5c1f}}.invalid{{color:#a30000}}code{{word-break:break-all}}</style>
</head>
<body>
<main>
<h1>Vérifier une signature <span lang="en">/ Check a signature</span></h1>
<p>{name}</p>
<form method="get" action="/api/signatures/verify">
<label for="sha256">Empreinte SHA-256 du document <span lang="en">/ The document's SHA-256 digest</span></label>
<input id="sha256" name="sha256" value="{value}" autocomplete="off" spellcheck="false" inputmode="latin" required>
<button type="submit">Vérifier <span lang="en">/ Check</span></button>
</form>
<form method="post" action="/api/signatures/verify" enctype="multipart/form-data">
<label for="file">Ou le fichier lui-même (10 Mo au plus, il n’est pas conservé) <span lang="en">/ Or the file itself (10 MB at most, not kept)</span></label>
<input id="file" name="file" type="file" required>
<button type="submit">Vérifier le fichier <span lang="en">/ Check the file</span></button>
</form>
<p>Pour vérifier sans faire confiance au serveur : <code>guichet-verify</code> avec le fichier, son dossier de preuve et les clés publiées (<a href="/api/signatures/keys">/api/signatures/keys</a>). <span lang="en">To check without trusting this server: <code>guichet-verify</code> with the file, its bundle and the published keys.</span></p>
{alert}{result}
</main>
</body>
</html>
"#
    );
    let mut response = response::html(status, page);
    response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    response
}

fn result_html(digest: &str, found: &[Found]) -> String {
    let mut out = format!(
        "<section aria-live=\"polite\"><h2>Résultat <span lang=\"en\">/ Result</span></h2><p>SHA-256 : <code>{}</code></p>",
        escape(digest)
    );
    if found.is_empty() {
        out.push_str("<p class=\"invalid\">Aucun document signé de la commune n’a cette empreinte. <span lang=\"en\">No signed document of this commune has this digest.</span></p>");
    }
    for f in found {
        let verdict = if f.report.valid {
            "<strong class=\"valid\">Valide <span lang=\"en\">/ Valid</span></strong>"
        } else {
            "<strong class=\"invalid\">Non valide <span lang=\"en\">/ Not valid</span></strong>"
        };
        out.push_str(&format!(
            "<h3>{} (version {})</h3><p>{verdict}</p><ul>",
            escape(&f.bundle.document.title),
            f.bundle.document.version
        ));
        for s in &f.report.signatures {
            match &s.claims {
                Some(c) => out.push_str(&format!(
                    "<li class=\"valid\">{} — {} — « {} » — {}</li>",
                    escape(&c.signer),
                    escape(&c.role),
                    escape(&c.purpose),
                    escape(&c.signed_at)
                )),
                None => out.push_str(&format!(
                    "<li class=\"invalid\">{} : {}</li>",
                    escape(&s.signer),
                    escape(s.problem.as_deref().unwrap_or(""))
                )),
            }
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
    out
}
