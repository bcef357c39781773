#!/usr/bin/env python3
"""TemporalCI diffusers worker: loads a pipeline once, then generates videos on request.

Protocol: JSON lines. stdin receives commands, stdout carries only protocol events (everything libraries
print goes to stderr, which TemporalCI keeps in each sample's log).

  -> {"op": "load", "model_id": ..., "pipeline": "text2video"|"img2vid", "dtype": ..., "device": ...,
      "options": {...}}
  <- {"event": "ready", "info": {...}}  |  {"event": "fatal", "code": ..., "message": ..., "hint": ...}
  -> {"op": "generate", "id": ..., "prompt": ..., "seed": ..., "num_frames": ..., "fps": ..., "width": ...,
      "height": ..., "steps": ..., "guidance": ..., "init_image": ..., "output": ..., "kwargs": {...}}
  <- {"event": "done", "id": ..., "output": ..., "metadata": {...}}  |  {"event": "failed", "id": ..., "message": ...}
  -> {"op": "shutdown"}

Timeouts are enforced by TemporalCI, which kills this process group and starts a new worker.
"""

import json
import os
import sys
import time
import traceback

# The protocol owns the real stdout; stray prints from libraries (progress bars, warnings) go to stderr.
PROTOCOL = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
sys.stdout = sys.stderr

INSTALL_HINT = "pip install torch diffusers transformers accelerate imageio imageio-ffmpeg pillow"


def emit(event):
    PROTOCOL.write(json.dumps(event) + "\n")
    PROTOCOL.flush()


def import_stack():
    """Imports the heavy packages, naming the first one missing in a one-line hint."""
    mods = {}
    for name in ("torch", "diffusers", "imageio", "PIL"):
        try:
            mods[name] = __import__(name)
        except ImportError as e:
            raise MissingPackage(name, str(e)) from e
    return mods


class MissingPackage(Exception):
    def __init__(self, package, detail):
        super().__init__(detail)
        self.package = package


def load_pipeline(cmd, mods):
    torch = mods["torch"]
    diffusers = mods["diffusers"]
    dtype = getattr(torch, cmd.get("dtype") or "float16")
    options = cmd.get("options") or {}
    kind = cmd.get("pipeline") or "text2video"
    # DiffusionPipeline resolves the checkpoint's own class (CogVideoX, LTX-Video, Wan, Stable Video
    # Diffusion, ...); pipeline_class names one explicitly when a checkpoint needs it.
    cls = getattr(diffusers, options.get("pipeline_class") or "DiffusionPipeline")
    load_kwargs = {"torch_dtype": dtype}
    if options.get("variant"):
        load_kwargs["variant"] = options["variant"]
    pipe = cls.from_pretrained(cmd["model_id"], **load_kwargs)
    if options.get("cpu_offload"):
        pipe.enable_model_cpu_offload()
    else:
        pipe = pipe.to(cmd.get("device") or "cuda")
    return pipe, kind


def frames_of(result):
    frames = getattr(result, "frames", None)
    if frames is None:
        raise RuntimeError("the pipeline returned no .frames")
    # Video pipelines return a batch of videos; the first (only) one is ours.
    if isinstance(frames, (list, tuple)) and frames and isinstance(frames[0], (list, tuple)):
        return frames[0]
    if hasattr(frames, "ndim") and frames.ndim == 5:
        return frames[0]
    return frames


def generate(pipe, kind, cmd, mods, device):
    torch = mods["torch"]
    from diffusers.utils import export_to_video, load_image

    gen_device = "cpu" if str(device).startswith("mps") else device
    generator = torch.Generator(device=gen_device).manual_seed(int(cmd["seed"]))
    kwargs = dict(cmd.get("kwargs") or {})
    kwargs.update(
        num_frames=int(cmd["num_frames"]),
        num_inference_steps=int(cmd["steps"]),
        generator=generator,
        height=int(cmd["height"]),
        width=int(cmd["width"]),
    )
    if kind == "img2vid":
        if not cmd.get("init_image"):
            raise RuntimeError("img2vid needs an init image (tests[].init_images or params.init_image)")
        image = load_image(cmd["init_image"]).resize((int(cmd["width"]), int(cmd["height"])))
        if cmd.get("guidance") is not None:
            kwargs["max_guidance_scale"] = float(cmd["guidance"])
        kwargs["fps"] = int(cmd["fps"])
        result = pipe(image, **kwargs)
    else:
        if cmd.get("guidance") is not None:
            kwargs["guidance_scale"] = float(cmd["guidance"])
        result = pipe(prompt=cmd["prompt"], **kwargs)
    frames = frames_of(result)
    export_to_video(frames, cmd["output"], fps=int(cmd["fps"]))
    return len(frames)


def main():
    pipe = None
    kind = "text2video"
    mods = None
    device = "cuda"
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        op = cmd.get("op")
        if op == "shutdown":
            return 0
        if op == "load":
            try:
                mods = import_stack()
            except MissingPackage as e:
                emit({"event": "fatal", "code": "missing_package", "message": f"python package '{e.package}' is not installed ({e})", "hint": INSTALL_HINT})
                return 3
            try:
                device = cmd.get("device") or "cuda"
                pipe, kind = load_pipeline(cmd, mods)
            except Exception as e:  # a load failure ends the worker: nothing can be generated
                traceback.print_exc()
                emit({"event": "fatal", "code": "load_failed", "message": f"cannot load {cmd.get('model_id')}: {e}", "hint": "check model_id, dtype and device; the sample log has the traceback"})
                return 4
            emit({"event": "ready", "info": {"torch": mods["torch"].__version__, "diffusers": mods["diffusers"].__version__, "device": device, "pipeline": type(pipe).__name__}})
            continue
        if op == "generate":
            if pipe is None:
                emit({"event": "failed", "id": cmd.get("id"), "message": "generate before load"})
                continue
            started = time.time()
            try:
                n = generate(pipe, kind, cmd, mods, device)
            except Exception as e:
                traceback.print_exc()
                emit({"event": "failed", "id": cmd.get("id"), "message": f"{type(e).__name__}: {e}"})
                continue
            emit({"event": "done", "id": cmd.get("id"), "output": cmd["output"], "metadata": {"frames": n, "pipeline": type(pipe).__name__, "worker_generate_s": round(time.time() - started, 3)}})
            continue
        emit({"event": "failed", "id": cmd.get("id"), "message": f"unknown op {op!r}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
