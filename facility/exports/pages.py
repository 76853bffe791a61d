"""Public download links for the public data sets: /exports/<name>.csv and /exports/<name>.json."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from facility.exports import public

router = APIRouter()

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@router.get("/exports/{filename}")
def download(request: Request, filename: str) -> Response:
    """One public data set as a file; anything else is not found."""
    name, _, format = filename.rpartition(".")
    if name not in public.DATASETS or format not in public.FORMATS:
        raise HTTPException(status_code=404, detail=(
            f"no export {filename!r}; there are "
            + ", ".join(f"{n}.{f}" for n in public.DATASETS for f in public.FORMATS)))
    with request.app.state.open_session() as session:
        body = public.render(public.dataset(session, name), format)
    return Response(body, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
