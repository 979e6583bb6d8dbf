//! The rules of `wit/evidence.wit`'s `evidence-event`, member by member, as the receiver
//! checks them before anything is logged ([`problems`]). They are signatures' own (not in
//! guichet-guest, which the senders share) so that a member renamed in the contract breaks
//! signatures' build in its own source (`tests/contract_break.sh`).

use guichet_guest::contracts::evidence::EvidenceEvent;
use guichet_guest::evidence::MAX_DETAILS;
use guichet_guest::{Commune, FieldError};

fn all_of(text: &str, allowed: impl Fn(char) -> bool) -> bool {
    text.chars().all(allowed)
}

/// Every way `event` breaks the contract's rules, member by member (the receiver's check:
/// nothing is logged unless the list is empty).
pub fn problems(event: &EvidenceEvent) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut check = |ok: bool, field: &str, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, "invalid", message));
        }
    };
    check(
        (1..=128).contains(&event.id.len())
            && all_of(&event.id, |c| {
                c.is_ascii_alphanumeric() || "-_.".contains(c)
            }),
        "id",
        "1 to 128 of A-Z a-z 0-9 - _ .",
    );
    check(
        Commune::parse(&event.commune).is_ok(),
        "commune",
        "not a commune id",
    );
    check(
        (1..=32).contains(&event.source.len()) && all_of(&event.source, |c| c.is_ascii_lowercase()),
        "source",
        "1 to 32 of a-z",
    );
    check(
        (1..=64).contains(&event.action.len())
            && all_of(&event.action, |c| c.is_ascii_lowercase() || c == '-'),
        "action",
        "1 to 64 of a-z and -",
    );
    check(
        event.actor.as_ref().is_none_or(|a| {
            (1..=200).contains(&a.chars().count()) && !a.chars().any(char::is_control)
        }),
        "actor",
        "1 to 200 characters, no control characters",
    );
    check(
        (1..=200).contains(&event.subject.chars().count())
            && !event.subject.chars().any(char::is_control),
        "subject",
        "1 to 200 characters, no control characters",
    );
    check(
        guichet_guest::dates::is_rfc3339(&event.occurred_at),
        "occurred_at",
        "an RFC 3339 time",
    );
    check(
        event.details.len() <= MAX_DETAILS,
        "details",
        "at most 20 details",
    );
    for (i, detail) in event.details.iter().enumerate().take(MAX_DETAILS) {
        check(
            (1..=64).contains(&detail.name.len())
                && all_of(&detail.name, |c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
                }),
            &format!("details[{i}].name"),
            "1 to 64 of a-z 0-9 _",
        );
        check(
            detail.value.chars().count() <= 500 && !detail.value.chars().any(char::is_control),
            &format!("details[{i}].value"),
            "at most 500 characters, no control characters",
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_guest::contracts::evidence::Detail;

    fn good() -> EvidenceEvent {
        EvidenceEvent {
            id: "abc-1".into(),
            commune: "demo".into(),
            source: "identity".into(),
            action: "role-changed".into(),
            actor: Some("admin-1".into()),
            subject: "account-7".into(),
            occurred_at: "2026-12-07T10:00:00Z".into(),
            details: vec![Detail {
                name: "roles".into(),
                value: "agent,admin".into(),
            }],
        }
    }

    #[test]
    fn a_well_formed_event_has_no_problem() {
        assert!(problems(&good()).is_empty());
    }

    #[test]
    fn every_member_out_of_its_rule_is_named() {
        let mut event = good();
        event.id = "a b".into();
        event.source = "Identity".into();
        event.action = String::new();
        event.occurred_at = "yesterday".into();
        event.details[0].name = "Roles!".into();
        event.details[0].value = "x\u{7}".into();
        let fields: Vec<_> = problems(&event)
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "id",
                "source",
                "action",
                "occurred_at",
                "details[0].name",
                "details[0].value"
            ]
        );
    }
}
