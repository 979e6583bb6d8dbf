//! The storage layer of requests: the SQL of the `requests` database (its schema, the request
//! rows, the timeline, the outbox, the queue's queries). Parameterised statements only; rows
//! are decoded by column name ([`guichet_guest::db::Row`]). One module per capability.

pub(crate) mod api_keys;
pub(crate) mod attachments;
pub(crate) mod contacts;
pub(crate) mod duplicates;
pub(crate) mod followers;
pub(crate) mod idempotency;
pub(crate) mod outbox;
pub(crate) mod pings;
pub(crate) mod privacy;
pub(crate) mod reads;
pub(crate) mod record;
pub(crate) mod retention;
pub(crate) mod schema;
pub(crate) mod timeline;
pub(crate) mod tracking;

pub(crate) mod channels {
    //! Call logs, inbound e-mails as received, put on a request's timeline, and waiting for
    //! triage.
    pub(crate) mod call;
    pub(crate) mod inbound;
    pub(crate) mod mail_attach;
    pub(crate) mod triage;
}

pub(crate) mod georeport {
    //! What Open311 may publish, and Open311's other SQL.
    pub(crate) mod open311;
    pub(crate) mod publicity;
}

pub(crate) mod queue {
    //! The agents' queue's SQL, and the commune's figures.
    pub(crate) mod figures;
    pub(crate) mod history;
    pub(crate) mod rows;
    pub(crate) mod sql;
}

pub(crate) mod workflow {
    //! A change of state, written in one transaction; reassignment and overdue marking.
    pub(crate) mod assignment;
    pub(crate) mod change;
}
