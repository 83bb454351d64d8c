"""parley_client: the Python client of the Parley matchmaking server.

Needs Debian's python3-grpcio and python3-protobuf, and the stubs generated from proto/ by the
build (build/clients/python/gen) on PYTHONPATH with this directory. See clients/README.md.

    from parley_client import Client, v1
    with Client("127.0.0.1:50051", token=organizer_token) as client:
        event = client.organizer.create_event(event=v1.Event(name="Meetup"))
"""

import types as _types

from parley_client.client import (
    DEFAULT_TARGET,
    Client,
    ParleyError,
    ServiceProxy,
    _generated_modules,
    field_mask,
    message_class,
)


def _v1_namespace() -> _types.SimpleNamespace:
    """Every message and enum of parley.v1 in one place: v1.Event, v1.OPEN, v1.Meeting.PROPOSED."""
    namespace = _types.SimpleNamespace()
    for module in _generated_modules():
        if not module.__name__.startswith("parley.v1."):
            continue
        descriptor = module.DESCRIPTOR
        for name in descriptor.message_types_by_name:
            setattr(namespace, name, getattr(module, name))
        for name, enum in descriptor.enum_types_by_name.items():
            setattr(namespace, name, getattr(module, name))
            for value in enum.values:
                setattr(namespace, value.name, value.number)
    return namespace


v1 = _v1_namespace()

__all__ = [
    "Client", "DEFAULT_TARGET", "ParleyError", "ServiceProxy", "field_mask", "message_class", "v1",
]
