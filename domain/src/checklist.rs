//! The structure-quality checklist (*Strukturqualität*) of the service type *Integrierte flexible Hilfen*,
//! taken verbatim from seed 000, and the per-case answers to it.
//!
//! The texts are compiled in as constants: they are the published standard, not admin data, and a test
//! (`tests/checklist_verbatim.rs`) proves that every item of seed 000 is present character for character.
//! Footnote markers (¹⁵, ¹⁶, ¹⁷) stay inside the texts as in the source; [`Footnote`]s carry their text and
//! each item lists the footnotes it refers to.
//!
//! Item ids (`"personal.2"`) are stable keys of stored answers: never renumber them.
//!
//! A Fachkraft may not know an answer during a visit, so every item may stay *offen / unbekannt*
//! (the default), be *erfüllt* or *nicht zutreffend*, and carries a free note.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::CaseId;
use crate::error::UserMessage;

/// A footnote of seed 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Footnote {
    pub number: u8,
    pub text: &'static str,
}

/// One requirement of a Strukturqualität section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// Stable key, `"<section>.<n>"`.
    pub id: &'static str,
    /// Verbatim text of seed 000, including footnote markers.
    pub text: &'static str,
    /// Numbers of the footnotes this item refers to, see [`footnote`].
    pub footnotes: &'static [u8],
}

/// The seven sections of the Strukturqualität.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionId {
    Rahmenbedingungen,
    ArbeitsansaetzeMethoden,
    Personal,
    RaeumlichSaechlich,
    Radius,
    Kooperationen,
    Finanzierung,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChecklistSection {
    pub id: SectionId,
    /// Short title for navigation, e.g. "Kooperationen/Schnittstellen".
    pub title: &'static str,
    /// Heading exactly as in seed 000, e.g. "Kooperationen/ Schnittstellen, z. B. mit:".
    pub heading: &'static str,
    pub items: &'static [ChecklistItem],
}

/// One of the six outcome goals (*leistungsartenspezifische Wirkungsziele*) of seed 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Wirkungsziel {
    /// Stable key, `"wirkungsziel.<n>"`.
    pub id: &'static str,
    /// Verbatim, continuing [`WIRKUNGSZIELE_INTRO`] ("Adressatinnen und Adressaten ...").
    pub text: &'static str,
}

/// Number and name of the service type in seed 000.
pub const SERVICE_TYPE_NUMBER: &str = "4.4.1";
pub const SERVICE_TYPE_NAME: &str = "Integrierte flexible Hilfen";

/// "Leistungsgrundlage/Art der Leistung": the legal basis line.
pub const LEISTUNGSGRUNDLAGE: &str =
    "§ 27 Abs. 3 SGB VIII i. V. m. § 36 SGB VIII und ggf. §§ 37 bis 40 SGB VIII";

/// "Leistungsgrundlage/Art der Leistung": the description; refers to footnote 15 ("anderer Systeme¹⁵").
pub const ART_DER_LEISTUNG: &str = "Integrierte flexible Hilfen sind Leistungen, die passgenau und auf den jeweiligen Hilfebedarf des Einzelfalls zugeschnitten, aus ambulanten, teil- und/oder vollstationären, sozialpädagogischen und/oder therapeutischen und/oder Angeboten unterschiedlicher Leistungsarten aus anderen Leistungsfeldern und anderer Systeme¹⁵ zusammengesetzt werden können, um den erzieherischen Bedarf zu decken.";

/// Footnotes referred to by [`ART_DER_LEISTUNG`].
pub const ART_DER_LEISTUNG_FOOTNOTES: &[u8] = &[15];

pub const ZIELGRUPPE: &str = "Kinder, Jugendliche und Familien, deren spezifischer erzieherischer Bedarf nur in flexibler Form gedeckt werden kann";

/// The subject that every Wirkungsziel continues.
pub const WIRKUNGSZIELE_INTRO: &str = "Adressatinnen und Adressaten ...";

