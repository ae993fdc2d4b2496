//! The module catalog: the building blocks (*Module*) a Hilfesetting is composed of.
//!
//! The catalog is data (`domain/data/catalog.toml`, compiled in as the built-in default) so an admin can
//! extend it without code; a server may hold an extended copy and send it as JSON ([`Catalog::from_json`]).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::UserMessage;
use crate::money::Cents;

/// Schema version of [`Catalog`] (TOML file and JSON).
pub const CATALOG_SCHEMA_VERSION: u16 = 1;

/// The built-in catalog file (`data/catalog.toml`), as JSON made from it by `build.rs`.
pub const BUILTIN_CATALOG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.json"));

/// Stable key of a module: 1..=64 of `a-z`, `0-9`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModuleId(String);

impl ModuleId {
    pub fn parse(s: &str) -> Result<Self, CatalogError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(CatalogError::InvalidId(s.to_owned()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for ModuleId {
    type Error = CatalogError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<ModuleId> for String {
    fn from(id: ModuleId) -> String {
        id.0
    }
}
impl std::fmt::Display for ModuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a module is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    Ambulant,
    Teilstationaer,
    Stationaer,
    /// An offer of another system (Schule, Ausbildung, Gesundheitshilfe, Sozialhilfe, Arbeitsförderung).
    AnderesSystem,
    /// A Sozialraum offer (open or group offer).
    Sozialraum,
}

impl Setting {
    pub const ALL: [Setting; 5] = [
        Setting::Ambulant,
        Setting::Teilstationaer,
        Setting::Stationaer,
        Setting::AnderesSystem,
        Setting::Sozialraum,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            Setting::Ambulant => "ambulant",
            Setting::Teilstationaer => "teilstationär",
            Setting::Stationaer => "stationär",
            Setting::AnderesSystem => "anderes System",
            Setting::Sozialraum => "Sozialraum",
        }
    }
    /// Teilstationär or stationär: the settings that trigger a parental contribution (§§ 91 ff.).
    pub fn is_residential(self) -> bool {
        matches!(self, Setting::Teilstationaer | Setting::Stationaer)
    }
}

/// What kind of building block a module is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleKind {
    /// A youth-welfare help delivered by Fachkräfte.
    Hilfe,
    /// Clearing (seed 002): time-limited, at most 12 weeks.
    Clearing,
    /// An offer of another system, paid by that system.
    AnderesSystem,
    /// A Sozialraum offer.
    Sozialraum,
}

impl ModuleKind {
    /// Whether youth-welfare staff rules (Fachkräftegebot) apply to instances of this kind.
    pub fn is_youth_welfare_service(self) -> bool {
        matches!(self, ModuleKind::Hilfe | ModuleKind::Clearing)
    }
}

/// Financing forms of seed 000 ("Fachleistungsstundensatz, Tages-, Wochen- oder Monatsentgelt,
/// Leistungspauschale oder Budget"), plus `KeineFallkosten` for grants (§ 74) and other systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingForm {
    Fachleistungsstunde,
    Tagesentgelt,
    Wochenentgelt,
    Monatsentgelt,
    Leistungspauschale,
    Budget,
    KeineFallkosten,
}

impl BillingForm {
    pub fn label_de(self) -> &'static str {
        match self {
            BillingForm::Fachleistungsstunde => "Fachleistungsstunde",
            BillingForm::Tagesentgelt => "Tagesentgelt",
            BillingForm::Wochenentgelt => "Wochenentgelt",
            BillingForm::Monatsentgelt => "Monatsentgelt",
            BillingForm::Leistungspauschale => "Leistungspauschale",
            BillingForm::Budget => "Budget",
            BillingForm::KeineFallkosten => "keine fallbezogenen Kosten",
        }
    }
    /// Whether an instance billed this way needs a rate (Budget carries its amount in the intensity).
    pub fn needs_rate(self) -> bool {
        !matches!(self, BillingForm::Budget | BillingForm::KeineFallkosten)
    }
}

