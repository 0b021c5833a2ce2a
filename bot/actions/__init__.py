"""The bot's action server: every action acts through the helpdesk REST API (docs/bot-api.md)."""
