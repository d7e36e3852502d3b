"""Tools from MCP servers: their configuration, a clean environment for their
processes, the client (the only importer of the `mcp` SDK, imported lazily: only a
turn that offers tools or `r1 tools` pays for it) and the approval policy."""
