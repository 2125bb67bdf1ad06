"""Believable people's names for the demo dataset, per country, and their e-mail forms.

Pure data and small helpers, no Django. Every pool is precomputed at import together with its
ASCII-folded form, so that picking a name for one of hundreds of thousands of users costs a couple
of `rng.choice` calls and no Unicode work. Companies, their domains and call queues are named in
`companies.py`.
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


def email_local(name: str) -> str:
    """The e-mail local part for a display name: "Łukasz Wróbel" → "lukasz.wrobel"."""
    return ".".join(p for p in (_local(w) for w in name.split()) if p)
