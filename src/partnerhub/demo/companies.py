"""Believable company names for the demo dataset, per country: with their legal form, their
e-mail domain and the call queues they set up.

Pure data and small helpers, no Django; the pools are precomputed at import, like the people's
names of `names.py`.
"""

from __future__ import annotations

import random
import re
from typing import Final

from partnerhub.demo.names import COUNTRIES, LAST_MALE, slug

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
