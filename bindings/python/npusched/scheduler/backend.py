"""The Kubernetes API calls the scheduler makes, on the official ``kubernetes``
client. This is the only module that imports it; everything above talks to a
backend with these methods, so the tests can put an in-memory fake in its
place. Every failure leaves here as :class:`BackendError` (HTTP status, or
``timeout`` / ``connection`` when no reply came)."""

from __future__ import annotations

import json
import logging
import os
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import kubernetes
import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch as k8s_watch

__all__ = ["BackendError", "ClientBackend", "Stream", "load_config", "own_namespace"]

log = logging.getLogger("npusched.scheduler")

_SA_NAMESPACE = pathlib.Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class BackendError(Exception):
    """A failed API call: ``status`` is the HTTP status, or None when no reply
    came (``reason`` is then ``timeout`` or ``connection``)."""

    def __init__(self, status: int | None, reason: str, message: str = "") -> None:
        super().__init__(f"{status or reason}: {message or reason}")
        self.status, self.reason, self.message = status, reason, message

    @property
    def code(self) -> str:
        return str(self.status) if self.status is not None else self.reason


@dataclass(frozen=True)
class Stream:
    """One list-then-watch: a kind, in one namespace or (``namespace=""``) all."""

    kind: str
    namespace: str = ""
    group: str = ""  # custom objects: API group, version, plural
    version: str = ""
    plural: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.namespace}" if self.namespace else self.kind

    @property
    def api_version(self) -> str:
        if self.group:
            return f"{self.group}/{self.version}"
        return "apps/v1" if self.kind == "ReplicaSet" else "v1"