/// The six Wirkungsziele, verbatim.
pub const WIRKUNGSZIELE: &[Wirkungsziel] = &[
    Wirkungsziel {
        id: "wirkungsziel.1",
        text: "... nehmen ihre Erziehungsverantwortung zum Wohle der Kinder/Jugendlichen wahr. Das Kindeswohl ist gesichert.",
    },
    Wirkungsziel {
        id: "wirkungsziel.2",
        text: "... sind in der Lage, Probleme und Krisen zu erkennen und konstruktiv zu bewältigen.",
    },
    Wirkungsziel {
        id: "wirkungsziel.3",
        text: "... sind in ihrer Einheit als Familie gestärkt und einer Trennung von Eltern und Kindern ist vorgebeugt.",
    },
    Wirkungsziel {
        id: "wirkungsziel.4",
        text: "... sind in der Lage, ihre eigenen Ressourcen zu erkennen und zu nutzen.",
    },
    Wirkungsziel {
        id: "wirkungsziel.5",
        text: "... sind in der Lage, ihre Beziehungen neu und förderlich zu gestalten.",
    },
    Wirkungsziel { id: "wirkungsziel.6", text: "... sind langfristig unabhängig von erzieherischen Hilfen." },
];

/// Footnotes 15–17 of seed 000, verbatim.
pub const FOOTNOTES: &[Footnote] = &[
    Footnote {
        number: 15,
        text: "Andere Systeme sind z. B. Schule, Ausbildung, Sozialhilfesystem, Gesundheitshilfe, Arbeitsförderung usw.",
    },
    Footnote {
        number: 16,
        text: "je nach Aufgabenfeld und Erfordernis des Einzelfalls einsetzbar, ggf. Zusatzqualifizierung erforderlich",
    },
    Footnote {
        number: 17,
        text: "Diplompädagoge/-pädagogin, Erziehungswissenschaftler/-in jeweils mit Schwerpunkt Sozialpädagogik, Kindheitspädagogin/-pädagogin in einem multiprofessionellen Team nach Erfordernis des Einzelfalls; Psychologe/Psychologin ist keine Fachkraft im Sinne der Kinder- und Jugendhilfe, kann aber im Einzelfall übergreifend einbezogen werden",
    },
];

/// The footnote with this number, if seed 000 has it.
pub fn footnote(number: u8) -> Option<&'static Footnote> {
    FOOTNOTES.iter().find(|f| f.number == number)
}

/// The section with this id.
pub fn section(id: SectionId) -> &'static ChecklistSection {
    // SECTIONS has exactly one entry per SectionId (tested); the fallback is unreachable in practice.
    SECTIONS.iter().find(|s| s.id == id).unwrap_or(&SECTIONS[0])
}

/// The item with this id, if any.
pub fn item(id: &str) -> Option<(&'static ChecklistSection, &'static ChecklistItem)> {
    SECTIONS.iter().find_map(|s| s.items.iter().find(|i| i.id == id).map(|i| (s, i)))
}

/// All items of all sections, in order.
pub fn all_items() -> impl Iterator<Item = (&'static ChecklistSection, &'static ChecklistItem)> {
    SECTIONS.iter().flat_map(|s| s.items.iter().map(move |i| (s, i)))
}

