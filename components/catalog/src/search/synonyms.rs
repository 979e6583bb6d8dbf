//! Words citizens use for the same thing, per language. A query word (or run of words) found
//! in a group brings in every other entry of the group as an alternative; entries of several
//! words only trigger when the query holds all of them, in order (stop words aside).
//!
//! Entries are written as people write them (accents, plurals); they go through the same
//! analysis as the catalogue and the query, so `déchets` also covers `dechet`.
//!
//! Keep groups narrow: a group is one idea. A word in two groups triggers both.

use super::text::Language;

/// The synonym groups of `language`.
pub fn groups(language: Language) -> &'static [&'static [&'static str]] {
    match language {
        Language::Fr => FRENCH,
        Language::En => ENGLISH,
    }
}

const FRENCH: &[&[&str]] = &[
    &["chien", "chiot", "toutou", "canin", "canine", "médaille"],
    &["animal", "animaux", "chien", "chat", "compagnie"],
    &["perdu", "égaré", "fugue", "trouvé", "errant", "fourrière"],
    &["macaron", "vignette", "badge", "carte de stationnement", "carte résident", "stationnement résident", "disque"],
    &["stationnement", "stationner", "garer", "parking", "parcage", "place"],
    &["permis", "autorisation", "licence", "permission"],
    &["poubelle", "déchets", "ordures", "détritus", "immondices", "dépôt sauvage", "décharge sauvage", "sacs"],
    &["sauvage", "clandestin", "illégal", "abandonné", "jeté"],
    &["bac", "conteneur", "container", "poubelle"],
    &["encombrants", "monstres", "vieux meubles", "gros objets", "électroménager", "matelas", "canapé", "frigo"],
    &["lampadaire", "éclairage", "réverbère", "éclairage public", "candélabre", "lumière", "lampe", "luminaire"],
    &["nid de poule", "trou", "chaussée", "route", "bitume", "goudron", "ornière", "affaissement"],
    &["bruit", "tapage", "nuisance sonore", "vacarme", "boucan", "nuisances", "sono", "musique"],
    &["tag", "graffiti", "graff", "inscription murale", "peinture", "bombe"],
    &["trottoir", "dalle", "pavé", "pavés", "bordure", "piéton"],
    &["arbre", "élagage", "élaguer", "branche", "branches", "haie", "abattage", "tronc"],
    &["épave", "véhicule abandonné", "voiture ventouse", "véhicule ventouse", "carcasse", "voiture abandonnée"],
    &["voiture", "véhicule", "auto", "automobile", "bagnole", "camionnette"],
    &["naissance", "né", "née", "acte de naissance", "extrait de naissance"],
    &["mariage", "marier", "épouser", "noces", "union", "célébration"],
    &["décès", "mort", "décédé", "défunt", "acte de décès", "disparu"],
    &["cimetière", "concession", "tombe", "sépulture", "caveau", "columbarium", "urne"],
    &["inhumation", "enterrement", "inhumer", "enterrer", "obsèques", "funérailles", "crémation"],
    &["carte d'identité", "cni", "pièce d'identité", "passeport", "identité"],
    &["liste électorale", "électeur", "élections", "voter", "vote", "scrutin"],
    &["déménagement", "déménager", "changement d'adresse", "nouvelle adresse", "emménager", "emménagement", "arrivée"],
    &["attestation", "certificat", "justificatif", "preuve", "document"],
    &["domicile", "résidence", "adresse", "logement", "habite"],
    &["salle", "local", "salle des fêtes", "salle communale", "location de salle"],
    &["réservation", "réserver", "louer", "location", "booking"],
    &["cantine", "restauration scolaire", "repas", "déjeuner", "midi"],
    &["école", "scolaire", "maternelle", "primaire", "élève", "rentrée"],
    &["marché", "étal", "échoppe", "forain", "ambulant", "stand", "brocante"],
    &["terrasse", "domaine public", "occupation du domaine public", "tables", "chaises"],
    &["construire", "construction", "bâtir", "maison", "extension", "agrandissement", "agrandir"],
    &["travaux", "rénovation", "clôture", "toiture", "ravalement", "façade", "abri de jardin", "piscine", "véranda", "fenêtres"],
    &["rendez-vous", "rdv", "créneau", "prendre rendez-vous"],
    &["cassé", "panne", "hors service", "défectueux", "éteint", "grillé", "clignote", "abîmé", "endommagé"],
    &["tarif", "prix", "coût", "payer", "paiement", "combien"],
    &["sale", "saleté", "propreté", "nettoyage", "nettoyer", "crasse"],
    &["voisin", "voisins", "voisinage"],
    &["fête", "manifestation", "événement", "festival", "brocante", "kermesse", "buvette"],
    &["nuit", "nocturne", "soir", "tard"],
];

