//! `/admin/dashboard` (supervisors and administrators; an agent gets the 403 page): the
//! commune's backlog, overdue requests and time to close, now and week by week over the last
//! 12 weeks, for the whole commune and by department or by service (issue #14 item 5).
//!
//! - `GET /admin/dashboard?by=department|service`: the figures of now
//!   (`GET /api/requests/figures`), then the weeks (`GET /api/requests/figures/history`)
//!   drawn as SVG bar charts ([`chart`]), each with its numbers in a table.
//! - `GET /admin/dashboard/export.csv?by=`: the same weeks as CSV, one line per week of the
//!   commune and of each group.

mod chart;

use askama::Template;
use guichet_guest::clients::catalog;
use guichet_guest::query::Query;
use guichet_guest::ApiError;
use serde_json::Value as Json;
use spin_sdk::http::Response;

use self::chart::{Chart, Series};
use super::{AdminChrome, Role, Section, Staff};
use crate::i18n::{self, Lang};
use crate::page;

/// Weeks shown.
const WEEKS: u32 = 12;

struct DashboardTexts {
    title: &'static str,
    group_by: &'static str,
    by_department: &'static str,
    by_service: &'static str,
    show: &'static str,
    now: &'static str,
    open: &'static str,
    overdue: &'static str,
    closed_this_week: &'static str,
    median: &'static str,
    none: &'static str,
    hours: &'static str,
    days: &'static str,
    export: &'static str,
    commune: &'static str,
    week: &'static str,
    filed: &'static str,
    closed: &'static str,
    backlog: &'static str,
    time_to_close: &'static str,
    backlog_title: &'static str,
    backlog_desc: &'static str,
    flow_title: &'static str,
    flow_desc: &'static str,
    close_title: &'static str,
    close_desc: &'static str,
    numbers: &'static str,
    no_department: &'static str,
    weeks_note: &'static str,
}

const FR: DashboardTexts = DashboardTexts {
    title: "Tableau de bord",
    group_by: "Détailler par",
    by_department: "service municipal",
    by_service: "démarche",
    show: "Afficher",
    now: "Aujourd’hui",
    open: "Demandes ouvertes (stock)",
    overdue: "Dont en retard",
    closed_this_week: "Clôturées cette semaine",
    median: "Délai médian de clôture (90 jours)",
    none: "aucune",
    hours: "h",
    days: "j",
    export: "Exporter les semaines en CSV",
    commune: "Toute la commune, semaine par semaine",
    week: "Semaine du",
    filed: "Déposées",
    closed: "Clôturées",
    backlog: "Stock en fin de semaine",
    time_to_close: "Délai médian de clôture (heures)",
    backlog_title: "Stock et retards en fin de semaine",
    backlog_desc: "Barres par semaine : demandes ouvertes et demandes en retard à la fin de chaque semaine, sur 12 semaines. Les chiffres sont dans le tableau qui suit.",
    flow_title: "Demandes déposées et clôturées",
    flow_desc: "Barres par semaine : demandes déposées et demandes clôturées pendant chaque semaine, sur 12 semaines. Les chiffres sont dans le tableau qui suit.",
    close_title: "Délai médian de clôture (heures)",
    close_desc: "Barres par semaine : délai médian, en heures, des demandes clôturées pendant chaque semaine. Les chiffres sont dans le tableau qui suit.",
    numbers: "Les chiffres",
    no_department: "(sans service)",
    weeks_note: "Semaines du lundi au dimanche (UTC) ; la dernière est en cours.",
};

const EN: DashboardTexts = DashboardTexts {
    title: "Dashboard",
    group_by: "Break down by",
    by_department: "department",
    by_service: "service",
    show: "Show",
    now: "Today",
    open: "Open requests (backlog)",
    overdue: "Of which overdue",
    closed_this_week: "Closed this week",
    median: "Median time to close (90 days)",
    none: "none",
    hours: "h",
    days: "d",
    export: "Export the weeks as CSV",
    commune: "The whole commune, week by week",
    week: "Week of",
    filed: "Filed",
    closed: "Closed",
    backlog: "Backlog at week end",
    time_to_close: "Median time to close (hours)",
    backlog_title: "Backlog and overdue at week end",
    backlog_desc: "Bars per week: open requests and overdue requests at the end of each week, over 12 weeks. The numbers are in the table below.",
    flow_title: "Requests filed and closed",
    flow_desc: "Bars per week: requests filed and requests closed during each week, over 12 weeks. The numbers are in the table below.",
    close_title: "Median time to close (hours)",
    close_desc: "Bars per week: the median time, in hours, of the requests closed during each week. The numbers are in the table below.",
    numbers: "The numbers",
    no_department: "(no department)",
    weeks_note: "Weeks run Monday to Sunday (UTC); the last one is in progress.",
};

