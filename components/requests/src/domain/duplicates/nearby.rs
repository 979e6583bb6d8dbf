//! The pure part of duplicate detection: distances on the globe, the bounding box that lets
//! SQLite prefilter candidates, and how alike two texts are.
//!
//! Text similarity is a token overlap (Jaccard index of the two texts' word sets, lowercased,
//! accents folded, words of three letters or more, common French and English words left
//! out): deterministic, language-agnostic enough for short reports, and computed on the few
//! candidates the box and the service already selected, so it needs no index.

use std::collections::BTreeSet;

/// Mean Earth radius (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres per degree of latitude (and of longitude at the equator), on that sphere.
const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance in metres between two WGS 84 points (haversine formula).
pub fn distance_m(lat1: f64, long1: f64, lat2: f64, long2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (long2 - long1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// `radius_m` in degrees of latitude (on the sphere of [`distance_m`]).
pub fn radius_degrees(radius_m: f64) -> f64 {
    radius_m / METRES_PER_DEGREE
}

/// A latitude/longitude box that contains every point within `radius_m` of the centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_long: f64,
    pub max_long: f64,
}

/// The box around (`lat`, `long`); near the poles or the antimeridian it spans every
/// longitude rather than wrapping (no commune is there; correctness over tightness).
pub fn bounding_box(lat: f64, long: f64, radius_m: f64) -> BoundingBox {
    let d_lat = radius_m / METRES_PER_DEGREE;
    let cos = lat.to_radians().cos();
    let d_long = if cos > 0.01 {
        radius_m / (METRES_PER_DEGREE * cos)
    } else {
        360.0
    };
    let (mut min_long, mut max_long) = (long - d_long, long + d_long);
    if min_long < -180.0 || max_long > 180.0 {
        (min_long, max_long) = (-180.0, 180.0);
    }
    BoundingBox {
        min_lat: (lat - d_lat).max(-90.0),
        max_lat: (lat + d_lat).min(90.0),
        min_long,
        max_long,
    }
}

/// Words too common to say two reports are alike.
const STOP_WORDS: &[&str] = &[
    "les", "des", "une", "est", "dans", "pour", "que", "qui", "sur", "avec", "pas", "par", "aux",
    "ces", "son", "sont", "mais", "plus", "tres", "the", "and", "for", "with", "this", "that",
    "there", "are", "was", "not", "from",
];

/// The words of `text`, normalised (see the module documentation).
pub fn words(text: &str) -> BTreeSet<String> {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(w))
        .map(str::to_owned)
        .collect()
}

/// Jaccard index of two word sets, 0 (nothing in common, or a side empty) to 1.
pub fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let common = a.intersection(b).count();
    let all = a.union(b).count();
    if all == 0 {
        0.0
    } else {
        common as f64 / all as f64
    }
}

/// The ranking score: nearness (1 at the same spot, 0 at the radius) plus text similarity,
/// with equal weights; higher first.
pub fn score(distance_m: f64, radius_m: f64, similarity: f64) -> f64 {
    (1.0 - distance_m / radius_m).max(0.0) + similarity
}

/// The letter without its accent, for the accented letters of French and its neighbours.
fn fold(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ÿ' | 'ý' => 'y',
        'ñ' => 'n',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousandth_of_a_degree_of_latitude_is_about_111_metres() {
        let d = distance_m(48.8566, 2.3522, 48.8576, 2.3522);
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert!(distance_m(48.0, 2.0, 48.0, 2.0) < 1e-6);
    }

    #[test]
    fn paris_to_lyon_is_about_392_kilometres() {
        let d = distance_m(48.8566, 2.3522, 45.7640, 4.8357);
        assert!((d - 392_000.0).abs() < 2_000.0, "{d}");
    }

    #[test]
    fn the_box_contains_every_point_of_the_radius_in_all_directions() {
        let (lat, long) = (48.8566, 2.3522);
        let b = bounding_box(lat, long, 200.0);
        for (dlat, dlong) in [(0.0018, 0.0), (-0.0018, 0.0), (0.0, 0.0027), (0.0, -0.0027)] {
            let (plat, plong) = (lat + dlat, long + dlong);
            if distance_m(lat, long, plat, plong) <= 200.0 {
                assert!(
                    plat >= b.min_lat
                        && plat <= b.max_lat
                        && plong >= b.min_long
                        && plong <= b.max_long
                );
            }
        }
        assert!(
            b.max_lat - b.min_lat < 0.004 && b.max_long - b.min_long < 0.006,
            "{b:?}"
        );
    }

    #[test]
    fn near_the_antimeridian_the_box_spans_every_longitude() {
        let b = bounding_box(10.0, 179.999, 200.0);
        assert_eq!((b.min_long, b.max_long), (-180.0, 180.0));
    }

    #[test]
    fn words_are_lowercased_without_accents_short_or_common_words() {
        let w = words("Un GROS nid-de-poule dans la rue Émile Zola, très dangereux !");
        let expected: BTreeSet<String> =
            ["gros", "nid", "poule", "rue", "emile", "zola", "dangereux"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(w, expected);
    }

    #[test]
    fn alike_texts_score_higher_than_unrelated_ones() {
        let a = words("nid de poule profond devant la boulangerie");
        let b = words("Profond nid-de-poule devant la boulangerie du centre");
        let c = words("lampadaire éteint depuis une semaine");
        assert!(similarity(&a, &b) > 0.5);
        assert_eq!(similarity(&a, &c), 0.0);
        assert_eq!(similarity(&BTreeSet::new(), &BTreeSet::new()), 0.0);
    }

    #[test]
    fn a_close_report_ranks_above_a_far_one_unless_the_far_one_says_the_same_thing() {
        assert!(score(10.0, 200.0, 0.0) > score(150.0, 200.0, 0.0));
        assert!(score(150.0, 200.0, 0.9) > score(10.0, 200.0, 0.0));
    }
}