const ENGLISH: &[&[&str]] = &[
    &["dog", "puppy", "doggy", "canine", "dog tag"],
    &["pet", "animal", "dog", "cat"],
    &["lost", "missing", "found", "stray", "pound", "runaway"],
    &["parking permit", "resident parking", "parking badge", "parking sticker", "parking disc", "permit sticker"],
    &["parking", "park", "parked", "space"],
    &["permit", "authorisation", "authorization", "licence", "license", "permission"],
    &["rubbish", "garbage", "trash", "waste", "litter", "fly-tipping", "illegal dumping", "junk"],
    &["illegal", "dumped", "abandoned", "left"],
    &["bin", "wheelie bin", "container", "dustbin", "trash can"],
    &["bulky waste", "bulky items", "old furniture", "mattress", "sofa", "fridge", "appliances"],
    &["streetlight", "street light", "street lamp", "lamp post", "lamppost", "lighting", "light"],
    &["pothole", "hole", "road surface", "road", "tarmac", "asphalt"],
    &["noise", "noisy", "loud", "racket", "disturbance", "music", "party"],
    &["graffiti", "tag", "tags", "vandalism", "spray paint"],
    &["sidewalk", "pavement", "footpath", "curb", "kerb", "paving"],
    &["tree", "pruning", "prune", "trimming", "branch", "branches", "hedge", "felling"],
    &["abandoned vehicle", "abandoned car", "wreck", "derelict car", "car wreck"],
    &["car", "vehicle", "van", "automobile"],
    &["birth", "born", "birth certificate"],
    &["marriage", "wedding", "marry", "married", "get married"],
    &["death", "died", "deceased", "dead", "death certificate"],
    &["cemetery", "graveyard", "grave", "plot", "burial plot", "concession", "columbarium", "urn"],
    &["burial", "bury", "funeral", "interment", "cremation"],
    &["identity card", "id card", "passport", "identity", "id"],
    &["electoral roll", "voter", "voting", "vote", "election", "elections", "register to vote"],
    &["moving", "move", "moved", "change of address", "new address", "relocation", "relocating"],
    &["certificate", "proof", "attestation", "document"],
    &["residence", "home", "address", "domicile", "live"],
    &["room", "hall", "venue", "function room", "village hall"],
    &["booking", "book", "hire", "rent", "reserve", "reservation"],
    &["canteen", "school meals", "lunch", "school lunch", "dinner"],
    &["school", "enrolment", "enrollment", "pupil", "nursery", "primary"],
    &["market", "stall", "pitch", "trader", "vendor", "flea market"],
    &["terrace", "outdoor seating", "pavement cafe", "tables", "chairs", "public space"],
    &["build", "building", "construction", "house", "extension", "planning permission"],
    &["works", "renovation", "fence", "roof", "facade", "shed", "swimming pool", "conservatory", "windows"],
    &["appointment", "slot", "booking"],
    &["broken", "out of order", "not working", "faulty", "dark", "damaged", "flickering"],
    &["fee", "price", "cost", "pay", "payment", "charge"],
    &["dirty", "cleanliness", "cleaning", "clean", "filth"],
    &["neighbour", "neighbor", "neighbours", "neighbors", "next door"],
    &["event", "festival", "fair", "street party", "fete"],
    &["night", "nighttime", "late", "evening"],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_has_at_least_thirty_groups_of_two_or_more() {
        for language in [Language::Fr, Language::En] {
            let groups = groups(language);
            assert!(groups.len() >= 30, "{language:?}: {}", groups.len());
            assert!(groups.iter().all(|g| g.len() >= 2));
        }
    }
}
