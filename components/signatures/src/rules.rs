//! The rules of a signing flow, as pure functions (no SQL, no HTTP): who may act now, and
//! where the flow stands after each decision.
//!
//! - Ordered: signers act one after the other, in their order; one who declines is passed
//!   over. Parallel: every pending signer may act at any time.
//! - Quorum k of n: the flow is completed once k signed, declined once fewer than k can
//!   still sign. Signers who had not acted when it closed are `skipped`.

/// How signers take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ordered,
    Parallel,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "ordered" => Some(Mode::Ordered),
            "parallel" => Some(Mode::Parallel),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Ordered => "ordered",
            Mode::Parallel => "parallel",
        }
    }
}

/// Where one signer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerState {
    Pending,
    Signed,
    Declined,
    Skipped,
}

impl SignerState {
    pub fn parse(text: &str) -> Option<SignerState> {
        match text {
            "pending" => Some(SignerState::Pending),
            "signed" => Some(SignerState::Signed),
            "declined" => Some(SignerState::Declined),
            "skipped" => Some(SignerState::Skipped),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignerState::Pending => "pending",
            SignerState::Signed => "signed",
            SignerState::Declined => "declined",
            SignerState::Skipped => "skipped",
        }
    }
}

/// Where a flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowState {
    Open,
    Completed,
    Declined,
    Cancelled,
}

impl FlowState {
    pub fn parse(text: &str) -> Option<FlowState> {
        match text {
            "open" => Some(FlowState::Open),
            "completed" => Some(FlowState::Completed),
            "declined" => Some(FlowState::Declined),
            "cancelled" => Some(FlowState::Cancelled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::Open => "open",
            FlowState::Completed => "completed",
            FlowState::Declined => "declined",
            FlowState::Cancelled => "cancelled",
        }
    }
}

/// Why a signer may not act now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The flow is closed.
    Closed,
    /// The caller is not among the flow's signers.
    NotASigner,
    /// They already signed or declined.
    AlreadyDecided,
    /// Ordered flow: someone before them has not acted yet.
    NotYourTurn,
}

/// The position of `account` among `signers` when they may act now.
pub fn may_act(
    state: FlowState,
    mode: Mode,
    signers: &[(String, SignerState)],
    account: &str,
) -> Result<usize, Refusal> {
    if state != FlowState::Open {
        return Err(Refusal::Closed);
    }
    let position = signers
        .iter()
        .position(|(who, _)| who == account)
        .ok_or(Refusal::NotASigner)?;
    if signers[position].1 != SignerState::Pending {
        return Err(Refusal::AlreadyDecided);
    }
    if mode == Mode::Ordered && next_in_order(signers) != Some(position) {
        return Err(Refusal::NotYourTurn);
    }
    Ok(position)
}

/// The first pending signer (whose turn it is in an ordered flow).
pub fn next_in_order(signers: &[(String, SignerState)]) -> Option<usize> {
    signers.iter().position(|(_, s)| *s == SignerState::Pending)
}

/// Where an open flow stands with these signers' states and quorum.
pub fn outcome(quorum: usize, signers: &[SignerState]) -> FlowState {
    let signed = signers
        .iter()
        .filter(|s| **s == SignerState::Signed)
        .count();
    let pending = signers
        .iter()
        .filter(|s| **s == SignerState::Pending)
        .count();
    if signed >= quorum {
        FlowState::Completed
    } else if signed + pending < quorum {
        FlowState::Declined
    } else {
        FlowState::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignerState::{Declined, Pending, Signed};

    fn signers(states: &[SignerState]) -> Vec<(String, SignerState)> {
        states
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("a{i}"), *s))
            .collect()
    }

    #[test]
    fn in_an_ordered_flow_only_the_first_pending_signer_may_act() {
        let list = signers(&[Signed, Pending, Pending]);
        assert_eq!(may_act(FlowState::Open, Mode::Ordered, &list, "a1"), Ok(1));
        assert_eq!(
            may_act(FlowState::Open, Mode::Ordered, &list, "a2"),
            Err(Refusal::NotYourTurn)
        );
        assert_eq!(
            may_act(FlowState::Open, Mode::Ordered, &list, "a0"),
            Err(Refusal::AlreadyDecided)
        );
        assert_eq!(
            may_act(FlowState::Open, Mode::Ordered, &list, "zz"),
            Err(Refusal::NotASigner)
        );
    }

    #[test]
    fn in_a_parallel_flow_any_pending_signer_may_act_until_it_closes() {
        let list = signers(&[Pending, Pending]);
        assert_eq!(may_act(FlowState::Open, Mode::Parallel, &list, "a1"), Ok(1));
        assert_eq!(
            may_act(FlowState::Completed, Mode::Parallel, &list, "a1"),
            Err(Refusal::Closed)
        );
    }

    #[test]
    fn a_decline_passes_the_turn_to_the_next_signer() {
        let list = signers(&[Declined, Pending]);
        assert_eq!(may_act(FlowState::Open, Mode::Ordered, &list, "a1"), Ok(1));
    }

    #[test]
    fn two_of_three_completes_and_two_declines_of_three_decline() {
        assert_eq!(outcome(2, &[Signed, Pending, Pending]), FlowState::Open);
        assert_eq!(
            outcome(2, &[Signed, Declined, Signed]),
            FlowState::Completed
        );
        assert_eq!(outcome(2, &[Signed, Signed, Pending]), FlowState::Completed);
        assert_eq!(
            outcome(2, &[Declined, Pending, Declined]),
            FlowState::Declined
        );
        assert_eq!(
            outcome(3, &[Signed, Declined, Pending]),
            FlowState::Declined
        );
    }
}
