"""POST /graphql: authenticate, execute in a worker thread, one unit of work, masked faults.

Execution is synchronous (SQLAlchemy sessions are), so it runs in Starlette's thread pool and
never blocks the event loop. The whole document commits when it ran without errors and rolls
back otherwise; each mutation also runs in its own SAVEPOINT (see api.context.mutate).
With FACILITY_ENV=production the production schema build runs (no introspection) and client
errors are redacted (api.disclosure); the limits on documents are in api.schema and api.limits.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from graphql import GraphQLError, OperationType
from graphql.error import GraphQLSyntaxError
from graphql.language import OperationDefinitionNode, parse
from starlette.concurrency import run_in_threadpool
from strawberry.schema.exceptions import CannotGetOperationTypeError

from facility.api import disclosure, limits
from facility.api.context import Context
from facility.api.errors import is_client_error
from facility.api.schema import production_schema, schema
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.service import account_for_token
from facility.db import RETRY_AFTER_SECONDS, is_lock_timeout, reading_only
from facility.worker import run_pending
from governance.committee import holds_seat

log = logging.getLogger("facility.graphql")
MAX_BODY_BYTES = 256 * 1024

router = APIRouter()


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status)


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def _format_error(error: GraphQLError, correlation_id: str, *,
                  production_document: str | None) -> dict[str, Any]:
    """Client errors pass through; anything unexpected is logged and masked.

    Client errors: syntax and validation errors (no original error), PublicError from a
    resolver, and variable values the schema refused (a GraphQLError raised while coercing
    the request's variables, before any resolver ran, hence without a path). In production
    (`production_document` is the request's document) their messages are redacted.
    """
    original = error.original_error
    if is_client_error(error):
        formatted: dict[str, Any] = dict(error.formatted)
        if production_document is not None:
            formatted["message"] = disclosure.redact(
                formatted["message"], schema=production_schema._schema,
                document=production_document)
        return formatted
    log.error("unexpected GraphQL error [%s]", correlation_id, exc_info=original)
    return {
        "message": f"Unexpected error; reference {correlation_id}",
        "locations": error.formatted.get("locations"),
        "path": error.formatted.get("path"),
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "correlationId": correlation_id},
    }


def _fault(correlation_id: str) -> tuple[dict[str, Any], int]:
    return {"errors": [{"message": f"Unexpected error; reference {correlation_id}",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                       "correlationId": correlation_id}}]}, 500


BUSY = {"errors": [{"message": "the database is busy; retry in a moment",
                    "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}


def execute(app_state: Any, token: str | None, query: str, variables: dict | None,
            operation_name: str | None, accept_language: str | None = None) -> tuple[dict[str, Any], int]:
    """Run one GraphQL document in one unit of work; returns (response body, HTTP status).

    A fault anywhere (opening the session, looking up the token, executing, committing) is
    logged and answered masked under one correlation id, never as a bare 500 page; waiting
    too long for the database is a 503 the client may retry (nothing was written).
    """
    correlation_id = uuid.uuid4().hex[:12]
    try:
        return _execute(app_state, token, query, variables, operation_name, correlation_id,
                        accept_language)
    except Exception as error:
        if is_lock_timeout(error):
            log.warning("GraphQL request waited too long for the database [%s]", correlation_id)
            return BUSY, 503
        log.exception("GraphQL request failed [%s]", correlation_id)
        return _fault(correlation_id)


def _only_reads(query: str, operation_name: str | None) -> bool:
    """Whether the operation to run is a query (a document that does not parse runs nothing)."""
    try:
        document = parse(query, no_location=True)
    except (GraphQLSyntaxError, RecursionError):
        return True
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    return all(o.operation == OperationType.QUERY for o in chosen)


def _execute(app_state: Any, token: str | None, query: str, variables: dict | None,
             operation_name: str | None, correlation_id: str,
             accept_language: str | None = None) -> tuple[dict[str, Any], int]:
    production = app_state.settings.is_production
    with app_state.open_session() as session:
        if _only_reads(query, operation_name):
            reading_only(session)  # on SQLite, a query does not queue behind writers
        actor = None
        if token is not None:
            account = account_for_token(session, token)
            if account is None:
                log.info("refused a request: invalid or revoked API token [%s]", correlation_id)
                return {"errors": [{"message": "invalid or revoked API token"}]}, 401
            # Only a committee account can hold a seat: no lookup for everyone else.
            seated = account.role == Role.COMMITTEE and holds_seat(session, account.id)
            actor = Actor.from_account(account, seated=seated)
        context = Context(session=session, actor=actor, settings=app_state.settings,
                          open_session=app_state.open_session, accept_language=accept_language)
        try:
            result = (production_schema if production else schema).execute_sync(
                query, variable_values=variables, context_value=context,
                operation_name=operation_name)
        except CannotGetOperationTypeError:
            # A client error strawberry raises instead of returning: no operation to run (only
            # fragments) or no operation of the given operationName.
            session.rollback()
            return {"errors": [{"message": "operationName: the document has no operation "
                                           "of that name" if operation_name else
                                "query: the document has no operation to run"}]}, 400
        except Exception:
            session.rollback()
            raise
        if result.errors:
            session.rollback()
        else:
            try:
                session.commit()
            except Exception:
                session.rollback()
                raise
            if app_state.run_jobs_inline:  # tests: the jobs this request enqueued, now
                run_pending(app_state.open_session, app_state.settings)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format_error(e, correlation_id,
                                        production_document=query if production else None)
                          for e in result.errors]
        if production:
            errors = disclosure.generic_fragment_errors(body["errors"], document=query)
            body["errors"] = disclosure.generic_variable_errors(errors, document=query)
    return body, 200


@router.post("/graphql")
async def graphql_post(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(f"request body larger than {MAX_BODY_BYTES} bytes", 413)
    if not request.headers.get("content-type", "").startswith("application/json"):
        return _error("send the query as JSON (Content-Type: application/json)", 415)
    try:
        payload = json.loads(body)
    except ValueError:
        return _error("the body is not valid JSON", 400)
    except RecursionError:
        return _error(f"the body is nested more than {limits.MAX_JSON_DEPTH} levels deep", 400)
    if limits.json_depth(payload) > limits.MAX_JSON_DEPTH:
        return _error(f"the body is nested more than {limits.MAX_JSON_DEPTH} levels deep", 400)
    if not isinstance(payload, dict):
        return _error("send one operation per request (batching is not supported)", 400)
    query = payload.get("query")
    variables = payload.get("variables")
    operation_name = payload.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return _error("query: a GraphQL document is required", 400)
    if variables is not None and not isinstance(variables, dict):
        return _error("variables: must be an object", 400)
    if operation_name is not None and not isinstance(operation_name, str):
        return _error("operationName: must be a string", 400)
    if variables and (where := limits.nul_in_variables(variables)):
        return _error(f"{where}: {limits.NUL_MESSAGE}", 400)
    slots = getattr(request.app.state, "write_slots", None)
    if slots is None or _only_reads(query, operation_name):
        result, status = await run_in_threadpool(
            execute, request.app.state, _bearer_token(request), query, variables, operation_name,
            request.headers.get("accept-language"))
    else:
        async with slots:  # a mutation waits for a write slot here, holding no thread
            result, status = await run_in_threadpool(
                execute, request.app.state, _bearer_token(request), query, variables,
                operation_name, request.headers.get("accept-language"))
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return JSONResponse(result, status_code=status, headers=headers)


@router.get("/graphql", response_model=None)
async def graphql_get(request: Request) -> Response:
    """The GraphiQL page in development; queries are never executed over GET."""
    if request.app.state.settings.is_production or request.query_params.get("query"):
        return _error("use POST for GraphQL queries", 405)
    from strawberry.http.ides import get_graphql_ide_html

    html = get_graphql_ide_html("graphiql")
    return HTMLResponse(html, headers={"Content-Security-Policy": _graphiql_policy(html)})


def _graphiql_policy(html: str) -> str:
    """GraphiQL's own policy: its scripts and styles from unpkg.com, its inline scripts by their
    SHA-256 (so nothing injected into the page would run), queries to this site only."""
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    hashes = " ".join("'sha256-{}'".format(base64.b64encode(hashlib.sha256(
        body.encode()).digest()).decode()) for body in inline)
    return (f"default-src 'none'; script-src https://unpkg.com {hashes}; "
            "style-src https://unpkg.com 'unsafe-inline'; font-src https://unpkg.com data:; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
