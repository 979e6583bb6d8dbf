//! The one rule for text people type into Guichet: names and subjects are one line; free text
//! (descriptions, messages, notes) may have line breaks and tabs. Neither may carry other
//! control characters (NUL, escape, C1 controls...) nor Unicode's bidirectional overrides and
//! isolates, which make a text display differently from what it is (a name that reads
//! "Mairie" in a greeting but is something else, a link that reads reversed).
//!
//! Why it matters: a name goes into the greeting of e-mails and SMS sent in the commune's
//! name. `"Anne\r\nBcc: x@evil"` or `"Anne\n\nClick http://evil"` would let anyone write the
//! commune's messages. The error code is the same everywhere: [`CODE`].

use crate::FieldError;

/// The error code of a text with a forbidden character.
pub const CODE: &str = "control_characters";

/// Which characters a text may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Names, subjects, one-line answers: no control character at all (no line break, no
    /// tab).
    One,
    /// Descriptions, messages, notes: line breaks (`\r\n` and `\r` become `\n`) and tabs.
    Many,
}

/// Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` may never appear in a text of `lines`. Unicode's line and paragraph separators
/// (U+2028, U+2029) count as line breaks, so one-line texts refuse them too.
fn forbidden(c: char, lines: Lines) -> bool {
    let line_break = matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    match lines {
        Lines::One => c.is_control() || line_break || is_bidi_control(c),
        Lines::Many => {
            (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                || matches!(c, '\u{2028}' | '\u{2029}')
                || is_bidi_control(c)
        }
    }
}

/// `text` as it may be stored (line breaks normalised to `\n` in free text), or `None` when
/// it holds a forbidden character.
pub fn clean(text: &str, lines: Lines) -> Option<String> {
    if text.chars().any(|c| forbidden(c, lines)) {
        return None;
    }
    Some(match lines {
        Lines::One => text.to_owned(),
        Lines::Many if text.contains('\r') => text.replace("\r\n", "\n").replace('\r', "\n"),
        Lines::Many => text.to_owned(),
    })
}

/// The error for a text at `field` with a forbidden character.
pub fn error(field: impl Into<String>, lines: Lines) -> FieldError {
    let message = match lines {
        Lines::One => "must be one line without control characters",
        Lines::Many => "must not contain control characters other than line breaks and tabs",
    };
    FieldError::new(field, CODE, message)
}

/// [`clean`], pushing [`error`] at `field` to `errors` when the text is refused.
pub fn check(
    field: &str,
    text: &str,
    lines: Lines,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let cleaned = clean(text, lines);
    if cleaned.is_none() {
        errors.push(error(field, lines));
    }
    cleaned
}

/// `text` made safe to show on one line whatever it holds (for text that was never checked,
/// or checked by an older rule): forbidden characters become spaces, then spaces are
/// collapsed. For rendering only: input is refused with [`check`], never silently changed.
pub fn one_line(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| if forbidden(c, Lines::One) { ' ' } else { c })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_line_breaks_tabs_nul_and_bidi_overrides() {
        for bad in [
            "Anne\r\nBcc: x@evil.example",
            "Anne\n\nClick http://evil.example",
            "Anne\tMartin",
            "Anne\u{0}",
            "Anne\u{1b}[31m",
            "Anne\u{85}",
            "\u{202E}eirieM",
            "Anne\u{2066}x\u{2069}",
            "Anne\u{2028}Martin",
        ] {
            assert_eq!(clean(bad, Lines::One), None, "{bad:?}");
        }
        assert_eq!(
            clean("Élise O'Brien-Núñez", Lines::One).as_deref(),
            Some("Élise O'Brien-Núñez")
        );
    }

    #[test]
    fn free_text_keeps_line_breaks_and_tabs_normalised_and_refuses_the_rest() {
        assert_eq!(
            clean("Ligne 1\r\nLigne 2\rLigne 3\n\tfin", Lines::Many).as_deref(),
            Some("Ligne 1\nLigne 2\nLigne 3\n\tfin")
        );
        for bad in ["a\u{0}b", "a\u{7}b", "a\u{202D}b", "a\u{2029}b", "a\u{9b}b"] {
            assert_eq!(clean(bad, Lines::Many), None, "{bad:?}");
        }
    }

    #[test]
    fn check_reports_one_error_with_the_shared_code() {
        let mut errors = Vec::new();
        assert_eq!(check("contact.name", "a\nb", Lines::One, &mut errors), None);
        assert_eq!(
            check("description", "a\nb", Lines::Many, &mut errors).as_deref(),
            Some("a\nb")
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_deref(), errors[0].code.as_str()),
            (Some("contact.name"), CODE)
        );
    }

    #[test]
    fn rendering_puts_any_text_on_one_line() {
        assert_eq!(one_line("Anne\r\nBcc: x\u{202E}y"), "Anne Bcc: x y");
    }
}
