"""The Flask application factory. Importing this module has no side effects."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask_babel import Babel, get_locale
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from .config import SUPPORTED_LOCALES, Settings
from .i18n import select_locale
from .runtime import Runtime, build_runtime

log = logging.getLogger(__name__)


def configure_logging(level: str) -> None:
    """Send key=value log lines to standard error, once per process."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, bounded to the database's 64-bit integers.

    A larger number cannot name a row, and passing it to the database raises an
    overflow error, so such a URL matches no route and gets 404.
    """

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the app from ``settings`` (the environment when None) or from a ready ``runtime``.

    The runtime becomes this process's current one, so jobs that run in the web
    process (synchronous queues in tests) share its database and Redis.
    """
    if runtime is None:
        settings = settings or Settings.from_env()
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        runtime = build_runtime(settings)
    settings = runtime.settings
    configure_logging(settings.log_level)
    runtime.activate()

    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config.update(
        SECRET_KEY=settings.load_or_create_secret_key(),
        MAX_CONTENT_LENGTH=settings.max_webhook_body_bytes,
        JSON_SORT_KEYS=False,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="None",
    )
    app.url_map.converters["int"] = IdConverter
    app.extensions["helpdesk_goals"] = runtime
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    from .api import blueprint as api_blueprint
    from .metrics import Metrics
    from .metrics import blueprint as metrics_blueprint
    from .overview import blueprint as overview_blueprint
    from .webhooks import blueprint as webhooks_blueprint

    app.register_blueprint(webhooks_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(overview_blueprint)
    app.register_blueprint(metrics_blueprint)
    app.extensions["helpdesk_goals_metrics"] = Metrics(runtime)

    @app.get("/health")
    def health():
        checks = {"database": "ok", "redis": "ok"}
        status = 200
        try:
            with runtime.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            checks["database"] = f"failed: {type(error).__name__}"
            status = 503
        try:
            if runtime.redis is None or not runtime.redis.ping():
                raise ConnectionError("no connection")
        except Exception as error:
            checks["redis"] = f"failed: {type(error).__name__}"
            status = 503
        return jsonify(checks), status

    @app.after_request
    def deny_framing(response):
        # Only the settings page and widget may be framed, by the host; nothing here is yet.
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    log.info("app.created database=%s locales=%s", runtime.engine.url.get_backend_name(), ",".join(SUPPORTED_LOCALES))
    return app
