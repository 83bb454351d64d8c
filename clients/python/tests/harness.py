"""Shared by the Python client tests: a real parleyd per test class, a community with an
organiser token, and a way to run the example scripts."""

import os
import subprocess
import sys
import unittest

from parley_client import Client
from parley_client.testing import LocalServer

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES_DIR = os.path.join(PYTHON_DIR, "examples")
EXAMPLE_CSV = os.environ.get(
    "PARLEY_EXAMPLE_CSV",
    os.path.join(PYTHON_DIR, "..", "examples", "data", "attendees.csv"))

# Every call of the tests has this deadline (seconds); runs and examples get longer ones.
DEADLINE = 30


class ServerTestCase(unittest.TestCase):
    """Starts parleyd ($PARLEYD) once for the class, with an operator client (`admin`) and an
    organiser client (`organizer`) of a fresh community."""

    @classmethod
    def setUpClass(cls):
        if not os.environ.get("PARLEYD"):
            raise unittest.SkipTest("PARLEYD is not set: run through ctest")
        cls.server = LocalServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.admin = Client(cls.server.target, cls.server.admin_token, deadline=DEADLINE)
        cls.addClassCleanup(cls.admin.close)
        cls.admin.wait_until_serving()
        community = cls.admin.admin.create_community(name=f"{cls.__name__} community")
        cls.community_id = community.id
        cls.organizer_token = cls.admin.admin.issue_organizer_token(
            community_id=community.id, label="tests").token
        cls.organizer = cls.admin.with_token(cls.organizer_token)

    def run_example(self, script, token, *args):
        """Runs examples/<script> against the server; returns the CompletedProcess."""
        env = dict(os.environ, PARLEY_SERVER=self.server.target, PARLEY_TOKEN=token)
        return subprocess.run([sys.executable, os.path.join(EXAMPLES_DIR, script), *args],
                              env=env, capture_output=True, text=True, timeout=300)

    def assertExampleOk(self, result):
        self.assertEqual(result.returncode, 0,
                         f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
