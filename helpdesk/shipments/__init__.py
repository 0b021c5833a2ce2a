"""Shipments, their tracking events and delivery attempts, and every change a customer or agent makes."""
