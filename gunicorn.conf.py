"""gunicorn settings for neuroroot: ``gunicorn -c gunicorn.conf.py`` (the container's command).

The settings are :func:`service.serving.gunicorn_options`, the same ones ``neuroroot serve``
uses, from the same environment variables as the app (validated by :mod:`service.config`, so a
malformed value stops gunicorn at start, naming the variable):

- ``NEUROROOT_HOST`` / ``NEUROROOT_PORT``: the address (default 127.0.0.1:8080; the image sets
  0.0.0.0);
- ``NEUROROOT_WORKERS``: worker processes (default 2 x CPU cores + 1, at most 8), each with
  ``NEUROROOT_THREADS`` threads (gthread, through :mod:`service.worker`);
- ``NEUROROOT_CLIENT_TIMEOUT`` / ``NEUROROOT_BODY_TIMEOUT``: how long a client may take to send
  its headers and its body (408 after);
- ``NEUROROOT_REQUEST_TIMEOUT``: seconds a worker's main loop may stop answering before gunicorn
  replaces it (default 30), and the grace period after SIGTERM.

The access log is the app's own JSON line per request (:mod:`service.logs`): method, path (never
the query string, which may hold patient references), status, duration and the request id
(``X-Request-ID``); never a body.
"""

from __future__ import annotations

import os
import sys

# gunicorn puts its working directory on sys.path first; this also finds the source tree when
# the file is used from elsewhere (an installed package still wins).
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from service.serving import check_startup, gunicorn_options  # noqa: E402

# Settings that would make every worker fail (a malformed value, auth on without a JWK Set) stop
# gunicorn here, before it forks, with one line naming the variable.
check_startup()

# gunicorn reads the module's global names: bind, workers, worker_class, threads, timeout, ...
globals().update(gunicorn_options())

# Each worker builds its own app, so each has its own database pool and no connection crosses
# a fork (and a worker that cannot reach the database at start fails on its own).
preload_app = False

# The worker heartbeat file on tmpfs where there is one: a container's /tmp may be overlayfs,
# whose slow writes can make a busy worker look dead.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
