//! `/dashboard`: the offers at a glance for ministry staff. Charts of the
//! offer statistics (by topic, kind, cost, target group; open today vs.
//! not) and a choropleth of NRW's 53 districts coloured by the offers
//! available there, the region hierarchy applied (an NRW-wide offer counts
//! in every district): the same counts as `GET /api/v1/stats/offers` and
//! `GET /api/v1/offers?region=<district key>`. The filters (topic, target
//! group) are a form, so the page redraws without a script.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::words::{cost_label, group_label, kind_label};
use super::{Frame, map};
use crate::dto::Bucket;
use crate::error::{AppError, AppResult};
use crate::service::offers::OfferFilter;
use crate::service::stats;
use crate::state::AppState;
use crate::vocab::{Lang, TargetGroup};

/// ColorBrewer "Blues" (5 classes, colour-blind safe), light to dark; a
/// district without offers is hatched (the page's `#none` pattern), not a
/// paler grey: grey beside the lightest blue was 1.06:1, too close to
/// tell apart.
const CLASSES: [&str; 5] = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
const NONE: &str = "url(#none)";

/// One bar of a chart, in SVG units.
struct Bar {
    label: String,
    count: u64,
    y: u32,
    width: f64,
}

/// A horizontal bar chart.
struct Chart {
    id: &'static str,
    title: String,
    bars: Vec<Bar>,
    height: u32,
}

/// One district on the map and in its table.
struct Area {
    ars: String,
    name: String,
    path: String,
    count: u64,
    fill: &'static str,
}

/// One class of the legend.
struct Class {
    fill: &'static str,
    label: String,
}

/// A choice of a filter.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    frame: Frame,
    total: u64,
    open: u64,
    charts: Vec<Chart>,
    areas: Vec<Area>,
    legend: Vec<Class>,
    map_height: f64,
    attribution: &'static str,
    topics: Vec<Choice>,
    groups: Vec<Choice>,
    query: String,
    /// The same numbers as a GraphQL `stats` query, for `/graphiql?…`.
    graphql: String,
    /// The fewest and the most offers a district has (the legend's span).
    low: u64,
    high: u64,
}

