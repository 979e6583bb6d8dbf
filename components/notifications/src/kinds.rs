//! The kinds of messages notifications writes (the `purpose` of their rows), in one place:
//! who they are for, the channels they have templates for, the placeholders their templates
//! may use, and whether the commune must send them whatever the recipient's preferences say.
//!
//! Must be sent (no opt-out): a filing's receipt (`request_filed`), a follow's receipt
//! (`request_followed`, it carries the link confirming the follower's contact), and a status
//! change that closes the request (`request_status` with `open: false`: the decision).
//! Everything else a citizen may turn off per kind. Agents' alerts (`agent_assigned`,
//! `agent_overdue`, `agent_reply`) cannot be turned off, only gathered into a daily digest
//! (`agent_digest`).

/// Who a kind of message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A citizen told about their request (or one they follow).
    Citizen,
    /// An agent told about their work, or a signer about a document.
    Staff,
}

/// When the commune must send a kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Always: no opt-out.
    Always,
    /// When the event closes the request (a decision).
    WhenClosing,
    /// Never: the recipient may opt out.
    Optional,
    /// Not a citizen's choice (agents' alerts: immediate or digest, never off).
    Work,
}

/// A kind of message.
#[derive(Debug)]
pub struct Kind {
    pub name: &'static str,
    pub audience: Audience,
    pub duty: Duty,
    /// Channels it has templates for (`email`, `sms`, `inbox`).
    pub channels: &'static [&'static str],
    /// What its templates may use.
    pub placeholders: &'static [&'static str],
}

const CITIZEN_CHANNELS: &[&str] = &["email", "sms", "inbox"];
const STAFF_CHANNELS: &[&str] = &["email", "inbox"];
const ABOUT_A_REQUEST: &[&str] = &["name", "reference", "service", "state", "message", "link"];
const ABOUT_WORK: &[&str] = &["name", "reference", "service"];

/// Every kind, in the order lists show them.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "request_filed",
        audience: Audience::Citizen,
        duty: Duty::Always,
        channels: CITIZEN_CHANNELS,
        placeholders: ABOUT_A_REQUEST,
    },
    Kind {
        name: "request_status",
        audience: Audience::Citizen,
        duty: Duty::WhenClosing,
        channels: CITIZEN_CHANNELS,
        placeholders: ABOUT_A_REQUEST,
    },
    Kind {
        name: "request_message",
        audience: Audience::Citizen,
        duty: Duty::Optional,
        channels: CITIZEN_CHANNELS,
        placeholders: ABOUT_A_REQUEST,
    },
    Kind {
        name: "request_followed",
        audience: Audience::Citizen,
        duty: Duty::Always,
        channels: CITIZEN_CHANNELS,
        placeholders: ABOUT_A_REQUEST,
    },
    Kind {
        name: "agent_assigned",
        audience: Audience::Staff,
        duty: Duty::Work,
        channels: STAFF_CHANNELS,
        placeholders: ABOUT_WORK,
    },
    Kind {
        name: "agent_overdue",
        audience: Audience::Staff,
        duty: Duty::Work,
        channels: STAFF_CHANNELS,
        placeholders: ABOUT_WORK,
    },
    Kind {
        name: "agent_reply",
        audience: Audience::Staff,
        duty: Duty::Work,
        channels: STAFF_CHANNELS,
        placeholders: ABOUT_WORK,
    },
    Kind {
        name: "signature_reminder",
        audience: Audience::Staff,
        duty: Duty::Optional,
        channels: STAFF_CHANNELS,
        placeholders: &["name", "title", "purpose", "due_on", "overdue", "link"],
    },
    Kind {
        name: "agent_digest",
        audience: Audience::Staff,
        duty: Duty::Work,
        channels: &["email"],
        placeholders: &["name", "count", "items"],
    },
];

/// The kind named `name`.
pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// The kinds an agent may receive in a daily digest instead of one by one.
pub fn digestible(name: &str) -> bool {
    matches!(name, "agent_assigned" | "agent_overdue" | "agent_reply")
}

/// The kinds a recipient may opt out of (their names).
pub fn optional() -> impl Iterator<Item = &'static str> {
    KINDS
        .iter()
        .filter(|k| matches!(k.duty, Duty::Optional | Duty::WhenClosing))
        .map(|k| k.name)
}

/// Whether a message of kind `name` must be sent whatever the recipient chose; `closing`: the
/// event closes the request.
pub fn must_send(name: &str, closing: bool) -> bool {
    match find(name).map(|k| k.duty) {
        Some(Duty::Always | Duty::Work) => true,
        Some(Duty::WhenClosing) => closing,
        Some(Duty::Optional) | None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_and_decisions_must_be_sent_and_the_rest_may_be_turned_off() {
        assert!(must_send("request_filed", false));
        assert!(must_send("request_followed", false));
        assert!(must_send("request_status", true));
        assert!(!must_send("request_status", false));
        assert!(!must_send("request_message", true));
        assert_eq!(
            optional().collect::<Vec<_>>(),
            ["request_status", "request_message", "signature_reminder"]
        );
        assert!(digestible("agent_reply") && !digestible("request_status"));
    }
}
