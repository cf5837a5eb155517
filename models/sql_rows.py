"""Rows sent to PostgreSQL in one parameter, shared by the batched writes of the settlement."""

import json

from odoo.tools import SQL


def json_recordset(model, fnames, rows, alias="row"):
    """Return ``json_to_recordset(%s) AS alias(field type, ...)``: ``rows`` (dicts of column
    values of ``model``'s ``fnames``, plus ``id`` when it is in ``fnames``) as one JSON document
    that PostgreSQL turns back into typed rows. Sent as Python lists instead, one per column,
    psycopg2 quotes every value one by one, which costs more than the statement for thousands
    of rows. Called by the preview's lines insert and the claims' settlement update."""
    return SQL(
        "json_to_recordset(%s) AS %s(%s)",
        json.dumps(rows),
        SQL.identifier(alias),
        SQL(", ").join(
            SQL(
                "%s %s",
                SQL.identifier(name),
                SQL("int4" if name == "id" else model._fields[name].column_type[0]),
            )
            for name in fnames
        ),
    )
