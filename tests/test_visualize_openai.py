"""The optional images endpoint, against a local stand-in of OpenAI's
``POST /v1/images/generations`` that rejects requests breaking its contract."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image
from werkzeug import Request, Response

from nexus_desktop import secrets
from nexus_desktop.pipeline import visualize
from nexus_desktop.providers.images import ArtRequest, ImageRejected, Palette, provider_for
from nexus_desktop.providers.images.openai_images import api_size
from nexus_desktop.settings import BrandingSettings, Settings
from tests.visualize_support import make_bomb_png, results_for, script_dict

SIZES = {"dall-e-3": {"1024x1024", "1792x1024", "1024x1792"}, "dall-e-2": {"256x256", "512x512", "1024x1024"}}


def png_b64(color=(40, 120, 200), size=(1024, 1024)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class ImagesStandIn:
    """Answers like the images API; a request outside the contract gets a 400."""

    def __init__(self, image_b64: str, status: int = 200) -> None:
        self.image_b64 = image_b64
        self.status = status
        self.requests: list[dict] = []

    def __call__(self, request: Request) -> Response:
        problem = self._problem(request)
        if problem:
            return Response(json.dumps({"error": {"message": problem, "type": "invalid_request_error"}}),
                            status=400, content_type="application/json")
        if self.status != 200:
            return Response(json.dumps({"error": {"message": "Incorrect API key provided", "type": "invalid_api_key",
                                                  "code": "invalid_api_key"}}),
                            status=self.status, content_type="application/json")
        self.requests.append(request.get_json())
        return Response(json.dumps({"created": 1_700_000_000, "data": [{"b64_json": self.image_b64}]}),
                        content_type="application/json")

    @staticmethod
    def _problem(request: Request) -> str:
        if request.headers.get("Authorization") != "Bearer sk-test":
            return "missing bearer token"
        if request.mimetype != "application/json":
            return "body must be JSON"
        body = request.get_json()
        if not isinstance(body.get("prompt"), str) or not body["prompt"].strip() or len(body["prompt"]) > 4000:
            return "prompt must be a non-empty string of at most 4000 characters"
        model = body.get("model")
        if model in SIZES and body.get("size") not in SIZES[model]:
            return f"size {body.get('size')!r} is not supported by {model}"
        if body.get("n", 1) != 1:
            return "n must be 1"
        if body.get("response_format", "url") not in ("url", "b64_json"):
            return "bad response_format"
        return ""


@pytest.fixture
def images_settings(settings, httpserver, monkeypatch):
    monkeypatch.setattr(secrets, "get_secret", lambda name: "sk-test" if name == "openai_api_key" else None)
    settings.images.provider = "openai"
    settings.images.base_url = httpserver.url_for("/v1")
    settings.render.formats = ["16x9", "9x16"]
    return settings


def serve(httpserver, stand_in: ImagesStandIn) -> None:
    httpserver.expect_request("/v1/images/generations", method="POST").respond_with_handler(stand_in)


def test_each_scene_gets_one_generated_image_shared_by_all_formats(images_settings, httpserver, make_context):
    stand_in = ImagesStandIn(png_b64((200, 60, 40)))
    serve(httpserver, stand_in)
    ctx = make_context(results_for(script_dict(["Title card", "Pressure frames"])))
    out = visualize.run(ctx)
    assert out.results["background"]["source"] == "openai"
    assert len(stand_in.requests) == 2
    first = stand_in.requests[1]
    assert first["model"] == "dall-e-3" and first["response_format"] == "b64_json"
    assert "Pressure frames" in first["prompt"] and "No text" in first["prompt"]
    plan = out.results["plan"]
    frames = next(f for f in plan["formats"] if f["name"] == "9x16")
    shown = [d for s, d in zip(plan["shots"], frames["shots"]) if s["kind"] == "photo"]
    assert shown, "the generated pictures get shots"
    with Image.open(ctx.job_dir / shown[0]["background"]) as image:
        red, green, blue = image.resize((1, 1)).getpixel((0, 0))
    assert red > blue, "the generated (red) image is the background"


def test_rejected_key_falls_back_to_drawn_art(images_settings, httpserver, make_context, caplog):
    serve(httpserver, ImagesStandIn(png_b64(), status=401))
    ctx = make_context(results_for(script_dict(["Title card", "Pressure frames"])))
    out = visualize.run(ctx)
    assert out.results["background"]["source"] == "generated"
    assert "AuthenticationError" in out.results["background"]["note"]
    assert not any(shot["kind"] == "photo" for shot in out.results["plan"]["shots"])


def test_generated_bomb_is_refused(images_settings, httpserver):
    serve(httpserver, ImagesStandIn(base64.b64encode(make_bomb_png()).decode()))
    provider = provider_for(images_settings)
    request = ArtRequest("batteries", 1024, 1024, 1, Palette.from_branding(BrandingSettings()))
    with pytest.raises(ImageRejected, match="refused before decoding"):
        provider.background(request)


def test_pillow_is_the_default_provider():
    assert provider_for(Settings()).name == "pillow"


@pytest.mark.parametrize(("model", "shape", "size"), [
    ("dall-e-3", (1920, 1080), "1792x1024"), ("dall-e-3", (1080, 1920), "1024x1792"),
    ("gpt-image-1", (1920, 1080), "1536x1024"), ("local-sd", (1920, 1080), "1024x1024"),
])
def test_request_size_matches_what_the_model_accepts(model, shape, size):
    assert api_size(model, *shape) == size
