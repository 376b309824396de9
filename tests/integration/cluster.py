"""Several real `qingchu run` processes on one PostgreSQL behind Debian's nginx, talking to a fake Bot API
served from the test process: the set-up of the scale-out test and of bench/bench_webhook.py.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from backend.db import migrate
from bot.fake_telegram import FakeBotApi
from bot.fake_telegram.server import FakeApiServer, serve_fake_bot_api

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HOOK_PATH = "/telegram/hook"
SECRET = "scale-out-secret-0123456789abcdef"
TOKEN = "123456789:AAFakeTokenForScaleOutTests_0123"

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream qingchu {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location {hook} {{
            proxy_pass http://qingchu;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            # Updates are deduplicated by update_id, so a POST may safely go to the other instance.
            proxy_next_upstream error timeout http_502 non_idempotent;
            proxy_connect_timeout 1s;
            proxy_read_timeout 10s;
        }}
    }}
}}
"""


async def answers_healthz(
    http: aiohttp.ClientSession, port: int, seconds: float, alive: Callable[[], bool] = lambda: True
) -> bool:
    """True once GET /healthz on 127.0.0.1:port answers 200; False after `seconds` or when `alive` says no."""
    for _ in range(int(seconds * 20)):
        if not alive():
            return False
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return True
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fresh_database(server: str, name: str) -> str:
    maintenance = await asyncpg.connect(f"{server}/postgres")
    try:
        await maintenance.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await maintenance.execute(f"CREATE DATABASE {name}")
    finally:
        await maintenance.close()
    url = f"{server}/{name}"
    await migrate(url)
    return url


@dataclass
class Cluster:
    workdir: Path
    database_url: str
    ports: list[int]
    fake: FakeBotApi = field(default_factory=lambda: FakeBotApi(TOKEN, local_mode=True))
    nginx_port: int = field(default_factory=free_port)
    api: FakeApiServer | None = None
    nginx: subprocess.Popen | None = None
    instances: dict[int, subprocess.Popen] = field(default_factory=dict)
    http: aiohttp.ClientSession | None = None

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}{HOOK_PATH}"

    async def start(self) -> None:
        self.api = await serve_fake_bot_api(self.fake)
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        for port in self.ports:
            self.start_instance(port)
        for port in self.ports:
            await self.wait_ready(port)
        self.start_nginx()
        await self.wait_nginx()

    def environment(self, port: int) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "DATABASE_URL": self.database_url,
            "BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{self.api.port}",
            "BOT_MODE": "webhook",
            "WEBHOOK_URL": self.hook_url,
            "WEBHOOK_SECRET": SECRET,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }

    def start_instance(self, port: int) -> None:
        log = open(self.workdir / f"instance-{port}.log", "ab")  # noqa: SIM115 - closed with the process
        self.instances[port] = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "run"],
            cwd=self.workdir,
            env=self.environment(port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self, port: int) -> None:
        """SIGKILL: no clean-up at all, as on a power cut or an OOM kill."""
        self.instances[port].send_signal(signal.SIGKILL)
        self.instances[port].wait()

    async def wait_ready(self, port: int, seconds: float = 60) -> None:
        process = self.instances[port]
        if not await answers_healthz(
            self.http, port, seconds, alive=lambda: process.poll() is None
        ):
            raise RuntimeError(f"instance {port} did not answer: {self.log(port)}")

    def start_nginx(self) -> None:
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in self.ports
        )
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.workdir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                dir=self.workdir, user=user, servers=servers, port=self.nginx_port, hook=HOOK_PATH
            )
        )
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def wait_nginx(self) -> None:
        for _ in range(100):
            try:
                async with self.http.get(f"http://127.0.0.1:{self.nginx_port}/") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        raise TimeoutError(
            f"nginx did not start: {self.nginx.stderr.read().decode() if self.nginx else ''}"
        )

    async def post(self, update: dict) -> int:
        """Deliver one update as Telegram does: again after a failure, until it is answered 200."""
        for _ in range(50):
            try:
                async with self.http.post(
                    self.hook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                ) as response:
                    await response.read()
                    if response.status == 200:
                        return response.status
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"update {update.get('update_id')} was never accepted")

    def log(self, port: int) -> str:
        path = self.workdir / f"instance-{port}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    async def stop(self) -> None:
        for process in self.instances.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.instances.values():
            await wait_exit(process, 15)
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            await wait_exit(self.nginx, 10)
        if self.http is not None:
            await self.http.close()
        if self.api is not None:
            await self.api.close()


async def wait_exit(process: subprocess.Popen, seconds: float) -> int:
    """Wait without blocking the event loop (the fake Bot API lives in it); kill after `seconds`."""
    for _ in range(int(seconds * 20)):
        if process.poll() is not None:
            return process.returncode
        await asyncio.sleep(0.05)
    process.kill()
    return process.wait()
