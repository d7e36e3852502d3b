"""Providers: each turns `Sampling` + a conversation into an HTTP request, and the
provider's stream into `r1cli.core.events`. Provider field names live here and nowhere else."""
