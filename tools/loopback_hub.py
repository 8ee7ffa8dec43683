"""A Hugging Face Hub look-alike on 127.0.0.1, for checking by hand that tlconvert's
cache and Python's huggingface_hub read each other's downloads (never used by CI;
the Swift tests start their own loopback Hub, Tests/TLHubTests/LoopbackHub.swift).

    tools/.venv/bin/python tools/loopback_hub.py Fixtures/models/gpt2 18431 &
    HF_ENDPOINT=http://127.0.0.1:18431 HF_HUB_CACHE=/tmp/hc tlconvert download gpt2-small
    HF_HUB_OFFLINE=1 tools/.venv/bin/python -c "from huggingface_hub import snapshot_download; \\
        print(snapshot_download('gpt2', local_files_only=True, cache_dir='/tmp/hc'))"

Every repo id serves the given folder (plus a tf_model.h5 decoy) at one commit:
/api/models/{repo}/revision/{rev} (sha, siblings); /{repo}/resolve/{rev}/{file} with
ETag = git blob id and X-Repo-Commit; weight files answer 302 to the next port (another
origin, like the CDN) with X-Linked-Etag = sha256 and X-Linked-Size; Range requests.
Requests are logged to ./loopback_hub.log.
"""
import hashlib
import http.server
import json
import os
import sys
import threading
import urllib.parse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def load(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = f.read()
    files["tf_model.h5"] = b"x" * 100
    return files


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(name):
    return name.endswith((".safetensors", ".bin", ".h5"))


def make_handler(files, cdn_port, log):
    by_sha = {sha256(data): data for data in files.values()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            log.write(f"{self.server.server_port} {self.command} {self.path} {self.headers.get('Range')}\n")
            log.flush()

        def reply(self, status, headers, body):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def reply_file(self, data, headers):
            wanted = self.headers.get("Range")
            if wanted and wanted.startswith("bytes=") and wanted.endswith("-"):
                start = int(wanted[6:-1])
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                return self.reply(206, headers, data[start:])
            self.reply(200, headers, data)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path = urllib.parse.unquote(urllib.parse.urlparse(self.path).path)
            if self.server.server_port == cdn_port:
                data = by_sha.get(path.removeprefix("/cdn/"))
                return self.reply(404, {}, b"") if data is None else self.reply_file(data, {"ETag": '"cdn"'})
            if path.startswith("/api/models/") and "/revision/" in path:
                repo = path[len("/api/models/"):path.index("/revision/")]
                info = {"id": repo, "sha": COMMIT, "siblings": [{"rfilename": f} for f in sorted(files)]}
                return self.reply(200, {"Content-Type": "application/json"}, json.dumps(info).encode())
            if "/resolve/" not in path:
                return self.reply(404, {}, b"")
            rest = path[path.index("/resolve/") + len("/resolve/"):]
            name = rest[rest.find("/") + 1:]
            if name not in files:
                return self.reply(404, {"X-Error-Code": "EntryNotFound"}, b"")
            data = files[name]
            if is_lfs(name):
                return self.reply(302, {
                    "Location": f"http://127.0.0.1:{cdn_port}/cdn/{sha256(data)}",
                    "X-Linked-Etag": f'"{sha256(data)}"',
                    "X-Linked-Size": str(len(data)),
                    "X-Repo-Commit": COMMIT,
                }, b"Found")
            self.reply_file(data, {"ETag": f'"{git_blob_id(data)}"', "X-Repo-Commit": COMMIT})

    return Handler


def main():
    root, port = sys.argv[1], int(sys.argv[2])
    handler = make_handler(load(root), port + 1, open("loopback_hub.log", "a"))
    for p in (port, port + 1):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", p), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {root} at http://127.0.0.1:{port}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
