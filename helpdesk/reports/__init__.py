"""Supervisor reports: NPS, complaints, SLA, bot containment, failed deliveries; charts and CSV."""
