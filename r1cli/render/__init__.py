"""Renderers: turn r1cli events into terminal, plain or JSON-lines output, and
sanitise untrusted text on the way."""
