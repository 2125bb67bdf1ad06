"""Believable people and company names for the demo dataset, per country.

Pure data and small helpers, no Django. Every pool is precomputed at import together with its
ASCII-folded form, so that picking a name for one of hundreds of thousands of users costs a couple
of `rng.choice` calls and no Unicode work.
"""

from __future__ import annotations

import random
import re
import unicodedata
from typing import Final

COUNTRIES: Final = ("PL", "DE", "GB", "US", "FR", "NL", "ES", "IT", "SE")

# Letters that NFKD does not decompose into a base letter plus a combining mark.
_SPECIAL_FOLD: Final = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "&": " ",
    }
)
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """ASCII-fold `text`: "Łukasz Wróbel" → "Lukasz Wrobel", "Müller" → "Muller"."""
    text = text.translate(_SPECIAL_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def slug(text: str, sep: str = "-") -> str:
    """Lower-case ASCII slug of `text`: "Müller & Söhne" → "muller-sohne"."""
    return _NON_ALNUM.sub(sep, fold(text).lower()).strip(sep)


def _local(text: str) -> str:
    """The e-mail local-part form of one name: folded, lower case, letters and digits only."""
    return _NON_ALNUM.sub("", fold(text).lower())


# --- people ----------------------------------------------------------------------------------

_FEMALE: Final[dict[str, str]] = {
    "PL": "Anna Katarzyna Maria Małgorzata Agnieszka Barbara Ewa Krystyna Magdalena Joanna "
    "Aleksandra Zofia Monika Natalia Karolina Julia Marta Dorota Beata Iwona",
    "DE": "Anna Julia Laura Lena Sarah Katharina Sabine Petra Claudia Monika Susanne Stefanie "
    "Jana Lisa Sophie Marie Birgit Ursula Jülide Anke",
    "GB": "Olivia Emily Charlotte Sophie Jessica Amelia Hannah Lucy Grace Eleanor Rebecca Sarah "
    "Emma Rachel Claire Helen Victoria Fiona",
    "US": "Jennifer Jessica Ashley Emily Sarah Megan Lauren Amanda Elizabeth Rachel Samantha "
    "Nicole Madison Olivia Hannah Abigail Brittany Kimberly",
    "FR": "Camille Léa Manon Chloé Emma Inès Sarah Julie Marie Céline Nathalie Isabelle Sophie "
    "Claire Élodie Amélie Hélène Margaux",
    "NL": "Emma Sanne Lotte Anouk Fleur Lisa Eva Femke Iris Marieke Ingrid Annemiek Sophie Noor "
    "Julia Esther Maaike Floor",
    "ES": "María Carmen Lucía Laura Marta Ana Paula Elena Sara Cristina Isabel Raquel Sofía "
    "Beatriz Nuria Pilar Inés Rocío",
    "IT": "Giulia Francesca Chiara Sara Martina Valentina Alessia Federica Elena Silvia Paola "
    "Laura Elisa Giorgia Anna Roberta Ilaria Noemi",
    "SE": "Anna Eva Maria Karin Sara Emma Linnea Elin Johanna Sofia Ida Maja Elsa Ingrid Astrid "
    "Frida Åsa Märta",
}

_MALE: Final[dict[str, str]] = {
    "PL": "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Grzegorz Łukasz Adam Mateusz "
    "Jakub Wojciech Kamil Szymon Marek Rafał Dariusz Bartłomiej",
    "DE": "Thomas Michael Andreas Stefan Markus Christian Alexander Daniel Jürgen Klaus Matthias "
    "Tobias Jan Lukas Felix Maximilian Jörg Uwe",
    "GB": "Oliver James William Harry George Thomas Jack Daniel Samuel Matthew Benjamin "
    "Alexander David Richard Andrew Edward Callum Rhys",
    "US": "Michael Christopher Matthew Joshua David Daniel James Robert John Joseph Andrew Ryan "
    "Brandon Tyler Kevin Justin Marcus Carlos",
    "FR": "Thomas Nicolas Julien Maxime Antoine Pierre Alexandre Quentin Hugo Lucas Mathieu "
    "François Sébastien Guillaume Jérôme Benoît Loïc Cédric",
    "NL": "Daan Sem Bram Lars Thijs Jeroen Joost Pieter Sander Bas Ruben Wouter Maarten Niels "
    "Koen Stijn Gert-Jan Hidde",
    "ES": "Antonio José Manuel Francisco David Javier Daniel Carlos Jesús Alejandro Miguel Rafael "
    "Pablo Sergio Álvaro Jorge Íñigo Raúl",
    "IT": "Marco Alessandro Andrea Luca Matteo Francesco Lorenzo Davide Simone Federico Giuseppe "
    "Antonio Stefano Riccardo Giovanni Paolo Niccolò Fabrizio",
    "SE": "Erik Lars Karl Anders Johan Per Nils Mikael Jonas Fredrik Oskar Gustav Axel Henrik "
    "Magnus Björn Göran Måns",
}

# Family names; "|" separates words inside one name ("van|den|Berg" → "van den Berg").
_LAST: Final[dict[str, str]] = {
    "PL": "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański "
    "Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski "
    "Nowakowski Pawłowski Michalski Wróbel Jabłoński Król Zając Wieczorek Majewski Olszewski "
    "Stępień Malinowski Górecki Sadowski",
    "DE": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
    "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
    "Hartmann Lange Schmitt Werner Krause Meier Lehmann Köhler Weiß",
    "GB": "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Turner Hill Moore "
    "Cooper Ward Morris Bennett Harrison O'Brien Fletcher",
    "US": "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark "
    "Lewis Robinson Walker Young Allen King Nguyen Patel",
    "FR": "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier "
    "Dupont Lambert Bonnet François Legrand Garnier Faure Chevalier",
    "NL": "de|Jong Jansen de|Vries van|den|Berg van|Dijk Bakker Janssen Visser Smit Meijer "
    "de|Boer Mulder de|Groot Bos Vos Peters Hendriks van|Leeuwen Dekker Brouwer de|Wit "
    "Dijkstra Smits de|Graaf van|der|Meer van|der|Linden Kok Jacobs de|Haan Vermeulen "
    "Kuipers Postma",
    "ES": "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez "
    "Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres "
    "Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Ortega Castillo",
    "IT": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
    "Conti De|Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro "
    "Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile",
    "SE": "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
    "Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson "
    "Magnusson Lindström Olofsson Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind "
    "Lundgren Mattsson Holm Sjöberg",
}

Name = tuple[str, str]  # (display form, e-mail local-part form)


def _pool(words: str) -> tuple[Name, ...]:
    out = []
    for word in words.split():
        display = word.replace("|", " ")
        out.append((display, _local(display)))
    return tuple(out)


def _polish_female(last: str) -> str:
    """Polish family names ending -ski/-cki/-dzki take -ska/-cka/-dzka for women."""
    if last.endswith(("ski", "cki", "dzki")):
        return last[:-1] + "a"
    return last


FEMALE_FIRST: Final[dict[str, tuple[Name, ...]]] = {c: _pool(_FEMALE[c]) for c in COUNTRIES}
MALE_FIRST: Final[dict[str, tuple[Name, ...]]] = {c: _pool(_MALE[c]) for c in COUNTRIES}
LAST_MALE: Final[dict[str, tuple[Name, ...]]] = {c: _pool(_LAST[c]) for c in COUNTRIES}
LAST_FEMALE: Final[dict[str, tuple[Name, ...]]] = {
    c: (
        tuple((_polish_female(d), _local(_polish_female(d))) for d, _ in LAST_MALE[c])
        if c == "PL"
        else LAST_MALE[c]
    )
    for c in COUNTRIES
}


def person(rng: random.Random, country: str) -> tuple[str, str]:
    """A person's (display name, e-mail local part) typical of `country`."""
    if rng.random() < 0.5:
        first = rng.choice(FEMALE_FIRST[country])
        last = rng.choice(LAST_FEMALE[country])
    else:
        first = rng.choice(MALE_FIRST[country])
        last = rng.choice(LAST_MALE[country])
    return f"{first[0]} {last[0]}", f"{first[1]}.{last[1]}"


# --- companies -------------------------------------------------------------------------------

CITIES: Final[dict[str, tuple[str, ...]]] = {
    "PL": (
        "Warszawa",
        "Kraków",
        "Gdańsk",
        "Wrocław",
        "Poznań",
        "Łódź",
        "Katowice",
        "Lublin",
        "Szczecin",
        "Bydgoszcz",
        "Rzeszów",
        "Białystok",
    ),
    "DE": (
        "Berlin",
        "Hamburg",
        "München",
        "Köln",
        "Frankfurt",
        "Stuttgart",
        "Düsseldorf",
        "Leipzig",
        "Dresden",
        "Hannover",
        "Nürnberg",
        "Bremen",
    ),
    "GB": (
        "London",
        "Manchester",
        "Birmingham",
        "Leeds",
        "Bristol",
        "Glasgow",
        "Edinburgh",
        "Liverpool",
        "Cardiff",
        "Sheffield",
        "Nottingham",
        "Oxford",
    ),
    "US": (
        "Boston",
        "Austin",
        "Denver",
        "Chicago",
        "Seattle",
        "Atlanta",
        "Phoenix",
        "Portland",
        "Raleigh",
        "Columbus",
        "San Diego",
        "Pittsburgh",
    ),
    "FR": (
        "Paris",
        "Lyon",
        "Marseille",
        "Toulouse",
        "Nantes",
        "Bordeaux",
        "Lille",
        "Rennes",
        "Strasbourg",
        "Montpellier",
        "Grenoble",
        "Nice",
    ),
    "NL": (
        "Amsterdam",
        "Rotterdam",
        "Utrecht",
        "Eindhoven",
        "Den Haag",
        "Groningen",
        "Tilburg",
        "Breda",
        "Nijmegen",
        "Haarlem",
        "Arnhem",
        "Zwolle",
    ),
    "ES": (
        "Madrid",
        "Barcelona",
        "Valencia",
        "Sevilla",
        "Bilbao",
        "Málaga",
        "Zaragoza",
        "Alicante",
        "Valladolid",
        "Córdoba",
        "Murcia",
        "Vigo",
    ),
    "IT": (
        "Milano",
        "Roma",
        "Torino",
        "Bologna",
        "Firenze",
        "Napoli",
        "Genova",
        "Verona",
        "Padova",
        "Bari",
        "Brescia",
        "Trieste",
    ),
    "SE": (
        "Stockholm",
        "Göteborg",
        "Malmö",
        "Uppsala",
        "Västerås",
        "Örebro",
        "Linköping",
        "Helsingborg",
        "Jönköping",
        "Umeå",
        "Lund",
        "Borås",
    ),
}

# Trade words in the country's language (what the company does).
_INDUSTRY: Final[dict[str, str]] = {
    "PL": "Logistyka Budownictwo Systemy Energia Finanse Transport Consulting Software Meble "
    "Poligrafia Farmacja Elektronika Medica Instalacje Serwis Technologie Automatyka Spedycja",
    "DE": "Logistik Bau Systeme Energie Technik Maschinenbau Medizintechnik Handel Beratung "
    "Software Druck Elektro Anlagenbau Immobilien Versicherung Spedition Werkzeuge Metallbau",
    "GB": "Logistics Construction Systems Energy Engineering Consulting Software Print "
    "Healthcare Property Insurance Freight Foods Retail Solutions Media Analytics Lighting",
    "US": "Logistics Construction Systems Energy Engineering Consulting Software Health "
    "Dynamics Labs Realty Insurance Freight Foods Networks Analytics Robotics Solar",
    "FR": "Logistique Bâtiment Systèmes Énergie Ingénierie Conseil Informatique Imprimerie Santé "
    "Immobilier Assurances Transports Distribution Services Médias Industrie Optique Vins",
    "NL": "Logistiek Bouw Systemen Energie Techniek Advies Software Drukkerij Zorg Vastgoed "
    "Verzekeringen Transport Installatietechniek Media Groep Automatisering Tuinbouw Metaal",
    "ES": "Logística Construcciones Sistemas Energía Ingeniería Consultoría Software Imprenta "
    "Salud Inmobiliaria Seguros Transportes Alimentación Servicios Medios Industrial",
    "IT": "Logistica Costruzioni Sistemi Energia Ingegneria Consulenze Software Tipografia "
    "Sanità Immobiliare Assicurazioni Trasporti Alimentari Servizi Meccanica Arredamenti Moda",
    "SE": "Logistik Bygg System Energi Teknik Konsult Mjukvara Tryckeri Vård Fastigheter "
    "Försäkring Transport Livsmedel Media Industri Verkstad Skog Elektronik",
}

# Made-up brand words: a whole word, or a prefix joined to a suffix ("Bałt" + "pol").
_BRAND_WORDS: Final[dict[str, str]] = {
    "PL": "Wisła Orzeł Jantar Sokół Bursztyn Zorza Kaskada Horyzont Polaris Wektor Prima Żuraw "
    "Mazowsze Sudety Wawel Bryza",
    "DE": "Nordwind Alpen Rhein Elbe Falke Adler Sternberg Lindenhof Bergmann Eiche Kranich "
    "Quelle Blitz Brücke Donau Harz",
    "GB": "Thames Albion Pennine Kestrel Heron Oakridge Harbour Greystone Redbrook Wessex "
    "Northgate Ashford Silverline Fenwick Mercia Clyde",
    "US": "Summit Redwood Liberty Cascade Keystone Pioneer Frontier Bluewater Ironwood Granite "
    "Evergreen Lakeshore Sierra Prairie Beacon Mesa",
    "FR": "Azur Mistral Lumière Horizon Rivage Cèdre Étoile Garonne Vercors Alizé Bastide "
    "Océane Loire Provence Armor Sequoia",
    "NL": "Noorderlicht Polder Duinrand Tulp Kompas Havenkade Wadden Zeewind Molenaar Brug "
    "Oranje Lindeboom Dijkzicht Vliet Delta Kroon",
    "ES": "Sierra Albor Brisa Levante Olivo Meseta Alba Sol Ebro Tajo Atalaya Mistral Rioja "
    "Faro Íbera Duero",
    "IT": "Aurora Vesuvio Dolomiti Tevere Brenta Adriatica Stella Olimpo Lario Sirio Etna "
    "Levante Arno Fenice Garda Zenit",
    "SE": "Norrsken Fjäll Skog Ek Sjö Vinter Stjärna Björk Havsörn Granit Älv Kust Lärk Mälar "
    "Vega Polar",
}
_BRAND_PREFIX: Final[dict[str, str]] = {
    "PL": "Bałt Wis Mazo Tatr Karpat Pol Sud Warm Lech Jant Kras Prim Mega Inter Agro Termo "
    "Elek Geo",
    "DE": "Nord Süd West Ost Alp Rhein Hansa Euro Tech Inno Metro Pro Data Info Elektro Thermo",
    "GB": "Brit Anglo North South West East Key Core Blue Red Green Bright Swift Prime True Smart",
    "US": "Ameri Pro Pac Tex Cal Atlan Max Omni Uni Tri Opti Nova Vertex Core Apex Zen",
    "FR": "Franco Gallo Euro Tech Info Télé Média Bio Éco Agri Trans Medi Opti Hexa Prisma Vita",
    "NL": "Holland Neder Euro Tech Info Data Agri Aqua Bouw Groen Vast Flex Smart Multi Trans Uni",
    "ES": "Hispa Ibér Euro Tec Info Data Agro Aqua Medi Eco Trans Multi Grupo Inter Solar Tele",
    "IT": "Italo Euro Tecno Info Data Agro Aqua Medi Eco Trans Multi Inter Elettro Termo Gio Lux",
    "SE": "Svea Nord Skandi Euro Tech Info Data Agro Aqua Medi Eko Trans Multi Inter Smart Bygg",
}
_BRAND_SUFFIX: Final = (
    "tech",
    "soft",
    "net",
    "med",
    "trans",
    "com",
    "lab",
    "tronic",
    "sys",
    "line",
    "data",
    "vision",
    "works",
    "form",
    "plus",
    "link",
)

_PATTERNS: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    # (pattern, weight)
    "PL": (
        ("{brand} Sp. z o.o.", 5),
        ("{brand} {industry} Sp. z o.o.", 5),
        ("{last} {industry} Sp. z o.o.", 3),
        ("{last} i Wspólnicy Sp.j.", 1),
        ("{brand} S.A.", 2),
        ("{brand} {city} Sp. z o.o.", 2),
        ("{last} i {last2} Sp.k.", 1),
    ),
    "DE": (
        ("{brand} GmbH", 5),
        ("{brand} {industry} GmbH", 4),
        ("{last} & {last2} GmbH", 2),
        ("{last} {industry} GmbH & Co. KG", 2),
        ("{brand} AG", 2),
        ("{last} & Söhne GmbH", 1),
        ("{brand} {city} GmbH", 1),
    ),
    "GB": (
        ("{brand} Ltd", 5),
        ("{brand} {industry} Ltd", 5),
        ("{last} & Sons Ltd", 1),
        ("{last} {last2} LLP", 1),
        ("{brand} Group plc", 2),
        ("{city} {industry} Ltd", 2),
    ),
    "US": (
        ("{brand} {industry}, Inc.", 5),
        ("{brand} Inc.", 3),
        ("{last} & {last2} LLC", 2),
        ("{brand} Corp.", 2),
        ("{brand} {industry} LLC", 3),
        ("{city} {industry} Inc.", 1),
    ),
    "FR": (
        ("{brand} {industry} SAS", 5),
        ("{brand} SAS", 3),
        ("{last} et Fils SARL", 1),
        ("Groupe {brand} SA", 2),
        ("{industry} {last} SARL", 2),
        ("{brand} {city} SAS", 1),
    ),
    "NL": (
        ("{brand} {industry} B.V.", 5),
        ("{brand} B.V.", 3),
        ("{last} & {last2} B.V.", 2),
        ("{brand} Groep N.V.", 1),
        ("{industry} {city} B.V.", 2),
    ),
    "ES": (
        ("{brand} {industry} S.L.", 5),
        ("{brand} S.A.", 3),
        ("{last} y Asociados S.L.", 2),
        ("Grupo {brand} S.A.", 2),
        ("{industry} {city} S.L.", 1),
    ),
    "IT": (
        ("{brand} {industry} S.r.l.", 5),
        ("{brand} S.p.A.", 3),
        ("{last} & {last2} S.r.l.", 2),
        ("Gruppo {brand} S.p.A.", 1),
        ("{industry} {last} S.r.l.", 2),
        ("{brand} {city} S.r.l.", 1),
    ),
    "SE": (
        ("{brand} {industry} AB", 5),
        ("{brand} AB", 4),
        ("{last} & {last2} AB", 2),
        ("{industry} i {city} AB", 2),
        ("{brand}gruppen AB", 1),
    ),
}

