//! `guichet-mailbox`: the demo's e-mail provider. Listens on 127.0.0.1:8025 (the default of
//! the `mail_api_origin` variable), prints every message it receives (the demo's inbox: the
//! verification and reset links are there), and serves them as JSON at `GET /messages`.
//!
//! Usage: `guichet-mailbox [--listen ADDR]`; `GUICHET_MAILBOX_LISTEN` also sets the address,
//! and `GUICHET_MAILBOX_KEY` the API key it requires (the `mail_api_key` variable), if any.

use std::io::Write as _;

use guichet_tests::mailbox::{MailMessage, Mailbox};

const USAGE: &str = "usage: guichet-mailbox [--listen ADDR]   (env: GUICHET_MAILBOX_LISTEN, GUICHET_MAILBOX_KEY)";

fn main() {
    let mut listen = std::env::var("GUICHET_MAILBOX_LISTEN").unwrap_or_else(|_| "127.0.0.1:8025".to_owned());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(addr) => listen = addr,
                None => exit_with(USAGE),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => exit_with(&format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let key = std::env::var("GUICHET_MAILBOX_KEY").ok().filter(|k| !k.is_empty());
    let mailbox = Mailbox::bind(&listen, key, Some(Box::new(print)))
        .unwrap_or_else(|e| exit_with(&format!("cannot listen on {listen}: {e}")));
    println!("Mailbox listening on {} (messages: GET {}/messages)", mailbox.origin(), mailbox.origin());
    let _ = std::io::stdout().flush();
    mailbox.serve_forever();
}

fn print(message: &MailMessage) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "----- message {}\nFrom: {}\nTo: {}\nSubject: {}\n{}\n{}\n-----",
        message.message_id,
        message.from,
        message.to,
        message.subject,
        message.html.as_ref().map_or(String::new(), |html| format!("(and an HTML part of {} characters)\n", html.chars().count())),
        message.text
    );
    let _ = out.flush();
}

fn exit_with(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}
