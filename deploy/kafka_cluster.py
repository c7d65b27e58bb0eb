"""A replicated Kafka cluster on loopback: three combined broker+controller KRaft nodes
(static quorum), replication factor 3 and ``min.insync.replicas=2``, from the same jars as
the single node of ``deploy/infra.sh``.

With it, a broker can die mid-flow: the producers (``acks=all``, idempotent) wait for the
new leader, the consumers follow it, and nothing acknowledged is lost. ``make run`` keeps
the single node; point Lotline at the cluster with
``LOTLINE_KAFKA__BOOTSTRAP_SERVERS=<the three addresses> LOTLINE_KAFKA__REPLICATION_FACTOR=3``.

    deploy/infra.sh cluster start|stop|status        (or python -m deploy.kafka_cluster …)
    environment: LOTLINE_KAFKA_CLUSTER_PORT (19192: brokers on 19192/19194/19196,
                 controllers one above each), LOTLINE_RUN_DIR (<repo>/.run)
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBS = ROOT / ".cache" / "kafka-libs"
TEMPLATE = ROOT / "deploy" / "kafka" / "server.properties.template"
LOG4J = ROOT / "deploy" / "kafka" / "log4j2.properties"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
REPLICAS = 3
MIN_INSYNC = 2

# Keys of the single-node template that a cluster node sets otherwise.
REPLACED = (
    "node.id",
    "controller.quorum.bootstrap.servers",
    "default.replication.factor",
    "min.insync.replicas",
    "offsets.topic.replication.factor",
    "offsets.topic.num.partitions",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "share.coordinator.state.topic.replication.factor",
    "share.coordinator.state.topic.min.isr",
)


def new_cluster_id() -> str:
    """A Kafka cluster id: the unpadded URL-safe base64 of 16 random bytes, never one that
    starts with ``-`` (one in 64 would: the storage tool then reads it as an option, and
    Kafka's own ``Uuid.randomUuid`` draws again for the same reason)."""
    while True:
        raw = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not raw.startswith("-"):
            return raw


@dataclass(frozen=True)
class Node:
    node_id: int
    port: int
    controller_port: int
    home: Path

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def props(self) -> Path:
        return self.home / "server.properties"

    @property
    def pidfile(self) -> Path:
        return self.home / "kafka.pid"

    def pid(self) -> int | None:
        """The node's JVM, if it runs."""
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid


def node_config(node: Node, nodes: list[Node]) -> str:
    """The single-node template with this node's id, ports and the static quorum, and
    every replication setting raised to the cluster's."""
    text = (
        TEMPLATE.read_text()
        .replace("@KAFKA_PORT@", str(node.port))
        .replace("@CONTROLLER_PORT@", str(node.controller_port))
        .replace("@DATA_DIR@", str(node.data))
    )
    kept = [line for line in text.splitlines() if line.split("=", 1)[0].strip() not in REPLACED]
    voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes)
    return "\n".join(
        [
            *kept,
            "",
            "# three-node cluster (deploy/kafka_cluster.py)",
            f"node.id={node.node_id}",
            f"controller.quorum.voters={voters}",
            f"default.replication.factor={REPLICAS}",
            f"min.insync.replicas={MIN_INSYNC}",
            f"offsets.topic.replication.factor={REPLICAS}",
            "offsets.topic.num.partitions=3",
            f"transaction.state.log.replication.factor={REPLICAS}",
            f"transaction.state.log.min.isr={MIN_INSYNC}",
            f"share.coordinator.state.topic.replication.factor={REPLICAS}",
            f"share.coordinator.state.topic.min.isr={MIN_INSYNC}",
            "# a dead broker is fenced (its partitions led elsewhere) after 4 s, not 9",
            "broker.heartbeat.interval.ms=1000",
            "broker.session.timeout.ms=4000",
            "",
        ]
    )


