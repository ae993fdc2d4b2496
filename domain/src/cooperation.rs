//! Cooperation with partners as Wiesbaden practises it (seed 003): the team's cooperation partners
//! with their form of cooperation (the seed's five forms), referrals of a case to a partner with the
//! routing slip (*Laufzettel*: first contact, first session, intensity, end, result), and the § 8a
//! SGB VIII flow when there are weighty indications of a child's endangerment.
//!
//! A partner is a record of the team (`partner`, UUID, no case). A referral (`referral`) and a § 8a
//! assessment (`kinderschutz`) are records of a case (UUID, `case_id` in the body). Every part is a
//! top-level field, so devices filling in different parts merge.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::CaseId;
use crate::error::UserMessage;

pub const PARTNER_SCHEMA_VERSION: u16 = 1;
pub const REFERRAL_SCHEMA_VERSION: u16 = 1;
pub const KINDERSCHUTZ_SCHEMA_VERSION: u16 = 1;
/// Bound of each free text.
pub const COOPERATION_TEXT_MAX_CHARS: usize = 4_000;
/// Fachkräfte who must assess the risk together (§ 8a Abs. 1 S. 1: "im Zusammenwirken mehrerer
/// Fachkräfte").
pub const MIN_ASSESSORS: usize = 2;

/// The five forms of cooperation of seed 003, each with what it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooperationForm {
    /// Beauftragte Dritte gegen Entgelt.
    Entgelt,
    /// Verbindliche Kooperation mit freien Trägern (wohlfahrtsstaatliche Koproduktion).
    FreieTraeger,
    /// Verbindliche Kooperation mit zuständigen kommunalen Stellen.
    Kommunal,
    /// Verweis auf ein vorhandenes Angebot.
    Verweis,
    /// Kooperation mit privaten Partnern.
    Privat,
}

impl CooperationForm {
    pub const ALL: [CooperationForm; 5] = [
        CooperationForm::Entgelt,
        CooperationForm::FreieTraeger,
        CooperationForm::Kommunal,
        CooperationForm::Verweis,
        CooperationForm::Privat,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            CooperationForm::Entgelt => "Beauftragte Dritte gegen Entgelt",
            CooperationForm::FreieTraeger => "Verbindliche Kooperation mit freien Trägern",
            CooperationForm::Kommunal => "Verbindliche Kooperation mit kommunalen Stellen",
            CooperationForm::Verweis => "Verweis auf ein vorhandenes Angebot",
            CooperationForm::Privat => "Kooperation mit privaten Partnern",
        }
    }
    /// What the cooperation rests on (the seed's second column).
    pub fn basis_de(self) -> &'static str {
        match self {
            CooperationForm::Entgelt => {
                "Auftrag, Entgelt, Bericht auf der Basis eines Vertrags (Entgelt- und Leistungsvereinbarung)"
            }
            CooperationForm::FreieTraeger => {
                "Absprachen über Leistungen auf der Basis von gemeinsamen Zielen, Zuwendungen sowie Verwendungsnachweisen"
            }
            CooperationForm::Kommunal => {
                "Ziel-/Kooperationsvereinbarungen, ggf. konkretisiert in Schnittstellenvereinbarungen; ggf. Kostenerstattung"
            }
            CooperationForm::Verweis => "Bericht der Familie",
            CooperationForm::Privat => "Individuelle Absprachen im Auftrag der Familie oder gemeinsam mit ihr",
        }
    }
    /// Examples, for choosing.
    pub fn examples_de(self) -> &'static str {
        match self {
            CooperationForm::Entgelt => {
                "Sucht- oder Schuldnerberatung, Tagesbetreuung, Tagesmütter, mobile Dienste"
            }
            CooperationForm::FreieTraeger => "Wohlfahrtspflege, freie Träger der Jugendhilfe",
            CooperationForm::Kommunal => "Jugendhilfe, Sozialhilfe, Gesundheitsdienste, Schulen, Wohnungsamt",
            CooperationForm::Verweis => "Angebote in der Kommune, auf die die Familie verwiesen wird",
            CooperationForm::Privat => "Vermieter, Stadtwerke, Nachbarn, Ehrenamtliche, Paten",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            CooperationForm::Entgelt => "entgelt",
            CooperationForm::FreieTraeger => "freie_traeger",
            CooperationForm::Kommunal => "kommunal",
            CooperationForm::Verweis => "verweis",
            CooperationForm::Privat => "privat",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == s)
    }
}

