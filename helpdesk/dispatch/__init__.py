"""The link to the carrier's dispatch system: the outbox of shipment events it reads."""
