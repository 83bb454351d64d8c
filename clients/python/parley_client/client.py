"""A typed wrapper over the generated gRPC stubs of every Parley service.

One `Client` holds one channel. Every call carries the bearer token (``authorization: Bearer
<token>`` metadata) and a deadline, and raises `ParleyError` (with the gRPC status code and the
server's message) instead of grpc.RpcError. Services are discovered from the generated modules,
so a service added to proto/ appears here without code changes::

    client = Client("127.0.0.1:50051", token=organizer_token, deadline=30)
    event = client.organizer.get_event(event_id=7)           # fields as keywords...
    event = client.organizer.GetEvent(v1.GetEventRequest(event_id=7))   # ...or a request
    for progress in client.matching.start_matching_run(event_id=7, timeout=600):
        print(progress.phase)

Thread-safe: a Client may be used from several threads at once (grpcio channels are).
"""

import importlib
import pkgutil
import re
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence

import grpc
from google.protobuf import descriptor_pool, field_mask_pb2, message_factory, symbol_database

DEFAULT_TARGET = "127.0.0.1:50051"

# The largest number of rows the server takes in one ImportAttendees message.
MAX_IMPORT_BATCH = 1000


class ParleyError(Exception):
    """A call failed. `code` is the grpc.StatusCode, `details` the server's message.

    The codes an app should expect: UNAUTHENTICATED (no or unknown token), PERMISSION_DENIED (a
    token of another role), INVALID_ARGUMENT (the message names the field), NOT_FOUND (also for
    another community's objects), ALREADY_EXISTS, FAILED_PRECONDITION (state the caller must
    change first), ABORTED (a concurrent change won: retry the read-modify-write), UNAVAILABLE
    (retry the call) and DEADLINE_EXCEEDED.
    """

    def __init__(self, code: grpc.StatusCode, details: str, method: str = ""):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details
        self.method = method

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError, method: str = "") -> "ParleyError":
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        return cls(code, details or "", method)


def field_mask(*paths: str) -> field_mask_pb2.FieldMask:
    """A FieldMask naming top-level fields, for the Update* calls: field_mask("name", "slots")."""
    return field_mask_pb2.FieldMask(paths=list(paths))


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _service_attribute(service_name: str) -> str:
    """OrganizerService -> organizer, Health -> health, RelationshipService -> relationship."""
    if service_name.endswith("Service") and service_name != "Service":
        service_name = service_name[: -len("Service")]
    return _snake_case(service_name)


def _generated_modules() -> List[Any]:
    """Every generated *_pb2 module: parley.v1.* and the flat ones (health_pb2)."""
    import parley.v1  # generated; on PYTHONPATH (build/clients/python/gen)

    modules = []
    for info in sorted(pkgutil.iter_modules(parley.v1.__path__), key=lambda m: m.name):
        if info.name.endswith("_pb2"):
            modules.append(importlib.import_module(f"parley.v1.{info.name}"))
    modules.append(importlib.import_module("health_pb2"))
    return modules


class _Services:
    """Service descriptors and stub classes, loaded once per process."""

    _by_attribute: Optional[Dict[str, Any]] = None

    @classmethod
    def all(cls) -> Dict[str, Any]:
        if cls._by_attribute is None:
            found = {}
            for module in _generated_modules():
                services = module.DESCRIPTOR.services_by_name
                if not services:
                    continue
                grpc_module = importlib.import_module(module.__name__ + "_grpc")
                for name, descriptor in services.items():
                    stub_class = getattr(grpc_module, name + "Stub")
                    found[_service_attribute(name)] = (descriptor, stub_class)
            cls._by_attribute = found
        return cls._by_attribute


def message_class(full_name: str) -> Any:
    """The generated class of a message by its full name ("parley.v1.Event")."""
    get_message_class = getattr(message_factory, "GetMessageClass", None)  # protobuf >= 4.22
    if get_message_class is not None:
        return get_message_class(descriptor_pool.Default().FindMessageTypeByName(full_name))
    return symbol_database.Default().GetSymbol(full_name)


