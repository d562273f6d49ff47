//! Regions: lists, items, and the hierarchy behind every `region` filter.
use std::collections::{HashMap, HashSet};

use entity::{region, region_member};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::Ctx;
use super::page::{PageRequest, SortField, SortValue, sort_fields};
use super::refs::{region_ref, stored};
use super::resource::{Resource, describe};
use crate::dto::Region;
use crate::error::{AppError, AppResult, FieldError};
use crate::vocab::RegionKind;

/// The whole region tree, loaded at once (NRW has well under a thousand
/// regions, so one scan is cheaper than recursive SQL and works the same on
/// SQLite and PostgreSQL).
#[derive(Debug, Default)]
pub struct RegionGraph {
    regions: HashMap<Uuid, region::Model>,
    children: HashMap<Uuid, Vec<Uuid>>,
    members: HashMap<Uuid, Vec<Uuid>>,
    member_of: HashMap<Uuid, Vec<Uuid>>,
}

impl RegionGraph {
    /// Loads every region and membership (two queries).
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let regions = region::Entity::find().all(db).await?;
        let memberships = region_member::Entity::find().all(db).await?;
        let mut graph = RegionGraph::default();
        for region in regions {
            if let Some(parent) = region.parent_id {
                graph.children.entry(parent).or_default().push(region.id);
            }
            graph.regions.insert(region.id, region);
        }
        for m in memberships {
            graph
                .members
                .entry(m.region_id)
                .or_default()
                .push(m.member_id);
            graph
                .member_of
                .entry(m.member_id)
                .or_default()
                .push(m.region_id);
        }
        Ok(graph)
    }

    /// The region with `id`, if there is one.
    pub fn get(&self, id: Uuid) -> Option<&region::Model> {
        self.regions.get(&id)
    }

    /// Every region, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &region::Model> {
        self.regions.values()
    }

    /// Finds a region by id, slug, official key (ARS) or NUTS code (any
    /// case), in this order of precedence: a slug that equals another
    /// region's ARS names the slug's region, on every start (the map's
    /// iteration order is random, so a single `find` over all four was not).
    /// `key` is normalised by [`crate::unicode::key`] (`０５７１１` is `05711`).
    pub fn resolve(&self, key: &str) -> Option<Uuid> {
        let key = crate::unicode::key(key);
        let key = key.as_ref();
        if let Ok(id) = Uuid::parse_str(key)
            && self.regions.contains_key(&id)
        {
            return Some(id);
        }
        let find = |matches: &dyn Fn(&region::Model) -> bool| {
            self.regions.values().find(|r| matches(r)).map(|r| r.id)
        };
        find(&|r| r.slug == key)
            .or_else(|| find(&|r| r.ars.as_deref() == Some(key)))
            .or_else(|| {
                find(&|r| {
                    r.nuts
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(key))
                })
            })
    }

    /// Like [`RegionGraph::resolve`], and then by the name a person types:
    /// German or English name in any case, umlauts also as `ae`/`oe`/`ue`
    /// and `ß` as `ss` (`koeln` is Köln), a district also without its
    /// `Kreis` (`Lippe` is Kreis Lippe), and `Name (key)` as the finder's
    /// list shows it. An exact name wins over a shortened one (`Köln` is the
    /// city, not the Regierungsbezirk Köln); a shortened name that fits two
    /// regions names none. For the match profile and the finder; the
    /// collections' `region` filters and items keep to keys, which are stable.
    pub fn resolve_name(&self, text: &str) -> Option<Uuid> {
        if let Some(id) = self.resolve(text.trim()) {
            return Some(id);
        }
        // "Bielefeld (05711)": the key in brackets decides.
        if let Some((_, key)) = text
            .trim()
            .strip_suffix(')')
            .and_then(|t| t.rsplit_once('('))
            && let Some(id) = self.resolve(key.trim())
        {
            return Some(id);
        }
        let typed = crate::unicode::fold(text);
        if typed.is_empty() {
            return None;
        }
        let unique = |matches: &dyn Fn(&region::Model) -> bool| {
            let mut found = self.regions.values().filter(|r| matches(r));
            match (found.next(), found.next()) {
                (Some(r), None) => Some(r.id),
                _ => None,
            }
        };
        unique(&|r| crate::unicode::fold(&r.name) == typed)
            .or_else(|| {
                unique(&|r| {
                    r.name_en
                        .as_deref()
                        .is_some_and(|n| crate::unicode::fold(n) == typed)
                })
            })
            .or_else(|| {
                let bare = |name: &str| {
                    let name = crate::unicode::fold(name);
                    ["kreis ", "stadt ", "staedteregion "]
                        .iter()
                        .find_map(|p| name.strip_prefix(p).map(str::to_owned))
                        .unwrap_or(name)
                };
                let typed = bare(&typed);
                unique(&|r| bare(&r.name) == typed)
            })
    }

    /// Every region that should match a filter for `id`: the region itself,
    /// everything that contains it (parents up to Germany, and the economic
    /// regions it belongs to, with theirs), and everything inside it.
    ///
    /// So a filter for Bielefeld finds what serves Bielefeld, OWL, the
    /// Regierungsbezirk Detmold, NRW or Germany; a filter for OWL also finds
    /// what serves only one of its districts.
    ///
    /// A region whose members all lie inside `id` counts as inside it too:
    /// OWL is made of exactly the districts of the Regierungsbezirk Detmold, so
    /// asking for Detmold also finds what serves OWL.
    pub fn related(&self, id: Uuid) -> HashSet<Uuid> {
        let mut contents = HashSet::new();
        self.collect_contents(id, &mut contents);
        let wholly_inside: Vec<Uuid> = self
            .members
            .iter()
            .filter(|(region, members)| {
                **region != id
                    && !members.is_empty()
                    && members.iter().all(|m| contents.contains(m))
            })
            .map(|(region, _)| *region)
            .collect();
        contents.extend(wholly_inside);
        let mut related = contents;
        self.collect_containers(id, &mut related);
        related
    }

    /// The region and everything that contains it (parents, economic regions).
    pub fn containers(&self, id: Uuid) -> HashSet<Uuid> {
        let mut out = HashSet::new();
        self.collect_containers(id, &mut out);
        out
    }

    fn collect_containers(&self, id: Uuid, out: &mut HashSet<Uuid>) {
        // `id` may already be in `out` as content; walk up once regardless.
        out.insert(id);
        let parents = self.regions.get(&id).and_then(|r| r.parent_id);
        for container in parents
            .into_iter()
            .chain(self.member_of.get(&id).into_iter().flatten().copied())
        {
            if !out.contains(&container) {
                self.collect_containers(container, out);
            }
        }
    }

    fn collect_contents(&self, id: Uuid, out: &mut HashSet<Uuid>) {
        let inner = self
            .children
            .get(&id)
            .into_iter()
            .flatten()
            .chain(self.members.get(&id).into_iter().flatten());
        for &child in inner {
            // `insert` is false when already seen: stops cycles and repeats.
            if out.insert(child) {
                self.collect_contents(child, out);
            }
        }
    }

    /// Resolves the keys of parameter `field` and expands each through the
    /// hierarchy; unknown keys become field errors.
    pub fn expand(&self, field: &str, keys: &[String]) -> Result<Vec<Uuid>, Vec<FieldError>> {
        let mut ids = HashSet::new();
        let mut errors = Vec::new();
        for key in keys {
            match self.resolve(key) {
                Some(id) => ids.extend(self.related(id)),
                None => errors.push(FieldError::new(
                    field,
                    format!("unknown region `{}` (use a slug, id, official key like 05711, or NUTS code)", crate::limits::quote(key)),
                )),
            }
        }
        if errors.is_empty() {
            Ok(ids.into_iter().collect())
        } else {
            Err(errors)
        }
    }
}

