"""Customers, the channel identities they write from, their language and opt-outs."""