class ServiceProxy:
    """One service: a method per RPC, in snake_case and as named in the .proto.

    Unary calls take a request message or its fields as keywords and return the response.
    Server-streaming calls return an iterator of responses (the deadline bounds the whole
    stream; close the iterator, or stop iterating and drop it, to cancel). Client-streaming
    calls take an iterable of requests. Every call takes ``timeout=`` (seconds) to override the
    client's deadline.
    """

    def __init__(self, client: "Client", descriptor: Any, stub: Any):
        self._name = descriptor.full_name
        for method in descriptor.methods:
            wrapped = client._wrap(method, getattr(stub, method.name))
            setattr(self, method.name, wrapped)
            setattr(self, _snake_case(method.name), wrapped)

    def __repr__(self) -> str:
        return f"<ServiceProxy {self._name}>"


class Client:
    """A connection to parleyd with one token.

    target: "host:port" (or any gRPC target). token: the bearer token; None sends none (only
    the health check works without one). tls: speak TLS; ca_cert_file (PEM) or ca_cert (bytes)
    names the CA that signed the server's certificate, otherwise the system roots are used;
    server_name overrides the name checked against the certificate. deadline: seconds allowed to
    each call (and to each whole stream) unless the call says otherwise; default 30.
    max_message_bytes: largest message either way; default 64 MiB.

    Services: admin, organizer, attendee, matching, agenda, health, and any other service
    generated from proto/ under its snake_case name without "Service".
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        token: Optional[str] = None,
        *,
        tls: bool = False,
        ca_cert_file: Optional[str] = None,
        ca_cert: Optional[bytes] = None,
        server_name: Optional[str] = None,
        deadline: float = 30.0,
        max_message_bytes: int = 64 << 20,
        _channel: Optional[grpc.Channel] = None,
    ):
        if not target:
            raise ValueError("target: empty server address")
        if deadline <= 0:
            raise ValueError("deadline: must be positive")
        _check_token(token)
        self.target = target
        self.token = token
        self.deadline = deadline
        self._tls = tls
        self._owns_channel = _channel is None
        if _channel is None:
            options = [
                ("grpc.max_send_message_length", max_message_bytes),
                ("grpc.max_receive_message_length", max_message_bytes),
            ]
            if tls:
                if ca_cert_file is not None:
                    with open(ca_cert_file, "rb") as pem:
                        ca_cert = pem.read()
                if server_name:
                    options.append(("grpc.ssl_target_name_override", server_name))
                credentials = grpc.ssl_channel_credentials(root_certificates=ca_cert)
                _channel = grpc.secure_channel(target, credentials, options)
            else:
                _channel = grpc.insecure_channel(target, options)
        self.channel = _channel
        for attribute, (descriptor, stub_class) in _Services.all().items():
            setattr(self, attribute, ServiceProxy(self, descriptor, stub_class(self.channel)))

    # Declared for readers and type checkers; set in __init__ from the generated services.
    admin: ServiceProxy
    organizer: ServiceProxy
    attendee: ServiceProxy
    matching: ServiceProxy
    agenda: ServiceProxy
    health: ServiceProxy

    def with_token(self, token: Optional[str]) -> "Client":
        """A client on the same channel with another token (one per attendee of a crowd)."""
        return Client(self.target, token, deadline=self.deadline, _channel=self.channel)

    def close(self) -> None:
        """Closes the channel if this client opened it (with_token clients share it)."""
        if self._owns_channel:
            self.channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def wait_until_serving(self, timeout: Optional[float] = None) -> None:
        """Waits (up to timeout, default the deadline) until the server answers SERVING."""
        response = self.health.check(service="", timeout=timeout, wait_for_ready=True)
        if response.status != response.SERVING:
            raise ParleyError(grpc.StatusCode.UNAVAILABLE, f"health: status {response.status}")

    # ---- Helpers for the calls that need more than one message. ----

    def import_attendees(
        self,
        event_id: int,
        rows: Iterable[Any],
        *,
        batch_size: int = MAX_IMPORT_BATCH,
        max_batch_bytes: int = 1 << 20,
        timeout: Optional[float] = None,
    ) -> Any:
        """Streams ImportRows to OrganizerService.ImportAttendees and returns the response.

        Rows go in messages of at most batch_size rows and, unless one row is larger, at most
        max_batch_bytes bytes. Bad rows are results (REJECTED, with the reason), not errors; a
        ParleyError means the stream failed (no such event, a CLOSED event, the deadline) and
        rows acknowledged before it stay stored: importing again is safe (upsert by external_id).
        """
        request_class = message_class("parley.v1.ImportAttendeesRequest")
        batch_size = max(1, min(batch_size, MAX_IMPORT_BATCH))

        def batches() -> Iterator[Any]:
            pending: List[Any] = []
            size = 0
            for row in rows:
                row_bytes = row.ByteSize()
                if pending and (len(pending) >= batch_size or size + row_bytes > max_batch_bytes):
                    yield request_class(event_id=event_id, rows=pending)
                    pending, size = [], 0
                pending.append(row)
                size += row_bytes
            if pending:
                yield request_class(event_id=event_id, rows=pending)

        return self.organizer.import_attendees(batches(), timeout=timeout)

    def run_matching(
        self,
        event_id: int,
        seed: int = 0,
        *,
        on_progress: Optional[Callable[[Any], None]] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Runs MatchingService.StartMatchingRun and returns its last message (DONE or FAILED).

        on_progress gets every message, phase by phase. A FAILED run is a result (see .error),
        not an exception. timeout bounds the whole run (default: the client's deadline).
        """
        last = None
        for progress in self.matching.start_matching_run(
            event_id=event_id, seed=seed, timeout=timeout
        ):
            if on_progress is not None:
                on_progress(progress)
            last = progress
        if last is None:
            raise ParleyError(grpc.StatusCode.INTERNAL, "the run stream ended without a message")
        return last

    def pages(self, method: Callable[..., Any], items: str, **fields: Any) -> Iterator[Any]:
        """Every item of a paged List call, page after page:

        for attendee in client.pages(client.organizer.list_attendees, "attendees", event_id=3):
        """
        page_token = ""
        while True:
            response = method(page_token=page_token, **fields)
            yield from getattr(response, items)
            page_token = response.next_page_token
            if not page_token:
                return

    # ---- Internals. ----

    def _metadata(self, extra: Optional[Sequence[Any]]) -> List[Any]:
        metadata = list(extra or [])
        if self.token:
            metadata.append(("authorization", f"Bearer {self.token}"))
        return metadata

    def _wrap(self, method: Any, callable_: Any) -> Callable[..., Any]:
        name = f"/{method.containing_service.full_name}/{method.name}"
        request_class = message_class(method.input_type.full_name)
        client = self

        def options(timeout: Optional[float], metadata: Any, wait_for_ready: Optional[bool]):
            return dict(
                timeout=client.deadline if timeout is None else timeout,
                metadata=client._metadata(metadata),
                wait_for_ready=wait_for_ready,
            )

        if method.client_streaming:

            def call_stream_in(requests, *, timeout=None, metadata=None, wait_for_ready=None):
                try:
                    response = callable_(
                        iter(requests), **options(timeout, metadata, wait_for_ready)
                    )
                except grpc.RpcError as error:
                    raise ParleyError.from_rpc_error(error, name) from None
                if method.server_streaming:
                    return _Stream(response, name)
                return response

            return call_stream_in

        def call(request=None, *, timeout=None, metadata=None, wait_for_ready=None, **fields):
            if request is None:
                request = request_class(**fields)
            elif fields:
                raise TypeError(f"{name}: pass a request or fields, not both")
            try:
                response = callable_(request, **options(timeout, metadata, wait_for_ready))
            except grpc.RpcError as error:
                raise ParleyError.from_rpc_error(error, name) from None
            if method.server_streaming:
                return _Stream(response, name)
            return response

        call.__name__ = _snake_case(method.name)
        call.__doc__ = f"{name}({method.input_type.name}) -> {method.output_type.name}"
        return call


class _Stream:
    """The responses of a server-streaming call; ParleyError instead of grpc.RpcError.

    Iterating ends when the server finishes the stream. cancel() (or close(), or leaving a
    `with` block) ends it early from this side.
    """

    def __init__(self, call: Any, method: str):
        self._call = call
        self._method = method

    def __iter__(self) -> "_Stream":
        return self

    def __next__(self) -> Any:
        try:
            return next(self._call)
        except grpc.RpcError as error:
            raise ParleyError.from_rpc_error(error, self._method) from None

    def cancel(self) -> None:
        self._call.cancel()

    close = cancel

    def __enter__(self) -> "_Stream":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.cancel()


def _check_token(token: Optional[str]) -> None:
    if token is None:
        return
    if not token or any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
        raise ValueError("token: must be printable ASCII without spaces (is it the right file?)")
