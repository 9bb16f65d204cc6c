"""What crosses the HTTP boundary: marshmallow schemas for input (``...In``) and output."""
