//! Building the account pages' HTML. Every value that is not a literal of this crate goes
//! through [`escape`] (`guichet_guest::markup`), in element content and in quoted
//! attributes alike; the functions here take plain text and escape it themselves, so a caller
//! cannot forget.
//!
//! No inline script or style anywhere (the Content-Security-Policy forbids them): the style
//! sheet and the one script are files under `/account/assets/`.

use guichet_guest::markup::escape;
use guichet_guest::FieldError;

use super::i18n::{field_message, Lang};

/// Where a page's links and forms go: `path` plus `?lang=` when the language was asked for
/// in the address (otherwise the account's or the default language applies anyway).
#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub lang: Lang,
    /// Whether `?lang=` was in the request (and so is kept in links).
    pub asked: bool,
}

impl Site {
    /// `path` with the language kept; `path` may already have a query.
    pub fn href(&self, path: &str) -> String {
        if !self.asked {
            return path.to_owned();
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}lang={}", self.lang.code())
    }

    /// The same page in the other language.
    fn switch(&self, path: &str) -> String {
        let other = match self.lang {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        };
        format!("{path}?lang={}", other.code())
    }
}

/// A whole page: `title` (text), `body` (HTML built with this module), for the commune named
/// `commune` (text); `path` is the page's own path (for the language switch).
pub fn document(site: Site, commune: &str, path: &str, title: &str, body: &str) -> String {
    let texts = site.lang.texts();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {commune}</title>\n\
         <link rel=\"stylesheet\" href=\"/account/assets/account.css\">\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">{skip}</a>\n\
         <header><p class=\"commune\">{commune}</p>\
         <p class=\"language\"><a href=\"{switch}\" lang=\"{other_code}\">{other}</a></p></header>\n\
         <main id=\"main\">\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        lang = site.lang.code(),
        title = escape(title),
        commune = escape(commune),
        skip = escape(texts.skip_to_content),
        switch = escape(&site.switch(path)),
        other_code = if site.lang == Lang::Fr { "en" } else { "fr" },
        other = escape(texts.other_language),
    )
}

/// A paragraph of text.
pub fn paragraph(text: &str) -> String {
    format!("<p>{}</p>\n", escape(text))
}

/// A notice (`role="status"`): a confirmation after an action.
pub fn notice(text: &str) -> String {
    format!("<p class=\"notice\" role=\"status\">{}</p>\n", escape(text))
}

/// A link in its own paragraph.
pub fn link(href: &str, text: &str) -> String {
    format!("<p><a href=\"{}\">{}</a></p>\n", escape(href), escape(text))
}

/// The summary of a form's errors: the general ones (not about a field) in full, and a line
/// asking to correct the fields when some are about fields. `role="alert"` so that screen
/// readers announce it.
pub fn error_summary(lang: Lang, errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut items: Vec<String> = errors
        .iter()
        .filter(|e| {
            e.field
                .as_deref()
                .is_none_or(|f| !FIELDS_SHOWN.contains(&f))
        })
        .map(|e| format!("<li>{}</li>", escape(&field_message(lang, e))))
        .collect();
    if errors.iter().any(|e| {
        e.field
            .as_deref()
            .is_some_and(|f| FIELDS_SHOWN.contains(&f))
    }) {
        items.insert(0, format!("<li>{}</li>", escape(lang.texts().fix_errors)));
    }
    format!(
        "<div class=\"errors\" role=\"alert\"><ul>{}</ul></div>\n",
        items.concat()
    )
}

/// Fields whose errors are shown beside them (others go to the summary).
const FIELDS_SHOWN: &[&str] = &[
    "email",
    "password",
    "given_name",
    "family_name",
    "phone",
    "language",
];

/// The messages of the errors about `name`.
fn errors_of(lang: Lang, errors: &[FieldError], name: &str) -> Vec<String> {
    errors
        .iter()
        .filter(|e| e.field.as_deref() == Some(name))
        .map(|e| field_message(lang, e))
        .collect()
}

/// What an input is.
pub struct Input<'a> {
    pub name: &'a str,
    pub label: &'a str,
    /// `text`, `email`, `password`, `tel`.
    pub kind: &'a str,
    /// Shown again after an error (never for passwords: callers pass `""`).
    pub value: &'a str,
    pub autocomplete: &'a str,
    pub required: bool,
    pub hint: Option<&'a str>,
}

