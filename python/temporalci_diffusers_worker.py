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

The call passes only what the pipeline's __call__ accepts (inspect.signature): the prompt to an
image-to-video pipeline that takes one (I2VGen-XL, CogVideoX-I2V) and not to one that does not (Stable Video
Diffusion); guidance as guidance_scale, else max_guidance_scale; fps as fps, else target_fps. Anything else
the signature does not name is dropped with a note in the sample log and listed in the done metadata
(dropped_kwargs), never passed to fail deep inside the pipeline or, worse, be swallowed by **kwargs.

Timeouts are enforced by TemporalCI, which kills this process group and starts a new worker.
"""

import inspect
import json
import os
import sys
import time
import traceback

# The protocol owns the real stdout; stray prints from libraries (progress bars, warnings) go to stderr.
PROTOCOL = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
sys.stdout = sys.stderr

INSTALL_HINT = "pip install torch diffusers transformers accelerate imageio imageio-ffmpeg pillow"


# Written on stderr after each reply: stdout and stderr are separate pipes, so TemporalCI waits for this
# line to know that everything the request printed has reached the sample's log.
END_MARK = "\x1etemporalci:end "


def emit(event):
    PROTOCOL.write(json.dumps(event) + "\n")
    PROTOCOL.flush()
    if event["event"] in ("done", "failed") and event.get("id") is not None:
        sys.stderr.write(f"{END_MARK}{event['id']}\n")
        sys.stderr.flush()


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


def call_signature(pipe):
    """The keyword names pipe.__call__ accepts, and whether it also takes **kwargs (then any name goes)."""
    # diffusers decorates __call__ (torch.no_grad, replace_example_docstring) with functools.wraps, so
    # inspect.signature follows __wrapped__ to the real parameters.
    params = inspect.signature(pipe.__call__).parameters.values()
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return names, any(p.kind == p.VAR_KEYWORD for p in params)


def first_accepted(accepts, *names):
    return next((n for n in names if accepts(n)), None)


def call_kwargs(pipe, kind, cmd, image, generator):
    """The keyword arguments of this pipeline's call, and the names left out because it does not take them."""
    names, open_kwargs = call_signature(pipe)

    def accepts(name):
        return open_kwargs or name in names

    cls = type(pipe).__name__
    wanted = dict(cmd.get("kwargs") or {})
    wanted.update(
        num_frames=int(cmd["num_frames"]),
        num_inference_steps=int(cmd["steps"]),
        generator=generator,
        height=int(cmd["height"]),
        width=int(cmd["width"]),
    )
    dropped = []
    if kind == "img2vid":
        if not accepts("image"):
            raise RuntimeError(f"{cls}.__call__ takes no image: use pipeline: text2video for this model")
        wanted["image"] = image
        # Image-only pipelines (Stable Video Diffusion) have no prompt parameter; the others condition on it.
        if accepts("prompt"):
            wanted["prompt"] = cmd["prompt"]
        else:
            dropped.append("prompt")
        guidance_name = first_accepted(accepts, "guidance_scale", "max_guidance_scale")
        fps_name = first_accepted(accepts, "fps", "target_fps")
        if fps_name:
            wanted[fps_name] = int(cmd["fps"])
        else:
            dropped.append("fps")
    else:
        if not accepts("prompt"):
            raise RuntimeError(f"{cls}.__call__ takes no prompt: use pipeline: img2vid for this model")
        wanted["prompt"] = cmd["prompt"]
        guidance_name = first_accepted(accepts, "guidance_scale")
    if cmd.get("guidance") is not None:
        if guidance_name:
            wanted[guidance_name] = float(cmd["guidance"])
        else:
            dropped.append("guidance")
    passed = {k: v for k, v in wanted.items() if accepts(k)}
    dropped += [k for k in wanted if k not in passed]
    if dropped:
        print(f"temporalci: {cls}.__call__ does not accept {', '.join(sorted(dropped))}: not passed", file=sys.stderr, flush=True)
    return passed, sorted(dropped)


def generate(pipe, kind, cmd, mods, device):
    torch = mods["torch"]
    from diffusers.utils import export_to_video, load_image

    gen_device = "cpu" if str(device).startswith("mps") else device
    generator = torch.Generator(device=gen_device).manual_seed(int(cmd["seed"]))
    image = None
    if kind == "img2vid":
        if not cmd.get("init_image"):
            raise RuntimeError("img2vid needs an init image (tests[].init_images or params.init_image)")
        image = load_image(cmd["init_image"]).resize((int(cmd["width"]), int(cmd["height"])))
    kwargs, dropped = call_kwargs(pipe, kind, cmd, image, generator)
    result = pipe(**kwargs)
    frames = frames_of(result)
    export_to_video(frames, cmd["output"], fps=int(cmd["fps"]))
    return {"frames": len(frames), "prompt_passed": "prompt" in kwargs, "call_kwargs": sorted(kwargs), "dropped_kwargs": dropped}


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
            emit({"event": "ready", "stderr_marks": True, "info": {"torch": mods["torch"].__version__, "diffusers": mods["diffusers"].__version__, "device": device, "pipeline": type(pipe).__name__}})
            continue
        if op == "generate":
            if pipe is None:
                emit({"event": "failed", "id": cmd.get("id"), "message": "generate before load"})
                continue
            started = time.time()
            try:
                info = generate(pipe, kind, cmd, mods, device)
            except Exception as e:
                traceback.print_exc()
                emit({"event": "failed", "id": cmd.get("id"), "message": f"{type(e).__name__}: {e}"})
                continue
            emit({"event": "done", "id": cmd.get("id"), "output": cmd["output"], "metadata": {**info, "pipeline": type(pipe).__name__, "worker_generate_s": round(time.time() - started, 3)}})
            continue
        emit({"event": "failed", "id": cmd.get("id"), "message": f"unknown op {op!r}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