/// `GET /dashboard?topic=…&target_group=…&lang=…`: 400 (a problem) for an
/// unknown topic or target group.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut topic = None;
    let mut group = None;
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        let value = value.trim();
        match &*name {
            "topic" if !value.is_empty() => topic = Some(value.to_owned()),
            "target_group" if !value.is_empty() => {
                group = Some(
                    value
                        .parse::<TargetGroup>()
                        .map_err(|message| AppError::invalid_parameter("target_group", message))?,
                )
            }
            _ => {}
        }
    }
    let lang = super::lang(&req);
    let en = lang == Lang::En;
    let ctx = state.ctx(&req, Some(lang));
    let reference = ctx.reference().await?;
    if let Some(key) = &topic
        && reference.topics.resolve(key).is_none()
    {
        return Err(AppError::invalid_parameter(
            "topic",
            format!("unknown topic `{}`", crate::limits::quote(key)),
        ));
    }
    let filter = OfferFilter {
        topic: topic.iter().cloned().collect(),
        target_group: group.into_iter().collect(),
        ..OfferFilter::default()
    };
    let all = stats::offer_stats(&filter, &ctx).await?;
    let today = crate::graphql::scalars::Date(chrono::Utc::now().date_naive());
    // The map counts what is available today: an ended offer helps no one
    // in a district.
    let open_filter = OfferFilter {
        open_on: Some(today),
        ..filter.clone()
    };
    let open = stats::offer_stats(&open_filter, &ctx).await?.total;
    // The vocabularies' buckets are labelled by their value: named here.
    let named = |buckets: &[Bucket], name: &dyn Fn(&str) -> Option<&'static str>| {
        buckets
            .iter()
            .map(|b| Bucket {
                label: name(&b.key).map_or_else(|| b.label.clone(), str::to_owned),
                ..b.clone()
            })
            .collect::<Vec<_>>()
    };
    let kinds = named(&all.by_kind, &|k| kind_label(k, en));
    let costs = named(&all.by_cost, &|k| k.parse().ok().map(|c| cost_label(c, en)));
    let groups_counted = named(&all.by_target_group, &|k| {
        k.parse().ok().map(|g| group_label(g, en))
    });
    let charts = vec![
        chart(
            "topics",
            if en { "By topic" } else { "Nach Thema" },
            &all.by_topic,
        ),
        chart("kinds", if en { "By kind" } else { "Nach Art" }, &kinds),
        chart("costs", if en { "By cost" } else { "Nach Kosten" }, &costs),
        chart(
            "groups",
            if en {
                "By target group"
            } else {
                "Nach Zielgruppe"
            },
            &groups_counted,
        ),
        chart(
            "status",
            if en { "Open today" } else { "Heute offen" },
            &[
                Bucket {
                    key: "open".into(),
                    label: if en { "open" } else { "offen" }.into(),
                    count: open,
                },
                Bucket {
                    key: "closed".into(),
                    label: if en {
                        "ended or not yet open"
                    } else {
                        "beendet oder noch nicht offen"
                    }
                    .into(),
                    count: all.total.saturating_sub(open),
                },
            ],
        ),
    ];
    // Per district: the list's region filter (hierarchy applied).
    let shapes = map::map().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the map: {e}")))?;
    let mut areas = Vec::with_capacity(shapes.districts.len());
    for district in &shapes.districts {
        let name = reference
            .regions
            .resolve(&district.ars)
            .and_then(|id| reference.regions.get(id))
            .map(|r| match (en, &r.name_en) {
                (true, Some(name)) => name.clone(),
                _ => r.name.clone(),
            })
            .unwrap_or_else(|| district.ars.clone());
        let count = stats::offer_stats(
            &OfferFilter {
                region: vec![district.ars.clone()],
                ..open_filter.clone()
            },
            &ctx,
        )
        .await?
        .total;
        areas.push(Area {
            ars: district.ars.clone(),
            name,
            path: district.path.clone(),
            count,
            fill: NONE,
        });
    }
    let max = areas.iter().map(|a| a.count).max().unwrap_or(0);
    let min = areas
        .iter()
        .map(|a| a.count)
        .filter(|c| *c > 0)
        .min()
        .unwrap_or(0);
    for area in &mut areas {
        area.fill = class_of(area.count, min, max);
    }
    let legend = legend(min, max, en);
    areas.sort_by_cached_key(|a| crate::unicode::fold(&a.name));
    let mut topics: Vec<Choice> = reference
        .topics
        .all()
        .map(|t| Choice {
            chosen: topic.as_deref() == Some(t.slug.as_str()),
            value: t.slug.clone(),
            label: match (en, &t.label_en) {
                (true, Some(label)) => label.clone(),
                _ => t.label_de.clone(),
            },
        })
        .collect();
    topics.sort_by_cached_key(|c| crate::unicode::fold(&c.label));
    let groups = TargetGroup::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str().to_owned(),
            label: group_label(*g, en).to_owned(),
            chosen: group == Some(*g),
        })
        .collect();
    let body = super::render(&Dashboard {
        frame: Frame::new(&req, lang),
        total: all.total,
        open,
        charts,
        areas,
        legend,
        map_height: shapes.height,
        attribution: map::ATTRIBUTION,
        topics,
        groups,
        query: stats_query(&req),
        graphql: stats_graphql(topic.as_deref(), group, en),
        low: min,
        high: max,
    })?;
    Ok(super::html(lang, body))
}

