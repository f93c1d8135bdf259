#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol (on a pipe: no WebSocket library needed).

    graphiql_driver.py URL EXPECTED

Opens URL (a GraphiQL page whose editors are filled from its `?query=` and `?headers=`), waits
for the editor, clicks GraphiQL's run button, and waits until the result pane contains EXPECTED.
Every host but 127.0.0.1 resolves to nothing, and every request the page makes is recorded:
one to another origin fails the run. Prints one JSON line (result text, requests) and exits 0
on success, 1 with the reason on stderr otherwise.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

url, expected = sys.argv[1], sys.argv[2]
origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    sys.exit("chromium is not installed (apt-get install chromium; .ci/run installs it)")

profile = tempfile.mkdtemp(prefix="quidditch-chromium-")
to_browser_r, to_browser_w = os.pipe()
from_browser_r, from_browser_w = os.pipe()
args = [
    chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-extensions", "--disable-background-networking", "--disable-sync",
    "--remote-debugging-pipe", f"--user-data-dir={profile}",
    # No network: any host but the test server's resolves to nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "about:blank",
]
# Chromium reads commands on fd 3 and writes answers on fd 4.
shell = 'exec "$@" 3<&{} 4>&{}'.format(to_browser_r, from_browser_w)
browser = subprocess.Popen(
    ["sh", "-c", shell, "sh", *args],
    pass_fds=(to_browser_r, from_browser_w),
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
os.close(to_browser_r)
os.close(from_browser_w)
out = os.fdopen(to_browser_w, "wb")
inp = os.fdopen(from_browser_r, "rb")
buffer = b""
events = []
next_id = 0
deadline = time.monotonic() + 60


def fail(reason):
    sys.stderr.write(f"graphiql_driver: {reason}\n")
    browser.kill()
    shutil.rmtree(profile, ignore_errors=True)
    sys.exit(1)


def receive():
    global buffer
    while b"\0" not in buffer:
        chunk = os.read(inp.fileno(), 65536)
        if not chunk:
            fail("chromium closed the DevTools pipe")
        buffer += chunk
    message, buffer = buffer.split(b"\0", 1)
    return json.loads(message)


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    out.write(json.dumps(message).encode() + b"\0")
    out.flush()
    while True:
        answer = receive()
        if answer.get("id") == next_id:
            if "error" in answer:
                fail(f"{method}: {answer['error']}")
            return answer.get("result", {})
        events.append(answer)


def evaluate(session, expression):
    result = send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
    return result.get("result", {}).get("value")


def wait_for(session, expression, what):
    while time.monotonic() < deadline:
        value = evaluate(session, expression)
        if value:
            return value
        time.sleep(0.2)
    body = evaluate(session, "document.body ? document.body.innerText.slice(0, 500) : ''")
    fail(f"timed out waiting for {what}; the page shows: {body!r}")


target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
send("Network.enable", {}, session)
send("Page.enable", {}, session)
send("Page.navigate", {"url": url}, session)
wait_for(session, "!!document.querySelector('.graphiql-execute-button')", "GraphiQL's run button")
wait_for(
    session,
    "!!document.querySelector('.graphiql-query-editor') && "
    "document.querySelector('.graphiql-query-editor').innerText.includes('getGame')",
    "the query in the editor",
)
evaluate(session, "document.querySelector('.graphiql-execute-button').click(), true")
text = wait_for(
    session,
    f"(function() {{ var r = document.querySelector('.graphiql-response'); "
    f"var t = r ? r.innerText : ''; return t.includes({json.dumps(expected)}) ? t : ''; }})()",
    f"{expected!r} in the result pane",
)
requests = [
    e["params"]["request"]["url"]
    for e in events
    if e.get("method") == "Network.requestWillBeSent"
]
try:
    send("Browser.close")
except SystemExit:
    pass
browser.wait(timeout=10)
shutil.rmtree(profile, ignore_errors=True)
elsewhere = [r for r in requests if not (r.startswith(origin + "/") or r.startswith("data:"))]
if elsewhere:
    fail(f"the page asked other origins: {elsewhere}")
print(json.dumps({"result": text, "requests": requests}))
