# Rasa 3.6 (Python 3.10) image for the Rasa server and the action server.
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
COPY bot/requirements.lock bot/requirements.lock
RUN pip install --no-cache-dir uv && uv pip install --system --require-hashes -r bot/requirements.lock
COPY bot bot
WORKDIR /app/bot
RUN rasa train --fixed-model-name parceldesk --out models
EXPOSE 5005 5055
CMD ["rasa", "run", "--enable-api", "-p", "5005", "--endpoints", "endpoints.production.yml", "--model", "models/parceldesk.tar.gz"]
