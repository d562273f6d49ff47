//! The collections of the import format, listed once, in the order they are
//! written: a record's references come before it (partners before their
//! offers). A prune deletes in the reverse order.
//!
//! Each module below holds one collection's record type and its
//! [`ImportCollection`](super::collection::ImportCollection) impl;
//! `import_collections!` (below) turns the list into the import file's
//! [`Dataset`] and the steps that visit every collection. Adding a
//! collection is its module plus one line in the list: the compiler checks
//! that the line's key is the collection's `NAME`. Why one file and not one
//! per collection: the eight records and impls are alike in shape, and
//! apart they read as eight copies; together, each is a section.

/// Whether two strings are equal, at compile time.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Expands the list of collections below (`key: module::Collection(Record)`) into
/// `Dataset`, `COLLECTIONS` and the steps that visit every collection.
macro_rules! import_collections {
    ($($key:ident: $module:ident::$collection:ident($record:ident)),+ $(,)?) => {
        $(const _: () = assert!(
            same(stringify!($key), <$module::$collection as $crate::service::import::collection::ImportCollection>::NAME),
            concat!("the key `", stringify!($key), "` is not its collection's NAME"),
        );)+

        /// The collections of the format, in the order they are written.
        pub const COLLECTIONS: &[&str] = &[$(stringify!($key)),+];

        /// A whole import file. Every collection is optional, so a file may
        /// carry just the offers of one provider, referring to partners
        /// already stored.
        ///
        /// Unknown fields are rejected (`deny_unknown_fields`): a typo in a
        /// field name must not silently drop data.
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Dataset {
            /// The collections whose key appears in the document, even with
            /// an empty array: the only ones `lotse import --prune` deletes
            /// from. Filled by [`super::parse`] (not part of the format);
            /// empty for a dataset built in code, which therefore never
            /// prunes.
            #[serde(skip)]
            pub present: std::collections::BTreeSet<&'static str>,
            /// Title, licence and sources of the dataset (kept for humans,
            /// not stored).
            #[serde(default)]
            pub meta: Option<serde_json::Value>,
            $(
                #[allow(missing_docs)]
                #[serde(default)]
                pub $key: Vec<$module::$record>,
            )+
        }

        /// Slug → id of every collection: stored, plus the file's new records.
        pub(super) async fn known<D: sea_orm::ConnectionTrait>(
            db: &D,
            d: &Dataset,
        ) -> Result<$crate::service::import::collection::Known, sea_orm::DbErr> {
            let mut known = $crate::service::import::collection::Known::default();
            $(known.add::<$module::$collection, _>(db, &d.$key).await?;)+
            Ok(known)
        }

        /// Loads the slugs `slugs` was asked for and did not know.
        pub(super) async fn load_slugs<D: sea_orm::ConnectionTrait>(
            db: &D,
            slugs: &mut $crate::service::import::collection::Slugs,
        ) -> Result<(), sea_orm::DbErr> {
            for (name, ids) in slugs.take_missing() {
                $(if name == stringify!($key) {
                    slugs.load::<$module::$collection, _>(db, &ids).await?;
                })+
            }
            Ok(())
        }

        /// The current records `ids` of `collection` in the import format,
        /// by id (absent: deleted since); empty for an unknown collection.
        pub(crate) async fn records_of(
            tx: &sea_orm::DatabaseTransaction,
            collection: &str,
            ids: &[uuid::Uuid],
        ) -> $crate::error::AppResult<std::collections::HashMap<uuid::Uuid, serde_json::Value>> {
            $(if collection == stringify!($key) {
                return $crate::service::import::edit::records_of::<$module::$collection>(tx, ids).await;
            })+
            Ok(std::collections::HashMap::new())
        }

        /// slug → id of the stored records among `wanted` (collection →
        /// slugs): what one record written through the API refers to.
        pub(super) async fn known_named<D: sea_orm::ConnectionTrait>(
            db: &D,
            wanted: &std::collections::HashMap<&'static str, Vec<&str>>,
        ) -> Result<$crate::service::import::collection::Known, sea_orm::DbErr> {
            let mut known = $crate::service::import::collection::Known::default();
            for (name, slugs) in wanted {
                $(if *name == stringify!($key) {
                    known.add_named::<$module::$collection, _>(db, slugs).await?;
                })+
            }
            Ok(known)
        }

        /// The checks that need no database, every collection's problems
        /// reported at once.
        pub(super) fn check_shape(d: &Dataset, p: &mut $crate::service::import::collection::Problems) {
            $($crate::service::import::collection::check_shape::<$module::$collection>(&d.$key, p);)+
        }

        /// Every reference of the file resolves, in the file or stored.
        pub(super) fn check_references(
            d: &Dataset,
            known: &$crate::service::import::collection::Known,
            p: &mut $crate::service::import::collection::Problems,
        ) {
            $($crate::service::import::collection::check_references::<$module::$collection>(&d.$key, known, p);)+
            $($crate::service::import::collection::check_cycles::<$module::$collection>(&d.$key, p);)+
        }

        /// Writes every collection of `d`, in order.
        pub(super) async fn write_all(
            tx: &sea_orm::DatabaseTransaction,
            d: &Dataset,
            k: &$crate::service::import::collection::Known,
            now: chrono::DateTime<chrono::Utc>,
            progress: $crate::service::import::write::Progress<'_>,
        ) -> $crate::error::AppResult<$crate::service::import::ImportReport> {
            let mut report = $crate::service::import::ImportReport::default();
            $($crate::service::import::write::write::<$module::$collection>(tx, &d.$key, k, now, &mut report, progress, Default::default()).await?;)+
            Ok(report)
        }

        /// The stored records a prune of `d` deletes.
        pub(super) fn doomed(
            d: &Dataset,
            k: &$crate::service::import::collection::Known,
        ) -> $crate::service::import::collection::Doomed {
            let mut doomed = $crate::service::import::collection::Doomed::default();
            $(doomed.add::<$module::$collection>(
                d.is_present(stringify!($key)),
                k,
                &d.$key,
            );)+
            doomed
        }

        /// Every kept record still referring to a doomed one.
        pub(super) async fn find_dangling(
            tx: &sea_orm::DatabaseTransaction,
            doomed: &$crate::service::import::collection::Doomed,
            k: &$crate::service::import::collection::Known,
            found: &mut std::collections::BTreeSet<$crate::service::import::prune::Dangling>,
        ) -> Result<(), sea_orm::DbErr> {
            $($crate::service::import::prune::dangling::<$module::$collection>(tx, doomed, k, found).await?;)+
            Ok(())
        }

        /// Deletes the doomed records, in the reverse of the write order.
        pub(super) async fn delete_all(
            tx: &sea_orm::DatabaseTransaction,
            doomed: &$crate::service::import::collection::Doomed,
            now: chrono::DateTime<chrono::Utc>,
            report: &mut $crate::service::import::ImportReport,
        ) -> $crate::error::AppResult<()> {
            for name in COLLECTIONS.iter().rev() {
                $(if *name == stringify!($key) {
                    $crate::service::import::prune::delete::<$module::$collection>(tx, doomed, now, report, Default::default()).await?;
                })+
            }
            Ok(())
        }
    };
}

