# gunicorn reads this file from its working directory (the checkout, /opt/otklik, /app):
# every start (scripts/run-embedded, systemd, Docker) gets an access log without secrets.
logger_class = "otklik.ops.gunicorn_logging.RedactingLogger"
