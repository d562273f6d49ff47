//! Open-data publishing: the DCAT-AP.de catalogue ([`catalog`]), linked
//! data per record ([`linked`]), the calendar feed ([`calendar`]) and the
//! bulk downloads ([`downloads`], with the CSV columns of [`table`]) that
//! portals harvest and researchers sync from. The HTTP side is in
//! `rest/publish.rs`.

pub mod calendar;
pub mod catalog;
pub mod downloads;
pub mod linked;
pub mod rdf;
pub mod table;

use catalog::DatasetInfo;

/// [`DATASETS`] from the `publish` entries of `for_each_collection`.
macro_rules! dataset_list {
    ($(
        $name:ident {
            resource: $resource:ty,
            item: $item:ty,
            page: $page:ty,
            filter: [$($filter:ty)?],
            tag: $tag:literal / $about:literal,
            write: $write:ty,
            record: $record:ty,
            kind: $kind:literal,
            rest: { $($rest:tt)* },
            graphql: { $($graphql:tt)* },
            publish: {
                title: $title_de:literal / $title_en:literal,
                description: $description_de:literal / $description_en:literal,
                keywords: [$($keyword:literal),* $(,)?],
                themes: [$($theme:literal),* $(,)?],
            },
        }
    )*) => {
        /// Every collection as a DCAT dataset, in the order of the API.
        pub const DATASETS: &[DatasetInfo] = &[$(DatasetInfo {
            collection: stringify!($name),
            tag: $tag,
            title: ($title_de, $title_en),
            description: ($description_de, $description_en),
            keywords: &[$($keyword),*],
            themes: &[$($theme),*],
        }),*];

        /// The schema names of the collections' public types (for their
        /// CSV columns), in the order of [`DATASETS`].
        pub fn item_types() -> Vec<String> {
            vec![$(<$item as utoipa::ToSchema>::name().into_owned()),*]
        }
    };
}
crate::service::for_each_collection!(dataset_list);