/// Filters of `GET /api/v1/regions`. A list holds at most 50 values.
#[derive(Debug, Default, Clone, utoipa::IntoParams, async_graphql::InputObject)]
#[into_params(parameter_in = Query)]
pub struct RegionFilter {
    /// Any of these kinds.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub kind: Vec<RegionKind>,
    /// Direct children of any of these regions (slug, id or key).
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub parent: Vec<String>,
}

impl RegionFilter {
    /// Checks the filter's bounds (the same for REST and GraphQL).
    pub fn validate(&self) -> AppResult<()> {
        crate::limits::check_filter(None, &[("parent", &self.parent)], &[])
    }
}

/// Sort fields of the region list.
pub static SORTS: [SortField<region::Entity>; 3] =
    sort_fields!(region, "name", Name, Text, |m| SortValue::Text(
        m.name.clone()
    ));

/// Regions: Germany, NRW, its Regierungsbezirke and districts, and the
/// economic regions.
pub struct Regions;

impl Resource for Regions {
    describe!(region => Region, filter RegionFilter, "regions" / "region", sort "name");
    fn id_column() -> region::Column {
        region::Column::Id
    }
    fn row_id(row: &region::Model) -> Uuid {
        row.id
    }
    fn item_id(item: &Region) -> Uuid {
        item.id
    }
    /// Id, slug, official key (ARS, e.g. `05711`) or NUTS code (`DEA41`,
    /// any case), resolved in the snapshot's region graph with the same
    /// precedence as every `region` filter ([`RegionGraph::resolve`]).
    async fn key_condition(key: &str, ctx: &Ctx) -> AppResult<Condition> {
        match ctx.reference().await?.regions.resolve(key) {
            Some(id) => Ok(Condition::all().add(region::Column::Id.eq(id))),
            None => Err(AppError::NotFound {
                resource: Self::NAME,
                key: key.to_owned(),
            }),
        }
    }

