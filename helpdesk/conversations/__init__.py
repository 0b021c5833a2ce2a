"""Conversations with customers on every channel, their messages, and the bot/agent handoff."""
