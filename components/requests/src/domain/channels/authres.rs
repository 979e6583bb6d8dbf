//! Whether an inbound e-mail really comes from the address in its `From`: the verdict the
//! receiving mail server wrote in an `Authentication-Results` header (RFC 8601), read strictly.
//!
//! Anyone can put such a header in a message, so only the one written by the commune's own
//! receiving server counts: its authserv-id is the variable `inbound_mail_authserv_id`, and of
//! the headers with that id only the topmost (trace headers are prepended; RFC 8601 §5 has the
//! border server remove copies of its own id arriving from outside). The sender is
//! authenticated when that header says `dmarc=pass` for the From domain (`header.from`), or
//! both `spf=pass` and `dkim=pass` for domains aligned with it (`smtp.mailfrom`'s domain and
//! `header.d`: the From domain or a parent of it). Anything else (no header, another id,
//! `none`, `fail`, a syntax error) is "not authenticated". Pure: tested natively.
//!
//! No crate reads this header (`mail-auth` writes it but does not parse it), hence this
//! parser of the RFC's grammar: `authserv-id [version] ( ";" "none" / 1*( ";" method[/version]
//! "=" result [reason=value] *(ptype "." property "=" pvalue) ) )`, comments in parentheses and
//! quoted strings allowed wherever the grammar has CFWS or a value.

/// The method results of one header, with its authserv-id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Lower-cased.
    pub authserv_id: String,
    pub results: Vec<MethodResult>,
}

/// One `method=result` with its properties (`ptype.property=value`, lower-cased names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    pub method: String,
    pub result: String,
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A lexical unit of the header once comments and folding are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A token, dot-atom, address or quoted string's content.
    Word(String),
    Semicolon,
    Equals,
    Slash,
}

/// The tokens of `value`; `None` for an unbalanced comment or quote.
fn tokens(value: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut word, &mut out);
                let mut depth = 1;
                while depth > 0 {
                    match chars.next()? {
                        '\\' => {
                            chars.next()?;
                        }
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                }
            }
            '"' => {
                flush(&mut word, &mut out);
                let mut quoted = String::new();
                loop {
                    match chars.next()? {
                        '\\' => quoted.push(chars.next()?),
                        '"' => break,
                        other => quoted.push(other),
                    }
                }
                out.push(Token::Word(quoted));
            }
            ';' | '=' | '/' => {
                flush(&mut word, &mut out);
                out.push(match c {
                    ';' => Token::Semicolon,
                    '=' => Token::Equals,
                    _ => Token::Slash,
                });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            ')' => return None,
            c if c.is_control() => return None,
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    Some(out)
}

/// Splits `ptype.property` (a word with a dot) into its two parts.
fn split_property(word: &str) -> Option<(&str, &str)> {
    let (ptype, property) = word.split_once('.')?;
    let keyword = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (keyword(ptype) && keyword(property)).then_some((ptype, property))
}

