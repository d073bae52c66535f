//! Every fixed word of digests and alerts, in each team's language
//! (`[[team]] language`): English and Portuguese.

use crate::sentiment::Language;

/// The fixed words of one language.
#[derive(Debug, PartialEq)]
pub struct Words {
    /// "Vigia digest for {team}".
    pub digest_for: &'static str,
    /// Subject: `[Vigia] Digest for {team}, {period}: {n} mentions`.
    pub digest_subject: &'static str,
    /// "mentions" after a count.
    pub mentions: &'static str,
    /// "Nothing new in this period."
    pub nothing_new: &'static str,
    /// Heading of the open urgent and critical mentions.
    pub needs_action: &'static str,
    /// "Mentions by brand".
    pub by_brand: &'static str,
    /// "Brand".
    pub brand: &'static str,
    /// Negative, neutral, positive as column headings.
    pub columns: [&'static str; 3],
    /// Negative, neutral, positive after a count.
    pub counted: [&'static str; 3],
    /// Negative, neutral, positive for one mention.
    pub sentiment: [&'static str; 3],
    /// "Changes against the period before."
    pub changes: &'static str,
    /// "Mentions per day".
    pub per_day: &'static str,
    /// Note on what dates the chart counts by.
    pub per_day_note: &'static str,
    /// "{n} more published before these days".
    pub published_earlier: &'static str,
    /// Weekday abbreviations, Monday first.
    pub weekdays: [&'static str; 7],
    /// "Most negative".
    pub most_negative: &'static str,
    /// "Most positive".
    pub most_positive: &'static str,
    /// "Recurring subjects".
    pub subjects: &'static str,
    /// Subject states: act, watch.
    pub act: &'static str,
    /// See `act`.
    pub watch: &'static str,
    /// "Still waiting for follow-up".
    pub waiting: &'static str,
    /// "(no link)".
    pub no_link: &'static str,
    /// "open" before an age.
    pub open_for: &'static str,
    /// Severity names: info, notable, urgent, critical.
    pub severities: [&'static str; 4],
    /// Status names: new, routed, acknowledged, resolved, ignored.
    pub statuses: [&'static str; 5],
    /// Alert headings: "{worst} mentions for {team}" with worst critical
    /// or urgent.
    pub alert_critical: &'static str,
    /// See `alert_critical`.
    pub alert_urgent: &'static str,
    /// Subject of an alert with several mentions: "{n} mentions for {team}".
    pub alert_many: &'static str,
    /// The same for one mention.
    pub alert_one: &'static str,
    /// "sentiment".
    pub sentiment_word: &'static str,
    /// "subject {label} ({n} in the window)".
    pub subject_in_window: &'static str,
    /// "source".
    pub source: &'static str,
    /// How to follow up, plain text.
    pub follow_up: &'static str,
    /// The one-click links: open, acknowledge, resolve, ignore.
    pub steps: [&'static str; 4],
    /// What the links do: "{days}" days.
    pub links_note: &'static str,
    /// How a reply acts.
    pub replies_note: &'static str,
    /// A spike alert's blocks: its subjects, its sources, quotes, and the
    /// per-hour bars with their note.
    pub spike_blocks: [&'static str; 4],
    /// Under the per-hour bars: what the colours mean.
    pub spike_hours_note: &'static str,
    /// A mention in no subject.
    pub no_subject: &'static str,
    /// A spike alert's subject: "{n}", "{brand}", "{minutes}".
    pub spike_subject: &'static str,
    /// Its first line: also "{usual}", "{p}" and "{kind}".
    pub spike_title: &'static str,
    /// The kinds of spike: a burst, a build-up.
    pub spike_kinds: [&'static str; 2],
    /// A spike of separate stories: subject, as `spike_subject`.
    pub spike_stories_subject: &'static str,
    /// Its first line, as `spike_title`.
    pub spike_stories_title: &'static str,
    /// "points" after a severity's total.
    pub points: &'static str,
    /// "alarm terms" before the terms found.
    pub alarm_terms: &'static str,
    /// "subject seen {n} times".
    pub subject_seen: &'static str,
    /// "source weight" before the weight.
    pub source_weight: &'static str,
    /// "by {author}".
    pub by: &'static str,
    /// A chat message's buttons: read the item, open it in the inbox, open
    /// the inbox; and "+{n} more".
    pub chat: [&'static str; 4],
    /// What a reach counts: followers, score, views.
    pub reach: [&'static str; 3],
    /// The decimal separator.
    pub decimal: char,
}

/// English.
pub const EN: Words = Words {
    digest_for: "Vigia digest for {team}",
    digest_subject: "[Vigia] Digest for {team}, {period}: {n} mentions",
    mentions: "mentions",
    nothing_new: "Nothing new in this period.",
    needs_action: "Needs action",
    by_brand: "Mentions by brand",
    brand: "Brand",
    columns: ["Negative", "Neutral", "Positive"],
    counted: ["negative", "neutral", "positive"],
    sentiment: ["negative", "neutral", "positive"],
    changes: "Changes against the period before.",
    per_day: "Mentions per day",
    per_day_note: "by publication date (negative/neutral/positive)",
    published_earlier: "and {n} published before these days",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    most_negative: "Most negative",
    most_positive: "Most positive",
    subjects: "Recurring subjects",
    act: "act",
    watch: "watch",
    waiting: "Still waiting for follow-up",
    no_link: "(no link)",
    open_for: "open",
    severities: ["info", "notable", "urgent", "critical"],
    statuses: ["new", "routed", "acknowledged", "resolved", "ignored"],
    alert_critical: "CRITICAL",
    alert_urgent: "Urgent",
    alert_many: "{n} mentions for {team}",
    alert_one: "1 mention for {team}",
    sentiment_word: "sentiment",
    subject_in_window: "subject \"{label}\" ({n} in the window)",
    source: "source",
    follow_up: "Follow up: vigia mentions ack ID, resolve ID or ignore ID.",
    steps: ["Open", "Acknowledge", "Resolve", "Ignore"],
    links_note:
        "Each link is for you alone and works once, for {days} days; it asks before it acts.",
    replies_note: "Or reply: write ack, resolve, ignore or reopen on the first line to do it to the mentions above (add #ID for one of them); the rest of the paragraph is your note.",
    spike_blocks: ["Subjects", "Sources", "In their words", "Negative mentions per hour, last 48 hours"],
    spike_hours_note: "Red: this hour; grey: its usual level (the same hour on the past 7 days).",
    no_subject: "(no subject)",
    spike_subject: "[Vigia] Negative spike: {n} negative mentions of {brand} in {minutes} min",
    spike_title: "Negative spike: {n} negative mentions of {brand} in the last {minutes} minutes; usually {usual} (p = {p}, {kind})",
    spike_kinds: ["a burst", "a build-up over several hours"],
    spike_stories_subject: "[Vigia] Negative spike: {n} separate negative stories about {brand} in {minutes} min",
    spike_stories_title: "Negative spike: {n} separate negative stories about {brand} in the last {minutes} minutes; usually {usual} (p = {p}, {kind})",
    points: "points",
    alarm_terms: "alarm terms",
    subject_seen: "subject seen {n} times",
    source_weight: "source weight",
    by: "by {author}",
    chat: ["Read", "Open in Vigia", "Open the inbox", "+{n} more"],
    reach: ["followers", "points", "views"],
    decimal: '.',
};

/// Portuguese.
pub const PT: Words = Words {
    digest_for: "Resumo do Vigia para {team}",
    digest_subject: "[Vigia] Resumo para {team}, {period}: {n} menções",
    mentions: "menções",
    nothing_new: "Nada de novo neste período.",
    needs_action: "Precisa de ação",
    by_brand: "Menções por marca",
    brand: "Marca",
    columns: ["Negativas", "Neutras", "Positivas"],
    counted: ["negativas", "neutras", "positivas"],
    sentiment: ["negativa", "neutra", "positiva"],
    changes: "Variação em relação ao período anterior.",
    per_day: "Menções por dia",
    per_day_note: "pela data de publicação (negativas/neutras/positivas)",
    published_earlier: "e {n} publicadas antes destes dias",
    weekdays: ["seg", "ter", "qua", "qui", "sex", "sáb", "dom"],
    most_negative: "Mais negativas",
    most_positive: "Mais positivas",
    subjects: "Assuntos recorrentes",
    act: "agir",
    watch: "observar",
    waiting: "Ainda aguardando acompanhamento",
    no_link: "(sem link)",
    open_for: "aberta há",
    severities: ["informativa", "notável", "urgente", "crítica"],
    statuses: [
        "nova",
        "encaminhada",
        "reconhecida",
        "resolvida",
        "ignorada",
    ],
    alert_critical: "CRÍTICO",
    alert_urgent: "Urgente",
    alert_many: "{n} menções para {team}",
    alert_one: "1 menção para {team}",
    sentiment_word: "sentimento",
    subject_in_window: "assunto \"{label}\" ({n} na janela)",
    source: "fonte",
    follow_up: "Acompanhe: vigia mentions ack ID, resolve ID ou ignore ID.",
    steps: ["Abrir", "Ciente", "Resolver", "Ignorar"],
    links_note:
        "Cada link é só seu e funciona uma vez, por {days} dias; ele pergunta antes de agir.",
    replies_note: "Ou responda: escreva ok, visto, resolvido, ignorar ou reabrir na primeira linha para aplicar às menções acima (acrescente #ID para uma delas); o resto do parágrafo é a sua nota.",
    spike_blocks: ["Assuntos", "Fontes", "Nas palavras deles", "Menções negativas por hora, últimas 48 horas"],
    spike_hours_note: "Vermelho: esta hora; cinza: o nível habitual (a mesma hora nos últimos 7 dias).",
    no_subject: "(sem assunto)",
    spike_subject: "[Vigia] Pico negativo: {n} menções negativas de {brand} em {minutes} min",
    spike_title: "Pico negativo: {n} menções negativas de {brand} nos últimos {minutes} minutos; o habitual é {usual} (p = {p}, {kind})",
    spike_kinds: ["uma rajada", "uma escalada ao longo de horas"],
    spike_stories_subject: "[Vigia] Pico negativo: {n} histórias negativas distintas sobre {brand} em {minutes} min",
    spike_stories_title: "Pico negativo: {n} histórias negativas distintas sobre {brand} nos últimos {minutes} minutos; o habitual é {usual} (p = {p}, {kind})",
    points: "pontos",
    alarm_terms: "termos de alerta",
    subject_seen: "assunto visto {n} vezes",
    source_weight: "peso da fonte",
    by: "por {author}",
    chat: ["Ler", "Abrir no Vigia", "Abrir a caixa de entrada", "+{n} outras"],
    reach: ["seguidores", "pontos", "visualizações"],
    decimal: ',',
};

/// The words of `team`'s language (English for a team the policy lacks).
pub fn for_team(policy: &crate::triage::Policy, team: &str) -> &'static Words {
    of(policy.team(team).map_or(Language::En, |t| t.language))
}

/// The words of `language`.
pub fn of(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::Pt => &PT,
    }
}

impl Words {
    /// A severity's name (`urgent`) in this language.
    pub fn severity(&self, name: &str) -> &'static str {
        ["info", "notable", "urgent", "critical"]
            .iter()
            .position(|s| *s == name)
            .map_or(self.severities[0], |i| self.severities[i])
    }

    /// A status's name (`routed`) in this language.
    pub fn status(&self, name: &str) -> &'static str {
        ["new", "routed", "acknowledged", "resolved", "ignored"]
            .iter()
            .position(|s| *s == name)
            .map_or(self.statuses[0], |i| self.statuses[i])
    }

    /// A sentiment label (`negative`) in this language.
    pub fn sentiment_label(&self, label: Option<&str>) -> &'static str {
        match label {
            Some("negative") => self.sentiment[0],
            Some("positive") => self.sentiment[2],
            _ => self.sentiment[1],
        }
    }

    /// An age in whole days, or hours under a day: `3 d`, `5 h`.
    pub fn age(&self, secs: i64) -> String {
        let secs = secs.max(0);
        if secs >= 86_400 {
            format!("{} d", secs / 86_400)
        } else {
            format!("{} h", secs / 3_600)
        }
    }
}

impl Words {
    /// `x` with `places` decimals, signed when `signed`, written with this
    /// language's decimal separator: "-0.69", "-0,69".
    pub fn number(&self, x: f64, places: usize, signed: bool) -> String {
        let text = if signed {
            format!("{x:+.places$}")
        } else {
            format!("{x:.places$}")
        };
        text.replace('.', &self.decimal.to_string())
    }

    /// Why a mention got its severity: "4.0 points: alarm terms procon
    /// (+2), sentiment -0.69 (+2), subject seen 3 times (+1)".
    pub fn reasons(&self, r: &crate::triage::Reasons) -> String {
        let number = |x: f64, places: usize| self.number(x, places, false);
        let mut parts = Vec::new();
        if r.alarms.1 > 0.0 {
            parts.push(format!(
                "{} {} (+{})",
                self.alarm_terms,
                r.alarms.0.join(", "),
                r.alarms.1
            ));
        }
        if r.sentiment.1 > 0.0 {
            let score = self.number(r.sentiment.0, 2, true);
            parts.push(format!(
                "{} {score} (+{})",
                self.sentiment_word, r.sentiment.1
            ));
        }
        if r.subject.1 > 0.0 {
            let seen = fill(self.subject_seen, &[("n", &r.subject.0.to_string())]);
            parts.push(format!("{seen} (+{})", r.subject.1));
        }
        if (r.weight - 1.0).abs() > f64::EPSILON {
            parts.push(format!("{} {}", self.source_weight, number(r.weight, 1)));
        }
        let total = format!("{} {}", number(r.points, 1), self.points);
        if parts.is_empty() {
            total
        } else {
            format!("{total}: {}", parts.join(", "))
        }
    }
}

impl Words {
    /// Who wrote a mention and how far it reached: "by @ana · 12,400
    /// followers"; `None` when its source says neither.
    pub fn byline(&self, b: &crate::store::mentions::Byline) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(author) = &b.author {
            parts.push(fill(self.by, &[("author", author)]));
        }
        if let Some(reach) = b.reach {
            let what = match reach.kind {
                crate::source::ReachKind::Followers => self.reach[0],
                crate::source::ReachKind::Score => self.reach[1],
                crate::source::ReachKind::Views => self.reach[2],
            };
            parts.push(format!("{} {what}", self.count(reach.count)));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// A whole number with this language's thousands separator: "12,400",
    /// "12.400".
    pub fn count(&self, n: u64) -> String {
        let separator = if self.decimal == ',' { '.' } else { ',' };
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(separator);
            }
            out.push(c);
        }
        out
    }
}

/// `template` with `{name}` replaced by each value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_both_languages() {
        assert_eq!(
            fill(
                PT.digest_subject,
                &[("team", "sac"), ("period", "2026-11-30"), ("n", "3")]
            ),
            "[Vigia] Resumo para sac, 2026-11-30: 3 menções"
        );
        assert_eq!(PT.severity("critical"), "crítica");
        assert_eq!(EN.status("acknowledged"), "acknowledged");
        assert_eq!(PT.status("routed"), "encaminhada");
        assert_eq!(PT.sentiment_label(Some("negative")), "negativa");
        assert_eq!(EN.age(3 * 86_400 + 5), "3 d");
        assert_eq!(EN.age(7_300), "2 h");
        let byline = crate::store::mentions::Byline {
            author: Some("@ana@mastodon.social".into()),
            reach: Some(crate::source::Reach {
                count: 1_234_567,
                kind: crate::source::ReachKind::Followers,
            }),
        };
        assert_eq!(
            EN.byline(&byline).as_deref(),
            Some("by @ana@mastodon.social · 1,234,567 followers")
        );
        assert_eq!(
            PT.byline(&byline).as_deref(),
            Some("por @ana@mastodon.social · 1.234.567 seguidores")
        );
        assert_eq!(EN.count(999), "999");
        assert_eq!(EN.byline(&Default::default()), None);
        let reasons = crate::triage::Reasons {
            points: 5.0,
            sentiment: (-0.69, 2.0),
            alarms: (vec!["procon".into()], 2.0),
            subject: (3, 1.0),
            weight: 1.0,
        };
        assert_eq!(
            EN.reasons(&reasons),
            "5.0 points: alarm terms procon (+2), sentiment -0.69 (+2), subject seen 3 times (+1)"
        );
        assert_eq!(
            PT.reasons(&reasons),
            "5,0 pontos: termos de alerta procon (+2), sentimento -0,69 (+2), assunto visto 3 vezes (+1)"
        );
        // The same placeholders in both languages.
        for (en, pt) in [
            (EN.digest_for, PT.digest_for),
            (EN.digest_subject, PT.digest_subject),
            (EN.alert_many, PT.alert_many),
            (EN.alert_one, PT.alert_one),
            (EN.published_earlier, PT.published_earlier),
            (EN.subject_seen, PT.subject_seen),
            (EN.subject_in_window, PT.subject_in_window),
            (EN.spike_subject, PT.spike_subject),
            (EN.spike_title, PT.spike_title),
            (EN.spike_stories_subject, PT.spike_stories_subject),
            (EN.spike_stories_title, PT.spike_stories_title),
        ] {
            let names = |t: &str| -> Vec<String> {
                t.split('{')
                    .skip(1)
                    .filter_map(|p| p.split('}').next())
                    .map(String::from)
                    .collect()
            };
            assert_eq!(names(en), names(pt), "{en} / {pt}");
        }
    }
}