    async fn filtered<C: ConnectionTrait>(
        _db: &C,
        filter: &RegionFilter,
        ctx: &Ctx,
        _page: Option<&PageRequest>,
    ) -> AppResult<Select<region::Entity>> {
        filter.validate()?;
        let mut select = region::Entity::find();
        if !filter.kind.is_empty() {
            select =
                select.filter(region::Column::Kind.is_in(filter.kind.iter().map(|k| k.as_str())));
        }
        if !filter.parent.is_empty() {
            let reference = ctx.reference().await?;
            let mut parents = Vec::new();
            let mut errors = Vec::new();
            for key in &filter.parent {
                match reference.regions.resolve(key) {
                    Some(id) => parents.push(id),
                    None => errors.push(FieldError::new(
                        "parent",
                        format!("unknown region `{}`", crate::limits::quote(key)),
                    )),
                }
            }
            if !errors.is_empty() {
                return Err(AppError::InvalidParameters(errors));
            }
            select = select.filter(region::Column::ParentId.is_in(parents));
        }
        Ok(select)
    }

    fn held(
        reference: &crate::service::reference::Reference,
    ) -> Option<&HashMap<Uuid, region::Model>> {
        Some(&reference.regions.regions)
    }

    /// From the snapshot's region graph: no query.
    async fn hydrate<C: ConnectionTrait>(
        _db: &C,
        rows: Vec<region::Model>,
        ctx: &Ctx,
    ) -> AppResult<Vec<Region>> {
        let reference = ctx.reference().await?;
        Ok(rows
            .iter()
            .map(|m| to_dto(m, &reference.regions, ctx))
            .collect())
    }
}

/// The direct children of each region, ordered by name.
pub async fn children_of<C: ConnectionTrait>(
    _db: &C,
    ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Region>>> {
    let reference = ctx.reference().await?;
    let graph = &reference.regions;
    let mut grouped = HashMap::new();
    for id in ids {
        let mut children: Vec<Region> = graph
            .children
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|child| graph.regions.get(child))
            .map(|m| to_dto(m, graph, ctx))
            .collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        grouped.insert(*id, children);
    }
    Ok(grouped)
}

