"""What both examples share: the connection flags and the client built from them."""

import argparse
import os

from parley_client import Client


def add_connection_arguments(parser: argparse.ArgumentParser, role: str) -> None:
    """--server, --token, --tls, --ca-cert and --timeout (seconds per call)."""
    parser.add_argument("--server", default=os.environ.get("PARLEY_SERVER", "127.0.0.1:50051"))
    parser.add_argument("--token", default=os.environ.get("PARLEY_TOKEN"),
                        help=f"{role} token (default: $PARLEY_TOKEN)")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--ca-cert", help="PEM of the CA that signed the server certificate")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per call")


def connect(parser: argparse.ArgumentParser, args: argparse.Namespace, role: str) -> Client:
    if not args.token:
        parser.error(f"--token or PARLEY_TOKEN is required (an {role} token)")
    return Client(args.server, args.token, tls=args.tls, ca_cert_file=args.ca_cert,
                  deadline=args.timeout)