const RAHMENBEDINGUNGEN_ITEMS: &[ChecklistItem] = &[
    ChecklistItem { id: "rahmenbedingungen.1", text: "Leistungserbringung erfolgt im für den konkreten Einzelfall beschriebenen und zwischen öffentlichem und freiem Träger vereinbarten Hilfesetting durch eine oder mehrere Fachkräfte", footnotes: &[] },
    ChecklistItem { id: "rahmenbedingungen.2", text: "prinzipielle Voraussetzung: auf den Einzelfall bezogene Vereinbarung der Leistung, Qualität und der Kosten", footnotes: &[] },
    ChecklistItem { id: "rahmenbedingungen.3", text: "Träger/Leistungserbringer soll verschiedene, im Einzelfall kombinierbare Leistungsarten verhandelt haben (ambulante, teil- und/oder vollstationäre Leistungen)", footnotes: &[] },
    ChecklistItem { id: "rahmenbedingungen.4", text: "Kenntnisse und möglichst Einbezug von Angeboten des Sozialraums und anderer Leistungsarten und Systeme in die Leistungserbringung", footnotes: &[] },
    ChecklistItem { id: "rahmenbedingungen.5", text: "flexible Leistungserbringung in der Familie und deren Sozialraum oder in Einrichtungen oder in Form oder Kombination verschiedener Angebote und Maßnahmen", footnotes: &[] },
];

const ARBEITSANSAETZE_ITEMS: &[ChecklistItem] = &[
    ChecklistItem { id: "arbeitsansaetze.1", text: "Arbeitsansätze und Methoden je nach Spezifik des Einzelfalls", footnotes: &[] },
    ChecklistItem { id: "arbeitsansaetze.2", text: "Freiwilligkeit, Vertraulichkeit und Flexibilität, Zielorientierung, Partizipation, Ressourcenorientierung, Vernetzung, Kooperation", footnotes: &[] },
    ChecklistItem { id: "arbeitsansaetze.3", text: "Komm- und/oder Geh-Struktur, aufsuchende Arbeit, Ansätze der jeweiligen ambulanten, teil- oder vollstationären Angebote und Leistungen (z. B. systemisch, familienorientiert, sozialraumorientiert, gemeinwesenorientiert, aktivierend, individualpädagogisch, gruppenpädagogisch, erlebnispädagogisch, Methoden der Verhaltens-, Gesprächs-, Spiel-, Bewegungstherapie, Genogramm- und Biografiearbeit)", footnotes: &[] },
    ChecklistItem { id: "arbeitsansaetze.4", text: "Einbezug der gesamten Familie, Elternarbeit, individuelle Arbeit mit Kindern, Jugendlichen, einzelnen Familienmitgliedern, Einzel- und Gruppenaktivitäten", footnotes: &[] },
    ChecklistItem { id: "arbeitsansaetze.5", text: "Beratung, Hilfe und Unterstützung, Anleitung, Vermittlung und Begleitung, Case-Management", footnotes: &[] },
    ChecklistItem { id: "arbeitsansaetze.6", text: "Einsatz geeigneter Erhebungsinstrumente zur Wirksamkeitsevaluation", footnotes: &[] },
];

const PERSONAL_ITEMS: &[ChecklistItem] = &[
    ChecklistItem {
        id: "personal.1",
        text: "Diplom/Bachelor/Master Sozialpädagogik/Soziale Arbeit mit staatlicher Anerkennung",
        footnotes: &[],
    },
    ChecklistItem {
        id: "personal.2", text: "Erzieher/-in¹⁶ mit staatlicher Anerkennung", footnotes: &[16]
    },
    ChecklistItem {
        id: "personal.3",
        text: "Konzept- und Leistungsabhängig können weitere Qualifikationen¹⁷ anerkannt werden.",
        footnotes: &[17],
    },
];

const RAEUMLICH_ITEMS: &[ChecklistItem] = &[
    ChecklistItem { id: "raeumlich.1", text: "die räumlich-sächlichen Anforderungen richten sich nach der Art der im Einzelfall zu erbringenden Leistungen", footnotes: &[] },
    ChecklistItem { id: "raeumlich.2", text: "vorhandene Ressourcen sind zu nutzen", footnotes: &[] },
];

const RADIUS_ITEMS: &[ChecklistItem] = &[
    ChecklistItem { id: "radius.1", text: "bezogen auf das jeweilige Familiensystem", footnotes: &[] },
    ChecklistItem { id: "radius.2", text: "sozialräumlich", footnotes: &[] },
    ChecklistItem { id: "radius.3", text: "stadträumlich", footnotes: &[] },
];

