//! How a citizen asked to be told about a request: an e-mail address, a phone number, and
//! the channel chosen (`notify`: `email`, `sms` or `none`). Requests builds one when a request
//! is filed or followed and keeps it with the request; notifications reads it back to know
//! where to send. One type, so that both ends agree on the default channel and on what makes
//! a contact reachable.
//!
//! The default channel: e-mail when there is an address, else SMS when there is a phone
//! number, else none.

use crate::email::EmailAddress;
use crate::phone::PhoneNumber;
use crate::FieldError;

/// A channel a message can go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An e-mail to the contact's address.
    Email,
    /// An SMS to the contact's phone number.
    Sms,
}

impl Channel {
    /// `email` or `sms`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// The channel a contact chose, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// By e-mail.
    Email,
    /// By SMS.
    Sms,
    /// Not at all.
    None,
}

impl Notify {
    /// `email`, `sms` or `none`.
    pub fn parse(text: &str) -> Option<Notify> {
        match text {
            "email" => Some(Notify::Email),
            "sms" => Some(Notify::Sms),
            "none" => Some(Notify::None),
            _ => None,
        }
    }

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Notify::Email => "email",
            Notify::Sms => "sms",
            Notify::None => "none",
        }
    }
}

/// A contact whose chosen channel has what it needs; only [`Contact::new`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    email: Option<EmailAddress>,
    phone: Option<PhoneNumber>,
    notify: Notify,
}

/// Why a contact cannot be told the way it chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    /// `notify: email` without an address.
    #[error("notification by e-mail needs an e-mail address")]
    RequiresEmail,
    /// `notify: sms` without a phone number.
    #[error("notification by SMS needs a phone number")]
    RequiresPhone,
}

impl ContactError {
    /// The refusal as a field error at `field` (`requires_email`, `requires_phone`).
    pub fn at(self, field: impl Into<String>) -> FieldError {
        let code = match self {
            ContactError::RequiresEmail => "requires_email",
            ContactError::RequiresPhone => "requires_phone",
        };
        FieldError::new(field, code, self.to_string())
    }
}

impl Contact {
    /// A contact from its checked address and number and the channel it chose (`None`: the
    /// default channel, see the module documentation).
    pub fn new(
        email: Option<EmailAddress>,
        phone: Option<PhoneNumber>,
        notify: Option<Notify>,
    ) -> Result<Contact, ContactError> {
        let notify = notify.unwrap_or(match (&email, &phone) {
            (Some(_), _) => Notify::Email,
            (None, Some(_)) => Notify::Sms,
            (None, None) => Notify::None,
        });
        match notify {
            Notify::Email if email.is_none() => Err(ContactError::RequiresEmail),
            Notify::Sms if phone.is_none() => Err(ContactError::RequiresPhone),
            _ => Ok(Contact {
                email,
                phone,
                notify,
            }),
        }
    }

    /// The address, if any.
    pub fn email(&self) -> Option<&EmailAddress> {
        self.email.as_ref()
    }

    /// The number, if any.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.phone.as_ref()
    }

    /// The channel chosen (or defaulted).
    pub fn notify(&self) -> Notify {
        self.notify
    }

    /// Where to send: the channel and the address or E.164 number; `None` for `notify: none`.
    pub fn recipient(&self) -> Option<(Channel, String)> {
        match self.notify {
            Notify::Email => self.email.as_ref().map(|e| (Channel::Email, e.to_string())),
            Notify::Sms => self
                .phone
                .as_ref()
                .map(|p| (Channel::Sms, p.e164().to_owned())),
            Notify::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(email: &str, phone: &str, notify: Option<&str>) -> Result<Contact, ContactError> {
        Contact::new(
            EmailAddress::parse(email).ok(),
            PhoneNumber::parse(phone).ok(),
            notify.and_then(Notify::parse),
        )
    }

    #[test]
    fn the_default_channel_is_email_then_sms_then_none() {
        let recipient = |e, p| contact(e, p, None).ok().and_then(|c| c.recipient());
        assert_eq!(
            recipient("a@b.fr", "0612345678"),
            Some((Channel::Email, "a@b.fr".to_owned()))
        );
        assert_eq!(
            recipient("", "06 12 34 56 78"),
            Some((Channel::Sms, "+33612345678".to_owned()))
        );
        assert_eq!(recipient("", ""), None);
        assert_eq!(contact("", "", None).map(|c| c.notify()), Ok(Notify::None));
    }

    #[test]
    fn a_chosen_channel_needs_its_address_or_number() {
        assert_eq!(
            contact("", "0612345678", Some("email")),
            Err(ContactError::RequiresEmail)
        );
        assert_eq!(
            contact("a@b.fr", "", Some("sms")),
            Err(ContactError::RequiresPhone)
        );
        assert_eq!(
            contact("a@b.fr", "0612345678", Some("sms"))
                .ok()
                .and_then(|c| c.recipient()),
            Some((Channel::Sms, "+33612345678".to_owned()))
        );
        assert_eq!(
            contact("a@b.fr", "", Some("none"))
                .ok()
                .and_then(|c| c.recipient()),
            None
        );
        assert_eq!(
            ContactError::RequiresPhone.at("contact.notify").code,
            "requires_phone"
        );
    }

    #[test]
    fn only_the_three_words_are_channels() {
        for word in ["email", "sms", "none"] {
            assert_eq!(Notify::parse(word).map(Notify::as_str), Some(word));
        }
        assert_eq!(Notify::parse("pigeon"), None);
        assert_eq!(Notify::parse("SMS"), None);
    }
}
