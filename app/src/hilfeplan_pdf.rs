//! The Hilfeplan as a PDF, made on the device (offline): every section, and for each Handlungsziel
//! with ratings the chart of their course by perspective. Pure; tested natively.

use passgenau_domain::case::{format_date_de, Case};
use passgenau_domain::goals::{GoalPlan, Perspective};
use passgenau_domain::hilfeplan::HilfeplanVersion;

use crate::pdf::Document;

/// Line colours per perspective (as in the app's SVG chart: four distinct, print-safe hues).
fn colour(p: Perspective) -> (f32, f32, f32) {
    match p {
        Perspective::JungerMensch => (0.12, 0.31, 0.37),
        Perspective::Eltern => (0.63, 0.16, 0.11),
        Perspective::Jugendamt => (0.11, 0.42, 0.23),
        Perspective::Traeger => (0.54, 0.23, 0.07),
    }
}

pub fn title(case: &Case, v: &HilfeplanVersion) -> String {
    format!("Hilfeplan {} – Fassung {}", case.label.as_str(), v.number)
}

pub fn render(case: &Case, v: &HilfeplanVersion, goals: &GoalPlan) -> Vec<u8> {
    let mut d = Document::new(&title(case, v));
    d.paragraph(&format!("Hilfeplan nach § 36 SGB VIII – {}", case.label.as_str()), 16.0, true, 4.0);
    let review =
        v.next_review.map(|r| format!(" · nächste Überprüfung {}", format_date_de(r))).unwrap_or_default();
    d.paragraph(
        &format!("Fassung {} vom {}{review}", v.number, format_date_de(v.drafted_on)),
        10.0,
        false,
        12.0,
    );
    for (section, text) in &v.sections {
        d.paragraph(section.title_de(), 12.0, true, 2.0);
        let body = if text.trim().is_empty() { "–" } else { text.as_str() };
        d.paragraph(body, 10.0, false, 10.0);
        if *section == passgenau_domain::hilfeplan::Section::Ziele {
            charts(&mut d, goals);
        }
    }
    d.paragraph("Unterschriften der Beteiligten:", 10.0, true, 36.0);
    d.paragraph(
        "______________________    ______________________    ______________________",
        10.0,
        false,
        0.0,
    );
    d.finish()
}

/// One chart per Handlungsziel with ratings: x the days, y −2..+2, a line per perspective.
fn charts(d: &mut Document, goals: &GoalPlan) {
    for h in goals.handlungsziele().filter(|h| !h.ratings.is_empty()) {
        let (w, hgt) = (d.content_width() - 40.0, 110.0);
        d.paragraph(&format!("Verlauf: {}", h.text), 10.0, true, 4.0);
        d.room(hgt + 30.0);
        let top = d.cursor();
        let (x0, y0) = (d.margin() + 30.0, top - hgt);
        let first = h.ratings.iter().map(|r| r.on).min().unwrap_or(time::Date::MIN);
        let last = h.ratings.iter().map(|r| r.on).max().unwrap_or(first);
        let span = ((last - first).whole_days().max(1)) as f32;
        let x = |on: time::Date| x0 + 10.0 + (w - 20.0) * ((on - first).whole_days() as f32 / span);
        let y = |s: i8| y0 + hgt * (f32::from(s) + 2.0) / 4.0;
        for s in -2..=2i8 {
            d.polyline(&[(x0, y(s)), (x0 + w, y(s))], (0.8, 0.8, 0.8), 0.5);
            d.text_at(d.margin(), y(s) - 3.0, 8.0, &format!("{s:+}"));
        }
        d.polyline(&[(x0, y0), (x0, y0 + hgt)], (0.3, 0.3, 0.3), 0.8);
        for p in Perspective::ALL {
            let pts: Vec<(f32, f32)> = h
                .ratings
                .iter()
                .filter(|r| r.perspective == p)
                .map(|r| (x(r.on), y(r.score.get())))
                .collect();
            if pts.is_empty() {
                continue;
            }
            d.polyline(&pts, colour(p), 1.5);
            for (px, py) in &pts {
                d.polyline(&[(px - 2.0, *py), (px + 2.0, *py)], colour(p), 3.0);
            }
        }
        d.text_at(x0, y0 - 12.0, 8.0, &format_date_de(first));
        if last != first {
            d.text_at(x0 + w - 40.0, y0 - 12.0, 8.0, &format_date_de(last));
        }
        d.advance(hgt + 18.0);
        let legend: Vec<String> = Perspective::ALL
            .into_iter()
            .filter(|p| h.ratings.iter().any(|r| r.perspective == *p))
            .map(|p| {
                let last = h.ratings.iter().filter(|r| r.perspective == p).max_by_key(|r| r.on);
                format!("{}: {:+}", p.label_de(), last.map_or(0, |r| r.score.get()))
            })
            .collect();
        d.paragraph(&format!("Zuletzt – {}", legend.join(", ")), 9.0, false, 10.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passgenau_domain::case::{CaseId, CaseLabel};
    use passgenau_domain::hilfeplan::{draft, DraftInput};
    use passgenau_domain::setting::Hilfesetting;
    use time::macros::date;

    #[test]
    fn the_pdf_holds_every_section_and_the_goal_chart() {
        let c = Case::new(
            CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap(),
            CaseLabel::parse("JA-2026-0142").unwrap(),
            date!(2026 - 02 - 02),
        );
        let mut m = GoalPlan::new_record(&c.id);
        m.insert("w.w1".into(), serde_json::json!({"type": "leistungstyp", "ziel_id": "wirkungsziel.1"}));
        m.insert(
            "h.h1".into(),
            serde_json::json!({"wirkungsziel_id": "w1", "text": "Paul geht zur Schule", "area": "schule"}),
        );
        m.insert("r.1".into(), serde_json::json!({"handlungsziel_id": "h1", "on": "2026-10-01", "perspective": "eltern", "score": -1}));
        m.insert("r.2".into(), serde_json::json!({"handlungsziel_id": "h1", "on": "2026-11-20", "perspective": "eltern", "score": 1}));
        let goals = GoalPlan::from_record(serde_json::Value::Object(m)).unwrap();
        let hs = Hilfesetting::new(c.id.clone());
        let input = DraftInput {
            case: &c,
            setting: &hs,
            catalog: None,
            goals: &goals,
            clearing: None,
            visit_participants: vec![],
            today: date!(2026 - 11 - 24),
        };
        let v = draft(&input, None);
        let pdf = render(&c, &v, &goals);
        let texts = crate::pdf::shown_texts(&pdf);
        // Long headings wrap onto two lines: compare the running text.
        let all = texts.join(" ");
        for s in passgenau_domain::hilfeplan::Section::ALL {
            assert!(all.contains(s.title_de()), "{}", s.title_de());
        }
        assert!(texts.iter().any(|t| t == "Verlauf: Paul geht zur Schule"));
        assert!(texts.iter().any(|t| t == "Zuletzt – Eltern: +1"));
        let body = String::from_utf8_lossy(&pdf);
        assert!(body.matches(" RG ").count() >= 8, "grid, axis and the line are drawn");
    }
}
