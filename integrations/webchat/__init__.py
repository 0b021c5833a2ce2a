"""Web chat: the customer's browser talks to the hub over a Channels web socket at /ws/webchat/."""