fn to_dto(model: &region::Model, graph: &RegionGraph, ctx: &Ctx) -> Region {
    let refs = |ids: Option<&Vec<Uuid>>| {
        let mut refs: Vec<_> = ids
            .into_iter()
            .flatten()
            .filter_map(|id| graph.regions.get(id))
            .map(|r| region_ref(r, ctx))
            .collect();
        refs.sort_by(|a, b| a.name.cmp(&b.name));
        refs
    };
    Region {
        lang: ctx.lang,
        id: model.id,
        slug: model.slug.clone(),
        uri: ctx.uri("regions", model.id),
        name: ctx
            .lang
            .pick(&model.name, model.name_en.as_deref())
            .to_owned(),
        kind: stored(&model.kind, RegionKind::EconomicRegion),
        ars: model.ars.clone(),
        nuts: model.nuts.clone(),
        parent: model
            .parent_id
            .and_then(|id| graph.regions.get(&id))
            .map(|r| region_ref(r, ctx)),
        members: refs(graph.members.get(&model.id)),
        member_of: refs(graph.member_of.get(&model.id)),
        source: model.source.clone(),
        verified: model.verified,
        note: model.note.clone(),
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn region(slug: &str, parent: Option<Uuid>) -> region::Model {
        region::Model {
            id: crate::slug::stable_id("regions", slug),
            slug: slug.into(),
            name: slug.into(),
            name_en: None,
            kind: "district".into(),
            ars: None,
            nuts: None,
            parent_id: parent,
            source: "test".into(),
            verified: true,
            note: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_district_relates_to_its_containers_and_an_economic_region_to_its_members() {
        let de = region("de", None);
        let nrw = region("nrw", Some(de.id));
        let detmold = region("detmold", Some(nrw.id));
        let bielefeld = region("bielefeld", Some(detmold.id));
        let owl = region("owl", Some(nrw.id));
        let koeln = region("koeln", Some(nrw.id));
        let mut graph = RegionGraph::default();
        for r in [&de, &nrw, &detmold, &bielefeld, &owl, &koeln] {
            if let Some(p) = r.parent_id {
                graph.children.entry(p).or_default().push(r.id);
            }
            graph.regions.insert(r.id, r.clone());
        }
        graph.members.insert(owl.id, vec![bielefeld.id]);
        graph.member_of.insert(bielefeld.id, vec![owl.id]);

        let for_bielefeld = graph.related(bielefeld.id);
        for r in [&de, &nrw, &detmold, &bielefeld, &owl] {
            assert!(for_bielefeld.contains(&r.id), "{}", r.slug);
        }
        assert!(!for_bielefeld.contains(&koeln.id));

        let for_owl = graph.related(owl.id);
        assert!(for_owl.contains(&bielefeld.id) && for_owl.contains(&nrw.id));
        assert!(!for_owl.contains(&detmold.id) && !for_owl.contains(&koeln.id));
    }

    #[test]
    fn names_resolve_as_people_type_them() {
        let named = |slug: &str, name: &str, ars: Option<&str>| region::Model {
            name: name.into(),
            ars: ars.map(Into::into),
            ..region(slug, None)
        };
        let mut graph = RegionGraph::default();
        for r in [
            named("bielefeld", "Bielefeld", Some("05711")),
            named("koeln", "Köln", Some("05315")),
            named(
                "regierungsbezirk-koeln",
                "Regierungsbezirk Köln",
                Some("053"),
            ),
            named("kreis-lippe", "Kreis Lippe", Some("05766")),
            named("staedteregion-aachen", "Städteregion Aachen", Some("05334")),
            named("minden", "Kreis Minden-Lübbecke", Some("05770")),
            named("a", "Kreis Doppel", None),
            named("b", "Stadt Doppel", None),
        ] {
            graph.regions.insert(r.id, r);
        }
        let slug = |text: &str| {
            graph
                .resolve_name(text)
                .map(|id| graph.regions[&id].slug.clone())
        };
        for (typed, want) in [
            ("Bielefeld", "bielefeld"),
            ("  bielefeld ", "bielefeld"),
            ("Bielefeld (05711)", "bielefeld"),
            ("05711", "bielefeld"),
            ("Köln", "koeln"),
            ("KOELN", "koeln"),
            ("regierungsbezirk koeln", "regierungsbezirk-koeln"),
            ("Kreis Lippe", "kreis-lippe"),
            ("lippe", "kreis-lippe"),
            ("Aachen", "staedteregion-aachen"),
            ("Minden Lübbecke", "minden"),
            ("minden-luebbecke", "minden"),
        ] {
            assert_eq!(slug(typed).as_deref(), Some(want), "{typed}");
        }
        for typed in ["Doppel", "Biele", "", "Bielefeld (99999)x"] {
            assert_eq!(slug(typed), None, "{typed}");
        }
    }
}