def _translate(e: BaseException) -> BackendError:
    if isinstance(e, k8s.ApiException):
        message = e.reason or ""
        if e.body:
            try:
                message = json.loads(e.body).get("message", message)
            except (ValueError, AttributeError):
                message = str(e.body)[:300]
        return BackendError(e.status or None, "http", message)
    if isinstance(e, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return BackendError(None, "timeout", str(e))
    return BackendError(None, "connection", str(e))


_ERRORS = (k8s.ApiException, urllib3.exceptions.HTTPError, OSError)


def connections_needed(bind_workers: int) -> int:
    """Connections to keep open to the API server: one per watch, one per
    binding thread, and a few for the cycle, the Lease and the state. A pool
    smaller than this discards connections after use, and each new one costs
    a TLS handshake."""
    from .informer import STREAMS

    return len(STREAMS) + bind_workers + 4


def load_config(kubeconfig: str | None, connections: int = 20) -> k8s.ApiClient:
    """An ApiClient from ``kubeconfig``, else the in-cluster service account,
    else ``$KUBECONFIG`` / ``~/.kube/config``, keeping up to ``connections``
    connections open."""
    configuration = k8s.Configuration()
    configuration.connection_pool_maxsize = connections
    if kubeconfig:
        k8s_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    else:
        try:
            k8s_config.load_incluster_config(client_configuration=configuration)
        except k8s_config.ConfigException:
            k8s_config.load_kube_config(client_configuration=configuration)
    if not configuration.verify_ssl:
        # Said once here instead of urllib3's warning on every request.
        log.warning("TLS certificate verification is off for %s (insecure-skip-tls-verify)", configuration.host)
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return k8s.ApiClient(configuration)


def own_namespace(kubeconfig: str | None) -> str:
    """The scheduler's namespace: ``$POD_NAMESPACE``, the service account's, the
    kubeconfig context's, else ``default``."""
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    if not kubeconfig and _SA_NAMESPACE.is_file():
        return _SA_NAMESPACE.read_text().strip() or "default"
    try:
        _, active = k8s_config.list_kube_config_contexts(config_file=kubeconfig)
        return str(active.get("context", {}).get("namespace") or "default")
    except (k8s_config.ConfigException, OSError, TypeError):
        return "default"


class ClientBackend:
    """The calls, on a configured ``kubernetes.client.ApiClient``."""

    def __init__(self, api_client: k8s.ApiClient, request_timeout: float = 30.0) -> None:
        self.api_client = api_client
        self.core = k8s.CoreV1Api(api_client)
        self.apps = k8s.AppsV1Api(api_client)
        self.custom = k8s.CustomObjectsApi(api_client)
        self.coordination = k8s.CoordinationV1Api(api_client)
        self.timeout = request_timeout

    # -- list and watch -----------------------------------------------------

    def _list_call(self, s: Stream) -> tuple[Any, tuple[Any, ...]]:
        if s.group:
            if s.namespace:
                return self.custom.list_namespaced_custom_object, (s.group, s.version, s.namespace, s.plural)
            return self.custom.list_cluster_custom_object, (s.group, s.version, s.plural)
        table = {
            "Node": (self.core.list_node, None),
            "Pod": (self.core.list_pod_for_all_namespaces, self.core.list_namespaced_pod),
            "ConfigMap": (self.core.list_config_map_for_all_namespaces, self.core.list_namespaced_config_map),
            "ReplicaSet": (self.apps.list_replica_set_for_all_namespaces, self.apps.list_namespaced_replica_set),
        }
        every, namespaced = table[s.kind]
        if s.namespace and namespaced is not None:
            return namespaced, (s.namespace,)
        return every, ()

    def list(self, s: Stream) -> tuple[list[dict[str, Any]], str]:
        """Every object of the stream, as the server's JSON, and the list's resourceVersion."""
        fn, args = self._list_call(s)
        doc = self._json(fn, *args)
        items = doc.get("items") or []
        for item in items:
            item.setdefault("kind", s.kind)
            item.setdefault("apiVersion", s.api_version)
        return items, str((doc.get("metadata") or {}).get("resourceVersion") or "")

    def watch(self, s: Stream, resource_version: str, timeout_seconds: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yields ``(type, object)`` from ``resource_version`` for up to
        ``timeout_seconds``; ``410 Gone`` raises ``BackendError(410)``."""
        fn, args = self._list_call(s)
        try:
            resp = fn(
                *args,
                watch=True,
                resource_version=resource_version,
                timeout_seconds=timeout_seconds,
                allow_watch_bookmarks=True,
                _preload_content=False,
                _request_timeout=(self.timeout, timeout_seconds + 15),
            )
        except _ERRORS as e:
            raise _translate(e) from None
        try:
            for line in k8s_watch.watch.iter_resp_lines(resp):
                if not line:
                    continue
                event = json.loads(line)
                kind, obj = str(event.get("type")), event.get("object")
                if kind == "ERROR":
                    status = obj if isinstance(obj, dict) else {}
                    raise BackendError(int(status.get("code") or 500), "http", str(status.get("message", "")))
                if isinstance(obj, dict):
                    obj.setdefault("kind", s.kind)
                    obj.setdefault("apiVersion", s.api_version)
                yield kind, obj
        except ValueError as e:
            raise BackendError(None, "connection", f"unreadable watch line: {e}") from None
        except _ERRORS as e:
            raise _translate(e) from None
        finally:
            resp.close()
            resp.release_conn()

    # -- one request, one reply -----------------------------------------------

    def _send(self, fn: Any, *args: Any, **kwargs: Any) -> bytes:
        """Calls ``fn`` unparsed and returns the reply's body. The connection
        goes back to the pool here: with ``_preload_content=False`` urllib3
        does not release it by itself, and every call would open (and
        TLS-handshake) a new one."""
        try:
            resp = fn(*args, _preload_content=False, _request_timeout=self.timeout, **kwargs)
            try:
                return bytes(resp.data)
            finally:
                resp.release_conn()
        except _ERRORS as e:
            raise _translate(e) from None

    def _json(self, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        doc = json.loads(self._send(fn, *args, **kwargs))
        return doc if isinstance(doc, dict) else {}

    def _get(self, fn: Any, name: str, namespace: str) -> dict[str, Any] | None:
        """The object, or None when the server says 404."""
        try:
            return self._json(fn, name, namespace)
        except BackendError as e:
            if e.status == 404:
                return None
            raise

    # -- pods ---------------------------------------------------------------

    def get_pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._get(self.core.read_namespaced_pod, name, namespace)

    def patch_pod(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.core.patch_namespaced_pod, name, namespace, body)

    def patch_pod_status(self, namespace: str, name: str, body: dict[str, Any]) -> None:
        self._send(self.core.patch_namespaced_pod_status, name, namespace, body)

    def bind_pod(self, namespace: str, name: str, uid: str, node: str) -> None:
        body = k8s.V1Binding(
            metadata=k8s.V1ObjectMeta(name=name, namespace=namespace, uid=uid or None),
            target=k8s.V1ObjectReference(api_version="v1", kind="Node", name=node),
        )
        # The reply is a Status the generated client cannot parse as a V1Binding.
        self._send(self.core.create_namespaced_pod_binding, name, namespace, body)

    def delete_pod(self, namespace: str, name: str, uid: str, grace_seconds: int | None) -> bool:
        """Deletes the pod with this UID; False when it was already gone."""
        options = k8s.V1DeleteOptions(
            grace_period_seconds=grace_seconds, preconditions=k8s.V1Preconditions(uid=uid) if uid else None
        )
        try:
            self._send(self.core.delete_namespaced_pod, name, namespace, body=options)
            return True
        except BackendError as e:
            if e.status == 404:
                return False
            raise

    # -- events, ConfigMaps, Leases -----------------------------------------

    def create_event(self, namespace: str, body: dict[str, Any]) -> None:
        self._send(self.core.create_namespaced_event, namespace, body)

    def get_configmap(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._get(self.core.read_namespaced_config_map, name, namespace)

    def create_configmap(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.core.create_namespaced_config_map, namespace, body)

    def replace_configmap(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.core.replace_namespaced_config_map, name, namespace, body)

    def get_lease(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._get(self.coordination.read_namespaced_lease, name, namespace)

    def create_lease(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.coordination.create_namespaced_lease, namespace, body)

    def replace_lease(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.coordination.replace_namespaced_lease, name, namespace, body)


KUBERNETES_VERSION: str = getattr(kubernetes, "__version__", "")
