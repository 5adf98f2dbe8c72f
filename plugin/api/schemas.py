"""Marshmallow schemas of the JSON API: request shapes in, documents out."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..goals.calendar import WEEKDAYS
from ..goals.metrics import AGGREGATIONS, METRICS, TEMPLATES
from ..goals.periods import FREQUENCIES, SPAN_KINDS

# Ids are database integers; a larger number cannot name a row.
ID_RANGE = validate.Range(1, 2**63 - 1, error="{input} is not a valid id: ids are whole numbers from 1 to 2^63-1")
# Targets are counts, or seconds for the duration templates; 10^12 s is over 30,000 years.
TARGET_UNIT = {"description": "A count of tickets for counts; seconds for durations (28800 = 8 h)."}
TARGET_RANGE = validate.Range(0, 10**12, error="{input} is out of range: a target is a count, or seconds for times, "
                                              "from 0 to 10^12")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class InstallationCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    connector = fields.String(required=True, validate=validate.Length(1, 40))
    base_url = fields.Url(load_default=None, allow_none=True, require_tld=False)
    host_api_token = fields.String(load_default=None, allow_none=True, load_only=True)
    time_zone = fields.String(load_default="Europe/Rome")
    locale = fields.String(load_default="en", validate=validate.OneOf(("en", "it")))
    fiscal_year_start_month = fields.Integer(load_default=1, validate=validate.Range(1, 12))
    week_start = fields.Integer(load_default=0, validate=validate.OneOf((0, 6)))
    grace_minutes = fields.Integer(load_default=60, validate=validate.Range(0, 10080))


class InstallationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    connector = fields.String()
    base_url = fields.String(allow_none=True)
    time_zone = fields.String()
    locale = fields.String()
    fiscal_year_start_month = fields.Integer()
    week_start = fields.Integer()
    grace_minutes = fields.Integer()
    webhook_path = fields.Method("_webhook_path")
    created_at = fields.DateTime()

    def _webhook_path(self, installation) -> str:
        return f"/webhooks/{installation.connector}/{installation.id}"


class UserSchema(Schema):
    id = fields.Integer()
    host_ref = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    role = fields.String()
    active = fields.Boolean()
    locale = fields.String(allow_none=True)
    deactivated_at = fields.DateTime(allow_none=True)


class TeamSchema(Schema):
    id = fields.Integer()
    host_ref = fields.String()
    name = fields.String()
    members = fields.List(fields.Dict(), dump_default=None)


class PipelineSchema(Schema):
    id = fields.Integer()
    host_ref = fields.String()
    name = fields.String()


class SpanSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(SPAN_KINDS))
    year = fields.Integer(validate=validate.Range(1970, 2200))
    start = fields.Date()
    end = fields.Date()

    @validates_schema
    def _fields_for_kind(self, data, **_kwargs):
        if data["kind"] in ("year", "fiscal_year") and "year" not in data:
            raise ValidationError(f"a {data['kind']} span needs 'year'", "year")
        if data["kind"] == "dates":
            missing = [name for name in ("start", "end") if name not in data]
            if missing:
                raise ValidationError(f"a dates span needs {' and '.join(missing)}", missing[0])


class ContributorsSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("users", "teams")))
    users = fields.List(fields.Integer(validate=ID_RANGE), load_default=list)
    teams = fields.List(fields.Integer(validate=ID_RANGE), load_default=list)
    include_extra_members = fields.Boolean(load_default=False)
    team_basis = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("per_user", "team")))
    team_attribution = fields.String(load_default="membership",
                                     validate=validate.OneOf(("membership", "ticket_team")))


class TargetOverrideSchema(StrictSchema):
    milestone = fields.String(required=True)
    user = fields.Integer(validate=ID_RANGE)
    team = fields.Integer(validate=ID_RANGE)
    value = fields.Float(required=True, validate=TARGET_RANGE, metadata=TARGET_UNIT)

    @validates_schema
    def _one_contributor(self, data, **_kwargs):
        if ("user" in data) == ("team" in data):
            raise ValidationError("name exactly one of 'user' or 'team'", "user")


class TargetsSchema(StrictSchema):
    user = fields.Float(validate=TARGET_RANGE, metadata=TARGET_UNIT)
    team = fields.Float(validate=TARGET_RANGE, metadata=TARGET_UNIT)
    milestones = fields.List(fields.Nested(TargetOverrideSchema), load_default=list)


class FiltersSchema(StrictSchema):
    """Ticket filters; an empty list lets every value through. Pipelines are chosen with ``pipelines``."""

    priorities = fields.List(fields.String(validate=validate.Length(1, 60)), load_default=list)
    channels = fields.List(fields.String(validate=validate.Length(1, 40)), load_default=list)
    tags = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list)


class GoalCreateSchema(StrictSchema):
    """A new goal. Durations (targets and thresholds of time KPIs) are in seconds, shares in percent.

    ``template`` is a built-in preset or ``custom``, which needs ``metric`` and
    ``aggregation`` (and ``threshold_seconds`` for ``share_within``).
    """

    name = fields.String(required=True, validate=validate.Length(1, 200))
    template = fields.String(required=True, validate=validate.OneOf(tuple(TEMPLATES)))
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    span = fields.Nested(SpanSchema, required=True)
    time_zone = fields.String(load_default=None, allow_none=True)
    contributors = fields.Nested(ContributorsSchema, required=True)
    pipelines = fields.List(fields.Integer(validate=ID_RANGE), load_default=list)
    targets = fields.Nested(TargetsSchema, required=True)
    response_credit = fields.String(load_default="responder", validate=validate.OneOf(("responder", "owner")))
    include_agent_opened = fields.Boolean(load_default=False)
    metric = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(METRICS))
    aggregation = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AGGREGATIONS))
    threshold_seconds = fields.Float(load_default=None, allow_none=True, validate=TARGET_RANGE,
                                     metadata={"description": "Seconds, such as 3600 for 1 h."})
    filters = fields.Nested(FiltersSchema, load_default=dict)
    business_hours = fields.Boolean(load_default=False)
    exclude_paused = fields.Boolean(load_default=False)


class TargetChangeSchema(StrictSchema):
    contributor = fields.Integer(required=True, validate=ID_RANGE)
    milestone = fields.String(required=True)
    value = fields.Float(required=True, validate=TARGET_RANGE, metadata=TARGET_UNIT)


class TargetChangesSchema(StrictSchema):
    targets = fields.List(fields.Nested(TargetChangeSchema), required=True, validate=validate.Length(min=1))


class GoalUpdateSchema(StrictSchema):
    """Settings a goal accepts after creation.

    The fixed settings (``pipelines``, ``template``, ``metric``, ``aggregation``,
    ``frequency``, ``span``, ``time_zone``, ``contributors``) are named only to
    reject them with a clear message.
    """

    name = fields.String(validate=validate.Length(1, 200))
    response_credit = fields.String(validate=validate.OneOf(("responder", "owner")))
    include_agent_opened = fields.Boolean()
    include_extra_members = fields.Boolean()
    team_attribution = fields.String(validate=validate.OneOf(("membership", "ticket_team")))
    business_hours = fields.Boolean()
    exclude_paused = fields.Boolean()
    threshold_seconds = fields.Float(allow_none=True, validate=TARGET_RANGE,
                                     metadata={"description": "Seconds, such as 3600 for 1 h."})
    filters = fields.Nested(FiltersSchema)
    pipelines = fields.Raw()
    template = fields.Raw()
    metric = fields.Raw()
    aggregation = fields.Raw()
    frequency = fields.Raw()
    span = fields.Raw()
    time_zone = fields.Raw()
    contributors = fields.Raw()


class GoalCloneSchema(StrictSchema):
    """A clone's name; without it the source name gets a localized "(copy)" suffix."""

    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))


