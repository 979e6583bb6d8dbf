//! A bar chart drawn on the server as SVG (`templates/admin/chart.html`): one group of bars per
//! week, one bar per series, a scale on the left, some weeks named below. No script and no
//! library: the page stays light and works without JavaScript. The chart is an image with its
//! title and description (`role="img"`, `aria-labelledby`); its numbers are in the table
//! beside it, which is what a screen reader reads.

/// The drawing's size in SVG units (it scales to the width of its box).
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 4.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;

/// One series: its name (the legend's) and one value per week (`None`: nothing to draw).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

pub struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    /// `series-0`, `series-1`: the colour (admin.css).
    pub class: String,
    /// Said on hover: the week, the series and the value.
    pub tip: String,
}

pub struct Label {
    pub x: String,
    pub y: String,
    pub text: String,
}

pub struct Chart {
    /// The prefix of the ids of the title and description.
    pub id: String,
    pub title: String,
    pub desc: String,
    pub view_box: String,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Label>,
    pub weeks: Vec<Label>,
    /// The scale's lines: y of each tick.
    pub grid: Vec<String>,
    pub x0: String,
    pub x1: String,
    /// (class, name) of each series.
    pub legend: Vec<(String, String)>,
}

/// A number as the chart writes it: whole, or with one decimal.
pub fn number(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

fn at(value: f64) -> String {
    format!("{value:.1}")
}

/// A scale's top: the smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `max` (at least 1).
fn nice(max: f64) -> f64 {
    if max <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|step| step * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

/// The chart of `series` over `mondays` (`YYYY-MM-DD`, one per value).
pub fn bars(id: &str, title: String, desc: String, mondays: &[String], series: Vec<Series>) -> Chart {
    let weeks = mondays.len().max(1);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |m, v| m.max(*v));
    let top = nice(max);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / weeks as f64;
    let bar_width = slot * 0.8 / series.len().max(1) as f64;
    let y_of = |value: f64| TOP + plot_height * (1.0 - value / top);
    let mut bars = Vec::new();
    for (s, one) in series.iter().enumerate() {
        for (w, value) in one.values.iter().enumerate() {
            let Some(value) = value else { continue };
            let x = LEFT + slot * w as f64 + slot * 0.1 + bar_width * s as f64;
            let y = y_of(*value);
            bars.push(Bar {
                x: at(x),
                y: at(y),
                width: at(bar_width.max(0.5)),
                height: at((TOP + plot_height - y).max(0.0)),
                class: format!("series-{s}"),
                tip: format!("{} · {} : {}", short(&mondays[w.min(mondays.len() - 1)]), one.name, number(*value)),
            });
        }
    }
    let ticks: Vec<(f64, String)> = [0.0, top / 2.0, top].iter().map(|v| (y_of(*v), number(*v))).collect();
    // Every third week is named, from the last one (the current week is always named).
    let every = weeks.div_ceil(4);
    let week_labels = mondays
        .iter()
        .enumerate()
        .filter(|(w, _)| (weeks - 1 - w) % every == 0)
        .map(|(w, monday)| Label {
            x: at(LEFT + slot * w as f64 + slot / 2.0),
            y: at(HEIGHT - 6.0),
            text: short(monday),
        })
        .collect();
    Chart {
        id: id.to_owned(),
        title,
        desc,
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        bars,
        grid: ticks.iter().map(|(y, _)| at(*y)).collect(),
        ticks: ticks
            .into_iter()
            .map(|(y, text)| Label { x: at(LEFT - 4.0), y: at(y + 3.0), text })
            .collect(),
        weeks: week_labels,
        x0: at(LEFT),
        x1: at(WIDTH - RIGHT),
        legend: series
            .iter()
            .enumerate()
            .map(|(s, one)| (format!("series-{s}"), one.name.clone()))
            .collect(),
    }
}

/// `YYYY-MM-DD` as `DD/MM`.
pub fn short(monday: &str) -> String {
    match (monday.get(8..10), monday.get(5..7)) {
        (Some(day), Some(month)) => format!("{day}/{month}"),
        _ => monday.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_ends_on_a_round_number_above_the_highest_bar() {
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(nice(3.0), 5.0);
        assert_eq!(nice(12.0), 20.0);
        assert_eq!(nice(240.0), 250.0);
        assert_eq!(nice(100.0), 100.0);
    }

    #[test]
    fn each_value_is_one_bar_as_high_as_its_share_of_the_scale() {
        let mondays: Vec<String> = ["2026-11-23", "2026-11-30"].map(str::to_owned).to_vec();
        let chart = bars("c", "t".into(), "d".into(), &mondays, vec![
            Series { name: "a".into(), values: vec![Some(1.0), Some(2.0)] },
            Series { name: "b".into(), values: vec![None, Some(0.0)] },
        ]);
        assert_eq!(chart.bars.len(), 3);
        let height = |i: usize| chart.bars[i].height.parse::<f64>().expect("number");
        assert!((height(1) - 2.0 * height(0)).abs() < 0.2, "{} {}", height(0), height(1));
        assert_eq!(chart.bars[2].height, "0.0");
        assert_eq!(chart.weeks.last().map(|l| l.text.as_str()), Some("30/11"));
        assert!(chart.bars[1].tip.contains("30/11"));
    }
}