/// A labelled input with its hint and errors (`aria-describedby`, `aria-invalid`).
pub fn input(lang: Lang, field: &Input<'_>, errors: &[FieldError]) -> String {
    let id = format!("f-{}", field.name);
    let messages = errors_of(lang, errors, field.name);
    let mut described = Vec::new();
    let mut after = String::new();
    if let Some(hint) = field.hint {
        described.push(format!("{id}-hint"));
        after.push_str(&format!(
            "<p class=\"hint\" id=\"{id}-hint\">{}</p>",
            escape(hint)
        ));
    }
    if !messages.is_empty() {
        described.push(format!("{id}-error"));
        let text: Vec<String> = messages.iter().map(|m| escape(m)).collect();
        after.push_str(&format!(
            "<p class=\"error\" id=\"{id}-error\">{}</p>",
            text.join(" ")
        ));
    }
    let mut attributes = String::new();
    if field.required {
        attributes.push_str(" required");
    }
    if !described.is_empty() {
        attributes.push_str(&format!(" aria-describedby=\"{}\"", described.join(" ")));
    }
    if !messages.is_empty() {
        attributes.push_str(" aria-invalid=\"true\"");
    }
    format!(
        "<div class=\"field\"><label for=\"{id}\">{label}</label>\
         <input id=\"{id}\" name=\"{name}\" type=\"{kind}\" value=\"{value}\" autocomplete=\"{auto}\"{attributes}>{after}</div>\n",
        label = escape(field.label),
        name = escape(field.name),
        kind = escape(field.kind),
        value = escape(field.value),
        auto = escape(field.autocomplete),
    )
}

/// A labelled choice among `options` (value, text), `selected` chosen.
pub fn select(name: &str, label: &str, options: &[(&str, &str)], selected: &str) -> String {
    let id = format!("f-{name}");
    let options: String = options
        .iter()
        .map(|(value, text)| {
            let chosen = if *value == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{chosen}>{}</option>",
                escape(value),
                escape(text)
            )
        })
        .collect();
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><select id=\"{id}\" name=\"{}\">{options}</select></div>\n",
        escape(label),
        escape(name)
    )
}

/// A group of checkboxes named `name`, one per (value, text), `checked` ticked.
pub fn checkboxes(name: &str, legend: &str, options: &[(&str, &str)], checked: &[&str]) -> String {
    let boxes: String = options
        .iter()
        .map(|(value, text)| {
            let id = format!("f-{name}-{value}");
            let tick = if checked.contains(value) { " checked" } else { "" };
            format!(
                "<div class=\"check\"><input type=\"checkbox\" id=\"{id}\" name=\"{}\" value=\"{}\"{tick}>\
                 <label for=\"{id}\">{}</label></div>",
                escape(name),
                escape(value),
                escape(text),
                id = escape(&id)
            )
        })
        .collect();
    format!(
        "<fieldset><legend>{}</legend>{boxes}</fieldset>\n",
        escape(legend)
    )
}

/// A hidden field.
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// A POST form to `action` carrying the session's CSRF token, its `fields` (HTML built here)
/// and a submit button.
pub fn form(action: &str, csrf: &str, fields: &str, submit: &str) -> String {
    form_with_class(action, csrf, fields, submit, "")
}

/// [`form`] with a class on the `<form>` element (e.g. `inline`).
pub fn form_with_class(
    action: &str,
    csrf: &str,
    fields: &str,
    submit: &str,
    class: &str,
) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{}\"", escape(class))
    };
    format!(
        "<form method=\"post\" action=\"{}\"{class}>\n{}{fields}<button type=\"submit\">{}</button>\n</form>\n",
        escape(action),
        hidden("csrf", csrf),
        escape(submit)
    )
}

/// The script that moves an e-mailed link's `#token=` into the form's `token` field, and the
/// note shown without JavaScript.
pub fn link_script(lang: Lang) -> String {
    format!(
        "<script src=\"/account/assets/link.js\" defer></script>\n<noscript><p class=\"error\">{}</p></noscript>\n",
        escape(lang.texts().needs_script)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_labels_are_escaped_in_inputs() {
        let html = input(
            Lang::Fr,
            &Input {
                name: "given_name",
                label: "Prénom",
                kind: "text",
                value: "\"><script>alert(1)</script>",
                autocomplete: "given-name",
                required: false,
                hint: None,
            },
            &[],
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""),
            "{html}"
        );
    }

    #[test]
    fn an_error_about_a_field_is_shown_beside_it_and_announced_in_the_summary() {
        let errors = vec![FieldError::new("email", "invalid_email", "not an address")];
        let html = input(
            Lang::En,
            &Input {
                name: "email",
                label: "E-mail",
                kind: "email",
                value: "x",
                autocomplete: "email",
                required: true,
                hint: None,
            },
            &errors,
        );
        assert!(
            html.contains("aria-invalid=\"true\"") && html.contains("Not an address."),
            "{html}"
        );
        let summary = error_summary(Lang::En, &errors);
        assert!(summary.contains("The form has errors"), "{summary}");
    }

    #[test]
    fn the_language_is_kept_in_links_only_when_it_was_asked_for() {
        let asked = Site {
            lang: Lang::En,
            asked: true,
        };
        assert_eq!(asked.href("/account"), "/account?lang=en");
        assert_eq!(
            asked.href("/account?done=profile"),
            "/account?done=profile&lang=en"
        );
        assert_eq!(
            Site {
                lang: Lang::En,
                asked: false
            }
            .href("/account"),
            "/account"
        );
    }
}
