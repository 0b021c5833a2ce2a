"""WeChat Official Account: server-URL and message signature checks, AES safe mode, parsing, customer-service sender."""