fn is_keyword(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses the value of one `Authentication-Results` header; `None` when it does not follow
/// the grammar (a header that cannot be read says nothing).
pub fn parse(value: &str) -> Option<AuthResults> {
    let tokens = tokens(value)?;
    let mut parts = tokens.split(|t| *t == Token::Semicolon);
    let head = parts.next()?;
    let authserv_id = match head {
        [Token::Word(id)] => id,
        [Token::Word(id), Token::Word(version)] if version.bytes().all(|b| b.is_ascii_digit()) => {
            id
        }
        _ => return None,
    };
    let rest: Vec<&[Token]> = parts.collect();
    let mut results = Vec::new();
    if let [[Token::Word(none)]] = rest.as_slice() {
        if none.eq_ignore_ascii_case("none") {
            return Some(AuthResults {
                authserv_id: authserv_id.to_ascii_lowercase(),
                results,
            });
        }
    }
    if rest.is_empty() {
        return None;
    }
    for resinfo in rest {
        results.push(method_result(resinfo)?);
    }
    Some(AuthResults {
        authserv_id: authserv_id.to_ascii_lowercase(),
        results,
    })
}

/// `method[/version]=result [reason=value] *(ptype.property=pvalue)`.
fn method_result(tokens: &[Token]) -> Option<MethodResult> {
    let (method, rest) = match tokens {
        [Token::Word(m), Token::Slash, Token::Word(v), Token::Equals, rest @ ..]
            if v.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (m, rest)
        }
        [Token::Word(m), Token::Equals, rest @ ..] => (m, rest),
        _ => return None,
    };
    let (result, mut rest) = match rest {
        [Token::Word(result), tail @ ..] => (result, tail),
        _ => return None,
    };
    if !is_keyword(method) || !is_keyword(result) {
        return None;
    }
    let mut properties = Vec::new();
    while !rest.is_empty() {
        let (name, value, tail) = match rest {
            [Token::Word(name), Token::Equals, Token::Word(value), tail @ ..] => {
                (name, value, tail)
            }
            _ => return None,
        };
        if name.eq_ignore_ascii_case("reason") {
            // Free text; not a verdict.
        } else {
            let (ptype, property) = split_property(name)?;
            properties.push((
                format!(
                    "{}.{}",
                    ptype.to_ascii_lowercase(),
                    property.to_ascii_lowercase()
                ),
                value.clone(),
            ));
        }
        rest = tail;
    }
    Some(MethodResult {
        method: method.to_ascii_lowercase(),
        result: result.to_ascii_lowercase(),
        properties,
    })
}