# Legal-form endings stripped before a company name becomes an e-mail domain.
LEGAL_SUFFIXES: Final = (
    "Sp. z o.o.",
    "S.A.",
    "Sp.j.",
    "Sp.k.",
    "GmbH & Co. KG",
    "GmbH",
    "AG",
    "Ltd",
    "LLP",
    "plc",
    "Inc.",
    "LLC",
    "Corp.",
    "SAS",
    "SARL",
    "SA",
    "B.V.",
    "N.V.",
    "S.L.",
    "S.r.l.",
    "S.p.A.",
    "AB",
)
_SUFFIX_RE: Final = re.compile(
    r"(?:,?\s+(?:" + "|".join(re.escape(s) for s in LEGAL_SUFFIXES) + r"))+$"
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


INDUSTRY: Final[dict[str, tuple[str, ...]]] = {c: _words(_INDUSTRY[c]) for c in COUNTRIES}
BRAND_WORDS: Final[dict[str, tuple[str, ...]]] = {c: _words(_BRAND_WORDS[c]) for c in COUNTRIES}
BRAND_PREFIX: Final[dict[str, tuple[str, ...]]] = {c: _words(_BRAND_PREFIX[c]) for c in COUNTRIES}
_PATTERN_LIST: Final[dict[str, tuple[str, ...]]] = {
    c: tuple(p for p, _ in _PATTERNS[c]) for c in COUNTRIES
}
_PATTERN_WEIGHTS: Final[dict[str, tuple[int, ...]]] = {
    c: tuple(w for _, w in _PATTERNS[c]) for c in COUNTRIES
}


def brand(rng: random.Random, country: str) -> str:
    """A made-up brand word: "Jantar", "Bałtsoft", "Nordlink"."""
    if rng.random() < 0.55:
        return rng.choice(BRAND_WORDS[country])
    return rng.choice(BRAND_PREFIX[country]) + rng.choice(_BRAND_SUFFIX)


def company_name(rng: random.Random, country: str) -> str:
    """A company name typical of `country`, with its legal form ("Jantar Logistyka Sp. z o.o.")."""
    pattern = rng.choices(_PATTERN_LIST[country], _PATTERN_WEIGHTS[country])[0]
    last = rng.choice(LAST_MALE[country])[0]
    last2 = rng.choice(LAST_MALE[country])[0]
    while last2 == last:
        last2 = rng.choice(LAST_MALE[country])[0]
    name = pattern.format(
        brand=brand(rng, country),
        industry=rng.choice(INDUSTRY[country]),
        last=last,
        last2=last2,
        city=rng.choice(CITIES[country]),
    )
    return name[0].upper() + name[1:]  # "de Groot & Kok B.V." starts a name as "De Groot"


def strip_legal_form(name: str) -> str:
    """The company name without its legal form: "Jantar Sp. z o.o." → "Jantar"."""
    return _SUFFIX_RE.sub("", name).strip() or name


def email_domain(company: str, tld: str = "example") -> str:
    """An e-mail domain made from a company name: "Müller & Söhne GmbH" → "muller-sohne.example".

    The `.example` top-level domain is reserved (RFC 2606), so demo addresses never reach anyone.
    """
    base = slug(strip_legal_form(company))[:40].strip("-") or "company"
    return f"{base}.{tld}"


def email_local(name: str) -> str:
    """The e-mail local part for a display name: "Łukasz Wróbel" → "lukasz.wrobel"."""
    return ".".join(p for p in (_local(w) for w in name.split()) if p)


# Call queue names as a customer would label them, per country.
_QUEUE_NAMES: Final[dict[str, str]] = {
    "PL": "Obsługa klienta|Sprzedaż|Recepcja|Wsparcie techniczne|Reklamacje|Księgowość",
    "DE": "Kundenservice|Vertrieb|Zentrale|Technischer Support|Reklamationen|Buchhaltung",
    "GB": "Customer Service|Sales|Reception|Technical Support|Returns|Accounts",
    "US": "Customer Service|Sales|Front Desk|Tech Support|Billing|After Hours",
    "FR": "Service client|Ventes|Accueil|Support technique|Réclamations|Comptabilité",
    "NL": "Klantenservice|Verkoop|Receptie|Technische ondersteuning|Retouren|Administratie",
    "ES": "Atención al cliente|Ventas|Recepción|Soporte técnico|Reclamaciones|Contabilidad",
    "IT": "Assistenza clienti|Vendite|Centralino|Supporto tecnico|Reclami|Amministrazione",
    "SE": "Kundtjänst|Försäljning|Växel|Teknisk support|Reklamationer|Ekonomi",
}
QUEUE_NAMES: Final[dict[str, tuple[str, ...]]] = {
    c: tuple(_QUEUE_NAMES[c].split("|")) for c in COUNTRIES
}


def with_qualifier(name: str, qualifier: str) -> str:
    """`name` with a qualifier before its legal form: ("Jantar Sp. z o.o.", "Gdańsk") →
    "Jantar Gdańsk Sp. z o.o."."""
    base = strip_legal_form(name)
    return f"{base} {qualifier}{name[len(base) :]}"
