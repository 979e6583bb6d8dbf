//! The service definition as the `catalog` contract carries it (`wit/catalog.wit`), and back:
//! `catalog` answers with [`to_contract`], `requests` reads with [`from_contract`]. Every
//! struct is written out field by field (no `..`), so that a field added to or removed from a
//! WIT record fails the build of both components, which link this module.
//!
//! The contract carries each state's Open311 status resolved (declared, or its default), so
//! that requests never derives it itself.

use guichet_contracts::catalog as wire;
use guichet_contracts::common::Localized as WireText;

use crate::service::{
    Channel, Datatype, Fee, FeeDue, Field, Form, ListValue, Localized, Open311Status, Open311Type,
    Rules, ServiceDefinition, State, Text, Transition, Workflow,
};

/// `definition` as the contract's record.
pub fn to_contract(definition: ServiceDefinition) -> wire::ServiceDefinition {
    let ServiceDefinition {
        code,
        group,
        name,
        description,
        keywords,
        department,
        channel,
        anonymous,
        open311_type,
        fee,
        processing_days,
        documents,
        eligibility,
        retention_days,
        form: Form { fields },
        workflow:
            Workflow {
                initial,
                states,
                transitions,
            },
    } = definition;
    let Localized { fr, en } = keywords;
    wire::ServiceDefinition {
        code,
        group,
        name: text_out(name),
        description: text_out(description),
        keywords: wire::Keywords { fr, en },
        department,
        channel: match channel {
            Channel::Online => wire::Channel::Online,
            Channel::CounterOnly => wire::Channel::CounterOnly,
        },
        anonymous,
        open311_type: match open311_type {
            Open311Type::Realtime => wire::Open311Type::Realtime,
            Open311Type::Batch => wire::Open311Type::Batch,
            Open311Type::Blackbox => wire::Open311Type::Blackbox,
        },
        fee: fee.map(
            |Fee {
                 amount_cents,
                 currency,
                 due,
             }| wire::Fee {
                amount_cents,
                currency,
                due: match due {
                    FeeDue::OnFiling => wire::FeeDue::OnFiling,
                    FeeDue::OnDelivery => wire::FeeDue::OnDelivery,
                },
            },
        ),
        processing_days,
        documents: documents.into_iter().map(text_out).collect(),
        eligibility: eligibility.map(text_out),
        retention_days,
        form: fields.into_iter().map(field_out).collect(),
        workflow: wire::Workflow {
            initial,
            states: states.into_iter().map(state_out).collect(),
            transitions: transitions.into_iter().map(transition_out).collect(),
        },
    }
}

/// The contract's record as the domain's definition.
pub fn from_contract(definition: wire::ServiceDefinition) -> ServiceDefinition {
    let wire::ServiceDefinition {
        code,
        group,
        name,
        description,
        keywords: wire::Keywords { fr, en },
        department,
        channel,
        anonymous,
        open311_type,
        fee,
        processing_days,
        documents,
        eligibility,
        retention_days,
        form,
        workflow:
            wire::Workflow {
                initial,
                states,
                transitions,
            },
    } = definition;
    ServiceDefinition {
        code,
        group,
        name: text_in(name),
        description: text_in(description),
        keywords: Localized { fr, en },
        department,
        channel: match channel {
            wire::Channel::Online => Channel::Online,
            wire::Channel::CounterOnly => Channel::CounterOnly,
        },
        anonymous,
        open311_type: match open311_type {
            wire::Open311Type::Realtime => Open311Type::Realtime,
            wire::Open311Type::Batch => Open311Type::Batch,
            wire::Open311Type::Blackbox => Open311Type::Blackbox,
        },
        fee: fee.map(
            |wire::Fee {
                 amount_cents,
                 currency,
                 due,
             }| Fee {
                amount_cents,
                currency,
                due: match due {
                    wire::FeeDue::OnFiling => FeeDue::OnFiling,
                    wire::FeeDue::OnDelivery => FeeDue::OnDelivery,
                },
            },
        ),
        processing_days,
        documents: documents.into_iter().map(text_in).collect(),
        eligibility: eligibility.map(text_in),
        retention_days,
        form: Form {
            fields: form.into_iter().map(field_in).collect(),
        },
        workflow: Workflow {
            initial,
            states: states.into_iter().map(state_in).collect(),
            transitions: transitions.into_iter().map(transition_in).collect(),
        },
    }
}

fn text_out(Localized { fr, en }: Text) -> WireText {
    WireText { fr, en }
}

fn text_in(WireText { fr, en }: WireText) -> Text {
    Localized { fr, en }
}