/// The domain of an address (`user@Example.org` → `example.org`), or the value itself when it
/// is a bare domain (RFC 8601 allows `smtp.mailfrom=example.org`).
fn domain_of(value: &str) -> String {
    value
        .rsplit_once('@')
        .map_or(value, |(_, d)| d)
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Whether `domain` (of a DKIM signature or an SPF envelope sender) is aligned with the From
/// domain `from`: the same, or one a subdomain of the other (DMARC's relaxed alignment,
/// approximated without the public suffix list: the parent must have a dot, and nobody
/// passes SPF or DKIM for a public suffix).
fn aligned(domain: &str, from: &str) -> bool {
    let (parent, child) = if domain.len() <= from.len() {
        (domain, from)
    } else {
        (from, domain)
    };
    !parent.is_empty()
        && parent.contains('.')
        && (parent == child || child.ends_with(&format!(".{parent}")))
}

/// Whether the topmost `Authentication-Results` of `headers` (raw values, in message order)
/// with the id `authserv_id` authenticates the From address `sender`.
pub fn sender_authenticated<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    authserv_id: &str,
    sender: &str,
) -> bool {
    let authserv_id = authserv_id.trim().to_ascii_lowercase();
    if authserv_id.is_empty() {
        return false;
    }
    // The topmost header naming our server decides, even when it cannot be read: a
    // readable one further down was not written by our server.
    let ours = headers.into_iter().find(|h| {
        let id = h
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == ';' || c == '(')
            .next()
            .unwrap_or_default();
        id.eq_ignore_ascii_case(&authserv_id)
    });
    let Some(ours) = ours.and_then(parse) else {
        return false;
    };
    let from = domain_of(sender);
    if from.is_empty() || !sender.contains('@') {
        return false;
    }
    let passed = |method: &str, property: &str| {
        ours.results.iter().any(|r| {
            r.method == method
                && r.result == "pass"
                && r.property(property)
                    .is_some_and(|v| aligned(&domain_of(v), &from))
        })
    };
    let dmarc = ours.results.iter().any(|r| {
        r.method == "dmarc"
            && r.result == "pass"
            && r.property("header.from")
                .is_some_and(|v| domain_of(v) == from)
    });
    dmarc || (passed("spf", "smtp.mailfrom") && passed("dkim", "header.d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "mx.demo.example";

    fn ok(headers: &[&str], sender: &str) -> bool {
        sender_authenticated(headers.iter().copied(), ID, sender)
    }

    #[test]
    fn the_rfc_examples_parse_with_comments_versions_and_quotes() {
        let parsed = parse(
            "example.com 1; spf=pass (sender ip is 192.0.2.1) smtp.mailfrom=sender@example.net\r\n\t\
             ; dkim/1=pass reason=\"good signature\" header.d=example.net header.i=@example.net",
        )
        .expect("parsed");
        assert_eq!(parsed.authserv_id, "example.com");
        assert_eq!(parsed.results.len(), 2);
        assert_eq!(parsed.results[0].method, "spf");
        assert_eq!(
            parsed.results[0].property("smtp.mailfrom"),
            Some("sender@example.net")
        );
        assert_eq!(parsed.results[1].method, "dkim");
        assert_eq!(parsed.results[1].property("header.d"), Some("example.net"));
        assert_eq!(
            parse("example.org; none"),
            Some(AuthResults {
                authserv_id: "example.org".into(),
                results: vec![]
            })
        );
    }

    #[test]
    fn malformed_headers_say_nothing() {
        for bad in [
            "",
            "example.org",
            "example.org; spf",
            "example.org; spf=pass smtp.mailfrom",
            "example.org; spf=pass (unclosed",
            "example.org; spf=pass \"unclosed",
            "a b c; spf=pass",
            "example.org; spf=pass nodot=x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dmarc_pass_for_the_from_domain_authenticates() {
        assert!(ok(
            &["mx.demo.example; dmarc=pass (p=reject) header.from=example.org"],
            "Jeanne@Example.org"
        ));
        assert!(!ok(
            &["mx.demo.example; dmarc=pass header.from=other.example"],
            "jeanne@example.org"
        ));
        assert!(!ok(
            &["mx.demo.example; dmarc=fail header.from=example.org"],
            "jeanne@example.org"
        ));
    }

    #[test]
    fn spf_and_dkim_must_both_pass_aligned() {
        let both = "mx.demo.example; spf=pass smtp.mailfrom=bounce@mail.example.org; \
                    dkim=pass header.d=example.org";
        assert!(ok(&[both], "jeanne@example.org"));
        assert!(
            ok(&[both], "jeanne@mail.example.org"),
            "a parent domain aligns"
        );
        assert!(!ok(&[both], "jeanne@otherexample.org"));
        assert!(!ok(
            &["mx.demo.example; spf=pass smtp.mailfrom=example.org"],
            "jeanne@example.org"
        ));
        assert!(!ok(
            &["mx.demo.example; spf=pass smtp.mailfrom=x@evil.example; dkim=pass header.d=evil.example"],
            "jeanne@example.org"
        ));
        assert!(!ok(
            &["mx.demo.example; spf=pass smtp.mailfrom=x@example.org; dkim=pass header.d=org"],
            "jeanne@example.org"
        ));
        assert!(!ok(
            &["mx.demo.example; spf=softfail smtp.mailfrom=example.org; dkim=pass header.d=example.org"],
            "jeanne@example.org"
        ));
    }

    #[test]
    fn only_the_topmost_header_of_our_own_server_counts() {
        let pass = "mx.demo.example; dmarc=pass header.from=example.org";
        let fail = "mx.demo.example; dmarc=fail header.from=example.org";
        let foreign = "attacker.example; dmarc=pass header.from=example.org";
        assert!(!ok(&[foreign], "a@example.org"), "another server's word");
        assert!(
            !ok(&[fail, pass], "a@example.org"),
            "a pass below ours is forged"
        );
        assert!(ok(&[foreign, pass], "a@example.org"));
        let unreadable = "mx.demo.example; dmarc=pass (unclosed";
        assert!(!ok(&[unreadable, pass], "a@example.org"));
        assert!(!ok(&[], "a@example.org"));
        assert!(
            !sender_authenticated([pass], "", "a@example.org"),
            "no id configured"
        );
        assert!(sender_authenticated(
            [pass],
            "MX.Demo.Example",
            "a@example.org"
        ));
    }
}
