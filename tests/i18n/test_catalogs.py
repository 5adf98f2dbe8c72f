"""The gettext catalogs: complete in Italian, compiled, and in step with the source code."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "plugin" / "translations"
LOCALES = ("it", "en")
FIX = "run scripts/update-translations, translate the new entries of it/LC_MESSAGES/messages.po, run it again"

# Babel's default keywords plus those that scripts/update-translations adds.
KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3),
    "N_": None, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2),
}


def _read_po(path: Path):
    with path.open("rb") as stream:
        return read_po(stream)


def _key(context: str | None, message_id) -> tuple[str | None, str]:
    """Return (context, singular msgid), which identifies a message in every catalog."""
    return context, message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _keys(catalog) -> set[tuple[str | None, str]]:
    return {_key(message.context, message.id) for message in catalog if message.id}


def _gettext_entries(catalog) -> dict:
    """Return the entries a compiled catalog must hold, keyed as ``gettext`` keys them."""
    entries = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        prefix = "" if message.context is None else f"{message.context}\x04"
        if message.pluralizable:
            if all(message.string):
                for index, text in enumerate(message.string):
                    entries[(prefix + message.id[0], index)] = text
        elif message.string:
            entries[prefix + message.id] = message.string
    return entries


@pytest.fixture(scope="module")
def template():
    return _read_po(CATALOGS / "messages.pot")


def test_template_matches_source_code(template):
    with (ROOT / "babel.cfg").open() as stream:
        method_map, options_map = parse_mapping_cfg(stream)
    extracted = {_key(context, message) for _file, _line, message, _comments, context
                 in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}

    missing = sorted(extracted - _keys(template), key=str)
    unused = sorted(_keys(template) - extracted, key=str)

    assert not missing, f"messages.pot lacks messages of the code: {missing}; {FIX}"
    assert not unused, f"messages.pot lists messages the code no longer has: {unused}; {FIX}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_template_message(template, locale):
    catalog = _read_po(CATALOGS / locale / "LC_MESSAGES" / "messages.po")

    missing = sorted(_keys(template) - _keys(catalog), key=str)

    assert not missing, f"the {locale} catalog lacks {missing}; {FIX}"


def test_italian_translation_not_empty(template):
    wanted = _keys(template)
    messages = [message for message in _read_po(CATALOGS / "it" / "LC_MESSAGES" / "messages.po")
                if message.id and _key(message.context, message.id) in wanted]

    empty = [message.id for message in messages
             if not (all(message.string) if message.pluralizable else message.string.strip())]
    fuzzy = [message.id for message in messages if message.fuzzy]

    assert not empty, f"the Italian translation is empty for {empty}; {FIX}"
    assert not fuzzy, f"the Italian translation is marked fuzzy for {fuzzy}: review it, remove the flag, " \
                      "then run scripts/update-translations"


def test_italian_placeholders_match():
    catalog = _read_po(CATALOGS / "it" / "LC_MESSAGES" / "messages.po")

    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]

    assert not problems, f"Italian translations break their format placeholders: {problems}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_po(locale):
    folder = CATALOGS / locale / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as stream:
        compiled = {key: value for key, value in gettext.GNUTranslations(stream)._catalog.items() if key != ""}
    expected = _gettext_entries(_read_po(folder / "messages.po"))

    stale = sorted((key for key, value in expected.items() if compiled.get(key) != value), key=str)
    extra = sorted((key for key in compiled if key not in expected), key=str)

    assert not stale, f"{locale}/LC_MESSAGES/messages.mo is older than messages.po for {stale}: " \
                      "run scripts/update-translations"
    assert not extra, f"{locale}/LC_MESSAGES/messages.mo holds messages that messages.po lacks: {extra}: " \
                      "run scripts/update-translations"
