//! The domain layer of requests: the rules, as pure functions over values (no SQL, no HTTP),
//! so that they are unit-tested natively. One module per capability.

pub(crate) mod attachments;
pub(crate) mod form;
pub(crate) mod reference;

pub(crate) mod channels {
    //! Inbound e-mail: reading MIME, its sender's authentication, the webhook's secret.
    pub(crate) mod authres;
    pub(crate) mod mime;
    pub(crate) mod secret;
}

pub(crate) mod duplicates {
    //! Distances and the search box of duplicate detection.
    pub(crate) mod nearby;
}

pub(crate) mod workflow {
    //! What a service's workflow allows, and when a request is expected to be done.
    pub(crate) mod deadline;
    pub(crate) mod rules;
}
