//! Closed vocabularies (kinds, groups, statuses …) shared by the database,
//! the import format, the filters and the public DTOs.
//!
//! They are stored as their snake_case text in the database rather than as
//! native enums: SQLite has none, and adding a value must not need a
//! migration on PostgreSQL. Validation happens here, at the edges (import,
//! query parameters), so the database only ever holds known values.

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::Enum,
        )]
        // `rename_all` rather than a per-variant `rename = $text`: utoipa cannot
        // read a literal that passed through macro_rules, and would document the
        // Rust variant names. A unit test checks both spellings agree.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as stored and serialised.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The allowed values, comma-separated (for error messages).
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown value `{}`; expected one of: {}",
                        $crate::limits::quote(other),
                        Self::expected()
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What kind of organisation a partner is.
    PartnerKind {
        /// A ministry of the state government (Landesministerium).
        Ministry = "ministry",
        /// A trade union or union federation (DGB, IG Metall, ver.di …).
        Union = "union",
        /// An employers' or business association (unternehmer nrw, METALL NRW …).
        BusinessAssociation = "business_association",
        /// A chamber of industry and commerce (IHK) or of crafts (HWK).
        Chamber = "chamber",
        /// A university or university of applied sciences.
        University = "university",
        /// A research institute outside a university (Fraunhofer and others).
        ResearchInstitute = "research_institute",
        /// A company.
        Company = "company",
        /// A cluster or regional network organisation (it's OWL and others).
        Cluster = "cluster",
        /// Any other organisation.
        Other = "other",
    }
}

vocabulary! {
    /// The four groups that founded the alliance in spring 2016:
    /// Landesregierung, Wirtschaft, Gewerkschaften, Wissenschaft.
    AllianceGroup {
        /// Landesregierung (state government).
        Government = "government",
        /// Wirtschaft (business).
        Business = "business",
        /// Gewerkschaften (unions).
        Unions = "unions",
        /// Wissenschaft (science).
        Science = "science",
    }
}

vocabulary! {
    /// Level of a region.
    RegionKind {
        /// Germany as a whole: offers that serve it serve every region.
        Country = "country",
        /// A federal state (Nordrhein-Westfalen).
        State = "state",
        /// A Regierungsbezirk.
        AdministrativeDistrict = "administrative_district",
        /// A Kreis or kreisfreie Stadt.
        District = "district",
        /// A municipality (Gemeinde).
        Municipality = "municipality",
        /// An economic or cooperation region made of districts (OWL, Südwestfalen …).
        EconomicRegion = "economic_region",
    }
}

vocabulary! {
    /// What kind of undertaking a project is.
    ProjectKind {
        /// An alliance of organisations (Wirtschaft und Arbeit 4.0 itself).
        Alliance = "alliance",
        /// A pilot project with a defined term (Arbeit 2020 and others).
        PilotProject = "pilot_project",
        /// A technology or industry cluster.
        Cluster = "cluster",
        /// A standing network of organisations.
        Network = "network",
        /// A funding or support programme.
        Programme = "programme",
        /// A web portal or platform.
        Portal = "portal",
    }
}