fn field_out(field: Field) -> wire::Field {
    let Field {
        code,
        order,
        required,
        datatype,
        label,
        help,
        rules:
            Rules {
                min,
                max,
                min_length,
                max_length,
                pattern,
                values,
            },
    } = field;
    wire::Field {
        code,
        order,
        required,
        datatype: datatype_out(datatype),
        label: text_out(label),
        help: help.map(text_out),
        rules: wire::Rules {
            min,
            max,
            min_length,
            max_length,
            pattern,
            values: values.map(|values| {
                values
                    .into_iter()
                    .map(|ListValue { key, name }| wire::ListValue {
                        key,
                        name: text_out(name),
                    })
                    .collect()
            }),
        },
    }
}

fn field_in(field: wire::Field) -> Field {
    let wire::Field {
        code,
        order,
        required,
        datatype,
        label,
        help,
        rules:
            wire::Rules {
                min,
                max,
                min_length,
                max_length,
                pattern,
                values,
            },
    } = field;
    Field {
        code,
        order,
        required,
        datatype: datatype_in(datatype),
        label: text_in(label),
        help: help.map(text_in),
        rules: Rules {
            min,
            max,
            min_length,
            max_length,
            pattern,
            values: values.map(|values| {
                values
                    .into_iter()
                    .map(|wire::ListValue { key, name }| ListValue {
                        key,
                        name: text_in(name),
                    })
                    .collect()
            }),
        },
    }
}

fn transition_out(transition: Transition) -> wire::Transition {
    let Transition {
        from,
        to,
        roles,
        requires,
    } = transition;
    wire::Transition {
        from,
        to,
        roles,
        requires,
    }
}

fn transition_in(transition: wire::Transition) -> Transition {
    let wire::Transition {
        from,
        to,
        roles,
        requires,
    } = transition;
    Transition {
        from,
        to,
        roles,
        requires,
    }
}

fn state_out(state: State) -> wire::State {
    let status = state.open311_status();
    let State {
        code,
        label,
        open,
        open311_status: _,
    } = state;
    wire::State {
        code,
        label: text_out(label),
        open,
        open311_status: status_out(status),
    }
}

fn state_in(state: wire::State) -> State {
    let wire::State {
        code,
        label,
        open,
        open311_status,
    } = state;
    State {
        code,
        label: text_in(label),
        open,
        open311_status: Some(status_in(open311_status)),
    }
}

/// One table for both directions of the two enums with many cases.
macro_rules! both_ways {
    ($out:ident, $in:ident, $domain:ident, $wire:path, [$($case:ident),* $(,)?]) => {
        fn $out(value: $domain) -> $wire {
            match value {
                $($domain::$case => <$wire>::$case,)*
            }
        }
        fn $in(value: $wire) -> $domain {
            match value {
                $(<$wire>::$case => $domain::$case,)*
            }
        }
    };
}

both_ways!(
    datatype_out,
    datatype_in,
    Datatype,
    wire::Datatype,
    [
        String,
        Number,
        Datetime,
        Text,
        Singlevaluelist,
        Multivaluelist,
        Email,
        Phone,
        Date,
        File,
        Location,
        Checkbox,
        Consent,
    ]
);

both_ways!(
    status_out,
    status_in,
    Open311Status,
    wire::Open311Status,
    [
        Open,
        Investigating,
        InProgress,
        ActionScheduled,
        Fixed,
        Duplicate,
        NotCouncilsResponsibility,
        NoFurtherAction,
        Closed,
    ]
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::example_definition;

    fn example() -> ServiceDefinition {
        serde_json::from_value(example_definition()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_definition_crosses_the_contract_unchanged_but_for_resolved_open311_statuses() {
        let definition = example();
        let back = from_contract(to_contract(definition.clone()));
        let mut expected = definition;
        for state in &mut expected.workflow.states {
            state.open311_status = Some(state.open311_status());
        }
        assert_eq!(back, expected);
    }

    #[test]
    fn the_contract_carries_the_declared_or_default_open311_status_of_every_state() {
        let wire = to_contract(example());
        let statuses: Vec<_> = wire
            .workflow
            .states
            .iter()
            .map(|s| (s.code.as_str(), s.open311_status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("submitted", wire::Open311Status::Open),
                ("in-review", wire::Open311Status::Open),
                ("granted", wire::Open311Status::Fixed),
                ("refused", wire::Open311Status::NoFurtherAction),
            ]
        );
    }

    #[test]
    fn the_definition_survives_the_contract_json() {
        let wire = to_contract(example());
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        let read: Result<wire::ServiceDefinition, _> = guichet_contracts::decode(&json);
        assert_eq!(read.ok(), Some(wire));
    }
}