/// A cooperation partner of the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    pub schema: u16,
    pub id: String,
    pub name: String,
    pub form: CooperationForm,
    /// How to reach the partner (an office's phone or address, not a private person's).
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub note: String,
    /// No longer offered for new referrals.
    #[serde(default)]
    pub inactive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CooperationError {
    #[error("id is not a UUID")]
    InvalidId,
    #[error("name missing or too long")]
    Name,
    #[error("text too long")]
    TextTooLong,
    #[error("routing slip dates out of order: {0}")]
    DatesOutOfOrder(&'static str),
    #[error("unknown schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed record: {0}")]
    Malformed(String),
}

impl UserMessage for CooperationError {
    fn message_de(&self) -> String {
        match self {
            CooperationError::InvalidId => "Die Kennung ist ungültig.".into(),
            CooperationError::Name => "Bitte einen Namen angeben (höchstens 200 Zeichen).".into(),
            CooperationError::TextTooLong => {
                format!("Ein Text ist zu lang (höchstens {COOPERATION_TEXT_MAX_CHARS} Zeichen).")
            }
            CooperationError::DatesOutOfOrder(what) => format!("Die Daten passen nicht zusammen: {what}."),
            CooperationError::UnknownSchema(_) | CooperationError::Malformed(_) => {
                "Der Eintrag ist beschädigt oder stammt aus einer neueren Version.".into()
            }
        }
    }
}

fn long(s: &str) -> bool {
    s.chars().count() > COOPERATION_TEXT_MAX_CHARS
}

fn check_id(id: &str) -> Result<(), CooperationError> {
    uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| CooperationError::InvalidId)
}

fn parse<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    schema: u16,
) -> Result<T, CooperationError> {
    let found = crate::schema::version_of(&value);
    if found != schema {
        return Err(CooperationError::UnknownSchema(found));
    }
    serde_json::from_value(value).map_err(|e| CooperationError::Malformed(e.to_string()))
}

impl Partner {
    pub fn validate(&self) -> Result<(), CooperationError> {
        check_id(&self.id)?;
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            return Err(CooperationError::Name);
        }
        if long(&self.contact) || long(&self.note) {
            return Err(CooperationError::TextTooLong);
        }
        Ok(())
    }
    pub fn from_json(value: serde_json::Value) -> Result<Self, CooperationError> {
        let p: Partner = parse(value, PARTNER_SCHEMA_VERSION)?;
        p.validate()?;
        Ok(p)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Referral and routing slip
// ---------------------------------------------------------------------------------------------------------

/// A referral of a case to a partner, with its routing slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub schema: u16,
    pub id: String,
    pub case_id: CaseId,
    pub partner_id: String,
    /// The partner's name when referred (kept if the partner is renamed later).
    pub partner_name: String,
    pub form: CooperationForm,
    /// The day of the referral (agreed with the family).
    #[serde(with = "crate::date::serde_iso")]
    pub referred_on: Date,
    /// What the partner is asked for.
    #[serde(default)]
    pub purpose: String,
    /// Whether data go to the partner under a valid consent; otherwise the family reports back.
    #[serde(default)]
    pub with_consent: bool,
    /// Laufzettel: the partner took up contact.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub first_contact_on: Option<Date>,
    /// Laufzettel: the first session.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub first_session_on: Option<Date>,
    /// Laufzettel: how intensive the counselling needs to be (e.g. "wöchentlich, 1 Std.").
    #[serde(default)]
    pub intensity: String,
    /// Laufzettel: end of the counselling.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub ended_on: Option<Date>,
    /// Laufzettel: the result.
    #[serde(default)]
    pub result: String,
    /// A written report was received.
    #[serde(default)]
    pub report_received: bool,
}

