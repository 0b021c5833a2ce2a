"""Twilio (SMS and WhatsApp): webhook signature checking, payload parsing, compliance keywords, REST sender."""
