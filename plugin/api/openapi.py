"""The OpenAPI 3 document of ``/api/v1``, built from the marshmallow schemas.

Each operation is listed in ``OPERATIONS`` with the schemas it reads and writes.
``build_document`` adds only operations whose route the app really serves, and a
test checks that every API route has an entry.
"""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from .. import __version__
from . import schemas

# (method, path, summary, request schema, response schema, success status)
OPERATIONS = [
    ("post", "/api/v1/installations", "Create an installation (admin token)", schemas.InstallationCreateSchema,
     schemas.InstallationSchema, 201),
    ("get", "/api/v1/installations", "List the caller's installation", None, schemas.InstallationSchema, 200),
    ("get", "/api/v1/installations/{installation_id}", "Read an installation", None, schemas.InstallationSchema, 200),
    ("get", "/api/v1/users", "List users", None, schemas.UserSchema, 200),
    ("get", "/api/v1/users/{user_id}", "Read a user", None, schemas.UserSchema, 200),
    ("get", "/api/v1/teams", "List teams", None, schemas.TeamSchema, 200),
    ("get", "/api/v1/teams/{team_id}", "Read a team with its memberships", None, schemas.TeamSchema, 200),
    ("get", "/api/v1/pipelines", "List pipelines", None, schemas.PipelineSchema, 200),
    ("get", "/api/v1/pipelines/{pipeline_id}", "Read a pipeline", None, schemas.PipelineSchema, 200),
    ("post", "/api/v1/goals", "Create a goal", schemas.GoalCreateSchema, schemas.GoalSchema, 201),
    ("get", "/api/v1/goals", "List goals; filters template, frequency, name, user, team", None, schemas.GoalSchema, 200),
    ("get", "/api/v1/goals/{goal_id}", "Read a goal", None, schemas.GoalSchema, 200),
    ("patch", "/api/v1/goals/{goal_id}", "Change a goal's editable settings; pipelines, KPI and periods cannot change",
     schemas.GoalUpdateSchema, schemas.GoalSchema, 200),
    ("delete", "/api/v1/goals/{goal_id}", "Delete a goal", None, None, 204),
    ("post", "/api/v1/goals/{goal_id}/clone", "Clone a goal without its audit trail", schemas.GoalCloneSchema,
     schemas.GoalSchema, 201),
    ("post", "/api/v1/goals/{goal_id}/contributors", "Add a user to a goal", schemas.ContributorAddSchema,
     schemas.ContributorSchema, 201),
    ("delete", "/api/v1/goals/{goal_id}/contributors", "Delete contributors; deleting all deletes the goal",
     schemas.ContributorDeleteSchema, None, 200),
    ("put", "/api/v1/goals/{goal_id}/targets", "Change targets per contributor and milestone",
     schemas.TargetChangesSchema, None, 200),
    ("get", "/api/v1/goals/{goal_id}/progress", "Progress per contributor and milestone", None,
     schemas.ProgressSchema, 200),
    ("get", "/api/v1/goals/{goal_id}/audit", "Audit trail of the goal", None, schemas.AuditSchema, 200),
    ("get", "/api/v1/calendars", "List business calendars", None, schemas.CalendarSchema, 200),
    ("post", "/api/v1/calendars", "Create a business calendar for the installation or a team",
     schemas.CalendarCreateSchema, schemas.CalendarSchema, 201),
    ("get", "/api/v1/calendars/{calendar_id}", "Read a business calendar", None, schemas.CalendarSchema, 200),
    ("put", "/api/v1/calendars/{calendar_id}", "Replace a business calendar's settings", schemas.CalendarCreateSchema,
     schemas.CalendarSchema, 200),
    ("delete", "/api/v1/calendars/{calendar_id}", "Delete a business calendar", None, None, 204),
]

# Collection endpoints return {"items": [...], "page", "per_page", "total"}.
PAGINATED = {"/api/v1/installations", "/api/v1/users", "/api/v1/teams", "/api/v1/pipelines", "/api/v1/goals",
             "/api/v1/goals/{goal_id}/audit", "/api/v1/calendars"}

ERROR_STATUSES = {"400": "Malformed request", "401": "Missing or invalid token", "404": "Not found",
                  "422": "Invalid fields"}


def flask_path(path: str) -> str:
    """Turn ``/goals/{goal_id}`` into Flask's ``/goals/<int:goal_id>``."""
    return path.replace("{", "<int:").replace("}", ">")


def build_document(app: Flask) -> dict:
    """Return the OpenAPI 3.0 document for the operations the app serves."""
    spec = APISpec(title="helpdesk-goals API", version=__version__, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=schemas.ErrorSchema)

    served = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() for method in rule.methods}
    paths: dict[str, dict] = {}
    for method, path, summary, request_schema, response_schema, success in OPERATIONS:
        if (flask_path(path), method) not in served:
            continue
        operation: dict = {"summary": summary, "security": [{"bearer": []}], "responses": {}}
        parameters = [segment[1:-1] for segment in path.split("/") if segment.startswith("{")]
        if parameters:
            operation["parameters"] = [{"name": name, "in": "path", "required": True,
                                        "schema": {"type": "integer"}} for name in parameters]
        if request_schema is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": request_schema}}}
        if response_schema is not None and method == "get" and path in PAGINATED:
            page = {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
                "items": {"type": "array", "items": response_schema},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
                "total": {"type": "integer", "minimum": 0}}}
            operation["parameters"] = operation.get("parameters", []) + [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200,
                                                                "default": 50}}]
            operation["responses"][str(success)] = {"description": "One page of results",
                                                    "content": {"application/json": {"schema": page}}}
        elif response_schema is not None:
            operation["responses"][str(success)] = {"description": "Success",
                                                    "content": {"application/json": {"schema": response_schema}}}
        else:
            operation["responses"][str(success)] = {"description": "Success"}
        for status, description in ERROR_STATUSES.items():
            operation["responses"][status] = {"description": description,
                                              "content": {"application/json": {"schema": "Error"}}}
        paths.setdefault(path, {})[method] = operation

    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