/// Where a referral stands, from its routing slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralStage {
    Vermittelt,
    KontaktAufgenommen,
    InBeratung,
    Abgeschlossen,
}

impl ReferralStage {
    pub fn label_de(self) -> &'static str {
        match self {
            ReferralStage::Vermittelt => "vermittelt, noch kein Kontakt",
            ReferralStage::KontaktAufgenommen => "Kontakt aufgenommen",
            ReferralStage::InBeratung => "in Beratung",
            ReferralStage::Abgeschlossen => "abgeschlossen",
        }
    }
}

impl Referral {
    pub fn validate(&self) -> Result<(), CooperationError> {
        check_id(&self.id)?;
        if self.partner_name.trim().is_empty() || self.partner_name.chars().count() > 200 {
            return Err(CooperationError::Name);
        }
        if [&self.purpose, &self.intensity, &self.result].iter().any(|t| long(t)) {
            return Err(CooperationError::TextTooLong);
        }
        let r = self.referred_on;
        if self.first_contact_on.is_some_and(|d| d < r) {
            return Err(CooperationError::DatesOutOfOrder("Kontakt vor der Vermittlung"));
        }
        if self.first_session_on.is_some_and(|d| d < r) {
            return Err(CooperationError::DatesOutOfOrder("Erstberatung vor der Vermittlung"));
        }
        if let (Some(c), Some(s)) = (self.first_contact_on, self.first_session_on) {
            if s < c {
                return Err(CooperationError::DatesOutOfOrder("Erstberatung vor der Kontaktaufnahme"));
            }
        }
        if let Some(e) = self.ended_on {
            if e < r || self.first_session_on.is_some_and(|s| e < s) {
                return Err(CooperationError::DatesOutOfOrder("Abschluss vor Vermittlung oder Erstberatung"));
            }
        }
        Ok(())
    }
    pub fn from_json(value: serde_json::Value) -> Result<Self, CooperationError> {
        let r: Referral = parse(value, REFERRAL_SCHEMA_VERSION)?;
        r.validate()?;
        Ok(r)
    }
    pub fn stage(&self) -> ReferralStage {
        if self.ended_on.is_some() {
            ReferralStage::Abgeschlossen
        } else if self.first_session_on.is_some() {
            ReferralStage::InBeratung
        } else if self.first_contact_on.is_some() {
            ReferralStage::KontaktAufgenommen
        } else {
            ReferralStage::Vermittelt
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// § 8a SGB VIII
// ---------------------------------------------------------------------------------------------------------

/// Whether parents or child were involved in the assessment (§ 8a Abs. 1 S. 2: unless that puts
/// the effective protection of the child in question).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Involvement {
    Beteiligt {
        #[serde(with = "crate::date::serde_iso")]
        on: Date,
    },
    /// Not involved, with the reason (the child's protection would be put in question).
    NichtBeteiligt { reason: String },
}

/// The result of the risk assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskOutcome {
    KeineGefaehrdung,
    Hilfebedarf,
    Gefaehrdung,
    AkuteGefaehrdung,
}

impl RiskOutcome {
    pub const ALL: [RiskOutcome; 4] = [
        RiskOutcome::KeineGefaehrdung,
        RiskOutcome::Hilfebedarf,
        RiskOutcome::Gefaehrdung,
        RiskOutcome::AkuteGefaehrdung,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            RiskOutcome::KeineGefaehrdung => "keine Kindeswohlgefährdung",
            RiskOutcome::Hilfebedarf => "keine Gefährdung, aber Hilfebedarf",
            RiskOutcome::Gefaehrdung => "Kindeswohlgefährdung",
            RiskOutcome::AkuteGefaehrdung => "akute Kindeswohlgefährdung",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            RiskOutcome::KeineGefaehrdung => "keine_gefaehrdung",
            RiskOutcome::Hilfebedarf => "hilfebedarf",
            RiskOutcome::Gefaehrdung => "gefaehrdung",
            RiskOutcome::AkuteGefaehrdung => "akute_gefaehrdung",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.key() == s)
    }
    /// An endangerment must be handed on (to the Jugendamt, or by it to the family court).
    pub fn requires_hand_on(self) -> bool {
        matches!(self, RiskOutcome::Gefaehrdung | RiskOutcome::AkuteGefaehrdung)
    }
}

