"""Net Promoter Score answers collected after delivery."""
