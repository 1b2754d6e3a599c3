"""gunicorn's access log without secrets: its logger class, named in gunicorn.conf.py.

The request line, path, query, referrer and any request header or environ value a custom
access_log_format may name pass through otklik/lib/redaction.py; credential headers are hidden.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from otklik.lib.redaction import HIDDEN, redact_path, redact_query, redact_url

SECRET_HEADERS = frozenset({"{authorization}i", "{cookie}i", "{x-api-key}i", "{set-cookie}o"})
URL_ATOMS = ("r", "f", "{referer}i", "{raw_uri}e", "{request_uri}e", "{http_referer}e")
PATH_ATOMS = ("U", "{path_info}e")
QUERY_ATOMS = ("q", "{query_string}e")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_url(atoms[name])
        for name in PATH_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_path(atoms[name])
        for name in QUERY_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_query(atoms[name])
        for name in SECRET_HEADERS & atoms.keys():
            atoms[name] = HIDDEN
        return atoms