fn texts(lang: Lang) -> &'static DashboardTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// One week's figures.
struct Week {
    monday: String,
    filed: i64,
    closed: i64,
    backlog: i64,
    overdue: i64,
    median: Option<f64>,
}

impl Week {
    fn median_text(&self) -> String {
        self.median.map(chart::number).unwrap_or_default()
    }

    fn short(&self) -> String {
        chart::short(&self.monday)
    }
}

/// The commune's or one group's weeks, and their charts.
struct Block {
    /// The anchor and chart ids' prefix.
    id: String,
    name: String,
    weeks: Vec<Week>,
    charts: Vec<Chart>,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    chrome: AdminChrome,
    d: &'static DashboardTexts,
    by: &'static str,
    open: i64,
    overdue: i64,
    closed_this_week: i64,
    median: String,
    commune: Block,
    groups: Vec<Block>,
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    staff.require(&[Role::Supervisor, Role::Admin])?;
    guichet_guest::routing::only_get(staff.ctx.request())?;
    match rest {
        [] => page(staff).await,
        ["export.csv"] => export(staff).await,
        _ => Err(ApiError::NotFound),
    }
}

fn by_of(staff: &Staff<'_, '_>) -> &'static str {
    match Query::of(staff.ctx.request()).get("by") {
        Some("service") => "service",
        _ => "department",
    }
}