import_collections! {
    regions: regions::Regions(RegionRecord),
    topics: topics::Topics(TopicRecord),
    partners: partners::Partners(PartnerRecord),
    contacts: contacts::Contacts(ContactRecord),
    people: people::People(PersonRecord),
    projects: projects::Projects(ProjectRecord),
    offers: offers::Offers(OfferRecord),
    meetings: meetings::Meetings(MeetingRecord),
}

/// Reports every list inside a list in `value` (at `path`): a fact is
/// text, a number, a list of facts that are not lists, or an object;
/// nested lists carry no meaning a source states, and the contract's
/// `FactItem` leaves them out.
fn nested_lists(
    value: &serde_json::Value,
    path: &str,
    p: &mut crate::service::import::collection::RecordProblems<'_>,
) {
    match value {
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_array() {
                    p.add(
                        &format!("{path}[{i}]"),
                        "a list in `facts` cannot hold lists",
                    );
                } else {
                    nested_lists(item, &format!("{path}[{i}]"), p);
                }
            }
        }
        serde_json::Value::Object(members) => {
            for (name, member) in members {
                nested_lists(
                    member,
                    &crate::service::import::collection::member_path(path, name),
                    p,
                );
            }
        }
        _ => {}
    }
}

/// The longest title or name a record may have, in characters (the
/// longest in the seed has 120).
pub(crate) const TITLE_CHARS: usize = 300;

impl Dataset {
    /// Whether `collection`'s key appears in the parsed document.
    pub fn is_present(&self, collection: &str) -> bool {
        self.present.contains(collection)
    }
}

/// `regions`: NRW, its administrative districts, districts and cities, and
/// regional networks whose members are other regions.
pub mod regions {
    use std::collections::{BTreeSet, HashMap};

    use chrono::{DateTime, Utc};
    use entity::{region, region_member};
    use sea_orm::{DatabaseTransaction, DbErr};
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use crate::error::AppResult;
    use crate::service::import::collection::{
        Ids, ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys, stored,
    };
    use crate::service::import::prune::delete_in;
    use crate::service::import::write::{link_rows, replace_link_rows, stamped};
    use crate::vocab::RegionKind;

