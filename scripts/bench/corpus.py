"""The synthetic feeds of bench-poll.sh: English and Portuguese-ish items,
some mentioning the brand, a third of those syndicated copies of one story."""

import email.utils
import html
import json
import os
import random
import re
import unicodedata
from datetime import datetime, timedelta, timezone

# ----------------------------------------------------------------- generator
EN = dict(
    subj=["The city council", "A regional bank", "The national weather service",
          "Local farmers", "A start-up from Austin", "The transport authority",
          "Researchers at the state university", "The health ministry", "Retailers",
          "A group of parents", "The central bank", "Independent developers",
          "The football club", "Hospital staff", "The mayor's office", "Shipping companies"],
    verb=["announced", "rejected", "postponed", "approved", "criticised", "launched",
          "reviewed", "expanded", "questioned", "defended", "cancelled", "tested"],
    obj=["a new budget for public schools", "the plan to widen the ring road",
         "an app for reporting potholes", "higher fees for late payments",
         "a pilot programme for electric buses", "the merger with its main rival",
         "a study on sleep and screen time", "new rules for short-term rentals",
         "a campaign against food waste", "the reopening of the old market hall",
         "a scheme to plant ten thousand trees", "cheaper fares for students"],
    adj=["on Tuesday", "after months of debate", "despite strong opposition",
         "in a surprise move", "ahead of the holidays", "for the second time this year",
         "following complaints from residents", "at a packed press conference"],
    extra=["Critics say the timing is poor.", "Details will be published next week.",
           "The decision takes effect in March.", "Officials did not reply to requests for comment.",
           "Similar measures were tried in 2019 with mixed results.",
           "Analysts expect little change in the short term.",
           "Residents can send feedback until the end of the month.",
           "The full report runs to 140 pages."],
    heads=["{subj} {verb} {obj}", "Why {subj_l} {verb} {obj}", "{subj} {verb} {obj} {adj}",
           "Explainer: {obj}", "Opinion: {obj} is not enough", "Live: {subj} {verb} {obj}"],
    more="Read more", lang="en-us", src="Source", upd="Update: ",
)
PT = dict(
    subj=["A prefeitura", "Um banco regional", "O instituto de meteorologia",
          "A cooperativa de produtores rurais", "Uma startup de Recife", "A companhia de transportes",
          "Um grupo de pesquisadores da universidade federal", "O ministério da saúde",
          "A associação de lojistas", "Um grupo de pais", "O banco central",
          "Uma comunidade de desenvolvedores", "O clube de futebol",
          "O sindicato dos funcionários do hospital", "O governo estadual", "A associação das transportadoras"],
    verb=["anunciou", "rejeitou", "adiou", "aprovou", "criticou", "lançou",
          "revisou", "ampliou", "questionou", "defendeu", "cancelou", "testou"],
    obj=["um novo orçamento para as escolas públicas", "o plano de alargar o anel viário",
         "um aplicativo para denunciar buracos", "multas maiores por atraso",
         "um projeto-piloto de ônibus elétricos", "a fusão com o principal concorrente",
         "um estudo sobre sono e telas", "novas regras para aluguel por temporada",
         "uma campanha contra o desperdício de comida", "a reabertura do mercado municipal",
         "um plano para plantar dez mil árvores", "passagens mais baratas para estudantes"],
    adj=["nesta terça-feira", "depois de meses de debate", "apesar da forte oposição",
         "de forma inesperada", "antes das festas", "pela segunda vez este ano",
         "após reclamações de moradores", "em entrevista coletiva"],
    extra=["Críticos dizem que o momento é ruim.", "Os detalhes saem na próxima semana.",
           "A decisão vale a partir de março.", "A assessoria não respondeu até a publicação.",
           "Medidas parecidas foram testadas em 2019, com resultados mistos.",
           "Analistas não esperam mudanças no curto prazo.",
           "Os moradores podem enviar sugestões até o fim do mês.",
           "O relatório completo tem 140 páginas."],
    heads=["{subj} {verb} {obj}", "Por que {subj_l} {verb} {obj}", "{subj} {verb} {obj} {adj}",
           "Entenda: {obj}", "Opinião: {obj} não basta", "Ao vivo: {subj} {verb} {obj}"],
    more="Leia mais", lang="pt-br", src="Fonte", upd="Atualização: ",
)
LUMORA_EN = [
    ("Lumora recalls {n} Halo A19 bulbs after overheating reports",
     ["Lumora said on {day} that it is recalling about {n} Halo A19 smart bulbs sold since spring.",
      "Owners reported that the bulbs became hot to the touch after several hours.",
      "The company will replace affected units free of charge and has opened a support page.",
      "Regulators said they were aware of the issue."]),
    ("Review: Lumora's Halo Mini is bright, cheap and a little fussy",
     ["The Halo Mini is Lumora's smallest lamp yet and costs {n} dollars.",
      "Setup through the app took us three attempts, but colours are accurate.",
      "Battery life was close to the advertised eleven hours.",
      "If you already own a Halo A19, the Mini pairs in seconds."]),
    ("Lumora opens its first European warehouse",
     ["Smart-lighting maker Lumora will open a warehouse near {city} with {n} jobs.",
      "Deliveries to customers in the region should drop from a week to two days.",
      "The firm did not say how much it is investing.",
      "Lumora sold more than a million bulbs last year."]),
    ("Customers complain about slow Lumora support",
     ["Dozens of customers told us they waited more than {n} days for an answer from Lumora.",
      "Most complaints concern the Halo A19 losing its Wi-Fi connection.",
      "A spokesperson said the company is hiring more support staff.",
      "A firmware update is promised for {day}."]),
]
LUMORA_PT = [
    ("Lumora faz recall de {n} lâmpadas Halo A19 por superaquecimento",
     ["A Lumora informou na {day} que vai recolher cerca de {n} lâmpadas inteligentes Halo A19.",
      "Consumidores relataram que as lâmpadas esquentavam demais depois de algumas horas.",
      "A empresa vai trocar as unidades afetadas sem custo.",
      "O Procon disse que acompanha o caso."]),
    ("Clientes reclamam de atraso na entrega da Lumora",
     ["Clientes da Lumora relatam atrasos de até {n} dias na entrega de pedidos feitos pelo site.",
      "Segundo a empresa, a alta demanda pela Halo Mini causou o problema.",
      "A Lumora promete normalizar as entregas até {day}.",
      "Quem quiser pode cancelar o pedido e receber o reembolso integral."]),
    ("Lumora abre centro de distribuição em {city}",
     ["A fabricante de iluminação inteligente Lumora vai abrir um centro de distribuição em {city}.",
      "Serão criadas {n} vagas diretas, segundo a empresa.",
      "O prazo de entrega na região deve cair para dois dias.",
      "A Lumora não revelou o valor do investimento."]),
]
CITIES = ["Porto", "Lisboa", "Campinas", "Curitiba", "Rotterdam", "Leipzig", "Lyon", "Braga"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
DIAS = ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"]
SITE_A = ["daily", "metro", "north", "city", "valley", "coast", "global", "tech", "market", "river"]
SITE_B = ["herald", "ledger", "post", "wire", "journal", "gazette", "times", "notícias", "diário", "observer"]
BASE_DATE = datetime(2025, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
BRAND_RE = re.compile(r"\b(lumora|halo a19)\b", re.I)


def slug(text):
    text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return s[:60] or "item"


def ordinary_item(rng, L):
    subj, verb, obj, adj = (rng.choice(L[k]) for k in ("subj", "verb", "obj", "adj"))
    title = rng.choice(L["heads"]).format(subj=subj, subj_l=subj[0].lower() + subj[1:],
                                          verb=verb, obj=obj, adj=adj)
    sents = [f"{subj} {verb} {obj} {adj}."]
    for _ in range(rng.randint(1, 3)):
        s2, v2, o2 = rng.choice(L["subj"]), rng.choice(L["verb"]), rng.choice(L["obj"])
        sents.append(rng.choice([f"{s2} {v2} {o2}.", rng.choice(L["extra"])]))
    return title, sents


def lumora_story(rng, pt):
    """A story about the brand: a headline and one or two sentences from a
    template, mixed with ordinary sentences so that two stories built from
    the same template are still different texts (2-4 sentences in all)."""
    L = PT if pt else EN
    title, sents = rng.choice(LUMORA_PT if pt else LUMORA_EN)
    fill = dict(n=rng.randint(2, 90) * (1000 if "recall" in title else 1),
                city=rng.choice(CITIES), day=rng.choice(DIAS if pt else DAYS))
    lead = rng.choice([s for s in sents if BRAND_RE.search(s)])
    brand = [lead] + rng.sample([s for s in sents if s != lead], rng.randint(0, 1))
    brand = [s.format(**fill) for s in brand]
    other = [f"{rng.choice(L['subj'])} {rng.choice(L['verb'])} {rng.choice(L['obj'])} "
             f"{rng.choice(L['adj'])}." for _ in range(rng.randint(1, 2))]
    body = brand[:1] + other + brand[1:]
    if rng.random() < 0.3:  # some stories name the brand only in the text
        title = ordinary_item(rng, L)[0]
    return title.format(**fill), body


def render_summary(rng, sents, L, link):
    parts = []
    for i, s in enumerate(sents):
        if i == 0 and rng.random() < 0.5:
            w = s.split(" ", 2)
            s = f"<b>{html.escape(' '.join(w[:2]))}</b> {html.escape(' '.join(w[2:]))}"
        else:
            s = html.escape(s)
        parts.append(s)
    body = "<p>" + " ".join(parts) + "</p>"
    return body + f'<p><a href="{html.escape(link)}">{L["more"]} &raquo;</a></p>'


def cmd_gen(outdir, n, items, seed):
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    rate = float(os.environ.get("MENTION_RATE", "0.05"))
    total_mentions = max(1, round(n * items * rate))
    # Two distinct stories never have the same text: the templates and
    # filler are few, and a story drawn twice word for word would be one
    # story to any reader, yet counted as two in the truth.
    told = set()

    def new_story(pt):
        while True:
            title, sents = lumora_story(rng, pt)
            if (title, tuple(sents)) not in told:
                told.add((title, tuple(sents)))
                return title, sents

    pool = []  # syndicated stories: (pt, title, sents)
    for _ in range(max(3, total_mentions // 6)):
        pt = rng.random() < 0.4
        pool.append((pt,) + new_story(pt))
    index, stats = {}, dict(feeds=n, items=0, brand_items=0, syndicated_copies=0,
                            unique_brand_stories=0, decoys=0)
    used_pool = set()
    truth = {}  # link of each brand item -> the story it tells
    for f in range(1, n + 1):
        name = f"f{f:05d}"
        pt_feed = rng.random() < 0.4
        L = PT if pt_feed else EN
        site = f"{rng.choice(SITE_A)}-{rng.choice(SITE_B)}"
        domain = f"{slug(site)}{f}.example"
        t = BASE_DATE - timedelta(minutes=rng.randint(0, 600))
        out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
               f"<title>{html.escape(site.title())}</title>\n<link>https://{domain}/</link>\n"
               f"<description>{html.escape(site.title())} ({name})</description>\n"
               f"<language>{L['lang']}</language>\n"
               f"<lastBuildDate>{email.utils.format_datetime(t, usegmt=True)}</lastBuildDate>\n"]
        newest = t
        cdata = rng.random() < 0.5
        for i in range(1, items + 1):
            r = rng.random()
            L_item = L if rng.random() < 0.85 else (EN if pt_feed else PT)
            if r < rate / 2:
                k = rng.randrange(len(pool))
                pt, title, sents = pool[k]
                L_item = PT if pt else EN
                story = f"pool{k}"
                if k in used_pool:
                    stats["syndicated_copies"] += 1
                else:
                    used_pool.add(k)
                    stats["unique_brand_stories"] += 1
                sents = sents + [f"{L_item['src']}: {site.title()}."]
                if rng.random() < 0.3:
                    title = L_item["upd"] + title
            elif r < rate:
                pt = L_item is PT
                title, sents = new_story(pt)
                stats["unique_brand_stories"] += 1
                story = f"{name}-{i}"
            else:
                title, sents = ordinary_item(rng, L_item)
                if rng.random() < 0.005:
                    sents = sents + ["Tourists keep flocking to Lumoraville this winter."]
                    stats["decoys"] += 1
            if BRAND_RE.search(title + " " + " ".join(sents)):
                stats["brand_items"] += 1
            t = t - timedelta(minutes=rng.randint(5, 240))
            link = f"https://{domain}/{t:%Y/%m}/{slug(title)}-{f}-{i}"
            if r < rate:
                truth[link] = story
            summary = render_summary(rng, sents, L_item, link)
            desc = f"<![CDATA[{summary}]]>" if cdata else html.escape(summary, quote=False)
            out.append(f"<item>\n<title>{html.escape(title, quote=False)}</title>\n"
                       f"<link>{html.escape(link)}</link>\n"
                       f'<guid isPermaLink="false">urn:vigia-bench:{name}:{i:04d}</guid>\n'
                       f"<pubDate>{email.utils.format_datetime(t, usegmt=True)}</pubDate>\n"
                       f"<description>{desc}</description>\n</item>\n")
            stats["items"] += 1
        out.append("</channel>\n</rss>\n")
        with open(os.path.join(outdir, name + ".xml"), "w", encoding="utf-8") as fh:
            fh.write("".join(out))
        index[name] = email.utils.format_datetime(newest, usegmt=True)
    with open(os.path.join(outdir, "index.json"), "w") as fh:
        json.dump(index, fh)
    with open(os.path.join(outdir, "truth.json"), "w") as fh:
        json.dump(truth, fh)
    with open(os.path.join(outdir, "stats.json"), "w") as fh:
        json.dump(stats, fh)
    print(json.dumps(stats))