class ContributorAddSchema(StrictSchema):
    """A user joining a goal, with a target for every milestone (``target``) or per milestone label."""

    user = fields.Integer(required=True)
    team = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    target = fields.Float(load_default=None, allow_none=True, validate=TARGET_RANGE, metadata=TARGET_UNIT)
    targets = fields.Dict(keys=fields.String(), values=fields.Float(validate=TARGET_RANGE, metadata=TARGET_UNIT),
                          load_default=dict)


class ContributorDeleteSchema(StrictSchema):
    contributors = fields.List(fields.Integer(validate=ID_RANGE), required=True, validate=validate.Length(min=1))


_CLOCK = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", error="use HH:MM from 00:00 to 24:00")


class CalendarCreateSchema(StrictSchema):
    """A business calendar; without ``team`` it is the installation's default.

    ``weekly_hours`` maps weekday names to local ``["HH:MM", "HH:MM"]`` intervals;
    a weekday left out has no working time. ``country`` is an ISO 3166 code
    whose national holidays apply (``IT``); ``custom_holidays`` adds ISO dates.
    """

    name = fields.String(required=True, validate=validate.Length(1, 200))
    team = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    time_zone = fields.String(required=True, validate=validate.Length(1, 64))
    weekly_hours = fields.Dict(
        keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
        values=fields.List(fields.List(fields.String(validate=_CLOCK), validate=validate.Length(2, 2))),
        required=True)
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(2, 8))
    subdivision = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 16))
    custom_holidays = fields.List(fields.Date(), load_default=list)


class CalendarSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    team = fields.Integer(attribute="team_id", allow_none=True)
    time_zone = fields.String()
    weekly_hours = fields.Dict()
    country = fields.String(allow_none=True)
    subdivision = fields.String(allow_none=True)
    custom_holidays = fields.List(fields.String())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class MilestoneSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    label = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    frozen = fields.Method("_frozen")

    def _frozen(self, milestone) -> bool:
        return milestone.frozen_at is not None


class ContributorSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    user_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    team_contributor_id = fields.Integer(allow_none=True)


class GoalSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    template = fields.String()
    frequency = fields.String()
    span = fields.Dict()
    time_zone = fields.String()
    contributor_kind = fields.String()
    include_extra_members = fields.Boolean()
    team_basis = fields.String()
    team_attribution = fields.String()
    response_credit = fields.String()
    include_agent_opened = fields.Boolean()
    metric = fields.String()
    aggregation = fields.String()
    direction = fields.String()
    unit = fields.String()
    threshold_seconds = fields.Float(allow_none=True)
    filters = fields.Dict()
    business_hours = fields.Boolean()
    exclude_paused = fields.Boolean()
    pipelines = fields.List(fields.Integer(validate=ID_RANGE))
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    milestones = fields.List(fields.Nested(MilestoneSchema))
    contributors = fields.List(fields.Nested(ContributorSchema))


class ProgressCellSchema(Schema):
    milestone = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    value = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)
    progress = fields.Float(allow_none=True)
    status = fields.String()
    sample_count = fields.Integer()
    frozen = fields.Boolean()
    projected = fields.Float(allow_none=True)
    pace = fields.String(allow_none=True)


class ProgressContributorSchema(Schema):
    contributor = fields.Integer()
    kind = fields.String()
    user_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    name = fields.String()
    team_contributor_id = fields.Integer(allow_none=True)
    stopped_at = fields.DateTime(allow_none=True)
    milestones = fields.List(fields.Nested(ProgressCellSchema))


class ProgressSchema(Schema):
    goal = fields.Integer()
    template = fields.String()
    metric = fields.String()
    aggregation = fields.String()
    direction = fields.String()
    unit = fields.String()
    contributors = fields.List(fields.Nested(ProgressContributorSchema))


class AuditSchema(Schema):
    id = fields.Integer()
    actor = fields.String()
    at = fields.DateTime()
    field = fields.String()
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)


class ErrorSchema(Schema):
    error = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
