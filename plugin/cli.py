"""The ``helpdesk-goals`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_babel import Babel, force_locale
from flask_babel import gettext as _

from .config import DEFAULT_LOCALE, DEFAULT_TIME_ZONE, SUPPORTED_LOCALES, ConfigError, Settings

log = logging.getLogger(__name__)


def _locale_from_environment() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value[:2] in SUPPORTED_LOCALES:
            return value[:2]
    return None


@contextmanager
def _messages_in(locale: str | None):
    """Translate ``gettext`` calls inside the block into ``locale``, outside any request.

    ``None`` picks the language of the environment (``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``), else English. A bare app rooted at the package reads the same
    catalogs (``plugin/translations``) as the web app.
    """
    app = Flask(__package__)
    Babel(app)
    with app.app_context(), force_locale(locale or _locale_from_environment() or DEFAULT_LOCALE):
        yield


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        raise SystemExit(f"helpdesk-goals: {error}") from None


def command_serve(args) -> int:
    from .commands.stack import start_stack, wait_forever

    stack = start_stack(_settings(), args.host, args.port, workers=args.workers)
    with _messages_in(None):
        print(_("helpdesk-goals is serving at %(url)s (Ctrl-C stops it)", url=stack.base_url), flush=True)
    return wait_forever(stack)


def command_migrate(args) -> int:
    from .db import upgrade

    settings = _settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    with _messages_in(None):
        print(_("The database schema is up to date."))
    return 0


def command_install(args) -> int:
    from .db import transaction, upgrade
    from .runtime import build_runtime
    from .services.installations import InstallationSettingError, create_installation

    settings = _settings()
    if args.host_kind == "rt":
        from connectors.rt import install as rt_install

        try:
            with _messages_in(None):
                rt_install.check_before_install(args.url, args.token)
        except rt_install.InstallError as error:
            print(f"helpdesk-goals: {error}", file=sys.stderr)
            return 2
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    runtime = build_runtime(settings, connect=False)
    try:
        with transaction(runtime.sessions) as session:
            created = create_installation(session, name=args.name, connector=args.host_kind, time_zone=args.time_zone,
                                          locale=args.locale, fiscal_year_start_month=args.fiscal_year_start,
                                          week_start=6 if args.week_start == "sunday" else 0, base_url=args.url,
                                          host_api_token=args.token)
            installation_id = created.installation.id
    except InstallationSettingError as error:
        for field, messages in error.errors.items():
            print(f"helpdesk-goals: {field}: {'; '.join(messages)}", file=sys.stderr)
        return 2
    print(json.dumps({"installation": installation_id, "api_token": created.api_token,
                      "webhook_secret": created.webhook_secret,
                      "webhook_path": f"/webhooks/{args.host_kind}/{installation_id}"}, indent=2))
    with _messages_in(None):
        print(_("Keep the API token and the webhook secret: they are shown only once."), file=sys.stderr)
    if args.host_kind == "rt":
        with _messages_in(None):
            return rt_install.complete_install(runtime, installation_id, created.webhook_secret, args)
    return 0


def command_replay(args) -> int:
    from .commands.replay import ReplayError, default_progress, replay

    path = Path(args.file)
    if not path.is_file():
        with _messages_in(None):
            raise SystemExit("helpdesk-goals: " + _("log file %(path)s not found", path=path))
    url = f"{args.url.rstrip('/')}/webhooks/generic/{args.installation}"
    state = Path(args.state) if args.state else path.with_name(path.name + f".replay-{args.installation}.json")
    try:
        result = replay(path, url, args.secret, args.time_zone, batch_size=args.batch_size, state_path=state,
                        restart=args.restart, on_progress=None if args.quiet else default_progress())
    except (ReplayError, ValueError) as error:
        raise SystemExit(f"helpdesk-goals: {error}") from None
    with _messages_in(None):
        print(_("sent %(sent)s events: %(new)s new, %(duplicates)s already stored; %(skipped)s skipped as sent "
                "by an earlier run (--restart sends them again)", sent=result.sent, new=result.accepted,
                duplicates=result.duplicates, skipped=result.skipped))
    return 0


def command_demo(args) -> int:
    from .commands import demo
    from .commands.stack import start_stack, wait_forever
    from .commands.table import print_tables

    settings = _settings()
    stack = start_stack(settings, args.host, args.port, workers=1)
    runtime = stack.app.extensions["helpdesk_goals"]
    locale = args.locale or _locale_from_environment() or "en"
    try:
        installation = demo.ensure_installation(runtime, settings.instance_path, args.time_zone, locale)
        with _messages_in(locale):
            print(_("Replaying the bundled incident log into installation %(id)s (%(zone)s) at %(url)s",
                    id=installation.id, zone=args.time_zone, url=stack.base_url), flush=True)
        result = demo.run_replay(stack.base_url, installation, settings.instance_path, show_progress=not args.quiet)
        with _messages_in(locale):
            print(_("%(new)s new events, %(duplicates)s already stored", new=result.accepted,
                    duplicates=result.duplicates), flush=True)
        demo.wait_until_processed(runtime, installation.id)

        span = demo.demo_span(demo.bundled_log(), args.time_zone)
        goals = demo.ensure_goals(stack.base_url, installation.token, span)
        demo.wait_for_jobs(runtime, [item["job"] for item in goals if item["job"]])
        demo.wait_until_processed(runtime, installation.id)

        documents = {item["goal"]["template"]: demo.fetch_progress(stack.base_url, installation.token,
                                                                   item["goal"]["id"]) for item in goals}
        label = goals[0]["goal"]["milestones"][0]["label"]
        overview_url = demo.overview_url(stack.base_url, stack.app.config["SECRET_KEY"], installation.id, locale)
        with stack.app.test_request_context(), force_locale(locale):
            print()
            print_tables(documents, label, args.time_zone, sys.stdout)
            print(data_attribution())
            print()
            print(_("Overview: %(url)s", url=overview_url))
            print(_("API token of the demo installation: %(token)s", token=installation.token), flush=True)
    except BaseException:
        stack.stop()
        raise

    if args.exit:
        stack.stop()
        return 0
    with _messages_in(locale):
        print(_("The server keeps running; Ctrl-C stops it."), flush=True)
    return wait_forever(stack)


DATA_CITATION = (
    "Amaral, C., Fantinato, M., & Peres, S. (2018). Incident management process enriched event log "
    "[Dataset]. UCI Machine Learning Repository. https://doi.org/10.24432/C57S4H"
)
DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


def data_attribution() -> str:
    """Return the credit line that CC BY 4.0 requires for the bundled log, in the current locale.

    The citation keeps the dataset's original English title in every language.
    """
    return _("Data: %(citation)s. Licensed under CC BY 4.0 (%(license)s); excerpt of the first 5,998 rows, "
             "values unchanged. The creators do not endorse helpdesk-goals.",
             citation=DATA_CITATION, license=DATA_LICENSE_URL)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk-goals", description="Service goals for open-source helpdesks.")
    parser.add_argument("--log-level", default=None, help="log level: DEBUG, INFO, WARNING (default), ERROR")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server, a worker and the scheduler")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="number of RQ worker processes (default 1)")
    serve.set_defaults(handler=command_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(handler=command_migrate)

    install = commands.add_parser("install", help="create an installation and print its API token and webhook secret")
    install.add_argument("--host", dest="host_kind", default="generic", help="connector name (default generic)")
    install.add_argument("--name", default="Helpdesk", help="display name of the installation")
    install.add_argument("--url", default=None, help="base URL of the helpdesk")
    install.add_argument("--token", default=None, help="API token the plugin uses to call the helpdesk")
    install.add_argument("--time-zone", default=DEFAULT_TIME_ZONE, help=f"IANA time zone (default {DEFAULT_TIME_ZONE})")
    install.add_argument("--locale", default="en", choices=SUPPORTED_LOCALES, help="default locale (default en)")
    install.add_argument("--fiscal-year-start", type=int, default=1, help="first month of the fiscal year, 1 to 12")
    install.add_argument("--week-start", choices=("monday", "sunday"), default="monday", help="first day of the week")
    from connectors.rt.install import add_arguments as add_rt_install_arguments

    add_rt_install_arguments(install)
    install.set_defaults(handler=command_install)

    replay = commands.add_parser("replay", help="send an incident event log (CSV) to a running plugin as webhooks")
    replay.add_argument("file", help="path of the CSV log")
    replay.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the plugin")
    replay.add_argument("--installation", type=int, required=True, help="installation id")
    replay.add_argument("--secret", required=True, help="the installation's webhook secret")
    replay.add_argument("--time-zone", default=DEFAULT_TIME_ZONE,
                        help=f"zone of the log's local times (default {DEFAULT_TIME_ZONE})")
    replay.add_argument("--batch-size", type=int, default=200, help="events per request, 1 to 500 (default 200)")
    replay.add_argument("--state", default=None, help="file recording progress (default: next to the log)")
    replay.add_argument("--restart", action="store_true", help="send every event again, ignoring the state file")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.set_defaults(handler=command_replay)

    demo = commands.add_parser("demo", help="run the plugin on the bundled incident log and print goal progress")
    demo.add_argument("--time-zone", default=DEFAULT_TIME_ZONE,
                      help=f"installation time zone; the log's local times are read in it (default {DEFAULT_TIME_ZONE})")
    demo.add_argument("--locale", choices=SUPPORTED_LOCALES, default=None,
                      help="language of the table (default: from LANG, else en)")
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    demo.add_argument("--exit", action="store_true", help="stop after printing the tables")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=command_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = (args.log_level or os.environ.get("HELPDESK_GOALS_LOG_LEVEL") or "WARNING").upper()
    os.environ["HELPDESK_GOALS_LOG_LEVEL"] = level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
