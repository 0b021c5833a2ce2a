"""Local stand-in HTTP servers that speak the providers' wire formats, for tests, benchmarks and dev."""