const KOOPERATIONEN_ITEMS: &[ChecklistItem] = &[
    ChecklistItem { id: "kooperationen.1", text: "Akteurinnen und Akteuren im Gemeinwesen (z. B. Angeboten der freien Kinder- und Jugendhilfe, Kita, Schulen, Ortsamt, ASD, soziokulturellen Einrichtungen, Unternehmen, Initiativen)", footnotes: &[] },
    ChecklistItem { id: "kooperationen.2", text: "fachspezifischen Gremien (z. B. Arbeitsgemeinschaften im Kontext gem. § 78 SGB VIII sowie auf Landes- und Bundesebene)", footnotes: &[] },
    ChecklistItem { id: "kooperationen.3", text: "politischen Interessenvertretungen und Religionsgemeinschaften", footnotes: &[] },
    ChecklistItem { id: "kooperationen.4", text: "Jugendamt (insbesondere ASD, Wirtschaftliche Hilfen, Geschäftsstelle für Verhandlungen, Beratungsstellen, ggf. auch Amtsvormündern, Amtspflegerinnen/-pflegern)", footnotes: &[] },
    ChecklistItem { id: "kooperationen.5", text: "Schulen, Ausbildungsstätten, Schulbehörden, Berufsbildungsangeboten", footnotes: &[] },
    ChecklistItem { id: "kooperationen.6", text: "Ämtern, Angeboten, Einrichtungen und Diensten der Gesundheits- und Sozialhilfe, medizinischen Einrichtungen", footnotes: &[] },
    ChecklistItem { id: "kooperationen.7", text: "anderen Ämtern und Behörden (z. B. Polizei, Gerichte, Agentur für Arbeit, Jobcenter,...)", footnotes: &[] },
];

const FINANZIERUNG_ITEMS: &[ChecklistItem] = &[
    ChecklistItem { id: "finanzierung.1", text: "Grundlage ist eine Einzelvereinbarung gemäß § 78b SGB VIII über die Leistung, die Qualität und das Entgelt", footnotes: &[] },
    ChecklistItem { id: "finanzierung.2", text: "Fachleistungsstundensatz, Tages-, Wochen- oder Monatsentgelt, Leistungspauschale oder Budget", footnotes: &[] },
];

/// The seven Strukturqualität sections, in the order of seed 000.
pub const SECTIONS: &[ChecklistSection] = &[
    ChecklistSection {
        id: SectionId::Rahmenbedingungen,
        title: "Rahmenbedingungen",
        heading: "Rahmenbedingungen:",
        items: RAHMENBEDINGUNGEN_ITEMS,
    },
    ChecklistSection {
        id: SectionId::ArbeitsansaetzeMethoden,
        title: "Arbeitsansätze und Methoden",
        heading: "Arbeitsansätze und Methoden, z. B.:",
        items: ARBEITSANSAETZE_ITEMS,
    },
    ChecklistSection {
        id: SectionId::Personal,
        title: "Personal",
        heading: "Personal:",
        items: PERSONAL_ITEMS,
    },
    ChecklistSection {
        id: SectionId::RaeumlichSaechlich,
        title: "räumlich-sächliche Anforderungen",
        heading: "räumlich-sächliche Anforderungen:",
        items: RAEUMLICH_ITEMS,
    },
    ChecklistSection {
        id: SectionId::Radius,
        title: "Radius der Wirksamkeit",
        heading: "Radius der Wirksamkeit:",
        items: RADIUS_ITEMS,
    },
    ChecklistSection {
        id: SectionId::Kooperationen,
        title: "Kooperationen/Schnittstellen",
        heading: "Kooperationen/ Schnittstellen, z. B. mit:",
        items: KOOPERATIONEN_ITEMS,
    },
    ChecklistSection {
        id: SectionId::Finanzierung,
        title: "Finanzierung",
        heading: "Finanzierung:",
        items: FINANZIERUNG_ITEMS,
    },
];

// ---------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------

