"""Custom Rasa NLU components for the ParcelDesk bot (tokenizer, tracking numbers, language)."""
