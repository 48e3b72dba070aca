"""Imports (formats.md): one reader, one handler per KIND, one runner that the command and the upload page share."""
