//! `orderBy` of a list field: an enum per collection (`OfferOrder {
//! TITLE_ASC, TITLE_DESC, CREATED_AT_ASC, … }`), made from the collection's
//! sort fields ([`Resource::SORTS`]), so that a schema-aware client or
//! validator knows the allowed orders and an unknown one is refused during
//! validation, before anything runs.
//!
//! Written once for every collection, by hand, instead of a
//! `#[derive(Enum)]` per collection: the values would repeat each
//! collection's `SORTS`, and the two lists could drift apart.
use std::borrow::Cow;
use std::marker::PhantomData;

use async_graphql::registry::{Deprecation, MetaEnumValue, MetaType, MetaTypeId, Registry};
use async_graphql::{InputType, InputValueError, InputValueResult, Name, OutputType, Value};

use crate::service::resource::Resource;

/// One order of the list of `R`: a sort field and its direction, held as
/// the REST `sort` spec it stands for (`title`, `-updated_at`).
pub struct Order<R> {
    spec: String,
    resource: PhantomData<fn() -> R>,
}

impl<R> Order<R> {
    /// The REST `sort` spec of this order, e.g. `-updated_at`.
    pub fn into_spec(self) -> String {
        self.spec
    }
}

/// The enum value of a sort field and direction: `TITLE_ASC`, `UPDATED_AT_DESC`.
fn value_name(field: &str, descending: bool) -> String {
    let direction = if descending { "DESC" } else { "ASC" };
    format!("{}_{direction}", field.to_ascii_uppercase())
}

impl<R: Resource> Order<R> {
    /// Every order of `R`, as (enum value, REST spec).
    fn values() -> impl Iterator<Item = (String, String)> {
        R::SORTS.iter().flat_map(|field| {
            [
                (value_name(field.name, false), field.name.to_owned()),
                (value_name(field.name, true), format!("-{}", field.name)),
            ]
        })
    }
}

impl<R> InputType for Order<R>
where
    R: Resource,
    R::Item: OutputType,
{
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Order", <R::Item as OutputType>::type_name()))
    }

    fn create_type_info(registry: &mut Registry) -> String {
        registry.create_input_type::<Self, _>(MetaTypeId::Enum, |_| MetaType::Enum {
            name: Self::type_name().into_owned(),
            description: Some(format!(
                "An order of the `{}` list: a sort field of the REST list's `sort`, ascending (`_ASC`) or descending (`_DESC`); ties are broken by id. Default: `{}`.",
                R::COLLECTION,
                R::DEFAULT_SORT
                    .strip_prefix('-')
                    .map_or_else(|| value_name(R::DEFAULT_SORT, false), |f| value_name(f, true)),
            )),
            enum_values: Self::values()
                .map(|(name, spec)| {
                    let value = MetaEnumValue {
                        name: name.clone(),
                        description: Some(format!("As REST `sort={spec}`.")),
                        deprecation: Deprecation::NoDeprecated,
                        visible: None,
                        inaccessible: false,
                        tags: Vec::new(),
                        directive_invocations: Vec::new(),
                    };
                    (name, value)
                })
                .collect(),
            visible: None,
            inaccessible: false,
            tags: Vec::new(),
            rust_typename: Some(std::any::type_name::<Self>()),
            directive_invocations: Vec::new(),
            requires_scopes: Vec::new(),
        })
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        // A literal is an enum value; a variable's value arrives as a string.
        let name = match &value {
            Some(Value::Enum(name)) => name.as_str(),
            Some(Value::String(name)) => name.as_str(),
            _ => return Err(InputValueError::expected_type(value.unwrap_or_default())),
        };
        Self::values()
            .find(|(value_name, _)| value_name == name)
            .map(|(_, spec)| Order {
                spec,
                resource: PhantomData,
            })
            .ok_or_else(|| InputValueError::custom(format!("unknown order `{name}`")))
    }

    fn to_value(&self) -> Value {
        let (descending, field) = match self.spec.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, self.spec.as_str()),
        };
        Value::Enum(Name::new(value_name(field, descending)))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
}
