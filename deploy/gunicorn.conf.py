"""gunicorn settings for Here2Help Line (`here2help web`, `here2help serve`, systemd, Docker).

Every value can be overridden from the environment, so one file serves every deployment.
Twilio gives a webhook 15 s; a request still running after `timeout` is killed and the worker
restarted, so a stuck request can never hold a webhook past Twilio's limit for long.
"""

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
# Processes x threads = concurrent requests; webhooks are short and mostly wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "12"))  # < Twilio's 15 s webhook limit
graceful_timeout = 10  # on SIGTERM, requests in flight get this long to finish
keepalive = 5  # a little longer than nothing, shorter than a proxy's idle timeout
# Recycle workers now and then (bounded memory growth). A worker's memory stays flat over
# tens of thousands of texts (its caches are bounded), so this is a safety net, not a cure:
# each recycle drops the worker's database connections and keep-alive clients.
max_requests = 10000
max_requests_jitter = 1000
limit_request_line = 8190
limit_request_fields = 100
# The app is loaded once, in the master, and every worker is forked from it: a worker recycled
# (max_requests) or replaced is serving again at once instead of importing the app afresh
# (seconds, while the other workers carry its share), and the workers share the loaded code.
# Loading the app opens no database or Redis connection (tests/platform/test_deploy.py checks
# it); `post_fork` still empties the pools, so no two processes can ever share a connection.
preload_app = True


def when_ready(server):
    """In the master, after the app loaded and before the first fork: what every worker would
    otherwise build on its first requests is built once and inherited (app/web/warm.py)."""
    app = server.app.wsgi()
    if "here2help" not in getattr(app, "extensions", {}):
        return
    from app.web.warm import warm_caches

    try:
        warm_caches(app)
    except Exception:  # a broken flow file: the workers report it on the texts it concerns
        server.log.exception("warming the workers' caches failed; they start cold")


def post_fork(server, worker):
    """Each worker starts with empty connection pools of its own."""
    app = server.app.wsgi()
    runtime = getattr(app, "extensions", {}).get("here2help")
    if runtime is not None:
        runtime.engine.dispose(close=False)  # forget (never close) anything the master pooled
# Heartbeat files in memory, not on a slow or full disk (gunicorn FAQ, "Blocking os.fchmod").
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's own recommendation; files are its private temp files
if Path(_SHM).is_dir():
    worker_tmp_dir = _SHM

# Behind a reverse proxy: trust X-Forwarded-* only from the proxy's address. Also set
# PUBLIC_BASE_URL to the URL Twilio is given, so signature checks use exactly that URL.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

# Access log without query strings: GET /api/v1/messages?to=+44... must not log a phone number.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "here2help-web"
