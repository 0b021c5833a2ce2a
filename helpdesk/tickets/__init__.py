"""Tickets linked to shipments and conversations, SLA policies on business hours, and their audit."""