/// A suggested rate of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRate {
    pub billing: BillingForm,
    /// Tells several rates of one billing form apart (age band, case group).
    #[serde(default)]
    pub label: Option<String>,
    pub amount_cents: Cents,
    #[serde(with = "crate::date::serde_iso")]
    pub valid_from: Date,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleDef {
    pub id: ModuleId,
    pub name_de: String,
    /// Legal basis as written, e.g. "§ 31 SGB VIII".
    pub legal_basis: String,
    pub kind: ModuleKind,
    /// Allowed settings; the first is the default.
    pub settings: Vec<Setting>,
    pub billing_forms: Vec<BillingForm>,
    pub requires_78b: bool,
    pub parental_contribution: bool,
    #[serde(default, rename = "default_rate")]
    pub default_rates: Vec<DefaultRate>,
}

impl ModuleDef {
    pub fn default_setting(&self) -> Setting {
        self.settings.first().copied().unwrap_or(Setting::Ambulant)
    }
    /// Default rates of this billing form valid on `on`: for each label, the one with the latest
    /// `valid_from` not after `on`.
    pub fn rates_on(&self, billing: BillingForm, on: Date) -> Vec<&DefaultRate> {
        let mut out: Vec<&DefaultRate> = Vec::new();
        for r in self.default_rates.iter().filter(|r| r.billing == billing && r.valid_from <= on) {
            match out.iter_mut().find(|o| o.label == r.label) {
                Some(o) if o.valid_from < r.valid_from => *o = r,
                Some(_) => {}
                None => out.push(r),
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub schema: u16,
    #[serde(rename = "module")]
    pub modules: Vec<ModuleDef>,
}

impl Catalog {
    /// The catalog shipped with the app.
    pub fn builtin() -> Result<Self, CatalogError> {
        let value =
            serde_json::from_str(BUILTIN_CATALOG_JSON).map_err(|e| CatalogError::Malformed(e.to_string()))?;
        Self::from_json(value)
    }

    /// Parses and validates a catalog file.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        #[derive(Deserialize)]
        struct Head {
            #[serde(default)]
            schema: u16,
        }
        let head: Head = toml::from_str(text).map_err(|e| CatalogError::Malformed(e.to_string()))?;
        if head.schema != CATALOG_SCHEMA_VERSION {
            return Err(CatalogError::UnknownSchema(head.schema));
        }
        let c: Catalog = toml::from_str(text).map_err(|e| CatalogError::Malformed(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// Reads a transmitted catalog of any known schema version.
    pub fn from_json(value: serde_json::Value) -> Result<Self, CatalogError> {
        let c: Catalog = crate::schema::read_versioned(value, CATALOG_SCHEMA_VERSION, &[])
            .map_err(|e| CatalogError::Malformed(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    pub fn get(&self, id: &ModuleId) -> Option<&ModuleDef> {
        self.modules.iter().find(|m| &m.id == id)
    }

    pub fn get_str(&self, id: &str) -> Option<&ModuleDef> {
        self.modules.iter().find(|m| m.id.as_str() == id)
    }

    /// Checks what serde cannot: unique ids, non-empty lists, rates that fit the module.
    pub fn validate(&self) -> Result<(), CatalogError> {
        if self.schema != CATALOG_SCHEMA_VERSION {
            return Err(CatalogError::UnknownSchema(self.schema));
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in &self.modules {
            let bad =
                |what: &str| CatalogError::InvalidModule { id: m.id.to_string(), reason: what.to_owned() };
            if !seen.insert(&m.id) {
                return Err(CatalogError::DuplicateId(m.id.to_string()));
            }
            if m.name_de.trim().is_empty() || m.legal_basis.trim().is_empty() {
                return Err(bad("name_de and legal_basis must not be empty"));
            }
            if m.settings.is_empty() || m.billing_forms.is_empty() {
                return Err(bad("settings and billing_forms must not be empty"));
            }
            if m.parental_contribution && !m.settings.iter().any(|s| s.is_residential()) {
                return Err(bad("parental_contribution needs a teilstationaer or stationaer setting"));
            }
            for r in &m.default_rates {
                if !m.billing_forms.contains(&r.billing) || !r.billing.needs_rate() {
                    return Err(bad("default_rate uses a billing form the module does not allow"));
                }
                if r.amount_cents <= 0 || r.amount_cents > crate::setting::MAX_RATE_CENTS {
                    return Err(bad("default_rate amount_cents out of range"));
                }
                if r.source.trim().is_empty() {
                    return Err(bad("default_rate needs a source"));
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("invalid module id {0:?}")]
    InvalidId(String),
    #[error("duplicate module id {0:?}")]
    DuplicateId(String),
    #[error("invalid module {id:?}: {reason}")]
    InvalidModule { id: String, reason: String },
    #[error("unknown catalog schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed catalog: {0}")]
    Malformed(String),
}

impl UserMessage for CatalogError {
    fn message_de(&self) -> String {
        match self {
            CatalogError::InvalidId(id) => format!(
                "„{id}“ ist keine gültige Modul-Kennung (nur Kleinbuchstaben, Ziffern, _ und -, höchstens 64 Zeichen)."
            ),
            CatalogError::DuplicateId(id) => format!("Die Modul-Kennung „{id}“ kommt im Katalog mehrfach vor."),
            CatalogError::InvalidModule { id, reason } => {
                format!("Der Katalogeintrag „{id}“ ist unvollständig oder widersprüchlich ({reason}).")
            }
            CatalogError::UnknownSchema(v) => {
                format!("Der Modulkatalog stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            CatalogError::Malformed(e) => format!("Der Modulkatalog konnte nicht gelesen werden: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn builtin_catalog_has_every_module_of_the_domain_table_and_other_systems() {
        let c = Catalog::builtin().unwrap();
        for (id, para) in [
            ("foerderung_familie", "§ 16"),
            ("begleiteter_umgang", "§ 18 Abs. 3"),
            ("mutter_vater_kind", "§ 19"),
            ("flexible_hilfe", "§ 27 Abs. 2, 3"),
            ("clearing", "§ 27 Abs. 2"),
            ("erziehungsberatung", "§ 28"),
            ("soziale_gruppenarbeit", "§ 29"),
            ("erziehungsbeistand", "§ 30"),
            ("spfh", "§ 31"),
            ("tagesgruppe", "§ 32"),
            ("vollzeitpflege", "§§ 33, 39"),
            ("heimerziehung", "§ 34"),
            ("ise", "§ 35"),
            ("eingliederungshilfe", "§ 35a"),
            ("junge_volljaehrige", "§§ 41, 41a"),
            ("inobhutnahme", "§ 42"),
        ] {
            let m = c.get_str(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(m.legal_basis.starts_with(para), "{id}: {}", m.legal_basis);
            assert!(m.kind.is_youth_welfare_service());
        }
        for id in ["schule", "ausbildung", "gesundheitshilfe", "sozialhilfe", "arbeitsfoerderung"] {
            let m = c.get_str(id).unwrap();
            assert_eq!(m.kind, ModuleKind::AnderesSystem);
            assert_eq!(m.billing_forms, [BillingForm::KeineFallkosten]);
        }
        assert!(c.modules.iter().any(|m| m.kind == ModuleKind::Sozialraum));
        // Ambulant-only modules never carry a parental contribution; residential ones do.
        for m in &c.modules {
            if m.settings.iter().all(|s| !s.is_residential()) {
                assert!(!m.parental_contribution, "{}", m.id);
            }
        }
        assert!(c.get_str("heimerziehung").unwrap().parental_contribution);
        assert!(c.get_str("flexible_hilfe").unwrap().requires_78b);
    }

    #[test]
    fn rates_on_picks_the_latest_valid_rate_per_label() {
        let c = Catalog::builtin().unwrap();
        let pflege = c.get_str("vollzeitpflege").unwrap();
        assert!(pflege.rates_on(BillingForm::Monatsentgelt, date!(2024 - 12 - 31)).is_empty());
        let r = pflege.rates_on(BillingForm::Monatsentgelt, date!(2025 - 06 - 01));
        assert_eq!(r.iter().map(|r| r.amount_cents).collect::<Vec<_>>(), [117_800, 131_400, 148_000]);

        let mut m = c.get_str("spfh").unwrap().clone();
        let mut newer = m.default_rates[0].clone();
        newer.amount_cents = 7_500;
        newer.valid_from = date!(2026 - 01 - 01);
        m.default_rates.push(newer);
        assert_eq!(
            m.rates_on(BillingForm::Fachleistungsstunde, date!(2025 - 12 - 31))[0].amount_cents,
            6_980
        );
        assert_eq!(
            m.rates_on(BillingForm::Fachleistungsstunde, date!(2026 - 01 - 01))[0].amount_cents,
            7_500
        );
    }

    #[test]
    #[cfg(feature = "toml")]
    fn invalid_catalogs_are_typed_errors() {
        assert!(matches!(Catalog::from_toml("schema = 1\nmodule = 5"), Err(CatalogError::Malformed(_))));
        assert_eq!(
            Catalog::from_toml("schema = 2\n[[module]]\nid = 'x'"),
            Err(CatalogError::UnknownSchema(2))
        );
        assert_eq!(Catalog::from_toml("[[module]]\nid = 'x'"), Err(CatalogError::UnknownSchema(0)));
        let base = |extra: &str| {
            format!(
                "schema = 1\n[[module]]\nid = \"a\"\nname_de = \"A\"\nlegal_basis = \"§ 1\"\nkind = \"hilfe\"\n\
                 settings = [\"ambulant\"]\nbilling_forms = [\"fachleistungsstunde\"]\nrequires_78b = false\n\
                 parental_contribution = false\n{extra}"
            )
        };
        assert!(Catalog::from_toml(&base("")).is_ok());
        let dup = base("") + "[[module]]\nid = \"a\"\nname_de = \"B\"\nlegal_basis = \"§ 2\"\nkind = \"hilfe\"\nsettings = [\"ambulant\"]\nbilling_forms = [\"budget\"]\nrequires_78b = false\nparental_contribution = false\n";
        assert_eq!(Catalog::from_toml(&dup), Err(CatalogError::DuplicateId("a".into())));
        let rate = "[[module.default_rate]]\nbilling = \"tagesentgelt\"\namount_cents = 100\nvalid_from = \"2025-01-01\"\nsource = \"x\"\n";
        assert!(matches!(Catalog::from_toml(&base(rate)), Err(CatalogError::InvalidModule { .. })));
        let neg = "[[module.default_rate]]\nbilling = \"fachleistungsstunde\"\namount_cents = -1\nvalid_from = \"2025-01-01\"\nsource = \"x\"\n";
        assert!(matches!(Catalog::from_toml(&base(neg)), Err(CatalogError::InvalidModule { .. })));
        let bad_date = "[[module.default_rate]]\nbilling = \"fachleistungsstunde\"\namount_cents = 1\nvalid_from = \"2025-02-30\"\nsource = \"x\"\n";
        assert!(matches!(Catalog::from_toml(&base(bad_date)), Err(CatalogError::Malformed(_))));
        assert!(matches!(
            Catalog::from_toml(&base("").replace("id = \"a\"", "id = \"A B\"")),
            Err(CatalogError::Malformed(_))
        ));
        assert!(ModuleId::parse("").is_err());
        assert!(ModuleId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn catalog_round_trips_through_json() {
        let c = Catalog::builtin().unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["module"][0]["default_rate"][0]["valid_from"], "2024-01-01");
        assert_eq!(Catalog::from_json(v).unwrap(), c);
        assert!(Catalog::from_json(serde_json::json!({"schema": 9, "module": []})).is_err());
    }
}
