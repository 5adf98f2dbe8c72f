"""plugin.json, the manifest host-side installers read, against the app's real routes and settings."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from marshmallow import fields, validate
from werkzeug.exceptions import MethodNotAllowed, NotFound

import plugin
from connectors.registry import CONNECTORS
from plugin.api.schemas import InstallationCreateSchema
from plugin.config import DEFAULT_GRACE_MINUTES, DEFAULT_LOCALE, DEFAULT_TIME_ZONE, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "plugin.json").read_text(encoding="utf-8"))

# Fields of InstallationCreateSchema that identify and connect the helpdesk; every other field is a setting.
CONNECTION_FIELDS = {"name", "connector", "base_url", "host_api_token"}
JSON_TYPES = {fields.String: "string", fields.Integer: "integer", fields.Boolean: "boolean", fields.Float: "number"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Paths that are no single route: the webhook pattern is checked per host, the API base path as a prefix.
NOT_ROUTES = {"webhook.path", "api.base_path"}


def _urls(node, where: str = ""):
    """Yield (location, value) for every string in the manifest that is a path on the plugin's server."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _urls(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _urls(value, f"{where}[{index}]")
    elif isinstance(node, str) and node.startswith("/"):
        yield where, node


def _match(app, path: str, method: str = "GET") -> str:
    """Return the endpoint that serves ``method path``; raise NotFound or MethodNotAllowed."""
    endpoint, _arguments = app.url_map.bind("localhost").match(path, method=method)
    return endpoint


def _setting(name: str) -> dict:
    return next(item for item in MANIFEST["settings"] if item["name"] == name)


def _validator(field, kind):
    return next((item for item in field.validators if isinstance(item, kind)), None)


def test_version_matches_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    assert MANIFEST["version"] == plugin.__version__
    assert MANIFEST["version"] == pyproject["project"]["version"]


def test_description_in_english_and_italian():
    assert MANIFEST["description"]["en"].strip()
    assert MANIFEST["description"]["it"].strip()
    assert MANIFEST["description"]["en"] != MANIFEST["description"]["it"]


def test_locales_match_config():
    assert tuple(MANIFEST["locales"]) == SUPPORTED_LOCALES


def test_every_path_is_a_real_route(app):
    checked = [(where, path) for where, path in _urls(MANIFEST) if where not in NOT_ROUTES]

    unserved = []
    for where, path in checked:
        try:
            _match(app, path)
        except (NotFound, MethodNotAllowed):
            unserved.append(f"{where} = {path!r}")

    assert checked, "the manifest names no path at all"
    assert not [path for _where, path in checked if PLACEHOLDER.search(path)], "a route path has a placeholder"
    assert not unserved, f"not GET routes of the app: {unserved}; fix the path, or set it to null and the " \
                         "status to planned"


@pytest.mark.parametrize("name", ["overview", "settings", "widget"])
def test_page_url_real_or_planned(app, name):
    page = MANIFEST["pages"][name]

    if page["url"] is None:
        assert page["status"] == "planned", f"pages.{name} has no URL, so its status must be planned"
    else:
        assert page["status"] == "available", f"pages.{name} has a URL, so its status must be available"
        assert _match(app, page["url"])


def test_api_paths_under_base_path(app):
    base = MANIFEST["api"]["base_path"]

    assert MANIFEST["api"]["openapi_url"].startswith(base + "/")
    assert any(rule.rule.startswith(base + "/") for rule in app.url_map.iter_rules())


def test_openapi_url_serves_document(client):
    response = client.get(MANIFEST["api"]["openapi_url"])

    assert response.status_code == 200
    assert response.get_json()["info"]["version"] == plugin.__version__


@pytest.mark.parametrize("host", MANIFEST["hosts"], ids=[host["id"] for host in MANIFEST["hosts"]])
def test_host_webhook_path_routes_to_receiver(app, host):
    path = MANIFEST["webhook"]["path"].format(connector=host["connector"], installation_id=1)

    endpoint = _match(app, path, MANIFEST["webhook"]["method"])

    assert endpoint.startswith("webhooks."), f"{path} is served by {endpoint}, not by the webhook receiver"


@pytest.mark.parametrize("host", MANIFEST["hosts"], ids=[host["id"] for host in MANIFEST["hosts"]])
def test_available_host_has_registered_connector(host):
    assert host["status"] in ("available", "planned")
    if host["status"] == "available":
        assert host["connector"] in CONNECTORS, (
            f"host {host['id']} is marked available, but connector {host['connector']!r} is not registered in "
            f"connectors/registry.py (registered: {sorted(CONNECTORS)})")


def test_registered_connectors_listed():
    listed = {host["connector"] for host in MANIFEST["hosts"]}

    assert set(CONNECTORS) <= listed, f"plugin.json lists no host for connectors {sorted(set(CONNECTORS) - listed)}"


@pytest.mark.parametrize("host", MANIFEST["hosts"], ids=[host["id"] for host in MANIFEST["hosts"]])
def test_host_permissions_documented(host):
    token = host["api_token"]

    assert token["kind"].strip()
    assert all(item["name"] and item["purpose"] for item in token["permissions"])


def test_settings_cover_installation_schema():
    schema_settings = set(InstallationCreateSchema().fields) - CONNECTION_FIELDS
    manifest_settings = [item["name"] for item in MANIFEST["settings"]]

    assert len(manifest_settings) == len(set(manifest_settings)), "a setting is listed twice"
    assert set(manifest_settings) == schema_settings


@pytest.mark.parametrize("setting", MANIFEST["settings"], ids=[item["name"] for item in MANIFEST["settings"]])
def test_setting_matches_schema_field(setting):
    field = InstallationCreateSchema().fields[setting["name"]]
    one_of = _validator(field, validate.OneOf)
    value_range = _validator(field, validate.Range)

    assert setting["type"] == JSON_TYPES[type(field)]
    assert setting["default"] == field.load_default
    assert setting.get("enum") == (list(one_of.choices) if one_of else None)
    assert setting.get("minimum") == (value_range.min if value_range else None)
    assert setting.get("maximum") == (value_range.max if value_range else None)
    assert setting["label"]["en"].strip()
    assert setting["label"]["it"].strip()


@pytest.mark.parametrize("name, default", [
    ("time_zone", DEFAULT_TIME_ZONE),
    ("locale", DEFAULT_LOCALE),
    ("grace_minutes", DEFAULT_GRACE_MINUTES),
])
def test_setting_default_matches_config(name, default):
    assert _setting(name)["default"] == default


def test_locale_setting_offers_supported_locales():
    assert tuple(_setting("locale")["enum"]) == SUPPORTED_LOCALES


def test_week_start_labels_every_choice():
    setting = _setting("week_start")

    assert sorted(int(key) for key in setting["enum_labels"]) == sorted(setting["enum"])
