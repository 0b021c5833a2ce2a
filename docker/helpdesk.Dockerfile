# The one Django image, reused by the web, worker and beat services.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=helpdesk.config.settings.production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY requirements/helpdesk.lock requirements/helpdesk.lock
RUN pip install --no-cache-dir uv && uv pip install --system --require-hashes -r requirements/helpdesk.lock
COPY manage.py ./
COPY helpdesk helpdesk
COPY integrations integrations
COPY locale locale
RUN DJANGO_SECRET_KEY=build HELPDESK_API_TOKEN=build python manage.py collectstatic --no-input
USER nobody
EXPOSE 8000
CMD ["python", "-m", "helpdesk.config.web", "--bind", "0.0.0.0", "--port", "8000"]
