"""The error body every API error uses (RFC 9457 problem details)."""

from marshmallow import Schema, fields


class ProblemSchema(Schema):
    """``application/problem+json``; ``errors`` appears on validation errors only."""

    type = fields.String(dump_default="about:blank")
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
