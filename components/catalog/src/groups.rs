//! Names of service groups.
//!
//! A service definition names its group by code only (`"group": "animals"`), so the names
//! shown to citizens (public API, Open311 `group`) come from this list of the groups a commune
//! usually has; any other code is shown humanised (`green-spaces` → `Green spaces`) in both
//! languages.

use crate::model::Lang;

/// Code, French name, English name.
const KNOWN: &[(&str, &str, &str)] = &[
    ("animals", "Animaux", "Animals"),
    ("associations", "Associations", "Associations"),
    ("business", "Commerce et entreprises", "Business"),
    ("cemetery", "Cimetière", "Cemetery"),
    ("childhood", "Petite enfance", "Early childhood"),
    ("citizenship", "Citoyenneté", "Citizenship"),
    ("civil-status", "État civil", "Civil status"),
    ("cleanliness", "Propreté", "Cleanliness"),
    ("culture", "Culture", "Culture"),
    ("economy", "Économie et commerce", "Economy and trade"),
    ("education", "Éducation", "Education"),
    ("elections", "Élections", "Elections"),
    ("environment", "Environnement", "Environment"),
    ("events", "Événements", "Events"),
    ("family", "Famille", "Family"),
    (
        "funerals",
        "Funérailles et cimetière",
        "Funerals and cemetery",
    ),
    ("health", "Santé", "Health"),
    ("housing", "Logement", "Housing"),
    ("identity", "Papiers d'identité", "Identity documents"),
    ("mobility", "Mobilité", "Mobility"),
    ("other", "Autres démarches", "Other services"),
    ("parking", "Stationnement", "Parking"),
    ("planning", "Urbanisme", "Town planning"),
    ("population", "Population", "Population"),
    ("public-space", "Espace public", "Public space"),
    ("roads", "Voirie", "Roads"),
    ("safety", "Sécurité", "Safety"),
    ("schools", "Écoles", "Schools"),
    ("seniors", "Seniors", "Senior citizens"),
    ("social", "Action sociale", "Social services"),
    ("sports", "Sports", "Sports"),
    ("taxes", "Taxes et redevances", "Taxes and charges"),
    ("urbanism", "Urbanisme", "Town planning"),
    ("waste", "Déchets", "Waste"),
    ("water", "Eau et assainissement", "Water and sanitation"),
    ("youth", "Jeunesse", "Youth"),
];

/// The name of the group `code` in `lang`.
pub fn name(code: &str, lang: Lang) -> String {
    match KNOWN.iter().find(|(known, _, _)| *known == code) {
        Some((_, fr, en)) => match lang {
            Lang::Fr => (*fr).to_owned(),
            Lang::En => (*en).to_owned(),
        },
        None => humanise(code),
    }
}

/// `green-spaces` → `Green spaces`.
fn humanise(code: &str) -> String {
    let spaced = code.replace('-', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_group_has_a_name_in_each_language() {
        assert_eq!(name("civil-status", Lang::Fr), "État civil");
        assert_eq!(name("civil-status", Lang::En), "Civil status");
    }

    #[test]
    fn an_unknown_group_is_shown_humanised() {
        assert_eq!(name("green-spaces", Lang::Fr), "Green spaces");
        assert_eq!(name("x", Lang::En), "X");
    }

    #[test]
    fn known_groups_are_listed_once() {
        let mut codes: Vec<&str> = KNOWN.iter().map(|(c, _, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), KNOWN.len());
    }
}
