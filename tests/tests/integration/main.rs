//! Guichet's one integration test binary: every module drives the built wasm components
//! through the host (harness: `tests/src/lib.rs`), so that the tests link once.
//!
//! The tiers are module paths, chosen with cargo's name filters (see the Makefile):
//! - integration: everything outside `browser::` and `conformance::` (`make test-integration`);
//! - `browser::`: tests that drive Chromium through `tests/node` (`make test-browser`);
//! - `conformance::`: the main journeys against real Spin and against the host
//!   (`make test-conformance`).

// What several modules share.
mod admin_dashboard;
mod admin_intake;
mod admin_queue;
mod admin_refusals;
mod admin_views;
mod admin_views_duplicates;
mod admin_request;
mod admin_support;
mod admin_setup;
mod admin_setup_branding;
mod admin_setup_keys;
mod admin_setup_staff;
mod catalog_support;
mod notifications_support;
mod requests_support;
mod signatures_support;

mod catalog_api;
mod catalog_listing;
mod catalog_open311;
mod catalog_search;
mod client_address;
mod contracts;
mod deploy_admin;
mod deploy_admin_update;
mod deploy_backup;
mod deploy_bundle;
mod deploy_config;
mod deploy_kubernetes;
mod deploy_redis;
mod deploy_rolling;
mod deploy_sweep;
mod deploy_upgrade;
mod evidence_api_keys;
mod evidence_append;
mod evidence_bundle;
mod evidence_catalog;
mod evidence_erasure;
mod evidence_outbox;
mod evidence_reads;
mod evidence_roles;
mod guichet_app;
mod host_cli;
mod host_features;
mod host_limits;
mod host_limits_filing;
mod host_outbound_guard;
mod host_sqlite_guard;
mod identity_accounts;
mod identity_bruteforce;
mod identity_mail_outbox;
mod identity_oidc;
mod identity_oidc_ssrf;
mod identity_privacy;
mod identity_retention;
mod identity_staff;
mod identity_takeover;
mod identity_tenancy;
mod link_origin;
mod notifications_callbacks;
mod notifications_delivery;
mod notifications_mail;
mod notifications_preferences;
mod notifications_recipients;
mod notifications_sms_policy;
mod notifications_through_requests;
mod notifications_templates;
mod notifications_webhook_network;
mod notifications_webhooks;
mod portal_forms;
mod portal_branding;
mod portal_pages;
mod portal_space;
mod portal_support;
mod requests_abuse_contacts;
mod requests_abuse_limits;
mod requests_abuse_text;
mod requests_access;
mod requests_channels;
mod requests_duplicates;
mod requests_durability;
mod requests_events;
mod requests_figures_history;
mod requests_filing;
mod requests_idempotency;
mod requests_inbound_forgery;
mod requests_open311;
mod requests_open311_privacy;
mod requests_privacy;
mod requests_queue;
mod requests_staff_reads;
mod requests_tracking;
mod requests_workflow;
mod shared_values;
mod signatures_check;
mod signatures_contract;
mod signatures_documents;
mod signatures_flows;
mod signatures_jose;
mod signatures_keys;
mod signatures_offline;
mod signatures_steps;
mod signatures_passkeys;
mod signatures_passkey_refusals;
mod signatures_certificate;
mod speed_sizes;
mod spin_routes;
mod tenancy;

/// Tests that need Chromium and the Node.js tools of `tests/node` (infra/setup.sh installs them).
mod browser {
    mod admin_views;
    mod admin_intake;
    mod admin_request;
    mod identity_browser;
    mod identity_oidc_browser;
    mod admin_setup;
    mod portal_forms;
    mod portal_space;
    mod portal_pages;
    mod portal_track;
    mod signatures_passkey;
}

mod conformance;