    /// A region of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RegionRecord {
        pub slug: String,
        pub name: String,
        pub name_en: Option<String>,
        pub kind: RegionKind,
        /// Amtlicher Regionalschlüssel (official regional key).
        pub ars: Option<String>,
        pub nuts: Option<String>,
        pub parent: Option<String>,
        /// Slugs of the regions a network region consists of.
        #[serde(default)]
        pub members: Vec<String>,
        pub source: String,
        pub verified: bool,
        pub note: Option<String>,
    }

    /// The `regions` collection; a region's links are its members.
    pub struct Regions;

    stamped!(region::Model);

    impl ImportCollection for Regions {
        const NAME: &'static str = "regions";
        const KIND: &'static str = "region";
        type Links = BTreeSet<Uuid>;
        keys!(region, RegionRecord);
        fn alternate_keys(key: &str) -> Vec<(region::Column, String)> {
            // As `RegionGraph::resolve` reads them: NFKC, NUTS in any case.
            let key = crate::unicode::key(key);
            vec![
                (region::Column::Ars, key.to_string()),
                (region::Column::Nuts, key.to_ascii_uppercase()),
            ]
        }
        fn parent(r: &RegionRecord) -> Option<&str> {
            r.parent.as_deref()
        }
        fn parent_column() -> Option<region::Column> {
            Some(region::Column::ParentId)
        }
        fn unique(r: &RegionRecord) -> Vec<(&'static str, region::Column, String)> {
            let mut unique = Vec::new();
            if let Some(ars) = &r.ars {
                unique.push(("ars", region::Column::Ars, ars.clone()));
            }
            if let Some(nuts) = &r.nuts {
                unique.push(("nuts", region::Column::Nuts, nuts.clone()));
            }
            unique
        }

        fn check_record(r: &RegionRecord, p: &mut RecordProblems<'_>) {
            p.required("name", &r.name);
            // The Amtlicher Regionalschlüssel: 2 (Land) to 12 digits.
            if let Some(ars) = &r.ars
                && (!(2..=12).contains(&ars.len()) || !ars.bytes().all(|b| b.is_ascii_digit()))
            {
                p.add(
                    "ars",
                    "must be an official regional key: 2 to 12 digits, e.g. `05711`",
                );
            }
            // NUTS (Eurostat): two capital letters and up to three
            // capitals or digits, e.g. `DEA41`.
            if let Some(nuts) = &r.nuts
                && !(nuts.len() >= 2
                    && nuts.len() <= 5
                    && nuts.bytes().take(2).all(|b| b.is_ascii_uppercase())
                    && nuts
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
            {
                p.add("nuts", "must be a NUTS code: two capital letters and up to three capitals or digits, e.g. `DEA41`");
            }
            p.distinct("members", &r.members);
            if let Some(i) = r.members.iter().position(|m| *m == r.slug) {
                p.add(
                    &format!("members[{i}]"),
                    "a region cannot be its own member",
                );
            }
        }

        fn references(r: &RegionRecord) -> Vec<Reference<'_>> {
            let mut refs: Vec<Reference<'_>> = r
                .parent
                .iter()
                .map(|p| Reference::to::<Regions>("parent", p))
                .collect();
            refs.extend(
                r.members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| Reference::to::<Regions>(format!("members[{i}]"), m)),
            );
            refs
        }

        fn model(
            r: &RegionRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<region::Model> {
            Ok(region::Model {
                id,
                slug: r.slug.clone(),
                name: r.name.clone(),
                name_en: r.name_en.clone(),
                kind: r.kind.as_str().to_owned(),
                ars: r.ars.clone(),
                nuts: r.nuts.clone(),
                parent_id: k.opt_id::<Regions>(r.parent.as_ref())?,
                source: r.source.clone(),
                verified: r.verified,
                note: r.note.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn links(r: &RegionRecord, _id: Uuid, k: &Known) -> AppResult<BTreeSet<Uuid>> {
            r.members.iter().map(|m| k.id::<Regions>(m)).collect()
        }

        async fn stored_links(
            tx: &DatabaseTransaction,
            ids: &[Uuid],
        ) -> Result<HashMap<Uuid, BTreeSet<Uuid>>, DbErr> {
            let mut members: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
            for m in
                link_rows::<region_member::Entity>(tx, region_member::Column::RegionId, ids).await?
            {
                members.entry(m.region_id).or_default().insert(m.member_id);
            }
            Ok(members)
        }

        async fn replace_links(
            tx: &DatabaseTransaction,
            region_id: Uuid,
            members: BTreeSet<Uuid>,
            had_links: bool,
        ) -> Result<(), DbErr> {
            let rows = members.into_iter().map(|member_id| region_member::Model {
                region_id,
                member_id,
            });
            let owner = (region_member::Column::RegionId, region_id);
            replace_link_rows::<region_member::Entity>(tx, owner, had_links, rows).await
        }

        /// A region's member list is its link; the check made sure that a region
        /// listing a deleted one as member is deleted too.
        async fn delete_links(tx: &DatabaseTransaction, ids: &Ids) -> Result<(), DbErr> {
            delete_in::<region_member::Entity>(tx, region_member::Column::RegionId, ids).await?;
            delete_in::<region_member::Entity>(tx, region_member::Column::MemberId, ids).await
        }

        fn record(
            m: &region::Model,
            members: &BTreeSet<Uuid>,
            s: &Slugs,
        ) -> AppResult<RegionRecord> {
            let mut members: Vec<String> = members.iter().map(|id| s.of::<Regions>(*id)).collect();
            members.sort();
            Ok(RegionRecord {
                slug: m.slug.clone(),
                name: m.name.clone(),
                name_en: m.name_en.clone(),
                kind: stored(&m.kind)?,
                ars: m.ars.clone(),
                nuts: m.nuts.clone(),
                parent: s.opt::<Regions>(m.parent_id),
                members,
                source: m.source.clone(),
                verified: m.verified,
                note: m.note.clone(),
            })
        }

        foreign_keys! {
            region(Id -> ParentId) "parent" => Regions,
            region_member(RegionId -> MemberId) "members" => Regions,
        }
    }
}

/// `topics`: the subject tree offers are filed under (digitalisation,
/// qualification, works councils …).
pub mod topics {
    use chrono::{DateTime, Utc};
    use entity::topic;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use crate::error::AppResult;
    use crate::service::import::collection::{
        ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys,
    };
    use crate::service::import::write::stamped;

    /// A topic of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct TopicRecord {
        pub slug: String,
        pub label_de: String,
        pub label_en: Option<String>,
        pub description_de: Option<String>,
        pub description_en: Option<String>,
        pub parent: Option<String>,
        pub source: String,
    }

    /// The `topics` collection, a tree.
    pub struct Topics;

    stamped!(topic::Model);

    impl ImportCollection for Topics {
        const NAME: &'static str = "topics";
        const KIND: &'static str = "topic";
        type Links = ();
        keys!(topic, TopicRecord);
        fn parent(r: &TopicRecord) -> Option<&str> {
            r.parent.as_deref()
        }
        fn parent_column() -> Option<topic::Column> {
            Some(topic::Column::ParentId)
        }

        fn check_record(r: &TopicRecord, p: &mut RecordProblems<'_>) {
            p.required("label_de", &r.label_de);
        }

        fn references(r: &TopicRecord) -> Vec<Reference<'_>> {
            r.parent
                .iter()
                .map(|p| Reference::to::<Topics>("parent", p))
                .collect()
        }

        fn model(
            r: &TopicRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<topic::Model> {
            Ok(topic::Model {
                id,
                slug: r.slug.clone(),
                label_de: r.label_de.clone(),
                label_en: r.label_en.clone(),
                description_de: r.description_de.clone(),
                description_en: r.description_en.clone(),
                parent_id: k.opt_id::<Topics>(r.parent.as_ref())?,
                source: r.source.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn record(m: &topic::Model, _: &(), s: &Slugs) -> AppResult<TopicRecord> {
            Ok(TopicRecord {
                slug: m.slug.clone(),
                label_de: m.label_de.clone(),
                label_en: m.label_en.clone(),
                description_de: m.description_de.clone(),
                description_en: m.description_en.clone(),
                parent: s.opt::<Topics>(m.parent_id),
                source: m.source.clone(),
            })
        }

        foreign_keys! {
            topic(Id -> ParentId) "parent" => Topics,
        }
    }
}

/// `partners`: the alliance's members and the providers of offers
/// (ministries, unions, chambers, universities …).
pub mod partners {
    use super::TITLE_CHARS;
    use chrono::{DateTime, Utc};
    use entity::partner;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::regions::Regions;
    use crate::error::AppResult;
    use crate::service::import::collection::{
        ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys, stored,
    };
    use crate::service::import::write::stamped;
    use crate::vocab::{AllianceGroup, PartnerKind};

    /// A partner of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct PartnerRecord {
        pub slug: String,
        pub name: String,
        pub name_en: Option<String>,
        pub short_name: Option<String>,
        pub kind: PartnerKind,
        pub alliance_group: Option<AllianceGroup>,
        pub alliance_member: bool,
        #[schema(format = "iri")]
        pub website: Option<String>,
        pub description_de: Option<String>,
        pub description_en: Option<String>,
        pub region: Option<String>,
        pub source: String,
        pub verified: bool,
        pub note: Option<String>,
    }

    /// The `partners` collection.
    pub struct Partners;

    stamped!(partner::Model);

    impl ImportCollection for Partners {
        const NAME: &'static str = "partners";
        const KIND: &'static str = "partner";
        type Links = ();
        keys!(partner, PartnerRecord);

        fn check_record(r: &PartnerRecord, p: &mut RecordProblems<'_>) {
            p.required("name", &r.name);
            p.at_most("name", Some(&r.name), TITLE_CHARS);
            p.web_url("website", r.website.as_deref());
        }

        fn references(r: &PartnerRecord) -> Vec<Reference<'_>> {
            r.region
                .iter()
                .map(|x| Reference::to::<Regions>("region", x))
                .collect()
        }

        fn model(
            r: &PartnerRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<partner::Model> {
            Ok(partner::Model {
                id,
                slug: r.slug.clone(),
                name: r.name.clone(),
                name_en: r.name_en.clone(),
                short_name: r.short_name.clone(),
                kind: r.kind.as_str().to_owned(),
                alliance_group: r.alliance_group.map(|g| g.as_str().to_owned()),
                alliance_member: r.alliance_member,
                website: r.website.clone(),
                description_de: r.description_de.clone(),
                description_en: r.description_en.clone(),
                region_id: k.opt_id::<Regions>(r.region.as_ref())?,
                source: r.source.clone(),
                verified: r.verified,
                note: r.note.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn record(m: &partner::Model, _: &(), s: &Slugs) -> AppResult<PartnerRecord> {
            Ok(PartnerRecord {
                slug: m.slug.clone(),
                name: m.name.clone(),
                name_en: m.name_en.clone(),
                short_name: m.short_name.clone(),
                kind: stored(&m.kind)?,
                alliance_group: m.alliance_group.as_deref().map(stored).transpose()?,
                alliance_member: m.alliance_member,
                website: m.website.clone(),
                description_de: m.description_de.clone(),
                description_en: m.description_en.clone(),
                region: s.opt::<Regions>(m.region_id),
                source: m.source.clone(),
                verified: m.verified,
                note: m.note.clone(),
            })
        }

        foreign_keys! {
            partner(Id -> RegionId) "region" => Regions,
        }
    }
}

/// `contacts`: a partner's public points of contact (hotlines, advice
/// desks, press offices), never a private person's details.
pub mod contacts {
    use chrono::{DateTime, Utc};
    use entity::contact;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::partners::Partners;
    use crate::error::AppResult;
    use crate::service::import::collection::{
        ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys, stored,
    };
    use crate::service::import::write::stamped;
    use crate::vocab::ContactKind;

    /// A contact of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ContactRecord {
        pub slug: String,
        pub partner: String,
        pub kind: ContactKind,
        pub label_de: String,
        pub label_en: Option<String>,
        pub phone: Option<String>,
        pub email: Option<String>,
        #[schema(format = "iri")]
        pub url: Option<String>,
        pub source: String,
    }

    /// The `contacts` collection.
    pub struct Contacts;

    stamped!(contact::Model);

    impl ImportCollection for Contacts {
        const NAME: &'static str = "contacts";
        const SCOPE: &'static str = "partners";
        const KIND: &'static str = "contact";
        type Links = ();
        keys!(contact, ContactRecord);

        fn check_record(r: &ContactRecord, p: &mut RecordProblems<'_>) {
            p.required("label_de", &r.label_de);
            p.email("email", r.email.as_deref());
            p.web_url("url", r.url.as_deref());
        }

        fn references(r: &ContactRecord) -> Vec<Reference<'_>> {
            vec![Reference::to::<Partners>("partner", &r.partner)]
        }

        fn model(
            r: &ContactRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<contact::Model> {
            Ok(contact::Model {
                id,
                slug: r.slug.clone(),
                partner_id: k.id::<Partners>(&r.partner)?,
                kind: r.kind.as_str().to_owned(),
                label_de: r.label_de.clone(),
                label_en: r.label_en.clone(),
                phone: r.phone.clone(),
                email: r.email.clone(),
                url: r.url.clone(),
                source: r.source.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn record(m: &contact::Model, _: &(), s: &Slugs) -> AppResult<ContactRecord> {
            Ok(ContactRecord {
                slug: m.slug.clone(),
                partner: s.of::<Partners>(m.partner_id),
                kind: stored(&m.kind)?,
                label_de: m.label_de.clone(),
                label_en: m.label_en.clone(),
                phone: m.phone.clone(),
                email: m.email.clone(),
                url: m.url.clone(),
                source: m.source.clone(),
            })
        }

        foreign_keys! {
            contact(Id -> PartnerId) "partner" => Partners,
        }
    }
}

/// `people`: public office holders named in the sources (ministers, union
/// and chamber chairs), and nobody else.
pub mod people {
    use chrono::{DateTime, Utc};
    use entity::person;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::partners::Partners;
    use crate::error::AppResult;
    use crate::service::import::collection::{
        ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys,
    };
    use crate::service::import::write::stamped;

    /// A person of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct PersonRecord {
        pub slug: String,
        pub name: String,
        pub role_de: String,
        pub role_en: Option<String>,
        pub partner: Option<String>,
        /// The year the source names them in that role.
        #[serde(default, deserialize_with = "crate::limits::whole_number")]
        pub year: Option<i32>,
        pub source: String,
        pub note: Option<String>,
    }

    /// The `people` collection.
    pub struct People;

    stamped!(person::Model);

    impl ImportCollection for People {
        const NAME: &'static str = "people";
        const SCOPE: &'static str = "partners";
        const KIND: &'static str = "person";
        type Links = ();
        keys!(person, PersonRecord);

        fn check_record(r: &PersonRecord, p: &mut RecordProblems<'_>) {
            p.required("name", &r.name);
            p.required("role_de", &r.role_de);
            if r.year.is_some_and(|y| !(1900..=2100).contains(&y)) {
                p.add("year", "must be a year between 1900 and 2100");
            }
        }

        fn references(r: &PersonRecord) -> Vec<Reference<'_>> {
            r.partner
                .iter()
                .map(|x| Reference::to::<Partners>("partner", x))
                .collect()
        }

        fn model(
            r: &PersonRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<person::Model> {
            Ok(person::Model {
                id,
                slug: r.slug.clone(),
                name: r.name.clone(),
                role_de: r.role_de.clone(),
                role_en: r.role_en.clone(),
                partner_id: k.opt_id::<Partners>(r.partner.as_ref())?,
                year: r.year,
                source: r.source.clone(),
                note: r.note.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn record(m: &person::Model, _: &(), s: &Slugs) -> AppResult<PersonRecord> {
            Ok(PersonRecord {
                slug: m.slug.clone(),
                name: m.name.clone(),
                role_de: m.role_de.clone(),
                role_en: m.role_en.clone(),
                partner: s.opt::<Partners>(m.partner_id),
                year: m.year,
                source: m.source.clone(),
                note: m.note.clone(),
            })
        }

        foreign_keys! {
            person(Id -> PartnerId) "partner" => Partners,
        }
    }
}

/// `projects`: pilot projects and regional networks (Arbeit 2020, it's OWL
/// …) with their participating partners.
pub mod projects {
    use super::TITLE_CHARS;
    use std::collections::{BTreeSet, HashMap, HashSet};

    use chrono::{DateTime, NaiveDate, Utc};
    use entity::{project, project_participant};
    use sea_orm::{DatabaseTransaction, DbErr};
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::partners::Partners;
    use super::regions::Regions;
    use crate::error::AppResult;
    use crate::service::import::collection::{
        Ids, ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys, stored,
    };
    use crate::service::import::prune::delete_in;
    use crate::service::import::write::{link_rows, replace_link_rows, stamped};
    use crate::vocab::{ParticipantRole, ProjectKind, ProjectStatus};

    /// A project of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ProjectRecord {
        pub slug: String,
        pub name: String,
        pub name_en: Option<String>,
        pub kind: ProjectKind,
        pub status: ProjectStatus,
        #[serde(default, deserialize_with = "crate::limits::optional_full_date")]
        pub start_date: Option<NaiveDate>,
        #[serde(default, deserialize_with = "crate::limits::optional_full_date")]
        pub end_date: Option<NaiveDate>,
        #[serde(default, deserialize_with = "crate::limits::whole_number")]
        pub start_year: Option<i32>,
        pub summary_de: String,
        pub summary_en: Option<String>,
        pub description_de: Option<String>,
        pub description_en: Option<String>,
        #[schema(format = "iri")]
        pub website: Option<String>,
        pub region: Option<String>,
        #[serde(default, deserialize_with = "crate::limits::whole_number")]
        pub member_count: Option<i32>,
        #[serde(default)]
        #[schema(value_type = Object)]
        pub facts: serde_json::Map<String, serde_json::Value>,
        #[serde(default)]
        pub participants: Vec<ParticipantRecord>,
        pub source: String,
        pub verified: bool,
        pub note: Option<String>,
    }

    /// A partner taking part in a project, in a role.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ParticipantRecord {
        pub partner: String,
        pub role: ParticipantRole,
    }

    /// The `projects` collection; a project's links are its participants
    /// (partner id, role).
    pub struct Projects;

    stamped!(project::Model);

    impl ImportCollection for Projects {
        const NAME: &'static str = "projects";
        const KIND: &'static str = "project";
        type Links = BTreeSet<(Uuid, String)>;
        keys!(project, ProjectRecord);

        fn check_record(r: &ProjectRecord, p: &mut RecordProblems<'_>) {
            p.required("name", &r.name);
            p.at_most("name", Some(&r.name), TITLE_CHARS);
            p.web_url("website", r.website.as_deref());
            p.required("summary_de", &r.summary_de);
            if let (Some(start), Some(end)) = (r.start_date, r.end_date)
                && end < start
            {
                p.add("end_date", format!("{end} is before start_date {start}"));
            }
            if r.member_count.is_some_and(|n| n < 0) {
                p.add("member_count", "must not be negative");
            }
            if r.start_year.is_some_and(|y| !(1900..=2100).contains(&y)) {
                p.add("start_year", "must be a year between 1900 and 2100");
            }
            for (name, value) in &r.facts {
                super::nested_lists(value, &format!("facts.{name}"), p);
            }
            let mut seen = HashSet::new();
            for (j, part) in r.participants.iter().enumerate() {
                if !seen.insert(&part.partner) {
                    p.add(
                        &format!("participants[{j}].partner"),
                        format!("partner `{}` is listed twice", part.partner),
                    );
                }
            }
        }

        fn references(r: &ProjectRecord) -> Vec<Reference<'_>> {
            let mut refs: Vec<Reference<'_>> = r
                .region
                .iter()
                .map(|x| Reference::to::<Regions>("region", x))
                .collect();
            refs.extend(r.participants.iter().enumerate().map(|(j, part)| {
                Reference::to::<Partners>(format!("participants[{j}].partner"), &part.partner)
            }));
            refs
        }

        fn model(
            r: &ProjectRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<project::Model> {
            Ok(project::Model {
                id,
                slug: r.slug.clone(),
                name: r.name.clone(),
                name_en: r.name_en.clone(),
                kind: r.kind.as_str().to_owned(),
                status: r.status.as_str().to_owned(),
                start_date: r.start_date,
                end_date: r.end_date,
                start_year: r.start_year,
                summary_de: r.summary_de.clone(),
                summary_en: r.summary_en.clone(),
                description_de: r.description_de.clone(),
                description_en: r.description_en.clone(),
                website: r.website.clone(),
                region_id: k.opt_id::<Regions>(r.region.as_ref())?,
                member_count: r.member_count,
                facts: serde_json::Value::Object(r.facts.clone()),
                source: r.source.clone(),
                verified: r.verified,
                note: r.note.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn links(r: &ProjectRecord, _id: Uuid, k: &Known) -> AppResult<Self::Links> {
            r.participants
                .iter()
                .map(|p| Ok((k.id::<Partners>(&p.partner)?, p.role.as_str().to_owned())))
                .collect()
        }

        async fn stored_links(
            tx: &DatabaseTransaction,
            ids: &[Uuid],
        ) -> Result<HashMap<Uuid, Self::Links>, DbErr> {
            let owner = project_participant::Column::ProjectId;
            let mut parts: HashMap<Uuid, Self::Links> = HashMap::new();
            for p in link_rows::<project_participant::Entity>(tx, owner, ids).await? {
                parts
                    .entry(p.project_id)
                    .or_default()
                    .insert((p.partner_id, p.role));
            }
            Ok(parts)
        }

        async fn replace_links(
            tx: &DatabaseTransaction,
            project_id: Uuid,
            parts: Self::Links,
            had_links: bool,
        ) -> Result<(), DbErr> {
            let rows = parts
                .into_iter()
                .map(|(partner_id, role)| project_participant::Model {
                    project_id,
                    partner_id,
                    role,
                });
            let owner = (project_participant::Column::ProjectId, project_id);
            replace_link_rows::<project_participant::Entity>(tx, owner, had_links, rows).await
        }

        async fn delete_links(tx: &DatabaseTransaction, ids: &Ids) -> Result<(), DbErr> {
            delete_in::<project_participant::Entity>(
                tx,
                project_participant::Column::ProjectId,
                ids,
            )
            .await
        }

        fn record(m: &project::Model, parts: &Self::Links, s: &Slugs) -> AppResult<ProjectRecord> {
            let mut participants = parts
                .iter()
                .map(|(id, role)| {
                    Ok(ParticipantRecord {
                        partner: s.of::<Partners>(*id),
                        role: stored(role)?,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            participants.sort_by(|a, b| a.partner.cmp(&b.partner));
            Ok(ProjectRecord {
                slug: m.slug.clone(),
                name: m.name.clone(),
                name_en: m.name_en.clone(),
                kind: stored(&m.kind)?,
                status: stored(&m.status)?,
                start_date: m.start_date,
                end_date: m.end_date,
                start_year: m.start_year,
                summary_de: m.summary_de.clone(),
                summary_en: m.summary_en.clone(),
                description_de: m.description_de.clone(),
                description_en: m.description_en.clone(),
                website: m.website.clone(),
                region: s.opt::<Regions>(m.region_id),
                member_count: m.member_count,
                facts: m.facts.as_object().cloned().unwrap_or_default(),
                participants,
                source: m.source.clone(),
                verified: m.verified,
                note: m.note.clone(),
            })
        }

        foreign_keys! {
            project(Id -> RegionId) "region" => Regions,
            project_participant(ProjectId -> PartnerId) "participants" => Partners,
        }
    }
}

/// `offers`: the transfer and support offers SMEs and works councils are
/// guided to, with their target groups, topics and the regions they serve.
pub mod offers {
    use super::TITLE_CHARS;
    use std::collections::{BTreeSet, HashMap};

    use chrono::{DateTime, NaiveDate, Utc};
    use entity::{offer, offer_region, offer_target_group, offer_topic};
    use sea_orm::{DatabaseTransaction, DbErr};
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::partners::Partners;
    use super::projects::Projects;
    use super::regions::Regions;
    use super::topics::Topics;
    use crate::error::AppResult;
    use crate::service::import::collection::{
        Ids, ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys, stored,
    };
    use crate::service::import::prune::delete_in;
    use crate::service::import::write::{link_rows, replace_link_rows, stamped};
    use crate::vocab::{Cost, OfferKind, TargetGroup};

    /// An offer of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct OfferRecord {
        pub slug: String,
        pub title_de: String,
        pub title_en: Option<String>,
        pub summary_de: String,
        pub summary_en: Option<String>,
        pub description_de: Option<String>,
        pub description_en: Option<String>,
        pub provider: String,
        pub provider_note: Option<String>,
        pub project: Option<String>,
        pub kind: OfferKind,
        pub target_groups: Vec<TargetGroup>,
        pub topics: Vec<String>,
        pub regions: Vec<String>,
        pub cost: Cost,
        #[serde(default, deserialize_with = "crate::limits::optional_full_date")]
        pub valid_from: Option<NaiveDate>,
        /// Last day the offer runs; not before `valid_from`.
        #[serde(default, deserialize_with = "crate::limits::optional_full_date")]
        pub valid_until: Option<NaiveDate>,
        /// Last day to apply; not after `valid_until`.
        #[serde(default, deserialize_with = "crate::limits::optional_full_date")]
        pub application_deadline: Option<NaiveDate>,
        #[schema(format = "iri")]
        pub url: Option<String>,
        pub source: String,
        pub verified: bool,
        pub note: Option<String>,
    }

    /// The `offers` collection.
    pub struct Offers;

    /// The links of one offer, compared as a whole.
    #[derive(Debug, Default, Clone, PartialEq, Eq)]
    pub struct OfferLinks {
        groups: BTreeSet<String>,
        topics: BTreeSet<Uuid>,
        regions: BTreeSet<Uuid>,
    }

    stamped!(offer::Model);

    impl ImportCollection for Offers {
        const NAME: &'static str = "offers";
        const KIND: &'static str = "offer";
        type Links = OfferLinks;
        keys!(offer, OfferRecord);

        fn check_record(r: &OfferRecord, p: &mut RecordProblems<'_>) {
            p.required("title_de", &r.title_de);
            p.at_most("title_de", Some(&r.title_de), TITLE_CHARS);
            p.at_most("title_en", r.title_en.as_deref(), TITLE_CHARS);
            p.web_url("url", r.url.as_deref());
            p.required("summary_de", &r.summary_de);
            if let (Some(from), Some(until)) = (r.valid_from, r.valid_until)
                && until < from
            {
                p.add(
                    "valid_until",
                    format!("{until} is before valid_from {from}"),
                );
            }
            // One cannot apply to an offer after it has ended; before it
            // starts is usual.
            if let (Some(deadline), Some(until)) = (r.application_deadline, r.valid_until)
                && deadline > until
            {
                p.add(
                    "application_deadline",
                    format!("{deadline} is after valid_until {until}"),
                );
            }
            if r.target_groups.is_empty() {
                p.add("target_groups", "must name at least one target group");
            }
            p.distinct("target_groups", &r.target_groups);
            p.distinct("topics", &r.topics);
            p.distinct("regions", &r.regions);
            if r.regions.is_empty() {
                p.add("regions", "must name at least one region served");
            }
        }

        fn references(r: &OfferRecord) -> Vec<Reference<'_>> {
            let mut refs = vec![Reference::to::<Partners>("provider", &r.provider)];
            refs.extend(
                r.project
                    .iter()
                    .map(|x| Reference::to::<Projects>("project", x)),
            );
            refs.extend(
                r.topics
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Reference::to::<Topics>(format!("topics[{i}]"), x)),
            );
            refs.extend(
                r.regions
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Reference::to::<Regions>(format!("regions[{i}]"), x)),
            );
            refs
        }

        fn model(
            r: &OfferRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<offer::Model> {
            Ok(offer::Model {
                id,
                slug: r.slug.clone(),
                title_de: r.title_de.clone(),
                title_en: r.title_en.clone(),
                summary_de: r.summary_de.clone(),
                summary_en: r.summary_en.clone(),
                description_de: r.description_de.clone(),
                description_en: r.description_en.clone(),
                provider_id: k.id::<Partners>(&r.provider)?,
                provider_note: r.provider_note.clone(),
                project_id: k.opt_id::<Projects>(r.project.as_ref())?,
                kind: r.kind.as_str().to_owned(),
                cost: r.cost.as_str().to_owned(),
                valid_from: r.valid_from,
                valid_until: r.valid_until,
                application_deadline: r.application_deadline,
                url: r.url.clone(),
                source: r.source.clone(),
                verified: r.verified,
                note: r.note.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn links(r: &OfferRecord, _id: Uuid, k: &Known) -> AppResult<OfferLinks> {
            Ok(OfferLinks {
                groups: r
                    .target_groups
                    .iter()
                    .map(|g| g.as_str().to_owned())
                    .collect(),
                topics: r
                    .topics
                    .iter()
                    .map(|t| k.id::<Topics>(t))
                    .collect::<AppResult<_>>()?,
                regions: r
                    .regions
                    .iter()
                    .map(|x| k.id::<Regions>(x))
                    .collect::<AppResult<_>>()?,
            })
        }

        async fn stored_links(
            tx: &DatabaseTransaction,
            ids: &[Uuid],
        ) -> Result<HashMap<Uuid, OfferLinks>, DbErr> {
            let mut links: HashMap<Uuid, OfferLinks> = HashMap::new();
            let owner = offer_target_group::Column::OfferId;
            for l in link_rows::<offer_target_group::Entity>(tx, owner, ids).await? {
                let groups = &mut links.entry(l.offer_id).or_default().groups;
                groups.insert(l.target_group);
            }
            for l in link_rows::<offer_topic::Entity>(tx, offer_topic::Column::OfferId, ids).await?
            {
                links
                    .entry(l.offer_id)
                    .or_default()
                    .topics
                    .insert(l.topic_id);
            }
            for l in
                link_rows::<offer_region::Entity>(tx, offer_region::Column::OfferId, ids).await?
            {
                links
                    .entry(l.offer_id)
                    .or_default()
                    .regions
                    .insert(l.region_id);
            }
            Ok(links)
        }

        async fn replace_links(
            tx: &DatabaseTransaction,
            offer_id: Uuid,
            links: OfferLinks,
            had_links: bool,
        ) -> Result<(), DbErr> {
            let groups = links
                .groups
                .into_iter()
                .map(|target_group| offer_target_group::Model {
                    offer_id,
                    target_group,
                });
            let owner = (offer_target_group::Column::OfferId, offer_id);
            replace_link_rows::<offer_target_group::Entity>(tx, owner, had_links, groups).await?;
            let topics = (links.topics.into_iter())
                .map(|topic_id| offer_topic::Model { offer_id, topic_id });
            let owner = (offer_topic::Column::OfferId, offer_id);
            replace_link_rows::<offer_topic::Entity>(tx, owner, had_links, topics).await?;
            let regions = (links.regions.into_iter()).map(|region_id| offer_region::Model {
                offer_id,
                region_id,
            });
            let owner = (offer_region::Column::OfferId, offer_id);
            replace_link_rows::<offer_region::Entity>(tx, owner, had_links, regions).await
        }

        async fn delete_links(tx: &DatabaseTransaction, ids: &Ids) -> Result<(), DbErr> {
            delete_in::<offer_target_group::Entity>(tx, offer_target_group::Column::OfferId, ids)
                .await?;
            delete_in::<offer_topic::Entity>(tx, offer_topic::Column::OfferId, ids).await?;
            delete_in::<offer_region::Entity>(tx, offer_region::Column::OfferId, ids).await
        }

        fn record(m: &offer::Model, links: &OfferLinks, s: &Slugs) -> AppResult<OfferRecord> {
            let named = |ids: &BTreeSet<Uuid>, of: &dyn Fn(Uuid) -> String| {
                let mut slugs: Vec<String> = ids.iter().map(|id| of(*id)).collect();
                slugs.sort();
                slugs
            };
            Ok(OfferRecord {
                slug: m.slug.clone(),
                title_de: m.title_de.clone(),
                title_en: m.title_en.clone(),
                summary_de: m.summary_de.clone(),
                summary_en: m.summary_en.clone(),
                description_de: m.description_de.clone(),
                description_en: m.description_en.clone(),
                provider: s.of::<Partners>(m.provider_id),
                provider_note: m.provider_note.clone(),
                project: s.opt::<Projects>(m.project_id),
                kind: stored(&m.kind)?,
                target_groups: links
                    .groups
                    .iter()
                    .map(|g| stored(g))
                    .collect::<AppResult<_>>()?,
                topics: named(&links.topics, &|id| s.of::<Topics>(id)),
                regions: named(&links.regions, &|id| s.of::<Regions>(id)),
                cost: stored(&m.cost)?,
                valid_from: m.valid_from,
                valid_until: m.valid_until,
                application_deadline: m.application_deadline,
                url: m.url.clone(),
                source: m.source.clone(),
                verified: m.verified,
                note: m.note.clone(),
            })
        }

        foreign_keys! {
            offer(Id -> ProviderId) "provider" => Partners,
            offer(Id -> ProjectId) "project" => Projects,
            offer_topic(OfferId -> TopicId) "topics" => Topics,
            offer_region(OfferId -> RegionId) "regions" => Regions,
        }
    }
}

/// `meetings`: the alliance's meetings, with who took part in which role.
pub mod meetings {
    use super::TITLE_CHARS;
    use std::collections::HashMap;

    use chrono::{DateTime, NaiveDate, Utc};
    use entity::{meeting, meeting_participant};
    use sea_orm::{DatabaseTransaction, DbErr};
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::partners::Partners;
    use super::people::People;
    use crate::error::AppResult;
    use crate::service::import::collection::{
        Ids, ImportCollection, Known, RecordProblems, Reference, Slugs, foreign_keys, keys, stored,
    };
    use crate::service::import::prune::delete_in;
    use crate::service::import::write::{link_rows, replace_link_rows, stamped};
    use crate::vocab::MeetingRole;

    /// A meeting of the import format.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct MeetingRecord {
        pub slug: String,
        pub title_de: String,
        pub title_en: Option<String>,
        #[serde(deserialize_with = "crate::limits::full_date")]
        pub date: NaiveDate,
        pub place: String,
        pub host: Option<String>,
        pub summary_de: String,
        pub summary_en: Option<String>,
        #[serde(default)]
        pub outcomes_de: Vec<String>,
        #[serde(default)]
        pub outcomes_en: Vec<String>,
        #[serde(default)]
        pub participants: Vec<MeetingParticipantRecord>,
        pub source: String,
    }

    /// Who took part in a meeting: a partner, a person or both, in a role,
    /// with a label as the source puts it.
    #[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct MeetingParticipantRecord {
        pub partner: Option<String>,
        pub person: Option<String>,
        pub role: MeetingRole,
        pub label_de: String,
        pub label_en: Option<String>,
    }

    /// The `meetings` collection; a meeting's links are its participants, in
    /// the file's order.
    pub struct Meetings;

    stamped!(meeting::Model);

    impl ImportCollection for Meetings {
        const NAME: &'static str = "meetings";
        const KIND: &'static str = "meeting";
        type Links = Vec<meeting_participant::Model>;
        keys!(meeting, MeetingRecord);

        fn check_record(r: &MeetingRecord, p: &mut RecordProblems<'_>) {
            p.required("title_de", &r.title_de);
            p.at_most("title_de", Some(&r.title_de), TITLE_CHARS);
            p.required("summary_de", &r.summary_de);
            for (j, part) in r.participants.iter().enumerate() {
                p.required(&format!("participants[{j}].label_de"), &part.label_de);
            }
        }

        fn references(r: &MeetingRecord) -> Vec<Reference<'_>> {
            let mut refs: Vec<Reference<'_>> = r
                .host
                .iter()
                .map(|x| Reference::to::<Partners>("host", x))
                .collect();
            for (j, part) in r.participants.iter().enumerate() {
                if let Some(partner) = &part.partner {
                    refs.push(Reference::to::<Partners>(
                        format!("participants[{j}].partner"),
                        partner,
                    ));
                }
                if let Some(person) = &part.person {
                    refs.push(Reference::to::<People>(
                        format!("participants[{j}].person"),
                        person,
                    ));
                }
            }
            refs
        }

        fn model(
            r: &MeetingRecord,
            id: Uuid,
            k: &Known,
            now: DateTime<Utc>,
        ) -> AppResult<meeting::Model> {
            Ok(meeting::Model {
                id,
                slug: r.slug.clone(),
                title_de: r.title_de.clone(),
                title_en: r.title_en.clone(),
                date: r.date,
                place: r.place.clone(),
                host_id: k.opt_id::<Partners>(r.host.as_ref())?,
                summary_de: r.summary_de.clone(),
                summary_en: r.summary_en.clone(),
                outcomes_de: serde_json::json!(r.outcomes_de),
                outcomes_en: serde_json::json!(r.outcomes_en),
                source: r.source.clone(),
                created_at: now,
                updated_at: now,
            })
        }

        fn links(r: &MeetingRecord, meeting_id: Uuid, k: &Known) -> AppResult<Self::Links> {
            r.participants
                .iter()
                .enumerate()
                .map(|(position, p)| {
                    Ok(meeting_participant::Model {
                        meeting_id,
                        position: i32::try_from(position).unwrap_or(i32::MAX),
                        partner_id: k.opt_id::<Partners>(p.partner.as_ref())?,
                        person_id: k.opt_id::<People>(p.person.as_ref())?,
                        role: p.role.as_str().to_owned(),
                        label_de: p.label_de.clone(),
                        label_en: p.label_en.clone(),
                    })
                })
                .collect()
        }

        async fn stored_links(
            tx: &DatabaseTransaction,
            ids: &[Uuid],
        ) -> Result<HashMap<Uuid, Self::Links>, DbErr> {
            let owner = meeting_participant::Column::MeetingId;
            let mut parts: HashMap<Uuid, Self::Links> = HashMap::new();
            for p in link_rows::<meeting_participant::Entity>(tx, owner, ids).await? {
                parts.entry(p.meeting_id).or_default().push(p);
            }
            for list in parts.values_mut() {
                list.sort_by_key(|p| p.position);
            }
            Ok(parts)
        }

        async fn replace_links(
            tx: &DatabaseTransaction,
            meeting_id: Uuid,
            parts: Self::Links,
            had_links: bool,
        ) -> Result<(), DbErr> {
            let owner = (meeting_participant::Column::MeetingId, meeting_id);
            replace_link_rows::<meeting_participant::Entity>(tx, owner, had_links, parts).await
        }

        async fn delete_links(tx: &DatabaseTransaction, ids: &Ids) -> Result<(), DbErr> {
            delete_in::<meeting_participant::Entity>(
                tx,
                meeting_participant::Column::MeetingId,
                ids,
            )
            .await
        }

        fn record(m: &meeting::Model, parts: &Self::Links, s: &Slugs) -> AppResult<MeetingRecord> {
            let texts = |v: &serde_json::Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            };
            let participants = parts
                .iter()
                .map(|p| {
                    Ok(MeetingParticipantRecord {
                        partner: s.opt::<Partners>(p.partner_id),
                        person: s.opt::<People>(p.person_id),
                        role: stored(&p.role)?,
                        label_de: p.label_de.clone(),
                        label_en: p.label_en.clone(),
                    })
                })
                .collect::<AppResult<_>>()?;
            Ok(MeetingRecord {
                slug: m.slug.clone(),
                title_de: m.title_de.clone(),
                title_en: m.title_en.clone(),
                date: m.date,
                place: m.place.clone(),
                host: s.opt::<Partners>(m.host_id),
                summary_de: m.summary_de.clone(),
                summary_en: m.summary_en.clone(),
                outcomes_de: texts(&m.outcomes_de),
                outcomes_en: texts(&m.outcomes_en),
                participants,
                source: m.source.clone(),
            })
        }

        foreign_keys! {
            meeting(Id -> HostId) "host" => Partners,
            meeting_participant(MeetingId -> PartnerId) "participants" => Partners,
            meeting_participant(MeetingId -> PersonId) "participants" => People,
        }
    }
}