/// The page's filters as a GraphQL `stats` query, the query of a
/// `/graphiql?query=…` link (GraphiQL opens with it). The topic is written
/// as a JSON string, which is a GraphQL string literal too (GraphQL
/// 2021 §2.9.4), so no value can break out of it.
fn stats_graphql(topic: Option<&str>, group: Option<TargetGroup>, en: bool) -> String {
    let mut filter = Vec::new();
    if let Some(topic) = topic {
        filter.push(format!("topic: [{}]", serde_json::Value::from(topic)));
    }
    if let Some(group) = group {
        filter.push(format!("targetGroup: [{}]", group.as_str().to_uppercase()));
    }
    let mut args = Vec::new();
    if !filter.is_empty() {
        args.push(format!("filter: {{ {} }}", filter.join(", ")));
    }
    if en {
        args.push("lang: EN".to_owned());
    }
    let args = match args.is_empty() {
        true => String::new(),
        false => format!("({})", args.join(", ")),
    };
    let buckets = "{ label count }";
    let query = format!(
        "{{ stats {{ offers{args} {{ total byTopic {buckets} byKind {buckets} \
         byCost {buckets} byTargetGroup {buckets} }} }} }}"
    );
    form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &query)
        .finish()
}

/// The page's filters as the query of `GET /api/v1/stats/offers` (the
/// page's own `lang` too; nothing else of the page's query is passed on).
fn stats_query(req: &HttpRequest) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if matches!(&*name, "topic" | "target_group") && !value.trim().is_empty() {
            query.append_pair(&name, value.trim());
        }
    }
    query.finish()
}

/// Bar height and gap, in SVG units; the bars' full width.
const BAR: u32 = 22;
const BAR_WIDTH: f64 = 260.0;

fn chart(id: &'static str, title: &str, buckets: &[Bucket]) -> Chart {
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| Bar {
            label: b.label.clone(),
            count: b.count,
            y: i as u32 * BAR,
            width: BAR_WIDTH * b.count as f64 / max as f64,
        })
        .collect();
    Chart {
        id,
        title: title.to_owned(),
        height: (bars.len() as u32).max(1) * BAR,
        bars,
    }
}

/// Equal intervals over the counts the districts have (`min` to `max`):
/// counts vary little from district to district (NRW-wide offers count
/// everywhere), and intervals from 1 would put them all in one class.
fn class_of(count: u64, min: u64, max: u64) -> &'static str {
    if count == 0 || max == 0 {
        return NONE;
    }
    let (min, span) = (min.max(1), max.saturating_sub(min.max(1)) + 1);
    let i = (count.saturating_sub(min) * CLASSES.len() as u64 / span) as usize;
    CLASSES[i.min(CLASSES.len() - 1)]
}

/// The classes [`class_of`] draws, with the counts each holds.
fn legend(min: u64, max: u64, en: bool) -> Vec<Class> {
    let mut classes = vec![Class {
        fill: NONE,
        label: if en { "none" } else { "keine" }.to_owned(),
    }];
    if max == 0 {
        return classes;
    }
    let (min, span) = (min.max(1), max.saturating_sub(min.max(1)) + 1);
    let n = CLASSES.len() as u64;
    for (i, fill) in CLASSES.iter().enumerate() {
        let i = i as u64;
        let low = min + (i * span).div_ceil(n);
        let high = min + ((i + 1) * span).div_ceil(n) - 1;
        if low > high {
            continue;
        }
        let label = match low == high {
            true => low.to_string(),
            false => format!("{low}–{high}"),
        };
        classes.push(Class { fill, label });
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::{class_of, legend};

    #[test]
    fn every_count_falls_in_the_legend_class_it_is_drawn_with() {
        for min in 1..12u64 {
            for max in min..40u64 {
                let classes = legend(min, max, true);
                for count in min..=max {
                    let fill = class_of(count, min, max);
                    let class = classes
                        .iter()
                        .find(|c| c.fill == fill)
                        .expect("in the legend");
                    let (low, high) = match class.label.split_once('–') {
                        Some((l, h)) => (l.parse::<u64>().unwrap(), h.parse::<u64>().unwrap()),
                        None => {
                            let n = class.label.parse::<u64>().unwrap();
                            (n, n)
                        }
                    };
                    assert!(
                        (low..=high).contains(&count),
                        "{min}..{max}, {count}: {}",
                        class.label
                    );
                }
                // The largest count is in the darkest class drawn.
                let darkest = classes.last().expect("a class").fill;
                assert_eq!(class_of(max, min, max), darkest);
                assert_eq!(class_of(0, min, max), super::NONE);
            }
        }
    }
}