/// The weeks of the API's `history` answer: the commune's, and each group's by name.
fn weeks_of(history: &Json, by: &str) -> (Vec<Week>, Vec<(String, Vec<Week>)>) {
    let weeks = |list: Option<&Json>| -> Vec<Week> {
        list.and_then(Json::as_array)
            .map(|weeks| {
                weeks
                    .iter()
                    .map(|w| Week {
                        monday: w.get("week").and_then(Json::as_str).unwrap_or_default().to_owned(),
                        filed: w.get("filed").and_then(Json::as_i64).unwrap_or(0),
                        closed: w.get("closed").and_then(Json::as_i64).unwrap_or(0),
                        backlog: w.get("backlog").and_then(Json::as_i64).unwrap_or(0),
                        overdue: w.get("overdue").and_then(Json::as_i64).unwrap_or(0),
                        median: w.get("median_hours_to_close").and_then(Json::as_f64),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let groups = history
        .get("groups")
        .and_then(Json::as_array)
        .map(|groups| {
            groups
                .iter()
                .map(|g| {
                    let name = g.get(by).and_then(Json::as_str).unwrap_or_default().to_owned();
                    (name, weeks(g.get("weeks")))
                })
                .collect()
        })
        .unwrap_or_default();
    (weeks(history.get("total")), groups)
}

async fn history(staff: &Staff<'_, '_>, by: &str) -> Result<Json, ApiError> {
    staff
        .get_json(&format!("/api/requests/figures/history?by={by}&weeks={WEEKS}"))
        .await
}

/// Every published service's name by code (to name the groups `by=service`).
async fn service_names(staff: &Staff<'_, '_>) -> Result<Vec<(String, String)>, ApiError> {
    let listed = catalog::listing(staff.ctx.commune(), None, staff.lang.as_str()).await?;
    Ok(listed
        .into_iter()
        .map(|s| (i18n::pick(staff.lang, &s.name).to_owned(), s.code))
        .map(|(name, code)| (code, name))
        .collect())
}

async fn page(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let d = texts(staff.lang);
    let by = by_of(staff);
    let now = staff.get_json("/api/requests/figures").await?;
    let history = history(staff, by).await?;
    let (total, groups) = weeks_of(&history, by);
    let names = if by == "service" { service_names(staff).await? } else { Vec::new() };
    let number = |key: &str| now.get(key).and_then(Json::as_i64).unwrap_or(0);
    let median = match now.get("median_hours_to_close").and_then(Json::as_f64) {
        None => d.none.to_owned(),
        Some(hours) if hours >= 48.0 => format!("{} {}", chart::number(hours / 24.0), d.days),
        Some(hours) => format!("{} {}", chart::number(hours), d.hours),
    };
    let commune = block(d, "commune", d.commune.to_owned(), total, true);
    let groups = groups
        .into_iter()
        .enumerate()
        .map(|(n, (code, weeks))| {
            let name = match names.iter().find(|(c, _)| *c == code) {
                Some((_, name)) => format!("{name} ({code})"),
                None if code.is_empty() => d.no_department.to_owned(),
                None => code,
            };
            block(d, &format!("g{n}"), name, weeks, false)
        })
        .collect();
    let page = DashboardPage {
        chrome: staff.chrome(d.title, Section::Dashboard),
        d,
        by,
        open: number("open"),
        overdue: number("overdue"),
        closed_this_week: number("closed_this_week"),
        median,
        commune,
        groups,
    };
    staff.answer(200, &page.chrome, &page)
}

/// A block of weeks with its charts: the three of the commune, or a group's backlog and time
/// to close.
fn block(d: &DashboardTexts, id: &str, name: String, weeks: Vec<Week>, whole: bool) -> Block {
    let mondays: Vec<String> = weeks.iter().map(|w| w.monday.clone()).collect();
    let series = |name: &str, value: &dyn Fn(&Week) -> Option<f64>| Series {
        name: name.to_owned(),
        values: weeks.iter().map(value).collect(),
    };
    #[allow(clippy::cast_precision_loss, reason = "counts of requests")]
    let count = |f: fn(&Week) -> i64| move |w: &Week| Some(f(w) as f64);
    let titled = |title: &str| if whole { title.to_owned() } else { format!("{title} — {name}") };
    let mut charts = vec![chart::bars(
        &format!("{id}-backlog"),
        titled(d.backlog_title),
        d.backlog_desc.to_owned(),
        &mondays,
        vec![series(d.backlog, &count(|w| w.backlog)), series(d.overdue, &count(|w| w.overdue))],
    )];
    if whole {
        charts.push(chart::bars(
            &format!("{id}-flow"),
            titled(d.flow_title),
            d.flow_desc.to_owned(),
            &mondays,
            vec![series(d.filed, &count(|w| w.filed)), series(d.closed, &count(|w| w.closed))],
        ));
    }
    charts.push(chart::bars(
        &format!("{id}-close"),
        titled(d.close_title),
        d.close_desc.to_owned(),
        &mondays,
        vec![series(d.time_to_close, &|w: &Week| w.median)],
    ));
    Block { id: id.to_owned(), name, weeks, charts }
}

/// `GET /admin/dashboard/export.csv`.
async fn export(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let by = by_of(staff);
    let history = history(staff, by).await?;
    let (total, groups) = weeks_of(&history, by);
    let mut csv = String::from("scope,group,week,filed,closed,backlog,overdue,median_hours_to_close\r\n");
    let mut lines = |scope: &str, group: &str, weeks: &[Week]| {
        for w in weeks {
            csv.push_str(&format!(
                "{scope},{},{},{},{},{},{},{}\r\n",
                cell(group),
                w.monday,
                w.filed,
                w.closed,
                w.backlog,
                w.overdue,
                w.median_text()
            ));
        }
    };
    lines("commune", "", &total);
    for (name, weeks) in &groups {
        lines(by, name, weeks);
    }
    let mut response = Response::new(200, csv.into_bytes());
    response.set_header("content-type", "text/csv; charset=utf-8");
    response.set_header(
        "content-disposition",
        format!("attachment; filename=\"dashboard-{by}.csv\""),
    );
    response.set_header("cache-control", "no-store");
    page::secure(&mut response);
    Ok(response)
}

/// A CSV cell: quoted when it must be, and never a formula for a spreadsheet (an apostrophe
/// before `= + - @`, as requests' export does).
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_cell_is_never_a_formula_and_is_quoted_when_needed() {
        assert_eq!(cell("roads"), "roads");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"x\", y"), "\"say \"\"x\"\", y\"");
    }
}
