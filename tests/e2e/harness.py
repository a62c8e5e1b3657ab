"""A real etcd + kube-apiserver on 127.0.0.1 for end-to-end tests.

There is no kubelet and no controller-manager: the helpers at the bottom stand
in for them (node readiness, pod phases, finishing graceful deletes).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import kubernetes.client
import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.rest import ApiException

START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join(data[-lines:])


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value, and return that value."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except AssertionError as e:
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last: {last_error})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}{detail}")
        time.sleep(interval)


class APIServer:
    """etcd + kube-apiserver on 127.0.0.1, free ports, temp dir; context manager."""

    def __init__(self, bin_dir: str, workdir: str | None = None):
        self.bin_dir = bin_dir
        self._own_workdir = workdir is None
        self.workdir = workdir
        self.token = secrets.token_hex(16)
        self.url = ""
        self.kubeconfig = ""
        self._etcd: subprocess.Popen | None = None
        self._apiserver: subprocess.Popen | None = None
        self._etcd_url = ""
        self._port = 0

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> "APIServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        for b in ("etcd", "kube-apiserver"):
            p = os.path.join(self.bin_dir, b)
            if not os.access(p, os.X_OK):
                raise RuntimeError(f"APIServer: {p} is missing or not executable")
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix="npusched-e2e-")
        os.makedirs(self.workdir, exist_ok=True)
        try:
            self._start_etcd()
            self._write_credentials()
            self._start_apiserver()
        except BaseException:
            self._terminate()
            raise

    def stop(self) -> None:
        self._terminate()
        if self._own_workdir and self.workdir and os.path.isdir(self.workdir):
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def restart_apiserver(self) -> None:
        """Stop and start kube-apiserver only; etcd (and so all objects) survive."""
        self._stop_proc(self._apiserver)
        self._apiserver = None
        self._start_apiserver()

    # -- clients -----------------------------------------------------------
    def client(self) -> ApiClient:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # loopback, self-signed
        cfg = kubernetes.client.Configuration()
        cfg.host = self.url
        cfg.verify_ssl = False
        cfg.api_key = {"authorization": self.token}
        cfg.api_key_prefix = {"authorization": "Bearer"}
        return ApiClient(cfg)

    def install_crds(self) -> None:
        api = kubernetes.client.ApiextensionsV1Api(self.client())
        for crd in (_podgroup_crd(), _lws_crd()):
            try:
                api.create_custom_resource_definition(crd)
            except ApiException as e:
                if e.status != 409:
                    raise
        for crd in (_podgroup_crd(), _lws_crd()):
            name = crd["metadata"]["name"]

            def established(name=name):
                got = api.read_custom_resource_definition(name)
                return any(c.type == "Established" and c.status == "True"
                           for c in (got.status.conditions or []))

            wait_for(established, timeout=30, what=f"CRD {name} Established")

    # -- internals ---------------------------------------------------------
    def _log(self, name: str) -> str:
        return os.path.join(self.workdir, f"{name}.log")

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self._log(name), "ab")
        try:
            return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.workdir)
        finally:
            log.close()

    def _start_etcd(self) -> None:
        client_port, peer_port = _free_port(), _free_port()
        self._etcd_url = f"http://127.0.0.1:{client_port}"
        peer = f"http://127.0.0.1:{peer_port}"
        self._etcd = self._spawn("etcd", [
            os.path.join(self.bin_dir, "etcd"),
            "--data-dir", os.path.join(self.workdir, "etcd"),
            "--name", "default",
            "--listen-client-urls", self._etcd_url, "--advertise-client-urls", self._etcd_url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"default={peer}",
            "--unsafe-no-fsync", "--log-level", "warn",
        ])

        def healthy():
            self._check_alive(self._etcd, "etcd")
            try:
                with urllib.request.urlopen(self._etcd_url + "/health", timeout=2) as r:
                    return b'"health":"true"' in r.read()
            except (urllib.error.URLError, OSError):
                return False

        self._wait_ready(healthy, "etcd")

    def _write_credentials(self) -> None:
        key = os.path.join(self.workdir, "sa.key")
        if not os.path.exists(key):
            subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(os.path.join(self.workdir, "tokens.csv"), "w") as f:
            f.write(f'{self.token},admin,admin-uid,"system:masters"\n')

    def _start_apiserver(self) -> None:
        if not self._port:
            self._port = _free_port()
        self.url = f"https://127.0.0.1:{self._port}"
        d = self.workdir
        self._apiserver = self._spawn("kube-apiserver", [
            os.path.join(self.bin_dir, "kube-apiserver"),
            f"--etcd-servers={self._etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={self._port}", f"--cert-dir={os.path.join(d, 'certs')}",
            "--service-cluster-ip-range=10.0.0.0/24", "--allow-privileged=true",
            f"--service-account-issuer={self.url}",
            f"--service-account-key-file={os.path.join(d, 'sa.key')}",
            f"--service-account-signing-key-file={os.path.join(d, 'sa.key')}",
            f"--token-auth-file={os.path.join(d, 'tokens.csv')}",
            "--authorization-mode=RBAC", "--disable-admission-plugins=ServiceAccount",
            "--endpoint-reconciler-type=none",
        ])
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE

        def ready():
            self._check_alive(self._apiserver, "kube-apiserver")
            req = urllib.request.Request(self.url + "/readyz",
                                         headers={"Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(req, timeout=2, context=ctx) as r:
                    return r.read().strip() == b"ok"
            except (urllib.error.URLError, OSError):
                return False

        self._wait_ready(ready, "kube-apiserver")
        self._write_kubeconfig()

    def _write_kubeconfig(self) -> None:
        self.kubeconfig = os.path.join(self.workdir, "kubeconfig")
        with open(self.kubeconfig, "w") as f:
            f.write(
                "apiVersion: v1\nkind: Config\n"
                f"clusters:\n- name: e2e\n  cluster:\n    server: {self.url}\n"
                "    insecure-skip-tls-verify: true\n"
                f"users:\n- name: admin\n  user:\n    token: {self.token}\n"
                "contexts:\n- name: e2e\n  context:\n    cluster: e2e\n    user: admin\n"
                "current-context: e2e\n")

    def _check_alive(self, proc: subprocess.Popen | None, name: str) -> None:
        if proc is None or proc.poll() is not None:
            code = None if proc is None else proc.returncode
            raise RuntimeError(f"{name} exited (code {code}) during start; last log lines:\n"
                               + _tail(self._log(name)))

    def _wait_ready(self, predicate, name: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not predicate():
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{name} not ready after {START_TIMEOUT:.0f}s; last log lines:\n"
                                   + _tail(self._log(name)))
            time.sleep(0.2)

    @staticmethod
    def _stop_proc(proc: subprocess.Popen | None) -> None:
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _terminate(self) -> None:
        self._stop_proc(self._apiserver)
        self._stop_proc(self._etcd)
        self._apiserver = self._etcd = None


def _crd(group: str, version: str, kind: str, plural: str, singular: str,
         short: list[str]) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": singular,
                      "listKind": f"{kind}List", "shortNames": short},
            "versions": [{
                "name": version, "served": True, "storage": True,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }],
        },
    }


def _podgroup_crd() -> dict:
    return _crd("scheduling.volcano.sh", "v1beta1", "PodGroup", "podgroups", "podgroup", ["pg"])


def _lws_crd() -> dict:
    return _crd("leaderworkerset.x-k8s.io", "v1", "LeaderWorkerSet", "leaderworkersets",
                "leaderworkerset", ["lws"])


# -- stand-ins for the kubelet and controllers ------------------------------

def add_node(api: ApiClient, name: str, labels: dict[str, str], allocatable: dict[str, str],
             annotations: dict[str, str] | None = None) -> None:
    """Create a Ready, untainted Node whose capacity and allocatable are `allocatable`."""
    core = kubernetes.client.CoreV1Api(api)
    core.create_node({"apiVersion": "v1", "kind": "Node",
                      "metadata": {"name": name, "labels": dict(labels),
                                   "annotations": dict(annotations or {})}})
    node = core.read_node(name)
    taints = [t for t in (node.spec.taints or []) if t.key != "node.kubernetes.io/not-ready"]
    core.patch_node(name, {"spec": {"taints": [api.sanitize_for_serialization(t) for t in taints]
                                    or None}})
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    core.patch_node_status(name, {"status": {
        "capacity": dict(allocatable),
        "allocatable": dict(allocatable),
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "stand-in for the kubelet",
                        "lastHeartbeatTime": now, "lastTransitionTime": now}],
    }})


def set_pod_phase(api: ApiClient, namespace: str, name: str, phase: str) -> None:
    kubernetes.client.CoreV1Api(api).patch_namespaced_pod_status(
        name, namespace, {"status": {"phase": phase}})


def finish_deletes(api: ApiClient, namespace: str | None = None) -> list[str]:
    """Do what the kubelet would: remove every pod that is Terminating. Returns "ns/name"s."""
    core = kubernetes.client.CoreV1Api(api)
    pods = (core.list_namespaced_pod(namespace) if namespace else core.list_pod_for_all_namespaces())
    done = []
    for p in pods.items:
        if p.metadata.deletion_timestamp is None:
            continue
        try:
            core.delete_namespaced_pod(p.metadata.name, p.metadata.namespace, grace_period_seconds=0)
        except ApiException as e:
            if e.status != 404:
                raise
        done.append(f"{p.metadata.namespace}/{p.metadata.name}")
    return sorted(done)


def bind_pod(api: ApiClient, namespace: str, name: str, node: str) -> None:
    """POST a Binding (what a scheduler does). Raises ApiException (e.g. 409) on refusal."""
    body = kubernetes.client.V1Binding(
        metadata=kubernetes.client.V1ObjectMeta(name=name, namespace=namespace),
        target=kubernetes.client.V1ObjectReference(api_version="v1", kind="Node", name=node))
    # The client cannot parse the reply (a Status, not a Binding); the bind is applied anyway.
    kubernetes.client.CoreV1Api(api).create_namespaced_pod_binding(
        name, namespace, body, _preload_content=False)
