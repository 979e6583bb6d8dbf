//! The conformance tier: Guichet's main journeys run against the real Spin 4.0.2 and against
//! the project's host, each started by the README's "With Spin itself" steps as written (the
//! unchanged `spin.toml` and `infra/runtime-config.toml`, from a copy of the repository root),
//! so that what passes on the host is known to pass on Spin too.
//!
//! Spin comes from `infra/spin.sh` (`make test-conformance` runs it), or `GUICHET_SPIN` names
//! the binary. Without it the Spin test says so loudly and passes, except where Spin is
//! required (`GUICHET_REQUIRE_SPIN=1`, which `.ci/run` sets once `infra/spin.sh` has installed
//! it), where it fails.

mod deployment;
mod journeys;

use deployment::{Deployment, Runtime};

#[test]
fn the_main_journeys_work_on_real_spin() {
    let Some(spin) = deployment::spin_binary() else {
        let message = "SPIN 4.0.2 IS ABSENT: the conformance journeys did NOT run on Spin \
                       (run `bash infra/spin.sh`, or set GUICHET_SPIN to a `spin` binary)";
        assert!(std::env::var("GUICHET_REQUIRE_SPIN").as_deref() != Ok("1"), "{message}");
        eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
        return;
    };
    journeys::run_all(&Deployment::start(Runtime::Spin(spin)));
}

#[test]
fn the_main_journeys_work_on_the_host() {
    journeys::run_all(&Deployment::start(Runtime::Host));
}
