"""Assembling ``attachment`` documents and storing them as files of the session."""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .blocks import AttachmentSpec
from .objects import DAFile, DAFileCollection

if TYPE_CHECKING:
    from .context import Run
    from .screen import ScreenAttachment

MIMETYPES = {"pdf": "application/pdf", "rtf": "application/rtf", "html": "text/html; charset=utf-8"}


def assemble_attachment(run: "Run", spec: AttachmentSpec) -> DAFileCollection:
    """Render the attachment's text against the answers and store one file per format.

    The same rendered text is stored once per session: showing a screen again reuses the files.
    """
    from .documents import assemble
    from .markup import render_mako

    ns = run.ns
    name = render_mako(spec.name, ns, name="attachment name") if spec.name else ""
    filename = render_mako(spec.filename, ns, name="attachment filename") or "document"
    content = render_mako(spec.content, ns, name="attachment content")
    description = render_mako(spec.description, ns, name="attachment description") if spec.description else ""
    digest = hashlib.sha256("\0".join([name, filename, content, *spec.valid_formats]).encode()).hexdigest()
    cache = run.internal.setdefault("assembled", {})
    files = cache.get(digest)
    if files is None:
        documents = assemble(content, title=name or filename, formats=tuple(spec.valid_formats))
        files = {}
        for fmt, data in documents.items():
            stored_name = f"{filename}.{fmt}"
            file_id = run.services.save_file(run, stored_name, MIMETYPES[fmt], data)
            files[fmt] = (file_id, stored_name)
        cache[digest] = files
    instance = spec.variable_name or "attachment"
    return DAFileCollection(instance, name=name, filename=filename, description=description,
                            files={fmt: DAFile(f"{instance}.{fmt}", file_id=fid, filename=fname,
                                               mimetype=MIMETYPES[fmt])
                                   for fmt, (fid, fname) in files.items()})


def describe_collection(run: "Run", collection: DAFileCollection) -> "ScreenAttachment":
    from .screen import ScreenAttachment, ScreenFile
    files = []
    for fmt in collection.formats:
        file = getattr(collection, fmt)
        files.append(ScreenFile(format=fmt, file_id=file.number, filename=file.filename,
                                url=run.services.file_url(file.number, file.filename)))
    return ScreenAttachment(name=collection.info["name"], filename=collection.info["filename"],
                            description=collection.info["description"],
                            variable_name=collection.instanceName, files=files)