vocabulary! {
    /// Life-cycle status of a project, as far as the sources confirm it.
    ProjectStatus {
        /// Announced, not started.
        Planned = "planned",
        /// Running.
        Active = "active",
        /// Ended.
        Completed = "completed",
        /// The sources do not say whether it still runs.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// A partner's role in a project.
    ParticipantRole {
        /// Started the project.
        Initiator = "initiator",
        /// Leads or coordinates the project.
        Lead = "lead",
        /// A partner in the project.
        Partner = "partner",
        /// A member of the network or alliance.
        Member = "member",
        /// Funds the project.
        Funder = "funder",
    }
}

vocabulary! {
    /// What an offer provides.
    OfferKind {
        /// Advice for a company or a works council.
        Consulting = "consulting",
        /// Money: grants, vouchers, loans.
        Funding = "funding",
        /// Courses, qualification, coaching.
        Training = "training",
        /// A network or community to join.
        Network = "network",
        /// An event or event series.
        Event = "event",
        /// Information material, studies, guides.
        Information = "information",
        /// A tool to use: a self-check, a map, software.
        Tool = "tool",
    }
}

vocabulary! {
    /// Who an offer is for.
    TargetGroup {
        /// Small and medium-sized enterprises (KMU).
        Sme = "sme",
        /// Works councils (Betriebsräte) and other employee representations.
        WorksCouncil = "works_council",
        /// Employees themselves.
        Employees = "employees",
        /// People founding a company.
        Founders = "founders",
        /// Universities and research institutions.
        Universities = "universities",
        /// Large companies (250 employees or more).
        LargeCompanies = "large_companies",
    }
}

vocabulary! {
    /// What an offer costs its user.
    Cost {
        /// Free of charge for its user, as the sources state.
        Free = "free",
        /// A grant or voucher: the user pays a share.
        Subsidised = "subsidised",
        /// Paid by its user.
        Paid = "paid",
        /// Not stated in the sources.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Kind of an organisational contact.
    ContactKind {
        /// Press office.
        Press = "press",
        /// Service for citizens (Bürgerservice).
        Citizen = "citizen",
        /// General enquiries.
        General = "general",
    }
}

vocabulary! {
    /// How someone took part in a meeting.
    MeetingRole {
        /// Hosted the meeting.
        Host = "host",
        /// A guest.
        Guest = "guest",
        /// Spoke at the meeting.
        Speaker = "speaker",
        /// Took part.
        Participant = "participant",
    }
}

vocabulary! {
    /// Language of human-readable text in a response.
    Lang {
        /// German, the data's primary language.
        De = "de",
        /// English, where available; German otherwise.
        En = "en",
    }
}

impl Lang {
    /// Picks `english` when English is asked for and present, else `german`.
    pub fn pick<'a>(self, german: &'a str, english: Option<&'a str>) -> &'a str {
        match (self, english) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ => german,
        }
    }

    /// Like [`Lang::pick`], taking the texts by value: the chosen one is
    /// moved into the answer, not copied.
    pub fn take(self, german: String, english: Option<String>) -> String {
        match (self, english) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ => german,
        }
    }

    /// Like [`Lang::take`] for optional German text.
    pub fn take_opt(self, german: Option<String>, english: Option<String>) -> Option<String> {
        match (self, english) {
            (Lang::En, Some(en)) if !en.is_empty() => Some(en),
            _ => german,
        }
    }

    /// Like [`Lang::pick`] for optional German text.
    pub fn pick_opt(self, german: Option<&str>, english: Option<&str>) -> Option<String> {
        match (self, english) {
            (Lang::En, Some(en)) if !en.is_empty() => Some(en.to_owned()),
            _ => german.map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_values_and_names_the_allowed_ones_otherwise() {
        assert_eq!(
            "works_council".parse::<TargetGroup>(),
            Ok(TargetGroup::WorksCouncil)
        );
        let err = "gratis".parse::<Cost>().unwrap_err();
        assert!(
            err.contains("`gratis`") && err.contains("free, subsidised, paid, unknown"),
            "{err}"
        );
    }

    fn serde_matches_as_str<T: serde::Serialize + Copy>(all: &[T], as_str: fn(T) -> &'static str) {
        for value in all {
            assert_eq!(serde_json::to_value(value).unwrap(), as_str(*value));
        }
    }

    #[test]
    fn serialised_names_are_the_stored_names() {
        serde_matches_as_str(PartnerKind::ALL, PartnerKind::as_str);
        serde_matches_as_str(AllianceGroup::ALL, AllianceGroup::as_str);
        serde_matches_as_str(RegionKind::ALL, RegionKind::as_str);
        serde_matches_as_str(ProjectKind::ALL, ProjectKind::as_str);
        serde_matches_as_str(ProjectStatus::ALL, ProjectStatus::as_str);
        serde_matches_as_str(ParticipantRole::ALL, ParticipantRole::as_str);
        serde_matches_as_str(OfferKind::ALL, OfferKind::as_str);
        serde_matches_as_str(TargetGroup::ALL, TargetGroup::as_str);
        serde_matches_as_str(Cost::ALL, Cost::as_str);
        serde_matches_as_str(ContactKind::ALL, ContactKind::as_str);
        serde_matches_as_str(MeetingRole::ALL, MeetingRole::as_str);
        serde_matches_as_str(Lang::ALL, Lang::as_str);
    }

    #[test]
    fn english_falls_back_to_german() {
        assert_eq!(Lang::En.pick("Förderung", Some("Funding")), "Funding");
        assert_eq!(Lang::En.pick("Förderung", None), "Förderung");
        assert_eq!(Lang::De.pick("Förderung", Some("Funding")), "Förderung");
    }
}
