"""Marshmallow schemas: input validation and output shapes, mirroring shared_schema/."""
