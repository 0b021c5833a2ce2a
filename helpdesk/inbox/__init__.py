"""The agents' web UI: inbox queues, the live conversation view with the shipment panel, tickets."""
