FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries (pango, harfbuzz-subset) and fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=kap_clinic.settings.production DJANGO_SECRET_KEY=build-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')-collectstatic \
    DJANGO_ALLOWED_HOSTS=build EMAIL_URL=consolemail:// AUDIT_HMAC_KEY=build-only-not-used-for-anything-at-all python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 kap && mkdir -p /app/media && chown kap /app/media
USER kap
EXPOSE 8000
# Exec form: gunicorn is PID 1 and gets SIGTERM itself (graceful stop; settings in deploy/gunicorn.conf.py).
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "kap_clinic.wsgi:application"]
