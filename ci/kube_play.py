"""Play the API Deployment of deploy/k8s with ``podman kube play``; check that it serves as the manifest says.

Checks: ``/ping``, ``/health`` and ``/invocations`` (the contract, ci/probe.py) answer; the server runs as the
manifest's ``runAsUser``; its cgroup memory limit is the manifest's limit and its usage stays below it.

What ``podman kube play`` (4.3, host networking here) does not support, so the played copy differs from the
manifest only in these ways (written to ``--work-dir``):
  - it plays every replica as a pod on the host network, where they would share one port: 1 replica;
  - it publishes every ``containerPort``, which host networking refuses: ports removed, probes get the number;
  - the server binds 127.0.0.1 on a free port (PORT / CREDIT_SCORING_HOST), not 0.0.0.0:8080;
  - the image is the local build; Service, NetworkPolicy and HorizontalPodAutoscaler are not played (podman
    has no cluster network, no policy enforcement, no metrics); startup/readiness probes are not run by
    podman (only liveness, as a healthcheck, needing systemd timers this machine lacks).
Usage: python ci/kube_play.py --image IMAGE --body request.json --work-dir DIR [--port N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S_DIR = ROOT / "deploy" / "k8s"


@dataclass(frozen=True)
class Played:
    """What was played: the copy of the manifest, its container name, and the limits it declares."""

    manifest: Path
    container: str
    run_as_user: int
    memory_limit_bytes: int


def _bytes(quantity: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    return int(float(quantity[:-2]) * units[quantity[-2:]]) if quantity[-2:] in units else int(quantity)


def played_copy(deployment: dict, *, image: str, port: int) -> dict:
    """The Deployment as podman can play it here (see the module docstring); the input is not changed."""
    copy = json.loads(json.dumps(deployment))
    copy["spec"]["replicas"] = 1
    pod = copy["spec"]["template"]["spec"]
    pod["hostNetwork"] = True
    (container,) = pod["containers"]
    container["image"] = image
    container.pop("ports", None)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        if probe in container:
            container[probe]["httpGet"]["port"] = port
    env = [e for e in container.get("env", []) if e["name"] not in ("PORT", "CREDIT_SCORING_HOST")]
    container["env"] = [
        *env,
        {"name": "PORT", "value": str(port)},
        {"name": "CREDIT_SCORING_HOST", "value": "127.0.0.1"},
    ]
    return copy


def write_played(work_dir: Path, *, image: str, port: int) -> Played:
    """Write the played copy of deploy/k8s/api-deployment.yaml into ``work_dir``."""
    deployment = yaml.safe_load((K8S_DIR / "api-deployment.yaml").read_text())
    copy = played_copy(deployment, image=image, port=port)
    path = work_dir / "api-deployment.played.yaml"
    path.write_text(yaml.safe_dump(copy, sort_keys=False))
    (container,) = copy["spec"]["template"]["spec"]["containers"]
    return Played(
        manifest=path,
        container=f"{copy['metadata']['name']}-pod-0-{container['name']}",
        run_as_user=int(copy["spec"]["template"]["spec"]["securityContext"]["runAsUser"]),
        memory_limit_bytes=_bytes(container["resources"]["limits"]["memory"]),
    )


def _podman(*args: str) -> str:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout.strip()


def _get(url: str, *, body: bytes | None = None) -> bytes:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read()


def wait_for(url: str, *, timeout: float) -> None:
    """Poll ``url`` until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(2)


def memory_usage_bytes(container: str) -> int:
    """The container's cgroup memory usage, read inside it (cgroup v1 or v2)."""
    v1, v2 = "/sys/fs/cgroup/memory/memory.usage_in_bytes", "/sys/fs/cgroup/memory.current"
    script = f"cat {v1} 2>/dev/null || cat {v2}"
    return int(_podman("exec", container, "sh", "-c", script))


def _probe():
    """ci/probe.py (a script beside this one, not a package module)."""
    spec = importlib.util.spec_from_file_location("ci_probe", Path(__file__).with_name("probe.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_played(played: Played, *, base_url: str, body: Path) -> list[str]:
    """Everything that differs from what the manifest promises (empty when the played pod keeps it)."""
    probe = _probe()
    wait_for(f"{base_url}/ping", timeout=180)
    _get(f"{base_url}/health")
    request = json.loads(body.read_text())
    answer = json.loads(_get(f"{base_url}/invocations", body=json.dumps(request).encode()))
    ids = [row[0] for row in request["dataframe_split"]["data"]]
    problems = probe.answer_problems(answer, ids)
    uid = int(_podman("exec", played.container, "id", "-u"))
    if uid != played.run_as_user:
        problems.append(f"expected uid {played.run_as_user}; the server runs as {uid}")
    limit = int(_podman("inspect", "-f", "{{.HostConfig.Memory}}", played.container))
    if limit != played.memory_limit_bytes:
        problems.append(f"expected a memory limit of {played.memory_limit_bytes} bytes; podman set {limit}")
    usage = memory_usage_bytes(played.container)
    if usage >= played.memory_limit_bytes:
        problems.append(f"memory usage {usage} bytes is not below the limit {played.memory_limit_bytes}")
    print(
        f"kube_play: {len(ids)} client(s) scored, uid {uid}, memory {usage / 2**20:.0f} MiB "
        f"of {limit / 2**20:.0f} MiB"
    )
    return problems


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--body", type=Path, required=True, help="request body (ci/probe.py body)")
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=18080)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Play, check, tear down; exit 1 with the reasons when the played pod breaks the manifest's promises."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    played = write_played(args.work_dir, image=args.image, port=args.port)
    configmap = str(K8S_DIR / "api-configmap.yaml")
    _podman("kube", "play", "--configmap", configmap, str(played.manifest))
    try:
        problems = check_played(played, base_url=f"http://127.0.0.1:{args.port}", body=args.body)
    finally:
        logs = subprocess.run(["podman", "logs", played.container], capture_output=True, text=True)
        (args.work_dir / "kube_play.log").write_text(logs.stdout + logs.stderr)
        _podman("kube", "down", str(played.manifest))
    for problem in problems:
        print(f"kube_play: {problem}", file=sys.stderr)
    if not problems:
        print("kube_play: the played Deployment serves /ping, /health and /invocations as the manifest says")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