/// Schema version of [`ChecklistAnswers`].
pub const CHECKLIST_ANSWERS_SCHEMA_VERSION: u16 = 1;
/// Upper bound of one note.
pub const ANSWER_NOTE_MAX_CHARS: usize = 2_000;

/// The answer to one item. "offen / unbekannt" is the default: never force invented data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    Erfuellt,
    #[default]
    Offen,
    NichtZutreffend,
}

impl AnswerStatus {
    pub fn label_de(self) -> &'static str {
        match self {
            AnswerStatus::Erfuellt => "erfüllt",
            AnswerStatus::Offen => "offen / unbekannt",
            AnswerStatus::NichtZutreffend => "nicht zutreffend",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemAnswer {
    pub status: AnswerStatus,
    #[serde(default)]
    pub note: String,
}

/// The answers of one case to the checklist. Items without an entry are *offen*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistAnswers {
    pub schema: u16,
    pub case_id: CaseId,
    /// Keyed by [`ChecklistItem::id`].
    #[serde(default)]
    pub answers: BTreeMap<String, ItemAnswer>,
}

/// Counts of answers; "decided" means erfüllt or nicht zutreffend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Completeness {
    pub total: u32,
    pub erfuellt: u32,
    pub nicht_zutreffend: u32,
    pub offen: u32,
}

impl Completeness {
    pub fn decided(&self) -> u32 {
        self.erfuellt + self.nicht_zutreffend
    }
    /// Share of decided items in whole percent, rounded down (100 only when all are decided).
    pub fn percent_decided(&self) -> u32 {
        (self.decided() * 100).checked_div(self.total).unwrap_or(100)
    }
    pub fn is_complete(&self) -> bool {
        self.offen == 0
    }
    fn add(&mut self, s: AnswerStatus) {
        self.total += 1;
        match s {
            AnswerStatus::Erfuellt => self.erfuellt += 1,
            AnswerStatus::Offen => self.offen += 1,
            AnswerStatus::NichtZutreffend => self.nicht_zutreffend += 1,
        }
    }
}

impl ChecklistAnswers {
    pub fn new(case_id: CaseId) -> Self {
        Self { schema: CHECKLIST_ANSWERS_SCHEMA_VERSION, case_id, answers: BTreeMap::new() }
    }

    /// Records an answer; unknown items and overlong notes are typed errors.
    pub fn set(&mut self, item_id: &str, answer: ItemAnswer) -> Result<(), ChecklistError> {
        check_answer(item_id, &answer)?;
        self.answers.insert(item_id.to_owned(), answer);
        Ok(())
    }

    pub fn answer(&self, item_id: &str) -> ItemAnswer {
        self.answers.get(item_id).cloned().unwrap_or_default()
    }

    pub fn section_completeness(&self, id: SectionId) -> Completeness {
        let mut c = Completeness::default();
        for i in section(id).items {
            c.add(self.answer(i.id).status);
        }
        c
    }

    pub fn completeness(&self) -> Completeness {
        let mut c = Completeness::default();
        for (_, i) in all_items() {
            c.add(self.answer(i.id).status);
        }
        c
    }

    pub fn validate(&self) -> Result<(), ChecklistError> {
        if self.schema != CHECKLIST_ANSWERS_SCHEMA_VERSION {
            return Err(ChecklistError::UnknownSchema(self.schema));
        }
        self.answers.iter().try_for_each(|(k, a)| check_answer(k, a))
    }

    /// Reads stored or transmitted answers of any known schema version.
    pub fn from_json(value: serde_json::Value) -> Result<Self, ChecklistError> {
        let a: Self = crate::schema::read_versioned(value, CHECKLIST_ANSWERS_SCHEMA_VERSION, &[])
            .map_err(ChecklistError::Schema)?;
        a.validate()?;
        Ok(a)
    }
}

