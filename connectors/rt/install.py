"""Finish ``helpdesk-goals install --host rt``: RT setup file, instructions and backfill.

REST2 in RT 5.0.3 cannot create scrips, so the installer writes an RT
initialdata file. It contains the goals scrip (webhook URL and secret filled
in), the push-back queue and the rights of the plugin's RT user. The installer
prints the ``rt-setup-database-5`` command that loads the file and the
``RT_SiteConfig`` lines, then reads RT's history through REST2 into the inbox.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from flask_babel import gettext as _
from redis import Redis

from plugin.db import transaction
from plugin.models import ConnectorState
from plugin.runtime import Runtime

from .rest2 import RTApiError, RTClient
from .sync import DEFAULT_GOALS_QUEUE, GOALS_QUEUE_KEY, SERVICE_USER, RTSync

log = logging.getLogger(__name__)

SCRIP_FILE = Path(__file__).resolve().parent / "scrip.pl"
DEFAULT_PLUGIN_URL = "http://127.0.0.1:8000"
# Rights of the plugin's RT user: global reads for the sync, and on the goals
# queue the rights to create and reply to each agent's goal ticket.
GLOBAL_RIGHTS = ("SeeQueue", "ShowTicket", "ShowTicketComments", "CommentOnTicket", "SeeGroup",
                 "AdminGroupMembership", "AdminUsers", "ShowUserHistory")
GOALS_QUEUE_RIGHTS = ("SeeQueue", "ShowTicket", "CreateTicket", "ReplyToTicket", "ModifyTicket", "Watch")

_URL_LINE = "    my $url = RT->Config->Get('GoalsWebhookURL');"
_SECRET_LINE = "    my $secret = RT->Config->Get('GoalsWebhookSecret');"


class InstallError(Exception):
    """The RT part of the installation failed; the message names the fix."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that only ``--host rt`` reads to the ``install`` command."""
    group = parser.add_argument_group("Request Tracker (--host rt)")
    group.add_argument("--plugin-url", default=DEFAULT_PLUGIN_URL,
                       help=f"URL at which RT reaches this plugin, written into the scrip (default {DEFAULT_PLUGIN_URL})")
    group.add_argument("--datafile", default=None,
                       help="where to write the RT initialdata file (default: rt-initialdata-<id>.pl in the instance folder)")
    group.add_argument("--goals-queue", default=DEFAULT_GOALS_QUEUE,
                       help=f"RT queue of the agents' goal tickets, created by the datafile (default {DEFAULT_GOALS_QUEUE})")
    group.add_argument("--no-backfill", action="store_true", help="skip reading RT's existing tickets")


def check_before_install(url: str | None, token: str | None) -> str:
    """Check that the RT URL and auth token are given and work; return RT's version string.

    Raises ``InstallError`` before anything is stored, so a typo never leaves
    an installation behind.
    """
    missing = [option for option, value in (("--url", url), ("--token", token)) if not value]
    if missing:
        raise InstallError(_("--host rt needs %(options)s: the RT web URL (https://rt.example.org) and an auth "
                             "token of the RT user %(user)s", options=" and ".join(missing), user=SERVICE_USER))
    try:
        body = RTClient(url, token).get("/rt")
    except (ValueError, RTApiError) as error:
        raise InstallError(_("cannot read RT at %(url)s: %(error)s", url=url, error=str(error))) from None
    version = body.get("Version") if isinstance(body, dict) else None
    return str(version or "unknown")


def _perl_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def scrip_code(webhook_url: str, secret: str) -> str:
    """Return ``scrip.pl`` with the webhook URL and secret as defaults, used when the site config sets none."""
    code = SCRIP_FILE.read_text(encoding="utf-8")
    if _URL_LINE not in code or _SECRET_LINE not in code:
        raise InstallError(f"{SCRIP_FILE} no longer reads GoalsWebhookURL and GoalsWebhookSecret as expected")
    code = code.replace(_URL_LINE, _URL_LINE[:-1] + f" // {_perl_string(webhook_url)};")
    return code.replace(_SECRET_LINE, _SECRET_LINE[:-1] + f" // {_perl_string(secret)};")