def _java(node: Node, main: str, *args: str) -> list[str]:
    return [
        "java",
        "-Xms256m",
        "-Xmx384m",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        *os.environ.get("LOTLINE_KAFKA_JAVA_OPTS", "").split(),  # as deploy/infra.sh's
        f"-Dkafka.logs.dir={node.logs}",
        f"-Dlog4j2.configurationFile={LOG4J}",
        "-cp",
        f"{LIBS}/*",
        main,
        *args,
    ]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Cluster:
    """Three nodes under ``run_dir/kafka-cluster``; each can be killed and started again."""

    def __init__(self, run_dir: Path, base_port: int, size: int = REPLICAS) -> None:
        home = run_dir / "kafka-cluster"
        self.home = home
        self.nodes = [
            Node(i + 1, base_port + 2 * i, base_port + 2 * i + 1, home / f"node-{i + 1}")
            for i in range(size)
        ]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def node(self, node_id: int) -> Node:
        return next(n for n in self.nodes if n.node_id == node_id)

    def _format(self) -> None:
        """Every node's storage formatted once, with one cluster id."""
        if all((n.data / "meta.properties").exists() for n in self.nodes):
            return
        raw = new_cluster_id()
        formatting = {}  # the nodes at once: each is a JVM's start-up, seconds on a busy box
        for node in self.nodes:
            node.data.mkdir(parents=True, exist_ok=True)
            command = _java(
                node, "kafka.tools.StorageTool", "format", "-t", raw, "-c", str(node.props)
            )
            formatting[node.node_id] = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        for node_id, process in formatting.items():
            output, _ = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"formatting node {node_id} failed: {output}")

    def start(self) -> None:
        """Start every node that is not running, and wait until each serves clients."""
        if not LIBS.exists():
            raise RuntimeError("no Kafka jars: run deploy/infra.sh fetch")
        for node in self.nodes:
            node.logs.mkdir(parents=True, exist_ok=True)
            node.props.write_text(node_config(node, self.nodes))
        self._format()
        for node in self.nodes:
            self.start_node(node.node_id, wait=False)
        for node in self.nodes:
            self._wait_ready(node)

    def start_node(self, node_id: int, *, wait: bool = True) -> None:
        node = self.node(node_id)
        if node.pid() is not None:
            return
        log = node.logs / "server.log"
        if log.exists():
            log.replace(node.logs / "server.log.prev")
        with open(node.logs / "stdout.log", "ab") as out:
            process = subprocess.Popen(
                _java(node, "kafka.Kafka", str(node.props)),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        node.pidfile.write_text(f"{process.pid}\n")
        if wait:
            self._wait_ready(node)

    def _wait_ready(self, node: Node) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        log = node.logs / "server.log"
        while time.monotonic() < deadline:
            if node.pid() is None:
                raise RuntimeError(f"kafka node {node.node_id} exited; see {node.logs}")
            started = log.exists() and "Kafka Server started" in log.read_text(errors="replace")
            if started and _port_open(node.port):
                return
            time.sleep(0.25)
        raise RuntimeError(f"kafka node {node.node_id} not ready after {START_TIMEOUT}s")

    def kill(self, node_id: int) -> None:
        """SIGKILL one node: a broker lost at the worst moment, no clean shutdown."""
        node = self.node(node_id)
        pid = node.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid)
        node.pidfile.unlink(missing_ok=True)

    def stop(self) -> None:
        """Every node told to stop at once: stopped one after another, the last one has lost
        its quorum and waits for a controller that is gone (its whole stop timeout)."""
        running = {node: pid for node in self.nodes if (pid := node.pid()) is not None}
        for pid in running.values():
            os.kill(pid, signal.SIGTERM)
        for node, pid in running.items():
            if not _wait_gone(pid, STOP_TIMEOUT):
                os.kill(pid, signal.SIGKILL)
                _wait_gone(pid)
            node.pidfile.unlink(missing_ok=True)

    def status(self) -> list[str]:
        return [
            f"kafka node {n.node_id}: "
            + (f"running (pid {pid}, port {n.port})" if (pid := n.pid()) else "stopped")
            for n in self.nodes
        ]


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            waited, _ = os.waitpid(pid, os.WNOHANG)  # our own child: reap it
            if waited == pid:
                return True
        except ChildProcessError:
            pass  # not our child: its parent reaps it
        except OSError:
            return True
        time.sleep(0.1)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/infra.sh cluster", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("command", choices=("start", "stop", "status", "new-cluster-id"))
    args = parser.parse_args(argv)
    if args.command == "new-cluster-id":  # deploy/infra.sh's single broker formats with it
        print(new_cluster_id())
        return 0
    run_dir = Path(os.environ.get("LOTLINE_RUN_DIR", ROOT / ".run")).resolve()
    cluster = Cluster(run_dir, int(os.environ.get("LOTLINE_KAFKA_CLUSTER_PORT", "19192")))
    if args.command == "start":
        cluster.start()
        print(f"kafka cluster running: {cluster.bootstrap_servers}")
    elif args.command == "stop":
        cluster.stop()
        print("kafka cluster stopped")
    for line in cluster.status() if args.command == "status" else ():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