/// Where an endangerment is handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandOnTarget {
    /// A provider informs the Jugendamt (§ 8a Abs. 4 S. 2).
    Jugendamt,
    /// The Jugendamt calls the family court (§ 8a Abs. 2).
    Familiengericht,
    /// The Jugendamt takes the child into care (§ 42).
    Inobhutnahme,
    /// Other agencies: health, police (§ 8a Abs. 3).
    AndereStellen,
}

impl HandOnTarget {
    pub const ALL: [HandOnTarget; 4] = [
        HandOnTarget::Jugendamt,
        HandOnTarget::Familiengericht,
        HandOnTarget::Inobhutnahme,
        HandOnTarget::AndereStellen,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            HandOnTarget::Jugendamt => "Information an das Jugendamt (§ 8a Abs. 4 S. 2)",
            HandOnTarget::Familiengericht => "Anrufung des Familiengerichts (§ 8a Abs. 2)",
            HandOnTarget::Inobhutnahme => "Inobhutnahme (§ 42)",
            HandOnTarget::AndereStellen => "andere Stellen: Gesundheitshilfe, Polizei (§ 8a Abs. 3)",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            HandOnTarget::Jugendamt => "jugendamt",
            HandOnTarget::Familiengericht => "familiengericht",
            HandOnTarget::Inobhutnahme => "inobhutnahme",
            HandOnTarget::AndereStellen => "andere_stellen",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// A § 8a risk assessment of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kinderschutz {
    pub schema: u16,
    pub id: String,
    pub case_id: CaseId,
    /// The day the weighty indications became known.
    #[serde(with = "crate::date::serde_iso")]
    pub started_on: Date,
    /// Assessed by a freier Träger under its agreement (§ 8a Abs. 4), not by the Jugendamt itself.
    #[serde(default)]
    pub by_provider: bool,
    /// The weighty indications (gewichtige Anhaltspunkte).
    #[serde(default)]
    pub indications: String,
    /// The Fachkräfte who assessed together (names or roles), at least [`MIN_ASSESSORS`].
    #[serde(default)]
    pub assessors: Vec<String>,
    /// The experienced expert (insoweit erfahrene Fachkraft) consulted, and when.
    #[serde(default)]
    pub expert: String,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub expert_consulted_on: Option<Date>,
    #[serde(default)]
    pub parents: Option<Involvement>,
    #[serde(default)]
    pub child: Option<Involvement>,
    #[serde(default)]
    pub outcome: Option<RiskOutcome>,
    /// Agreed measures and help offered (a protection plan).
    #[serde(default)]
    pub measures: String,
    /// Handed on to, and when.
    #[serde(default, with = "crate::date::serde_iso_pairs")]
    pub handed_on: Vec<(HandOnTarget, Date)>,
    /// The day the assessment was concluded; only when [`Kinderschutz::missing`] is empty.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub concluded_on: Option<Date>,
}

impl Kinderschutz {
    pub fn new(id: String, case_id: CaseId, started_on: Date) -> Self {
        Kinderschutz {
            schema: KINDERSCHUTZ_SCHEMA_VERSION,
            id,
            case_id,
            started_on,
            by_provider: false,
            indications: String::new(),
            assessors: Vec::new(),
            expert: String::new(),
            expert_consulted_on: None,
            parents: None,
            child: None,
            outcome: None,
            measures: String::new(),
            handed_on: Vec::new(),
            concluded_on: None,
        }
    }

