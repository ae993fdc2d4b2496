use leptos::prelude::*;
use passgenau_domain::goals::{Perspective, Rating};

/// Ratings of one Handlungsziel over time as an SVG line chart: one line per perspective, −2 to +2.
/// The same figures follow as a table for screen readers and for checking.
#[component]
pub fn RatingChart(ratings: Vec<Rating>, title: String) -> impl IntoView {
    const W: f64 = 320.0;
    const H: f64 = 150.0;
    const LEFT: f64 = 28.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 20.0;
    let days: Vec<i64> = ratings.iter().map(|r| r.on.to_julian_day() as i64).collect();
    let (min, max) = (days.iter().copied().min().unwrap_or(0), days.iter().copied().max().unwrap_or(0));
    let x = move |d: i64| {
        if max == min {
            LEFT + (W - LEFT - 10.0) / 2.0
        } else {
            LEFT + (d - min) as f64 / (max - min) as f64 * (W - LEFT - 10.0)
        }
    };
    let y = |s: i8| TOP + (2.0 - f64::from(s)) / 4.0 * (H - TOP - BOTTOM);
    let styles = [("#1d3f6e", ""), ("#2f7d4f", "6 3"), ("#8a3b12", "2 3"), ("#5a2d82", "8 3 2 3")];
    let lines: Vec<_> = Perspective::ALL
        .into_iter()
        .zip(styles)
        .filter_map(|(p, (color, dash))| {
            let pts: Vec<(f64, f64)> = ratings
                .iter()
                .filter(|r| r.perspective == p)
                .map(|r| (x(r.on.to_julian_day() as i64), y(r.score.get())))
                .collect();
            (!pts.is_empty()).then_some((p, color, dash, pts))
        })
        .collect();
    let label = format!("Verlauf der Einschätzungen: {title}");
    let aria = label.clone();
    let legend: Vec<_> = lines.iter().map(|(p, c, d, _)| (p.label_de(), *c, *d)).collect();
    let rows = ratings.clone();
    let first =
        ratings.iter().map(|r| r.on).min().map(passgenau_domain::case::format_date_de).unwrap_or_default();
    let last =
        ratings.iter().map(|r| r.on).max().map(passgenau_domain::case::format_date_de).unwrap_or_default();
    let one_day = first == last;
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") width="100%" role="img" aria-label=aria>
                <title>{label}</title>
                {(-2..=2).map(|s: i8| view! {
                    <line x1=LEFT x2=W - 4.0 y1=y(s) y2=y(s) stroke="#c8c8c8" stroke-width="1"/>
                    <text x="2" y=y(s) + 4.0 font-size="11" fill="#333">{if s > 0 { format!("+{s}") } else { s.to_string() }}</text>
                }).collect_view()}
                <text x=LEFT y=H - 4.0 font-size="11" fill="#333">{first}</text>
                {(!one_day).then(|| view! { <text x=W - 4.0 y=H - 4.0 font-size="11" fill="#333" text-anchor="end">{last}</text> })}
                {lines.into_iter().map(|(_, color, dash, pts)| {
                    let path = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect::<Vec<_>>().join(" ");
                    view! {
                        <polyline points=path fill="none" stroke=color stroke-width="2.5" stroke-dasharray=dash/>
                        {pts.into_iter().map(|(a, b)| view! { <circle cx=a cy=b r="3.5" fill=color/> }).collect_view()}
                    }
                }).collect_view()}
            </svg>
            <figcaption>
                <ul class="legend">
                    {legend.into_iter().map(|(name, color, dash)| view! {
                        <li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke=color stroke-width="2.5" stroke-dasharray=dash/></svg>{name}</li>
                    }).collect_view()}
                </ul>
                <details>
                    <summary>"Werte als Tabelle"</summary>
                    <table>
                        <thead><tr><th scope="col">"Datum"</th><th scope="col">"Sicht"</th><th scope="col">"Wert"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr><td>{passgenau_domain::case::format_date_de(r.on)}</td><td>{r.perspective.label_de()}</td><td>{r.score.get()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </details>
            </figcaption>
        </figure>
    }
    .into_any()
}