def initialdata(webhook_url: str, secret: str, goals_queue: str) -> str:
    """Return an RT initialdata file with the goals queue, the plugin user's rights and the scrip."""
    global_acl = "\n".join(f"    {{ UserId => {_perl_string(SERVICE_USER)}, Right => {_perl_string(right)} }},"
                           for right in GLOBAL_RIGHTS)
    queue_acl = "\n".join(f"    {{ UserId => {_perl_string(SERVICE_USER)}, Queue => {_perl_string(goals_queue)}, "
                          f"Right => {_perl_string(right)} }}," for right in GOALS_QUEUE_RIGHTS)
    requestor_acl = "\n".join(f"    {{ GroupDomain => 'RT::Queue-Role', GroupType => 'Requestor', "
                              f"Queue => {_perl_string(goals_queue)}, Right => {_perl_string(right)} }},"
                              for right in ("ShowTicket", "ShowTicketComments"))
    return f"""# RT initialdata written by `helpdesk-goals install --host rt`. Load it once:
#   rt-setup-database-5 --action insert --datafile <this file>
# It contains the webhook secret: keep it private and delete it after loading.
# The RT user {SERVICE_USER} must exist before it is loaded.
our (@Queues, @ACL, @Scrips);

@Queues = (
    {{ Name => {_perl_string(goals_queue)}, Description => 'Goal progress of each agent, kept by helpdesk-goals' }},
);

@ACL = (
{global_acl}
{queue_acl}
    # Each agent reads their own goal ticket as its requestor.
{requestor_acl}
);

my $commit_code = <<'HELPDESK_GOALS_SCRIP';
{scrip_code(webhook_url, secret).rstrip()}
HELPDESK_GOALS_SCRIP

@Scrips = (
    {{
        Description => 'helpdesk-goals webhook',
        # RT runs CustomIsApplicableCode only under the 'User Defined' condition.
        ScripCondition => 'User Defined',
        ScripAction => 'User Defined',
        Template => 'Blank',
        CustomPrepareCode => 'return 1;',
        # Loop guard: changes made by the plugin's own RT user, and anything on
        # the goal tickets in the goals queue, are not posted back.
        CustomIsApplicableCode => q{{
            return 0 if $self->TransactionObj->CreatorObj->Name eq '{SERVICE_USER}';
            return $self->TicketObj->QueueObj->Name ne {_perl_string(goals_queue)};
        }},
        CustomCommitCode => $commit_code,
    }},
);

1;
"""


def write_datafile(path: Path, content: str) -> None:
    """Write the initialdata file readable by its owner only, because it contains the webhook secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)


def site_config_lines(webhook_url: str, secret: str) -> str:
    return (f"Set($GoalsWebhookURL, {_perl_string(webhook_url)});\n"
            f"Set($GoalsWebhookSecret, {_perl_string(secret)});\n")


def progress_bar(stream: TextIO, width: int = 30):
    """Return a callback that draws ``[#####     ] 12/40 tickets`` on one line of ``stream``."""

    def draw(done: int, total: int) -> None:
        filled = width if total == 0 else width * done // total
        stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} tickets")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return draw


def complete_install(runtime: Runtime, installation_id: int, webhook_secret: str, args: argparse.Namespace,
                     out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Write the RT datafile, print the RT steps, run the backfill; return the command's exit code.

    ``out`` and ``err`` default to the standard streams at call time.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    webhook_url = f"{args.plugin_url.rstrip('/')}/webhooks/rt/{installation_id}"
    datafile = Path(args.datafile) if args.datafile else \
        runtime.settings.instance_path / f"rt-initialdata-{installation_id}.pl"
    write_datafile(datafile, initialdata(webhook_url, webhook_secret, args.goals_queue))
    with transaction(runtime.sessions) as session:
        session.add(ConnectorState(installation_id=installation_id, key=GOALS_QUEUE_KEY, value=args.goals_queue))

    out.write("\n" + _("RT setup for installation %(id)s:", id=installation_id) + "\n\n")
    out.write("1. " + _("Add these lines to RT_SiteConfig.pm (or a file in RT_SiteConfig.d/):") + "\n\n")
    for line in site_config_lines(webhook_url, webhook_secret).splitlines():
        out.write(f"   {line}\n")
    out.write("\n2. " + _("Load the scrip, the goals queue and the rights of the RT user %(user)s (once), "
                          "then restart RT:", user=SERVICE_USER) + "\n\n")
    out.write(f"   rt-setup-database-5 --action insert --datafile {datafile}\n\n")
    out.write("   " + _("%(file)s contains the webhook secret: delete it after loading.", file=datafile) + "\n")

    if args.no_backfill:
        out.write("\n" + _("Backfill skipped (--no-backfill). Run it later with: %(command)s",
                               command=f"python -m jobs.sync backfill {installation_id}") + "\n")
        return 0

    if runtime.redis is None and runtime.settings.redis_url:
        runtime.redis = Redis.from_url(runtime.settings.redis_url)
    out.write("\n3. " + _("Reading the users, groups, queues and tickets of RT:") + "\n")
    out.flush()
    try:
        result = RTSync(runtime, installation_id, on_progress=progress_bar(err)).backfill()
    except RTApiError as error:
        log.error("rt.install.backfill_failed installation=%s error=%s", installation_id, error)
        err.write("helpdesk-goals: " + _("backfill failed: %(error)s. The installation exists: fix the RT URL, "
                                         "token or rights, then run: %(command)s", error=str(error),
                                         command=f"python -m jobs.sync backfill {installation_id}") + "\n")
        return 1
    out.write("   " + _("stored %(stored)s events from %(tickets)s tickets (%(duplicates)s already stored); "
                        "catch-up continues after transaction %(watermark)s", stored=result.stored,
                        tickets=result.tickets, duplicates=result.duplicates, watermark=result.watermark) + "\n")
    if result.failed_tickets:
        out.write("   " + _("tickets that could not be read: %(ids)s", ids=", ".join(result.failed_tickets)) + "\n")
    return 0