    /// What is still missing before the assessment can be concluded, in German, with the
    /// paragraph. Assessed by a provider ([`Kinderschutz::by_provider`]), the expert is required
    /// (§ 8a Abs. 4 S. 1 Nr. 2) and an endangerment goes to the Jugendamt.
    pub fn missing(&self) -> Vec<String> {
        let provider = self.by_provider;
        let mut m = Vec::new();
        if self.indications.trim().is_empty() {
            m.push("Die gewichtigen Anhaltspunkte sind nicht beschrieben.".to_owned());
        }
        let assessors = self.assessors.iter().filter(|a| !a.trim().is_empty()).count();
        if assessors < MIN_ASSESSORS {
            m.push(format!(
                "Die Einschätzung erfolgt im Zusammenwirken mehrerer Fachkräfte: mindestens {MIN_ASSESSORS} eintragen (§ 8a Abs. 1 S. 1 SGB VIII)."
            ));
        }
        if provider && (self.expert.trim().is_empty() || self.expert_consulted_on.is_none()) {
            m.push(
                "Eine insoweit erfahrene Fachkraft ist beratend hinzuzuziehen (§ 8a Abs. 4 S. 1 Nr. 2 SGB VIII)."
                    .to_owned(),
            );
        }
        // (genitive, nominative, verb) of who is involved.
        let involvement = |x: &Option<Involvement>, (of, who, verb): (&str, &str, &str)| {
            match x {
            None => Some(format!(
                "Die Beteiligung {of} ist nicht entschieden (§ 8a Abs. 1 S. 2 SGB VIII: beteiligen, soweit der wirksame Schutz nicht in Frage gestellt wird)."
            )),
            Some(Involvement::NichtBeteiligt { reason }) if reason.trim().is_empty() => {
                Some(format!("Bitte begründen, warum {who} nicht beteiligt {verb}."))
            }
            _ => None,
        }
        };
        m.extend(involvement(&self.parents, ("der Eltern", "die Eltern", "wurden")));
        m.extend(involvement(
            &self.child,
            ("des Kindes / Jugendlichen", "das Kind / der Jugendliche", "wurde"),
        ));
        match self.outcome {
            None => m.push("Das Ergebnis der Einschätzung fehlt.".to_owned()),
            Some(o) if o.requires_hand_on() => {
                let needed = if provider { HandOnTarget::Jugendamt } else { HandOnTarget::Familiengericht };
                let handed = self
                    .handed_on
                    .iter()
                    .any(|(t, _)| *t == needed || (!provider && matches!(t, HandOnTarget::Inobhutnahme)));
                if !handed {
                    m.push(if provider {
                        "Bei Gefährdung ist das Jugendamt zu informieren (§ 8a Abs. 4 S. 2 SGB VIII).".to_owned()
                    } else {
                        "Bei Gefährdung, die die Eltern nicht abwenden wollen oder können, ist das Familiengericht anzurufen oder das Kind in Obhut zu nehmen (§ 8a Abs. 2, § 42 SGB VIII).".to_owned()
                    });
                }
            }
            Some(_) => {}
        }
        m
    }

    pub fn validate(&self) -> Result<(), CooperationError> {
        check_id(&self.id)?;
        if long(&self.indications) || long(&self.measures) || long(&self.expert) {
            return Err(CooperationError::TextTooLong);
        }
        if self.assessors.len() > 20 || self.assessors.iter().any(|a| a.chars().count() > 200) {
            return Err(CooperationError::TextTooLong);
        }
        for inv in [&self.parents, &self.child].into_iter().flatten() {
            if let Involvement::NichtBeteiligt { reason } = inv {
                if long(reason) {
                    return Err(CooperationError::TextTooLong);
                }
            }
        }
        if self.expert_consulted_on.is_some_and(|d| d < self.started_on) {
            return Err(CooperationError::DatesOutOfOrder("Beratung vor den Anhaltspunkten"));
        }
        if self.concluded_on.is_some_and(|d| d < self.started_on) {
            return Err(CooperationError::DatesOutOfOrder("Abschluss vor den Anhaltspunkten"));
        }
        Ok(())
    }

    pub fn from_json(value: serde_json::Value) -> Result<Self, CooperationError> {
        let k: Kinderschutz = parse(value, KINDERSCHUTZ_SCHEMA_VERSION)?;
        k.validate()?;
        Ok(k)
    }
}

#[cfg(test)]
mod tests;
