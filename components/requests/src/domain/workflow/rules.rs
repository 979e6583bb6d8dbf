//! What a service's workflow allows: pure functions over the catalogue's [`Workflow`], so that
//! the rules are unit-tested without a host.

use guichet_guest::codes::Role;
use guichet_guest::service::{State, Workflow};

/// The verdict on moving a request from one state to another for a caller holding `roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A transition exists and one of the caller's roles may take it.
    Allowed,
    /// The target is not a state of this workflow.
    UnknownState,
    /// No transition leads there from the current state; `allowed` lists the targets the
    /// caller could choose instead (maybe none).
    NotFromHere { allowed: Vec<String> },
    /// The transition exists, but not for the caller's roles.
    NotForRole,
}

/// Whether `roles` hold the role `name` a transition names (the catalogue keeps the names).
fn holds(roles: &[Role], name: &str) -> bool {
    Role::parse(name).is_some_and(|role| roles.contains(&role))
}

/// Whether a caller with `roles` may move a request from `from` to `to`.
pub fn judge(workflow: &Workflow, from: &str, to: &str, roles: &[Role]) -> Verdict {
    if state(workflow, to).is_none() {
        return Verdict::UnknownState;
    }
    let mut exists = false;
    for transition in workflow
        .transitions
        .iter()
        .filter(|t| t.from == from && t.to == to)
    {
        exists = true;
        if transition.roles.iter().any(|r| holds(roles, r)) {
            return Verdict::Allowed;
        }
    }
    if exists {
        Verdict::NotForRole
    } else {
        Verdict::NotFromHere {
            allowed: allowed_targets(workflow, from, roles),
        }
    }
}

/// The states a caller with `roles` may move a request to from `from`, in the workflow's
/// order, each once.
pub fn allowed_targets(workflow: &Workflow, from: &str, roles: &[Role]) -> Vec<String> {
    let mut targets: Vec<String> = Vec::new();
    for transition in &workflow.transitions {
        let permitted = transition.roles.iter().any(|r| holds(roles, r));
        if transition.from == from && permitted && !targets.contains(&transition.to) {
            targets.push(transition.to.clone());
        }
    }
    targets
}

/// What moving from `from` to `to` requires of a caller with `roles` (`message`, `note`: the
/// workflow's transition open to them), nothing when no such transition exists.
pub fn requirements<'w>(workflow: &'w Workflow, from: &str, to: &str, roles: &[Role]) -> &'w [String] {
    workflow
        .transitions
        .iter()
        .find(|t| t.from == from && t.to == to && t.roles.iter().any(|r| holds(roles, r)))
        .map_or(&[], |t| t.requires.as_slice())
}

/// The state `code` of the workflow.
pub fn state<'w>(workflow: &'w Workflow, code: &str) -> Option<&'w State> {
    workflow.states.iter().find(|s| s.code == code)
}

/// Whether `code` is an open state (unknown states count as closed, as in filing).
pub fn is_open(workflow: &Workflow, code: &str) -> bool {
    state(workflow, code).is_some_and(|s| s.open)
}

/// Where reopening a closed request in state `from` leads: the first open state the workflow
/// lets `roles` move it to; failing that, the workflow's initial state when `may_force`
/// (supervisors and administrators may reopen any closed request); else `None`.
pub fn reopen_target(
    workflow: &Workflow,
    from: &str,
    roles: &[Role],
    may_force: bool,
) -> Option<String> {
    allowed_targets(workflow, from, roles)
        .into_iter()
        .find(|to| is_open(workflow, to))
        .or_else(|| may_force.then(|| workflow.initial.clone()))
}

#[cfg(test)]
mod tests {
    use guichet_guest::service::{Localized, Transition};

    use super::*;

    fn workflow() -> Workflow {
        let state = |code: &str, open: bool| State {
            code: code.into(),
            label: Localized {
                fr: code.into(),
                en: code.into(),
            },
            open,
            open311_status: None,
        };
        let transition = |from: &str, to: &str, roles: &[&str]| Transition {
            from: from.into(),
            to: to.into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            // Refusing asks the supervisor for a word to the citizen.
            requires: if to == "refused" {
                vec!["message".to_owned()]
            } else {
                Vec::new()
            },
        };
        Workflow {
            initial: "submitted".into(),
            states: vec![
                state("submitted", true),
                state("processing", true),
                state("delivered", false),
                state("refused", false),
                state("withdrawn", false),
            ],
            transitions: vec![
                transition("submitted", "processing", &["agent", "supervisor", "admin"]),
                transition("submitted", "withdrawn", &["citizen", "agent"]),
                transition("processing", "delivered", &["agent", "supervisor"]),
                transition("processing", "refused", &["supervisor", "admin"]),
                transition("delivered", "refused", &["supervisor"]),
                transition("refused", "processing", &["supervisor"]),
            ],
        }
    }

    #[test]
    fn a_transition_of_the_workflow_is_allowed_for_one_of_its_roles() {
        assert_eq!(
            judge(&workflow(), "submitted", "processing", &[Role::Agent]),
            Verdict::Allowed
        );
        assert_eq!(
            judge(&workflow(), "submitted", "withdrawn", &[Role::Citizen]),
            Verdict::Allowed
        );
    }

    #[test]
    fn a_state_outside_the_workflow_is_unknown() {
        assert_eq!(
            judge(&workflow(), "submitted", "lost", &[Role::Admin]),
            Verdict::UnknownState
        );
    }

    #[test]
    fn a_target_not_reachable_from_the_current_state_lists_the_callers_choices() {
        assert_eq!(
            judge(&workflow(), "submitted", "delivered", &[Role::Agent]),
            Verdict::NotFromHere {
                allowed: vec!["processing".into(), "withdrawn".into()]
            }
        );
    }

    #[test]
    fn a_transition_reserved_to_other_roles_is_refused_for_this_role() {
        assert_eq!(
            judge(&workflow(), "submitted", "processing", &[Role::Citizen]),
            Verdict::NotForRole
        );
        assert_eq!(
            judge(&workflow(), "processing", "refused", &[Role::Agent]),
            Verdict::NotForRole
        );
    }

    #[test]
    fn reopening_prefers_an_open_target_of_the_workflow_then_the_initial_state_for_supervisors() {
        let w = workflow();
        assert_eq!(
            reopen_target(&w, "refused", &[Role::Supervisor], true).as_deref(),
            Some("processing")
        );
        assert_eq!(
            reopen_target(&w, "delivered", &[Role::Supervisor], true).as_deref(),
            Some("submitted")
        );
        assert_eq!(reopen_target(&w, "delivered", &[Role::Agent], false), None);
        assert_eq!(
            reopen_target(&w, "withdrawn", &[Role::Citizen], false),
            None
        );
    }

    #[test]
    fn a_transition_requires_what_the_workflow_says_for_the_callers_transition_only() {
        let w = workflow();
        assert_eq!(requirements(&w, "processing", "refused", &[Role::Supervisor]), ["message"]);
        assert!(requirements(&w, "submitted", "processing", &[Role::Agent]).is_empty());
        // Not theirs to take: nothing to ask (the transition is refused anyway).
        assert!(requirements(&w, "processing", "refused", &[Role::Agent]).is_empty());
    }

    #[test]
    fn open_states_are_those_the_workflow_marks_open() {
        assert!(is_open(&workflow(), "processing"));
        assert!(!is_open(&workflow(), "refused"));
        assert!(!is_open(&workflow(), "nowhere"));
    }
}
