"""ParcelDesk helpdesk: the hub that owns conversations, shipments, tickets and reports."""