/// The sync record of a case's checklist has this id: `<case id>~checkliste`. One record per case with
/// a fixed id, so two devices that start the checklist of one case offline write the same record.
pub fn record_id(case_id: &CaseId) -> String {
    format!("{case_id}~checkliste")
}

/// Top-level field of an item's answer in the sync record. One field per item, so answers to
/// different items by different devices merge; the same item answered differently is a conflict.
pub fn answer_field(item_id: &str) -> String {
    format!("{ANSWER_FIELD_PREFIX}{item_id}")
}

/// Prefix of the per-item answer fields of the sync record.
pub const ANSWER_FIELD_PREFIX: &str = "i.";

impl ChecklistAnswers {
    /// The sync record: `schema`, `id`, `case_id` and one `i.<item>` field per answered item.
    pub fn to_record(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("schema".into(), self.schema.into());
        m.insert("id".into(), record_id(&self.case_id).into());
        m.insert("case_id".into(), self.case_id.as_str().into());
        for (item, answer) in &self.answers {
            m.insert(answer_field(item), serde_json::to_value(answer).unwrap_or_default());
        }
        m
    }

    /// Reads a sync record (see [`ChecklistAnswers::to_record`]); checks its id against its case.
    pub fn from_record(value: serde_json::Value) -> Result<Self, ChecklistError> {
        let serde_json::Value::Object(m) = value else {
            return Err(ChecklistError::Schema(crate::schema::SchemaError::Malformed(
                "not an object".into(),
            )));
        };
        let schema = crate::schema::version_of(&serde_json::Value::Object(m.clone()));
        if schema != CHECKLIST_ANSWERS_SCHEMA_VERSION {
            return Err(ChecklistError::UnknownSchema(schema));
        }
        let malformed =
            |what: &str| ChecklistError::Schema(crate::schema::SchemaError::Malformed(what.into()));
        let case_id =
            m.get("case_id").and_then(|v| v.as_str()).ok_or_else(|| malformed("case_id missing"))?;
        let case_id = CaseId::parse(case_id).map_err(|_| malformed("case_id is not a case id"))?;
        if m.get("id").and_then(|v| v.as_str()) != Some(record_id(&case_id).as_str()) {
            return Err(malformed("id does not belong to the case"));
        }
        let mut answers = ChecklistAnswers::new(case_id);
        for (k, v) in &m {
            let Some(item) = k.strip_prefix(ANSWER_FIELD_PREFIX) else { continue };
            let answer: ItemAnswer =
                serde_json::from_value(v.clone()).map_err(|e| malformed(&format!("answer {item}: {e}")))?;
            answers.set(item, answer)?;
        }
        Ok(answers)
    }
}

