import io

from reports.imports.run import run_import


def do_import(kind: str, text: str | bytes, *, user=None, **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return run_import(kind=kind, stream=io.BytesIO(data), file_name=f"{kind}.csv", user=user, **options)
