"""The Office console: a web page served by the gateway under ``/console``.

The page is static (HTML, CSS, ES modules and a vendored charting library under ``static/``) and
reads everything through the gateway's own API with the caller's credential, so it sees exactly
what the API lets that role see.
"""