fn check_answer(item_id: &str, answer: &ItemAnswer) -> Result<(), ChecklistError> {
    if item(item_id).is_none() {
        return Err(ChecklistError::UnknownItem(item_id.to_owned()));
    }
    if answer.note.chars().count() > ANSWER_NOTE_MAX_CHARS {
        return Err(ChecklistError::NoteTooLong);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    #[error("unknown checklist item {0:?}")]
    UnknownItem(String),
    #[error("note is longer than {ANSWER_NOTE_MAX_CHARS} characters")]
    NoteTooLong,
    #[error("unknown checklist answers schema version {0}")]
    UnknownSchema(u16),
    #[error(transparent)]
    Schema(crate::schema::SchemaError),
}

impl UserMessage for ChecklistError {
    fn message_de(&self) -> String {
        match self {
            ChecklistError::UnknownItem(_) => "Diesen Punkt der Checkliste gibt es nicht.".into(),
            ChecklistError::NoteTooLong => {
                format!("Die Notiz darf höchstens {ANSWER_NOTE_MAX_CHARS} Zeichen lang sein.")
            }
            ChecklistError::UnknownSchema(v) => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            ChecklistError::Schema(e) => e.message_de(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_id() -> CaseId {
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap()
    }

    #[test]
    fn structure_matches_seed_000() {
        assert_eq!(SECTIONS.len(), 7);
        let counts: Vec<usize> = SECTIONS.iter().map(|s| s.items.len()).collect();
        assert_eq!(counts, [5, 6, 3, 2, 3, 7, 2]);
        assert_eq!(WIRKUNGSZIELE.len(), 6);
        let mut ids: Vec<&str> = all_items().map(|(_, i)| i.id).collect();
        ids.extend(WIRKUNGSZIELE.iter().map(|w| w.id));
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
        for id in [
            SectionId::Rahmenbedingungen,
            SectionId::ArbeitsansaetzeMethoden,
            SectionId::Personal,
            SectionId::RaeumlichSaechlich,
            SectionId::Radius,
            SectionId::Kooperationen,
            SectionId::Finanzierung,
        ] {
            assert_eq!(section(id).id, id);
        }
    }

    #[test]
    fn footnotes_are_attached_where_the_markers_are() {
        assert_eq!(ART_DER_LEISTUNG_FOOTNOTES, &[15]);
        assert!(ART_DER_LEISTUNG.contains("Systeme¹⁵"));
        let with_notes: Vec<(&str, &[u8])> =
            all_items().filter(|(_, i)| !i.footnotes.is_empty()).map(|(_, i)| (i.id, i.footnotes)).collect();
        assert_eq!(with_notes, [("personal.2", &[16u8][..]), ("personal.3", &[17u8][..])]);
        for (_, i) in all_items() {
            for n in i.footnotes {
                assert!(footnote(*n).is_some());
            }
        }
        assert!(footnote(17).unwrap().text.contains("Psychologe/Psychologin ist keine Fachkraft"));
    }

    #[test]
    fn answers_default_to_offen_and_count_per_section() {
        let mut a = ChecklistAnswers::new(case_id());
        assert_eq!(a.completeness(), Completeness { total: 28, erfuellt: 0, nicht_zutreffend: 0, offen: 28 });
        assert_eq!(a.completeness().percent_decided(), 0);
        a.set("personal.1", ItemAnswer { status: AnswerStatus::Erfuellt, note: "Frau K., B.A.".into() })
            .unwrap();
        a.set("personal.2", ItemAnswer { status: AnswerStatus::NichtZutreffend, note: String::new() })
            .unwrap();
        a.set("personal.3", ItemAnswer { status: AnswerStatus::Offen, note: "nachfragen".into() }).unwrap();
        let p = a.section_completeness(SectionId::Personal);
        assert_eq!(p, Completeness { total: 3, erfuellt: 1, nicht_zutreffend: 1, offen: 1 });
        assert_eq!(p.percent_decided(), 66);
        assert!(!p.is_complete());
        assert_eq!(a.completeness().decided(), 2);
        assert_eq!(
            a.set("personal.9", ItemAnswer::default()),
            Err(ChecklistError::UnknownItem("personal.9".into()))
        );
        let long = ItemAnswer { status: AnswerStatus::Offen, note: "x".repeat(ANSWER_NOTE_MAX_CHARS + 1) };
        assert_eq!(a.set("radius.1", long), Err(ChecklistError::NoteTooLong));
    }

    #[test]
    fn answers_round_trip_with_schema() {
        let mut a = ChecklistAnswers::new(case_id());
        a.set("finanzierung.1", ItemAnswer { status: AnswerStatus::Erfuellt, note: "EV vom 01.03.".into() })
            .unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["answers"]["finanzierung.1"]["status"], "erfuellt");
        assert_eq!(ChecklistAnswers::from_json(v.clone()), Ok(a));
        let mut future = v.clone();
        future["schema"] = 2.into();
        assert!(matches!(ChecklistAnswers::from_json(future), Err(ChecklistError::Schema(_))));
        let mut bad = v;
        bad["answers"]["nope.1"] = serde_json::json!({"status": "offen"});
        assert_eq!(ChecklistAnswers::from_json(bad), Err(ChecklistError::UnknownItem("nope.1".into())));
    }
}
