//! The API's vocabularies (offer kinds, costs, target groups, roles) in
//! words for people, in German and English; and dates as people read them.
use crate::service::matching::Role;
use crate::vocab::{Cost, TargetGroup};

/// The roles of a profile as the match API names them.
pub const ROLES: [(Role, &str); 4] = [
    (Role::WorksCouncil, "works_council"),
    (Role::Sme, "sme"),
    (Role::Employee, "employee"),
    (Role::Founder, "founder"),
];

/// A profile's role in words.
pub fn role_label(role: Role, en: bool) -> &'static str {
    match (role, en) {
        (Role::Sme, false) => "Kleines oder mittleres Unternehmen (KMU)",
        (Role::Sme, true) => "Small or medium-sized enterprise (SME)",
        (Role::WorksCouncil, false) => "Betriebsrat oder Personalvertretung",
        (Role::WorksCouncil, true) => "Works council or staff representation",
        (Role::Employee, false) => "Beschäftigte",
        (Role::Employee, true) => "Employee",
        (Role::Founder, false) => "Gründerin, Gründer oder Start-up",
        (Role::Founder, true) => "Founder or start-up",
    }
}

/// A cost class in words.
pub fn cost_label(cost: crate::vocab::Cost, en: bool) -> &'static str {
    match (cost, en) {
        (Cost::Free, false) => "kostenfrei",
        (Cost::Free, true) => "free of charge",
        (Cost::Subsidised, false) => "gefördert (Eigenanteil)",
        (Cost::Subsidised, true) => "subsidised (a share is paid)",
        (Cost::Paid, false) => "kostenpflichtig",
        (Cost::Paid, true) => "paid",
        (Cost::Unknown, false) => "Kosten nicht angegeben",
        (Cost::Unknown, true) => "cost not stated",
    }
}

/// An offer kind in words (`None`: a kind this page does not know).
pub fn kind_label(kind: &str, en: bool) -> Option<&'static str> {
    Some(match (kind, en) {
        ("consulting", false) => "Beratung",
        ("consulting", true) => "Consulting",
        ("funding", false) => "Förderung",
        ("funding", true) => "Funding",
        ("training", false) => "Qualifizierung",
        ("training", true) => "Training",
        ("network", false) => "Netzwerk",
        ("network", true) => "Network",
        ("event", false) => "Veranstaltung",
        ("event", true) => "Event",
        ("information", false) => "Information",
        ("information", true) => "Information",
        ("tool", false) => "Werkzeug",
        ("tool", true) => "Tool",
        _ => return None,
    })
}

/// A target group in words.
pub fn group_label(group: TargetGroup, en: bool) -> &'static str {
    match (group, en) {
        (TargetGroup::Sme, false) => "KMU",
        (TargetGroup::Sme, true) => "SMEs",
        (TargetGroup::WorksCouncil, false) => "Betriebsräte",
        (TargetGroup::WorksCouncil, true) => "Works councils",
        (TargetGroup::Employees, false) => "Beschäftigte",
        (TargetGroup::Employees, true) => "Employees",
        (TargetGroup::Founders, false) => "Gründende",
        (TargetGroup::Founders, true) => "Founders",
        (TargetGroup::Universities, false) => "Hochschulen und Forschung",
        (TargetGroup::Universities, true) => "Universities and research",
        (TargetGroup::LargeCompanies, false) => "Großunternehmen",
        (TargetGroup::LargeCompanies, true) => "Large companies",
    }
}

/// A day as people read it: `4.12.2026` in German (DIN 5008), `4 Dec 2026`
/// in English.
pub fn day(date: chrono::NaiveDate, en: bool) -> String {
    match en {
        true => date.format("%-d %b %Y").to_string(),
        false => date.format("%-d.%-m.%Y").to_string(),
    }
}
