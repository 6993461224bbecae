"""Uploaded media in development (`make run`): Django's static file view with byte ranges, as
nginx serves /media/ in production, so that a browser can seek in a video and resume it."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.views.static import serve

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _chunks(handle, length: int):
    try:
        while length > 0:
            data = handle.read(min(_CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def serve_ranges(request, path, document_root=None, show_indexes=False):
    """`django.views.static.serve`, answering a single `Range: bytes=` request with 206 Partial
    Content (416 when it lies past the end); several ranges get the whole file, as HTTP allows."""
    response = serve(request, path, document_root=document_root, show_indexes=show_indexes)
    if not isinstance(response, FileResponse) or response.status_code != 200:
        return response
    response["Accept-Ranges"] = "bytes"
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or not any(match.groups()):
        return response
    size = int(response["Content-Length"])
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # "bytes=-N": the last N bytes
        start, end = max(size - int(last), 0), size - 1
    handle = response.file_to_stream
    if start >= size or start > end:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    handle.seek(start)
    partial = StreamingHttpResponse(_chunks(handle, end - start + 1), status=206,
                                    content_type=response["Content-Type"])
    partial["Content-Length"] = str(end - start + 1)
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Accept-Ranges"] = "bytes"
    for header in ("Last-Modified", "Content-Encoding"):
        if header in response:
            partial[header] = response[header]
    return partial
