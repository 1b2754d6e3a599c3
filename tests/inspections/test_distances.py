"""Distances: straight line × the detour factor by default; OSRM's table API when a server is
configured (a real HTTP server on loopback here), and the straight line when it fails."""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from otklik.inspections.services.distances import OSRM, STRAIGHT, distance_matrix
from otklik.lib.geo import distance_m
from tests.inspections.conftest import point

POINTS = [point(0, 0), point(1000, 0), point(0, 2000)]


@contextmanager
def osrm_server(answer, suffix="", **settings):
    """An OSRM stand-in, configured as OSRM_URL (+ `suffix`) with `settings` while it runs:
    `answer(path)` returns (status, body, delay); the paths asked are recorded."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            status, body, delay = answer(self.path)
            time.sleep(delay)
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (the timeout test)
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with override_settings(OSRM_URL=url + suffix, **settings):
            yield url, asked
    finally:
        server.shutdown()
        server.server_close()


def table(n, distance=None):
    return {
        "code": "Ok",
        "distances": [[0 if i == j else (distance or 1000 + 10 * i + j) for j in range(n)]
                      for i in range(n)],
        "durations": [[0 if i == j else 60 + i + j for j in range(n)] for i in range(n)],
    }  # fmt: skip


def test_straight_line_times_the_detour_factor_by_default():
    with override_settings(INSPECTION_DETOUR_FACTOR=1.5, INSPECTION_SPEED_KMH=36):
        m = distance_matrix(POINTS)
    assert m.source == STRAIGHT
    straight = distance_m(*POINTS[0], *POINTS[1])
    assert m.metres[0][1] == round(straight * 1.5)
    assert m.seconds[0][1] == round(m.metres[0][1] / 10)  # 36 km/h = 10 m/s
    assert m.metres[1][1] == 0


def test_road_distances_come_from_the_osrm_table_api():
    with osrm_server(lambda path: (200, table(3), 0), suffix="/") as (_url, asked):
        m = distance_matrix(POINTS)
    assert m.source == OSRM
    assert m.metres[0][1] == 1001 and m.metres[2][0] == 1020
    assert m.seconds[1][2] == 63
    lon, lat = f"{POINTS[1][1]:.6f}", f"{POINTS[1][0]:.6f}"
    assert asked[0].startswith("/table/v1/driving/")
    assert f";{lon},{lat};" in asked[0] and asked[0].endswith("annotations=distance,duration")


def test_an_unroutable_pair_falls_back_to_the_straight_line_for_that_pair():
    body = table(3)
    body["distances"][0][2] = None
    with osrm_server(lambda path: (200, body, 0)):
        m = distance_matrix(POINTS)
    assert m.source == OSRM and m.metres[0][1] == 1001
    assert m.metres[0][2] == round(distance_m(*POINTS[0], *POINTS[2]) * 1.3)


@pytest.mark.parametrize(
    "status, body, delay",
    [
        (500, {"code": "InternalError"}, 0),
        (200, {"code": "NoTable", "message": "no"}, 0),
        (200, {"code": "Ok", "distances": [[0]], "durations": [[0]]}, 0),
        (200, table(3), 1.5),  # slower than the timeout
    ],
)
def test_a_failing_server_falls_back_to_the_straight_line_and_says_so(status, body, delay, caplog):
    with (
        osrm_server(lambda path: (status, body, delay), OSRM_TIMEOUT=0.5) as (_url, asked),
        caplog.at_level(logging.WARNING, "otklik.inspections"),
    ):
        m = distance_matrix(POINTS)
    assert asked
    assert m.source == STRAIGHT and m.note
    assert m.metres[0][1] == round(distance_m(*POINTS[0], *POINTS[1]) * 1.3)
    assert "OSRM failed" in caplog.text


def test_no_server_listening_falls_back_too(caplog):
    with osrm_server(lambda path: (200, table(3), 0)) as (url, _asked):
        pass  # closed: nothing listens on the port any more
    with override_settings(OSRM_URL=url, OSRM_TIMEOUT=0.5):
        m = distance_matrix(POINTS)
    assert m.source == STRAIGHT and "no table" in m.note
